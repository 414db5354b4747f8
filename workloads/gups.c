/* gups: random read-modify-write over a table of uint64_t, in the style of
 * HPCC RandomAccess. Nearly every update misses the TLB on a table much
 * larger than the TLB reach, so the figure follows the page size, THP/mTHP
 * and the cost of page walks. The first touch of the table is inside the
 * measured region because its page faults differ across page sizes too.
 * As HPCC, each thread interleaves independent update streams (128 by
 * default): one stream is bound by the latency of each miss, many keep
 * the memory system busy, which is what HPCC's figure measures. Each
 * update also prefetches the entry of one 16 updates later (prefetch=),
 * so its page walk starts before the out-of-order window gets there. */
#include <hwloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gups_lfsr.h"
#include "wl.h"

/* Upper bound of the streams parameter: their states live on the stack. */
#define MAX_STREAMS 1024

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "64m", "bytes", "table size (8-byte entries)", "8.." },
	{ "updates", WL_INT, "0", "count", "random updates; 0 = 4 x table entries", "0.." },
	{ "threads", WL_INT, "1", "count", "threads, each with its own random stream", "1..1024" },
	{ "streams", WL_INT, "128", "count",
	  "independent update streams interleaved per thread (HPCC: 128; 1 = one dependent "
	  "stream, latency-bound)", "1..1024" },
	{ "prefetch", WL_INT, "16", "updates",
	  "prefetch the entry of the update this many places ahead (at most streams - 1; "
	  "0 = none, the hardware alone)", "0..1023" },
	{ "bind", WL_ENUM, "none", "", "core: pin thread i to core i mod cores (hwloc)",
	  "none|core" },
	{ "pages", WL_ENUM, "default", "",
	  "table madvise: default = none (system THP/mTHP policy), base = MADV_NOHUGEPAGE, "
	  "thp = MADV_HUGEPAGE", "default|base|thp" },
	{ "corrupt", WL_BOOL, "0", "",
	  "for tests: flip one table entry (threads > 1: just over 1%) before verifying",
	  NULL },
};

struct gups {
	uint64_t *table;
	uint64_t entries;
	int threads, streams;
	int ahead;			/* prefetch distance in updates, < streams */
	pthread_barrier_t step;		/* workers and the main thread */
	hwloc_topology_t topo;		/* NULL unless bind=core */
	int abort;			/* set by main before a step: workers quit */
};

struct worker {
	struct gups *g;
	pthread_t tid;
	int id;
	uint64_t lo, hi;		/* slice of the table this thread initialises */
	uint64_t count;			/* its number of updates */
	uint64_t *start;		/* first state of each of its streams */
	char err[160];
};

/* The index of update value r in a table of n entries. For n = 2^k,
 * HPCC's: the low k bits, one AND (x86: a multiply is 2 uops and 3
 * cycles), so more updates, and so more misses, fit the out-of-order
 * window. Otherwise the high half of r * n (Lemire's reduction): any table
 * size, no division and no bias. */
static inline __attribute__((always_inline)) uint64_t slot(uint64_t r, uint64_t n, int pow2)
{
	return pow2 ? r & (n - 1) : (uint64_t)(((unsigned __int128)r * n) >> 64);
}

/* HPCC's loop: one update of each stream in turn, so the updates of one
 * round are independent and their misses overlap. With ahead > 0 each
 * update also prefetches the entry of the update `ahead` places later
 * (stream j + ahead, this round or the next; HPCC's rules allow looking
 * up to 1024 updates ahead): the page walk and the line fill start
 * before the out-of-order window reaches that update. Inlined with
 * constant pow2 and ahead == 0 or not, so each case is its own loop. */
static inline __attribute__((always_inline)) void rounds_of(uint64_t *restrict table, uint64_t n,
							  uint64_t *restrict ran, int streams,
							  uint64_t rounds, int ahead, int pow2)
{
	for (uint64_t i = 0; i < rounds; i++)
		for (int j = 0; j < streams; j++) {
			uint64_t r = gups_lfsr_next(ran[j]);

			ran[j] = r;
			table[slot(r, n, pow2)] ^= r;
			if (ahead) {
				int k = j + ahead < streams ? j + ahead : j + ahead - streams;

				__builtin_prefetch(&table[slot(gups_lfsr_next(ran[k]), n, pow2)], 1, 0);
			}
		}
}

/* Stream j owns count / streams updates (the first count % streams one
 * more), done in the last, shorter round. */
static void update_loop(uint64_t *restrict table, uint64_t n, const uint64_t *start,
			int streams, int ahead, uint64_t count)
{
	uint64_t ran[MAX_STREAMS];
	uint64_t rounds = count / (uint64_t)streams;
	int rem = (int)(count % (uint64_t)streams);

	int pow2 = (n & (n - 1)) == 0;

	memcpy(ran, start, (size_t)streams * sizeof(*ran));
	if (pow2 && ahead)
		rounds_of(table, n, ran, streams, rounds, ahead, 1);
	else if (pow2)
		rounds_of(table, n, ran, streams, rounds, 0, 1);
	else if (ahead)
		rounds_of(table, n, ran, streams, rounds, ahead, 0);
	else
		rounds_of(table, n, ran, streams, rounds, 0, 0);
	rounds_of(table, n, ran, rem, 1, 0, pow2);	/* one short round: no need to specialise */
}

