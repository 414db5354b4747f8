/* Config fragments and the final .config: what was asked for, and whether
 * the kernel's olddefconfig kept it. */
#ifndef HARNESS_KERNEL_KCONFIG_H
#define HARNESS_KERNEL_KCONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* One requested option. val NULL means "# CONFIG_X is not set" (or =n). */
struct kopt {
	char *sym;		/* without the CONFIG_ prefix */
	char *val;
	char *frag;		/* fragment file */
	int line;
};

struct kopts {
	struct kopt *v;
	size_t n;
};

/* Add a fragment's options; a later fragment's value for a symbol replaces
 * an earlier one (as merge_config.sh does). Lines other than blanks,
 * comments, CONFIG_X=V and "# CONFIG_X is not set" are an error naming
 * file:line (EXIT_USAGE). */
int kconfig_read_fragment(const char *path, struct kopts *o, struct herr *err);
void kconfig_free(struct kopts *o);

/* Check every requested option against the final .config. The first
 * mismatch is the error (EXIT_USAGE), naming the option, its fragment and
 * line, and whether the kernel source knows the symbol at all; all
 * mismatches are written to log (when not NULL). */
int kconfig_check(const char *dotconfig, const struct kopts *o, const char *srcdir,
		  FILE *log, struct herr *err);

/* 1 when some Kconfig file under srcdir defines the symbol. */
int kconfig_symbol_known(const char *srcdir, const char *sym);

#endif
