/* The statistics core (analysis/) against reference values computed with
 * SciPy (tests/fixtures/analysis_ref.h, from make_analysis_ref.py), and the
 * rules SciPy has no counterpart for: bootstrap, verdicts, derived metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/derived.h"
#include "analysis/mwu.h"
#include "analysis/rng.h"
#include "analysis/stats.h"
#include "tests/fixtures/analysis_ref.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Relative deviation, with NaN = NaN and an absolute floor near 0. */
static double deviation(double got, double want)
{
	if (isnan(want) || isnan(got))
		return isnan(want) && isnan(got) ? 0 : INFINITY;
	if (got == want)
		return 0;
	return fabs(got - want) / fmax(fabs(want), 1e-300);
}

static void expect_close(const char *what, const char *name, double got,
			 double want, double tol, double *worst)
{
	double d = deviation(got, want);

	if (d > tol)
		fail_msg("%s of %s: got %.17g, SciPy %.17g (relative %.3g > %.3g)",
			 what, name, got, want, d, tol);
	if (d > *worst)
		*worst = d;
}

static void test_summary_matches_scipy(void **state)
{
	double worst_med = 0, worst_mad = 0, worst_mean = 0, worst_cv = 0, worst_hm = 0;
	struct stats_boot b;
	struct herr e;

	(void)state;
	stats_boot_default(&b);
	for (size_t i = 0; i < NELEM(ref_samples); i++) {
		const struct ref_sample *r = &ref_samples[i];
		struct stats_summary s;
		double hm, mad, med;

		assert_int_equal(stats_summarize(r->x, r->n, &b, &s, &e), 0);
		assert_int_equal(s.n, r->n);
		expect_close("median", r->name, s.median, r->median, 1e-12, &worst_med);
		expect_close("MAD", r->name, s.mad, r->mad, 1e-12, &worst_mad);
		expect_close("mean", r->name, s.mean, r->mean, 1e-12, &worst_mean);
		/* The CV of values near 1e12 differing by units is cancellation-bound. */
		expect_close("CV", r->name, s.cv, r->cv, 1e-6, &worst_cv);
		assert_true(s.min == r->min && s.max == r->max);
		assert_int_equal(stats_median(r->x, r->n, &med, &e), 0);
		assert_int_equal(stats_mad(r->x, r->n, &mad, &e), 0);
		assert_true(med == s.median && mad == s.mad);
		if (!isnan(r->hmean)) {
			assert_int_equal(stats_harmonic_mean(r->x, r->n, &hm, &e), 0);
			expect_close("harmonic mean", r->name, hm, r->hmean, 1e-12, &worst_hm);
		}
	}
	printf("summary vs SciPy over %zu samples, max relative deviation: median %.2g, "
	       "MAD %.2g, mean %.2g, CV %.2g, hmean %.2g\n", NELEM(ref_samples),
	       worst_med, worst_mad, worst_mean, worst_cv, worst_hm);
}

static void test_mwu_matches_scipy(void **state)
{
	double worst_exact = 0, worst_asym = 0;
	struct herr e;

	(void)state;
	for (size_t i = 0; i < NELEM(ref_mwu); i++) {
		const struct ref_mwu *r = &ref_mwu[i];
		struct mwu_result m;

		assert_int_equal(mwu_test(r->x, r->n1, r->y, r->n2,
					  r->exact ? MWU_EXACT : MWU_ASYMPTOTIC, &m, &e), 0);
		if (m.u1 != r->u1)
			fail_msg("U1 of %s: got %g, SciPy %g", r->name, m.u1, r->u1);
		expect_close("p", r->name, m.p, r->p, 1e-9, r->exact ? &worst_exact : &worst_asym);
	}
	printf("Mann-Whitney vs SciPy over %zu cases, max relative deviation of p: "
	       "exact %.2g, asymptotic %.2g\n", NELEM(ref_mwu), worst_exact, worst_asym);
}

