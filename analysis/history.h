/* A metric's history: one series per workload, parameter set, variant and
 * scope, each point a sweep's median of the metric over its measured ok
 * runs, in the order of the sweeps (store_history), with the series' change
 * points (changepoint.h, defaults). `harness history` prints it; the HTML
 * report draws it (report_html.c). */
#ifndef ANALYSIS_HISTORY_H
#define ANALYSIS_HISTORY_H

#include "analysis/changepoint.h"
#include "store/store.h"

struct hist_point {
	char sweep_id[37], name[64], created[32], tags[128];
	double *v;
	size_t n, cap;
	double median;
};

struct hist_series {
	char *workload, *params, *variant, *scope;
	char *params_key;	/* params as canonical JSON (sorted, compact), to match a report group */
	char unit[24];
	struct hist_point *p;
	size_t n, cap;
	struct changepoint *cp;
	size_t ncp;
};

struct history {
	struct hist_series *s;
	size_t n, cap;
};

/* Load and analyse (medians, change points). An empty history is no
 * error (h->n = 0). */
int history_load(struct store *st, const struct store_history_filter *f, struct history *h,
		 struct herr *err);
void history_free(struct history *h);

/* Canonical JSON of a parameter object (sorted keys, compact; caller
 * frees), or NULL. */
char *history_params_key(const char *json);
/* "gups size=64m, variant thp-always (region)" */
void history_series_label(const struct hist_series *s, char *out, size_t n);

#endif
