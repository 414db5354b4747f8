/* Run one repetition of a workload under full measurement and fill a
 * run_record: counters from exec (and for the marked region), memory
 * samples, system deltas, page cache, cgroup, rusage, and the workload's
 * own results from its framed stream. */
#ifndef HARNESS_RUNNER_H
#define HARNESS_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/record.h"

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
	/* Noise controls and launcher (sweeps). Zero values keep harness
	 * run's behaviour; all are recorded in settings_json either way. */
	int aslr_off;			/* personality(ADDR_NO_RANDOMIZE) in the child */
	int drop_caches;		/* sync, then drop page cache, dentries and inodes first */
	const char *cpus;		/* bind the child's CPUs (runner_check_cpus syntax); NULL: none */
	int membind;			/* with cpus: memory on their NUMA nodes too */
	const char *const *launcher;	/* launcher words, the kind first (core/launcher.h); NULL: exec */
	size_t nlauncher;
	const char *settings_extra;	/* JSON object merged into settings_json; NULL: none */
};

/* Check a CPU binding: an hwloc list of PU OS indices ("0", "0,2-3") or
 * TYPE:INDEX with a logical index ("core:0", "numa:1", "package:0").
 * Fills cpuset with the PUs it means ("0-1"). EXIT_USAGE when it names
 * nothing this machine has. */
int runner_check_cpus(const char *spec, char *cpuset, size_t n, struct herr *err);
/* The cpufreq governor of CPU 0, or "" when the machine has no cpufreq. */
void runner_governor(char *out, size_t n);


/* Returns 0 when the workload ran, whatever its outcome (r->status says
 * "ok" or "failed" with r->reason; a failed run keeps no metrics, so
 * nothing partial is stored). -1 when the harness itself failed or was
 * interrupted. */
int runner_run(const struct run_opts *o, struct run_record *r, struct herr *err);

/* The smaps_rollup/status fields sampled as "mem.<field>" series, with a
 * "mem.<field>_peak" metric each (for the metric table's test). */
extern const char *const *const runner_sampled;
extern const size_t runner_nsampled;

#endif
