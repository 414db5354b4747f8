/* stream: McCalpin's STREAM kernels (copy, scale, add, triad) over three
 * arrays of doubles, with threads. Sustained memory bandwidth bounds
 * everything that streams through memory; the page size and THP change
 * it through the TLB reach of sequential access and the cost of the
 * first touch (outside the region here, as in STREAM). Counting follows
 * STREAM: copy and scale move 2 x array bytes, add and triad 3 x; the best
 * of ntimes - 1 timed passes (the first is a warm-up) is reported. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hwloc.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "stream_kernels.h"
#include "wl.h"

#define SCALAR 3.0
#define NKERNELS 4

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "128m", "bytes",
	  "bytes of each of the three arrays (STREAM: at least 4 x the last-level cache)",
	  "4k.." },
	{ "threads", WL_INT, "1", "count", "threads, each owning one slice of the arrays",
	  "1..1024" },
	{ "ntimes", WL_INT, "10", "count",
	  "passes over the four kernels; the first is not timed", "2..200" },
	{ "bind", WL_ENUM, "none", "", "core: pin thread i to core i mod cores (hwloc)",
	  "none|core" },
	{ "pages", WL_ENUM, "default", "",
	  "array madvise: default = none, base = MADV_NOHUGEPAGE, thp = MADV_HUGEPAGE",
	  "default|base|thp" },
	{ "stores", WL_ENUM, "auto", "",
	  "nt: non-temporal stores (x86-64 SSE2/AVX2/AVX-512 streaming stores, arm64 STNP; "
	  "as memcpy for large copies); plain: ordinary stores; auto: nt when the three "
	  "arrays (3 x size) exceed the last-level cache (hwloc), else plain", "auto|nt|plain" },
	{ "isa", WL_ENUM, "auto", "",
	  "kernel instruction set: auto = the widest the CPU runs (CPUID at run time); "
	  "x86-64: avx512, avx2, sse2; arm64: neon; others: base", "auto|avx512|avx2|sse2|neon|base" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one element before validating", NULL },
};

static const char *const kernel_name[NKERNELS] = { "copy", "scale", "add", "triad" };
/* Arrays each kernel moves: STREAM's counting (no write-allocate). */
static const int kernel_arrays[NKERNELS] = { 2, 2, 3, 3 };

typedef stream_kernel_fn kernel_fn;

/* One set of the four kernels: what is dispatched to and recorded. */
struct kernels {
	const char *name;	/* "nt-avx512", "plain-sse2", ... */
	const char *isa;	/* value of the isa parameter it answers to */
	int nt, vector_bytes;
	int (*usable)(void);
	kernel_fn fn[NKERNELS];
};

static int always(void)
{
	return 1;
}

/* The plain loops at the baseline of the architecture (SSE2 on x86-64,
 * Advanced SIMD on arm64), then per x86 level below. */
STREAM_KERNELS(, base)

#if defined(__x86_64__)
/* The same loops for wider vectors, chosen at run time by CPUID, so one
 * binary runs on every x86-64 CPU at the speed of code built for it.
 * avx2 carries fma, as -march=native does on such CPUs (triad contracts). */
STREAM_KERNELS(__attribute__((target("avx2,fma"))), avx2)
STREAM_KERNELS(__attribute__((target("avx512f,avx2,fma"))), avx512)

static int has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int has_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && has_avx2();
}

/* Non-temporal stores skip the read for ownership of each destination
 * line, which ordinary stores pay on x86: that is what large memcpy does.
 * One store per vector; AVX-512 writes a whole 64-byte line per store, so
 * the write-combining buffer flushes full lines. Slices start 64-byte
 * aligned; the odd tail uses ordinary stores. Four vectors per step,
 * loads first, so the loads of a step overlap the stores of the last.
 *
 * Copy walks four 4 KiB pages at once, a step from each in turn, as
 * glibc's large memcpy does: four read and four write streams in flight
 * instead of one. Here that is 1.03-1.08x memcpy against 0.90-1.01x for
 * the same loop walking one page (1.2 GiB, 1 and 2 threads; docs). */
