/* The guest bundle: the arm64 harness (the agent, and PID 1 of the guest),
 * every workload, the launchers' preload libraries (/harness/lib) and
 * wrapper programs (/harness/bin), and the arm64 shared libraries they need (DT_NEEDED
 * resolved recursively from Debian's multiarch directories, plus the
 * dynamic loader), packed as one newc cpio archive, the initramfs every
 * qemu boot starts from.
 *
 * Cached under <cache>/bundles/<key>.cpio, where the key hashes the
 * archive layout and the content of every file in it: it is rebuilt only
 * when one of them changes. A boot appends its own small archive with the
 * plan (the kernel unpacks concatenated archives in order), so the bundle
 * itself never changes per boot. */
#ifndef HARNESS_TARGET_BUNDLE_H
#define HARNESS_TARGET_BUNDLE_H

#include <stddef.h>

#include "core/error.h"

/* Where things are inside the guest. */
#define GUEST_HARNESS "/harness/harness"
#define GUEST_WORKLOADS "/harness/workloads"
/* On the guest's PATH (the agent sets it): launchers' wrapper programs. */
#define GUEST_BIN "/harness/bin"

struct bundle_file {
	char *name;		/* path in the archive, without the leading '/' */
	char *src;		/* file on the host */
	unsigned mode;
};

struct bundle {
	char *guest_build;	/* the arm64 build directory it was made from */
	struct bundle_file *files;
	size_t nfiles;
	char key[17];
	char *path;		/* <cache>/bundles/<key>.cpio */
	int cached;		/* found in the cache (nothing was written) */
	double seconds;		/* time spent in bundle_ensure */
};

/* The arm64 build the guest runs: $HARNESS_GUEST_BUILD, else the harness
 * binary's directory with "-arm64" appended (build -> build-arm64, the
 * Makefile's naming), else, on an arm64 host, the harness's own directory.
 * EXIT_USAGE saying how to make one when there is none. */
int bundle_guest_build(char **out, struct herr *err);
/* The bundles directory of the cache (allocated). */
char *bundle_cache_dir(void);
/* <cache>/name, beside kernels/ and bundles/ (allocated). */
char *cache_subdir(const char *name);
/* Remove all but the keep newest (by mtime) "*suffix" files of dir; a
 * file in use is touched when found, so it is pruned last. */
void cache_prune(const char *dir, const char *suffix, size_t keep);
/* Collect the inputs, compute the key, and write the archive unless the
 * cache has it. */
int bundle_ensure(const char *guest_build, struct bundle *b, struct herr *err);
void bundle_free(struct bundle *b);

/* The archive name (no leading '/') of the file a launcher needs in the
 * guest: a wrapper's program (harness/bin/NAME for a bare name) or a
 * preload's library (harness/lib/NAME.so). 0 when it needs none. */
int bundle_launcher_file(const char *const *words, size_t n, char *name, size_t len);
/* The guest build's file behind an archive name under harness/
 * (harness/bin/X -> <guest_build>/bin/X); NULL for any other name. */
char *bundle_host_file(const char *guest_build, const char *name);

/* Exposed for tests: the NEEDED names and the interpreter of an ELF file
 * from `readelf -d -l` output. Caller frees names and the array. */
int bundle_parse_readelf(const char *text, char ***needed, size_t *n, char **interp);

#endif
