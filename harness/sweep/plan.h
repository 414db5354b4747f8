/* A sweep expanded into cells and a run order, checked against this
 * machine before anything is changed or stored: target, kernels, knobs
 * (optional variants skipped with the reason), CPUs, governor, every
 * cell's parameters (the workload's --check). */
#ifndef HARNESS_SWEEP_PLAN_H
#define HARNESS_SWEEP_PLAN_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "sweep/spec.h"

struct sweep_cell {
	size_t variant;		/* index into spec.variants */
	size_t workload;	/* index into spec.workloads */
	size_t group;		/* same workload and parameters across variants */
	char **params;		/* key=value as written (grid values) */
	size_t nparams;
	char *desc;		/* the same, space-separated; "" without parameters */
	char *params_json;	/* every effective parameter (workload --check) */
	double est_s;		/* expected duration of one run, the harness's share included */
	int est_known;		/* est_s comes from earlier runs */
	int excluded;		/* the workload's `variants =` leaves this variant out */
};

struct plan_entry {
	size_t cell;
	int rep;
	int warmup;
	int conditional;	/* repetitions = auto: run only while the cell's CI is too wide */
};

struct target_ops;

struct sweep_plan {
	struct sweep_spec spec;
	const struct target_ops *target;	/* the spec's target */
	char **programs;	/* per workload: path of its program */
	char **skip;		/* per variant: why it is skipped, or NULL */
	struct sweep_cell *cells;	/* every variant's, skipped ones too: indices stay stable */
	size_t ncells;
	size_t ngroups;
	struct plan_entry *order;	/* warm-ups first, then the measured runs */
	size_t norder;
	size_t nmeasured, nwarmup, nskipped_cells;
	char cpuset[256];	/* the PUs `cpus` means, "" without binding */
	char **governor_paths;	/* scaling_governor files when `governor` is set */
	size_t ngovernor;
};

/* Take over spec (the plan owns it from here) and check and expand it. On
 * error (EXIT_USAGE naming file:line and the value) the plan is freed. */
int plan_make(struct sweep_spec *spec, struct sweep_plan *p, struct herr *err);
/* A plan error: "file:line: message", EXIT_USAGE (every plan error is an
 * input error); line 0 names the file alone. Returns -1. */
int plan_error(const struct sweep_spec *s, int line, struct herr *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void plan_free(struct sweep_plan *p);
/* The first and the last variant not skipped (the tables' reference and
 * last column). */
size_t plan_first_live(const struct sweep_plan *p);
size_t plan_last_live(const struct sweep_plan *p);

struct store;
/* Expected durations from earlier runs of the same workload and effective
 * parameters in st (NULL: none); returns the sweep's estimated seconds
 * for the entries not yet done (done[i] for order[i]; NULL: none done). */
double plan_estimate(struct sweep_plan *p, struct store *st, const unsigned char *done);

/* The plan as stored in sweeps.plan_json (caller frees). */
char *plan_json(const struct sweep_plan *p);
/* The cells of a plan_json, compared on resume with the plan made now. */
int plan_same_cells(const struct sweep_plan *p, const char *stored_json);

/* Human-readable plan (--dry-run). */
void plan_print(const struct sweep_plan *p, double est_s, const char *db_path, FILE *out);
/* "thp-never gups size=64m" */
void plan_cell_name(const struct sweep_plan *p, size_t cell, char *out, size_t n);
/* "1 min 20 s" */
void plan_format_duration(double s, char *out, size_t n);

#endif
