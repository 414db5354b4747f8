/* Page-cache footprint of given files and directories: cachestat(2) where
 * the kernel has it (6.5+), mincore(2) otherwise. */
#ifndef HARNESS_PAGECACHE_H
#define HARNESS_PAGECACHE_H

#include <stdint.h>

#include "core/error.h"

struct pagecache_usage {
	uint64_t files;		/* regular files visited */
	uint64_t file_bytes;	/* their sizes */
	uint64_t cached_bytes;	/* bytes of their pages in the page cache */
	const char *method;	/* "cachestat" or "mincore" */
};

/* Walk each path (a file or a directory tree) and add up. Fails when a
 * path cannot be read at all. */
int pagecache_measure(const char *const *paths, size_t npaths,
		      struct pagecache_usage *out, struct herr *err);
/* Cached bytes of one open file. */
int pagecache_file(int fd, uint64_t size, uint64_t *cached, const char **method);

#endif
