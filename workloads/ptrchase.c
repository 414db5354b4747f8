/* ptrchase: dependent loads around a cycle of pointers spread over a
 * working set, in the spirit of Linus's test-tlb and lmbench lat_mem_rd.
 * Each load's address comes from the previous load, so the time per
 * access is the full latency of the cache level or TLB level the working
 * set lands in; a list of sizes draws the latency curve whose steps show
 * the cache sizes and the TLB reach of the page size in use. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	{ "accesses", WL_INT, "4000000", "count", "timed dependent loads per size", "1.." },
	{ "pages", WL_ENUM, "default", "",
	  "madvise of the PMD-aligned working set: default = none (system policy), "
	  "base = MADV_NOHUGEPAGE, thp = MADV_HUGEPAGE (PMD THP must be enabled), "
	  "mthp = MADV_HUGEPAGE (an mTHP size below the PMD must be enabled)",
	  "default|base|thp|mthp" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: break one link of every cycle", NULL },
};

struct chase {
	char *buf;		/* PMD-aligned working set of the largest size */
	uint64_t bufsize, stride;
	uint32_t *order;	/* order[k]: the element visited k-th */
	int random, corrupt;
	uint64_t accesses;
	uint64_t rng;
};

/* One size's result. */
struct point {
	uint64_t size, steps;	/* steps: timed accesses */
	double ns;
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

/* Warm up, then time the chase; check where it ended. */
static void measure_size(struct chase *c, struct point *pt)
{
	uint64_t n = pt->size / c->stride, warm = n < c->accesses ? n : c->accesses;
	uint64_t t0, t1;
	void *p;

	/* A total that is a multiple of n would end where it began whether
	 * the loads ran or not: one step more makes the check meaningful. */
	pt->steps = c->accesses + ((warm + c->accesses) % n == 0);
	p = chase_loop(elem(c, c->order[0]), warm);
	t0 = wl_now_ns();
	p = chase_loop(p, pt->steps);
	t1 = wl_now_ns();
	pt->ns = (double)(t1 - t0) / (double)pt->steps;
	pt->ok = p == elem(c, c->order[(warm + pt->steps) % n]);
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

static int check_pages(const char *pages)
{
	uint64_t pmd = wl_pmd_size();

	if (!strcmp(pages, "default"))
		return 0;
	if (!pmd)
		return wl_param_fail("pages", "'%s' needs transparent hugepages "
				     "(no hpage_pmd_size here)", pages);
	if (!strcmp(pages, "thp") && !wl_thp_size_enabled(pmd))
		return wl_param_fail("pages", "'thp': PMD-size THP is disabled here "
				     "(hugepages-%" PRIu64 "kB/enabled)", pmd >> 10);
	if (!strcmp(pages, "mthp") && !wl_mthp_size_enabled())
		return wl_param_fail("pages", "'mthp': no mTHP size below the PMD is enabled "
				     "(hugepages-<N>kB/enabled: always or madvise)");
	return 0;
}

/* Map, advise and fault in the working set; report how it is backed. */
static int map_buffer(struct chase *c, const char *pages, void **map, size_t *maplen)
{
	uint64_t pmd = wl_pmd_size();
	size_t align = pmd ? (size_t)pmd : (size_t)wl_page_size();
	struct wl_thp_stats before, after;

	c->buf = wl_map_aligned((size_t)c->bufsize, align, map, maplen);
	if (!c->buf)
		return 1;
	if (wl_advise_pages(c->buf, (size_t)c->bufsize, pages))
		return wl_fail("madvise(%s) on the working set: %m", pages);
	wl_thp_stats_read(&before);
	/* Touch in address order: fault sizes follow the advice, not the cycle. */
	memset(c->buf, 1, (size_t)c->bufsize);
	wl_thp_stats_read(&after);
	wl_metric("thp_bytes", (double)wl_smaps_bytes(c->buf, "AnonHugePages"), "bytes",
		  "gauge", "none");
	wl_thp_stats_report(&before, &after, "mthp.");
	wl_thp_stats_free(&before);
	wl_thp_stats_free(&after);
	return 0;
}

static void report(const struct chase *c, const struct point *pts, size_t n, int curve)
{
	char name[64];
	double touched = 0, total = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ns_per_access.%" PRIu64, pts[i].size);
		wl_metric(name, pts[i].ns, "ns", "gauge", "lower");
		touched += (double)pts[i].size;
		total += (double)pts[i].steps;
	}
	if (!curve)
		wl_metric("ns_per_access", pts[0].ns, "ns", "gauge", "lower");
	wl_metric("accesses", total, "count", "counter", "none");
	wl_metric("bytes_touched", touched, "bytes", "counter", "none");
	wl_metric("stride_bytes", (double)c->stride, "bytes", "gauge", "none");
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

/* Curve mode: the region covers every size, cycle building included. */
static void run_points(struct chase *c, struct point *pts, size_t n, int curve)
{
	if (curve)
		wl_region_begin();
	for (size_t i = 0; i < n; i++) {
		build(c, pts[i].size / c->stride);
		if (!curve)
			wl_region_begin();
		measure_size(c, &pts[i]);
		if (!curve)
			wl_region_end();
	}
	if (curve)
		wl_region_end();
}

static int sizes_of(const struct wl_value *v, struct point **pts, size_t *n)
{
	char err[256];
	uint64_t *list = NULL;

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
	for (size_t i = 0; *pts && i < *n; i++)
		(*pts)[i].size = list[i];
	free(list);
	return *pts ? 0 : wl_fail("out of memory");
}

static int setup(struct chase *c, const struct wl_value *v, struct point *pts, size_t n)
{
	c->stride = wl_size(v, "stride");
	c->random = !strcmp(wl_str(v, "order"), "random");
	c->corrupt = (int)wl_int(v, "corrupt");
	c->accesses = (uint64_t)wl_int(v, "accesses");
	for (size_t i = 0; i < n; i++) {
		if (check_size(c, pts[i].size, wl_str(v, "sizes")[0] ? "sizes" : "size"))
			return 1;
		if (pts[i].size > c->bufsize)
			c->bufsize = pts[i].size;
	}
	if (check_pages(wl_str(v, "pages")))
		return 1;
	c->order = malloc((size_t)(c->bufsize / c->stride) * sizeof(*c->order));
	return c->order ? 0 : wl_fail("out of memory for %" PRIu64 " indices",
				      c->bufsize / c->stride);
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct chase c = { .rng = seed };
	struct point *pts = NULL;
	void *map = NULL;
	size_t n = 0, maplen = 0;
	int rc = sizes_of(v, &pts, &n);

	if (!rc)
		rc = setup(&c, v, pts, n);
	if (!rc)
		rc = map_buffer(&c, wl_str(v, "pages"), &map, &maplen);
	if (!rc) {
		run_points(&c, pts, n, wl_str(v, "sizes")[0] != '\0');
		report(&c, pts, n, wl_str(v, "sizes")[0] != '\0');
		verify(pts, n);
	}
	if (map)
		munmap(map, maplen);
	free(c.order);
	free(pts);
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
