/* smallfiles: many small files written, evicted and read back cold. Every
 * file occupies at least one base page of page cache however small it is,
 * so the page-cache bytes per file follow the page size (4 KiB for a 1 KiB
 * file on 4K pages, 64 KiB on 64K pages); the cold read-back rate shows
 * the per-file cost of the page cache and the filesystem. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451	/* the same on every architecture (6.5+) */
#endif

/* From <linux/mman.h> 6.5+; Debian 12's headers predate it. */
struct wl_cachestat_range {
	uint64_t off, len;
};

struct wl_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

static const struct wl_param params[] = {
	{ "files", WL_INT, "1000", "count", "number of files", "1..10000000" },
	{ "size", WL_SIZE, "1k", "bytes", "size of each file", "1..1g" },
	{ "dir", WL_STRING, "/var/tmp", "",
	  "directory on a disk filesystem; a harness-smallfiles-XXXXXX subdirectory is made in it",
	  NULL },
	{ "keep", WL_BOOL, "0", "", "keep the files (the path is in the path and verify messages)",
	  NULL },
	{ "corrupt", WL_BOOL, "0", "",
	  "for tests: change one byte of one file after writing it", NULL },
};

struct sf {
	char dir[4096];		/* the subdirectory made for this run */
	int dirfd;
	uint64_t files, size, seed;
	unsigned char *want, *got;	/* expected and read-back content */
	const char *pagecache_via;	/* "cachestat" or "mincore" */
};

static void file_name(char *buf, size_t len, uint64_t i)
{
	snprintf(buf, len, "f%07llu", (unsigned long long)i);
}

/* Deterministic content of file i: a splitmix64 stream keyed by seed and i. */
static void content(const struct sf *s, uint64_t i, unsigned char *buf)
{
	uint64_t state = s->seed ^ (i * 0xd1342543de82ef95ull);

	for (uint64_t off = 0; off < s->size; off += 8) {
		uint64_t r = wl_rand_next(&state);
		size_t n = s->size - off < 8 ? (size_t)(s->size - off) : 8;

		memcpy(buf + off, &r, n);
	}
}

static int write_full(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to len bytes; returns the count read or -1. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int check_dir(const char *dir)
{
	struct statfs fs;

	if (statfs(dir, &fs))
		return wl_param_fail("dir", "'%s': %m", dir);
	/* Memory filesystems cannot drop clean pages: nothing would be cold. */
	if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC)
		return wl_param_fail("dir", "'%s' is on tmpfs/ramfs; use a disk "
				     "filesystem (e.g. /var/tmp)", dir);
	return 0;
}

static int make_dir(struct sf *s, const char *parent)
{
	if (snprintf(s->dir, sizeof(s->dir), "%s/harness-smallfiles-XXXXXX", parent) >=
	    (int)sizeof(s->dir))
		return wl_param_fail("dir", "'%s' is too long", parent);
	if (!mkdtemp(s->dir))
		return wl_fail("cannot create a directory in %s: %m", parent);
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY);
	if (s->dirfd < 0)
		return wl_fail("cannot open %s: %m", s->dir);
	/* Held until exit, the sticky bit saying so: a harness that can take
	 * it knows we were killed and removes the directory (harness/scratch.h). */
	if (flock(s->dirfd, LOCK_EX) || fchmod(s->dirfd, 01700))
		return wl_fail("cannot lock %s: %m", s->dir);
	return 0;
}

static int write_files(struct sf *s)
{
	char name[32];

	for (uint64_t i = 0; i < s->files; i++) {
		int fd;

		file_name(name, sizeof(name), i);
		fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			return wl_fail("cannot create %s/%s: %m", s->dir, name);
		content(s, i, s->want);
		if (write_full(fd, s->want, s->size) || close(fd))
			return wl_fail("cannot write %s/%s: %m", s->dir, name);
	}
	return 0;
}

