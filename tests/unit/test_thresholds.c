/* Thresholds file (analysis/thresholds.h): precedence key by key, the
 * shipped default file, and every error with its file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/thresholds.h"

#define assert_close(a, b) assert_true(fabs((a) - (b)) < 1e-12)

static void parse_ok(const char *text, struct thresholds *t)
{
	struct herr e;

	if (thresholds_parse("t.ini", text, t, &e) < 0)
		fail_msg("parse: %s", e.msg);
}

/* Line numbers on the right: the *_from fields name them. */
static const char precedence[] =
	"[default]\n"				/* 1 */
	"regression = 3%\n"			/* 2 */
	"noise_floor = 1%\n"			/* 3 */
	"gate = yes\n"				/* 4 */
	"[kind rate]\n"				/* 5 */
	"regression = 4%\n"			/* 6 */
	"[metric tlb.*]\n"			/* 7 */
	"regression = 5%\n"			/* 8 */
	"[metric tlb.dtlb_*]\n"			/* 9 */
	"regression = 6%\n"			/* 10 */
	"[metric tlb.dtlb_walk]\n"		/* 11 */
	"noise_floor = 1.5%\n"			/* 12 */
	"[workload gups]\n"			/* 13 */
	"gate = no\n"				/* 14 */
	"regression = 8%\n"			/* 15 */
	"[workload gups metric time.*]\n"	/* 16 */
	"regression = 2%\n"			/* 17 */
	"[workload gups metric time.wall]\n"	/* 18 */
	"gate = yes\n";				/* 19 */

static void test_precedence(void **state)
{
	struct thresholds t;
	struct threshold th;

	parse_ok(precedence, &t);
	/* [default] alone. */
	thresholds_for(&t, "stream", "cpu.cycles", KIND_COUNTER, &th);
	assert_close(th.regression, 0.03);
	assert_close(th.noise_floor, 0.01);
	assert_int_equal(th.gate, 1);
	assert_string_equal(th.regression_from, "t.ini:2");
	/* [kind] over [default]. */
	thresholds_for(&t, "stream", "stream.bandwidth", KIND_RATE, &th);
	assert_close(th.regression, 0.04);
	assert_string_equal(th.regression_from, "t.ini:6");
	/* [metric] over [kind]; of two matching globs the later one. */
	thresholds_for(&t, "stream", "tlb.l1d_refill_mpki", KIND_RATE, &th);
	assert_close(th.regression, 0.05);
	thresholds_for(&t, "stream", "tlb.dtlb_walk_mpki", KIND_RATE, &th);
	assert_close(th.regression, 0.06);
	/* The exact name sets only noise_floor; regression still from the glob. */
	thresholds_for(&t, "stream", "tlb.dtlb_walk", KIND_COUNTER, &th);
	assert_close(th.noise_floor, 0.015);
	assert_close(th.regression, 0.06);
	assert_string_equal(th.noise_floor_from, "t.ini:12");
	assert_string_equal(th.regression_from, "t.ini:10");
	/* [workload] over [metric]. */
	thresholds_for(&t, "gups", "tlb.dtlb_walk", KIND_COUNTER, &th);
	assert_close(th.regression, 0.08);
	assert_int_equal(th.gate, 0);
	assert_close(th.noise_floor, 0.015);
	/* [workload metric] over [workload]: a glob, then the exact name. */
	thresholds_for(&t, "gups", "time.cpu", KIND_GAUGE, &th);
	assert_close(th.regression, 0.02);
	assert_int_equal(th.gate, 0);
	thresholds_for(&t, "gups", "time.wall", KIND_GAUGE, &th);
	assert_close(th.regression, 0.02);
	assert_int_equal(th.gate, 1);
	assert_string_equal(th.gate_from, "t.ini:19");
	/* No workload given: workload sections do not apply. */
	thresholds_for(&t, NULL, "time.wall", KIND_GAUGE, &th);
	assert_close(th.regression, 0.03);
	thresholds_free(&t);
}

/* gate_named: only a section naming the metric gates one without a better
 * direction (check.c); [default], [kind] and [workload] do not. */
static void test_gate_named(void **state)
{
	struct thresholds t;
	struct threshold th;

	(void)state;
	parse_ok("[default]\ngate = yes\n[kind gauge]\ngate = yes\n[workload gups]\ngate = yes\n"
		 "[metric mem.AnonHuge*]\ngate = yes\n[workload stream metric cgroup.anon_thp]\ngate = yes\n",
		 &t);
	thresholds_for(&t, "gups", "cgroup.anon_thp", KIND_GAUGE, &th);
	assert_int_equal(th.gate, 1);
	assert_int_equal(th.gate_named, 0);
	thresholds_for(&t, "stream", "cgroup.anon_thp", KIND_GAUGE, &th);
	assert_int_equal(th.gate_named, 1);
	thresholds_for(&t, "stream", "mem.AnonHugePages_peak", KIND_GAUGE, &th);
	assert_int_equal(th.gate_named, 1);
	thresholds_for(&t, "stream", "vmstat.thp_fault_alloc", KIND_COUNTER, &th);
	assert_int_equal(th.gate_named, 0);
	thresholds_free(&t);
	thresholds_init(&t);
	thresholds_for(&t, "gups", "mem.AnonHugePages_peak", KIND_GAUGE, &th);
	assert_int_equal(th.gate_named, 0);
	thresholds_free(&t);
}

