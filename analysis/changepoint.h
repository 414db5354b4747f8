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
 *     `permutations` times and max Q is computed each time; p = (1 + b) /
 *     (1 + permutations), b the count of shuffles with max Q >= the
 *     observed. Kept when p <= max_p. The shuffles of a segment are seeded
 *     from (seed, segment), so results do not depend on the order of the
 *     search and the same input always gives the same answer.
 *   - Magnitude: the relative change of the MEDIANS of the segments either
 *     side (between the neighbouring change points), (after - before) /
 *     |before|. Change points below min_magnitude are dropped weakest
 *     first, the neighbours' magnitudes recomputed after each drop (as
 *     Otava does with weak change points). p stays that of the split which
 *     found the change point.
 *
 * Defaults (justified by tests/unit/test_changepoint_sim.c; docs/ci.md,
 * "Change points in history"):
 *   max_p 0.001 and 999 permutations: the smallest p 999 shuffles can give
 *     is 1/1000, so a change point is kept only when no shuffle matches it.
 *     A series without a step then shows one in well under 1% of cases (the
 *     limit is 5%), and a test that will fail stops at its first matching
 *     shuffle, so a quiet history costs a few shuffles per segment.
 *   min_magnitude 1%: below the smallest step that matters (2%), above what
 *     noise alone makes of a segment's median at CV <= 3%.
 *   min_segment 3: each side needs at least two values for a within
 *     distance; three keeps a lone outlier from being called a step. */
#ifndef ANALYSIS_CHANGEPOINT_H
#define ANALYSIS_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CP_MAX_P_DEFAULT 0.001
#define CP_PERMUTATIONS_DEFAULT 1999u
#define CP_MIN_MAGNITUDE_DEFAULT 0.01
#define CP_MIN_SEGMENT_DEFAULT 3u
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
