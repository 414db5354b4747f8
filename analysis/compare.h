/* A candidate against a baseline, for one cell and metric: the ratio of
 * medians (candidate / baseline) with a bootstrap CI, a Mann-Whitney U
 * p-value, and a verdict; and the Benjamini-Hochberg adjustment over all the
 * comparisons of one report.
 *
 * The verdict rule (docs/report.md, "Statistics"):
 *   INCONCLUSIVE   either side has fewer than min_n runs, or so few that the
 *                  exact test's smallest p-value exceeds alpha; or the
 *                  ratio is undefined (negative values); or neither rule
 *                  below holds. The reason says which.
 *   BETTER/WORSE   the ratio's CI lies wholly outside [1 - nf, 1 + nf] and
 *                  p <= alpha (the BH-adjusted p, q, in a report); the side
 *                  of 1 and the metric's better direction give the word.
 *   CHANGED        the same for a metric with no better direction
 *                  (BETTER_NONE): a real difference, the ratio says which way.
 *   NO_DIFFERENCE  the ratio's CI lies wholly inside [1 - nf, 1 + nf].
 *
 * A baseline median of 0 extends the ratio: 0/0 counts as 1 (both zero),
 * x/0 with x > 0 as +inf, in the estimate and in every resample, so "no
 * faults before, 500 after" is still a difference and an all-zero pair is
 * no difference; diff (candidate - baseline median) is always set for the
 * report to show. Negative values make the ratio undefined: INCONCLUSIVE. */
#ifndef ANALYSIS_COMPARE_H
#define ANALYSIS_COMPARE_H

#include <stddef.h>

#include "analysis/mwu.h"
#include "analysis/stats.h"

/* Defaults, chosen by the simulation in tests/unit/test_analysis_sim.c
 * (lognormal runs, n = 10 a side; table in docs/report.md, "Statistics"):
 *   noise floor 2%: A/A at CV 1-5% is called different 0.2% of the time
 *     (1% floor: 1.0%, at the limit); a 5% shift at CV 1% is found 100% at
 *     n = 10 and 93.5% at n = 5 (3% floor: 92.5% and 58%); A/A at CV 1% is
 *     "no difference" 94% of the time.
 *   alpha 0.05: with the CI outside the band, p is nearly always small, so
 *     alpha changes the rates little; 0.05 lets 4 runs a side reach
 *     significance (0.01 needs 5); in a report it applies to BH's q: 0.04
 *     false differences per 100-metric A/A report.
 *   min 3 runs a side, and the exact test's smallest p must reach alpha
 *     (3 and 3 cannot: 0.1), so 4 a side at alpha 0.05. */
#define COMPARE_ALPHA_DEFAULT 0.05
#define COMPARE_NOISE_FLOOR_DEFAULT 0.02
#define COMPARE_MIN_N_DEFAULT 3

enum verdict {
	VERDICT_INCONCLUSIVE,
	VERDICT_NO_DIFFERENCE,
	VERDICT_BETTER,
	VERDICT_WORSE,
	VERDICT_CHANGED,
};

struct compare_opts {
	double alpha;		/* significance level for p (or q) */
	double noise_floor;	/* relative: 0.02 is a band of 1 +- 2% */
	size_t min_n;		/* runs needed on each side, >= 1 */
	enum metric_better better;
	enum mwu_method method;	/* MWU_AUTO unless a test forces one */
	struct stats_boot boot;	/* resamples, CI level and seed of the ratio CI */
};

struct comparison {
	size_t n_base, n_cand;
	double median_base, median_cand;
	double diff;		/* median_cand - median_base */
	double ratio;		/* median_cand / median_base, extended as above; NaN if undefined */
	double ratio_lo, ratio_hi;	/* bootstrap CI of the ratio; NaN if undefined */
	double u1;		/* Mann-Whitney statistic of the candidate sample */
	double p;		/* two-sided */
	double q;		/* BH-adjusted p within a report; NaN until adjusted */
	enum mwu_method method;	/* the one used */
	/* The rule's inputs, kept so a report can re-decide with q. */
	double alpha, noise_floor;
	size_t min_n;
	enum metric_better better;
	enum verdict verdict;
	char reason[160];	/* why INCONCLUSIVE or NO_DIFFERENCE; the figures otherwise */
};

void compare_opts_default(struct compare_opts *o);

/* Compare cand against base and decide with the raw p-value. */
int compare_samples(const double *base, size_t n_base, const double *cand,
		    size_t n_cand, const struct compare_opts *o,
		    struct comparison *c, struct herr *e);

/* (Re)decide c's verdict from its figures: with q once a report has
 * adjusted it, with p before. */
void compare_decide(struct comparison *c);
/* 1 when c can show a difference at all (enough runs, a defined ratio):
 * the comparisons a report counts in its BH family. */
int compare_testable(const struct comparison *c);

/* Benjamini-Hochberg adjusted p-values, as SciPy's
 * false_discovery_control(p, method='bh'): q_(i) = min over j >= i of
 * m p_(j) / j, clipped to 1. NaN entries are not tests: they are left out
 * of m and their q is NaN. */
int compare_bh(const double *p, size_t m, double *q, struct herr *e);

/* One report: BH over the p-values of all c[0..m), then every verdict
 * re-decided with its q. Comparisons that never reached a test (too few
 * runs) have p = NaN and do not count in m. */
int compare_report(struct comparison *c, size_t m, struct herr *e);

const char *verdict_name(enum verdict v);

#endif
