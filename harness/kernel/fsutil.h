/* Small file-system helpers for the kernel build cache. */
#ifndef HARNESS_KERNEL_FSUTIL_H
#define HARNESS_KERNEL_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* "a/b" in a fresh allocation (NULL only when out of memory). */
char *kfs_join(const char *a, const char *b);
/* Like sprintf into a fresh allocation. */
char *kfs_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kfs_is_dir(const char *path);
int kfs_is_file(const char *path);
int kfs_mkdir_p(const char *path, struct herr *err);
/* Remove a tree without following symlinks; 0, or -1 with errno. */
int kfs_rm_rf(const char *path);
/* Whole file, NUL-terminated; NULL with errno set. */
char *kfs_read(const char *path, size_t *len);
int kfs_write(const char *path, const char *data, struct herr *err);
int kfs_copy(const char *from, const char *to, struct herr *err);
/* A name for a temporary entry in dir: "<dir>/<prefix><pid>-<n>". The pid
 * lets a later run tell an abandoned entry (its owner died) from a live one. */
char *kfs_tmpname(const char *dir, const char *prefix);
/* Remove "<prefix><pid>-*" entries of dir whose pid is no longer running.
 * Returns how many were removed. */
int kfs_clean_stale(const char *dir, const char *prefix);
/* Bytes used by a tree (st_blocks), for clean's summary. */
uint64_t kfs_du(const char *path);

#endif