#define NT_PAGE_DOUBLES (4096 / sizeof(double))
#define NT_STEP(VEC, W, LOAD, STREAM, d, x)						\
	do {										\
		VEC v0 = LOAD(x), v1 = LOAD((x) + (W));					\
		VEC v2 = LOAD((x) + 2 * (W)), v3 = LOAD((x) + 3 * (W));			\
											\
		STREAM(d, v0);								\
		STREAM((d) + (W), v1);							\
		STREAM((d) + 2 * (W), v2);						\
		STREAM((d) + 3 * (W), v3);						\
	} while (0)
#define NT_KERNELS(ATTR, SFX, VEC, W, LOAD, STREAM, SET1, ADD, MUL)			\
ATTR static void copy_nt_##SFX(double *restrict d, const double *restrict x,		\
			       const double *restrict y, double s, size_t n)		\
{											\
	size_t i = 0;									\
											\
	for (; i + 4 * NT_PAGE_DOUBLES <= n; i += 4 * NT_PAGE_DOUBLES)			\
		for (size_t o = i; o < i + NT_PAGE_DOUBLES; o += 4 * (W))		\
			for (size_t p = o; p < o + 4 * NT_PAGE_DOUBLES; p += NT_PAGE_DOUBLES) \
				NT_STEP(VEC, W, LOAD, STREAM, d + p, x + p);		\
	for (; i + 4 * (W) <= n; i += 4 * (W))						\
		NT_STEP(VEC, W, LOAD, STREAM, d + i, x + i);				\
	copy_base(d + i, x + i, NULL, s, n - i);					\
}											\
ATTR static void scale_nt_##SFX(double *restrict d, const double *restrict x,		\
				const double *restrict y, double s, size_t n)		\
{											\
	VEC vs = SET1(s);								\
	size_t i = 0;									\
											\
	for (; i + 2 * (W) <= n; i += 2 * (W)) {					\
		STREAM(d + i, MUL(vs, LOAD(x + i)));					\
		STREAM(d + i + (W), MUL(vs, LOAD(x + i + (W))));			\
	}										\
	scale_base(d + i, x + i, NULL, s, n - i);					\
}											\
ATTR static void add_nt_##SFX(double *restrict d, const double *restrict x,		\
			      const double *restrict y, double s, size_t n)		\
{											\
	size_t i = 0;									\
											\
	for (; i + 2 * (W) <= n; i += 2 * (W)) {					\
		STREAM(d + i, ADD(LOAD(x + i), LOAD(y + i)));				\
		STREAM(d + i + (W), ADD(LOAD(x + i + (W)), LOAD(y + i + (W))));	\
	}										\
	add_base(d + i, x + i, y + i, s, n - i);					\
}											\
ATTR static void triad_nt_##SFX(double *restrict d, const double *restrict x,		\
				const double *restrict y, double s, size_t n)		\
{											\
	VEC vs = SET1(s);								\
	size_t i = 0;									\
											\
	for (; i + 2 * (W) <= n; i += 2 * (W)) {					\
		STREAM(d + i, ADD(LOAD(x + i), MUL(vs, LOAD(y + i))));			\
		STREAM(d + i + (W), ADD(LOAD(x + i + (W)), MUL(vs, LOAD(y + i + (W)))));\
	}										\
	triad_base(d + i, x + i, y + i, s, n - i);					\
}

NT_KERNELS(, sse2, __m128d, 2, _mm_load_pd, _mm_stream_pd, _mm_set1_pd, _mm_add_pd,
	   _mm_mul_pd)
NT_KERNELS(__attribute__((target("avx2,fma"))), avx2, __m256d, 4, _mm256_load_pd,
	   _mm256_stream_pd, _mm256_set1_pd, _mm256_add_pd, _mm256_mul_pd)
NT_KERNELS(__attribute__((target("avx512f,avx2,fma"))), avx512, __m512d, 8, _mm512_load_pd,
	   _mm512_stream_pd, _mm512_set1_pd, _mm512_add_pd, _mm512_mul_pd)

/* Streamed lines must be visible before the barrier. */
static void store_fence(void)
{
	_mm_sfence();
}

