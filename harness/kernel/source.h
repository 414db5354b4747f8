/* Kernel sources: a tarball (extracted once into the cache), a git tree or
 * a plain directory. The identity string is what the build cache key
 * hashes, so it must change whenever the source content can have. */
#ifndef HARNESS_KERNEL_SOURCE_H
#define HARNESS_KERNEL_SOURCE_H

#include "core/error.h"

/* Debian's linux-source-6.12 package installs this. */
#define KSOURCE_DEFAULT "/usr/src/linux-source-6.12.tar.xz"
#define KSOURCE_PACKAGE "linux-source-6.12"

enum ksource_kind { KSOURCE_TARBALL, KSOURCE_GIT, KSOURCE_DIR };

struct ksource {
	enum ksource_kind kind;
	char *path;		/* absolute path of the tarball or tree */
	char *identity;		/* hashed into the cache key */
	char *srckey;		/* tarballs: name of the extracted tree in the cache */
	char *tree;		/* the kernel tree to build from; set by ksource_prepare */
};

/* Identify a source: given (NULL: $HARNESS_KERNEL_SOURCE, else the Debian
 * tarball, installed when missing if install is set). A directory that is
 * not a kernel tree is an error (EXIT_USAGE). Cheap: no extraction. */
int ksource_resolve(const char *given, int install, struct ksource *s, struct herr *err);
/* Make s->tree usable: extract a tarball into <kcache>/src/<srckey>/linux
 * unless already there. status prints progress lines (may be NULL). */
int ksource_prepare(struct ksource *s, const char *kcache, void (*status)(const char *msg),
		    struct herr *err);
void ksource_free(struct ksource *s);
/* 1 when dir looks like a kernel tree: a Makefile with "VERSION =" and
 * arch/arm64. */
int ksource_is_kernel_tree(const char *dir);

#endif
