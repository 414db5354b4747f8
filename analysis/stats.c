/* Statistics of one sample; see stats.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/rng.h"
#include "analysis/stats.h"

void stats_boot_default(struct stats_boot *b)
{
	b->resamples = STATS_RESAMPLES_DEFAULT;
	b->level = STATS_CI_LEVEL_DEFAULT;
	b->seed = STATS_SEED_DEFAULT;
}

int stats_check(const double *x, size_t n, const char *what, struct herr *e)
{
	if (n == 0)
		return herr_set(e, EXIT_USAGE, "%s: no values", what);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return herr_set(e, EXIT_USAGE, "%s: value %zu is %g, not a finite number",
					what, i + 1, x[i]);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double *stats_sorted_copy(const double *x, size_t n, struct herr *e)
{
	double *s = malloc(n * sizeof(*s));

	if (!s) {
		herr_set(e, EXIT_RUNTIME, "out of memory for %zu values", n);
		return NULL;
	}
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

double stats_quantile_sorted(const double *s, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);

	if (lo >= n - 1)
		return s[n - 1];
	/* Equal neighbours: no interpolation, so infinities stay themselves. */
	if (s[lo] == s[lo + 1])
		return s[lo];
	return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

double stats_median_sorted(const double *s, size_t n)
{
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2;
}

int stats_median(const double *x, size_t n, double *out, struct herr *e)
{
	double *s;

	if (stats_check(x, n, "median", e) < 0)
		return -1;
	s = stats_sorted_copy(x, n, e);
	if (!s)
		return -1;
	*out = stats_median_sorted(s, n);
	free(s);
	return 0;
}

/* Scaled MAD of sorted s with median med. */
static int mad_sorted(const double *s, size_t n, double med, double *out,
		      struct herr *e)
{
	double *dev = malloc(n * sizeof(*dev));

	if (!dev)
		return herr_set(e, EXIT_RUNTIME, "out of memory for %zu values", n);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(s[i] - med);
	qsort(dev, n, sizeof(*dev), cmp_double);
	*out = stats_median_sorted(dev, n) / STATS_MAD_NORMAL_DIVISOR;
	free(dev);
	return 0;
}

int stats_mad(const double *x, size_t n, double *out, struct herr *e)
{
	double *s;
	int rc;

	if (stats_check(x, n, "MAD", e) < 0)
		return -1;
	s = stats_sorted_copy(x, n, e);
	if (!s)
		return -1;
	rc = mad_sorted(s, n, stats_median_sorted(s, n), out, e);
	free(s);
	return rc;
}

double stats_resample_median(const double *s, size_t n, unsigned *cnt,
			     struct rng *r)
{
	size_t k_lo = (n - 1) / 2, k_hi = n / 2, seen = 0, i = 0;
	double lo;

	memset(cnt, 0, n * sizeof(*cnt));
	for (size_t d = 0; d < n; d++)
		cnt[rng_below(r, n)]++;
	/* Walk the counts to the element of rank k_lo, then of rank k_hi. */
	while (seen + cnt[i] <= k_lo)
		seen += cnt[i++];
	lo = s[i];
	while (seen + cnt[i] <= k_hi)
		seen += cnt[i++];
	return k_lo == k_hi ? lo : (lo + s[i]) / 2;
}

static int check_boot(const struct stats_boot *b, struct herr *e)
{
	if (b->resamples < 100)
		return herr_set(e, EXIT_USAGE, "bootstrap: %u resamples, need at least 100",
				b->resamples);
	if (!(b->level > 0 && b->level < 1))
		return herr_set(e, EXIT_USAGE, "bootstrap: confidence level %g not in (0, 1)",
				b->level);
	return 0;
}

/* The CI of sorted s[0..n). */
static int median_ci_sorted(const double *s, size_t n, const struct stats_boot *b,
			    double *lo, double *hi, struct herr *e)
{
	double *med = malloc(b->resamples * sizeof(*med));
	unsigned *cnt = malloc(n * sizeof(*cnt));
	struct rng r;

	if (!med || !cnt) {
		free(med);
		free(cnt);
		return herr_set(e, EXIT_RUNTIME, "out of memory for the bootstrap");
	}
	rng_seed(&r, b->seed);
	for (unsigned k = 0; k < b->resamples; k++)
		med[k] = stats_resample_median(s, n, cnt, &r);
	qsort(med, b->resamples, sizeof(*med), cmp_double);
	*lo = stats_quantile_sorted(med, b->resamples, (1 - b->level) / 2);
	*hi = stats_quantile_sorted(med, b->resamples, (1 + b->level) / 2);
	free(med);
	free(cnt);
	return 0;
}

int stats_median_ci(const double *x, size_t n, const struct stats_boot *b,
		    double *lo, double *hi, struct herr *e)
{
	double *s;
	int rc;

	if (stats_check(x, n, "median CI", e) < 0 || check_boot(b, e) < 0)
		return -1;
	s = stats_sorted_copy(x, n, e);
	if (!s)
		return -1;
	rc = median_ci_sorted(s, n, b, lo, hi, e);
	free(s);
	return rc;
}

/* Mean and coefficient of variation, two-pass for accuracy. */
static void mean_cv(const double *x, size_t n, double *mean, double *cv)
{
	double sum = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	*mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	if (n < 2 || *mean == 0)
		*cv = NAN;
	else
		*cv = sqrt(ss / (double)(n - 1)) / *mean;
}

int stats_summarize(const double *x, size_t n, const struct stats_boot *b,
		    struct stats_summary *out, struct herr *e)
{
	double *s;
	int rc;

	if (stats_check(x, n, "summary", e) < 0 || check_boot(b, e) < 0)
		return -1;
	s = stats_sorted_copy(x, n, e);
	if (!s)
		return -1;
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = stats_median_sorted(s, n);
	mean_cv(x, n, &out->mean, &out->cv);
	rc = mad_sorted(s, n, out->median, &out->mad, e);
	if (rc == 0)
		rc = median_ci_sorted(s, n, b, &out->ci_lo, &out->ci_hi, e);
	free(s);
	return rc;
}

int stats_harmonic_mean(const double *x, size_t n, double *out, struct herr *e)
{
	double inv = 0;

	if (stats_check(x, n, "harmonic mean", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (x[i] < 0)
			return herr_set(e, EXIT_USAGE, "harmonic mean: value %zu is negative (%g)",
					i + 1, x[i]);
		if (x[i] == 0) {
			*out = 0;
			return 0;
		}
		inv += 1 / x[i];
	}
	*out = (double)n / inv;
	return 0;
}

int stats_geomean(const double *ratio, size_t n, double *out, size_t *used,
		  struct herr *e)
{
	double logsum = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(ratio[i]))
			continue;
		if (!isfinite(ratio[i]) || ratio[i] <= 0)
			return herr_set(e, EXIT_USAGE,
					"geometric mean: ratio %zu is %g, not a positive number",
					i + 1, ratio[i]);
		logsum += log(ratio[i]);
		k++;
	}
	*used = k;
	*out = k ? exp(logsum / (double)k) : NAN;
	return 0;
}

int stats_reduce(enum metric_kind kind, const double *x, size_t n,
		 double *out, struct herr *e)
{
	(void)kind;	/* every kind's central value is its median */
	return stats_median(x, n, out, e);
}

int stats_reduce_mean(enum metric_kind kind, const double *x, size_t n,
		      double *out, struct herr *e)
{
	double sum = 0;

	if (kind == KIND_RATE)
		return stats_harmonic_mean(x, n, out, e);
	if (stats_check(x, n, "mean", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	*out = sum / (double)n;
	return 0;
}
