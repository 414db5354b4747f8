/* More repetitions of some cells of a stored sweep (harness check
 * --rerun, as Chromium's Pinpoint adds attempts to an unclear comparison):
 * the sweep is planned again from the file text stored with it, and the
 * chosen cells' next repetitions (numbered after the last one stored, so
 * beyond the planned ones) run through the same executor and target and
 * are stored as runs of the same sweep. docs/ci.md, "--rerun". */
#ifndef HARNESS_SWEEP_RERUN_H
#define HARNESS_SWEEP_RERUN_H

#include "sweep/exec.h"

/* Plan the stored sweep row again (p, which the caller frees) and refuse
 * (EXIT_USAGE) when it cannot take runs made here: no stored file text,
 * other cells than it was planned with, another machine or kernel. */
int rerun_plan(const struct sweep_row *row, struct sweep_plan *p, struct herr *err);

/* One round, with x->plan, x->target_opts, x->st, x->sweep_id set and the
 * lock held (sweep_lock): reps more repetitions of every cell c with
 * want[c], interleaved across the cells; added[c] counts the runs stored
 * (failed ones included). 0 when the round is complete; -1 when
 * interrupted or the harness failed (every run stored before stays). */
int rerun_round(struct sweep_exec *x, const unsigned char *want, int reps, size_t *added,
		struct herr *err);

#endif
