/* Reference loops for bench/workloads: the plainest code doing each
 * workload's work, so a workload's throughput divided by its reference's
 * shows what the workload's own structure costs (or, for stream copy,
 * how close it comes to memcpy). Each prints one number on stdout:
 *
 *   ref memcpy SIZE THREADS NTIMES  best copy bytes/s (2 x SIZE per pass), as STREAM
 *   ref chase SIZE STRIDE ACCESSES  ns per dependent load around a random cycle
 *   ref gups SIZE UPDATES           GUP/s of table[ran % n] ^= ran (one stream)
 *   ref gups128 SIZE UPDATES        GUP/s of HPCC RandomAccess's loop: 128 interleaved
 *                                   streams, table[ran & (n - 1)] ^= ran (n: SIZE / 8
 *                                   rounded down to a power of two)
 *   ref malloc OPS SLOTS LO HI      malloc+free per second, sizes log-uniform
 *   ref fork COUNT RSS              fork + _exit + waitpid per second
 *   ref mmapread DIR SIZE           bytes/s reading an evicted file through mmap
 *   ref collapse SIZE               bytes/s collapsed by MADV_COLLAPSE (half touched)
 *   ref sqlite ROWS ROW_SIZE        inserts/s into an in-memory SQLite table
 *   ref smallfiles DIR FILES SIZE   files/s read back cold
 *
 * Sizes are plain byte counts. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workloads/gups_lfsr.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t num(const char *s)
{
	return strtoull(s, NULL, 10);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("ref: mmap");
		exit(1);
	}
	return p;
}

/* memcpy: each thread copies its slice; the main thread times each pass. */
struct copy {
	char *a, *c;
	size_t size;
	int threads, ntimes;
	pthread_barrier_t bar;
	double best;
};

struct slice {
	struct copy *cp;
	pthread_t tid;
	size_t lo, hi;
	int id;
};

static void *copier(void *arg)
{
	struct slice *s = arg;
	struct copy *cp = s->cp;

	memset(cp->a + s->lo, 1, s->hi - s->lo);	/* first touch by the owner */
	memset(cp->c + s->lo, 0, s->hi - s->lo);
	for (int t = 0; t < cp->ntimes; t++) {
		double t0;

		pthread_barrier_wait(&cp->bar);
		t0 = now();
		memcpy(cp->c + s->lo, cp->a + s->lo, s->hi - s->lo);
		pthread_barrier_wait(&cp->bar);
		t0 = now() - t0;
		if (s->id == 0 && t > 0 && t0 < cp->best)
			cp->best = t0;
	}
	return NULL;
}

static int ref_memcpy(char **v)
{
	struct copy cp = { .size = num(v[0]), .threads = (int)num(v[1]),
			   .ntimes = (int)num(v[2]), .best = 1e30 };
	struct slice *s = calloc((size_t)cp.threads, sizeof(*s));
	size_t chunk = (cp.size / (size_t)cp.threads + 63) / 64 * 64;

	cp.a = map(cp.size);
	cp.c = map(cp.size);
	pthread_barrier_init(&cp.bar, NULL, (unsigned)cp.threads);
	for (int i = 0; i < cp.threads; i++) {
		size_t lo = (size_t)i * chunk;

		s[i] = (struct slice){ &cp, 0, lo < cp.size ? lo : cp.size,
				       lo + chunk < cp.size ? lo + chunk : cp.size, i };
		if (i)
			pthread_create(&s[i].tid, NULL, copier, &s[i]);
	}
	copier(&s[0]);
	for (int i = 1; i < cp.threads; i++)
		pthread_join(s[i].tid, NULL);
	printf("%.6g\n", 2.0 * (double)cp.size / cp.best);
	return 0;
}

static int ref_chase(char **v)
{
	size_t size = num(v[0]), stride = num(v[1]), n = size / stride;
	uint64_t acc = num(v[2]), rng = 1;
	char *buf = map(size);
	size_t *perm = malloc(n * sizeof(*perm));
	void *p;
	double t0;

	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd(&rng) % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t k = 0; k < n; k++)
		*(void **)(buf + perm[k] * stride) = buf + perm[(k + 1) % n] * stride;
	p = buf + perm[0] * stride;
	for (uint64_t i = 0; i < (acc < n ? acc : n); i++)
		p = *(void **)p;
	t0 = now();
	for (uint64_t i = 0; i < acc; i++)
		p = *(void **)p;
	printf("%.6g\n", (now() - t0) * 1e9 / (double)acc + (p == NULL));
	return 0;
}

