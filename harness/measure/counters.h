/* Counting with perf_event_open: portable PMU metric names resolved through
 * libpfm4 (arm64 architectural names first, then perf:: generic events),
 * packed into groups that fit the PMU's counters, plus software events.
 * Counters attach to a forked child before it execs (enable_on_exec,
 * inherit), so they cover the workload, its threads and its children. */
#ifndef HARNESS_COUNTERS_H
#define HARNESS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "measure/metric.h"

enum counter_class { COUNTER_PMU, COUNTER_SOFTWARE };

/* One portable metric and the events that may implement it, best first.
 * Its unit, direction and meaning: metric_def_find(name). */
struct counter_def {
	const char *name;		/* "tlb.l1d_refill" */
	enum counter_class cls;
	const char *candidates[4];	/* libpfm4 names, NULL-terminated; software: "" */
	uint64_t sw_config;		/* PERF_COUNT_SW_* for COUNTER_SOFTWARE */
};

extern const struct counter_def counter_defs[];
extern const size_t counter_ndefs;

/* What a portable name resolves to on this CPU (or on the PMU forced with
 * LIBPFM_FORCE_PMU). ok = 0 with reason when no candidate encodes. */
struct counter_resolution {
	const struct counter_def *def;
	int ok;
	char event[128];		/* libpfm4 fully-qualified name that encoded */
	char pmu[64];			/* libpfm4 PMU name, e.g. "arm_n1", "perf" */
	int ncounters;			/* generic counters of that PMU (0 unknown) */
	uint32_t type;			/* perf_event_attr.type */
	uint64_t config, config1, config2;
	char reason[200];
};

/* Initialise libpfm4 once (idempotent). */
int counters_lib_init(struct herr *err);
const struct counter_def *counter_find(const char *name);
int counter_resolve(const struct counter_def *def, struct counter_resolution *out,
		    struct herr *err);

/* A set of events opened on one child. Events that fail to open are kept
 * with the reason and later reported as MS_NOT_MEASURED, never as 0. */
struct counters;

/* Open every counter_defs entry (names == NULL) or the named ones on pid,
 * which must be stopped before exec (the runner holds it on a pipe).
 * Fails only for a usage error (unknown name) or out of memory; events
 * that do not open are recorded, not errors. */
int counters_open(pid_t pid, const char *const *names, size_t nnames,
		  struct counters **out, struct herr *err);

/* Values at one instant: raw count, time_enabled, time_running per event. */
struct counter_snapshot {
	size_t n;
	uint64_t *raw, *enabled, *running;
};

int counters_read(struct counters *c, struct counter_snapshot *snap, struct herr *err);
void counter_snapshot_free(struct counter_snapshot *snap);

/* Add one metric per counter for the interval [begin, end] (begin NULL =
 * from exec) to ms, in the given scope, plus one pmu_record each.
 * Scaling: value = raw * enabled / running when running < enabled
 * (status MS_SCALED). Not measured: did not open (reason = errno text and
 * the event). Not counted: opened but time_running == 0, or a PMU event
 * that read 0 over an interval in which the task ran (cycles or
 * task-clock > 0): the PMU/emulator does not implement it. */
int counters_to_metrics(const struct counters *c, const struct counter_snapshot *begin,
			const struct counter_snapshot *end, enum metric_scope scope,
			struct metric_set *ms, struct herr *err);
void counters_close(struct counters *c);

/* Derived metrics over the metrics of one scope already in ms:
 * tlb.<x>_mpki (misses per 1000 cpu.instructions, for l1d_refill,
 * l2d_refill, dtlb_walk, itlb_walk, l1i_refill), tlb.l1d_miss_ratio
 * (l1d_refill / l1d_access) and tlb.dtlb_walk_per_gib (bytes_touched > 0:
 * the bytes the workload reported touching). A derived metric whose
 * numerator is absent from ms is skipped; one whose input is not measured
 * (or not counted) is stored so, with the reason naming the input.
 * Returns -1 only when out of memory. */
int counters_derive(struct metric_set *ms, enum metric_scope scope, double bytes_touched);

/* The classification rule on its own, for unit tests:
 * returns MS_OK, MS_SCALED or MS_NOT_COUNTED for an opened event. */
enum metric_status counter_classify(enum counter_class cls, uint64_t raw,
				    uint64_t enabled, uint64_t running,
				    int task_ran);

#endif
