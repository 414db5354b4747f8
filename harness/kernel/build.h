/* Building a variant's kernel, and the build cache.
 *
 * Cache layout under kbuild_cache_dir() ($HARNESS_CACHE/kernels, default
 * ~/.cache/harness/kernels):
 *   builds/<key>/    Image config System.map kernel.release build.log
 *                    build.ini (what was built, when, how long) key (inputs)
 *   src/<srckey>/linux   a tarball extracted once, never modified
 *   logs/<variant>-<key>.log  the log of the build running now (or the last one)
 *   failed/<variant>.log the log of the last failed build of a variant
 * Entries appear by rename() of a finished temporary directory, so a
 * failed or killed build never leaves a half entry. */
#ifndef HARNESS_KERNEL_BUILD_H
#define HARNESS_KERNEL_BUILD_H

#include <stddef.h>

#include "core/error.h"
#include "source.h"
#include "variant.h"

struct kbuild_opts {
	const char *source;	/* --source or a sweep's: package, tarball or tree; NULL: the variant's */
	const char *ref;	/* with source: a git ref to build */
	const char *source_where;	/* "FILE:LINE" that named source; NULL: --source */
	const char *patches;	/* --patches: replaces the variant's series */
	int jobs;		/* make -j; 0: online CPUs */
	int force;		/* build even when cached */
	int progress;		/* progress lines on stderr */
	int install;		/* install the default source package when missing */
};

struct kbuild {
	struct kvariant *v;	/* as asked; v->base owns the build */
	char **frags;		/* fragment paths, in merge order */
	size_t nfrags;
	struct kpatch *patches;
	size_t npatches;
	struct ksource src;
	char *source_where;	/* "FILE:LINE: source = 'X'" or "--source X"; NULL: the default */
	char *cross;		/* CROSS_COMPILE: "aarch64-linux-gnu-" or "" on arm64 */
	char *toolchain;	/* first line of the compiler's --version */
	char *key_text;		/* everything the key hashes, one item a line */
	char key[17];
	char *kcache;		/* the cache's kernels directory */
	char *entry;		/* kcache/builds/<key> */
	char *image;		/* entry/Image */
	int cached;		/* the entry exists */
	double seconds;		/* kbuild_run: build time */
};

/* The kernels directory of the cache (allocated). */
char *kbuild_cache_dir(void);
/* Load the variant, resolve its series, fragments, toolchain and source,
 * compute the cache key and look the entry up. No side effects except
 * installing the default source when o->install is set. */
int kbuild_plan(const char *variant, const struct kbuild_opts *o, struct kbuild *b,
		struct herr *err);
/* The variant's `requires`: the source tree (extracted into the cache
 * when it is a tarball not yet there) must contain the text, or the
 * variant is refused (EXIT_USAGE, one line naming the variant file's line,
 * the source and where it was named). Nothing is built. */
int kbuild_check_requires(struct kbuild *b, int progress, struct herr *err);
/* Check the requirement, then build when not cached (or when o->force):
 * on success b->image exists. */
int kbuild_run(struct kbuild *b, const struct kbuild_opts *o, struct herr *err);
void kbuild_free(struct kbuild *b);

/* Where the build of b writes its log while it runs (allocated). */
char *kbuild_log_path(const struct kbuild *b);

enum kbuild_estimate { KBUILD_CACHED, KBUILD_TIMED, KBUILD_UNTIMED };
/* Whether the variant's kernel (its source, or o's) is in the cache, and
 * if not, how long its last build took when the cache recorded one
 * (build.ini of any entry of the same variant). key (may be NULL) gets
 * the build's cache key, "" when it cannot be planned: two variants with
 * one key are one build. */
enum kbuild_estimate kbuild_estimate(const char *variant, const struct kbuild_opts *o,
				     double *seconds, char key[17]);

/* The cache key text for the given inputs; exposed for tests. */
char *kbuild_key_text(const char *source_identity, const char *toolchain,
		      char *const *frags, size_t nfrags, const struct kpatch *patches,
		      size_t npatches, struct herr *err);
/* First 16 hex digits of the SHA-256 of text. */
void kbuild_key(const char *text, char out[17]);
/* 1 when path is an arm64 Image ("ARM\x64" at offset 56). */
int kbuild_is_arm64_image(const char *path);

#endif
