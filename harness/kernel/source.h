/* Kernel sources: a Debian source package (linux-source-7.2), a tarball
 * (extracted once into the cache), a git tree (as it is, or one ref of it
 * archived into the cache) or a plain directory. The identity string is
 * what the build cache key hashes, so it must change whenever the source
 * content can have; the description is what the kernels table stores. */
#ifndef HARNESS_KERNEL_SOURCE_H
#define HARNESS_KERNEL_SOURCE_H

#include "core/error.h"

/* Debian's linux-source-6.12 package installs this. */
#define KSOURCE_DEFAULT "/usr/src/linux-source-6.12.tar.xz"
#define KSOURCE_PACKAGE "linux-source-6.12"
/* Where scripts/install-deps puts packages of other suites (unstable's
 * linux-source-7.N), under the cache's kernels directory. */
#define KSOURCE_FETCHED "sources"

/* KSOURCE_GITREF: one commit of a git repository, archived into the
 * cache like a tarball (the repository is never checked out). */
enum ksource_kind { KSOURCE_TARBALL, KSOURCE_GIT, KSOURCE_DIR, KSOURCE_GITREF };

struct ksource {
	enum ksource_kind kind;
	char *path;		/* absolute path of the tarball or tree */
	char *identity;		/* hashed into the cache key */
	char *describe;		/* stored with the kernel: "linux-source-7.2 7.2.13-1", "git PATH REF COMMIT" */
	char *package;		/* a Debian package's name; NULL otherwise */
	char *commit;		/* KSOURCE_GITREF: the ref's commit */
	char *srckey;		/* tarballs, refs: name of the extracted tree in the cache */
	char *tree;		/* the kernel tree to build from; set by ksource_prepare */
};

/* Identify a source: given (NULL: $HARNESS_KERNEL_SOURCE, else the Debian
 * tarball, installed when missing if install is set) is a Debian package
 * name (linux-source-N.M: /usr/src/NAME.tar.xz, else
 * <kcache>/sources/NAME.tar.xz), a tarball, or a directory; ref (may be
 * NULL) names a commit of a git tree. A source that is not there or not a
 * kernel is an error (EXIT_USAGE). Cheap: no extraction. */
int ksource_resolve(const char *given, const char *ref, int install, const char *kcache,
		    struct ksource *s, struct herr *err);
/* 1 when name has the form of a Debian kernel source package. */
int ksource_is_package_name(const char *name);
/* Make s->tree usable: extract a tarball (or archive a ref) into
 * <kcache>/src/<srckey>/linux unless already there. status prints
 * progress lines (may be NULL). */
int ksource_prepare(struct ksource *s, const char *kcache, void (*status)(const char *msg),
		    struct herr *err);
/* 1 when the prepared tree's file rel contains text; 0 when not (or the
 * file is missing); -1 with err when it cannot be read. */
int ksource_has(const struct ksource *s, const char *rel, const char *text, struct herr *err);
void ksource_free(struct ksource *s);
/* 1 when dir looks like a kernel tree: a Makefile with "VERSION =" and
 * arch/arm64. */
int ksource_is_kernel_tree(const char *dir);

#endif
