/* The Mann-Whitney U test; see mwu.h. */
#include <math.h>
#include <stdlib.h>

#include "analysis/mwu.h"
#include "analysis/stats.h"

struct tagged {
	double v;
	int first;	/* 1 when from the first sample */
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v, y = ((const struct tagged *)b)->v;

	return (x > y) - (x < y);
}

/* Rank sum of the first sample (average ranks for ties) and the tie term
 * sum(t^3 - t) of the pooled, sorted sample. */
static void rank_sum(const struct tagged *t, size_t n, double *r1, double *tie_term)
{
	*r1 = 0;
	*tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i, firsts = 0;
		double len, avg;

		while (j < n && t[j].v == t[i].v)
			firsts += (size_t)t[j++].first;
		len = (double)(j - i);
		avg = ((double)i + 1 + (double)j) / 2;	/* ranks i+1 .. j */
		*r1 += avg * (double)firsts;
		*tie_term += len * len * len - len;
		i = j;
	}
}

int mwu_exact_sf(size_t n1, size_t n2, double u, double *p, struct herr *e)
{
	size_t kmax = n1 * n2, w = kmax + 1;
	double *d, sum = 0;

	if (n1 == 0 || n2 == 0)
		return herr_set(e, EXIT_USAGE, "Mann-Whitney: an empty sample");
	/* The table holds (n1 + 1)(n1 n2 + 1) doubles: 8 MB at 100 x 100. */
	if (n1 > 100 || n2 > 100)
		return herr_set(e, EXIT_USAGE,
				"Mann-Whitney: exact distribution for %zu x %zu values is too large (at most 100 each)",
				n1, n2);
	d = calloc((n1 + 1) * w, sizeof(*d));
	if (!d)
		return herr_set(e, EXIT_RUNTIME, "Mann-Whitney: out of memory for n = %zu, %zu",
				n1, n2);
	/* d[i*w + k] = P(U = k) for i values against j (j = 0 now): the
	 * largest of all i + j values comes from the first sample with
	 * probability i/(i+j) and then beats all j: U = j + U(i-1, j);
	 * otherwise U = U(i, j-1). Convex combinations: no cancellation. */
	for (size_t i = 0; i <= n1; i++)
		d[i * w] = 1;
	for (size_t j = 1; j <= n2; j++)
		for (size_t i = 1; i <= n1; i++) {
			double a = (double)i / (double)(i + j), b = 1 - a;
			double *cur = d + i * w, *prev = d + (i - 1) * w;

			for (size_t k = i * j + 1; k-- > 0;)
				cur[k] = b * cur[k] + (k >= j ? a * prev[k - j] : 0);
		}
	for (size_t k = kmax + 1; k-- > 0 && (double)k >= u;)
		sum += d[n1 * w + k];
	free(d);
	*p = sum;
	return 0;
}

double mwu_min_p(size_t n1, size_t n2)
{
	double c = 1;	/* C(n1+n2, n1), built up exactly while it fits */

	for (size_t i = 1; i <= n1; i++)
		c = c * (double)(n2 + i) / (double)i;
	return fmin(1, 2 / c);
}

static double asymptotic_p(double u, size_t n1, size_t n2, double tie_term)
{
	double n = (double)(n1 + n2), m = (double)n1 * (double)n2;
	double s = sqrt(m / 12 * ((n + 1) - tie_term / (n * (n - 1))));
	/* All values tied: s = 0, z = -inf, p = 1, as SciPy. */
	double z = (u - m / 2 - 0.5) / s;

	return fmin(1, 2 * 0.5 * erfc(z / M_SQRT2));
}

int mwu_test(const double *x, size_t n1, const double *y, size_t n2,
	     enum mwu_method method, struct mwu_result *r, struct herr *e)
{
	size_t n = n1 + n2;
	struct tagged *t;
	double r1, tie_term, u;
	int rc = 0;

	if (stats_check(x, n1, "Mann-Whitney, first sample", e) < 0 ||
	    stats_check(y, n2, "Mann-Whitney, second sample", e) < 0)
		return -1;
	t = malloc(n * sizeof(*t));
	if (!t)
		return herr_set(e, EXIT_RUNTIME, "Mann-Whitney: out of memory");
	for (size_t i = 0; i < n; i++)
		t[i] = i < n1 ? (struct tagged){ x[i], 1 } : (struct tagged){ y[i - n1], 0 };
	qsort(t, n, sizeof(*t), cmp_tagged);
	rank_sum(t, n, &r1, &tie_term);
	free(t);
	r->u1 = r1 - (double)n1 * (double)(n1 + 1) / 2;
	r->ties = tie_term > 0;
	u = fmax(r->u1, (double)n1 * (double)n2 - r->u1);
	if (method == MWU_AUTO)
		method = !r->ties && n1 <= MWU_EXACT_MAX && n2 <= MWU_EXACT_MAX ?
			 MWU_EXACT : MWU_ASYMPTOTIC;
	if (method == MWU_EXACT && r->ties)
		return herr_set(e, EXIT_USAGE, "Mann-Whitney: the exact distribution assumes no ties, and the data have ties");
	r->method = method;
	if (method == MWU_EXACT) {
		rc = mwu_exact_sf(n1, n2, u, &r->p, e);
		r->p = fmin(1, 2 * r->p);
	} else {
		r->p = asymptotic_p(u, n1, n2, tie_term);
	}
	return rc;
}
