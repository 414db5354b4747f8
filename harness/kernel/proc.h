/* Child processes for kernel builds: always an argv array through
 * posix_spawn, never a shell command line, so no path or value from a
 * variant file or the command line is ever parsed by a shell. */
#ifndef HARNESS_KERNEL_PROC_H
#define HARNESS_KERNEL_PROC_H

#include <stddef.h>

#include "error.h"

/* Called for each line of output (without the newline). */
typedef void (*kproc_line_fn)(void *arg, const char *line, size_t len);

struct kproc {
	const char *const *argv;	/* argv[0] is searched on PATH */
	const char *cwd;		/* NULL: the harness's own */
	char *const *envp;		/* NULL: the harness's own environment */
	int out_fd;			/* stdout (and stderr when merged) go here; -1: see on_line */
	kproc_line_fn on_line;		/* used when out_fd < 0; NULL: discard output */
	void *arg;
	int merge_stderr;		/* stderr with stdout; otherwise to /dev/null */
	int own_group;			/* own process group, which caught signals reach */
};

/* Run to completion. Returns the exit status (0-255, or 128+signal), or -1
 * with err set when the program could not be started. */
int kproc_run(const struct kproc *p, struct herr *err);
/* Run and collect stdout into a fresh string (trailing newline removed).
 * Returns the exit status or -1 as kproc_run; *out is NULL on -1. */
int kproc_capture(const char *const *argv, const char *cwd, char **out, struct herr *err);
/* The environment with the named variables removed and "NAME=value"
 * entries of set added (replacing any earlier value). Free with free(). */
char **kproc_env(const char *const *unset, const char *const *set);
/* While caught: SIGINT, SIGTERM and SIGHUP are recorded and passed on (as
 * SIGTERM) to the process group of a running own_group child, instead of
 * killing the harness, so the caller can clean up. kproc_caught() returns
 * the signal (0 none). */
void kproc_catch_signals(void);
void kproc_release_signals(void);
int kproc_caught(void);
/* 1 when prog is an executable on PATH (or a path to one). */
int kproc_on_path(const char *prog);

#endif
