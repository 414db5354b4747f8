/* mmapread: a large file, evicted from the page cache, read through a
 * shared mapping, sequentially or in random blocks. Every first touch of
 * an uncached page is a major fault; readahead (steered by madvise) and
 * the size of the page-cache folios decide how many bytes each fault
 * brings in, and the page size sets the smallest unit of both: the
 * figures are bytes/s, major faults, bytes per fault and the page cache
 * the file occupies afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl.h"

#define CHUNK (1u << 20)	/* write buffer */

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "256m", "bytes", "file size (rounded down to 8 bytes)", "8.." },
	{ "dir", WL_STRING, "/var/tmp", "",
	  "directory on a disk filesystem; the file harness-mmapread-XXXXXX is made in it", NULL },
	{ "order", WL_ENUM, "seq", "", "seq: blocks in file order; random: a random permutation",
	  "seq|random" },
	{ "block", WL_SIZE, "0", "bytes",
	  "bytes read at each visited place (a multiple of 8); 0 = the page size", "0.." },
	{ "advice", WL_ENUM, "normal", "",
	  "madvise on the mapping before reading: MADV_NORMAL, MADV_SEQUENTIAL, MADV_RANDOM "
	  "or MADV_WILLNEED", "normal|sequential|random|willneed" },
	{ "keep", WL_BOOL, "0", "", "keep the file (its path is in the path message)", NULL },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one byte of the file after writing it",
	  NULL },
};

struct mr {
	char path[4096];
	int fd;
	uint64_t size, block, nblocks, seed;
	uint32_t *order;		/* random: block visit order */
	const uint64_t *map;
	const char *cache_via;
};

struct figures {
	uint64_t ns, sum;
	long majflt, minflt;
	int64_t residual, cached;
};

static uint64_t word_at(const struct mr *m, uint64_t i)
{
	uint64_t s = m->seed ^ (i * 0xd1342543de82ef95ull);

	return wl_rand_next(&s);
}

static uint64_t expected_sum(const struct mr *m)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < m->size / 8; i++)
		sum += word_at(m, i);
	return sum;
}

static int write_file(struct mr *m)
{
	uint64_t *buf = malloc(CHUNK);
	uint64_t words = m->size / 8, i = 0;

	if (!buf)
		return wl_fail("out of memory");
	while (i < words) {
		uint64_t n = words - i < CHUNK / 8 ? words - i : CHUNK / 8;

		for (uint64_t k = 0; k < n; k++)
			buf[k] = word_at(m, i + k);
		if (wl_write_full(m->fd, buf, (size_t)n * 8)) {
			free(buf);
			return wl_fail("cannot write %s: %m", m->path);
		}
		i += n;
	}
	free(buf);
	return 0;
}

/* For tests: one changed byte in the middle, on disk before eviction. */
static int corrupt_file(struct mr *m)
{
	unsigned char c;
	off_t at = (off_t)(m->size / 2);

	if (pread(m->fd, &c, 1, at) != 1)
		return wl_fail("corrupt: cannot read %s: %m", m->path);
	c ^= 0xff;
	if (pwrite(m->fd, &c, 1, at) != 1)
		return wl_fail("corrupt: cannot write %s: %m", m->path);
	return 0;
}

static int make_file(struct mr *m, const char *dir, int corrupt)
{
	if (snprintf(m->path, sizeof(m->path), "%s/harness-mmapread-XXXXXX", dir) >=
	    (int)sizeof(m->path))
		return wl_param_fail("dir", "'%s' is too long", dir);
	m->fd = mkstemp(m->path);
	if (m->fd < 0)
		return wl_fail("cannot create a file in %s: %m", dir);
	/* Held until exit, the sticky bit saying so: stale once we are
	 * killed (harness/scratch.h). */
	if (flock(m->fd, LOCK_EX) || fchmod(m->fd, 01600))
		return wl_fail("cannot lock %s: %m", m->path);
	if (write_file(m) || (corrupt && corrupt_file(m)))
		return 1;
	if (wl_evict(m->fd))
		return wl_fail("cannot evict %s from the page cache: %m", m->path);
	return 0;
}

static void plan_order(struct mr *m, int random)
{
	uint64_t rng = m->seed;

	for (uint64_t i = 0; i < m->nblocks; i++)
		m->order[i] = (uint32_t)i;
	for (uint64_t i = m->nblocks - 1; random && i > 0; i--) {
		uint64_t j = (uint64_t)(((unsigned __int128)wl_rand_next(&rng) * (i + 1)) >> 64);
		uint32_t t = m->order[i];

		m->order[i] = m->order[j];
		m->order[j] = t;
	}
}

/* The measured loop: every word of every block, blocks in plan order. */
static uint64_t read_blocks(const struct mr *m)
{
	uint64_t sum = 0, per = m->block / 8, words = m->size / 8;

	for (uint64_t b = 0; b < m->nblocks; b++) {
		uint64_t lo = (uint64_t)m->order[b] * per, hi = lo + per < words ? lo + per : words;

		for (uint64_t i = lo; i < hi; i++)
			sum += m->map[i];
	}
	return sum;
}

