/* Repetitions beyond the planned ones; see rerun.h. */
#include <stdlib.h>
#include <string.h>

#include "sweep/rerun.h"
#include "sweep/spec.h"

int rerun_plan(const struct sweep_row *row, struct sweep_plan *p, struct herr *err)
{
	struct sweep_spec spec;
	struct sweep_row key;

	if (!row->file_text)
		return herr_set(err, EXIT_USAGE, "sweep %s has no stored sweep file to add runs from",
				row->id);
	if (spec_parse(row->file ? row->file : row->id, row->file_text, &spec, err) ||
	    plan_make(&spec, p, err))
		return herr_wrap(err, "--rerun: planning sweep %.8s again", row->id);
	if (!plan_same_cells(p, row->plan_json)) {
		plan_free(p);
		return herr_set(err, EXIT_USAGE, "--rerun: sweep %s was planned with other cells (a "
				"workload's parameters or this machine changed since): runs made now "
				"would not be its cells", row->id);
	}
	if (sweep_identity(p, &key, err) ||
	    sweep_same_place(row, &key, "adding repetitions to it", err)) {
		plan_free(p);
		return herr_wrap(err, "--rerun");
	}
	return 0;
}

struct next_rep {
	size_t ncells;
	int *next;	/* per cell: one past the highest measured repetition stored */
};

static int note_rep(void *user, long long cell, int warmup, int rep)
{
	struct next_rep *nr = user;

	if (!warmup && cell >= 0 && (size_t)cell < nr->ncells && rep + 1 > nr->next[cell])
		nr->next[cell] = rep + 1;
	return 0;
}

/* Append reps entries per wanted cell to the order, round by round
 * (every cell's first extra repetition, then every cell's second), and
 * grow the done map with them not done. */
static int append(struct sweep_exec *x, const unsigned char *want, int reps, const int *next,
		  struct herr *err)
{
	struct sweep_plan *p = x->plan;
	size_t n = 0, old = p->norder;
	struct plan_entry *order;
	unsigned char *done;

	for (size_t c = 0; c < p->ncells; c++)
		n += want[c] ? (size_t)reps : 0;
	order = realloc(p->order, (old + n + 1) * sizeof(*order));
	if (order)
		p->order = order;
	done = order ? realloc(x->done, old + n + 1) : NULL;
	if (!done)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	x->done = done;
	memset(done + old, 0, n + 1);
	for (int r = 0; r < reps; r++)
		for (size_t c = 0; c < p->ncells; c++)
			if (want[c])
				p->order[p->norder++] = (struct plan_entry){ .cell = c, .rep = next[c] + r };
	return 0;
}

int rerun_round(struct sweep_exec *x, const unsigned char *want, int reps, size_t *added,
		struct herr *err)
{
	struct sweep_plan *p = x->plan;
	struct next_rep nr = { p->ncells, calloc(p->ncells + 1, sizeof(int)) };
	size_t first = p->norder;
	int rc;

	if (!nr.next)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!x->done && !(x->done = calloc(p->norder + 1, 1)))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	else
		rc = store_sweep_slots(x->st, x->sweep_id, note_rep, &nr, err);
	if (!rc) {
		memset(x->done, 1, first);	/* the planned order is not run again */
		rc = append(x, want, reps, nr.next, err);
	}
	free(nr.next);
	if (rc)
		return -1;
	x->est_s = plan_estimate(p, x->st, x->done);
	rc = sweep_execute(x, err);
	for (size_t i = first; i < p->norder; i++)
		added[p->order[i].cell] += x->done[i];
	return rc;
}
