/* A sweep file as written (docs/sweep-format.md), read with inih. Parsing
 * checks syntax and types only; what needs the machine (workloads, knobs,
 * CPUs) is checked when the plan is made (plan.h). Every error names
 * file:line and the value. */
#ifndef HARNESS_SWEEP_SPEC_H
#define HARNESS_SWEEP_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "sweep/grid.h"

enum sweep_order { ORDER_INTERLEAVED, ORDER_GROUPED };

struct sweep_knob {
	char *path;
	char *value;
	int line;
};

struct sweep_variant {
	char *name;
	char *description;
	char *kernel;		/* "running", or a variant file (qemu target) */
	int kernel_line;
	char *source;		/* kernel source (qemu target): package, or a path made
				 * absolute against the sweep file's directory; NULL: the variant's */
	char *ref;		/* a git ref of source; NULL: none */
	int source_line, ref_line;
	struct sweep_knob *knobs;
	size_t nknobs;
	int optional;
	char **launcher;	/* launcher words, the kind first (core/launcher.h); NULL: none */
	size_t nlauncher;
	int launcher_line;
	int line;		/* of the section header */
};

/* A [host NAME] section: a machine a remote target (ssh) runs on. Its
 * keys are the target's to check (targets/ssh/), kept here as written. */
struct sweep_host_key {
	char *key, *value;
	int line;
};

struct sweep_host {
	char *name;
	struct sweep_host_key *keys;
	size_t nkeys;
	int line;		/* of the section header */
};

struct sweep_param {
	char *key;
	char *text;		/* as written */
	struct grid grid;
	int line;
};

struct sweep_workload {
	char *label;		/* section name */
	char *program;		/* workload program; default: the label */
	int program_line;
	struct sweep_param *params;	/* in file order: the grid's axes */
	size_t nparams;
	char **only;		/* variants = NAME...: the variants it runs on; NULL: all */
	size_t nonly;
	int only_line;
	int line;
};

struct sweep_spec {
	char *file;		/* path as given, for messages */
	char *text;		/* the whole file: its hash finds a sweep to resume */
	char hash[17];
	char *name;
	char *target;
	int target_line;
	int reps;		/* with reps_auto: the most a cell may get */
	int warmup;		/* warm-up runs per cell */
	/* repetitions = auto: each cell gets reps_min, then one more per round
	 * until the 95% CI of its median of ci_metric (NULL: the workload's
	 * primary result) is within +-ci_width (relative), or reps. */
	int reps_auto;
	int reps_min;
	double ci_width;
	char *ci_metric;
	int reps_line;		/* of repetitions = */
	int reps_set;		/* repetitions or repetitions_max given */
	int auto_line;		/* of the last auto-only key; 0: none */
	enum sweep_order order;
	uint64_t seed;
	int aslr_off;
	int drop_caches;
	char *cpus;		/* hwloc binding; NULL: none */
	int cpus_line;
	int membind;		/* with cpus: memory on their NUMA nodes */
	char *governor;		/* cpufreq governor to set; NULL: leave (recorded anyway) */
	int governor_line;
	unsigned interval_ms;
	unsigned timeout_s;
	int line;		/* of [sweep] */
	struct sweep_variant *variants;
	size_t nvariants;
	struct sweep_workload *workloads;
	size_t nworkloads;
	struct sweep_host *hosts;
	size_t nhosts;
};

/* Parse text (the content of file). Without [variant] sections the sweep
 * has one variant, "running": the running kernel as it is. */
int spec_parse(const char *file, const char *text, struct sweep_spec *s, struct herr *err);
/* Read file and parse it. */
int spec_load(const char *file, struct sweep_spec *s, struct herr *err);
/* 1 when workload w runs on variant v (its `variants =` list, or all). */
int spec_workload_on(const struct sweep_spec *s, size_t w, size_t v);
void spec_free(struct sweep_spec *s);

#endif
