/* A sweep on target qemu, run as boots. Every variant's kernel and the
 * guest bundle are made (or found in the cache) before the first boot, so
 * a build failure stops the sweep before anything runs. Then the order's
 * entries not yet stored are grouped into boots — interleaved: one boot
 * per (variant, round), i.e. one repetition of every cell of the variant,
 * with the warm-ups in the variant's first boot; grouped: one boot per
 * variant — and the boots run in the order their first entry has in the
 * seeded order. A failed boot stores a failed run for each of its cells
 * and the sweep goes on with the next boot. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/signals.h"
#include "core/runner.h"
#include "sweep/progress.h"
#include "targets/qemu/qemu_sweep.h"
#include "targets/qemu/qemu_run.h"

static struct qemu_opts sweep_qopts;

void sweep_qemu_set_opts(const struct qemu_opts *o)
{
	sweep_qopts = *o;
}

struct boot_group {
	size_t variant;
	int round;		/* interleaved: the repetition; grouped: -1 */
	size_t *entries;	/* indexes into the order */
	size_t n;
};

struct qexec {
	struct sweep_exec *x;
	struct qemu_session *sessions;	/* per variant; opened ones have kb.v set */
	struct boot_group *boots;
	size_t nboots;
	struct progress pg;
};

static int add_entry(struct qexec *q, size_t variant, int round, size_t i)
{
	struct boot_group *b = NULL;
	size_t *g;

	for (size_t k = 0; k < q->nboots && !b; k++)
		if (q->boots[k].variant == variant && q->boots[k].round == round)
			b = &q->boots[k];
	if (!b) {
		struct boot_group *grown = realloc(q->boots, (q->nboots + 1) * sizeof(*grown));

		if (!grown)
			return -1;
		q->boots = grown;
		b = &q->boots[q->nboots++];
		memset(b, 0, sizeof(*b));
		b->variant = variant;
		b->round = round;
	}
	g = realloc(b->entries, (b->n + 1) * sizeof(*g));
	if (!g)
		return -1;
	b->entries = g;
	g[b->n++] = i;
	return 0;
}

