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

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_NT 1
#else
#define HAVE_NT 0
#endif

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
	  "nt: non-temporal stores (x86-64 SSE2, as memcpy for large copies); plain: "
	  "ordinary stores; auto: nt where available", "auto|nt|plain" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one element before validating", NULL },
};

static const char *const kernel_name[NKERNELS] = { "copy", "scale", "add", "triad" };
/* Arrays each kernel moves: STREAM's counting (no write-allocate). */
static const int kernel_arrays[NKERNELS] = { 2, 2, 3, 3 };

/* d = x (copy), d = s*x (scale), d = x+y (add), d = x+s*y (triad). */
typedef void (*kernel_fn)(double *restrict d, const double *restrict x,
			  const double *restrict y, double s, size_t n);

static void copy_plain(double *restrict d, const double *restrict x,
		       const double *restrict y, double s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = x[i];
}

static void scale_plain(double *restrict d, const double *restrict x,
			const double *restrict y, double s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s * x[i];
}

static void add_plain(double *restrict d, const double *restrict x,
		      const double *restrict y, double s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = x[i] + y[i];
}

static void triad_plain(double *restrict d, const double *restrict x,
			const double *restrict y, double s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = x[i] + s * y[i];
}

#if HAVE_NT
/* Non-temporal stores skip the read for ownership of each destination
 * line, which ordinary stores pay on x86: that is what large memcpy does.
 * Slices start 64-byte aligned; the odd tail uses ordinary stores. */
static void copy_nt(double *restrict d, const double *restrict x,
		    const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128d v0 = _mm_load_pd(x + i), v1 = _mm_load_pd(x + i + 2);
		__m128d v2 = _mm_load_pd(x + i + 4), v3 = _mm_load_pd(x + i + 6);

		_mm_stream_pd(d + i, v0);
		_mm_stream_pd(d + i + 2, v1);
		_mm_stream_pd(d + i + 4, v2);
		_mm_stream_pd(d + i + 6, v3);
	}
	copy_plain(d + i, x + i, NULL, s, n - i);
}

static void scale_nt(double *restrict d, const double *restrict x,
		     const double *restrict y, double s, size_t n)
{
	__m128d vs = _mm_set1_pd(s);
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		_mm_stream_pd(d + i, _mm_mul_pd(vs, _mm_load_pd(x + i)));
		_mm_stream_pd(d + i + 2, _mm_mul_pd(vs, _mm_load_pd(x + i + 2)));
	}
	scale_plain(d + i, x + i, NULL, s, n - i);
}

static void add_nt(double *restrict d, const double *restrict x,
		   const double *restrict y, double s, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		_mm_stream_pd(d + i, _mm_add_pd(_mm_load_pd(x + i), _mm_load_pd(y + i)));
		_mm_stream_pd(d + i + 2, _mm_add_pd(_mm_load_pd(x + i + 2),
						    _mm_load_pd(y + i + 2)));
	}
	add_plain(d + i, x + i, y + i, s, n - i);
}

static void triad_nt(double *restrict d, const double *restrict x,
		     const double *restrict y, double s, size_t n)
{
	__m128d vs = _mm_set1_pd(s);
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		_mm_stream_pd(d + i, _mm_add_pd(_mm_load_pd(x + i),
						_mm_mul_pd(vs, _mm_load_pd(y + i))));
		_mm_stream_pd(d + i + 2, _mm_add_pd(_mm_load_pd(x + i + 2),
						    _mm_mul_pd(vs, _mm_load_pd(y + i + 2))));
	}
	triad_plain(d + i, x + i, y + i, s, n - i);
}

static const kernel_fn nt_kernels[NKERNELS] = { copy_nt, scale_nt, add_nt, triad_nt };

static void store_fence(void)
{
	_mm_sfence();	/* streamed lines must be visible before the barrier */
}
#else
static const kernel_fn nt_kernels[NKERNELS] = { NULL, NULL, NULL, NULL };

static void store_fence(void)
{
}
#endif

static const kernel_fn plain_kernels[NKERNELS] = {
	copy_plain, scale_plain, add_plain, triad_plain
};

struct stream {
	double *a, *b, *c;
	uint64_t n;			/* elements per array */
	int threads, ntimes, nt;
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
	const kernel_fn *fn = s->nt ? nt_kernels : plain_kernels;
	size_t n = hi - lo;

	switch (k) {
	case 0: fn[0](s->c + lo, s->a + lo, NULL, SCALAR, n); break;
	case 1: fn[1](s->b + lo, s->c + lo, NULL, SCALAR, n); break;
	case 2: fn[2](s->c + lo, s->a + lo, s->b + lo, SCALAR, n); break;
	default: fn[3](s->a + lo, s->b + lo, s->c + lo, SCALAR, n); break;
	}
	if (s->nt)
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
			  "passes (relative error <= 1e-13)", s->n, ea, eb, ec, s->ntimes);
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
	wl_metric("nt_stores", s->nt, "", "gauge", "none");
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

static int setup(struct stream *s, const struct wl_value *v)
{
	const char *stores = wl_str(v, "stores");

	s->n = wl_size(v, "size") / sizeof(double);
	s->threads = (int)wl_int(v, "threads");
	s->ntimes = (int)wl_int(v, "ntimes");
	s->nt = HAVE_NT && strcmp(stores, "plain");
	if (!HAVE_NT && !strcmp(stores, "nt"))
		return wl_param_fail("stores", "'nt' is implemented for x86-64 only; "
				     "use auto or plain");
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