static void test_mwu_auto_and_limits(void **state)
{
	const double x[] = { 1, 2, 3, 4 }, y[] = { 5, 6, 7, 8 }, tied[] = { 4, 5, 6, 7 };
	struct mwu_result m;
	struct herr e;
	double p;

	(void)state;
	assert_int_equal(mwu_test(x, 4, y, 4, MWU_AUTO, &m, &e), 0);
	assert_int_equal(m.method, MWU_EXACT);
	assert_false(m.ties);
	assert_true(fabs(m.p - 2.0 / 70) < 1e-15);
	assert_int_equal(mwu_test(x, 4, tied, 4, MWU_AUTO, &m, &e), 0);
	assert_int_equal(m.method, MWU_ASYMPTOTIC);
	assert_true(m.ties);
	assert_int_equal(mwu_test(x, 4, tied, 4, MWU_EXACT, &m, &e), -1);
	assert_non_null(strstr(e.msg, "ties"));
	/* The distribution sums to 1 and is symmetric. */
	assert_int_equal(mwu_exact_sf(7, 9, 0, &p, &e), 0);
	assert_true(fabs(p - 1) < 1e-14);
	assert_true(fabs(mwu_min_p(3, 3) - 0.1) < 1e-15);
	assert_true(fabs(mwu_min_p(4, 4) - 2.0 / 70) < 1e-15);
	assert_true(mwu_min_p(1, 1) == 1);
	assert_int_equal(mwu_exact_sf(101, 5, 3, &p, &e), -1);
}

static void test_bh_matches_scipy(void **state)
{
	double worst = 0, q[128];
	struct herr e;

	(void)state;
	for (size_t i = 0; i < NELEM(ref_bh); i++) {
		const struct ref_bh *r = &ref_bh[i];

		assert_true(r->m <= NELEM(q));
		assert_int_equal(compare_bh(r->p, r->m, q, &e), 0);
		for (size_t k = 0; k < r->m; k++)
			expect_close("q", r->name, q[k], r->q[k], 1e-12, &worst);
	}
	printf("BH vs the SciPy formula over %zu cases, max relative deviation %.2g\n",
	       NELEM(ref_bh), worst);
}

static void test_bh_skips_nan_and_rejects_bad_p(void **state)
{
	const double p[] = { 0.01, NAN, 0.04, 0.03 }, bad[] = { 0.2, 1.5 };
	double q[4];
	struct herr e;

	(void)state;
	assert_int_equal(compare_bh(p, 4, q, &e), 0);
	assert_true(isnan(q[1]));
	/* m = 3: 0.01*3/1, 0.03*3/2, 0.04*3/3 -> 0.03, 0.04, 0.04 */
	assert_true(fabs(q[0] - 0.03) < 1e-15 && fabs(q[3] - 0.04) < 1e-15 &&
		    fabs(q[2] - 0.04) < 1e-15);
	assert_int_equal(compare_bh(bad, 2, q, &e), -1);
	assert_non_null(strstr(e.msg, "p-value 2"));
}

/* The O(n) count-based resample median equals sorting the resample. */
static void test_resample_median_is_the_median(void **state)
{
	double s[9] = { 1, 2, 3, 5, 8, 13, 21, 34, 55 }, draw[9];
	unsigned cnt[9];
	struct rng a, b;
	struct herr e;

	(void)state;
	for (size_t n = 1; n <= 9; n++) {
		rng_seed(&a, n);
		rng_seed(&b, n);
		for (int k = 0; k < 200; k++) {
			double got = stats_resample_median(s, n, cnt, &a);
			double want;

			for (size_t i = 0; i < n; i++)
				draw[i] = s[rng_below(&b, n)];
			assert_int_equal(stats_median(draw, n, &want, &e), 0);
			assert_true(got == want);
		}
	}
}

