/* How a workload is started: one table of launcher kinds (launcher.c),
 * read from variant files (kernels/variants) and sweep files alike, and
 * applied by the runner in the workload's child, on this machine or by
 * the guest agent. A launcher travels between them as words, the kind
 * first: {"prctl", "0x70707301", "65536"}; no words or {"exec"} is a
 * plain exec.
 *
 *   exec                          execve the workload
 *   wrapper CMD [ARG]...          CMD ARG... WORKLOAD-ARGV (CMD must exec it)
 *   prctl OPTION [ARG]...         prctl(OPTION, ARG...) in the child, then exec
 *   personality FLAGS             personality(current | FLAGS), then exec
 *   preload LIB [VAR=VALUE]...    LD_PRELOAD=LIB and the variables, then exec
 *
 * Arguments of prctl and personality are numbers (0x.. allowed) or the
 * placeholders {page_size} (bytes) and {page_shift} of the running kernel;
 * a wrapper's and a preload's arguments may contain them too. A preload
 * LIB without a '/' is one of the harness's libraries (lib/LIB.so beside
 * the harness binary; in the guest /harness/lib). See docs/kernels.md. */
#ifndef HARNESS_CORE_LAUNCHER_H
#define HARNESS_CORE_LAUNCHER_H

#include <stddef.h>

#include "core/error.h"

enum launch_kind {
	LAUNCH_EXEC,
	LAUNCH_WRAPPER,
	LAUNCH_PRCTL,
	LAUNCH_PERSONALITY,
	LAUNCH_PRELOAD,
};

struct launch_kind_def {
	const char *name;
	size_t min_args, max_args;
	int numeric;		/* every argument a number or a placeholder */
	const char *usage;	/* "prctl OPTION [ARG]..." */
	const char *what;	/* one line for docs and `kernel show` */
};

/* Indexed by enum launch_kind. */
extern const struct launch_kind_def launch_kinds[];
extern const size_t nlaunch_kinds;

/* Split text at blanks and check the words against the table. On
 * success *words is NULL-terminated (kind first) and *kind set. On an
 * error (EXIT_USAGE) the message starts "launcher 'TEXT': ". */
int launcher_parse(const char *text, char ***words, size_t *n, enum launch_kind *kind,
		   struct herr *err);
/* The kind of checked words (none: LAUNCH_EXEC). */
enum launch_kind launcher_kind(const char *const *words, size_t n);
void launcher_free_words(char **words, size_t n);

/* A launcher ready for a child: placeholders filled for the running
 * kernel, numbers converted, the preload library found. */
struct launch {
	enum launch_kind kind;
	char **argv;		/* wrapper: its argv prefix */
	size_t nargv;
	unsigned long num[5];	/* prctl: option and arguments; personality: flags */
	size_t nnum;
	char *preload;		/* preload: the library's path */
	char **env;		/* preload: VAR=VALUE */
	size_t nenv;
};

/* From checked words (as launcher_parse gives, or as a plan carries
 * them). EXIT_USAGE when the words are bad or the library is missing. */
int launch_prepare(const char *const *words, size_t n, struct launch *l, struct herr *err);
void launch_free(struct launch *l);
/* In the child after fork, before exec: the prctl, the personality or the
 * environment. 0, or -1 with errno set. */
int launch_apply(const struct launch *l);
/* A preload library by name: lib/NAME.so beside the harness binary, or
 * PREFIX/libexec/harness/lib/NAME.so for an installed one; a name with a
 * '/' is a path. NULL when missing. */
char *launch_library(const char *name);

#endif
