/* Tree disks: a host directory shipped to the qemu guest as a read-only
 * ext4 disk, so a workload that reads a real tree (filetree) reads the same
 * files, at the same path, in every kernel variant.
 *
 * The image is made on the host by the file system's own tool
 * (`mkfs.ext4 -d DIR`, e2fsprogs: no root, no loop mount) and cached under
 * <cache>/trees/<key>.img. The key hashes the tree's listing — for every
 * entry, in path order, without following symlinks: its relative path,
 * type, mode, owner, size, mtime (ns) and a symlink's target — and the
 * recipe (block size, features). Not the contents: hashing every byte
 * would cost as much as building the image, and what changes a file's
 * bytes changes its mtime too (make and rsync rely on the same); an edit
 * that restores the mtime by hand is not seen. */
#ifndef HARNESS_TARGET_QEMU_TREEDISK_H
#define HARNESS_TARGET_QEMU_TREEDISK_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define TREEDISK_MAX_DEFAULT "4G"

struct treedisk {
	char *named;		/* the directory as the caller named it */
	char *root;		/* absolute path, symlinks resolved: also the guest's mount point */
	char key[17];
	char *image;		/* <cache>/trees/<key>.img */
	uint64_t files, entries, file_bytes;
	uint64_t image_bytes;	/* size of the image file */
	int cached;		/* found in the cache (nothing was built) */
	double seconds;
};

/* Find or build the disk of tree. EXIT_USAGE for what the user can fix: a
 * tree that is missing, not a directory, one the guest needs for itself
 * (/, /proc, /lib, ...), one holding another file system, or one whose
 * image would exceed max_bytes. */
int treedisk_ensure(const char *tree, uint64_t max_bytes, struct treedisk *t, struct herr *err);
void treedisk_free(struct treedisk *t);
/* The trees directory of the cache (allocated). */
char *treedisk_cache_dir(void);

#endif