/* An exact name beats a glob at the same level even when the glob is later. */
static void test_exact_beats_later_glob(void **state)
{
	struct thresholds t;
	struct threshold th;

	parse_ok("[metric fault.minor]\nregression = 7%\n[metric fault.*]\nregression = 9%\n", &t);
	thresholds_for(&t, "w", "fault.minor", KIND_COUNTER, &th);
	assert_close(th.regression, 0.07);
	thresholds_for(&t, "w", "fault.major", KIND_COUNTER, &th);
	assert_close(th.regression, 0.09);
	thresholds_free(&t);
}

static void test_built_in(void **state)
{
	struct thresholds t;
	struct threshold th;

	thresholds_init(&t);
	thresholds_for(&t, "w", "m", KIND_GAUGE, &th);
	assert_close(th.regression, THRESHOLD_REGRESSION_DEFAULT);
	assert_close(th.noise_floor, THRESHOLD_NOISE_FLOOR_DEFAULT);
	assert_int_equal(th.gate, 1);
	assert_string_equal(th.gate_from, "built in");
	/* Comments, blank lines, indentation, an empty section. */
	parse_ok("; c\n# c\n\n[default]\n  regression = 2.5%   ; why\n[kind gauge]\n", &t);
	thresholds_for(&t, "w", "m", KIND_GAUGE, &th);
	assert_close(th.regression, 0.025);
	thresholds_free(&t);
}

static void test_shipped_file(void **state)
{
	struct thresholds t;
	struct threshold th;
	struct herr e;

	if (thresholds_load("thresholds/default.ini", &t, &e) < 0)
		fail_msg("%s", e.msg);
	thresholds_for(&t, "gups", "cpu.cycles", KIND_COUNTER, &th);
	assert_close(th.regression, 0.03);
	assert_close(th.noise_floor, 0.02);
	assert_int_equal(th.gate, 1);
	thresholds_for(&t, "gups", "sched.context_switches", KIND_COUNTER, &th);
	assert_int_equal(th.gate, 0);
	thresholds_free(&t);
}

static void expect_error(const char *text, const char *want)
{
	struct thresholds t;
	struct herr e;

	assert_int_equal(thresholds_parse("bad.ini", text, &t, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	if (!strstr(e.msg, want))
		fail_msg("for\n%s\nwanted '%s', got '%s'", text, want, e.msg);
	assert_null(t.sec);
	assert_null(t.file);
}

static void test_errors(void **state)
{
	expect_error("[defaults]\n", "bad.ini:1: unknown section [defaults] (sections: [default]");
	expect_error("[default]\n[kind speed]\n", "bad.ini:2: [kind speed]: expected counter, gauge or rate");
	expect_error("[workload ../x]\n", "bad.ini:1: [workload ../x]: a workload name is");
	expect_error("[metric tlb/*]\n", "bad.ini:1: [... metric tlb/*]: a metric pattern");
	expect_error("[workload a metric]\n", "bad.ini:1: unknown section [workload a metric]");
	expect_error("[workload a b c]\n", "bad.ini:1: unknown section");
	expect_error("[metric a]\n[metric a]\n", "bad.ini:2: duplicate section [metric a] (first at line 1)");
	expect_error("[default]\n\n[default]\n", "bad.ini:3: duplicate section [default] (first at line 1)");
	expect_error("[default\n", "bad.ini:1: section header '[default' has no closing ']'");
	expect_error("[default] x\n", "bad.ini:1: text after the section header: 'x'");
	expect_error("regression = 3%\n", "bad.ini:1: 'regression' is outside any section");
	expect_error("[default]\nthreshold = 3%\n", "bad.ini:2: unknown key 'threshold'");
	expect_error("[default]\ngate = no\ngate = yes\n", "bad.ini:3: duplicate key 'gate' (first at line 2)");
	expect_error("[default]\nregression =\n", "bad.ini:2: regression has no value");
	expect_error("[default]\nregression = 3\n", "bad.ini:2: regression = '3': expected a percentage such as 3%");
	expect_error("[default]\nregression = 0.03\n", "bad.ini:2: regression = '0.03': expected a percentage");
	expect_error("[default]\nregression = -3%\n", "bad.ini:2: regression = '-3%': expected a percentage");
	expect_error("[default]\nregression = 3%%\n", "bad.ini:2: regression = '3%%'");
	expect_error("[default]\nregression = 0%\n", "bad.ini:2: regression = '0%': must be above 0%");
	expect_error("[default]\nregression = 2000%\n", "bad.ini:2: regression = '2000%': expected 0% to 1000%");
	expect_error("[default]\nnoise_floor = 100.5%\n", "bad.ini:2: noise_floor = '100.5%': expected 0% to 100%");
	expect_error("[default]\ngate = maybe\n", "bad.ini:2: gate = 'maybe': expected yes or no");
	expect_error("[default]\nregression = 3%\nnoise_floor = 4%\n",
		     "bad.ini:3: noise_floor = 4% is above regression = 3% (line 2)");
	expect_error("[default]\nnoise_floor = 4%\nregression = 3%\n",
		     "bad.ini:3: noise_floor = 4% is above regression = 3% (line 2)");
	expect_error("[default]\njust words\n", "bad.ini:2: not a key = value line");
}

static void test_unreadable(void **state)
{
	struct thresholds t;
	struct herr e;

	assert_int_equal(thresholds_load("/nonexistent/x.ini", &t, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "cannot read thresholds file /nonexistent/x.ini"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_exact_beats_later_glob),
		cmocka_unit_test(test_gate_named),
		cmocka_unit_test(test_built_in),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
