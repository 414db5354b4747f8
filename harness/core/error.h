/* Errors are values: a function that can fail takes a struct herr *, fills
 * it and returns -1; the caller adds context or hands it up to main(), which
 * is the only place that prints it and picks the exit code. */
#ifndef HARNESS_ERROR_H
#define HARNESS_ERROR_H

/* Exit codes, documented in docs/harness.md. */
enum {
	EXIT_OK = 0,
	EXIT_FINDING = 1,	/* the command worked and found something (regression) */
	EXIT_USAGE = 2,		/* usage or input error: nothing was changed */
	EXIT_RUNTIME = 3,	/* the machine or a child failed */
};

struct herr {
	int code;		/* one of the EXIT_* values */
	char msg[1024];
};

/* Set the error and return -1. */
int herr_set(struct herr *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like herr_set, with ": strerror(errno)" appended. */
int herr_errno(struct herr *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix context to an error already set ("while X: <old message>"). */
int herr_wrap(struct herr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void herr_clear(struct herr *e);

#endif
