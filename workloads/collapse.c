/* collapse: base pages turned into huge pages after the fact. A given
 * fraction of the base pages of each PMD-size (or mTHP-size) range is
 * touched, then the ranges are collapsed by MADV_COLLAPSE or left to
 * khugepaged (whose tunables the variant sets; this workload never writes
 * sysfs). The result is the time to collapse and the price: untouched
 * pages become resident zeroes, so RSS grows from the touched bytes to
 * the whole range. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "wl.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25	/* Linux 6.1; Debian 12's headers predate it */
#endif

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "32m", "bytes", "mapping to collapse (whole units; at least one)",
	  "4k.." },
	{ "unit", WL_STRING, "pmd", "",
	  "collapse unit: pmd, mthp (the smallest enabled mTHP size) or a size such as 64k "
	  "(a hugepages-<N>kB size)", NULL },
	{ "fraction", WL_DOUBLE, "0.5", "",
	  "share of the base pages of each unit touched before collapsing (spread evenly)",
	  "0..1" },
	{ "method", WL_ENUM, "madv_collapse", "",
	  "madv_collapse: MADV_COLLAPSE (PMD only); khugepaged: MADV_HUGEPAGE and wait",
	  "madv_collapse|khugepaged" },
	{ "timeout", WL_DOUBLE, "120", "s", "longest wait for the collapse", "0.001..86400" },
	{ "poll_ms", WL_INT, "5", "ms", "interval between looks at the mapping", "1..10000" },
	{ "scans", WL_INT, "5", "",
	  "khugepaged: stop waiting after this many full scans since the advice (0: only the timeout)",
	  "0..1000" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one touched word after the collapse",
	  NULL },
};

struct col {
	char *buf;
	uint64_t size, unit, page, pages_per_unit, touched_per_unit;
	int pmd;		/* unit is the PMD size: AnonHugePages sees it */
	int khugepaged;
	uint64_t seed;
	double timeout, poll_s;
	int64_t scans;		/* khugepaged full scans to wait at most; 0: no limit */
};

/* What the collapse phase observed. */
struct obs {
	uint64_t t_first, t_done, t_end;	/* ns after start; 0 = never */
	int64_t rss_before, rss_after, huge_after;
	int64_t collapse_alloc;
	int64_t unit_folios;	/* own ranges that are one unit-size folio; -1 unknown */
	int64_t full_scans;	/* khugepaged full scans during the wait; -1 unknown */
	int64_t anon_huge;	/* the mapping's AnonHugePages (PMD-size folios) at the end */
	int own;		/* huge_after counts this mapping alone */
	int madv_errno;
};

static uint64_t word_of(const struct col *c, uint64_t page)
{
	uint64_t s = c->seed ^ (page * 0x9e3779b97f4a7c15ull);

	return wl_rand_next(&s) | 1;	/* never 0: untouched pages read 0 */
}

/* Page j of a unit is touched for exactly t values of j in 0..p-1, spread
 * evenly, page 0 among them. */
static int touched(const struct col *c, uint64_t j)
{
	return j * c->touched_per_unit % c->pages_per_unit < c->touched_per_unit;
}

static void touch(struct col *c)
{
	uint64_t pages = c->size / c->page;

	for (uint64_t pg = 0; pg < pages; pg++)
		if (touched(c, pg % c->pages_per_unit))
			*(uint64_t *)(c->buf + pg * c->page) = word_of(c, pg);
}

/* The system-wide growth of the unit size's anonymous folios (other
 * processes can move it too); cheap enough to poll. */
static int64_t grown(const struct col *c, uint64_t nr_anon0)
{
	struct wl_thp_stats s;
	uint64_t nr;

	if (wl_thp_stats_read(&s))
		return 0;
	nr = wl_thp_stat(&s, c->unit >> 10, "nr_anon");
	wl_thp_stats_free(&s);
	return nr > nr_anon0 ? (int64_t)((nr - nr_anon0) * c->unit) : 0;
}

/* Collapsed bytes of the mapping: AnonHugePages for PMD units; for mTHP
 * units, its own ranges that are unit-size folios (pagemap and
 * kpageflags, as root), else the system-wide growth. */
