/* File helpers of the workload suite: a directory whose pages can be
 * evicted, eviction, and the page-cache bytes of one file. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_internal.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451	/* the same on every architecture (6.5+) */
#endif

/* From <linux/mman.h> 6.5+; Debian 12's headers predate it. */
struct wl_cs_range {
	uint64_t off, len;
};

struct wl_cs {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

int wl_check_disk_dir(const char *param, const char *dir)
{
	struct statfs fs;

	if (statfs(dir, &fs))
		return wl_param_fail(param, "'%s': %m", dir);
	/* Memory filesystems cannot drop clean pages: nothing would be cold. */
	if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC)
		return wl_param_fail(param, "'%s' is on tmpfs/ramfs; use a disk "
				     "filesystem (e.g. /var/tmp)", dir);
	return 0;
}

int wl_check_disk_dir_text(const char *dir, char *err, size_t errlen)
{
	struct statfs fs;
	struct stat sb;
	const char *remote = getenv("HARNESS_WL_REMOTE");

	/* Checked by a controller for a run on another machine (a qemu
	 * guest): this machine's directories say nothing about that one's. */
	if (remote && !strcmp(remote, "1"))
		return 0;
	if (statfs(dir, &fs) || stat(dir, &sb)) {
		snprintf(err, errlen, "'%s': %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "'%s' is not a directory", dir);
		return -1;
	}
	if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC) {
		snprintf(err, errlen, "'%s' is on tmpfs/ramfs; use a disk filesystem (e.g. /var/tmp)", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(err, errlen, "'%s' is not writable: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int wl_evict(int fd)
{
	int err;

	if (fdatasync(fd))
		return -1;
	err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int64_t mincore_bytes(int fd, uint64_t len)
{
	size_t page = (size_t)wl_page_size(), npages = ((size_t)len + page - 1) / page;
	unsigned char *vec = malloc(npages ? npages : 1);
	void *map = len ? mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0) : NULL;
	int64_t n = 0;

	if (!vec || map == MAP_FAILED || (len && mincore(map, (size_t)len, vec))) {
		n = -1;
	} else {
		for (size_t i = 0; i < npages; i++)
			n += vec[i] & 1;
	}
	if (map && map != MAP_FAILED)
		munmap(map, (size_t)len);
	free(vec);
	return n < 0 ? -1 : n * (int64_t)page;
}

int64_t wl_cached_bytes(int fd, uint64_t len, const char **via)
{
	struct wl_cs_range range = { 0, len };
	struct wl_cs cs;

	*via = "cachestat";
	if (syscall(__NR_cachestat, fd, &range, &cs, 0) == 0)
		return (int64_t)cs.nr_cache * wl_page_size();
	if (errno != ENOSYS && errno != EPERM)
		return -1;
	*via = "mincore";
	return mincore_bytes(fd, len);
}

int wl_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
