/* Run a program with an argv array (never a shell string) and collect its
 * output. */
#ifndef HARNESS_SUBPROC_H
#define HARNESS_SUBPROC_H

#include <stddef.h>

#include "error.h"

struct spawn_result {
	int exited;		/* 1: exited normally, status = exit code */
	int status;		/* exit code, or the signal number when !exited */
	char *out;		/* stdout, NUL-terminated (may be empty) */
	size_t out_len;
	char *err;		/* stderr, NUL-terminated */
	size_t err_len;
};

/* Run argv[0] (a path, or a name looked up in PATH) to completion with
 * stdin from /dev/null. Fails only when it cannot be started. */
int spawn_capture(char *const argv[], struct spawn_result *res, struct herr *err);
void spawn_result_free(struct spawn_result *res);
/* First line of s in out (for one-line error messages). */
void first_line(const char *s, char *out, size_t n);

#endif