static int ref_gups(char **v)
{
	uint64_t n = num(v[0]) / 8, updates = num(v[1]), ran = 1, sum = 0;
	uint64_t *t = map(n * 8);
	double t0;

	for (uint64_t i = 0; i < n; i++)
		t[i] = i;
	t0 = now();
	for (uint64_t i = 0; i < updates; i++) {
		ran = (ran << 1) ^ ((int64_t)ran < 0 ? 7 : 0);
		t[ran % n] ^= ran;
	}
	t0 = now() - t0;
	for (uint64_t i = 0; i < n; i++)
		sum += t[i];
	printf("%.6g\n", (double)updates / t0 / 1e9 + (sum == 1) * 1e-30);
	return 0;
}

/* HPCC RandomAccess's core loop (RandomAccess.c, the sequential version):
 * 128 streams, each a segment of one LFSR sequence (HPCC_starts), one
 * update of each in turn, indexed by masking. */
static int ref_gups128(char **v)
{
	uint64_t n = 1, updates = num(v[1]), ran[128], sum = 0;
	uint64_t *t;
	double t0;

	while (n * 2 <= num(v[0]) / 8)
		n *= 2;
	t = map(n * 8);
	for (uint64_t i = 0; i < n; i++)
		t[i] = i;
	for (int j = 0; j < 128; j++)
		ran[j] = gups_lfsr_jump(1, updates / 128 * (uint64_t)j);
	t0 = now();
	for (uint64_t i = 0; i < updates / 128; i++)
		for (int j = 0; j < 128; j++) {
			ran[j] = (ran[j] << 1) ^ ((int64_t)ran[j] < 0 ? GUPS_POLY : 0);
			t[ran[j] & (n - 1)] ^= ran[j];
		}
	t0 = now() - t0;
	for (uint64_t i = 0; i < n; i++)
		sum += t[i];
	printf("%.6g\n", (double)(updates / 128 * 128) / t0 / 1e9 + (sum == 1) * 1e-30);
	return 0;
}

static int ref_malloc(char **v)
{
	uint64_t ops = num(v[0]), slots = num(v[1]), rng = 1;
	double lo = (double)num(v[2]), hi = (double)num(v[3]), t0;
	char **slot = calloc(slots, sizeof(*slot));

	t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t k = rnd(&rng) % slots;
		double u = (double)(rnd(&rng) >> 11) / 9007199254740992.0;
		size_t size = (size_t)(lo * pow((hi + 1) / lo, u));

		free(slot[k]);
		slot[k] = malloc(size);
		memset(slot[k], (int)k, size);
	}
	t0 = now() - t0;
	/* A free only happens once a slot is in use: the workload counts the same. */
	printf("%.6g\n", (double)(2 * ops - (ops < slots ? ops : slots)) / t0);
	return 0;
}

