/* E-Divisive means change points (analysis/changepoint.h): the energy
 * statistic by hand, the running sums against the plain ones, placement,
 * magnitudes, pruning, reproducibility and every input error. The rates
 * over generated histories are in test_changepoint_sim.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/changepoint.h"
#include "analysis/rng.h"

/* This cmocka has no assert_double_equal. */
#define assert_close(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

/* A level with a little deterministic noise (+-0.25%), then `after`. */
static void steps(double *x, size_t n, const size_t *at, const double *level, size_t nlevel)
{
	struct rng r;

	rng_seed(&r, 7);
	for (size_t i = 0, k = 0; i < n; i++) {
		while (k + 1 < nlevel && i == at[k])
			k++;
		x[i] = level[k] * (1 + 0.005 * (rng_uniform(&r) - 0.5));
	}
}

static size_t find(const double *x, size_t n, const struct cp_opts *o, struct changepoint **cp)
{
	struct herr e;
	size_t count;

	if (cp_find(x, n, o, cp, &count, &e) < 0)
		fail_msg("cp_find: %s", e.msg);
	return count;
}

static void test_energy_by_hand(void **state)
{
	/* X = {0, 0}, Y = {1, 1}: across 4 pairs of 1, within 0; E = 2 * 4 / 4
	 * = 2, Q = 2 * 2 / 4 * 2 = 2. */
	const double a[] = { 0, 0, 1, 1 };
	/* X = {1, 2}, Y = {4, 8}: across 3+7+2+6 = 18, within 1 and 4:
	 * E = 36/4 - 1 - 4 = 4, Q = 4 * 1 = 4. */
	const double b[] = { 1, 2, 4, 8 };

	assert_close(cp_energy(a, 4, 2), 2, 1e-12);
	assert_close(cp_energy(b, 4, 2), 4, 1e-12);
}

static void test_one_step(void **state)
{
	double x[30];
	const size_t at[] = { 18 };
	const double level[] = { 1000, 1050 };
	struct changepoint *cp;
	struct cp_opts o;

	cp_opts_default(&o);
	steps(x, 30, at, level, 2);
	assert_int_equal(find(x, 30, &o, &cp), 1);
	assert_int_equal(cp[0].index, 18);
	assert_close(cp[0].magnitude, (cp[0].after - cp[0].before) / cp[0].before, 1e-12);
	assert_true(fabs(cp[0].magnitude - 0.05) < 0.005);
	assert_close(cp[0].p, 1.0 / (1 + o.permutations), 1e-15);
	/* The running sums of the search against the plain ones (Y runs to
	 * the end here: nothing after the step to stop at). */
	assert_close(cp[0].q, cp_energy(x, 30, 18), 1e-9 * cp[0].q);
	free(cp);
}

/* Up, then back down: a split with Y running to the end mixes both levels;
 * kappa lets Y stop at the return. */
static void test_step_that_returns(void **state)
{
	double x[36];
	const size_t at[] = { 12, 24 };
	const double level[] = { 1000, 1060, 1000 };
	struct changepoint *cp;
	struct cp_opts o;

	cp_opts_default(&o);
	steps(x, 36, at, level, 3);
	assert_int_equal(find(x, 36, &o, &cp), 2);
	assert_int_equal(cp[0].index, 12);
	assert_int_equal(cp[1].index, 24);
	assert_true(cp[0].magnitude > 0.05 && cp[1].magnitude < -0.05);
	free(cp);
}

static void test_quiet_and_short(void **state)
{
	double x[40];
	struct changepoint *cp = (void *)1;
	struct cp_opts o;
	const size_t at[] = { 40 };
	const double level[] = { 500 };

	cp_opts_default(&o);
	steps(x, 40, at, level, 1);
	assert_int_equal(find(x, 40, &o, &cp), 0);
	assert_null(cp);
	/* Fewer than 2 * min_segment values: nothing to split, no error. */
	assert_int_equal(find((const double[]){ 1, 2, 3, 4, 5 }, 5, &o, &cp), 0);
	assert_int_equal(find(x, 0, &o, &cp), 0);
	/* All equal: every distance 0, Q 0 everywhere, every shuffle reaches
	 * it. */
	for (size_t i = 0; i < 40; i++)
		x[i] = 3;
	assert_int_equal(find(x, 40, &o, &cp), 0);
}

/* A real but small step is kept at min_magnitude 0 and dropped at 1%. */
static void test_min_magnitude(void **state)
{
	double x[30];
	struct changepoint *cp;
	struct cp_opts o;

	cp_opts_default(&o);
	for (size_t i = 0; i < 30; i++)
		x[i] = (i < 15 ? 1000 : 1005) + (double)(i % 3) * 0.1;
	assert_int_equal(find(x, 30, &o, &cp), 0);
	o.min_magnitude = 0;
	assert_int_equal(find(x, 30, &o, &cp), 1);
	assert_int_equal(cp[0].index, 15);
	assert_close(cp[0].before, 1000.1, 1e-9);
	assert_close(cp[0].after, 1005.1, 1e-9);
	free(cp);
}