static void test_bootstrap_seeded_and_edge_cases(void **state)
{
	const double x[] = { 10.2, 9.8, 10.5, 10.1, 9.9, 10.3, 10.0 };
	const double same[] = { 3.5, 3.5, 3.5, 3.5 }, one[] = { 42 }, two[] = { 1, 3 };
	struct stats_boot b;
	double lo1, hi1, lo2, hi2;
	struct herr e;

	(void)state;
	stats_boot_default(&b);
	assert_int_equal(stats_median_ci(x, 7, &b, &lo1, &hi1, &e), 0);
	assert_int_equal(stats_median_ci(x, 7, &b, &lo2, &hi2, &e), 0);
	assert_true(lo1 == lo2 && hi1 == hi2);
	assert_true(lo1 <= 10.1 && 10.1 <= hi1 && lo1 < hi1);
	assert_true(lo1 >= 9.8 && hi1 <= 10.5);
	b.seed = 12345;
	assert_int_equal(stats_median_ci(x, 7, &b, &lo2, &hi2, &e), 0);
	assert_true(lo2 >= 9.8 && hi2 <= 10.5);
	b.seed = STATS_SEED_DEFAULT;
	assert_int_equal(stats_median_ci(same, 4, &b, &lo1, &hi1, &e), 0);
	assert_true(lo1 == 3.5 && hi1 == 3.5);
	assert_int_equal(stats_median_ci(one, 1, &b, &lo1, &hi1, &e), 0);
	assert_true(lo1 == 42 && hi1 == 42);
	/* n = 2: resample medians are 1, 2 or 3. */
	assert_int_equal(stats_median_ci(two, 2, &b, &lo1, &hi1, &e), 0);
	assert_true(lo1 == 1 && hi1 == 3);
	b.resamples = 50;
	assert_int_equal(stats_median_ci(x, 7, &b, &lo1, &hi1, &e), -1);
	assert_non_null(strstr(e.msg, "resamples"));
}

static void test_non_finite_input_is_an_error(void **state)
{
	const double nan_in[] = { 1, 2, NAN }, inf_in[] = { INFINITY, 1 }, ok[] = { 1, 2, 3 };
	struct stats_summary s;
	struct compare_opts o;
	struct comparison c;
	struct stats_boot b;
	struct mwu_result m;
	struct herr e;
	double v;

	(void)state;
	stats_boot_default(&b);
	compare_opts_default(&o);
	assert_int_equal(stats_summarize(nan_in, 3, &b, &s, &e), -1);
	assert_non_null(strstr(e.msg, "value 3"));
	assert_int_equal(stats_median(inf_in, 2, &v, &e), -1);
	assert_non_null(strstr(e.msg, "value 1"));
	assert_int_equal(stats_median(ok, 0, &v, &e), -1);
	assert_non_null(strstr(e.msg, "no values"));
	assert_int_equal(mwu_test(ok, 3, nan_in, 3, MWU_AUTO, &m, &e), -1);
	assert_int_equal(compare_samples(ok, 3, inf_in, 2, &o, &c, &e), -1);
	assert_non_null(strstr(e.msg, "candidate"));
	o.alpha = 0;
	assert_int_equal(compare_samples(ok, 3, ok, 3, &o, &c, &e), -1);
	assert_non_null(strstr(e.msg, "alpha"));
}

