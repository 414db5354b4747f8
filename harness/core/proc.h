/* Child processes: always an argv array through posix_spawn, never a shell
 * command line, so no path or value from a variant file, a sweep file or
 * the command line is ever parsed by a shell. Kernel builds stream their
 * output line by line (proc_run); a workload's --check needs its stdout
 * and stderr apart (spawn_capture). */
#ifndef HARNESS_PROC_H
#define HARNESS_PROC_H

#include <stddef.h>

#include "core/error.h"

/* Called for each line of output (without the newline). */
typedef void (*proc_line_fn)(void *arg, const char *line, size_t len);

struct proc_spec {
	const char *const *argv;	/* argv[0] is searched on PATH */
	const char *cwd;		/* NULL: the harness's own */
	char *const *envp;		/* NULL: the harness's own environment */
	int out_fd;			/* stdout (and stderr when merged) go here; -1: see on_line */
	proc_line_fn on_line;		/* used when out_fd < 0; NULL: discard output */
	void *arg;
	int merge_stderr;		/* stderr with stdout; otherwise to /dev/null */
	int own_group;			/* own process group, which caught signals reach */
};

/* An on_line callback keeping the first non-empty line (a tool's error
 * message, for the error that names it): arg is a struct proc_first_line. */
struct proc_first_line {
	char line[300];
};
void proc_keep_first_line(void *arg, const char *line, size_t len);

/* Run to completion. Returns the exit status (0-255, or 128+signal), or -1
 * with err set when the program could not be started. */
int proc_run(const struct proc_spec *p, struct herr *err);
/* Run and collect stdout into a fresh string (trailing newline removed).
 * Returns the exit status or -1 as proc_run; *out is NULL on -1. */
int proc_capture(const char *const *argv, const char *cwd, char **out, struct herr *err);
/* The environment with the named variables removed and "NAME=value"
 * entries of set added (replacing any earlier value). Free with free(). */
char **proc_env(const char *const *unset, const char *const *set);
/* An own_group child gets the signals caught meanwhile (core/signals.h). */
/* 1 when prog is an executable on PATH (or a path to one). */
int proc_on_path(const char *prog);

/* Run to completion with stdin from /dev/null, stdout and stderr collected
 * apart. */
struct spawn_result {
	int exited;		/* 1: exited normally, status = exit code */
	int status;		/* exit code, or the signal number when !exited */
	char *out;		/* stdout, NUL-terminated (may be empty) */
	size_t out_len;
	char *err;		/* stderr, NUL-terminated */
	size_t err_len;
};

int spawn_capture(char *const argv[], struct spawn_result *res, struct herr *err);
void spawn_result_free(struct spawn_result *res);
/* First line of s in out (for one-line error messages). */
void first_line(const char *s, char *out, size_t n);

#endif
