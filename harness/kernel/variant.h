/* Kernel variants: kernels/variants/NAME.ini, read with inih.
 *
 *   [variant]
 *   description = 4 KiB base pages
 *   fragments = base virt pages-4k mthp    (kernels/fragments/NAME.config)
 *   patches = series/pps                   (series file or directory, optional)
 *   patches_env = HARNESS_PPS_SERIES       (environment variable overriding patches)
 *   patches_about = a per-process page size series
 *   kernel = 4k                            (instead of fragments/patches: reuse 4k's build)
 *   cmdline = console=ttyAMA0 panic=-1
 *   knob = /sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled=always
 *   launcher = prctl 0x70707301 65536
 *   page_sizes = 4k 16k 64k
 *   source = linux-source-7.2              (Debian package, tarball or tree; optional)
 *   ref = v7.2                             (with a git tree: build this commit)
 *   requires = mm/khugepaged.c MTHP_STAT_COLLAPSE_ALLOC   (the source must have it)
 *   requires_about = khugepaged mTHP collapse (Linux 7.2)
 *
 * See docs/kernels.md. Every error names file:line and the value. */
#ifndef HARNESS_KERNEL_VARIANT_H
#define HARNESS_KERNEL_VARIANT_H

#include <stddef.h>

#include "core/error.h"
#include "core/launcher.h"

/* A runtime write applied before a run (sysfs or procfs). */
struct kknob {
	char *path;
	char *value;
};

/* How a workload is started under the variant: a kind of the launcher
 * table (core/launcher.h) and its arguments, without the kind's word.
 * Arguments may contain {page_size} (bytes) or {page_shift}, filled in
 * per run. */
struct klauncher {
	enum launch_kind kind;
	char **args;
	size_t nargs;
};

struct kvariant {
	char *name;
	char *file;		/* the .ini it was read from */
	char *kdir;		/* kernels directory (parent of variants/) */
	char *description;
	char *kernel;		/* reuse this variant's build; NULL: own build */
	char **fragments;	/* as written: names or paths */
	size_t nfragments;
	char *patches;		/* as written; NULL: no patches */
	char *patches_env;
	char *patches_about;
	char *cmdline;
	struct kknob *knobs;
	size_t nknobs;
	struct klauncher launcher;
	int has_launcher;
	char **page_sizes;	/* "4k" "16k" "64k": sizes the launcher can select */
	size_t npage_sizes;
	char *source;		/* as written; NULL: the default (or the base's) */
	char *ref;		/* a git ref of source; NULL: the tree as it is */
	char *source_file;	/* the file that named source (this one or the base's) */
	int source_line, ref_line;
	char *requires_file;	/* the source tree's file (relative) that must contain... */
	char *requires_text;	/* ...this text, or the variant is refused */
	char *requires_about;	/* what that is, for the refusal */
	int requires_line;
	int kernel_line, fragments_line, patches_line; /* for later errors */
	struct kvariant *base;	/* loaded by kvariant_load: the variant owning the build */
};

/* Parse one file (no reuse resolution). */
int kvariant_parse(const char *file, struct kvariant *v, struct herr *err);
/* Find and parse NAME (or a path to an .ini) and follow `kernel =` to the
 * variant that owns the build (v->base, itself when it builds its own).
 * cmdline, launcher and source (with its ref) are inherited from the
 * base when unset, and the base's knobs come before the variant's own. */
struct kvariant *kvariant_load(const char *name, struct herr *err);
void kvariant_free(struct kvariant *v);
/* The launcher as words, the kind first ({"exec"} without one), as
 * targets and plans carry it (core/launcher.h). NULL: out of memory. */
char **kvariant_launcher_words(const struct kvariant *v, size_t *n);

/* The kernels directory: $HARNESS_KERNELS, ./kernels, or beside the
 * harness binary (../kernels, ../share/harness/kernels). NULL if none. */
const char *kvariant_kdir(void);
/* Names of the .ini files in kernels/variants, sorted. */
int kvariant_names(const char *kdir, char ***names, size_t *n, struct herr *err);
void kvariant_free_names(char **names, size_t n);

/* A fragment's path: NAME -> <kdir>/fragments/NAME.config (or, when that
 * is missing, the default kernels directory's); a name with a '/' is a
 * path relative to kdir (or absolute). */
char *kvariant_fragment_path(const struct kvariant *v, const char *name);

/* One patch of a series: file and -p strip level. */
struct kpatch {
	char *path;
	int strip;
};

/* Resolve the variant's series: override (--patches), else the variant's
 * patches_env variable, else its patches path. No patches at all gives
 * n = 0. A named series that does not exist refuses (EXIT_USAGE) saying
 * what to supply and where. */
int kvariant_series(const struct kvariant *v, const char *override,
		    struct kpatch **out, size_t *n, struct herr *err);
/* Read a series from a path: a directory (its `series` file, else its
 * *.patch and *.diff files in name order), a single .patch/.diff file, or
 * a quilt series file. */
int kseries_read(const char *path, struct kpatch **out, size_t *n, struct herr *err);
void kseries_free(struct kpatch *p, size_t n);

/* Where the variant's series is looked for, for messages and `show`. */
const char *kvariant_series_path(const struct kvariant *v, const char *override,
				 char **alloc);

#endif
