/* Running a planned sweep on the local target: for each run of the order
 * not yet stored, apply the variant's knobs, run the cell under full
 * measurement, store it in one transaction, restore the knobs. */
#ifndef HARNESS_SWEEP_EXEC_H
#define HARNESS_SWEEP_EXEC_H

#include "core/error.h"
#include "store/store.h"
#include "machine/knobs.h"
#include "sweep/plan.h"

struct sweep_exec {
	struct sweep_plan *plan;
	struct store *st;
	const char *sweep_id;
	unsigned char *done;	/* per order entry: already stored */
	int quiet;
	double est_s;		/* estimate of what is left */
	struct knob_journal journal;
	size_t made, failed;	/* this invocation */
};

/* The union of the knobs the plan's variants set, for journal_begin
 * (caller frees the array, not the strings). Includes the governor files
 * when the sweep sets one. */
const char **sweep_knob_paths(const struct sweep_plan *p, size_t *n);

/* Take the journal (and with it this machine's sweep lock) before the
 * store is touched: a second sweep on the machine waits up front. */
int sweep_lock(struct sweep_exec *x, struct herr *err);
/* Run every entry not done. 0 when the order is complete; -1 when
 * interrupted (SIGINT/SIGTERM) or the harness failed: knobs are restored
 * either way (sweep_unlock). */
int sweep_execute(struct sweep_exec *x, struct herr *err);
/* Restore and remove the journal. */
int sweep_unlock(struct sweep_exec *x, struct herr *err);

#endif
