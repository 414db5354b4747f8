/* ptrchase: dependent loads around a cycle of pointers spread over a
 * working set, in the spirit of Linus's test-tlb and lmbench lat_mem_rd.
 * Each load's address comes from the previous load, so the time per
 * access is the full latency of the cache level or TLB level the working
 * set lands in; a list of sizes draws the latency curve whose steps show
 * the cache sizes and the TLB reach of the page size in use.
 *
 * One short timing per process is at the mercy of any disturbance, so each
 * size is timed in several windows of a minimum duration, each by default
 * on a fresh mapping and a fresh cycle (new physical pages, so cache
 * colouring and huge-page luck are sampled too, as test-tlb does), and
 * reported per window with the median and the best.
 *
 * A nanosecond is not a fixed amount of work where the clock moves (turbo,
 * a host's frequency policy under a VM): each batch of loads is followed by
 * a timed chain of dependent integer adds, one cycle each on every x86-64
 * and arm64 core, and the latency is also reported in those cycles. On a
 * machine whose clock wanders this figure stays where the nanoseconds do
 * not; on one with a PMU it can be checked against cpu.cycles. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "wl.h"

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "64m", "bytes", "working set (unused when sizes is given)", "16.." },
	{ "sizes", WL_STRING, "", "bytes",
	  "latency curve: sizes 'a,b,c', 'LO..HI' (doubling), 'LO..HI:xF' or 'LO..HI:+STEP'; "
	  "empty = size alone", NULL },
	{ "stride", WL_SIZE, "64", "bytes",
	  "distance between the chased pointers (a multiple of 8)", "8..1g" },
	{ "order", WL_ENUM, "random", "",
	  "random: one random cycle through all pointers; seq: ascending addresses", "random|seq" },
	{ "accesses", WL_INT, "4000000", "count",
	  "dependent loads per batch; a window repeats batches until it lasts window seconds",
	  "1.." },
	{ "windows", WL_INT, "5", "count",
	  "timing windows per size; the median and the best are reported", "1..1000" },
	{ "window", WL_DOUBLE, "0.2", "s",
	  "minimum duration of each window (0: one batch per window)", "0..60" },
	{ "fresh", WL_ENUM, "map", "",
	  "before each window: map = a new mapping (new physical pages) and a new cycle; "
	  "chain = a new cycle in the same memory; none = the first cycle again",
	  "map|chain|none" },
	{ "calibrate", WL_BOOL, "1", "",
	  "time a chain of dependent adds (1 cycle each) after each batch of loads and "
	  "report the latency in cycles too (cycles_per_access*, clock_ghz)", NULL },
	{ "clock", WL_ENUM, "cpu", "",
	  "cpu: the thread's CPU time (other processes' turns on a shared CPU are not counted); "
	  "wall: monotonic time, as test-tlb", "cpu|wall" },
	{ "pages", WL_ENUM, "default", "",
	  "madvise of the PMD-aligned working set: default = none (system policy), "
	  "base = MADV_NOHUGEPAGE, thp = MADV_HUGEPAGE over whole PMD-size units (PMD THP must "
	  "be enabled), mthp = MADV_HUGEPAGE over whole units of the largest enabled mTHP size "
	  "below the PMD", "default|base|thp|mthp" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: break one link of every cycle", NULL },
};

enum fresh { FRESH_MAP, FRESH_CHAIN, FRESH_NONE };

struct chase {
	char *buf;		/* the current working set, PMD-aligned */
	void *map;		/* its mapping, for munmap */
	size_t maplen;
	uint64_t unit;		/* the mapping is whole units: huge pages for thp/mthp */
	uint64_t stride;
	uint32_t *order;	/* order[k]: the element visited k-th */
	const char *pages;
	int random, corrupt, windows, cpu_clock, calibrate;
	enum fresh fresh;
	uint64_t cpu_ns, wall_ns;	/* both clocks over every window */
	uint64_t add_ns, adds;		/* the calibration chains, every window */
	uint64_t add_sink;
	uint64_t accesses, window_ns;
	uint64_t rng;
};

/* One size's result. */
struct point {
	uint64_t size, steps;	/* steps: timed accesses, all windows */
	double *ns;		/* per window */
	double *cycles;		/* per window: ns over the window's ns per add */
	double best, median, cycles_best, cycles_median;
	int64_t thp_bytes;	/* AnonHugePages of the first window's mapping */
	int ok;
};