static void init_slice(uint64_t *table, uint64_t lo, uint64_t hi)
{
	for (uint64_t i = lo; i < hi; i++)
		table[i] = i;
}

static void bind_self(struct worker *w)
{
	if (wl_bind_thread(w->g->topo, w->id))
		snprintf(w->err, sizeof(w->err), "thread %d: cannot bind to a core (hwloc)",
			 w->id);
}

/* Each step ends at the barrier where the main thread does its part:
 * region begin, time stamps, region end, corruption for tests. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gups *g = w->g;

	if (g->topo)
		bind_self(w);
	pthread_barrier_wait(&g->step);		/* 1: bound */
	pthread_barrier_wait(&g->step);		/* 2: region begun */
	if (g->abort)
		return NULL;
	init_slice(g->table, w->lo, w->hi);
	pthread_barrier_wait(&g->step);		/* 3: table initialised */
	update_loop(g->table, g->entries, w->start, g->streams, g->ahead, w->count);
	pthread_barrier_wait(&g->step);		/* 4: updates done */
	pthread_barrier_wait(&g->step);		/* 5: ready to verify */
	/* XOR is its own inverse: the same updates restore table[i] == i. */
	update_loop(g->table, g->entries, w->start, g->streams, g->ahead, w->count);
	pthread_barrier_wait(&g->step);		/* 6: replayed */
	return NULL;
}

/* Map the table aligned to the PMD size so THP can back all of it. */
static int map_table(struct gups *g, const char *pages, void **base, size_t *len)
{
	uint64_t pmd = wl_pmd_size(), align = pmd ? pmd : (uint64_t)wl_page_size();
	size_t bytes = g->entries * sizeof(uint64_t);
	int advice = !strcmp(pages, "thp") ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	if (!pmd && strcmp(pages, "default"))
		return wl_param_fail("pages", "'%s' needs transparent hugepages "
				     "(no hpage_pmd_size here)", pages);
	*len = (bytes + align - 1) / align * align + align;
	*base = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*base == MAP_FAILED)
		return wl_fail("cannot map a %zu-byte table: %m", bytes);
	g->table = (uint64_t *)(((uintptr_t)*base + align - 1) & ~(uintptr_t)(align - 1));
	if (strcmp(pages, "default") && madvise(g->table, bytes, advice))
		return wl_fail("madvise(%s) on the table: %m", pages);
	return 0;
}

/* Cut the thread's stream from ran0 into g->streams consecutive segments,
 * sized as update_loop consumes them: the same updates as one stream. */
static void plan_streams(const struct gups *g, struct worker *w, uint64_t ran0)
{
	uint64_t s = (uint64_t)g->streams, per = w->count / s, rem = w->count % s, pos = 0;

	for (uint64_t j = 0; j < s; j++) {
		w->start[j] = gups_lfsr_jump(ran0, pos);
		pos += per + (j < rem);
	}
}

static void plan_workers(struct gups *g, struct worker *w, uint64_t *starts,
			 uint64_t updates, uint64_t seed)
{
	uint64_t t = (uint64_t)g->threads, per = g->entries / t, extra = g->entries % t;

	for (int i = 0; i < g->threads; i++) {
		uint64_t s = seed ^ ((uint64_t)i << 32), u = (uint64_t)i, ran0;

		w[i].g = g;
		w[i].id = i;
		/* The first `extra` slices get one entry more. */
		w[i].lo = u * per + (u < extra ? u : extra);
		w[i].hi = w[i].lo + per + (u < extra);
		w[i].count = updates / t + (u < updates % t);
		ran0 = wl_rand_next(&s);
		if (!ran0)		/* the LFSR stays at 0 forever */
			ran0 = 1;
		w[i].start = starts + (size_t)i * (size_t)g->streams;
		plan_streams(g, &w[i], ran0);
	}
}

static int start_workers(struct gups *g, struct worker *w)
{
	for (int i = 0; i < g->threads; i++)
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]))
			/* Workers already started wait at step 1; exiting ends them. */
			return wl_fail("cannot start thread %d of %d", i + 1, g->threads);
	pthread_barrier_wait(&g->step);		/* 1 */
	for (int i = 0; i < g->threads; i++)
		if (w[i].err[0]) {
			g->abort = 1;
			pthread_barrier_wait(&g->step);
			for (int j = 0; j < g->threads; j++)
				pthread_join(w[j].tid, NULL);
			return wl_fail("%s", w[i].err);
		}
	return 0;
}

struct timing {
	uint64_t t0, t1, t2;	/* region begin, table initialised, updates done */
};

