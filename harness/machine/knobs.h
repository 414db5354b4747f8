/* Runtime knobs: sysfs/procfs values a variant sets for its runs (THP and
 * mTHP modes, khugepaged tunables, sysctls), and the journal that puts
 * them back whatever happens to the harness.
 *
 * Before the first write, the values in force are saved in a journal file
 * ($HARNESS_STATE/knobs.journal, default /run/harness/knobs.journal), fsync'd
 * and locked (flock) for as long as the sweep runs, as is a machine-wide
 * lock (/run/lock/harness-knobs.lock): one sweep at a time holds the
 * machine's knobs, whatever its state directory. Each run applies its
 * variant's knobs and restores them afterwards; SIGINT/SIGTERM restore
 * before exiting; after SIGKILL the next harness invocation, whatever the
 * command, finds the journal unlocked and replays it (knobs_replay). */
#ifndef HARNESS_MACHINE_KNOBS_H
#define HARNESS_MACHINE_KNOBS_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/record.h"

/* For tests: a directory put in front of every path on I/O (the allow-list
 * still judges the path as written). NULL or "" for none. */
void knobs_set_root(const char *root);

/* Sweep files may set knobs only under these directories. */
int knob_allowed(const char *path);

enum knob_status {
	KNOB_OK,
	KNOB_MISSING,		/* this kernel has no such file */
	KNOB_BAD,		/* not allowed, unreadable, read-only, or not one of its choices */
};

/* Plan-time check of path=value; why says what is wrong. Reads only. */
enum knob_status knob_check(const char *path, const char *value, char *why, size_t n);

/* The value in force: the bracketed word of a choice file
 * ("always [madvise] never" -> "madvise"), else the content with blanks
 * collapsed. */
int knob_read(const char *path, char *out, size_t n, struct herr *err);
int knob_write(const char *path, const char *value, struct herr *err);

/* The cpufreq governor files of every CPU (for `governor = ...`); 0 when
 * the machine has no cpufreq. Caller frees each path and the array. */
size_t knob_governor_paths(char ***paths);

struct knob_journal {
	char file[4096];
	int fd;			/* holds the journal's lock; -1 when no journal */
	int machine_fd;		/* holds the machine's lock (one sweep at a time) */
	struct knob *knobs;	/* path, previous (value unused) */
	size_t n;
	int *dirty;		/* written and not restored: 1 per run, 2 for the whole sweep */
};

/* Directory of the journal: $HARNESS_STATE, else /run/harness (root),
 * else "results". */
void knobs_state_dir(char *out, size_t n);

/* Take the machine's lock (waiting up to wait_s seconds, < 0 for as long
 * as it takes, 0 not at all, with a message naming the holder, while
 * another sweep holds it, whatever its HARNESS_STATE), read the values of
 * paths now in force and write the journal before anything changes. who
 * describes this sweep to whoever has to wait for it. A lock not had in
 * time is EXIT_RUNTIME naming the holder's pid and sweep. */
int journal_begin(struct knob_journal *j, const char *const *paths, size_t n,
		  long long wait_s, const char *who, struct herr *err);
/* Write path=value pairs (paths must be in the journal); on success
 * *out holds, per knob, the value read back and the previous value, as a
 * run record stores them. sticky: kept until journal_end (the governor),
 * else restored by journal_restore after the run. */
int journal_apply(struct knob_journal *j, const char *const *paths, const char *const *values,
		  size_t n, int sticky, struct knob **out, size_t *nout, struct herr *err);
/* Put back every per-run knob written since the last restore. */
int journal_restore(struct knob_journal *j, struct herr *err);
/* Restore everything, remove the journal, release the lock. */
int journal_end(struct knob_journal *j, struct herr *err);

/* Replay a journal left by a harness that was killed, saying so on msg.
 * A journal still locked belongs to a live harness and is left alone; so
 * is any journal while another sweep holds the machine's lock.
 * Returns 0 when there is nothing left to restore, -1 when knobs could
 * not be restored (the journal is kept and err says why). */
int knobs_replay(FILE *msg, struct herr *err);

void knobs_free(struct knob *k, size_t n);

#endif