static const int advice_value[] = { MADV_NORMAL, MADV_SEQUENTIAL, MADV_RANDOM, MADV_WILLNEED };

static int measure(struct mr *m, int advice, struct figures *f)
{
	struct rusage r0, r1;
	uint64_t t0;
	int rc = 0;

	getrusage(RUSAGE_SELF, &r0);
	wl_region_begin();
	t0 = wl_now_ns();
	/* Inside the region: WILLNEED starts its reads right here. */
	if (madvise((void *)m->map, (size_t)m->size, advice_value[advice]))
		rc = wl_fail("madvise on the mapping: %m");
	else
		f->sum = read_blocks(m);
	f->ns = wl_now_ns() - t0;
	wl_region_end();
	getrusage(RUSAGE_SELF, &r1);
	f->majflt = r1.ru_majflt - r0.ru_majflt;
	f->minflt = r1.ru_minflt - r0.ru_minflt;
	f->cached = wl_cached_bytes(m->fd, m->size, &m->cache_via);
	return rc;
}

static void report(const struct mr *m, const struct figures *f)
{
	double bytes = (double)(m->size / 8 * 8);

	wl_metric("bytes_per_s", f->ns ? bytes * 1e9 / (double)f->ns : 0, "bytes/s", "rate",
		  "higher");
	wl_metric("read_s", (double)f->ns / 1e9, "s", "gauge", "lower");
	wl_metric("file_bytes", bytes, "bytes", "gauge", "none");
	wl_metric("bytes_touched", bytes, "bytes", "counter", "none");
	wl_metric("major_faults", (double)f->majflt, "count", "counter", "lower");
	wl_metric("minor_faults", (double)f->minflt, "count", "counter", "lower");
	wl_metric("bytes_per_major_fault", f->majflt ? bytes / (double)f->majflt : bytes,
		  "bytes", "gauge", "higher");
	wl_metric("pagecache_bytes", (double)f->cached, "bytes", "gauge", "none");
	/* Not 0: the read did not start cold. */
	wl_metric("evict_residual_bytes", (double)f->residual, "bytes", "gauge", "lower");
}

static void verify(const struct mr *m, const struct figures *f, int keep)
{
	uint64_t want = expected_sum(m);

	if (f->sum != want)
		wl_verify(0, "sum of the %" PRIu64 " words read is %016" PRIx64 ", the file "
			  "written sums to %016" PRIx64, m->size / 8, f->sum, want);
	else
		wl_verify(1, "%" PRIu64 " bytes of %s read back (sum %016" PRIx64 ", %s); page "
			  "cache by %s", m->size, m->path, f->sum, keep ? "kept" : "removed",
			  m->cache_via);
}

static int setup(struct mr *m, const struct wl_value *v, uint64_t seed)
{
	m->seed = seed;
	m->size = wl_size(v, "size") / 8 * 8;
	m->block = wl_size(v, "block") ? wl_size(v, "block") : (uint64_t)wl_page_size();
	m->nblocks = (m->size + m->block - 1) / m->block;
	if (m->nblocks > UINT32_MAX)
		return wl_param_fail("block", "%" PRIu64 " bytes make more than 2^32 blocks of "
				     "a %" PRIu64 "-byte file", m->block, m->size);
	if (wl_check_disk_dir("dir", wl_str(v, "dir")))
		return 1;
	m->order = malloc((size_t)m->nblocks * sizeof(*m->order));
	if (!m->order)
		return wl_fail("out of memory");
	plan_order(m, !strcmp(wl_str(v, "order"), "random"));
	return 0;
}

static int map_file(struct mr *m, struct figures *f)
{
	void *p;

	f->residual = wl_cached_bytes(m->fd, m->size, &m->cache_via);
	p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED)
		return wl_fail("cannot map %s: %m", m->path);
	m->map = p;
	wl_path(m->path);
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct mr m = { .fd = -1 };
	struct figures f = { 0 };
	int keep = (int)wl_int(v, "keep");
	int rc = setup(&m, v, seed);

	if (!rc)
		rc = make_file(&m, wl_str(v, "dir"), (int)wl_int(v, "corrupt"));
	if (!rc)
		rc = map_file(&m, &f);
	if (!rc)
		rc = measure(&m, (int)wl_int(v, "advice"), &f);
	if (!rc) {
		report(&m, &f);
		verify(&m, &f, keep);
	}
	if (m.map)
		munmap((void *)m.map, (size_t)m.size);
	if (m.fd >= 0) {
		close(m.fd);
		if (!keep)
			unlink(m.path);
	}
	free(m.order);
	return rc;
}

static const struct wl_check checks[] = {
	{ "block", wl_check_size_range_words },
	{ "dir", wl_check_disk_dir_text },
};

static const struct wl_spec spec = {
	.name = "mmapread",
	.summary = "read an evicted file through mmap, sequentially or randomly; bytes/s, "
		   "major faults, page cache",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