static void test_means_and_geomean(void **state)
{
	const double rates[] = { 100, 200, 400 }, ratios[] = { 1.1, NAN, 0.9, 1.21 };
	const double neg[] = { 1, -1 }, bad_ratio[] = { 1.0, 0.0 }, none[] = { NAN, NAN };
	double v;
	size_t used;
	struct herr e;

	(void)state;
	assert_int_equal(stats_reduce_mean(KIND_RATE, rates, 3, &v, &e), 0);
	assert_true(fabs(v - 3 / (1.0 / 100 + 1.0 / 200 + 1.0 / 400)) < 1e-12);
	assert_int_equal(stats_reduce_mean(KIND_COUNTER, rates, 3, &v, &e), 0);
	assert_true(fabs(v - 700.0 / 3) < 1e-12);
	assert_int_equal(stats_reduce(KIND_GAUGE, rates, 3, &v, &e), 0);
	assert_true(v == 200);
	assert_int_equal(stats_harmonic_mean(neg, 2, &v, &e), -1);
	assert_int_equal(stats_geomean(ratios, 4, &v, &used, &e), 0);
	assert_int_equal(used, 3);
	assert_true(fabs(v - cbrt(1.1 * 0.9 * 1.21)) < 1e-12);
	assert_int_equal(stats_geomean(bad_ratio, 2, &v, &used, &e), -1);
	assert_non_null(strstr(e.msg, "ratio 2"));
	assert_int_equal(stats_geomean(none, 2, &v, &used, &e), 0);
	assert_true(isnan(v) && used == 0);
}

static void test_derived_metrics(void **state)
{
	struct measured miss = measured_ok(5000), instr = measured_ok(2e6);
	struct measured nc = { NAN, MS_NOT_COUNTED, "TLB events read zero under qemu" };
	struct measured r;

	(void)state;
	r = derived_per_kilo_instr(miss, instr);
	assert_int_equal(r.status, MS_OK);
	assert_true(r.value == 2.5);
	r = derived_per_gib(measured_ok(300), measured_ok(3.0 * 1073741824));
	assert_true(r.status == MS_OK && fabs(r.value - 100) < 1e-12);
	r = derived_per_file(measured_ok(4096 * 10), measured_ok(4));
	assert_true(r.value == 10240);
	/* Not counted propagates with its reason, never as 0. */
	r = derived_per_kilo_instr(nc, instr);
	assert_int_equal(r.status, MS_NOT_COUNTED);
	assert_true(isnan(r.value));
	assert_string_equal(r.reason, nc.reason);
	r = derived_per_kilo_instr(miss, nc);
	assert_int_equal(r.status, MS_NOT_COUNTED);
	assert_false(measured_has_value(r));
	r = derived_per_file(miss, measured_ok(0));
	assert_int_equal(r.status, MS_NOT_MEASURED);
	miss.status = MS_SCALED;
	r = derived_per_kilo_instr(miss, instr);
	assert_true(r.status == MS_SCALED && r.value == 2.5);
}

static void compare(const double *b, size_t nb, const double *c, size_t nc,
		    enum metric_better better, struct comparison *out)
{
	struct compare_opts o;
	struct herr e;

	compare_opts_default(&o);
	o.better = better;
	if (compare_samples(b, nb, c, nc, &o, out, &e) < 0)
		fail_msg("compare: %s", e.msg);
}

static void test_verdicts(void **state)
{
	const double base[] = { 100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1 };
	const double up[] = { 110, 111, 109, 110.5, 109.5, 110.2, 109.8, 110.1 };
	const double same[] = { 100.1, 100.9, 99.1, 100.4, 99.6, 100.3, 99.7, 100 };
	struct comparison c;

	(void)state;
	compare(base, 8, up, 8, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_WORSE);
	assert_true(c.ratio_lo > 1.08 && c.ratio_hi < 1.12 && c.p < 0.001);
	assert_true(fabs(c.diff - 10) < 1e-9);
	compare(base, 8, up, 8, BETTER_HIGHER, &c);
	assert_int_equal(c.verdict, VERDICT_BETTER);
	compare(up, 8, base, 8, BETTER_HIGHER, &c);
	assert_int_equal(c.verdict, VERDICT_WORSE);
	assert_non_null(strstr(c.reason, "lower"));
	compare(base, 8, up, 8, BETTER_NONE, &c);
	assert_int_equal(c.verdict, VERDICT_CHANGED);
	compare(base, 8, same, 8, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_NO_DIFFERENCE);
	assert_true(c.ratio_lo >= 0.98 && c.ratio_hi <= 1.02);
	/* Too few runs, whatever the data say. */
	compare(base, 2, up, 8, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(c.reason, "too few runs: 2 baseline"));
	compare(base, 3, up, 3, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(c.reason, "smallest p is 0.1"));
	assert_false(compare_testable(&c));
	compare(base, 4, up, 4, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_WORSE);
}

