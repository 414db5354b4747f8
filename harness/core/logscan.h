/* The lines of a file as a program printed them, wherever they were
 * saved: a plain file (an agent's saved output, a console capture) line by
 * line, or a LAVA job log, which is YAML — one flow mapping a line, `{"dt":
 * ..., "lvl": "target", "msg": "..."}`, the serial console's lines in the
 * msg of lvl target, double-quoted YAML, and with every '"' of the console
 * escaped once more by LAVA's ShellLogger — decoded back to the bytes the
 * device sent. `harness ingest` finds framed result streams in them. */
#ifndef HARNESS_LOGSCAN_H
#define HARNESS_LOGSCAN_H

#include <stddef.h>

#include "core/error.h"

/* line is the decoded text (no newline); lineno is the file's line it
 * came from (1-based). Non-zero stops the scan and is returned. */
typedef int (*logscan_fn)(void *user, const char *line, size_t len, size_t lineno,
			  struct herr *err);

/* EXIT_USAGE when the file cannot be read. */
int logscan_file(const char *path, logscan_fn fn, void *user, struct herr *err);

/* Decode one LAVA log line's console text into out (at least len + 1
 * bytes). Returns the decoded length; -1 when the line is no LAVA record
 * (a plain line), -2 when it is one but not of the device's output (lvl
 * target or feedback): LAVA's own actions and results. Exposed for the
 * unit tests. */
long logscan_lava_line(const char *line, size_t len, char *out);

#endif
