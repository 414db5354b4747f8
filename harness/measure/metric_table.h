/* The one metric table: for every metric the harness stores, its unit,
 * kind, better direction, source, the scopes it appears in and what it
 * means. Producers give only a scope, a name and a value (mset_add); the
 * rest comes from here. docs/metrics.md's table is generated from it
 * (harness help --metrics), and the comparison tables read it.
 *
 * A name is exact or an fnmatch(3) pattern for a family ("vmstat.*",
 * "thp.hugepages-*kB.*"): exact entries win, then patterns in table order,
 * so a narrower pattern is written before a wider one.
 *
 * Workload results are reported by the workload with their own unit, kind
 * and direction (docs/protocol.md). The entries with a workload name
 * document the fixed names of the workloads under workloads/; a result the
 * table does not know (another workload, a new name) is stored as the
 * workload reported it. */
#ifndef HARNESS_METRIC_TABLE_H
#define HARNESS_METRIC_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "measure/metric.h"

/* Where a metric appears, as a bit mask of (1 << enum metric_scope), plus
 * the time series of the samples table. */
#define METRIC_IN_PROCESS (1u << SCOPE_PROCESS)
#define METRIC_IN_REGION (1u << SCOPE_REGION)
#define METRIC_IN_WORKLOAD (1u << SCOPE_WORKLOAD)
#define METRIC_IN_SAMPLES (1u << 3)

/* The value measures time, or work per time: from an emulated target it
 * says nothing about hardware, and tables label it so. */
#define METRIC_TIMING 1u

struct metric_def {
	const char *name;	/* exact name or fnmatch pattern */
	const char *workload;	/* NULL: measured by the harness; else reported by this workload */
	const char *unit;
	enum metric_kind kind;
	enum metric_better better;
	const char *source;	/* stored in metrics.source */
	unsigned scopes;	/* METRIC_IN_* */
	unsigned flags;		/* METRIC_TIMING */
	const char *meaning;	/* one line */
};

extern const struct metric_def metric_defs[];
extern const size_t metric_ndefs;

/* A metric the harness measures: exact names first, then patterns. NULL
 * when the table has no such name (a programming error in a producer). */
const struct metric_def *metric_def_find(const char *name);
/* A result reported by the named workload (its program's base name), by
 * the same rule. NULL: not documented; stored as reported. */
const struct metric_def *metric_def_find_workload(const char *workload, const char *name);
/* 1 when the table documents any result of this workload. */
int metric_table_has_workload(const char *workload);
/* 1 when name contains a pattern character. */
int metric_def_is_pattern(const struct metric_def *d);

/* HARNESS_METRICS_STRICT set and not "0": the tests' mode, in which a
 * name missing from the table, or a documented workload result that
 * disagrees with its entry, stops the run instead of being stored with a
 * warning. */
int metric_table_strict(void);

/* docs/metrics.md's generated section, between its BEGIN and END marker
 * lines. Returns 0, or -1 when writing fails. */
int metric_table_markdown(FILE *out);

#endif
