/* The short comparison printed at the end of a sweep: per workload and
 * parameter set, the median of a few key metrics per variant and the
 * ratio to the first variant; then the failed runs. Medians and ratios
 * only: proper statistics (confidence intervals, tests) are the analysis
 * layer's job. */
#ifndef HARNESS_SWEEP_SUMMARY_H
#define HARNESS_SWEEP_SUMMARY_H

#include <stdio.h>

#include "core/error.h"
#include "store/store.h"
#include "sweep/plan.h"

int sweep_summary(struct store *st, const struct sweep_plan *p, const char *sweep_id, FILE *out,
		  struct herr *err);

#endif