/* The measured loop: nothing but dependent loads, 16 per iteration. */
__attribute__((noinline)) static void *chase_loop(void *p, uint64_t n)
{
	for (uint64_t i = n / 16; i; i--) {
		p = *(void **)p; p = *(void **)p; p = *(void **)p; p = *(void **)p;
		p = *(void **)p; p = *(void **)p; p = *(void **)p; p = *(void **)p;
		p = *(void **)p; p = *(void **)p; p = *(void **)p; p = *(void **)p;
		p = *(void **)p; p = *(void **)p; p = *(void **)p; p = *(void **)p;
	}
	for (uint64_t i = n % 16; i; i--)
		p = *(void **)p;
	return p;
}

/* The calibration: n dependent adds, 8 an iteration. The empty asm keeps
 * each add in a register and in order: the compiler can neither fold the
 * chain nor vectorize it, and the loop counter runs beside it. */
#define ADD_STEP(x, i) do { (x) += (i); __asm__ volatile("" : "+r"(x)); } while (0)

__attribute__((noinline)) static uint64_t add_loop(uint64_t x, uint64_t n)
{
	for (uint64_t i = n / 8; i; i--) {
		ADD_STEP(x, i); ADD_STEP(x, i); ADD_STEP(x, i); ADD_STEP(x, i);
		ADD_STEP(x, i); ADD_STEP(x, i); ADD_STEP(x, i); ADD_STEP(x, i);
	}
	return x;
}

/* Adds per calibration chain: about a quarter of a millisecond at 3 GHz,
 * long beside the clock's resolution, short beside a batch of loads. */
#define CAL_ADDS 800000u

static inline void *elem(const struct chase *c, uint64_t i)
{
	return c->buf + i * c->stride;
}

/* Fisher-Yates over n elements: the cycle order[0] -> order[1] -> ...
 * -> order[n-1] -> order[0] then visits every element once. */
static void shuffle(struct chase *c, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		c->order[i] = (uint32_t)i;
	if (!c->random)
		return;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = (uint64_t)(((unsigned __int128)wl_rand_next(&c->rng) * (i + 1)) >> 64);
		uint32_t t = c->order[i];

		c->order[i] = c->order[j];
		c->order[j] = t;
	}
}

static void build(struct chase *c, uint64_t n)
{
	shuffle(c, n);
	for (uint64_t k = 0; k < n; k++)
		*(void **)elem(c, c->order[k]) = elem(c, c->order[(k + 1) % n]);
	/* For tests: a self-loop at the start, so the chase never moves. */
	if (c->corrupt)
		*(void **)elem(c, c->order[0]) = elem(c, c->order[0]);
}

static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stamp {
	uint64_t cpu, wall;
};

static void stamp(struct stamp *s)
{
	s->wall = wl_now_ns();
	s->cpu = cpu_now_ns();
}

/* Elapsed time on the chosen clock. */
static uint64_t since(const struct chase *c, const struct stamp *t0, const struct stamp *t1)
{
	return c->cpu_clock ? t1->cpu - t0->cpu : t1->wall - t0->wall;
}

/* One calibration chain after a batch, timed on the chosen clock from
 * the batch's end; *end is when it ended, the next batch's start. */
static uint64_t calibrate(struct chase *c, const struct stamp *from, struct stamp *end)
{
	c->add_sink = add_loop(c->add_sink, CAL_ADDS);
	stamp(end);
	return since(c, from, end);
}

/* One window: warm up, then batches of c->accesses loads until the loads
 * have taken c->window_ns (the clocks are read between batches only, a few
 * million loads apart), each batch followed by a calibration chain timed
 * apart; check where the chase ended. Both clocks count the whole window
 * (cpu_share). */
static int measure_window(struct chase *c, uint64_t size, struct point *pt, int w)
{
	uint64_t n = size / c->stride, warm = n < c->accesses ? n : c->accesses, total = 0;
	uint64_t load_ns = 0, add_ns = 0, adds = 0;
	struct stamp t0, a, b;
	void *p = chase_loop(elem(c, c->order[0]), warm);

	stamp(&t0);
	a = t0;
	do {
		p = chase_loop(p, c->accesses);
		total += c->accesses;
		/* A total that is a multiple of n would end where it began
		 * whether the loads ran or not: one step more makes the
		 * check meaningful. */
		if ((warm + total) % n == 0) {
			p = chase_loop(p, 1);
			total++;
		}
		stamp(&b);
		load_ns += since(c, &a, &b);
		if (c->calibrate) {
			add_ns += calibrate(c, &b, &a);
			adds += CAL_ADDS / 8 * 8;
		} else {
			a = b;
		}
	} while (load_ns < c->window_ns);
	pt->ns[w] = (double)load_ns / (double)total;
	pt->cycles[w] = add_ns ? pt->ns[w] / ((double)add_ns / (double)adds) : NAN;
	pt->steps += total;
	c->add_ns += add_ns;
	c->adds += adds;
	c->cpu_ns += a.cpu - t0.cpu;
	c->wall_ns += a.wall - t0.wall;
	return p == elem(c, c->order[(warm + total) % n]);
}