static void test_verdicts_zero_negative_and_noisy(void **state)
{
	const double zero[] = { 0, 0, 0, 0, 0 }, some[] = { 480, 500, 510, 495, 505 };
	const double neg[] = { -5, -6, -4, -5, -7 };
	const double wide_a[] = { 100, 80, 120, 95, 105, 130, 70 };
	const double wide_b[] = { 103, 84, 118, 99, 110, 128, 75 };
	struct comparison c;

	(void)state;
	compare(zero, 5, zero, 5, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_NO_DIFFERENCE);
	assert_true(c.ratio == 1 && c.ratio_lo == 1 && c.ratio_hi == 1);
	compare(zero, 5, some, 5, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_WORSE);
	assert_true(isinf(c.ratio) && c.diff == 500);
	compare(neg, 5, some, 5, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(c.reason, "negative"));
	assert_true(isnan(c.ratio) && !isnan(c.p));
	compare(wide_a, 7, wide_b, 7, BETTER_LOWER, &c);
	assert_int_equal(c.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(c.reason, "overlaps"));
}

/* A report re-decides with q: one weak difference among many nulls no
 * longer counts, a strong one still does. */
static void test_report_adjusts(void **state)
{
	const double base[] = { 100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1 };
	const double up[] = { 110, 111, 109, 110.5, 109.5, 110.2, 109.8, 110.1 };
	struct comparison c[20];
	struct herr e;

	(void)state;
	compare(base, 8, up, 8, BETTER_LOWER, &c[0]);
	compare(base, 8, base, 8, BETTER_LOWER, &c[1]);
	/* A weak one: significant alone, with p = 0.02 */
	c[1].p = 0.02;
	c[1].ratio = 1.05, c[1].ratio_lo = 1.03, c[1].ratio_hi = 1.07;
	compare_decide(&c[1]);
	assert_int_equal(c[1].verdict, VERDICT_WORSE);
	for (int i = 2; i < 20; i++)
		compare(base, 8, base, 8, BETTER_LOWER, &c[i]);
	compare(base, 2, up, 2, BETTER_LOWER, &c[19]);	/* not a test */
	assert_int_equal(compare_report(c, 20, &e), 0);
	assert_int_equal(c[0].verdict, VERDICT_WORSE);
	assert_true(c[0].q >= c[0].p && c[0].q <= c[0].p * 19);
	assert_int_equal(c[1].verdict, VERDICT_INCONCLUSIVE);
	assert_true(fabs(c[1].q - 0.19) < 1e-12);	/* 0.02 * 19 / 2 */
	assert_non_null(strstr(c[1].reason, "q = 0.19"));
	assert_true(isnan(c[19].q));
	assert_int_equal(c[19].verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(c[5].verdict, VERDICT_NO_DIFFERENCE);
	assert_string_equal(verdict_name(c[1].verdict), "inconclusive");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_matches_scipy),
		cmocka_unit_test(test_mwu_matches_scipy),
		cmocka_unit_test(test_mwu_auto_and_limits),
		cmocka_unit_test(test_bh_matches_scipy),
		cmocka_unit_test(test_bh_skips_nan_and_rejects_bad_p),
		cmocka_unit_test(test_resample_median_is_the_median),
		cmocka_unit_test(test_bootstrap_seeded_and_edge_cases),
		cmocka_unit_test(test_non_finite_input_is_an_error),
		cmocka_unit_test(test_means_and_geomean),
		cmocka_unit_test(test_derived_metrics),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_verdicts_zero_negative_and_noisy),
		cmocka_unit_test(test_report_adjusts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
