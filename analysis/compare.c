/* A candidate against a baseline; see compare.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/compare.h"
#include "analysis/rng.h"

void compare_opts_default(struct compare_opts *o)
{
	o->alpha = COMPARE_ALPHA_DEFAULT;
	o->noise_floor = COMPARE_NOISE_FLOOR_DEFAULT;
	o->min_n = COMPARE_MIN_N_DEFAULT;
	o->better = BETTER_NONE;
	o->method = MWU_AUTO;
	stats_boot_default(&o->boot);
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_NO_DIFFERENCE: return "no difference";
	case VERDICT_BETTER: return "better";
	case VERDICT_WORSE: return "worse";
	case VERDICT_CHANGED: return "changed";
	case VERDICT_INCONCLUSIVE: break;
	}
	return "inconclusive";
}

static int check_opts(const struct compare_opts *o, struct herr *e)
{
	if (!(o->alpha > 0 && o->alpha < 1))
		return herr_set(e, EXIT_USAGE, "compare: alpha %g not in (0, 1)", o->alpha);
	if (!(o->noise_floor >= 0 && o->noise_floor < 1))
		return herr_set(e, EXIT_USAGE, "compare: noise floor %g not in [0, 1)",
				o->noise_floor);
	if (o->min_n < 1)
		return herr_set(e, EXIT_USAGE, "compare: min_n must be at least 1");
	if (o->boot.resamples < 100 || !(o->boot.level > 0 && o->boot.level < 1))
		return herr_set(e, EXIT_USAGE, "compare: bootstrap of %u resamples at level %g",
				o->boot.resamples, o->boot.level);
	return 0;
}

/* The ratio extended to a zero baseline (see compare.h). */
static double ext_ratio(double cand, double base)
{
	if (base > 0)
		return cand / base;
	return cand == 0 ? 1 : INFINITY;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile-bootstrap CI of the ratio of medians, each group resampled
 * on its own. sb, sc sorted. */
static int ratio_ci(const double *sb, size_t nb, const double *sc, size_t nc,
		    const struct stats_boot *b, double *lo, double *hi,
		    struct herr *e)
{
	double *rat = malloc(b->resamples * sizeof(*rat));
	unsigned *cnt = malloc((nb > nc ? nb : nc) * sizeof(*cnt));
	struct rng r;

	if (!rat || !cnt) {
		free(rat);
		free(cnt);
		return herr_set(e, EXIT_RUNTIME, "compare: out of memory for the bootstrap");
	}
	rng_seed(&r, b->seed);
	for (unsigned k = 0; k < b->resamples; k++) {
		double mb = stats_resample_median(sb, nb, cnt, &r);
		double mc = stats_resample_median(sc, nc, cnt, &r);

		rat[k] = ext_ratio(mc, mb);
	}
	qsort(rat, b->resamples, sizeof(*rat), cmp_double);
	*lo = stats_quantile_sorted(rat, b->resamples, (1 - b->level) / 2);
	*hi = stats_quantile_sorted(rat, b->resamples, (1 + b->level) / 2);
	free(rat);
	free(cnt);
	return 0;
}

static void init_comparison(struct comparison *c, const struct compare_opts *o,
			    size_t nb, size_t nc)
{
	*c = (struct comparison){
		.n_base = nb, .n_cand = nc,
		.ratio = NAN, .ratio_lo = NAN, .ratio_hi = NAN,
		.p = NAN, .q = NAN, .u1 = NAN,
		.alpha = o->alpha, .noise_floor = o->noise_floor,
		.min_n = o->min_n, .better = o->better,
		.verdict = VERDICT_INCONCLUSIVE,
	};
}

/* Medians, ratio and its CI, from sorted copies. */
static int ratio_figures(struct comparison *c, const double *sb, const double *sc,
			 const struct compare_opts *o, struct herr *e)
{
	size_t nb = c->n_base, nc = c->n_cand;

	c->median_base = stats_median_sorted(sb, nb);
	c->median_cand = stats_median_sorted(sc, nc);
	c->diff = c->median_cand - c->median_base;
	if (sb[0] < 0 || sc[0] < 0)
		return 0;	/* ratio undefined */
	c->ratio = ext_ratio(c->median_cand, c->median_base);
	return ratio_ci(sb, nb, sc, nc, &o->boot, &c->ratio_lo, &c->ratio_hi, e);
}

int compare_samples(const double *base, size_t n_base, const double *cand,
		    size_t n_cand, const struct compare_opts *o,
		    struct comparison *c, struct herr *e)
{
	struct mwu_result mw;
	double *sb, *sc = NULL;
	int rc = -1;

	if (check_opts(o, e) < 0 || stats_check(base, n_base, "baseline", e) < 0 ||
	    stats_check(cand, n_cand, "candidate", e) < 0)
		return -1;
	init_comparison(c, o, n_base, n_cand);
	sb = stats_sorted_copy(base, n_base, e);
	if (sb)
		sc = stats_sorted_copy(cand, n_cand, e);
	if (sc && ratio_figures(c, sb, sc, o, e) == 0 &&
	    mwu_test(cand, n_cand, base, n_base, o->method, &mw, e) == 0) {
		c->u1 = mw.u1;
		c->p = mw.p;
		c->method = mw.method;
		compare_decide(c);
		rc = 0;
	}
	free(sb);
	free(sc);
	return rc;
}

static int too_few_runs(const struct comparison *c)
{
	return c->n_base < c->min_n || c->n_cand < c->min_n ||
	       mwu_min_p(c->n_base, c->n_cand) > c->alpha;
}

int compare_testable(const struct comparison *c)
{
	return !too_few_runs(c) && !isnan(c->ratio);
}

static void decide_difference(struct comparison *c, const char *pname, double p)
{
	int higher = c->ratio_lo > 1 + c->noise_floor;

	if (c->better == BETTER_NONE)
		c->verdict = VERDICT_CHANGED;
	else if (higher == (c->better == BETTER_HIGHER))
		c->verdict = VERDICT_BETTER;
	else
		c->verdict = VERDICT_WORSE;
	snprintf(c->reason, sizeof(c->reason), "%s: ratio %.4g, CI [%.4g, %.4g], %s = %.3g",
		 higher ? "higher" : "lower", c->ratio, c->ratio_lo, c->ratio_hi, pname, p);
}

static void decide_tested(struct comparison *c, const char *pname, double p)
{
	double nf = c->noise_floor;
	int outside = c->ratio_lo > 1 + nf || c->ratio_hi < 1 - nf;
	int inside = c->ratio_lo >= 1 - nf && c->ratio_hi <= 1 + nf;

	if (outside && p <= c->alpha) {
		decide_difference(c, pname, p);
		return;
	}
	if (inside) {
		c->verdict = VERDICT_NO_DIFFERENCE;
		snprintf(c->reason, sizeof(c->reason), "CI [%.4g, %.4g] within 1 +- %g",
			 c->ratio_lo, c->ratio_hi, nf);
		return;
	}
	c->verdict = VERDICT_INCONCLUSIVE;
	if (outside)
		snprintf(c->reason, sizeof(c->reason),
			 "CI [%.4g, %.4g] outside 1 +- %g but %s = %.3g > %g",
			 c->ratio_lo, c->ratio_hi, nf, pname, p, c->alpha);
	else
		snprintf(c->reason, sizeof(c->reason),
			 "CI [%.4g, %.4g] overlaps 1 +- %g (%s = %.3g)",
			 c->ratio_lo, c->ratio_hi, nf, pname, p);
}

void compare_decide(struct comparison *c)
{
	int adjusted = !isnan(c->q);

	c->verdict = VERDICT_INCONCLUSIVE;
	if (c->n_base < c->min_n || c->n_cand < c->min_n)
		snprintf(c->reason, sizeof(c->reason),
			 "too few runs: %zu baseline, %zu candidate (need %zu each)",
			 c->n_base, c->n_cand, c->min_n);
	else if (too_few_runs(c))
		snprintf(c->reason, sizeof(c->reason),
			 "too few runs: with %zu and %zu the smallest p is %.3g > alpha %g",
			 c->n_base, c->n_cand, mwu_min_p(c->n_base, c->n_cand), c->alpha);
	else if (isnan(c->ratio))
		snprintf(c->reason, sizeof(c->reason),
			 "negative values: no ratio of medians (difference %.4g)", c->diff);
	else
		decide_tested(c, adjusted ? "q" : "p", adjusted ? c->q : c->p);
}

struct ranked {
	double p;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->i > y->i) - (x->i < y->i);
}