static int ref_fork(char **v)
{
	uint64_t count = num(v[0]);
	size_t rss = num(v[1]);
	char *mem = rss ? map(rss) : NULL;
	double t0;

	if (mem)
		memset(mem, 1, rss);
	t0 = now();
	for (uint64_t i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	printf("%.6g\n", (double)count / (now() - t0));
	return 0;
}

static int ref_mmapread(char **v)
{
	char path[4096];
	size_t size = num(v[1]) / 8 * 8;
	uint64_t *buf = malloc(1 << 20), sum = 0, rng = 1;
	const uint64_t *m;
	int fd;
	double t0;

	snprintf(path, sizeof(path), "%s/harness-ref-XXXXXX", v[0]);
	fd = mkstemp(path);
	if (fd < 0) {
		perror("ref: mkstemp");
		return 1;
	}
	for (size_t off = 0; off < size; off += 1 << 20) {
		size_t n = size - off < (1 << 20) ? size - off : 1 << 20;

		for (size_t k = 0; k < n / 8; k++)
			buf[k] = rnd(&rng);
		if (write(fd, buf, n) != (ssize_t)n)
			return 1;
	}
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	t0 = now();
	for (size_t i = 0; i < size / 8; i++)
		sum += m[i];
	t0 = now() - t0;
	unlink(path);
	printf("%.6g\n", (double)size / t0 + (sum == 1) * 1e-30);
	return 0;
}

static int ref_collapse(char **v)
{
	size_t size = num(v[0]), pmd = 2u << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	char *raw, *p;
	double t0;

	if (f && fscanf(f, "%zu", &pmd) != 1)
		pmd = 2u << 20;
	if (f)
		fclose(f);
	raw = map(size + pmd);
	p = (char *)(((uintptr_t)raw + pmd - 1) & ~(uintptr_t)(pmd - 1));
	madvise(p, size, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < size; off += 2 * page)
		p[off] = 1;
	madvise(p, size, MADV_HUGEPAGE);
	t0 = now();
	if (madvise(p, size, MADV_COLLAPSE))
		perror("ref: MADV_COLLAPSE");
	printf("%.6g\n", (double)size / (now() - t0));
	return 0;
}

static int ref_sqlite(char **v)
{
	uint64_t rows = num(v[0]), rng = 1;
	size_t row_size = num(v[1]);
	unsigned char *payload = calloc(1, row_size + 8);
	sqlite3 *db;
	sqlite3_stmt *ins;
	double t0;

	for (size_t i = 0; i < row_size; i += 8) {
		uint64_t r = rnd(&rng);

		memcpy(payload + i, &r, 8);
	}
	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
	sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, "
		     "payload BLOB NOT NULL)", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?)", -1, &ins, NULL);
	t0 = now();
	for (uint64_t i = 0; i < rows; i++) {
		if (i % 1000 == 0)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)(i + 1));
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)(rnd(&rng) & 0x7fffffff));
		sqlite3_bind_blob(ins, 3, payload, (int)row_size, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		if ((i + 1) % 1000 == 0 || i + 1 == rows)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	t0 = now() - t0;
	sqlite3_finalize(ins);
	sqlite3_close(db);
	printf("%.6g\n", (double)rows / t0);
	return 0;
}

static int ref_smallfiles(char **v)
{
	char dir[4096], name[4200];
	uint64_t files = num(v[1]);
	size_t size = num(v[2]);
	char *buf = calloc(1, size + 1);
	int dfd;
	double t0;

	snprintf(dir, sizeof(dir), "%s/harness-ref-XXXXXX", v[0]);
	if (!mkdtemp(dir))
		return 1;
	for (uint64_t i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "%s/f%llu", dir, (unsigned long long)i);
		int fd = open(name, O_WRONLY | O_CREAT, 0644);

		if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
			return 1;
		close(fd);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	syncfs(dfd);
	for (uint64_t i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "%s/f%llu", dir, (unsigned long long)i);
		int fd = open(name, O_RDONLY);

		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	t0 = now();
	for (uint64_t i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "%s/f%llu", dir, (unsigned long long)i);
		int fd = open(name, O_RDONLY);

		if (fd < 0 || read(fd, buf, size + 1) < 0)
			return 1;
		close(fd);
	}
	t0 = now() - t0;
	for (uint64_t i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "%s/f%llu", dir, (unsigned long long)i);
		unlink(name);
	}
	close(dfd);
	rmdir(dir);
	printf("%.6g\n", (double)files / t0);
	return 0;
}

static const struct {
	const char *name;
	int nargs;
	int (*fn)(char **v);
} refs[] = {
	{ "memcpy", 3, ref_memcpy }, { "chase", 3, ref_chase }, { "gups", 2, ref_gups },
	{ "gups128", 2, ref_gups128 },
	{ "malloc", 4, ref_malloc }, { "fork", 2, ref_fork }, { "mmapread", 2, ref_mmapread },
	{ "collapse", 1, ref_collapse }, { "sqlite", 2, ref_sqlite },
	{ "smallfiles", 3, ref_smallfiles },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(refs) / sizeof(refs[0]); i++)
		if (!strcmp(argv[1], refs[i].name) && argc == refs[i].nargs + 2)
			return refs[i].fn(argv + 2);
	fprintf(stderr, "usage: ref memcpy|chase|gups|gups128|malloc|fork|mmapread|collapse|sqlite|"
		"smallfiles ARGS... (see bench/ref.c)\n");
	return 2;
}
