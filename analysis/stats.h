/* Statistics of one sample (the runs of one cell and metric): median with a
 * bootstrap confidence interval, MAD, coefficient of variation, min, max;
 * the means a report may show; reductions by metric kind.
 *
 * Input is an array of doubles, n >= 1. NaN or infinite values are input
 * errors (a not-measured run is left out by the caller, never passed as a
 * number): the functions return -1 and say which element. */
#ifndef ANALYSIS_STATS_H
#define ANALYSIS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "measure/metric.h"

/* Bootstrap resamples. 2000: the Monte Carlo error of a 95% percentile
 * endpoint is then about 2% of the interval's half-width (docs/report.md,
 * "Statistics"; ANALYSIS_SIM_TABLE=1 build/tests/test_analysis_sim). */
#define STATS_RESAMPLES_DEFAULT 2000u
#define STATS_CI_LEVEL_DEFAULT 0.95
/* Any fixed seed will do; it is stored nowhere, so it is a constant. */
#define STATS_SEED_DEFAULT 0x6861726e657373ULL	/* "harness" */
/* MAD is reported scaled to the normal standard deviation: the raw median
 * absolute deviation divided by Phi^-1(3/4) (x 1.4826), as SciPy's
 * median_abs_deviation(scale='normal'). */
#define STATS_MAD_NORMAL_DIVISOR 0.6744897501960817

struct stats_boot {
	unsigned resamples;	/* >= 100 */
	double level;		/* confidence level, in (0, 1) */
	uint64_t seed;
};

struct stats_summary {
	size_t n;
	double median;
	double ci_lo, ci_hi;	/* percentile-bootstrap CI of the median; = median when n = 1 */
	double mad;		/* scaled (see STATS_MAD_NORMAL_DIVISOR); 0 when n = 1 */
	double mean;
	double cv;		/* sample sd (n - 1) / mean; NaN when n < 2 or mean = 0 */
	double min, max;
};

void stats_boot_default(struct stats_boot *b);

/* 0 when every x[i] is finite and n >= 1; else -1 naming `what`. */
int stats_check(const double *x, size_t n, const char *what, struct herr *e);

int stats_summarize(const double *x, size_t n, const struct stats_boot *b,
		    struct stats_summary *s, struct herr *e);

int stats_median(const double *x, size_t n, double *out, struct herr *e);
/* Scaled MAD, as in struct stats_summary. */
int stats_mad(const double *x, size_t n, double *out, struct herr *e);
/* Percentile-bootstrap CI of the median. */
int stats_median_ci(const double *x, size_t n, const struct stats_boot *b,
		    double *lo, double *hi, struct herr *e);
/* Harmonic mean of values >= 0 (0 when any value is 0, as SciPy's hmean). */
int stats_harmonic_mean(const double *x, size_t n, double *out, struct herr *e);
/* Geometric mean of ratios > 0. NaN entries are missing and skipped; *used
 * counts the others. All missing: *out = NaN, *used = 0, and no error. */
int stats_geomean(const double *ratio, size_t n, double *out, size_t *used,
		  struct herr *e);

/* The central value of a metric over its runs: the median for every kind
 * (counters, gauges and rates alike). */
int stats_reduce(enum metric_kind kind, const double *x, size_t n,
		 double *out, struct herr *e);
/* The mean a report shows beside the median: arithmetic for counters and
 * gauges, harmonic for rates (work per time: the harmonic mean is the total
 * work over the total time when each run does the same work). */
int stats_reduce_mean(enum metric_kind kind, const double *x, size_t n,
		      double *out, struct herr *e);

/* Helpers shared with compare.c. */
/* Quantile of sorted s[0..n) with linear interpolation (NumPy's default,
 * Hyndman-Fan type 7). */
double stats_quantile_sorted(const double *s, size_t n, double p);
double stats_median_sorted(const double *s, size_t n);
/* A sorted copy of x (malloc'd), or NULL with e set. */
double *stats_sorted_copy(const double *x, size_t n, struct herr *e);
/* The median of one bootstrap resample of sorted s[0..n): n draws counted
 * into cnt[0..n) (scratch), then the middle order statistics read off the
 * counts, in O(n) without a sort. */
struct rng;
double stats_resample_median(const double *s, size_t n, unsigned *cnt,
			     struct rng *r);

#endif
