/* The workload suite's helpers in workloads/common: size ranges and lists,
 * wl_main_checked (--check applies the extra checks), aligned mappings,
 * the process's own memory figures, page-cache helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "wl_internal.h"

static void range_ok(const char *text, uint64_t lo, uint64_t hi)
{
	char err[256];
	uint64_t a = 1, b = 1;

	assert_int_equal(wl_parse_size_range(text, &a, &b, err, sizeof(err)), 0);
	assert_true(a == lo && b == hi);
}

static void range_bad(const char *text, const char *want)
{
	char err[256] = "";
	uint64_t a, b;

	assert_int_equal(wl_parse_size_range(text, &a, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));
}

static void test_size_range(void **state)
{
	range_ok("16..64k", 16, 65536);
	range_ok("4k", 4096, 4096);
	range_ok("1g..1g", 1u << 30, 1u << 30);
	range_bad("64k..16", "ends below its start");
	range_bad("x..1", "'x' is not a size");
	range_bad("1..", "'' is not a size");
	range_bad("", "'' is not a size");
}

/* The list as "a b c" for compact comparisons. */
static void list_ok(const char *text, const char *want)
{
	char err[256], got[1024] = "";
	uint64_t *v = NULL;
	size_t n = 0, off = 0;

	assert_int_equal(wl_parse_size_list(text, &v, &n, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%llu", i ? " " : "",
					(unsigned long long)v[i]);
	assert_string_equal(got, want);
	free(v);
}

static void list_bad(const char *text, const char *want)
{
	char err[256] = "";
	uint64_t *v = (uint64_t *)1;
	size_t n = 7;

	assert_int_equal(wl_parse_size_list(text, &v, &n, err, sizeof(err)), -1);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, want));
}

static void test_size_list(void **state)
{
	list_ok("", "");
	list_ok("16k..128k", "16384 32768 65536 131072");
	list_ok("1k..9k:x3", "1024 3072 9216");
	list_ok("1k..10k:+3k", "1024 4096 7168 10240");
	list_ok("1k..3k:x2", "1024 2048");		/* HI only when a step lands on it */
	list_ok("4k,64m,1k..2k", "4096 67108864 1024 2048");
	list_ok("8", "8");
	list_bad("0..1k", "never grows");
	list_bad("1k..2k:x1", "step 'x1'");
	list_bad("1k..2k:+0", "step '+0'");
	list_bad("1k..2k:y2", "step 'y2'");
	list_bad("4k,,8k", "'' is not a size");
	list_bad("4k,", "'' is not a size");
	list_bad(",", "'' is not a size");
	list_bad("4k,zz", "'zz' is not a size");
	list_bad("1..100000:+1", "more than");
	list_bad("16..8", "ends below its start");
}

static void test_check_adapters(void **state)
{
	char err[256];

	assert_int_equal(wl_check_size_list("16k..1g", err, sizeof(err)), 0);
	assert_int_equal(wl_check_size_list("16k..1q", err, sizeof(err)), -1);
	assert_int_equal(wl_check_size_range("16..64k", err, sizeof(err)), 0);
	assert_int_equal(wl_check_size_range("16..64k:x2", err, sizeof(err)), -1);
}

/* A workload with a list parameter for wl_main_checked. */
static const struct wl_param params[] = {
	{ "sizes", WL_STRING, "4k", "bytes", "a list", NULL },
	{ "n", WL_INT, "1", "count", "a number", "1..10" },
};

static int runs;

static int fake_run(const struct wl_value *v, uint64_t seed)
{
	runs++;
	wl_verify(1, "ran with %s", wl_str(v, "sizes"));
	return 0;
}

static const struct wl_spec spec = {
	.name = "fake", .summary = "test", .params = params,
	.nparams = sizeof(params) / sizeof(params[0]), .run = fake_run,
};

static const struct wl_check checks[] = { { "sizes", wl_check_size_list } };

