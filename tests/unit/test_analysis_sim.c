/* Simulation of the verdict at the default settings (compare.h): false
 * alarms of A/A comparisons, power against a 5% shift, false discoveries in
 * a BH-adjusted report of 100 metrics, and the bootstrap CI's coverage.
 * Seeded, so every run counts the same; the rates are printed.
 *
 * ANALYSIS_SIM_TABLE=1 also prints the table behind the defaults
 * (docs/report.md, "Statistics"): other alphas, noise floors, n and
 * bootstrap resamples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/compare.h"
#include "analysis/rng.h"
#include "analysis/stats.h"

#define MAXN 64

static double normal01(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2 * log1p(-u)) * cos(2 * M_PI * v);
}

/* Lognormal runs with median `median` and coefficient of variation cv:
 * timings and counts are skewed to the right like this. */
static void runs(struct rng *r, double *x, size_t n, double median, double cv)
{
	double sigma = sqrt(log1p(cv * cv));

	for (size_t i = 0; i < n; i++)
		x[i] = median * exp(sigma * normal01(r));
}

struct tally {
	unsigned total, different, no_difference, inconclusive;
};

static void count(struct tally *t, enum verdict v)
{
	t->total++;
	if (v == VERDICT_NO_DIFFERENCE)
		t->no_difference++;
	else if (v == VERDICT_INCONCLUSIVE)
		t->inconclusive++;
	else
		t->different++;
}

static double rate(unsigned k, unsigned total)
{
	return total ? (double)k / total : 0;
}

static void compare_once(const double *b, const double *c, size_t n,
			 const struct compare_opts *o, struct comparison *out)
{
	struct herr e;

	if (compare_samples(b, n, c, n, o, out, &e) < 0)
		fail_msg("compare: %s", e.msg);
}

/* `count` comparisons of candidate = baseline x shift, the CV cycling
 * through cv[0..ncv). */
static struct tally simulate(const struct compare_opts *o, size_t n, const double *cv,
			     size_t ncv, double shift, unsigned comparisons, uint64_t seed)
{
	double b[MAXN], c[MAXN];
	struct tally t = { 0 };
	struct comparison cmp;
	struct rng r;

	rng_seed(&r, seed);
	for (unsigned k = 0; k < comparisons; k++) {
		double s = cv[k % ncv];

		runs(&r, b, n, 1000, s);
		runs(&r, c, n, 1000 * shift, s);
		compare_once(b, c, n, o, &cmp);
		count(&t, cmp.verdict);
	}
	return t;
}

/* Mean number of differences over `reports` reports of `metrics` A/A
 * comparisons each, BH-adjusted; *any gets the share of reports with at
 * least one. */
static double simulate_reports(const struct compare_opts *o, size_t n, unsigned metrics,
			       unsigned reports, uint64_t seed, double *any)
{
	struct comparison *c = calloc(metrics, sizeof(*c));
	double b[MAXN], x[MAXN];
	unsigned found = 0, with_any = 0;
	struct herr e;
	struct rng r;

	assert_non_null(c);
	rng_seed(&r, seed);
	for (unsigned rep = 0; rep < reports; rep++) {
		unsigned here = 0;

		for (unsigned m = 0; m < metrics; m++) {
			double cv = 0.01 + 0.04 * rng_uniform(&r);

			runs(&r, b, n, 1000, cv);
			runs(&r, x, n, 1000, cv);
			compare_once(b, x, n, o, &c[m]);
		}
		assert_int_equal(compare_report(c, metrics, &e), 0);
		for (unsigned m = 0; m < metrics; m++)
			here += c[m].verdict == VERDICT_BETTER || c[m].verdict == VERDICT_WORSE ||
				c[m].verdict == VERDICT_CHANGED;
		found += here;
		with_any += here > 0;
	}
	free(c);
	*any = rate(with_any, reports);
	return (double)found / reports;
}

static const double aa_cv[] = { 0.01, 0.02, 0.03, 0.04, 0.05 };

static void test_aa_false_alarms(void **state)
{
	struct compare_opts o;
	struct tally t;

	(void)state;
	compare_opts_default(&o);
	o.better = BETTER_LOWER;
	t = simulate(&o, 10, aa_cv, 5, 1.0, 500, 1);
	printf("A/A, n = 10, CV 1-5%%: %u comparisons, %.2f%% called different, "
	       "%.1f%% no difference, %.1f%% inconclusive\n", t.total,
	       100 * rate(t.different, t.total), 100 * rate(t.no_difference, t.total),
	       100 * rate(t.inconclusive, t.total));
	assert_true(t.total >= 200);
	assert_true(rate(t.different, t.total) <= 0.01);
	/* At CV 1% the band of 2% must be reachable: A/A is mostly "no difference". */
	t = simulate(&o, 10, aa_cv, 1, 1.0, 200, 2);
	printf("A/A, n = 10, CV 1%%: %.1f%% no difference\n", 100 * rate(t.no_difference, t.total));
	assert_true(rate(t.no_difference, t.total) >= 0.9);
}

