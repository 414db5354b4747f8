/* filetree: read every regular file of a real directory tree and measure
 * the page cache it takes. A file occupies whole base pages of page cache
 * however small it is, so the same tree costs more memory the larger the
 * page: the overhead page-cache / file bytes is the case of "lots of small
 * configuration files" against 64 KiB pages, measured on real files
 * rather than on files of one size (smallfiles).
 *
 * The tree is walked without following symlinks and without crossing
 * into other file systems (nftw FTW_PHYS | FTW_MOUNT): a symlink loop
 * cannot make it spin, /proc under a tree cannot make it read forever.
 * Files are taken in path order (byte order), not directory order, so the
 * caps select the same files on every file system holding the same tree
 * (the host's and the qemu guest's ext4 image of it). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl.h"

#define CHUNK (1u << 20)	/* read(2) buffer */

static const struct wl_param params[] = {
	{ "tree", WL_STRING, "/usr/share/doc", "",
	  "directories whose regular files are read, separated by ':' (symlinks are not "
	  "followed, other file systems not entered); on the qemu target each is shipped as a "
	  "read-only disk mounted at the same path, and {kernel_source} names the booted "
	  "kernel's source tree", NULL },
	{ "mode", WL_ENUM, "read", "", "read: read(2) each file whole; mmap: map it and "
	  "touch every page", "read|mmap" },
	{ "max_files", WL_INT, "0", "count", "read at most this many files (in path order); 0 = all",
	  "0.." },
	{ "max_bytes", WL_SIZE, "0", "bytes",
	  "stop before the file that would take the file bytes past this (in path order); 0 = all",
	  "0.." },
	{ "evict", WL_BOOL, "1", "",
	  "drop the files' clean pages before reading (POSIX_FADV_DONTNEED), so the read is cold",
	  NULL },
	{ "corrupt", WL_BOOL, "0", "",
	  "for tests: expect one byte more of one file, so verification fails", NULL },
};

/* Size classes of the histogram: a file falls in the first class whose
 * bound it does not exceed. 4k, 16k and 64k are the three page sizes:
 * every file up to 4 KiB takes one page on all of them. */