/* For tests: one flipped byte in the middle file, written to disk too. */
static int corrupt_one(struct sf *s)
{
	char name[32];
	unsigned char c;
	int fd;

	file_name(name, sizeof(name), s->files / 2);
	fd = openat(s->dirfd, name, O_RDWR);
	if (fd < 0 || pread(fd, &c, 1, (off_t)(s->size / 2)) != 1)
		return wl_fail("corrupt: cannot read %s/%s: %m", s->dir, name);
	c ^= 0xff;
	if (pwrite(fd, &c, 1, (off_t)(s->size / 2)) != 1 || close(fd))
		return wl_fail("corrupt: cannot write %s/%s: %m", s->dir, name);
	return 0;
}

/* syncfs once (one journal commit instead of one per file), then drop each
 * file's now clean pages so the read-back starts cold. */
static int evict_files(struct sf *s)
{
	char name[32];

	if (syncfs(s->dirfd))
		return wl_fail("syncfs on %s: %m", s->dir);
	for (uint64_t i = 0; i < s->files; i++) {
		int fd, err;

		file_name(name, sizeof(name), i);
		fd = openat(s->dirfd, name, O_RDONLY);
		if (fd < 0)
			return wl_fail("cannot open %s/%s: %m", s->dir, name);
		err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
		if (err)
			return wl_fail("posix_fadvise(DONTNEED) on %s/%s: %s", s->dir, name,
				       strerror(err));
	}
	return 0;
}

/* Read every file whole and compare; a mismatch is a verify failure, not
 * an error, so *bad names the first bad file (-1: all good). */
static int read_back(struct sf *s, int64_t *bad, char *why, size_t whylen)
{
	char name[32];

	*bad = -1;
	for (uint64_t i = 0; i < s->files; i++) {
		ssize_t n;
		int fd;

		file_name(name, sizeof(name), i);
		fd = openat(s->dirfd, name, O_RDONLY);
		if (fd < 0)
			return wl_fail("cannot open %s/%s: %m", s->dir, name);
		/* One byte more than expected catches a file that grew. */
		n = read_full(fd, s->got, s->size + 1);
		close(fd);
		if (n < 0)
			return wl_fail("cannot read %s/%s: %m", s->dir, name);
		content(s, i, s->want);
		if (*bad < 0 && ((uint64_t)n != s->size || memcmp(s->got, s->want, s->size))) {
			*bad = (int64_t)i;
			snprintf(why, whylen, "%s/%s: %s", s->dir, name,
				 (uint64_t)n != s->size ? "wrong length" : "content differs");
		}
	}
	return 0;
}

static long cachestat_pages(int fd, int *unsupported)
{
	struct wl_cachestat_range range = { 0, 0 };	/* len 0: to the end */
	struct wl_cachestat cs;

	if (syscall(__NR_cachestat, fd, &range, &cs, 0) == 0)
		return (long)cs.nr_cache;
	*unsupported = errno == ENOSYS || errno == EPERM;
	return -1;
}

static long mincore_pages(int fd, uint64_t size)
{
	long page = wl_page_size();
	size_t len = (size_t)size, npages = (len + (size_t)page - 1) / (size_t)page;
	unsigned char *vec = malloc(npages);
	void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	long n = 0;

	if (!vec || map == MAP_FAILED || mincore(map, len, vec)) {
		n = -1;
	} else {
		for (size_t i = 0; i < npages; i++)
			n += vec[i] & 1;
	}
	if (map != MAP_FAILED)
		munmap(map, len);
	free(vec);
	return n;
}

/* Page-cache pages of file i: cachestat(2), or mincore(2) before 6.5. */
static long cached_pages(struct sf *s, uint64_t i)
{
	char name[32];
	int fd, unsupported = 0;
	long n = -1;

	file_name(name, sizeof(name), i);
	fd = openat(s->dirfd, name, O_RDONLY);
	if (fd < 0)
		return -1;
	if (strcmp(s->pagecache_via, "mincore"))
		n = cachestat_pages(fd, &unsupported);
	if (unsupported)
		s->pagecache_via = "mincore";
	if (n < 0 && !strcmp(s->pagecache_via, "mincore"))
		n = mincore_pages(fd, s->size);
	close(fd);
	return n;
}