/* From 0 the relative step is infinite, with the sign of the change. */
static void test_from_zero(void **state)
{
	double x[20] = { 0 };
	struct changepoint *cp;
	struct cp_opts o;

	cp_opts_default(&o);
	for (size_t i = 10; i < 20; i++)
		x[i] = 5 + (double)(i % 2);
	assert_int_equal(find(x, 20, &o, &cp), 1);
	assert_int_equal(cp[0].index, 10);
	assert_true(isinf(cp[0].magnitude) && cp[0].magnitude > 0);
	free(cp);
}

/* Same input and seed, same answer; the shuffles of a segment do not
 * depend on the order the search visits segments in. */
static void test_reproducible(void **state)
{
	double x[50];
	struct rng r;
	struct changepoint *a, *b;
	struct cp_opts o;
	size_t na, nb;

	cp_opts_default(&o);
	o.max_p = 0.05;	/* borderline splits, where the shuffles decide */
	o.min_magnitude = 0;
	rng_seed(&r, 3);
	for (size_t i = 0; i < 50; i++)
		x[i] = 100 + rng_uniform(&r) + (i >= 30 ? 0.4 : 0);
	na = find(x, 50, &o, &a);
	nb = find(x, 50, &o, &b);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].index, b[i].index);
		assert_true(a[i].p == b[i].p && a[i].q == b[i].q);
	}
	free(a);
	free(b);
}

static void expect_error(const double *x, size_t n, const struct cp_opts *o, const char *word)
{
	struct changepoint *cp;
	struct herr e;
	size_t count;

	assert_int_equal(cp_find(x, n, o, &cp, &count, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, word));
	assert_null(cp);
}

/* Box-Muller: the noise of a sweep's median. */
static double gauss(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* The drop in squared error of one step at t in x[lo..hi). */
static double fit(const double *x, size_t lo, size_t hi, size_t t)
{
	double a = 0, b = 0, m = (double)(t - lo), k = (double)(hi - t);

	for (size_t i = lo; i < hi; i++)
		*(i < t ? &a : &b) += x[i];
	return m * k / (m + k) * (a / m - b / k) * (a / m - b / k);
}

/* A found change point is where one step fits best near it (refinement:
 * no split within 3 sweeps, 3 values from the series' ends, fits better),
 * and a 2% step at an sd of 0.5% (4 sd), 8 sweeps before it and 32
 * after, is placed exactly nearly always (38 of 40). */
static void test_step_fit(void **state)
{
	unsigned found = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		double x[40];
		struct changepoint *cp;
		struct cp_opts o;
		struct rng r;
		size_t n;

		rng_seed(&r, seed);
		for (size_t i = 0; i < 40; i++)
			x[i] = (i < 8 ? 1000 : 1020) * (1 + 0.005 * gauss(&r));
		cp_opts_default(&o);
		n = find(x, 40, &o, &cp);
		found += n == 1 && cp[0].index == 8;
		for (size_t k = 0; n == 1 && k < 40; k++)
			if (k >= 3 && k <= 37 && (k + 3 >= cp[0].index && k <= cp[0].index + 3))
				assert_true(fit(x, 0, 40, k) <= fit(x, 0, 40, cp[0].index) * (1 + 1e-12));
		free(cp);
	}
	print_message("step fit: a 2%% step at sd 0.5%%, 8 + 32 sweeps: %u of 40 placed exactly\n", found);
	assert_true(found >= 36);
}

static void test_errors(void **state)
{
	double x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct cp_opts o;

	cp_opts_default(&o);
	x[5] = NAN;
	expect_error(x, 8, &o, "value 6");
	x[5] = 6;
	o.max_p = 0;
	expect_error(x, 8, &o, "max p");
	cp_opts_default(&o);
	o.permutations = 0;
	expect_error(x, 8, &o, "permutations");
	cp_opts_default(&o);
	o.min_magnitude = -0.1;
	expect_error(x, 8, &o, "negative");
	cp_opts_default(&o);
	o.min_segment = 1;
	expect_error(x, 8, &o, "below 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_energy_by_hand),
		cmocka_unit_test(test_one_step),
		cmocka_unit_test(test_step_that_returns),
		cmocka_unit_test(test_quiet_and_short),
		cmocka_unit_test(test_min_magnitude),
		cmocka_unit_test(test_from_zero),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_step_fit),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