/* param: "sizes" when the size came from the list. */
static int check_size(const struct chase *c, uint64_t size, const char *param)
{
	if (size / c->stride < 2)
		return wl_param_fail(param, "%" PRIu64 " bytes hold fewer than 2 pointers "
				     "%" PRIu64 " bytes apart (stride)", size, c->stride);
	if (size / c->stride > UINT32_MAX)
		return wl_param_fail(param, "%" PRIu64 " bytes / stride %" PRIu64
				     " is more than 2^32 pointers", size, c->stride);
	return 0;
}

/* The largest mTHP size below the PMD that a MADV_HUGEPAGE range gets. */
static uint64_t largest_mthp(void)
{
	uint64_t pmd = wl_pmd_size(), best = 0;

	for (uint64_t b = (uint64_t)wl_page_size() * 2; b < pmd; b *= 2)
		if (wl_thp_size_enabled(b))
			best = b;
	return best;
}

/* Check pages and set the unit the working set is rounded up to: a size
 * below a huge page would otherwise never get one. */
static int check_pages(struct chase *c)
{
	uint64_t pmd = wl_pmd_size();

	c->unit = (uint64_t)wl_page_size();
	if (!strcmp(c->pages, "default"))
		return 0;
	if (!pmd)
		return wl_param_fail("pages", "'%s' needs transparent hugepages "
				     "(no hpage_pmd_size here)", c->pages);
	if (!strcmp(c->pages, "thp") && !wl_thp_size_enabled(pmd))
		return wl_param_fail("pages", "'thp': PMD-size THP is disabled here "
				     "(hugepages-%" PRIu64 "kB/enabled)", pmd >> 10);
	if (!strcmp(c->pages, "mthp") && !wl_mthp_size_enabled())
		return wl_param_fail("pages", "'mthp': no mTHP size below the PMD is enabled "
				     "(hugepages-<N>kB/enabled: always or madvise)");
	if (!strcmp(c->pages, "thp"))
		c->unit = pmd;
	else if (!strcmp(c->pages, "mthp"))
		c->unit = largest_mthp();
	return 0;
}

static void unmap_buffer(struct chase *c)
{
	if (c->map)
		munmap(c->map, c->maplen);
	c->map = NULL;
	c->buf = NULL;
}

/* A new working set for size bytes, whole units, advised and faulted in
 * address order (fault sizes follow the advice, not the cycle). */
static int map_buffer(struct chase *c, uint64_t size)
{
	uint64_t pmd = wl_pmd_size();
	size_t align = pmd ? (size_t)pmd : (size_t)wl_page_size();
	size_t len = (size_t)((size + c->unit - 1) / c->unit * c->unit);

	unmap_buffer(c);
	c->buf = wl_map_aligned(len, align, &c->map, &c->maplen);
	if (!c->buf)
		return 1;
	if (wl_advise_pages(c->buf, len, c->pages))
		return wl_fail("madvise(%s) on the working set: %m", c->pages);
	memset(c->buf, 1, len);
	return 0;
}

/* The first window's mapping; the per-size THP statistics around the
 * largest size's fault-in (system-wide counters: the smaller sizes'
 * changes would be lost in other processes' noise anyway). */
static int first_map(struct chase *c, struct point *pt, int largest)
{
	struct wl_thp_stats before, after;
	int rc;

	if (largest)
		wl_thp_stats_read(&before);
	rc = map_buffer(c, pt->size);
	if (largest) {
		wl_thp_stats_read(&after);
		if (!rc)
			wl_thp_stats_report(&before, &after, "mthp.");
		wl_thp_stats_free(&before);
		wl_thp_stats_free(&after);
	}
	if (!rc)
		pt->thp_bytes = wl_smaps_bytes(c->buf, "AnonHugePages");
	return rc;
}