static int pagecache_total(struct sf *s, uint64_t *pages)
{
	*pages = 0;
	for (uint64_t i = 0; i < s->files; i++) {
		long n = cached_pages(s, i);

		if (n < 0)
			return wl_fail("cannot measure the page cache of file %llu in %s: %m",
				       (unsigned long long)i, s->dir);
		*pages += (uint64_t)n;
	}
	return 0;
}

static void remove_files(struct sf *s)
{
	char name[32];

	for (uint64_t i = 0; i < s->files; i++) {
		file_name(name, sizeof(name), i);
		unlinkat(s->dirfd, name, 0);
	}
	rmdir(s->dir);
}

static void report(const struct sf *s, uint64_t pages, uint64_t residual,
		   uint64_t read_ns)
{
	double page = (double)wl_page_size(), bytes = (double)pages * page;

	wl_metric("pagecache_bytes_per_file", bytes / (double)s->files, "bytes",
		  "gauge", "lower");
	wl_metric("pagecache_bytes", bytes, "bytes", "gauge", "lower");
	wl_metric("files_per_s", read_ns ? (double)s->files * 1e9 / (double)read_ns : 0,
		  "files/s", "rate", "higher");
	wl_metric("read_s", (double)read_ns / 1e9, "s", "gauge", "lower");
	wl_metric("file_bytes", (double)s->files * (double)s->size, "bytes", "gauge",
		  "none");
	/* Not 0: the read-back was not (fully) cold; the filesystem kept pages. */
	wl_metric("evict_residual_bytes", (double)residual * page, "bytes", "gauge",
		  "lower");
}

/* The measured part: cold read-back, then the page-cache footprint. */
static int measure(struct sf *s, int keep)
{
	char why[4200] = "";
	uint64_t t0, t1, pages, residual;
	int64_t bad;

	if (pagecache_total(s, &residual))
		return 1;
	wl_region_begin();
	t0 = wl_now_ns();
	if (read_back(s, &bad, why, sizeof(why)))
		return 1;
	t1 = wl_now_ns();
	if (pagecache_total(s, &pages))
		return 1;
	wl_region_end();
	report(s, pages, residual, t1 - t0);
	if (bad >= 0)
		wl_verify(0, "read-back mismatch in %s", why);
	else
		wl_verify(1, "%llu files of %llu bytes read back intact in %s (%s); "
			  "page cache by %s", (unsigned long long)s->files,
			  (unsigned long long)s->size, s->dir, keep ? "kept" : "removed",
			  s->pagecache_via);
	return 0;
}

static int prepare(struct sf *s, int corrupt)
{
	if (write_files(s) || (corrupt && corrupt_one(s)) || evict_files(s))
		return 1;
	wl_path(s->dir);
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct sf s = { .dirfd = -1, .seed = seed, .pagecache_via = "cachestat" };
	int keep = (int)wl_int(v, "keep"), rc;

	s.files = (uint64_t)wl_int(v, "files");
	s.size = wl_size(v, "size");
	if (check_dir(wl_str(v, "dir")) || make_dir(&s, wl_str(v, "dir")))
		return 1;
	s.want = malloc((size_t)s.size + 1);
	s.got = malloc((size_t)s.size + 1);
	rc = !s.want || !s.got ? wl_fail("out of memory") : 0;
	if (!rc)
		rc = prepare(&s, (int)wl_int(v, "corrupt"));
	if (!rc)
		rc = measure(&s, keep);
	if (!keep)
		remove_files(&s);
	close(s.dirfd);
	free(s.want);
	free(s.got);
	return rc;
}

static const struct wl_spec spec = {
	.name = "smallfiles",
	.summary = "write small files, evict them, read them back cold; page cache per file",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

static const struct wl_check checks[] = {
	{ "dir", wl_check_disk_dir_text },
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
