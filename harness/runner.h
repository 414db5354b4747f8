/* Run one repetition of a workload under full measurement and fill a
 * run_record: counters from exec (and for the marked region), memory
 * samples, system deltas, page cache, cgroup, rusage, and the workload's
 * own results from its framed stream. */
#ifndef HARNESS_RUNNER_H
#define HARNESS_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"

struct run_opts {
	const char *path;		/* workload binary */
	const char *const *params;	/* key=value, already validated */
	size_t nparams;
	uint64_t seed;
	unsigned sample_ms;		/* smaps_rollup/status sampling interval */
	unsigned timeout_s;		/* 0: none */
	int use_cgroup;
	const char *const *events;	/* portable counter names; NULL: all */
	size_t nevents;
};

/* Set by SIGINT/SIGTERM (runner_catch_signals): the run in progress is
 * killed and not stored. */
extern volatile sig_atomic_t runner_interrupted;
void runner_catch_signals(void);

/* Returns 0 when the workload ran, whatever its outcome (r->status says
 * "ok" or "failed" with r->reason; a failed run keeps no metrics, so
 * nothing partial is stored). -1 when the harness itself failed or was
 * interrupted. */
int runner_run(const struct run_opts *o, struct run_record *r, struct herr *err);

#endif
