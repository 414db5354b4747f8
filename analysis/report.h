/* A report over one or more stored sweeps: per workload and parameter set
 * (a group), per metric (a row) and per variant (a column), the runs'
 * values, their summary (stats.h) and the comparison with the baseline
 * column (compare.h), Benjamini-Hochberg across the whole report. Built
 * from the store's read queries only (store_report.c); the formats
 * (text, md, csv, json, html) read this model and nothing else, so a sweep's
 * closing table and `harness report` cannot disagree. docs/report.md. */
#ifndef ANALYSIS_REPORT_H
#define ANALYSIS_REPORT_H

#include <stdio.h>

#include "analysis/compare.h"
#include "analysis/stats.h"
#include "measure/metric.h"
#include "store/store.h"

enum report_format { RF_TEXT, RF_MD, RF_HTML, RF_CSV, RF_JSON };

struct report_opts {
	const char *const *sweeps;	/* references: id, prefix, "last" (resolved by the caller) */
	size_t nsweeps;
	const char *baseline;		/* a column label or variant name; NULL: the first */
	const char *metrics;		/* glob over metric names; NULL: the key metrics */
	enum report_format format;
	int csv_runs;			/* csv: the raw runs instead of the comparison */
	int width;			/* text: columns per line (80) */
};

/* One column: a variant of one sweep. */
struct rpt_col {
	char label[192];	/* "4k"; "4k@6.12.0-1" when sweeps are compared (docs/report.md) */
	char name[64];
	size_t sweep;
	int emulated;		/* its target's times and PMU counts are an emulator's */
	char *skipped;		/* why an optional variant did not run; NULL when it ran */
	char target[16], release[128], hostname[64];
};

/* A workload and parameter set, across the variants. */
struct rpt_group {
	char *label;		/* "gups size=64m updates=2000000" */
	char *effective;	/* every effective parameter, canonical JSON (history_params_key) */
	char workload[64], program[64];
	double size;		/* the effective size parameter (bytes); NaN when none */
	size_t *ok, *failed;	/* runs per column */
	char (*sample_run)[37];	/* per column: the run whose samples the charts draw ("" none) */
};

/* The runs of one (group, row, column). */
struct rpt_cell {
	double *v;
	size_t n, cap;
	size_t missing;		/* runs that stored the metric as not measured / not counted */
	char *reason;		/* the first such run's status and reason */
	struct stats_summary s;	/* when n > 0 */
	struct comparison c;	/* when have_c */
	int have_c;
};

struct rpt_row {
	size_t group;
	char name[96];
	enum metric_scope scope;
	char unit[24];
	enum metric_kind kind;
	enum metric_better better;
	int order;		/* within the group: workload results first, then the key list */
	int emulated;		/* a time, rate or PMU count of an emulated column */
	int hidden;		/* not shown: nothing measured, all zero, or the region row stands for it */
	struct rpt_cell *cells;	/* per column */
};

struct rpt_failure {
	char run_id[37];
	size_t group, col;
	int rep;
	char *reason;
};

struct report {
	struct report_opts o;
	struct store *st;
	struct sweep_row *sweeps;
	size_t nsweeps;
	struct rpt_col *cols;
	size_t ncols, base;
	struct rpt_group *groups;
	size_t ngroups;
	struct rpt_row *rows;
	size_t nrows;
	struct rpt_failure *fails;
	size_t nfails;
	size_t ncompared;	/* comparisons in the BH family */
	struct compare_opts cmp;
	/* Per sweep: JSON texts of its machines, kernels, variants, noise
	 * settings (store_report_context), for the HTML and JSON formats. */
	char ***context;
	size_t *ncontext;
	/* Per sweep: the group of each cell of its plan. */
	size_t **cell_group, *ncells;
};

/* Load, summarise and compare. The sweeps (already resolved rows, which
 * the report takes) must exist; EXIT_USAGE when the baseline is not one of
 * their columns. On error r is freed. */
int report_build(struct report *r, struct store *st, struct sweep_row *sweeps, size_t nsweeps,
		 const struct report_opts *o, struct herr *err);
void report_free(struct report *r);

/* Shown rows, in order: the index of the next shown row after i (start
 * with (size_t)-1); r->nrows at the end. */
size_t report_next_row(const struct report *r, size_t i);
/* "fault.minor (region) (emulated)", "gups [GUP/s]". */
void report_row_label(const struct rpt_row *row, char *out, size_t n);
/* A value in the row's unit, scaled: "64.0 KiB", "1.23 ms", "16.4k". */
void report_fmt_value(const struct rpt_row *row, double v, char *out, size_t n);
/* "0.0625x", "16x", "inf" (NaN: "-"). */
void report_fmt_ratio(double ratio, char *out, size_t n);
/* One character for a comparison: + better, - worse, ~ changed,
 * = no difference, ? inconclusive. */
char report_mark(const struct comparison *c);
/* The class of an inconclusive verdict, for the legend's counts. */
const char *report_inconclusive_why(const struct comparison *c, char *buf, size_t n);
/* The sweep's or sweeps' heading: "sweep NAME (ID8) on TARGET". */
void report_title(const struct report *r, char *out, size_t n);

/* The formats. Each writes the whole report to out. */
int report_text(const struct report *r, FILE *out, struct herr *err);
int report_md(const struct report *r, FILE *out, struct herr *err);
int report_csv(const struct report *r, FILE *out, struct herr *err);
int report_json(const struct report *r, FILE *out, struct herr *err);
/* Charts by gnuplot (run with an argv, in a temporary directory). */
int report_html(const struct report *r, FILE *out, struct herr *err);

int report_write(const struct report *r, FILE *out, struct herr *err);
/* Build (taking rows) and format into a fresh buffer: a failure half way
 * leaves nothing written anywhere. */
int report_render(struct store *st, struct sweep_row *rows, size_t n, const struct report_opts *ro,
		  char **buf, size_t *len, struct herr *err);

#endif
