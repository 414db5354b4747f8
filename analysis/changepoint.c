/* E-Divisive means change points; see changepoint.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/changepoint.h"
#include "analysis/rng.h"
#include "analysis/stats.h"

void cp_opts_default(struct cp_opts *o)
{
	o->max_p = CP_MAX_P_DEFAULT;
	o->permutations = CP_PERMUTATIONS_DEFAULT;
	o->min_magnitude = CP_MIN_MAGNITUDE_DEFAULT;
	o->min_segment = CP_MIN_SEGMENT_DEFAULT;
	o->seed = CP_SEED_DEFAULT;
}

/* Scratch of one search, sized for the whole series. */
struct cp_work {
	const struct cp_opts *o;
	const double *x;
	double *wx, *row;	/* n + 1 each */
	double *perm;		/* n */
	/* 1 / s and 2 / (s (s - 1)), s = 0..n: Q is evaluated n^2 / 2 times
	 * per shuffle, and without divisions it costs a third. */
	double *inv, *ip;
	struct changepoint *cp;
	size_t ncp;
};

static void reciprocals(struct cp_work *w, size_t n)
{
	for (size_t s = 0; s <= n; s++) {
		w->inv[s] = s ? 1.0 / (double)s : 0;
		w->ip[s] = s > 1 ? 2.0 / ((double)s * (double)(s - 1)) : 0;
	}
}

/* Q = m k / (m + k) * E, with the energy distance
 * E = 2 b / (m k) - wx / C(m, 2) - wy / C(k, 2): b the sum of |x - y| over
 * pairs across, wx and wy those within each side (Matteson and James,
 * alpha = 1). Multiplied out: (2 b - m k (wx / C(m,2) + wy / C(k,2))) / (m + k). */
static double energy_q(size_t m, size_t k, double b, double wx, double wy)
{
	double dm = (double)m, dk = (double)k;
	double e = 2 * b / (dm * dk) - 2 * wx / (dm * (dm - 1)) - 2 * wy / (dk * (dk - 1));

	return dm * dk / (dm + dk) * e;
}

/* wx[t] = sum over i < j < t of |y_i - y_j|, in n^2 / 2 steps. */
static void prefix_sums(const double *y, size_t n, double *wx)
{
	wx[0] = 0;
	for (size_t t = 0; t < n; t++) {
		double s = 0;

		for (size_t i = 0; i < t; i++)
			s += fabs(y[i] - y[t]);
		wx[t + 1] = wx[t] + s;
	}
}

/* The best Y = [tau, kappa) for X = [0, tau): energy_q multiplied out with
 * the tables. row[kappa] holds the within sum of [tau, kappa). */
static double best_kappa(const struct cp_work *w, size_t tau, size_t n, double best,
			 size_t *at)
{
	const double *wx = w->wx, *row = w->row;
	double left = wx[tau] * w->ip[tau], m = (double)tau;

	for (size_t kappa = tau + w->o->min_segment; kappa <= n; kappa++) {
		size_t k = kappa - tau;
		/* Pairs of [0, kappa) = left pairs + right pairs + pairs across. */
		double b = wx[kappa] - wx[tau] - row[kappa];
		double q = (2 * b - m * (double)k * (left + row[kappa] * w->ip[k])) * w->inv[kappa];

		if (q > best) {
			best = q;
			*at = tau;
		}
	}
	return best;
}

/* The split of y[0..n) with the largest Q, n >= 2 * min_segment. As
 * Matteson and James's e.divisive, Y may end before the segment does
 * (kappa): a step that later returns (up, then down again) is still one
 * clear difference between X and a Y that stops at the return, where Y
 * running to the end would mix both levels and hide it. Walking tau down
 * from n, row[kappa] is updated in place from [tau + 1, kappa) to
 * [tau, kappa): O(n^2) for all (tau, kappa) pairs, O(n) memory. */
static double best_split(struct cp_work *w, const double *y, size_t n, size_t *tau)
{
	size_t ms = w->o->min_segment;
	double best = -INFINITY;

	prefix_sums(y, n, w->wx);
	memset(w->row, 0, (n + 1) * sizeof(*w->row));
	for (size_t t = n; t-- > 0;) {
		double acc = 0;

		for (size_t kappa = t + 1; kappa <= n; kappa++) {
			w->row[kappa] += acc;
			if (kappa < n)
				acc += fabs(y[t] - y[kappa]);
		}
		if (t >= ms && t + ms <= n)
			best = best_kappa(w, t, n, best, tau);
	}
	return best;
}

/* The plain O(n^2) sums, independent of best_split's running ones: tests
 * compare the two. */
double cp_energy(const double *x, size_t n, size_t tau)
{
	double wx = 0, wy = 0, b = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double d = fabs(x[i] - x[j]);

			if (j < tau)
				wx += d;
			else if (i >= tau)
				wy += d;
			else
				b += d;
		}
	return energy_q(tau, n - tau, b, wx, wy);
}

