#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "measure/pagecache.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451	/* same number on every architecture */
#endif

struct cachestat_range {
	uint64_t off, len;
};

struct cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

static int by_mincore(int fd, uint64_t size, uint64_t *cached)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size + (uint64_t)page - 1) / (uint64_t)page;
	unsigned char *vec;
	void *map;

	*cached = 0;
	if (!size)
		return 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (!vec || mincore(map, size, vec)) {
		free(vec);
		munmap(map, size);
		return -1;
	}
	for (size_t i = 0; i < pages; i++)
		*cached += (vec[i] & 1) ? (uint64_t)page : 0;
	free(vec);
	munmap(map, size);
	return 0;
}

int pagecache_file(int fd, uint64_t size, uint64_t *cached, const char **method)
{
	struct cachestat_range range = { 0, 0 };	/* len 0: to the end of the file */
	struct cachestat cs;

	if (syscall(__NR_cachestat, fd, &range, &cs, 0) == 0) {
		*cached = cs.nr_cache * (uint64_t)sysconf(_SC_PAGESIZE);
		*method = "cachestat";
		return 0;
	}
	if (errno != ENOSYS)
		return -1;
	*method = "mincore";
	return by_mincore(fd, size, cached);
}

/* nftw has no user pointer: the walk state lives here for its duration. */
static struct pagecache_usage *walk_usage;
static int walk_errno;

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	uint64_t cached = 0;
	int fd;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* removed or unreadable meanwhile: not part of the footprint */
	if (pagecache_file(fd, (uint64_t)st->st_size, &cached, &walk_usage->method) == 0) {
		walk_usage->files++;
		walk_usage->file_bytes += (uint64_t)st->st_size;
		walk_usage->cached_bytes += cached;
	} else {
		walk_errno = errno;
	}
	close(fd);
	return 0;
}

int pagecache_measure(const char *const *paths, size_t npaths,
		      struct pagecache_usage *out, struct herr *err)
{
	memset(out, 0, sizeof(*out));
	out->method = "cachestat";
	walk_usage = out;
	walk_errno = 0;
	for (size_t i = 0; i < npaths; i++) {
		if (nftw(paths[i], visit, 16, FTW_PHYS) != 0) {
			walk_usage = NULL;
			return herr_errno(err, EXIT_RUNTIME, "page cache of %s", paths[i]);
		}
	}
	walk_usage = NULL;
	if (walk_errno) {
		errno = walk_errno;
		return herr_errno(err, EXIT_RUNTIME, "page cache: cachestat/mincore failed");
	}
	return 0;
}
