/* The regression gate (`harness check`): a candidate sweep against a
 * baseline sweep, per group (workload and parameter set), metric and
 * variant present in both. Each pair is compared with compare_samples (the
 * metric's better direction, the noise floor of its thresholds), the whole
 * check is one Benjamini-Hochberg family (compare_report), then gated:
 *
 *   FAIL          gated, verdict "worse" and the ratio worse than 1 by
 *                 more than the metric's regression threshold
 *                 (lower is better: ratio > 1 + t; higher: ratio < 1 - t)
 *   IMPROVED      verdict "better" (listed, never failing)
 *   INCONCLUSIVE  the comparison cannot tell; fails with --inconclusive fail
 *   PASS          anything else (no difference, changed, worse within t)
 *   UNGATED       gate = no, or a time/rate/PMU count of an emulated target
 *
 * The data come from report_build over the two sweeps (the report's rows,
 * shown rows only), so check and report read the same cells. docs/ci.md. */
#ifndef ANALYSIS_CHECK_H
#define ANALYSIS_CHECK_H

#include <stdio.h>

#include "analysis/report.h"
#include "analysis/thresholds.h"

enum check_outcome { CK_PASS, CK_FAIL, CK_IMPROVED, CK_INCONCLUSIVE, CK_UNGATED };

struct check_opts {
	const struct thresholds *th;
	const char *metrics;		/* glob over metric names; NULL: the report's key metrics */
	int inconclusive_fail;		/* a gated inconclusive comparison fails */
	const char *baseline_ref, *candidate_ref;	/* as given, for messages */
};

struct check_item {
	size_t row, bcol, ccol;		/* into the report */
	struct comparison c;
	struct threshold th;
	int gated;
	const char *why_ungated;	/* "gate = no" or "emulated"; NULL when gated */
	enum check_outcome outcome;
	size_t added;			/* runs --rerun added to its candidate cell */
};

struct check {
	struct check_opts o;
	struct report r;
	struct check_item *items;
	size_t nitems;
	size_t count[5];		/* per outcome */
	int rerun;			/* --rerun N (0: not asked) */
	size_t rerun_runs, rerun_cells;	/* runs it added, to how many cells */
};

/* Build (taking the two rows: baseline, then candidate; freed on error).
 * EXIT_USAGE when the sweeps have no cell and metric in common. */
int check_build(struct check *ck, struct store *st, struct sweep_row *rows,
		const struct check_opts *o, struct herr *err);
void check_free(struct check *ck);

/* 1 when the gate fails (a failure, or a gated inconclusive with
 * inconclusive_fail), 0 when it passes. */
int check_failed(const struct check *ck);
const char *check_outcome_name(enum check_outcome k);

/* --rerun: 1 when the candidate's plan cell `cell` (variant named variant)
 * has a gated inconclusive comparison, which more runs may decide. */
int check_cell_inconclusive(const struct check *ck, size_t cell, const char *variant);
/* --rerun: that cell got added more runs; the formats say so. */
void check_note_rerun(struct check *ck, size_t cell, const char *variant, size_t added);

/* Text (80 columns): failures first with figures, then improvements,
 * inconclusive ones, then counts. */
int check_text(const struct check *ck, FILE *out, struct herr *err);
int check_json(const struct check *ck, FILE *out, struct herr *err);
/* JUnit XML: one testcase per gated cell x metric. */
int check_junit(const struct check *ck, FILE *out, struct herr *err);

/* The pieces of one item, for the formats. */
const char *check_group_label(const struct check *ck, const struct check_item *it);
/* "thp-always/fault.minor (region)" */
void check_item_name(const struct check *ck, const struct check_item *it, char *out, size_t n);
/* "33 -> 16.4k, ratio 496x [480x, 510x], q 0.0001, threshold 3% (file:7)" */
void check_item_figures(const struct check *ck, const struct check_item *it, char *out, size_t n);

#endif
