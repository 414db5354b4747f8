/* Change points in a series of values in sweep order (a metric's history):
 * E-Divisive means (Matteson and James 2014) with alpha = 1, as Apache
 * Otava (formerly Hunter) uses it.
 *
 *   - The energy statistic Q(tau) of a segment split at tau compares the
 *     mean distance between the two sides with the mean distances within
 *     each side (alpha = 1: plain |x - y|), scaled by m k / (m + k).
 *   - Recursive bisection: the tau maximising Q in a segment is a candidate;
 *     it is kept when significant, and both halves are searched again.
 *   - Significance by permutation: the segment's values are shuffled
 *     `permutations` times and max Q is computed each time, and so is the
 *     best step fit (the Gaussian likelihood ratio of one level shift);
 *     p = (1 + b) / (1 + permutations), b the count of shuffles at or
 *     above the observed. Kept when either p <= max_p (the step fit sees a
 *     small shift in noise the energy misses).
 *   - Refinement: each change point moves to the best step fit between
 *     its neighbours, within CP_REFINE_REACH sweeps. The shuffles of a segment are seeded
 *     from (seed, segment), so results do not depend on the order of the
 *     search and the same input always gives the same answer.
 *   - Magnitude: the relative change of the MEDIANS of the segments either
 *     side (between the neighbouring change points), (after - before) /
 *     |before|. Change points below min_magnitude are dropped weakest
 *     first, the neighbours' magnitudes recomputed after each drop (as
 *     Otava does with weak change points). p stays that of the split which
 *     found the change point.
 *
 * Defaults, justified by tests/unit/test_changepoint_sim.c (histories of
 * 20-60 sweeps, each the median of 10 runs at CV 1-3%, one or two steps of
 * 2-10%; table in docs/ci.md, "Change points in history"):
 *   max_p 0.001 (Otava's): 94.5% of histories get exactly their planted
 *     steps (97% where a step is >= 3 sd of a sweep's value, the limit
 *     being 95%; through the CLI, tests/e2e/test_history_sim.sh, 95.0%);
 *     a history without a step shows one in 0-0.5% (limit 5%).
 *     0.05 adds a false change point to 4.5% of histories.
 *   1999 permutations: p <= 0.001 then lets one chance shuffle reach the
 *     observed split; with 999 a single one throws a real step away
 *     (short segments have few arrangements): 1.5% fewer placed. 4999
 *     adds almost nothing at 2.5 times the cost.
 *   min_magnitude 1%: 0 lets noise split a step in two (1% extra), 2%
 *     drops real 2% steps (7% missed).
 *   min_segment 3: each side needs two values for a within distance;
 *     three keeps a lone outlier from being called a step. */
#ifndef ANALYSIS_CHANGEPOINT_H
#define ANALYSIS_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CP_MAX_P_DEFAULT 0.001
#define CP_PERMUTATIONS_DEFAULT 1999u
#define CP_MIN_MAGNITUDE_DEFAULT 0.01
#define CP_MIN_SEGMENT_DEFAULT 3u
#define CP_REFINE_REACH 3u	/* sweeps a change point may move in refine */
#define CP_SEED_DEFAULT 0x6861726e657373ULL	/* "harness", as STATS_SEED_DEFAULT */

struct cp_opts {
	double max_p;		/* in (0, 1] */
	unsigned permutations;	/* >= 1; p cannot go below 1 / (1 + permutations) */
	double min_magnitude;	/* relative, >= 0 */
	size_t min_segment;	/* values on each side of a split, >= 2 */
	uint64_t seed;
};

struct changepoint {
	size_t index;		/* the first value after the change */
	double before, after;	/* medians of the segments either side */
	double magnitude;	/* (after - before) / |before|; +-inf when before = 0 */
	double p;		/* permutation p of the split that found it */
	double q;		/* its energy statistic */
};

void cp_opts_default(struct cp_opts *o);

/* Change points of x[0..n), in increasing index order, into a malloc'd
 * *out (NULL when none) and *count. Values must be finite. n below
 * 2 * min_segment has no change point and is no error. */
int cp_find(const double *x, size_t n, const struct cp_opts *o,
	    struct changepoint **out, size_t *count, struct herr *e);

/* The energy statistic of x[0..n) split at tau (min_segment <= tau, n - tau).
 * Exposed for tests. */
double cp_energy(const double *x, size_t n, size_t tau);

#endif
