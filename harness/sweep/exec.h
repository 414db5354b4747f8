/* Running a planned sweep through its target: the order's entries not yet
 * stored are grouped into batches (one run each, or on a target that
 * boots kernels one boot per variant and round), and for each batch the
 * target starts the variant, runs and stores the batch, stops it. */
#ifndef HARNESS_SWEEP_EXEC_H
#define HARNESS_SWEEP_EXEC_H

#include "core/error.h"
#include "machine/knobs.h"
#include "store/store.h"
#include "sweep/plan.h"
#include "targets/target.h"

struct sweep_exec {
	struct sweep_plan *plan;
	const void *target_opts;	/* the target's options (cli_target_opts) */
	struct store *st;
	const char *sweep_id;
	unsigned char *done;	/* per order entry: already stored */
	int quiet;
	double est_s;		/* estimate of what is left */
	struct knob_journal journal;
	int locked;		/* journal (and the machine's knob lock) held */
	long long wait_s;	/* for the lock: < 0 forever, 0 not at all */
	size_t made, failed;	/* this invocation */
	size_t settled;		/* repetitions = auto: conditional runs not needed */
};

/* The union of the knobs the plan's variants set on this machine, for
 * journal_begin (caller frees the array, not the strings). Includes the
 * governor files when the sweep sets one. */
const char **sweep_knob_paths(const struct sweep_plan *p, size_t *n);

/* Order entry i of x->plan (sweep x->sweep_id) as a target runs it: the
 * run's settings (the sweep, the cell, its place in the order; caller
 * frees), and the run itself, pointing into the plan and settings. A LAVA
 * export writes the same runs into its jobs. */
/* Sweep variant i as the target opens it: name, kernel, source, its knobs
 * and launcher (pointing into the plan; the arrays are the caller's to
 * free with sweep_target_variant_free). -1: out of memory. */
int sweep_target_variant(const struct sweep_plan *p, size_t i, struct target_variant *tv);
void sweep_target_variant_free(struct target_variant *tv);
char *sweep_run_settings(const struct sweep_exec *x, size_t i);
void sweep_fill_run(const struct sweep_exec *x, size_t i, char *settings, struct target_run *run);
/* A sweep's identity beside its file's content: the machine, and the
 * running kernel when the target runs on it (key's file_hash, machine_id,
 * kernel_id, kernel_release; the rest zero). */
int sweep_identity(const struct sweep_plan *p, struct sweep_row *key, struct herr *err);
/* Adding runs to a stored sweep (row) that another kernel or machine ran
 * would mix two in one comparison: EXIT_USAGE naming both; doing says
 * what was asked ("resuming it"). */
int sweep_same_place(const struct sweep_row *row, const struct sweep_row *key, const char *doing,
		     struct herr *err);

/* Take the journal (and with it this machine's knob lock) before the
 * store is touched, when the sweep's target runs on this machine's kernel:
 * a second such sweep waits up front (x->wait_s). A sweep on a target that
 * boots its own kernels takes nothing. */
int sweep_lock(struct sweep_exec *x, struct herr *err);
/* Run every entry not done. 0 when the order is complete; -1 when
 * interrupted (SIGINT/SIGTERM) or the harness failed: knobs are restored
 * either way (sweep_unlock). */
int sweep_execute(struct sweep_exec *x, struct herr *err);
/* Restore and remove the journal. */
int sweep_unlock(struct sweep_exec *x, struct herr *err);

#endif
