/* Thresholds file: what the regression gate (`harness check`) allows, per
 * workload and metric. Format and precedence: docs/ci.md, "Thresholds
 * file"; the shipped file is thresholds/default.ini.
 *
 *   [default]                      every metric
 *   [kind counter|gauge|rate]      metrics of that kind
 *   [metric PATTERN]               a metric name, or a glob (fnmatch: * ? [..])
 *   [workload NAME]                every metric of one workload
 *   [workload NAME metric PATTERN] one workload's metrics matching PATTERN
 *
 * Keys, each optional in any section:
 *   regression  = 3%     worse by more than this (and significantly) fails
 *   noise_floor = 2%     the band of "no difference" (compare.h's noise floor)
 *   gate        = yes    no: reported, never failing
 *
 * Lookup, key by key: the first section that sets the key, in this order:
 *   1. [workload W metric P]   2. [workload W]   3. [metric P]
 *   4. [kind K]                5. [default]      6. built in (below)
 * Within 1 and 3, an exact name beats a glob, and of several matching
 * globs the one later in the file wins (as in .gitignore). A workload's
 * settings come before a metric's so that a user's `[workload gups]` is
 * not undone by a metric pattern of the shipped file. */
#ifndef ANALYSIS_THRESHOLDS_H
#define ANALYSIS_THRESHOLDS_H

#include <stddef.h>

#include "analysis/compare.h"
#include "core/error.h"
#include "measure/metric.h"

/* Built in, when no section sets a key: worse by more than 3% fails (the
 * issue's figure); the noise floor is the report's (2%, justified by
 * test_analysis_sim.c); every metric gated. */
#define THRESHOLD_REGRESSION_DEFAULT 0.03
#define THRESHOLD_NOISE_FLOOR_DEFAULT COMPARE_NOISE_FLOOR_DEFAULT
#define THRESHOLD_GATE_DEFAULT 1

enum th_scope { TH_DEFAULT, TH_KIND, TH_METRIC, TH_WORKLOAD, TH_WORKLOAD_METRIC };

struct th_section {
	enum th_scope scope;
	enum metric_kind kind;	/* TH_KIND */
	char *workload;		/* TH_WORKLOAD, TH_WORKLOAD_METRIC */
	char *metric;		/* TH_METRIC, TH_WORKLOAD_METRIC: name or glob */
	int glob;		/* metric has a glob character */
	unsigned set;		/* TH_SET_* of the keys this section gives */
	double regression, noise_floor;
	int gate;
	int line, key_line[3];	/* the header's line; each key's */
};

enum { TH_SET_REGRESSION = 1, TH_SET_NOISE_FLOOR = 2, TH_SET_GATE = 4 };

struct thresholds {
	char *file;		/* as given, for messages; NULL: built in only */
	struct th_section *sec;
	size_t nsec;
};

/* The thresholds of one workload and metric. *_from says where each came
 * from: "FILE:LINE", or "built in". */
struct threshold {
	double regression;	/* relative: 0.03 is 3% */
	double noise_floor;
	int gate;
	int gate_named;		/* gate set by a section naming the metric ([metric P], [workload W metric P]) */
	char regression_from[280], noise_floor_from[280], gate_from[280];
};

/* Parse text (named file in messages). Errors are EXIT_USAGE with
 * "FILE:LINE: ..." naming the value. *t is left empty on error. */
int thresholds_parse(const char *file, const char *text, struct thresholds *t, struct herr *e);
int thresholds_load(const char *file, struct thresholds *t, struct herr *e);
/* Built-in values only (no file). */
void thresholds_init(struct thresholds *t);
void thresholds_free(struct thresholds *t);

void thresholds_for(const struct thresholds *t, const char *workload, const char *metric,
		    enum metric_kind kind, struct threshold *out);

#endif