/* Best first: the first usable set of the wanted kind is taken. */
static const struct kernels variants[] = {
	{ "nt-avx512", "avx512", 1, 64, has_avx512,
	  { copy_nt_avx512, scale_nt_avx512, add_nt_avx512, triad_nt_avx512 } },
	{ "nt-avx2", "avx2", 1, 32, has_avx2,
	  { copy_nt_avx2, scale_nt_avx2, add_nt_avx2, triad_nt_avx2 } },
	{ "nt-sse2", "sse2", 1, 16, always,
	  { copy_nt_sse2, scale_nt_sse2, add_nt_sse2, triad_nt_sse2 } },
	{ "plain-avx512", "avx512", 0, 64, has_avx512,
	  { copy_avx512, scale_avx512, add_avx512, triad_avx512 } },
	{ "plain-avx2", "avx2", 0, 32, has_avx2,
	  { copy_avx2, scale_avx2, add_avx2, triad_avx2 } },
	{ "plain-sse2", "sse2", 0, 16, always, { copy_base, scale_base, add_base, triad_base } },
};
#elif defined(__aarch64__)
/* STNP: a non-temporal pair of 128-bit stores, 32 bytes. A hint (the
 * core may still allocate), but it lets the line be written without
 * being read first, as the non-temporal stores of memcpy. */
static inline void stnp(double *d, float64x2_t a, float64x2_t b)
{
	__asm__ volatile("stnp %q1, %q2, [%0]" : : "r"(d), "w"(a), "w"(b) : "memory");
}

static void copy_nt_neon(double *restrict d, const double *restrict x,
			 const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		float64x2_t v0 = vld1q_f64(x + i), v1 = vld1q_f64(x + i + 2);
		float64x2_t v2 = vld1q_f64(x + i + 4), v3 = vld1q_f64(x + i + 6);

		stnp(d + i, v0, v1);
		stnp(d + i + 4, v2, v3);
	}
	copy_base(d + i, x + i, NULL, s, n - i);
}

static void scale_nt_neon(double *restrict d, const double *restrict x,
			  const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		stnp(d + i, vmulq_n_f64(vld1q_f64(x + i), s), vmulq_n_f64(vld1q_f64(x + i + 2), s));
	scale_base(d + i, x + i, NULL, s, n - i);
}

static void add_nt_neon(double *restrict d, const double *restrict x,
			const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		stnp(d + i, vaddq_f64(vld1q_f64(x + i), vld1q_f64(y + i)),
		     vaddq_f64(vld1q_f64(x + i + 2), vld1q_f64(y + i + 2)));
	add_base(d + i, x + i, y + i, s, n - i);
}

/* Multiply then add, unfused, as triad_base without contraction would:
 * validation allows 1e-13 either way. */
static void triad_nt_neon(double *restrict d, const double *restrict x,
			  const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		stnp(d + i, vaddq_f64(vld1q_f64(x + i), vmulq_n_f64(vld1q_f64(y + i), s)),
		     vaddq_f64(vld1q_f64(x + i + 2), vmulq_n_f64(vld1q_f64(y + i + 2), s)));
	triad_base(d + i, x + i, y + i, s, n - i);
}

static void store_fence(void)
{
	__asm__ volatile("dmb ishst" : : : "memory");
}

static const struct kernels variants[] = {
	{ "nt-neon", "neon", 1, 16, always,
	  { copy_nt_neon, scale_nt_neon, add_nt_neon, triad_nt_neon } },
	{ "plain-neon", "neon", 0, 16, always, { copy_base, scale_base, add_base, triad_base } },
};
#else
static void store_fence(void)
{
}

static const struct kernels variants[] = {
	{ "plain-base", "base", 0, 8, always, { copy_base, scale_base, add_base, triad_base } },
};
#endif

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* The first usable variant with nt stores or not, of the isa asked for
 * ("auto": any); NULL if none. */
static const struct kernels *pick(int nt, const char *isa)
{
	for (size_t i = 0; i < NVARIANTS; i++)
		if (variants[i].nt == nt && (!strcmp(isa, "auto") || !strcmp(isa, variants[i].isa)) &&
		    variants[i].usable())
			return &variants[i];
	return NULL;
}