/* wl_main_checked with stdout and stderr in memfds; returns the exit code. */
static int checked(char *out, char *errbuf, size_t len, int argc, char **argv)
{
	int o = memfd_create("out", 0), e = memfd_create("err", 0);
	int so = dup(1), se = dup(2), rc;
	ssize_t n;

	fflush(stdout);
	dup2(o, 1);
	dup2(e, 2);
	rc = wl_main_checked(&spec, checks, 1, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	n = pread(o, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	n = pread(e, errbuf, len - 1, 0);
	errbuf[n > 0 ? n : 0] = '\0';
	close(o);
	close(e);
	return rc;
}

static void test_main_checked(void **state)
{
	char out[4096], err[4096];
	char *bad_check[] = { "fake", "--check", "sizes=1k..2x", NULL };
	char *bad_run[] = { "fake", "sizes=1k,", "n=2", NULL };
	char *good_check[] = { "fake", "--check", "sizes=1k..4k", NULL };
	char *good_run[] = { "fake", "sizes=1k..4k", NULL };
	char *bad_table[] = { "fake", "n=0", NULL };

	runs = 0;
	assert_int_equal(checked(out, err, sizeof(out), 3, bad_check), 2);
	assert_string_equal(out, "");
	assert_string_equal(err, "fake: parameter sizes: '2x' is not a size (use e.g. 64m)\n");
	assert_int_equal(checked(out, err, sizeof(out), 3, bad_run), 2);	/* trailing comma */
	assert_string_equal(err, "fake: parameter sizes: '' is not a size (use e.g. 64m)\n");
	assert_int_equal(checked(out, err, sizeof(out), 3, good_check), 0);
	assert_non_null(strstr(out, "\"sizes\":\"1k..4k\""));
	assert_int_equal(runs, 0);
	assert_int_equal(checked(out, err, sizeof(out), 2, good_run), 0);
	assert_int_equal(runs, 1);
	assert_non_null(strstr(out, "\"type\":\"end\""));
	/* Errors the table finds are wl_main's, reported once. */
	assert_int_equal(checked(out, err, sizeof(out), 2, bad_table), 2);
	assert_non_null(strstr(err, "parameter n: '0' is below the minimum 1"));
	assert_null(strchr(strchr(err, '\n') + 1, '\n'));
}

static void test_map_and_smaps(void **state)
{
	size_t page = (size_t)wl_page_size(), align = 64 * page, maplen;
	void *map;
	char *p = wl_map_aligned(8 * page, align, &map, &maplen);

	assert_non_null(p);
	assert_true((uintptr_t)p % align == 0);
	assert_true(p >= (char *)map && p + 8 * page <= (char *)map + maplen);
	/* A VMA of its own, so its Rss is exactly what was touched. */
	assert_int_equal(wl_advise_pages(p, 8 * page, "base"), 0);
	for (size_t i = 0; i < 3; i++)
		p[i * page] = 1;
	assert_int_equal(wl_smaps_bytes(p, "Rss"), (int64_t)(3 * page));
	assert_int_equal(wl_smaps_bytes(p, "AnonHugePages"), 0);
	assert_int_equal(wl_smaps_bytes(p, "NoSuchField"), -1);
	assert_int_equal(wl_advise_pages(p, 8 * page, "default"), 0);
	munmap(map, maplen);
	assert_int_equal(wl_smaps_bytes(p, "Rss"), -1);
}

/* The ranges that are one folio of the unit's size: base pages are none;
 * a PMD-size THP is one PMD unit and no 64 KiB unit (its 17th page is a
 * tail of the same folio). Frame numbers need CAP_SYS_ADMIN: -1 without. */
static void test_folio_units(void **state)
{
	size_t page = (size_t)wl_page_size(), pmd = (size_t)wl_pmd_size(), maplen;
	void *map;
	char *p;
	int64_t n;

	(void)state;
	if (!pmd || pmd < 64 * 1024)
		skip();
	p = wl_map_aligned(pmd, pmd, &map, &maplen);
	assert_non_null(p);
	assert_int_equal(wl_advise_pages(p, pmd, "base"), 0);
	for (size_t i = 0; i < 64 * 1024 / page; i++)
		p[i * page] = 1;
	n = wl_folio_units(p, 64 * 1024, 64 * 1024);
	if (n < 0) {
		munmap(map, maplen);
		skip();		/* not root: pagemap hides the frames */
	}
	assert_int_equal(n, 0);
	munmap(map, maplen);
	p = wl_map_aligned(pmd, pmd, &map, &maplen);
	assert_non_null(p);
	if (wl_advise_pages(p, pmd, "thp") == 0) {
		memset(p, 1, pmd);
		if (wl_smaps_bytes(p, "AnonHugePages") == (int64_t)pmd) {
			assert_int_equal(wl_folio_units(p, pmd, pmd), 1);
			assert_int_equal(wl_folio_units(p, pmd, 64 * 1024), 0);
		}
	}
	munmap(map, maplen);
}

static void test_proc_figures(void **state)
{
	struct wl_thp_stats s;

	assert_true(wl_rss_bytes() > 0);
	assert_true(wl_rss_bytes() % wl_page_size() == 0);
	assert_true(wl_status_bytes("VmRSS") > 0);
	assert_true(wl_status_bytes("VmPTE") >= 0);
	assert_int_equal(wl_status_bytes("NoSuch"), -1);
	assert_true(wl_vmstat("pgfault") > 0);
	assert_int_equal(wl_vmstat("no_such_counter"), -1);
	assert_false(wl_thp_size_enabled((uint64_t)wl_page_size()));
	if (wl_thp_stats_read(&s) == 0) {
		assert_true(s.n > 0);
		assert_int_equal(wl_thp_stat(&s, 3, "nr_anon"), 0);	/* no 3 kB size */
		wl_thp_stats_free(&s);
		assert_null(s.e);
	}
}

static void test_files(void **state)
{
	char path[] = "/var/tmp/test_wl_suite-XXXXXX";
	int fd = mkstemp(path);
	size_t len = 64 * (size_t)wl_page_size();
	char *buf = calloc(1, len);
	const char *via = NULL;

	assert_true(fd >= 0);
	assert_non_null(buf);
	assert_int_equal(wl_write_full(fd, buf, len), 0);
	assert_int_equal(wl_cached_bytes(fd, len, &via), (int64_t)len);
	assert_non_null(via);
	assert_int_equal(wl_evict(fd), 0);
	assert_true(wl_cached_bytes(fd, len, &via) < (int64_t)len);
	assert_int_equal(wl_check_disk_dir("dir", "/var/tmp"), 0);
	close(fd);
	unlink(path);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_range),
		cmocka_unit_test(test_size_list),
		cmocka_unit_test(test_check_adapters),
		cmocka_unit_test(test_main_checked),
		cmocka_unit_test(test_map_and_smaps),
		cmocka_unit_test(test_folio_units),
		cmocka_unit_test(test_proc_figures),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