int compare_bh(const double *p, size_t m, double *q, struct herr *e)
{
	struct ranked *r = malloc((m ? m : 1) * sizeof(*r));
	size_t k = 0;
	double run = 1;

	if (!r)
		return herr_set(e, EXIT_RUNTIME, "BH: out of memory for %zu p-values", m);
	for (size_t i = 0; i < m; i++) {
		q[i] = NAN;
		if (isnan(p[i]))
			continue;
		if (!(p[i] >= 0 && p[i] <= 1)) {
			free(r);
			return herr_set(e, EXIT_USAGE, "BH: p-value %zu is %g, not in [0, 1]",
					i + 1, p[i]);
		}
		r[k++] = (struct ranked){ p[i], i };
	}
	qsort(r, k, sizeof(*r), cmp_ranked);
	/* From the largest p down: q_(j) = min(q_(j+1), k p_(j) / j). */
	for (size_t j = k; j > 0; j--) {
		run = fmin(run, r[j - 1].p * (double)k / (double)j);
		q[r[j - 1].i] = run;
	}
	free(r);
	return 0;
}

int compare_report(struct comparison *c, size_t m, struct herr *e)
{
	double *p = calloc(m ? m : 1, sizeof(*p)), *q = calloc(m ? m : 1, sizeof(*q));
	int rc = -1;

	if (!p || !q) {
		herr_set(e, EXIT_RUNTIME, "report: out of memory for %zu comparisons", m);
		goto out;
	}
	for (size_t i = 0; i < m; i++)
		p[i] = compare_testable(&c[i]) ? c[i].p : NAN;
	if (compare_bh(p, m, q, e) < 0)
		goto out;
	for (size_t i = 0; i < m; i++) {
		c[i].q = q[i];
		compare_decide(&c[i]);
	}
	rc = 0;
out:
	free(p);
	free(q);
	return rc;
}