struct stream {
	double *a, *b, *c;
	uint64_t n;			/* elements per array */
	int threads, ntimes;
	const struct kernels *set;	/* all four kernels' set: stores=auto decides once */
	uint64_t llc;			/* last-level cache bytes, 0 if unknown */
	pthread_barrier_t step;
	void *topo;			/* NULL unless bind=core */
	int abort;
	double best[NKERNELS];		/* seconds */
	double sum[NKERNELS];		/* of the timed passes */
};

struct worker {
	struct stream *s;
	pthread_t tid;
	int id, bind_failed;
	size_t lo, hi;			/* slice of every array */
};

/* Kernel k on one slice: arrays per STREAM (c=a, b=s*c, c=a+b, a=b+s*c). */
static void run_kernel(struct stream *s, int k, size_t lo, size_t hi)
{
	const kernel_fn *fn = s->set->fn;
	size_t n = hi - lo;

	switch (k) {
	case 0: fn[0](s->c + lo, s->a + lo, NULL, SCALAR, n); break;
	case 1: fn[1](s->b + lo, s->c + lo, NULL, SCALAR, n); break;
	case 2: fn[2](s->c + lo, s->a + lo, s->b + lo, SCALAR, n); break;
	default: fn[3](s->a + lo, s->b + lo, s->c + lo, SCALAR, n); break;
	}
	if (s->set->nt)
		store_fence();
}

static void init_slice(struct stream *s, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++) {
		s->a[i] = 1.0;
		s->b[i] = 2.0;
		s->c[i] = 0.0;
	}
}

/* Every pass of every kernel, between two barriers; thread 0 (the main
 * thread) times each step from barrier to barrier. */
static void passes(struct worker *w)
{
	struct stream *s = w->s;

	for (int t = 0; t < s->ntimes; t++)
		for (int k = 0; k < NKERNELS; k++) {
			uint64_t t0;

			pthread_barrier_wait(&s->step);
			t0 = wl_now_ns();
			run_kernel(s, k, w->lo, w->hi);
			pthread_barrier_wait(&s->step);
			if (w->id == 0 && t > 0) {
				double sec = (double)(wl_now_ns() - t0) / 1e9;

				s->sum[k] += sec;
				if (sec < s->best[k])
					s->best[k] = sec;
			}
		}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stream *s = w->s;

	if (s->topo && wl_bind_thread(s->topo, w->id))
		w->bind_failed = 1;
	init_slice(s, w->lo, w->hi);		/* first touch by the owner */
	pthread_barrier_wait(&s->step);		/* 1: bound and initialised */
	pthread_barrier_wait(&s->step);		/* 2: go or abort */
	if (!s->abort)
		passes(w);
	return NULL;
}

static void plan(struct stream *s, struct worker *w)
{
	/* Slices of whole 64-byte lines keep every slice aligned for SSE2. */
	uint64_t chunk = (s->n + (uint64_t)s->threads - 1) / (uint64_t)s->threads;

	chunk = (chunk + 7) / 8 * 8;
	for (int i = 0; i < s->threads; i++) {
		uint64_t lo = (uint64_t)i * chunk;

		w[i].s = s;
		w[i].id = i;
		w[i].lo = (size_t)(lo < s->n ? lo : s->n);
		w[i].hi = (size_t)(lo + chunk < s->n ? lo + chunk : s->n);
	}
}

/* Expected values: the kernels replayed on one element. */
static void expected(int ntimes, double *ea, double *eb, double *ec)
{
	double a = 1.0, b = 2.0, c = 0.0;

	for (int t = 0; t < ntimes; t++) {
		c = a;
		b = SCALAR * c;
		c = a + b;
		a = b + SCALAR * c;
	}
	*ea = a;
	*eb = b;
	*ec = c;
}

static int close_to(double got, double want)
{
	return fabs(got - want) <= 1e-13 * fabs(want);
}

