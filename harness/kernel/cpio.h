/* newc ("070701") cpio archives written in-process, optionally gzipped:
 * the format the kernel unpacks into its initramfs. Entries carry uid 0,
 * mtime 0 and made-up inode numbers, so the same entries give the same
 * bytes on any host (bundles are cached by the hash of their inputs, and
 * a reproducible archive makes that cache honest). */
#ifndef HARNESS_TARGET_CPIO_H
#define HARNESS_TARGET_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "core/error.h"

struct cpio_out {
	gzFile gz;
	char *path;		/* for messages */
	uint32_t ino;
};

/* level 0: a plain archive (zlib's transparent mode), 1-9: gzip. */
int cpio_open(struct cpio_out *c, const char *path, int level, struct herr *err);
/* name is relative ("init", "lib/libc.so.6"); mode includes the type
 * bits (S_IFDIR | 0755). */
int cpio_dir(struct cpio_out *c, const char *name, unsigned mode, struct herr *err);
int cpio_data(struct cpio_out *c, const char *name, unsigned mode, const void *data,
	      size_t n, struct herr *err);
/* The content of src (symlinks followed) as a regular file. */
int cpio_file(struct cpio_out *c, const char *name, unsigned mode, const char *src,
	      struct herr *err);
int cpio_symlink(struct cpio_out *c, const char *name, const char *target, struct herr *err);
int cpio_chardev(struct cpio_out *c, const char *name, unsigned mode, unsigned major,
		 unsigned minor, struct herr *err);
/* Write the trailer and close; on error the file is left for the caller
 * to remove. */
int cpio_close(struct cpio_out *c, struct herr *err);
/* Close without a trailer (after an error). */
void cpio_abort(struct cpio_out *c);

#endif