static int64_t collapsed(const struct col *c, uint64_t nr_anon0)
{
	int64_t own;

	if (c->pmd)
		return wl_smaps_bytes(c->buf, "AnonHugePages");
	own = wl_folio_units(c->buf, c->size, c->unit);
	return own >= 0 ? own * (int64_t)c->unit : grown(c, nr_anon0);
}

/* While waiting: for mTHP units the system-wide growth says when to look
 * at the mapping itself (a walk of its pagemap per poll would compete
 * with khugepaged for the CPU). */
static int64_t collapsed_poll(const struct col *c, uint64_t nr_anon0)
{
	int64_t g = c->pmd ? 0 : grown(c, nr_anon0);

	return !c->pmd && g < (int64_t)c->size ? g : collapsed(c, nr_anon0);
}

static uint64_t nr_anon_now(const struct col *c)
{
	struct wl_thp_stats s;
	uint64_t nr;

	if (wl_thp_stats_read(&s))
		return 0;
	nr = wl_thp_stat(&s, c->unit >> 10, "nr_anon");
	wl_thp_stats_free(&s);
	return nr;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int64_t full_scans(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/khugepaged/full_scans", "re");
	long long n = -1;

	if (f) {
		if (fscanf(f, "%lld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* Look at the mapping every poll_s until every unit is collapsed, the
 * timeout, or khugepaged has made c->scans full scans since the advice
 * (what it left small then, it leaves small: max_ptes_none=0 on partly
 * touched ranges). Not 1 or 2: a scan can find freshly faulted pages not
 * yet on the LRU and skip them, and the next one collapses. Time stamps
 * are relative to t0. */
static void wait_collapse(const struct col *c, struct obs *o, uint64_t t0, uint64_t nr0)
{
	uint64_t limit = (uint64_t)(c->timeout * 1e9);
	int64_t fs0 = full_scans(), fs = fs0;

	for (;;) {
		int64_t got = collapsed_poll(c, nr0);
		uint64_t t = wl_now_ns() - t0;

		if (got > 0 && !o->t_first)
			o->t_first = t;
		if (got >= (int64_t)c->size) {
			o->t_done = t;
			break;
		}
		if (t >= limit || (c->scans && fs0 >= 0 && fs >= fs0 + c->scans))
			break;
		sleep_s(c->poll_s);
		fs = full_scans();
	}
	o->full_scans = fs0 >= 0 && fs >= 0 ? fs - fs0 : -1;
}

static int start_collapse(struct col *c, struct obs *o)
{
	if (madvise(c->buf, (size_t)c->size, MADV_HUGEPAGE))
		return wl_fail("madvise(MADV_HUGEPAGE): %m");
	if (c->khugepaged)
		return 0;
	if (madvise(c->buf, (size_t)c->size, MADV_COLLAPSE)) {
		if (errno == EINVAL)
			return wl_param_fail("method", "MADV_COLLAPSE is not supported here "
					     "(Linux 6.1+ with THP)");
		/* EAGAIN/ENOMEM: some units stayed small; the figures show it. */
		o->madv_errno = errno;
		fprintf(stderr, "collapse: MADV_COLLAPSE: %s\n", strerror(errno));
	}
	return 0;
}

/* The measured region: from the advice to the last collapsed unit. */
static int collapse_phase(struct col *c, struct obs *o)
{
	uint64_t nr0 = c->pmd ? 0 : nr_anon_now(c), t0;
	int64_t a0 = wl_vmstat("thp_collapse_alloc");

	wl_region_begin();
	t0 = wl_now_ns();
	if (start_collapse(c, o)) {
		wl_region_end();
		return 1;
	}
	if (c->khugepaged) {
		wait_collapse(c, o, t0, nr0);
	} else {
		/* MADV_COLLAPSE is synchronous: what it left small stays small. */
		o->t_end = wl_now_ns() - t0;
		if (collapsed(c, nr0) > 0)
			o->t_first = o->t_end;
		if (collapsed(c, nr0) >= (int64_t)c->size)
			o->t_done = o->t_end;
	}
	o->t_end = wl_now_ns() - t0;
	wl_region_end();
	o->huge_after = collapsed(c, nr0);
	o->unit_folios = c->pmd ? o->huge_after / (int64_t)c->unit
				: wl_folio_units(c->buf, c->size, c->unit);
	o->own = c->pmd || o->unit_folios >= 0;
	o->anon_huge = wl_smaps_bytes(c->buf, "AnonHugePages");
	o->collapse_alloc = wl_vmstat("thp_collapse_alloc") - a0;
	return 0;
}

static void report(const struct col *c, const struct obs *o)
{
	double sz = (double)c->size, done = o->t_done ? (double)o->t_done : (double)o->t_end;

	wl_metric("collapse_s", done / 1e9, "s", "gauge", "lower");
	wl_metric("first_collapse_s", (double)(o->t_first ? o->t_first : o->t_end) / 1e9, "s",
		  "gauge", "lower");
	wl_metric("collapsed_bytes", (double)o->huge_after, "bytes", "gauge", "higher");
	wl_metric("collapsed_fraction", (double)o->huge_after / sz, "", "gauge", "higher");
	wl_metric("complete", o->t_done ? 1 : 0, "", "gauge", "higher");
	wl_metric("rss_before_bytes", (double)o->rss_before, "bytes", "gauge", "lower");
	wl_metric("rss_after_bytes", (double)o->rss_after, "bytes", "gauge", "lower");
	wl_metric("touched_bytes", (double)(c->size / c->pages_per_unit / c->page *
					    c->touched_per_unit * c->page), "bytes", "gauge", "none");
	wl_metric("unit_bytes", (double)c->unit, "bytes", "gauge", "none");
	wl_metric("thp_collapse_alloc", (double)o->collapse_alloc, "count", "counter", "none");
	wl_metric("units", (double)(c->size / c->unit), "count", "gauge", "none");
	/* Not measured (no metric) when pagemap hides frame numbers. */
	if (o->unit_folios >= 0)
		wl_metric("unit_folios", (double)o->unit_folios, "count", "gauge", "higher");
	wl_metric("collapsed_own", o->own, "", "gauge", "none");
	/* 0 for mTHP collapse: AnonHugePages counts PMD-size folios only. */
	if (o->anon_huge >= 0)
		wl_metric("anon_huge_bytes", (double)o->anon_huge, "bytes", "gauge", "lower");
	if (c->khugepaged && o->full_scans >= 0)
		wl_metric("khugepaged_full_scans", (double)o->full_scans, "count", "counter", "none");
	wl_metric("madv_collapse_errno", o->madv_errno, "", "gauge", "none");
}

/* Touched pages keep their word, untouched ones read zero at both ends. */
static void verify(struct col *c, int corrupt)
{
	uint64_t pages = c->size / c->page, bad = 0, first = 0;
	size_t last = (size_t)c->page / 8 - 1;

	if (corrupt)
		*(uint64_t *)c->buf ^= 1;
	for (uint64_t pg = 0; pg < pages; pg++) {
		const uint64_t *w = (const uint64_t *)(c->buf + pg * c->page);
		uint64_t want = touched(c, pg % c->pages_per_unit) ? word_of(c, pg) : 0;

		if (w[0] != want || w[last] != 0) {
			if (!bad++)
				first = pg;
		}
	}
	if (bad)
		wl_verify(0, "%" PRIu64 " of %" PRIu64 " pages changed by the collapse "
			  "(first: page %" PRIu64 ")", bad, pages, first);
	else
		wl_verify(1, "%" PRIu64 " pages intact after the collapse: touched ones hold "
			  "their words, the rest read zero", pages);
}

/* "pmd", "mthp" or a size; 0 when the text is none of them. */
static uint64_t unit_bytes(const char *text)
{
	char err[128];
	uint64_t lo, hi;

	if (!strcmp(text, "pmd"))
		return wl_pmd_size();
	if (!strcmp(text, "mthp"))
		return wl_mthp_size_enabled();
	return wl_parse_size_range(text, &lo, &hi, err, sizeof(err)) || lo != hi ? 0 : lo;
}

static int check_unit(const char *text, char *err, size_t errlen)
{
	uint64_t lo, hi;

	if (!strcmp(text, "pmd") || !strcmp(text, "mthp"))
		return 0;
	if (wl_parse_size_range(text, &lo, &hi, err, errlen) || lo != hi || (lo & (lo - 1))) {
		snprintf(err, errlen, "'%s' is not pmd, mthp or a power-of-two size", text);
		return -1;
	}
	return 0;
}

static int check_machine(const struct col *c, const char *unit_text)
{
	uint64_t pmd = wl_pmd_size();

	if (!pmd)
		return wl_param_fail("unit", "no transparent hugepages here (no hpage_pmd_size)");
	if (!c->unit)
		return wl_param_fail("unit", "'%s': no mTHP size below the PMD is enabled here",
				     unit_text);
	if (c->unit <= c->page || c->unit > pmd)
		return wl_param_fail("unit", "'%s' is not between the page size and the PMD size",
				     unit_text);
	if (!c->pmd && !c->khugepaged)
		return wl_param_fail("method", "MADV_COLLAPSE makes PMD-size folios only; "
				     "use unit=pmd or method=khugepaged");
	if (c->khugepaged && !wl_thp_size_enabled(c->unit))
		return wl_param_fail("method", "khugepaged makes no %" PRIu64 " kB folios: "
				     "hugepages-%" PRIu64 "kB/enabled is not always/madvise",
				     c->unit >> 10, c->unit >> 10);
	if (c->size < c->unit)
		return wl_param_fail("size", "smaller than one unit (%" PRIu64 " bytes)", c->unit);
	return 0;
}

static int setup(struct col *c, const struct wl_value *v, uint64_t seed)
{
	double f = wl_double(v, "fraction");

	c->page = (uint64_t)wl_page_size();
	c->unit = unit_bytes(wl_str(v, "unit"));
	c->pmd = c->unit && c->unit == wl_pmd_size();
	c->khugepaged = !strcmp(wl_str(v, "method"), "khugepaged");
	c->timeout = wl_double(v, "timeout");
	c->poll_s = (double)wl_int(v, "poll_ms") / 1e3;
	c->scans = wl_int(v, "scans");
	c->seed = seed;
	c->size = wl_size(v, "size");
	if (check_machine(c, wl_str(v, "unit")))
		return 1;
	c->size = c->size / c->unit * c->unit;
	c->pages_per_unit = c->unit / c->page;
	/* Any fraction above 0 touches at least one page per unit. */
	c->touched_per_unit = (uint64_t)(f * (double)c->pages_per_unit + 0.999999);
	if (c->touched_per_unit > c->pages_per_unit)
		c->touched_per_unit = c->pages_per_unit;
	return 0;
}

/* Map and touch with huge pages refused, so every touched page is a base
 * page whatever the system policy, and measure the starting point. */
static int prepare(struct col *c, void **map, size_t *maplen, struct obs *o)
{
	c->buf = wl_map_aligned((size_t)c->size, (size_t)wl_pmd_size(), map, maplen);
	if (!c->buf)
		return 1;
	if (madvise(c->buf, (size_t)c->size, MADV_NOHUGEPAGE))
		return wl_fail("madvise(MADV_NOHUGEPAGE): %m");
	touch(c);
	o->rss_before = wl_smaps_bytes(c->buf, "Rss");
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct col c = { 0 };
	struct obs o = { .unit_folios = -1, .full_scans = -1 };
	struct wl_thp_stats before = { 0 }, after = { 0 };
	void *map = NULL;
	size_t maplen = 0;
	int rc = setup(&c, v, seed);

	if (!rc)
		rc = prepare(&c, &map, &maplen, &o);
	if (!rc) {
		wl_thp_stats_read(&before);
		rc = collapse_phase(&c, &o);
		wl_thp_stats_read(&after);
	}
	if (!rc) {
		o.rss_after = wl_smaps_bytes(c.buf, "Rss");
		report(&c, &o);
		wl_thp_stats_report(&before, &after, "mthp.");
		verify(&c, (int)wl_int(v, "corrupt"));
	}
	wl_thp_stats_free(&before);
	wl_thp_stats_free(&after);
	if (map)
		munmap(map, maplen);
	return rc;
}

static const struct wl_check checks[] = {
	{ "unit", check_unit },
};

static const struct wl_spec spec = {
	.name = "collapse",
	.summary = "touch part of each huge-page range, collapse it (MADV_COLLAPSE or "
		   "khugepaged); time and RSS",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