static void validate(struct stream *s, int corrupt)
{
	double ea, eb, ec;
	uint64_t bad = 0, first = 0;

	if (corrupt)
		s->b[s->n / 2] *= 2;
	expected(s->ntimes, &ea, &eb, &ec);
	for (uint64_t i = 0; i < s->n; i++)
		if (!close_to(s->a[i], ea) || !close_to(s->b[i], eb) || !close_to(s->c[i], ec)) {
			if (!bad++)
				first = i;
		}
	if (bad)
		wl_verify(0, "%" PRIu64 " of %" PRIu64 " elements differ from a=%g b=%g c=%g "
			  "by more than 1e-13 (first: element %" PRIu64 ")", bad, s->n, ea, eb,
			  ec, first);
	else
		wl_verify(1, "all %" PRIu64 " elements of a, b, c equal %g, %g, %g after %d "
			  "passes (relative error <= 1e-13); kernels %s", s->n, ea, eb, ec,
			  s->ntimes, s->set->name);
}

static void report(const struct stream *s)
{
	double bytes = (double)s->n * sizeof(double);
	char name[64];

	for (int k = 0; k < NKERNELS; k++) {
		double moved = bytes * kernel_arrays[k];

		snprintf(name, sizeof(name), "%s_bytes_per_s", kernel_name[k]);
		wl_metric(name, moved / s->best[k], "bytes/s", "rate", "higher");
		snprintf(name, sizeof(name), "%s_avg_bytes_per_s", kernel_name[k]);
		wl_metric(name, moved * (s->ntimes - 1) / s->sum[k], "bytes/s", "rate", "higher");
	}
	wl_metric("array_bytes", bytes, "bytes", "gauge", "none");
	wl_metric("bytes_touched", 3 * bytes, "bytes", "counter", "none");
	wl_metric("nt_stores", NKERNELS * s->set->nt, "count", "gauge", "none");
	for (int k = 0; k < NKERNELS; k++) {
		snprintf(name, sizeof(name), "%s_nt_stores", kernel_name[k]);
		wl_metric(name, s->set->nt, "", "gauge", "none");
	}
	wl_metric("vector_bytes", s->set->vector_bytes, "bytes", "gauge", "none");
	wl_metric("llc_bytes", (double)s->llc, "bytes", "gauge", "none");
}

static int start(struct stream *s, struct worker *w)
{
	for (int i = 1; i < s->threads; i++)
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]))
			/* Started workers wait at step 1; exiting ends them. */
			return wl_fail("cannot start thread %d of %d", i + 1, s->threads);
	if (s->topo && wl_bind_thread(s->topo, 0))
		w[0].bind_failed = 1;
	init_slice(s, w[0].lo, w[0].hi);
	pthread_barrier_wait(&s->step);		/* 1 */
	for (int i = 0; i < s->threads; i++)
		if (w[i].bind_failed)
			s->abort = 1;
	pthread_barrier_wait(&s->step);		/* 2 */
	if (!s->abort)
		return 0;
	for (int i = 1; i < s->threads; i++)
		pthread_join(w[i].tid, NULL);
	return wl_fail("cannot bind the threads to cores (hwloc)");
}

static int run_threads(struct stream *s, int corrupt)
{
	struct worker *w = calloc((size_t)s->threads, sizeof(*w));

	if (!w)
		return wl_fail("out of memory");
	if (pthread_barrier_init(&s->step, NULL, (unsigned)s->threads)) {
		free(w);
		return wl_fail("cannot create a thread barrier");
	}
	plan(s, w);
	if (start(s, w)) {
		free(w);
		return 1;
	}
	wl_region_begin();
	passes(&w[0]);
	wl_region_end();
	for (int i = 1; i < s->threads; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&s->step);
	free(w);
	report(s);
	validate(s, corrupt);
	return 0;
}