/* Set up window w of a size: a mapping and a cycle as c->fresh says. */
static int prepare(struct chase *c, struct point *pt, int w, int largest)
{
	int rc = 0;

	if (w == 0)
		rc = first_map(c, pt, largest);
	else if (c->fresh == FRESH_MAP)
		rc = map_buffer(c, pt->size);
	if (!rc && (w == 0 || c->fresh != FRESH_NONE))
		build(c, pt->size / c->stride);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The best and the median of n per-window figures. */
static void best_median(const double *w, int n, double *best, double *median)
{
	double *v = malloc((size_t)n * sizeof(*v));

	if (!v) {
		*best = *median = NAN;
		return;
	}
	memcpy(v, w, (size_t)n * sizeof(*v));
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*best = v[0];
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
}

static void summarize(struct point *pt, int windows)
{
	best_median(pt->ns, windows, &pt->best, &pt->median);
	best_median(pt->cycles, windows, &pt->cycles_best, &pt->cycles_median);
}

static void report_point(const struct chase *c, const struct point *pt, int curve)
{
	char name[96];

	snprintf(name, sizeof(name), "ns_per_access.%" PRIu64, pt->size);
	wl_metric(name, pt->median, "ns", "gauge", "lower");
	snprintf(name, sizeof(name), "ns_per_access_best.%" PRIu64, pt->size);
	wl_metric(name, pt->best, "ns", "gauge", "lower");
	if (c->calibrate) {
		snprintf(name, sizeof(name), "cycles_per_access.%" PRIu64, pt->size);
		wl_metric(name, pt->cycles_median, "cycles", "gauge", "lower");
		snprintf(name, sizeof(name), "cycles_per_access_best.%" PRIu64, pt->size);
		wl_metric(name, pt->cycles_best, "cycles", "gauge", "lower");
	}
	for (int w = 0; w < c->windows; w++) {
		snprintf(name, sizeof(name), "window_ns.%" PRIu64 ".%d", pt->size, w);
		wl_metric(name, pt->ns[w], "ns", "gauge", "lower");
	}
	if (curve) {
		snprintf(name, sizeof(name), "thp_bytes.%" PRIu64, pt->size);
		wl_metric(name, (double)pt->thp_bytes, "bytes", "gauge", "none");
	}
}

static void report(const struct chase *c, const struct point *pts, size_t n,
		   size_t largest, int curve)
{
	double touched = 0, total = 0;

	for (size_t i = 0; i < n; i++) {
		report_point(c, &pts[i], curve);
		touched += (double)pts[i].size;
		total += (double)pts[i].steps;
	}
	if (!curve) {
		wl_metric("ns_per_access", pts[0].median, "ns", "gauge", "lower");
		wl_metric("ns_per_access_best", pts[0].best, "ns", "gauge", "lower");
		if (c->calibrate) {
			wl_metric("cycles_per_access", pts[0].cycles_median, "cycles", "gauge",
				  "lower");
			wl_metric("cycles_per_access_best", pts[0].cycles_best, "cycles", "gauge",
				  "lower");
		}
	}
	/* The clock the calibration chains ran at, on the chosen clock's
	 * time: with clock=cpu, the core's own speed while this ran. */
	if (c->calibrate && c->add_ns)
		wl_metric("clock_ghz", (double)c->adds / (double)c->add_ns, "GHz", "gauge", "none");
	wl_metric("thp_bytes", (double)pts[largest].thp_bytes, "bytes", "gauge", "none");
	wl_metric("accesses", total, "count", "counter", "none");
	wl_metric("bytes_touched", touched, "bytes", "counter", "none");
	wl_metric("stride_bytes", (double)c->stride, "bytes", "gauge", "none");
	wl_metric("windows", c->windows, "count", "gauge", "none");
	wl_metric("window_s", (double)c->window_ns / 1e9, "s", "gauge", "none");
	/* Below 1: other work shared the CPU during the windows (clock=wall
	 * figures then include its turns; clock=cpu ones do not). */
	wl_metric("cpu_share", c->wall_ns ? (double)c->cpu_ns / (double)c->wall_ns : 0, "",
		  "gauge", "higher");
}

static void verify(const struct point *pts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!pts[i].ok) {
			wl_verify(0, "size %" PRIu64 ": the chase did not end at the element "
				  "the cycle predicts after %" PRIu64 " accesses",
				  pts[i].size, pts[i].steps);
			return;
		}
	wl_verify(1, "%zu size(s): every chase ended at the predicted element", n);
}

/* Every window of one size. One size alone: the region spans its windows
 * (the first set-up stays outside, later fresh set-ups are inside). */