static void test_power_5pct_shift(void **state)
{
	const double cv1[] = { 0.01 };
	struct compare_opts o;
	struct tally t;

	(void)state;
	compare_opts_default(&o);
	o.better = BETTER_LOWER;
	t = simulate(&o, 10, cv1, 1, 1.05, 300, 3);
	printf("5%% shift, n = 10, CV 1%%: %u comparisons, %.1f%% called different\n",
	       t.total, 100 * rate(t.different, t.total));
	assert_true(rate(t.different, t.total) >= 0.95);
}

static void test_report_false_discoveries(void **state)
{
	struct compare_opts o;
	double mean, any;

	(void)state;
	compare_opts_default(&o);
	o.better = BETTER_LOWER;
	mean = simulate_reports(&o, 10, 100, 50, 4, &any);
	printf("A/A reports of 100 metrics (n = 10, CV 1-5%%, BH): %.3f false differences "
	       "per report on average over 50; %.0f%% of reports have any\n", mean, 100 * any);
	assert_true(mean <= 1.0);
}

/* Coverage of the 95% bootstrap CI of the median: percentile intervals of
 * a median undercover at small n; at n = 20 they should be near 95%. */
static double coverage(size_t n, unsigned trials, unsigned resamples, uint64_t seed)
{
	struct stats_boot b;
	double x[MAXN], lo, hi;
	unsigned hit = 0;
	struct herr e;
	struct rng r;

	stats_boot_default(&b);
	b.resamples = resamples;
	rng_seed(&r, seed);
	for (unsigned k = 0; k < trials; k++) {
		runs(&r, x, n, 1000, 0.03);	/* true median 1000 */
		b.seed = k;
		assert_int_equal(stats_median_ci(x, n, &b, &lo, &hi, &e), 0);
		hit += lo <= 1000 && 1000 <= hi;
	}
	return rate(hit, trials);
}

static void test_bootstrap_coverage(void **state)
{
	double c20 = coverage(20, 400, STATS_RESAMPLES_DEFAULT, 5);

	(void)state;
	printf("bootstrap 95%% CI of the median, n = 20: coverage %.1f%% over 400 samples\n",
	       100 * c20);
	assert_true(c20 >= 0.90 && c20 <= 0.99);
}

/* Monte Carlo error of the CI endpoints: the spread of ci_lo over bootstrap
 * seeds of one sample, relative to the CI's half-width. */
static double endpoint_error(unsigned resamples)
{
	double x[10], lo, hi, sum = 0, ss = 0, half = 0;
	struct stats_boot b;
	struct herr e;
	struct rng r;
	const unsigned seeds = 100;

	rng_seed(&r, 6);
	runs(&r, x, 10, 1000, 0.03);
	stats_boot_default(&b);
	b.resamples = resamples;
	for (unsigned s = 0; s < seeds; s++) {
		b.seed = s + 1;
		assert_int_equal(stats_median_ci(x, 10, &b, &lo, &hi, &e), 0);
		sum += lo;
		ss += lo * lo;
		half += (hi - lo) / 2;
	}
	sum /= seeds;
	return sqrt(fmax(0, ss / seeds - sum * sum)) / (half / seeds);
}

static void print_table(void)
{
	const double alphas[] = { 0.01, 0.05, 0.10 }, floors[] = { 0.01, 0.02, 0.03 };
	const double cv1[] = { 0.01 }, cv2[] = { 0.02 };
	const unsigned resamples[] = { 500, 1000, 2000, 5000 };
	struct compare_opts o;

	compare_opts_default(&o);
	o.better = BETTER_LOWER;
	printf("\nalpha  floor  n   A/A diff  A/A nodiff  5%%@CV1 diff  3%%@CV2 diff  report FD\n");
	for (size_t a = 0; a < 3; a++)
		for (size_t f = 0; f < 3; f++)
			for (size_t n = 5; n <= 20; n *= 2) {
				struct tally aa, p5, p3;
				double fd, any;

				o.alpha = alphas[a];
				o.noise_floor = floors[f];
				aa = simulate(&o, n, aa_cv, 5, 1.0, 500, 11);
				p5 = simulate(&o, n, cv1, 1, 1.05, 200, 12);
				p3 = simulate(&o, n, cv2, 1, 1.03, 200, 13);
				fd = simulate_reports(&o, n, 100, 10, 14, &any);
				printf("%.2f   %.2f  %2zu  %6.2f%%   %6.1f%%     %6.1f%%      %6.1f%%     %.2f\n",
				       o.alpha, o.noise_floor, n, 100 * rate(aa.different, aa.total),
				       100 * rate(aa.no_difference, aa.total),
				       100 * rate(p5.different, p5.total),
				       100 * rate(p3.different, p3.total), fd);
			}
	printf("\nresamples  endpoint MC error / half-width   coverage n=10  n=20\n");
	for (size_t k = 0; k < 4; k++)
		printf("%9u  %6.3f                           %5.1f%%      %5.1f%%\n", resamples[k],
		       endpoint_error(resamples[k]), 100 * coverage(10, 400, resamples[k], 7),
		       100 * coverage(20, 400, resamples[k], 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aa_false_alarms),
		cmocka_unit_test(test_power_5pct_shift),
		cmocka_unit_test(test_report_false_discoveries),
		cmocka_unit_test(test_bootstrap_coverage),
	};
	const char *table = getenv("ANALYSIS_SIM_TABLE");

	if (table && *table == '1')
		print_table();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
