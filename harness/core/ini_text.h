/* The line source inih reads INI files through, shared by the sweep-file
 * and thresholds parsers: the text is in memory, lines are counted (inih
 * does not say which line a key is on, and every error must name it), a
 * UTF-8 byte-order mark and leading blanks go, and every section header is
 * checked (its closing ']', nothing after it but a comment) and handed to
 * the parser with its line before inih sees it. */
#ifndef HARNESS_INI_TEXT_H
#define HARNESS_INI_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

struct ini_text {
	const char *text;
	size_t pos;
	int line;		/* of the line read last */
	int failed;		/* an error was reported: reading stops */
	/* The header's text between '[' and ']'; non-zero stops. */
	int (*section)(void *owner, const char *hdr);
	/* Report msg at line (sets failed). */
	void (*error)(void *owner, int line, const char *msg);
	void *owner;
};

/* The parsers' error reporting: the first error is the one told
 * ("FILE:LINE: msg", EXIT_USAGE; out of memory: EXIT_RUNTIME) and reading
 * stops. Both return -1. */
int ini_text_verr(struct ini_text *in, struct herr *err, const char *file, int line,
		  const char *fmt, va_list ap);
int ini_text_oom(struct ini_text *in, struct herr *err);

/* inih's ini_reader; stream is a struct ini_text. */
char *ini_text_reader(char *str, int num, void *stream);

#endif