static void shuffle(double *y, size_t n, struct rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		double t = y[i - 1];

		y[i - 1] = y[j];
		y[j] = t;
	}
}

/* The largest step fit of y[0..n): max over tau (min_segment on each side)
 * of m k / (m + k) (mean left - mean right)^2, the drop in squared error
 * of one step (the Gaussian likelihood ratio; the total sum of squares is
 * the same for every arrangement, so it needs no scaling in a permutation
 * test). O(n). */
static double step_stat(const double *y, size_t n, size_t ms, size_t *tau)
{
	double total = 0, left = 0, best = -INFINITY;

	for (size_t i = 0; i < n; i++)
		total += y[i];
	for (size_t t = 0; t + ms <= n; t++) {
		if (t >= ms) {
			double m = (double)t, k = (double)(n - t), d = left / m - (total - left) / k;
			double g = m * k / (m + k) * d * d;

			if (g > best) {
				best = g;
				*tau = t;
			}
		}
		left += y[t];
	}
	return best;
}

/* Permutation p of the segment [lo, hi) with observed max Q q_obs. Stops at
 * the first shuffle that makes p exceed max_p: the answer ("not
 * significant") is then known, and a quiet history stays cheap. */
static double perm_p(struct cp_work *w, size_t lo, size_t hi, double q_obs, double g_obs,
		     double *p_step)
{
	const struct cp_opts *o = w->o;
	size_t n = hi - lo, tau;
	uint64_t s = o->seed ^ ((uint64_t)lo << 32) ^ (uint64_t)hi;
	double total = (double)o->permutations + 1;
	/* Shuffles at or above the observed that still leave p <= max_p. */
	double allowed = floor(o->max_p * total * (1 + 1e-12) - 1);
	/* The same arrangement summed in another order differs in the last
	 * bits: a shuffle within that of the observed counts as reaching it. */
	double reach = q_obs - fabs(q_obs) * 1e-9, reach_g = g_obs - fabs(g_obs) * 1e-9;
	unsigned b = 0, bg = 0;
	struct rng r;

	rng_seed(&r, rng_splitmix64(&s));
	memcpy(w->perm, w->x + lo, n * sizeof(*w->perm));
	for (unsigned k = 0; k < o->permutations; k++) {
		shuffle(w->perm, n, &r);
		bg += step_stat(w->perm, n, o->min_segment, &tau) >= reach_g;
		if (b <= allowed && best_split(w, w->perm, n, &tau) >= reach)
			b++;
		if (b > allowed && bg > allowed)
			break;
	}
	*p_step = (1 + bg) / total;
	return (1 + b) / total;
}

/* Search [lo, hi); significant splits go to w->cp, then both halves. Two
 * statistics are tested on the same shuffles: the energy split (which sees
 * a step that returns, any change of distribution) and the step fit (the
 * likelihood ratio of one level shift, which sees a small shift in noise
 * better: a 2% step at CV 2.5% with 8 sweeps on one side, which the energy
 * statistic misses). The split is kept when either reaches max_p; p is the
 * smaller, at the energy's location when it is significant, else the step
 * fit's. */
static void bisect(struct cp_work *w, size_t lo, size_t hi)
{
	size_t n = hi - lo, tau = 0, tau_g = 0;
	double q, g, p, pg;

	if (n < 2 * w->o->min_segment)
		return;
	q = best_split(w, w->x + lo, n, &tau);
	g = step_stat(w->x + lo, n, w->o->min_segment, &tau_g);
	p = perm_p(w, lo, hi, q, g, &pg);
	if (p > w->o->max_p && pg > w->o->max_p)
		return;
	if (p > w->o->max_p) {
		tau = tau_g;
		p = pg;
	}
	w->cp[w->ncp++] = (struct changepoint){ .index = lo + tau, .p = p, .q = q };
	bisect(w, lo, lo + tau);
	bisect(w, lo + tau, hi);
}

/* The split of [lo, hi) that a step of two levels fits best: largest
 * m k / (m + k) (mean left - mean right)^2, the drop in squared error (the
 * Gaussian likelihood ratio of one step), each side at least min_segment.
 * Used where E-Divisive said there is a step, to say exactly where: its
 * energy statistic weighs every pair of values alike and, near a small
 * step in noise, often peaks a sweep or two off; the step fit is what a
 * likelihood search over the location does. Searched within `reach` of
 * the E-Divisive location, so a far outlier cannot move it. */
static size_t step_fit(const double *x, size_t lo, size_t hi, size_t at, size_t ms, size_t reach)
{
	double total = 0, left = 0, best = -1;
	size_t from = at > lo + ms + reach ? at - reach : lo + ms;
	size_t to = at + reach + ms < hi ? at + reach : hi - ms;
	size_t tau = at;

	for (size_t i = lo; i < hi; i++)
		total += x[i];
	for (size_t i = lo; i < from; i++)
		left += x[i];
	for (size_t t = from; t <= to; t++) {
		double m = (double)(t - lo), k = (double)(hi - t);
		double d = left / m - (total - left) / k, g = m * k / (m + k) * d * d;

		if (g > best) {
			best = g;
			tau = t;
		}
		left += x[t];
	}
	return tau;
}