static int map_arrays(struct stream *s, const char *pages, void *maps[3], size_t lens[3])
{
	uint64_t pmd = wl_pmd_size();
	size_t bytes = (size_t)s->n * sizeof(double);
	double **arr[3] = { &s->a, &s->b, &s->c };

	if (!pmd && strcmp(pages, "default"))
		return wl_param_fail("pages", "'%s' needs transparent hugepages "
				     "(no hpage_pmd_size here)", pages);
	for (int i = 0; i < 3; i++) {
		*arr[i] = wl_map_aligned(bytes, pmd ? (size_t)pmd : (size_t)wl_page_size(),
					 &maps[i], &lens[i]);
		if (!*arr[i])
			return 1;
		if (wl_advise_pages(*arr[i], bytes, pages))
			return wl_fail("madvise(%s) on the arrays: %m", pages);
	}
	return 0;
}

/* The largest cache hwloc knows of (the last level), 0 if none. */
static uint64_t llc_bytes(void)
{
	static const hwloc_obj_type_t levels[] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE,
						   HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE,
						   HWLOC_OBJ_L5CACHE };
	hwloc_topology_t topo;
	uint64_t best = 0;

	if (hwloc_topology_init(&topo))
		return 0;
	if (!hwloc_topology_load(topo))
		for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			hwloc_obj_t o = hwloc_get_obj_by_type(topo, levels[i], 0);

			if (o && o->attr && o->attr->cache.size > best)
				best = o->attr->cache.size;
		}
	hwloc_topology_destroy(topo);
	return best;
}

/* stores=auto: non-temporal stores pay off once the arrays cannot stay in
 * the last-level cache (then caching the destination only evicts what the
 * next kernel reads); below that, ordinary stores leave it there. Every
 * pass runs all four kernels, so between two runs of one kernel all three
 * arrays have gone through the cache: the footprint is 3 x size for every
 * kernel, even copy's, whose own two arrays alone might fit (deciding by
 * those ran copy plain at 128 MiB with a 300 MiB LLC: 0.59x memcpy, which
 * streams there). Unknown LLC: nt, the large-array case STREAM is about. */
static int want_nt(const struct stream *s, const char *stores)
{
	if (strcmp(stores, "auto"))
		return !strcmp(stores, "nt");
	return !s->llc || 3 * s->n * sizeof(double) > s->llc;
}

static int choose_kernels(struct stream *s, const char *stores, const char *isa)
{
	int nt = want_nt(s, stores);

	s->set = pick(nt, isa);
	if (!s->set && nt && !strcmp(stores, "auto"))
		s->set = pick(0, isa);	/* no nt kernels here: plain ones */
	if (!s->set && !pick(0, isa) && !pick(1, isa))
		return wl_param_fail("isa", "'%s' kernels cannot run on this CPU or "
				     "architecture", isa);
	if (!s->set)
		return wl_param_fail("stores", "'%s' kernels are not implemented for this "
				     "architecture; use auto or plain", stores);
	return 0;
}

static int setup(struct stream *s, const struct wl_value *v)
{
	s->n = wl_size(v, "size") / sizeof(double);
	s->threads = (int)wl_int(v, "threads");
	s->ntimes = (int)wl_int(v, "ntimes");
	s->llc = llc_bytes();
	if (choose_kernels(s, wl_str(v, "stores"), wl_str(v, "isa")))
		return 1;
	for (int k = 0; k < NKERNELS; k++)
		s->best[k] = INFINITY;
	if (strcmp(wl_str(v, "bind"), "core"))
		return 0;
	s->topo = wl_topology_open();
	return s->topo ? 0 : wl_fail("cannot read the CPU topology (hwloc)");
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct stream s = { 0 };
	void *maps[3] = { NULL, NULL, NULL };
	size_t lens[3] = { 0, 0, 0 };
	int rc = setup(&s, v);

	if (!rc)
		rc = map_arrays(&s, wl_str(v, "pages"), maps, lens);
	if (!rc)
		rc = run_threads(&s, (int)wl_int(v, "corrupt"));
	for (int i = 0; i < 3; i++)
		if (maps[i])
			munmap(maps[i], lens[i]);
	wl_topology_close(s.topo);
	return rc;
}

static const struct wl_spec spec = {
	.name = "stream",
	.summary = "STREAM copy, scale, add, triad with threads; bytes/s per kernel",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main(&spec, argc, argv);
}