static int run_point(struct chase *c, struct point *pt, int largest, int curve)
{
	pt->ok = 1;
	for (int w = 0; w < c->windows; w++) {
		if (prepare(c, pt, w, largest))
			return 1;
		if (!curve && w == 0)
			wl_region_begin();
		pt->ok &= measure_window(c, pt->size, pt, w);
	}
	if (!curve)
		wl_region_end();
	summarize(pt, c->windows);
	return 0;
}

/* Curve mode: the region covers every size, set-ups included. */
static int run_points(struct chase *c, struct point *pts, size_t n, size_t largest,
		      int curve)
{
	if (curve)
		wl_region_begin();
	for (size_t i = 0; i < n; i++)
		if (run_point(c, &pts[i], i == largest, curve))
			return 1;
	if (curve)
		wl_region_end();
	return 0;
}

static void free_points(struct point *pts, size_t n)
{
	for (size_t i = 0; pts && i < n; i++) {
		free(pts[i].ns);
		free(pts[i].cycles);
	}
	free(pts);
}

static int sizes_of(const struct wl_value *v, struct point **pts, size_t *n)
{
	char err[256];
	uint64_t *list = NULL;
	int windows = (int)wl_int(v, "windows"), bad = 0;

	if (wl_parse_size_list(wl_str(v, "sizes"), &list, n, err, sizeof(err)))
		return wl_param_fail("sizes", "%s", err);
	if (!*n) {
		free(list);
		list = malloc(sizeof(*list));
		if (!list)
			return wl_fail("out of memory");
		list[0] = wl_size(v, "size");
		*n = 1;
	}
	*pts = calloc(*n, sizeof(**pts));
	for (size_t i = 0; *pts && i < *n; i++) {
		(*pts)[i].size = list[i];
		(*pts)[i].ns = calloc((size_t)windows, sizeof(double));
		(*pts)[i].cycles = calloc((size_t)windows, sizeof(double));
		bad |= !(*pts)[i].ns || !(*pts)[i].cycles;
	}
	free(list);
	return *pts && !bad ? 0 : wl_fail("out of memory");
}

static int setup(struct chase *c, const struct wl_value *v, struct point *pts, size_t n,
		 size_t *largest)
{
	static const char *const fresh[] = { "map", "chain", "none" };
	uint64_t max = 0;

	c->stride = wl_size(v, "stride");
	c->random = !strcmp(wl_str(v, "order"), "random");
	c->corrupt = (int)wl_int(v, "corrupt");
	c->accesses = (uint64_t)wl_int(v, "accesses");
	c->windows = (int)wl_int(v, "windows");
	c->window_ns = (uint64_t)llround(wl_double(v, "window") * 1e9);
	c->pages = wl_str(v, "pages");
	c->cpu_clock = !strcmp(wl_str(v, "clock"), "cpu");
	c->calibrate = (int)wl_int(v, "calibrate");
	for (int f = 0; f < 3; f++)
		if (!strcmp(wl_str(v, "fresh"), fresh[f]))
			c->fresh = (enum fresh)f;
	for (size_t i = 0; i < n; i++) {
		if (check_size(c, pts[i].size, wl_str(v, "sizes")[0] ? "sizes" : "size"))
			return 1;
		if (pts[i].size > max) {
			max = pts[i].size;
			*largest = i;
		}
	}
	if (check_pages(c))
		return 1;
	c->order = malloc((size_t)(max / c->stride) * sizeof(*c->order));
	return c->order ? 0 : wl_fail("out of memory for %" PRIu64 " indices", max / c->stride);
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct chase c = { .rng = seed };
	struct point *pts = NULL;
	size_t n = 0, largest = 0;
	int curve = wl_str(v, "sizes")[0] != '\0';
	int rc = sizes_of(v, &pts, &n);

	if (!rc)
		rc = setup(&c, v, pts, n, &largest);
	if (!rc)
		rc = run_points(&c, pts, n, largest, curve);
	if (!rc) {
		report(&c, pts, n, largest, curve);
		verify(pts, n);
	}
	unmap_buffer(&c);
	free(c.order);
	free_points(pts, n);
	return rc;
}

static const struct wl_check checks[] = {
	{ "sizes", wl_check_size_list },
	{ "stride", wl_check_size_range_words },
};

static const struct wl_spec spec = {
	.name = "ptrchase",
	.summary = "dependent loads around a pointer cycle; latency per access over working-set sizes",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
