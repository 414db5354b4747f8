/* What a run produced, in memory, before it is stored in one transaction:
 * metrics (one value each, or "not measured" with the reason), samples
 * (time series) and the PMU events behind the pmu metrics. */
#ifndef HARNESS_METRIC_H
#define HARNESS_METRIC_H

#include <stddef.h>
#include <stdint.h>

enum metric_kind { KIND_COUNTER, KIND_GAUGE, KIND_RATE };
enum metric_better { BETTER_LOWER, BETTER_HIGHER, BETTER_NONE };
enum metric_status {
	MS_OK,			/* measured */
	MS_SCALED,		/* measured, multiplexed: value scaled by enabled/running */
	MS_NOT_MEASURED,	/* could not be measured here; reason says why */
	MS_NOT_COUNTED,		/* opened but the hardware/emulator did not count it */
};
/* Which interval a value covers. */
enum metric_scope {
	SCOPE_PROCESS,		/* exec to exit (whole workload process tree) */
	SCOPE_REGION,		/* the region the workload marked as measured */
	SCOPE_WORKLOAD,		/* reported by the workload itself */
};

struct metric {
	char name[96];		/* e.g. "fault.minor", "tlb.l1d_refill" */
	double value;		/* meaningful only for MS_OK / MS_SCALED */
	char unit[24];		/* "count", "bytes", "ns", "GUP/s", ... */
	enum metric_kind kind;
	enum metric_better better;
	char source[16];	/* pmu, swevent, rusage, proc, cgroup, pagecache, thp, workload */
	enum metric_scope scope;
	enum metric_status status;
	char reason[200];	/* why not measured/counted; empty otherwise */
};

struct sample {
	uint32_t metric;	/* index into sample_set.names */
	int64_t t_ns;		/* since the workload's exec */
	double value;
};

struct sample_set {
	char (*names)[64];
	char (*units)[16];
	size_t nnames;
	struct sample *v;
	size_t n, cap;
};

/* One perf event behind a pmu/swevent metric: what was opened and what the
 * kernel said, so a reader can check the scaling. */
struct pmu_record {
	char metric[96];
	char event[128];	/* libpfm4 name, or "software:<name>" */
	uint32_t type;		/* perf_event_attr.type */
	uint64_t config, config1, config2;
	int group;		/* group number; events of one group were scheduled together */
	enum metric_scope scope;
	uint64_t raw;		/* counter value as read */
	uint64_t time_enabled, time_running;
	enum metric_status status;
	char reason[200];
};

struct metric_set {
	struct metric *v;
	size_t n, cap;
	struct pmu_record *pmu;
	size_t npmu, cappmu;
	struct sample_set samples;
};

void mset_init(struct metric_set *ms);
void mset_free(struct metric_set *ms);
/* Add a measured value of a metric the harness measures: unit, kind,
 * better direction and source come from the metric table
 * (measure/metric_table.c). A name the table lacks is a producer's bug: it
 * is stored anyway (source "unknown", no unit, kind gauge, direction none)
 * with a warning on stderr, so a real run keeps its other figures; under
 * HARNESS_METRICS_STRICT (the tests) the harness stops with the name
 * instead. Returns the new entry, or NULL when out of memory. */
struct metric *mset_add(struct metric_set *ms, enum metric_scope scope,
			const char *name, double value);
/* Add a metric that could not be measured, with the reason; the rest as
 * for mset_add. */
struct metric *mset_missing(struct metric_set *ms, enum metric_scope scope,
			    const char *name, enum metric_status status,
			    const char *reason);
/* A result the workload reported (scope workload, source workload), with
 * the unit, kind and direction it gave in its stream. */
struct metric *mset_add_workload(struct metric_set *ms, const char *name, double value,
				 const char *unit, enum metric_kind kind,
				 enum metric_better better);
/* A copy of m as it is, every field given: a run record read back from its
 * JSON form keeps what the producer stored. */
struct metric *mset_add_copy(struct metric_set *ms, const struct metric *m);
const struct metric *mset_find(const struct metric_set *ms,
			       enum metric_scope scope, const char *name);
struct pmu_record *mset_add_pmu(struct metric_set *ms);
/* Append a sample of the named series (created on first use). */
int mset_sample(struct metric_set *ms, const char *name, const char *unit,
		int64_t t_ns, double value);

const char *metric_kind_name(enum metric_kind k);
const char *metric_better_name(enum metric_better b);
const char *metric_status_name(enum metric_status s);
const char *metric_scope_name(enum metric_scope s);

#endif