static const struct { const char *name; uint64_t max; } classes[] = {
	{ "0", 0 }, { "4k", 4096 }, { "16k", 16384 }, { "64k", 65536 },
	{ "256k", 262144 }, { "1m", 1048576 }, { "inf", UINT64_MAX },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

struct entry {
	char *path;
	uint64_t size;
};

/* What the walk found: nftw's callback has no user pointer. */
static struct walk {
	struct entry *e;
	size_t n, cap;
	dev_t *devs;		/* (dev, ino) of files seen: hard links counted once */
	ino_t *inos;
	uint64_t dirs, unreadable_dirs, symlinks, special, hardlinks;
	int oom;
	int walked;		/* by the parameter check, which runs before run() */
} W;

struct tally {
	uint64_t files, file_bytes, rounded_bytes, cache_bytes, residual, unreadable, capped;
	uint64_t class_files[NCLASSES], class_cache[NCLASSES];
	uint64_t ns;
	int64_t bad;		/* first file whose read did not match its size; -1 none */
	const char *via;
};

static size_t class_of(uint64_t size)
{
	size_t i = 0;

	while (size > classes[i].max)
		i++;
	return i;
}

static int seen_before(dev_t dev, ino_t ino)
{
	/* Linear: hard links are rare in the trees this reads, and only
	 * files with st_nlink > 1 are looked up at all. */
	for (size_t i = 0; i < W.n; i++)
		if (W.devs[i] == dev && W.inos[i] == ino)
			return 1;
	return 0;
}

static int add_file(const char *path, const struct stat *st)
{
	if (st->st_nlink > 1 && seen_before(st->st_dev, st->st_ino)) {
		W.hardlinks++;
		return 0;
	}
	if (W.n == W.cap) {
		size_t cap = W.cap ? W.cap * 2 : 1024;
		struct entry *e = realloc(W.e, cap * sizeof(*e));
		dev_t *d = e ? realloc(W.devs, cap * sizeof(*d)) : NULL;
		ino_t *i = d ? realloc(W.inos, cap * sizeof(*i)) : NULL;

		if (e)
			W.e = e;
		if (d)
			W.devs = d;
		if (!i)
			return W.oom = 1;
		W.inos = i;
		W.cap = cap;
	}
	W.e[W.n].path = strdup(path);
	if (!W.e[W.n].path)
		return W.oom = 1;
	W.e[W.n].size = (uint64_t)st->st_size;
	W.devs[W.n] = st->st_dev;
	W.inos[W.n] = st->st_ino;
	W.n++;
	return 0;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	switch (flag) {
	case FTW_F:
		if (S_ISREG(st->st_mode))
			return add_file(path, st);
		W.special++;	/* FIFOs, sockets, devices: opening one could block */
		return 0;
	case FTW_D:
		W.dirs++;
		return 0;
	case FTW_DNR:
		W.unreadable_dirs++;
		return 0;
	case FTW_SL:
	case FTW_SLN:
		W.symlinks++;
		return 0;
	default:		/* FTW_NS: lstat failed (gone, or no search permission) */
		W.unreadable_dirs++;
		return 0;
	}
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

#define KSRC "{kernel_source}"

/* The walk's errors go to err (the part after "parameter tree: "), so
 * the same walk serves --check, which may not print, and the run. */
static int walk_root(const char *root, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(root, &st) || (S_ISLNK(st.st_mode) && stat(root, &st))) {
		snprintf(err, errlen, "'%s': %s", root, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a directory", root);
		return -1;
	}
	if (access(root, R_OK | X_OK)) {
		snprintf(err, errlen, "'%s' cannot be read: %s", root, strerror(errno));
		return -1;
	}
	/* 64 descriptors: nftw closes and reopens deeper levels itself. */
	if (nftw(root, visit, 64, FTW_PHYS | FTW_MOUNT) < 0 || W.oom) {
		snprintf(err, errlen, "'%s': %s", root, W.oom ? "out of memory" : strerror(errno));
		return -1;
	}
	return 0;
}

/* 1 when a is b or a directory above it: the same files twice. */
static int contains(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 1 && a[alen - 1] == '/')
		alen--;
	return blen >= alen && !strncmp(a, b, alen) && (blen == alen || b[alen] == '/');
}

static int remote(void)
{
	const char *r = getenv("HARNESS_WL_REMOTE");

	return r && !strcmp(r, "1");
}

/* tree is one directory or several separated by ':'. {kernel_source}
 * passes only where a controller checks for a guest ($HARNESS_WL_REMOTE):
 * the target that boots the kernel fills it in. */
static int walk_list(const char *tree, char *err, size_t errlen)
{
	int skipped = 0;

	for (const char *p = tree; *p; p += strcspn(p, ":"), p += *p == ':') {
		size_t len = strcspn(p, ":");
		char root[4096];

		if (!len || len >= sizeof(root)) {
			snprintf(err, errlen, "'%s': an empty or too long directory in the list", tree);
			return -1;
		}
		for (const char *q = tree; q < p; q += strcspn(q, ":") + 1) {
			size_t qlen = strcspn(q, ":");

			if (contains(q, qlen, p, len) || contains(p, len, q, qlen)) {
				snprintf(err, errlen, "'%.*s' and '%.*s' overlap: their files would "
					 "count twice", (int)qlen, q, (int)len, p);
				return -1;
			}
		}
		snprintf(root, sizeof(root), "%.*s", (int)len, p);
		if (!strncmp(root, KSRC, strlen(KSRC)) && remote()) {
			skipped = 1;
			continue;
		}
		if (!strncmp(root, KSRC, strlen(KSRC))) {
			snprintf(err, errlen, "'%s': " KSRC " is the source tree of the kernel a target "
				 "boots (the qemu target fills it in); here there is none", root);
			return -1;
		}
		if (walk_root(root, err, errlen))
			return -1;
	}
	if (!*tree || (!W.n && !skipped)) {
		snprintf(err, errlen, "'%s' has no regular file to read (%llu directories, %llu "
			 "symlinks, %llu unreadable directories)", tree, (unsigned long long)W.dirs,
			 (unsigned long long)W.symlinks, (unsigned long long)W.unreadable_dirs);
		return -1;
	}
	qsort(W.e, W.n, sizeof(*W.e), by_path);
	W.walked = 1;
	return 0;
}

/* How many files, in path order, the caps let through. */
static size_t apply_caps(int64_t max_files, uint64_t max_bytes)
{
	uint64_t bytes = 0;
	size_t n = 0;

	while (n < W.n && (!max_files || n < (size_t)max_files)) {
		if (max_bytes && bytes + W.e[n].size > max_bytes)
			break;
		bytes += W.e[n].size;
		n++;
	}
	return n;
}

static int open_file(const struct entry *e)
{
	/* O_NOFOLLOW | O_NONBLOCK: a path swapped for a symlink or a FIFO
	 * since the walk fails or returns at once instead of hanging. */
	return open(e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

static int64_t read_all(int fd, unsigned char *buf)
{
	int64_t total = 0;

	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return total;
		total += n;
	}
}

/* Where mmap_all's loads go: a volatile the compiler must write keeps
 * them from being optimised away. */
static volatile unsigned char mmap_sink;

/* Touch one byte per page through a shared mapping: each first touch of
 * a page is a fault that brings it into the page cache. */
static int64_t mmap_all(int fd, uint64_t size)
{
	long page = wl_page_size();
	unsigned char sink = 0;
	unsigned char *m;

	if (!size)
		return 0;
	m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	for (uint64_t off = 0; off < size; off += (uint64_t)page)
		sink ^= m[off];
	sink ^= m[size - 1];
	mmap_sink = sink;
	munmap(m, (size_t)size);
	return (int64_t)size;
}

static uint64_t round_up(uint64_t size)
{
	uint64_t page = (uint64_t)wl_page_size();

	return (size + page - 1) / page * page;
}

/* Read file i and count what it took; a file that cannot be opened or
 * read is a counted skip (unreadable), never an error. */
static int read_one(struct tally *t, size_t i, int mmap_mode, unsigned char *buf, uint64_t expect)
{
	const struct entry *e = &W.e[i];
	int fd = open_file(e);
	int64_t got, cached;
	size_t c;

	if (fd < 0) {
		t->unreadable++;
		return 0;
	}
	got = mmap_mode ? mmap_all(fd, e->size) : read_all(fd, buf);
	if (got < 0) {
		close(fd);
		t->unreadable++;
		return 0;
	}
	cached = wl_cached_bytes(fd, e->size, &t->via);
	close(fd);
	if (cached < 0)
		return wl_fail("cannot measure the page cache of %s: %m", e->path);
	if (t->bad < 0 && (uint64_t)got != expect)
		t->bad = (int64_t)i;
	c = class_of(e->size);
	t->files++;
	t->file_bytes += e->size;
	t->rounded_bytes += round_up(e->size);
	t->cache_bytes += (uint64_t)cached;
	t->class_files[c]++;
	t->class_cache[c] += (uint64_t)cached;
	return 0;
}

/* Drop clean pages first; what stays is reported, not hidden. */
static int evict_all(struct tally *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open_file(&W.e[i]);
		int64_t left;

		if (fd < 0)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		left = wl_cached_bytes(fd, W.e[i].size, &t->via);
		if (left > 0)
			t->residual += (uint64_t)left;
		close(fd);
	}
	return 0;
}

static void report_counts(const struct tally *t)
{
	char name[64];

	wl_metric("files", (double)t->files, "count", "gauge", "none");
	wl_metric("file_bytes", (double)t->file_bytes, "bytes", "gauge", "none");
	wl_metric("rounded_bytes", (double)t->rounded_bytes, "bytes", "gauge", "none");
	wl_metric("dirs", (double)W.dirs, "count", "gauge", "none");
	wl_metric("skipped_unreadable", (double)t->unreadable, "count", "gauge", "none");
	wl_metric("skipped_unreadable_dirs", (double)W.unreadable_dirs, "count", "gauge", "none");
	wl_metric("skipped_symlinks", (double)W.symlinks, "count", "gauge", "none");
	wl_metric("skipped_special", (double)W.special, "count", "gauge", "none");
	wl_metric("skipped_hardlinks", (double)W.hardlinks, "count", "gauge", "none");
	wl_metric("skipped_capped", (double)t->capped, "count", "gauge", "none");
	for (size_t c = 0; c < NCLASSES; c++) {
		snprintf(name, sizeof(name), "files_by_size.%s", classes[c].name);
		wl_metric(name, (double)t->class_files[c], "count", "gauge", "none");
		snprintf(name, sizeof(name), "pagecache_by_size.%s", classes[c].name);
		wl_metric(name, (double)t->class_cache[c], "bytes", "gauge", "lower");
	}
}

static void report(const struct tally *t)
{
	double files = t->files ? (double)t->files : 1, bytes = (double)t->file_bytes;

	wl_metric("pagecache_bytes", (double)t->cache_bytes, "bytes", "gauge", "lower");
	wl_metric("pagecache_bytes_per_file", (double)t->cache_bytes / files, "bytes", "gauge",
		  "lower");
	/* Relative to the data: 1 would be a page cache holding only the
	 * files' bytes; a tree of 1 KiB files is 4 on 4K pages, 64 on 64K. */
	wl_metric("overhead", bytes > 0 ? (double)t->cache_bytes / bytes : 0, "", "gauge",
		  "lower");
	wl_metric("read_s", (double)t->ns / 1e9, "s", "gauge", "lower");
	wl_metric("files_per_s", t->ns ? files * 1e9 / (double)t->ns : 0, "files/s", "rate",
		  "higher");
	wl_metric("bytes_per_s", t->ns ? bytes * 1e9 / (double)t->ns : 0, "bytes/s", "rate",
		  "higher");
	wl_metric("evict_residual_bytes", (double)t->residual, "bytes", "gauge", "lower");
	report_counts(t);
}

static int measure(struct tally *t, size_t n, int mmap_mode, int evict, int corrupt)
{
	unsigned char *buf = malloc(CHUNK);
	uint64_t t0;
	int rc = 0;

	if (!buf)
		return wl_fail("out of memory");
	if (evict)
		evict_all(t, n);
	wl_region_begin();
	t0 = wl_now_ns();
	for (size_t i = 0; i < n && !rc; i++)
		rc = read_one(t, i, mmap_mode, buf, W.e[i].size + (corrupt && i == n / 2));
	t->ns = wl_now_ns() - t0;
	wl_region_end();
	free(buf);
	return rc;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct tally t = { .bad = -1, .via = "cachestat" };
	const char *tree = wl_str(v, "tree");
	size_t n;

	(void)seed;
	if (!W.walked) {
		char err[512];

		if (walk_list(tree, err, sizeof(err)))
			return wl_param_fail("tree", "%s", err);
	}
	n = apply_caps(wl_int(v, "max_files"), wl_size(v, "max_bytes"));
	if (!n)
		return wl_param_fail("max_bytes", "%llu bytes: the first file of %s in path order "
				     "(%s, %llu bytes) is larger", (unsigned long long)wl_size(v, "max_bytes"),
				     tree, W.e[0].path, (unsigned long long)W.e[0].size);
	t.capped = W.n - n;
	if (measure(&t, n, wl_int(v, "mode") == 1, (int)wl_int(v, "evict"), (int)wl_int(v, "corrupt")))
		return 1;
	report(&t);
	if (t.bad >= 0)
		wl_verify(0, "%s: read %s bytes than its size of %llu (changed during the run?)",
			  W.e[t.bad].path, wl_int(v, "corrupt") ? "other" : "fewer or more",
			  (unsigned long long)W.e[t.bad].size);
	else
		wl_verify(1, "%llu files of %s read whole (%llu bytes; %llu unreadable, %llu symlinks "
			  "not followed, %llu capped); page cache by %s", (unsigned long long)t.files,
			  tree, (unsigned long long)t.file_bytes, (unsigned long long)t.unreadable,
			  (unsigned long long)W.symlinks, (unsigned long long)t.capped, t.via);
	return 0;
}

static const struct wl_spec spec = {
	.name = "filetree",
	.summary = "read every regular file of a real directory tree; its page cache per file",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

/* The walk itself is the check: a tree that is missing, empty, or only
 * symlinks exits 2 under --check and before a run starts, so a sweep
 * refuses it with its line and nothing is stored. */
static int check_tree(const char *text, char *err, size_t errlen)
{
	return walk_list(text, err, errlen);
}

static const struct wl_check checks[] = {
	{ "tree", check_tree },
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
