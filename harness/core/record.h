/* One run as the store receives it: identity, outcome, metadata and every
 * metric, sample and PMU event. Built by the runner, saved in one
 * transaction by store_save_run(). */
#ifndef HARNESS_RECORD_H
#define HARNESS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "measure/metric.h"
#include "measure/sysinfo.h"

struct knob {
	char *path;		/* absolute sysfs/procfs path */
	char *value;		/* value written for the run */
	char *previous;		/* value before, restored after */
};

struct run_record {
	char id[37];		/* UUID v4, stable across merged databases */
	char sweep_id[37];	/* "" outside a sweep */
	char variant[64];	/* "running" = the running kernel, no knobs */
	char target[16];	/* the target's name (targets/targets.c), set by the target */
	char workload[64];
	char *params_json;	/* effective parameters, every one (JSON object) */
	int rep;		/* repetition number, 0-based */
	int warmup;		/* 1: a warm-up run, excluded from results */
	int cell;		/* sweeps: the cell's index in the plan */
	int seq;		/* sweeps: the run's position in the sweep's order */
	char boot_id[37];	/* qemu: the boot it ran in (boots table); "" otherwise */
	char status[16];	/* "ok" or "failed" */
	char reason[512];	/* why it failed; "" when ok */
	int64_t started_ns;	/* wall clock, ns since the Unix epoch */
	int64_t ended_ns;
	int exit_code;		/* workload exit code, -1 if killed */
	int term_signal;	/* signal that ended it, 0 if none */
	char *stderr_tail;	/* last lines of the workload's stderr */
	char *settings_json;	/* noise controls, sample interval, THP/mTHP settings in force */
	struct knob *knobs;	/* knobs applied for this run (sweeps) */
	size_t nknobs;
	const struct machine_info *machine;
	const struct kernel_info *kernel;
	struct metric_set metrics;
};

void record_init(struct run_record *r);
void record_free(struct run_record *r);
/* A fresh random UUID v4 in out. */
void uuid_v4(char out[37]);

#endif
