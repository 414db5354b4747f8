/* The Mann-Whitney U test, two-sided, with SciPy's definitions
 * (scipy.stats.mannwhitneyu, use_continuity=True): U1 is the statistic of
 * the first sample (its rank sum - n1(n1+1)/2), the p-value comes from
 * U = max(U1, n1 n2 - U1), and is 2 P(U' >= U) clipped to 1.
 *
 *   exact:      the null distribution of U by the counting recurrence
 *               (valid only without ties);
 *   asymptotic: normal approximation, mean n1 n2 / 2, variance
 *               n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))) over the
 *               tie groups t, and a continuity correction of 0.5.
 *
 * MWU_AUTO takes the exact distribution when there are no ties and both
 * samples have at most MWU_EXACT_MAX values (SciPy's 'auto' stops at 8; the
 * exact distribution is cheap far beyond that, and more accurate). */
#ifndef ANALYSIS_MWU_H
#define ANALYSIS_MWU_H

#include <stddef.h>

#include "core/error.h"

#define MWU_EXACT_MAX 50

enum mwu_method { MWU_AUTO, MWU_EXACT, MWU_ASYMPTOTIC };

struct mwu_result {
	double u1;		/* statistic of the first sample */
	double p;		/* two-sided */
	enum mwu_method method;	/* the one used: MWU_EXACT or MWU_ASYMPTOTIC */
	int ties;		/* 1 when the pooled sample has tied values */
};

/* Forcing MWU_EXACT on tied data is an error (the exact distribution
 * assumes none). */
int mwu_test(const double *x, size_t n1, const double *y, size_t n2,
	     enum mwu_method method, struct mwu_result *r, struct herr *e);

/* P(U >= u) under the null for samples of n1 and n2 values, exactly. */
int mwu_exact_sf(size_t n1, size_t n2, double u, double *p, struct herr *e);

/* The smallest two-sided p-value the exact test can give: 2 / C(n1+n2, n1),
 * clipped to 1. Below alpha only with enough runs (3 and 3 give 0.1). */
double mwu_min_p(size_t n1, size_t n2);

#endif
