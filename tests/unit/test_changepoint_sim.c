/* Simulation of change points at the defaults (changepoint.h): generated
 * histories with one or two planted steps, and without any. Seeded, so
 * every run counts the same; the rates are printed.
 *
 * A generated history is what `harness history` reads: one value per
 * sweep, the median of that sweep's runs of the cell. Runs are lognormal
 * with a CV of 1-3% (the run-to-run noise the report simulation uses);
 * each sweep has SIM_RUNS runs. Steps are 2-10% up or down, at least
 * SIM_MIN_SEG sweeps apart and from either end; histories are 20-60 sweeps.
 *
 * CP_SIM_TABLE=1 also prints the table behind the defaults (docs/ci.md,
 * "Change points in history"): other max p, minimum magnitudes, runs per
 * sweep, and the placement rate by step / noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/changepoint.h"
#include "analysis/rng.h"
#include "analysis/stats.h"

#define SIM_MAXN 60
#define SIM_MINN 20
#define SIM_RUNS 10
#define SIM_MIN_SEG 8
#define SIM_SERIES 200

static double normal01(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2 * log1p(-u)) * cos(2 * M_PI * v);
}

static double uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

/* The median of `runs` lognormal runs with median m and CV cv. */
static double sweep_value(struct rng *r, double m, double cv, unsigned runs)
{
	double sigma = sqrt(log1p(cv * cv)), x[64], med;
	struct herr e;

	for (unsigned i = 0; i < runs; i++)
		x[i] = m * exp(sigma * normal01(r));
	if (stats_median(x, runs, &med, &e) < 0)
		fail_msg("median: %s", e.msg);
	return med;
}

struct series {
	double x[SIM_MAXN];
	size_t n;
	size_t step[2];		/* planted: the first sweep after each */
	size_t nstep;
	double size[2], cv;
};

/* Step positions at least SIM_MIN_SEG apart and from the ends. */
static void place_steps(struct rng *r, struct series *s)
{
	size_t room = s->n - (s->nstep + 1) * SIM_MIN_SEG;
	size_t a = rng_below(r, room + 1), b = rng_below(r, room + 1);

	if (s->nstep == 1) {
		s->step[0] = SIM_MIN_SEG + a;
		return;
	}
	if (a > b) {
		size_t t = a;

		a = b;
		b = t;
	}
	s->step[0] = SIM_MIN_SEG + a;
	s->step[1] = 2 * SIM_MIN_SEG + b;
}

struct gen {
	double step_lo, step_hi, cv_lo, cv_hi;
	unsigned runs;
	/* Steps smaller than this many sd of a sweep's value are drawn again
	 * (0: none): the sd of a median of `runs` lognormal runs is about
	 * sqrt(pi / 2) cv / sqrt(runs). */
	double min_sd;
};

static double point_sd(double cv, unsigned runs)
{
	return sqrt(M_PI / 2) * cv / sqrt((double)runs);
}

static double draw_step(struct rng *r, const struct gen *g, double cv)
{
	double st;

	do
		st = uniform(r, g->step_lo, g->step_hi);
	while (st < g->min_sd * point_sd(cv, g->runs));
	return st * (rng_below(r, 2) ? 1 : -1);
}

static void generate(struct rng *r, const struct gen *g, size_t nstep, struct series *s)
{
	double level = 1000;
	size_t minn = SIM_MINN > (nstep + 1) * SIM_MIN_SEG ? SIM_MINN : (nstep + 1) * SIM_MIN_SEG;

	s->n = minn + rng_below(r, SIM_MAXN - minn + 1);
	s->nstep = nstep;
	s->cv = uniform(r, g->cv_lo, g->cv_hi);
	if (nstep)
		place_steps(r, s);
	for (size_t k = 0; k < nstep; k++)
		s->size[k] = draw_step(r, g, s->cv);
	for (size_t i = 0, k = 0; i < s->n; i++) {
		if (k < nstep && i == s->step[k])
			level *= 1 + s->size[k++];
		s->x[i] = sweep_value(r, level, s->cv, g->runs);
	}
}

struct tally {
	unsigned series, exact, missed, extra, any;
};

/* Exact: the change points found are the planted steps, no more, no less. */
static void score(struct tally *t, const struct series *s, const struct changepoint *cp,
		  size_t ncp)
{
	int same = ncp == s->nstep;

	for (size_t k = 0; same && k < ncp; k++)
		same = cp[k].index == s->step[k];
	t->series++;
	t->exact += same;
	t->any += ncp > 0;
	t->extra += ncp > s->nstep;
	t->missed += ncp < s->nstep;
}

static struct tally simulate(const struct gen *g, const struct cp_opts *o, size_t nstep_lo,
			     size_t nstep_hi, unsigned count, uint64_t seed)
{
	struct tally t = { 0 };
	struct rng r;

	rng_seed(&r, seed);
	for (unsigned i = 0; i < count; i++) {
		struct series s;
		struct changepoint *cp;
		size_t ncp;
		struct herr e;

		generate(&r, g, nstep_lo + i % (nstep_hi - nstep_lo + 1), &s);
		if (cp_find(s.x, s.n, o, &cp, &ncp, &e) < 0)
			fail_msg("cp_find: %s", e.msg);
		score(&t, &s, cp, ncp);
		free(cp);
	}
	return t;
}