static void measured_region(struct gups *g, struct timing *t)
{
	wl_region_begin();
	t->t0 = wl_now_ns();
	pthread_barrier_wait(&g->step);		/* 2 */
	pthread_barrier_wait(&g->step);		/* 3 */
	t->t1 = wl_now_ns();
	pthread_barrier_wait(&g->step);		/* 4 */
	t->t2 = wl_now_ns();
	wl_region_end();
}

/* For tests: enough flipped entries to exceed the tolerance. */
static void corrupt_table(struct gups *g)
{
	uint64_t flips = g->threads > 1 ? g->entries / 100 + 1 : 1;
	uint64_t stride = g->entries / flips;

	for (uint64_t k = 0; k < flips; k++)
		g->table[k * stride] ^= 1;
}

static void verify(struct gups *g, uint64_t updates, int corrupt)
{
	uint64_t errors = 0, tolerance = g->threads > 1 ? g->entries / 100 : 0;

	if (corrupt)
		corrupt_table(g);
	pthread_barrier_wait(&g->step);		/* 5 */
	pthread_barrier_wait(&g->step);		/* 6 */
	for (uint64_t i = 0; i < g->entries; i++)
		errors += g->table[i] != i;
	wl_verify(errors <= tolerance,
		  "%llu of %llu entries wrong after replaying %llu updates "
		  "(tolerance %llu%s)", (unsigned long long)errors,
		  (unsigned long long)g->entries, (unsigned long long)updates,
		  (unsigned long long)tolerance,
		  g->threads > 1 ? ": 1% for racing threads, as HPCC" : "");
}

static void report(const struct gups *g, const struct timing *t, uint64_t updates)
{
	double init_s = (double)(t->t1 - t->t0) / 1e9;
	double update_s = (double)(t->t2 - t->t1) / 1e9;
	double bytes = (double)(g->entries * sizeof(uint64_t));

	wl_metric("gups", update_s > 0 ? (double)updates / update_s / 1e9 : 0,
		  "GUP/s", "rate", "higher");
	wl_metric("time_s", (double)(t->t2 - t->t0) / 1e9, "s", "gauge", "lower");
	wl_metric("init_s", init_s, "s", "gauge", "lower");
	wl_metric("update_s", update_s, "s", "gauge", "lower");
	wl_metric("updates", (double)updates, "count", "counter", "none");
	wl_metric("bytes_touched", bytes, "bytes", "counter", "none");
	wl_metric("table_bytes", bytes, "bytes", "gauge", "none");
	wl_metric("streams", g->streams, "count", "gauge", "none");
	wl_metric("prefetch", g->ahead, "updates", "gauge", "none");
}

static int setup(struct gups *g, const struct wl_value *v)
{
	g->entries = wl_size(v, "size") / sizeof(uint64_t);
	g->threads = (int)wl_int(v, "threads");
	g->streams = (int)wl_int(v, "streams");
	/* Stream j + ahead wraps into the next round at most once. */
	g->ahead = (int)wl_int(v, "prefetch");
	if (g->ahead > g->streams - 1)
		g->ahead = g->streams - 1;
	if (strcmp(wl_str(v, "bind"), "core"))
		return 0;
	if (hwloc_topology_init(&g->topo) || hwloc_topology_load(g->topo))
		return wl_fail("cannot read the CPU topology (hwloc)");
	return 0;
}

static int run_workers(struct gups *g, uint64_t updates, uint64_t seed, int corrupt)
{
	struct worker *w = calloc((size_t)g->threads, sizeof(*w));
	uint64_t *starts = calloc((size_t)g->threads * (size_t)g->streams, sizeof(*starts));
	struct timing t;

	if (!w || !starts) {
		free(w);
		free(starts);
		return wl_fail("out of memory");
	}
	if (pthread_barrier_init(&g->step, NULL, (unsigned)g->threads + 1))
		return wl_fail("cannot create a thread barrier");
	plan_workers(g, w, starts, updates, seed);
	if (start_workers(g, w))
		return 1;
	measured_region(g, &t);
	verify(g, updates, corrupt);
	for (int i = 0; i < g->threads; i++)
		pthread_join(w[i].tid, NULL);
	report(g, &t, updates);
	pthread_barrier_destroy(&g->step);
	free(w);
	free(starts);
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct gups g = { 0 };
	uint64_t updates;
	void *base = NULL;
	size_t len = 0;
	int rc;

	rc = setup(&g, v);
	if (!rc)
		rc = map_table(&g, wl_str(v, "pages"), &base, &len);
	updates = wl_int(v, "updates") ? (uint64_t)wl_int(v, "updates") : 4 * g.entries;
	if (!rc)
		rc = run_workers(&g, updates, seed, (int)wl_int(v, "corrupt"));
	if (base && base != MAP_FAILED)
		munmap(base, len);
	if (g.topo)
		hwloc_topology_destroy(g.topo);
	return rc;
}

static const struct wl_spec spec = {
	.name = "gups",
	.summary = "random read-modify-write over a table (HPCC RandomAccess)",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main(&spec, argc, argv);
}