/* Each change point moved to its best step fit between its neighbours,
 * in turn until none moves (a few passes: each move only raises the fit). */
static void refine(struct cp_work *w, size_t n)
{
	size_t ms = w->o->min_segment;

	for (int pass = 0; pass < 8; pass++) {
		int moved = 0;

		for (size_t i = 0; i < w->ncp; i++) {
			size_t lo = i ? w->cp[i - 1].index : 0;
			size_t hi = i + 1 < w->ncp ? w->cp[i + 1].index : n;
			size_t t = step_fit(w->x, lo, hi, w->cp[i].index, ms, CP_REFINE_REACH);

			moved |= t != w->cp[i].index;
			w->cp[i].index = t;
		}
		if (!moved)
			return;
	}
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = ((const struct changepoint *)a)->index;
	size_t y = ((const struct changepoint *)b)->index;

	return (x > y) - (x < y);
}

static double relative(double before, double after)
{
	if (before != 0)
		return (after - before) / fabs(before);
	return after == 0 ? 0 : copysign(INFINITY, after);
}

/* Medians either side of each change point, between its neighbours. */
static int magnitudes(struct cp_work *w, size_t n, struct herr *e)
{
	for (size_t i = 0; i < w->ncp; i++) {
		struct changepoint *c = &w->cp[i];
		size_t lo = i ? w->cp[i - 1].index : 0;
		size_t hi = i + 1 < w->ncp ? w->cp[i + 1].index : n;

		if (stats_median(w->x + lo, c->index - lo, &c->before, e) < 0 ||
		    stats_median(w->x + c->index, hi - c->index, &c->after, e) < 0)
			return -1;
		c->magnitude = relative(c->before, c->after);
	}
	return 0;
}

/* Drop change points below min_magnitude, weakest first: merging two
 * segments changes the medians beside them, so recompute after each. */
static int prune(struct cp_work *w, size_t n, struct herr *e)
{
	for (;;) {
		size_t weakest = 0;

		if (magnitudes(w, n, e) < 0)
			return -1;
		if (!w->ncp)
			return 0;
		for (size_t i = 1; i < w->ncp; i++)
			if (fabs(w->cp[i].magnitude) < fabs(w->cp[weakest].magnitude))
				weakest = i;
		if (fabs(w->cp[weakest].magnitude) >= w->o->min_magnitude)
			return 0;
		memmove(&w->cp[weakest], &w->cp[weakest + 1],
			(w->ncp - weakest - 1) * sizeof(*w->cp));
		w->ncp--;
	}
}

static int check_opts(const struct cp_opts *o, struct herr *e)
{
	if (!(o->max_p > 0 && o->max_p <= 1))
		return herr_set(e, EXIT_USAGE, "change points: max p %g is not in (0, 1]", o->max_p);
	if (o->permutations < 1)
		return herr_set(e, EXIT_USAGE, "change points: no permutations");
	if (!(o->min_magnitude >= 0))
		return herr_set(e, EXIT_USAGE, "change points: minimum magnitude %g is negative",
				o->min_magnitude);
	if (o->min_segment < 2)
		return herr_set(e, EXIT_USAGE, "change points: minimum segment %zu is below 2",
				o->min_segment);
	return 0;
}

int cp_find(const double *x, size_t n, const struct cp_opts *o,
	    struct changepoint **out, size_t *count, struct herr *e)
{
	struct cp_work w = { .o = o, .x = x };
	int rc = -1;

	*out = NULL;
	*count = 0;
	if (check_opts(o, e) < 0 || (n && stats_check(x, n, "change points", e) < 0))
		return -1;
	if (n < 2 * o->min_segment)
		return 0;
	w.wx = malloc(4 * (n + 1) * sizeof(*w.wx));
	w.perm = malloc(n * sizeof(*w.perm));
	/* Every change point leaves min_segment values on each side. */
	w.cp = malloc((n / o->min_segment + 1) * sizeof(*w.cp));
	if (!w.wx || !w.perm || !w.cp) {
		herr_set(e, EXIT_RUNTIME, "out of memory for change points of %zu values", n);
		goto out;
	}
	w.row = w.wx + n + 1;
	w.inv = w.row + n + 1;
	w.ip = w.inv + n + 1;
	reciprocals(&w, n);
	bisect(&w, 0, n);
	qsort(w.cp, w.ncp, sizeof(*w.cp), cmp_index);
	refine(&w, n);
	if (prune(&w, n, e) < 0)
		goto out;
	if (w.ncp) {
		*out = w.cp;
		*count = w.ncp;
		w.cp = NULL;
	}
	rc = 0;
out:
	free(w.wx);
	free(w.perm);
	free(w.cp);
	return rc;
}