static double pct(unsigned k, unsigned n)
{
	return n ? 100.0 * k / n : 0;
}

static const struct gen default_gen = { 0.02, 0.10, 0.01, 0.03, SIM_RUNS, 0 };

static void print_tally(const char *what, const struct tally *t)
{
	printf("change points: %u series, %s: %.1f%% placed exactly, %.1f%% with a step "
	       "missed, %.1f%% with an extra one\n", t->series, what, pct(t->exact, t->series),
	       pct(t->missed, t->series), pct(t->extra, t->series));
}

/* The whole range: steps of 2% at CV 3% are within 1.7 sd of a sweep's
 * value, where no method places them exactly every time (knowing both
 * levels and that there is one step, a likelihood search places 54%).
 * Over the range that bound is about 96%; the guard here is 90%. */
static void test_planted_steps_all(void **state)
{
	struct cp_opts o;
	struct tally t;

	cp_opts_default(&o);
	t = simulate(&default_gen, &o, 1, 2, SIM_SERIES, 11);
	print_tally("1 or 2 steps of 2-10%, CV 1-3%, 10 runs a sweep, 20-60 sweeps", &t);
	assert_true(t.series >= 100);
	assert_true(t.exact >= 0.90 * t.series);
}

/* Steps of at least 3 sd of a sweep's value (2-10%, CV 1-3%, the step
 * drawn again when smaller): the limit of 95% applies here. */
static void test_planted_steps_resolvable(void **state)
{
	struct gen g = default_gen;
	struct cp_opts o;
	struct tally t;

	g.min_sd = 3;
	cp_opts_default(&o);
	t = simulate(&g, &o, 1, 2, SIM_SERIES, 13);
	print_tally("1 or 2 steps of 2-10% and >= 3 sd, CV 1-3%, 10 runs a sweep, 20-60 sweeps",
		    &t);
	printf("change points: limit >= 95%% placed exactly\n");
	assert_true(t.series >= 100);
	assert_true(t.exact >= 0.95 * t.series);
}

static void test_no_step_no_change(void **state)
{
	struct cp_opts o;
	struct tally t;

	cp_opts_default(&o);
	t = simulate(&default_gen, &o, 0, 0, SIM_SERIES, 12);
	printf("change points: %u series without a step, CV 1-3%%: %.1f%% show one (limit <= 5%%)\n",
	       t.series, pct(t.any, t.series));
	assert_true(t.series >= 100);
	assert_true(t.any <= 0.05 * t.series);
}

/* The table behind the defaults. */
static void table_row(const char *label, const struct gen *g, const struct cp_opts *o)
{
	struct tally s = simulate(g, o, 1, 2, SIM_SERIES, 21);
	struct tally z = simulate(g, o, 0, 0, SIM_SERIES, 22);

	printf("%-34s %6.1f%% %6.1f%% %6.1f%% %6.1f%%\n", label, pct(s.exact, s.series),
	       pct(s.missed, s.series), pct(s.extra, s.series), pct(z.any, z.series));
}

static void print_table(void)
{
	static const double ps[] = { 0.05, 0.01, 0.001 };
	static const double mags[] = { 0, 0.01, 0.02 };
	static const unsigned runs[] = { 1, 3, 5, 10, 20 };
	static const unsigned perms[] = { 999, 1999, 4999 };
	struct cp_opts o;
	char label[64];
	struct gen g;

	printf("%-34s %7s %7s %7s %7s\n", "setting", "exact", "missed", "extra", "null");
	for (size_t i = 0; i < sizeof(ps) / sizeof(*ps); i++) {
		cp_opts_default(&o);
		o.max_p = ps[i];
		snprintf(label, sizeof(label), "max_p %g", ps[i]);
		table_row(label, &default_gen, &o);
	}
	for (size_t i = 0; i < sizeof(mags) / sizeof(*mags); i++) {
		cp_opts_default(&o);
		o.min_magnitude = mags[i];
		snprintf(label, sizeof(label), "min_magnitude %g", mags[i]);
		table_row(label, &default_gen, &o);
	}
	for (size_t i = 0; i < sizeof(perms) / sizeof(*perms); i++) {
		cp_opts_default(&o);
		o.permutations = perms[i];
		snprintf(label, sizeof(label), "permutations %u", perms[i]);
		table_row(label, &default_gen, &o);
	}
	cp_opts_default(&o);
	for (size_t i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		g = default_gen;
		g.runs = runs[i];
		snprintf(label, sizeof(label), "runs a sweep %u", runs[i]);
		table_row(label, &g, &o);
	}
	for (double st = 0.02; st < 0.105; st += 0.02)
		for (double cv = 0.01; cv < 0.035; cv += 0.01) {
			g = (struct gen){ st, st, cv, cv, SIM_RUNS, 0 };
			snprintf(label, sizeof(label), "step %.0f%% CV %.0f%%", st * 100, cv * 100);
			table_row(label, &g, &o);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted_steps_all),
		cmocka_unit_test(test_planted_steps_resolvable),
		cmocka_unit_test(test_no_step_no_change),
	};

	if (getenv("CP_SIM_TABLE"))
		print_table();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