static int group_boots(struct qexec *q, struct herr *err)
{
	const struct sweep_plan *p = q->x->plan;
	int grouped = p->spec.order == ORDER_GROUPED;

	for (size_t i = 0; i < p->norder; i++) {
		const struct plan_entry *e = &p->order[i];

		if (q->x->done[i])
			continue;
		if (add_entry(q, p->cells[e->cell].variant, grouped ? -1 : e->warmup ? 0 : e->rep, i))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

static int open_sessions(struct qexec *q, struct herr *err)
{
	const struct sweep_plan *p = q->x->plan;

	q->sessions = calloc(p->spec.nvariants + 1, sizeof(*q->sessions));
	if (!q->sessions)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t b = 0; b < q->nboots; b++) {
		size_t vi = q->boots[b].variant;
		const struct sweep_variant *v = &p->spec.variants[vi];
		struct qemu_session *s = &q->sessions[vi];

		if (s->kb.v)
			continue;
		progress_note(&q->pg, "variant %s: kernel %s", v->name, sweep_qemu_kernel(v));
		if (qemu_session_open(sweep_qemu_kernel(v), &sweep_qopts, s, err))
			return herr_wrap(err, "variant %s", v->name);
		snprintf(s->label, sizeof(s->label), "%s", v->name);
		/* A redrawn progress bar and the session's lines would mix:
		 * with a bar, boots are announced through progress notes only. */
		if (q->pg.mode == PROGRESS_BAR)
			s->opts.progress = NULL;
		s->nxknobs = v->nknobs;
		s->xknob_paths = calloc(v->nknobs + 1, sizeof(char *));
		s->xknob_values = calloc(v->nknobs + 1, sizeof(char *));
		if (!s->xknob_paths || !s->xknob_values)
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		for (size_t k = 0; k < v->nknobs; k++) {
			((const char **)s->xknob_paths)[k] = v->knobs[k].path;
			((const char **)s->xknob_values)[k] = v->knobs[k].value;
		}
	}
	return 0;
}

static char *entry_settings(const struct sweep_exec *x, size_t i)
{
	const struct sweep_plan *p = x->plan;
	json_t *o = json_pack("{s:{s:s, s:s, s:I, s:I, s:s}}", "sweep", "id", x->sweep_id,
			      "name", p->spec.name, "cell", (json_int_t)p->order[i].cell,
			      "order_index", (json_int_t)i, "order",
			      p->spec.order == ORDER_INTERLEAVED ? "interleaved" : "grouped");
	char *out = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return out;
}

static void fill_cell(const struct sweep_exec *x, size_t i, char *settings, struct qemu_cell *qc)
{
	const struct sweep_plan *p = x->plan;
	const struct plan_entry *e = &p->order[i];
	const struct sweep_cell *c = &p->cells[e->cell];

	memset(qc, 0, sizeof(*qc));
	qc->workload = p->spec.workloads[c->workload].program;
	qc->params = (const char *const *)c->params;
	qc->nparams = c->nparams;
	qc->params_json = c->params_json;
	qc->seed = p->spec.seed;	/* the same data for every variant */
	qc->rep = e->rep;
	qc->warmup = e->warmup;
	qc->cell = (int)e->cell;
	qc->seq = (int)i;
	qc->sample_ms = p->spec.interval_ms;
	qc->timeout_s = p->spec.timeout_s;
	qc->use_cgroup = 1;
	qc->aslr_off = p->spec.aslr_off;
	qc->drop_caches = p->spec.drop_caches;
	qc->settings_json = settings;
}

struct stored_ctx {
	struct qexec *q;
	double t_last;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* After each stored run: the slot is done, progress moves. */
static void on_stored(void *user, struct run_record *r)
{
	struct stored_ctx *c = user;
	struct sweep_exec *x = c->q->x;
	const struct plan_entry *e;
	char name[600];
	double now = mono_s();

	if (r->seq < 0 || (size_t)r->seq >= x->plan->norder)
		return;
	e = &x->plan->order[r->seq];
	x->done[r->seq] = 1;
	x->made++;
	x->failed += strcmp(r->status, "ok") != 0;
	plan_cell_name(x->plan, e->cell, name, sizeof(name));
	progress_start(&c->q->pg, name, e->rep + 1, e->warmup ? x->plan->spec.warmup : x->plan->spec.reps,
		       e->warmup);
	progress_done(&c->q->pg, r->status, r->reason, x->plan->cells[e->cell].est_s, now - c->t_last);
	c->t_last = now;
}

static int run_boot(struct qexec *q, const struct boot_group *b, const struct boot_test *test,
		    struct herr *err)
{
	struct sweep_exec *x = q->x;
	struct qemu_cell *cells = calloc(b->n + 1, sizeof(*cells));
	char **settings = calloc(b->n + 1, sizeof(*settings));
	struct stored_ctx sc = { q, mono_s() };
	struct qemu_boot_summary sum;
	int rc = cells && settings ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");

	for (size_t k = 0; !rc && k < b->n; k++) {
		settings[k] = entry_settings(x, b->entries[k]);
		fill_cell(x, b->entries[k], settings[k], &cells[k]);
	}
	if (!rc) {
		char round[40] = "";

		if (b->round >= 0)
			snprintf(round, sizeof(round), ", repetition %d", b->round + 1);
		progress_note(&q->pg, "booting %s%s (%zu run%s)", x->plan->spec.variants[b->variant].name,
			      round, b->n, b->n == 1 ? "" : "s");
		rc = qemu_session_boot(&q->sessions[b->variant], x->st, x->sweep_id, cells, b->n, test,
				       on_stored, &sc, &sum, err);
	}
	if (!rc && strcmp(sum.status, "ok"))
		progress_note(&q->pg, "boot %.8s of %s failed: %s", sum.boot_id,
			      x->plan->spec.variants[b->variant].name, sum.reason);
	for (size_t k = 0; settings && k < b->n; k++)
		free(settings[k]);
	free(settings);
	free(cells);
	return rc;
}

static void qexec_free(struct qexec *q)
{
	for (size_t v = 0; q->sessions && v < q->x->plan->spec.nvariants; v++) {
		free((void *)q->sessions[v].xknob_paths);
		free((void *)q->sessions[v].xknob_values);
		qemu_session_close(&q->sessions[v]);
	}
	free(q->sessions);
	for (size_t b = 0; b < q->nboots; b++)
		free(q->boots[b].entries);
	free(q->boots);
}

int sweep_execute_qemu(struct sweep_exec *x, struct herr *err)
{
	struct qexec q = { .x = x };
	struct boot_test test;
	size_t left = 0;
	int rc;

	/* The sessions' progress lines go through the sweep's progress. */
	sweep_qopts.progress = x->quiet ? NULL : stderr;
	for (size_t i = 0; i < x->plan->norder; i++)
		left += !x->done[i];
	progress_init(&q.pg, stderr, x->quiet, left, x->est_s);
	rc = qemu_test_from_env(&test, err);
	if (!rc)
		rc = group_boots(&q, err);
	if (!rc)
		rc = open_sessions(&q, err);
	for (size_t b = 0; !rc && b < q.nboots; b++) {
		if (signals_caught()) {
			rc = herr_set(err, EXIT_RUNTIME, "interrupted by signal %d", signals_caught());
			break;
		}
		rc = run_boot(&q, &q.boots[b], &test, err);
	}
	progress_end(&q.pg);
	qexec_free(&q);
	return rc;
}
