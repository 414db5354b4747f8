#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/stats.h"
#include "core/signals.h"
#include "measure/sysinfo.h"
#include "sweep/exec.h"
#include "sweep/progress.h"
#include "targets/target.h"

static int has_path(const char **v, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], p))
			return 1;
	return 0;
}

const char **sweep_knob_paths(const struct sweep_plan *p, size_t *n)
{
	size_t cap = p->ngovernor + 1;
	const char **v;

	for (size_t i = 0; i < p->spec.nvariants; i++)
		cap += p->spec.variants[i].nknobs;
	v = calloc(cap, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	/* A target that boots its own kernels writes knobs there, never here. */
	for (size_t i = 0; target_on_host_kernel(p->target) && i < p->spec.nvariants; i++)
		for (size_t k = 0; !p->skip[i] && k < p->spec.variants[i].nknobs; k++)
			if (!has_path(v, *n, p->spec.variants[i].knobs[k].path))
				v[(*n)++] = p->spec.variants[i].knobs[k].path;
	for (size_t i = 0; i < p->ngovernor; i++)
		v[(*n)++] = p->governor_paths[i];
	return v;
}

int sweep_identity(const struct sweep_plan *p, struct sweep_row *key, struct herr *err)
{
	struct machine_info mi;
	struct kernel_info ki;

	memset(key, 0, sizeof(*key));
	snprintf(key->file_hash, sizeof(key->file_hash), "%s", p->spec.hash);
	if (sysinfo_collect(&mi, &ki, err))
		return -1;
	snprintf(key->machine_id, sizeof(key->machine_id), "%s", mi.id);
	if (target_on_host_kernel(p->target)) {
		snprintf(key->kernel_id, sizeof(key->kernel_id), "%s", ki.id);
		snprintf(key->kernel_release, sizeof(key->kernel_release), "%s", ki.release);
	}
	sysinfo_free(&mi, &ki);
	return 0;
}

int sweep_same_place(const struct sweep_row *row, const struct sweep_row *key, const char *doing,
		     struct herr *err)
{
	if (*row->machine_id && strcmp(row->machine_id, key->machine_id))
		return herr_set(err, EXIT_USAGE, "sweep %s ran on another machine (%s; this one is %s): "
				"%s here would mix two machines in one comparison; run its "
				"file with --new", row->id, row->machine_id, key->machine_id, doing);
	if (*row->kernel_id && strcmp(row->kernel_id, key->kernel_id))
		return herr_set(err, EXIT_USAGE, "sweep %s ran on kernel %s (id %s); this machine now runs "
				"%s (id %s): %s would mix two kernels in one comparison; run its "
				"file with --new", row->id, row->kernel_release, row->kernel_id,
				key->kernel_release, key->kernel_id, doing);
	return 0;
}

int sweep_lock(struct sweep_exec *x, struct herr *err)
{
	char who[600];
	size_t n;
	const char **paths;
	int rc;

	/* A sweep on this machine's kernel depends on its knobs even when it
	 * writes none: it waits for one that changes them. */
	if (!target_on_host_kernel(x->plan->target))
		return 0;
	if (!(paths = sweep_knob_paths(x->plan, &n)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	snprintf(who, sizeof(who), "sweep %s, %s", x->plan->spec.name, x->plan->spec.file);
	rc = journal_begin(&x->journal, paths, n, x->wait_s, who, err);
	free(paths);
	x->locked = rc == 0;
	return rc;
}

int sweep_unlock(struct sweep_exec *x, struct herr *err)
{
	if (!x->locked)
		return 0;
	x->locked = 0;
	if (journal_end(&x->journal, err))
		return herr_wrap(err, "restoring knobs after the sweep");
	return 0;
}

char *sweep_run_settings(const struct sweep_exec *x, size_t i)
{
	const struct sweep_plan *p = x->plan;
	const struct plan_entry *e = &p->order[i];
	json_t *o = json_object(), *s = json_object();
	char *out;

	json_object_set_new(s, "id", json_string(x->sweep_id));
	json_object_set_new(s, "name", json_string(p->spec.name));
	json_object_set_new(s, "cell", json_integer((json_int_t)e->cell));
	json_object_set_new(s, "order_index", json_integer((json_int_t)i));
	json_object_set_new(s, "order", json_string(p->spec.order == ORDER_INTERLEAVED ? "interleaved" : "grouped"));
	if (target_on_host_kernel(p->target)) {
		json_object_set_new(s, "membind", json_boolean(p->spec.cpus && p->spec.membind));
		json_object_set_new(s, "governor_set", p->spec.governor ? json_string(p->spec.governor) : json_null());
	}
	json_object_set_new(o, "sweep", s);
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

void sweep_fill_run(const struct sweep_exec *x, size_t i, char *settings, struct target_run *run)
{
	const struct sweep_plan *p = x->plan;
	const struct plan_entry *e = &p->order[i];
	const struct sweep_cell *c = &p->cells[e->cell];

	memset(run, 0, sizeof(*run));
	run->workload = p->spec.workloads[c->workload].program;
	run->program = p->programs[c->workload];
	run->params = (const char *const *)c->params;
	run->nparams = c->nparams;
	run->params_json = c->params_json;
	run->seed = p->spec.seed;	/* the same data for every variant: a fair comparison */
	run->rep = e->rep;
	run->warmup = e->warmup;
	run->cell = (int)e->cell;
	run->seq = (int)i;
	run->sample_ms = p->spec.interval_ms;
	run->timeout_s = p->spec.timeout_s;
	run->use_cgroup = 1;
	run->aslr_off = p->spec.aslr_off;
	run->drop_caches = p->spec.drop_caches;
	run->cpus = p->spec.cpus;
	run->membind = p->spec.membind;
	run->settings_json = settings;
}

/* ---- batches ---- */

struct batch {
	size_t variant;
	int round;		/* boots, interleaved: the repetition; grouped: -1 */
	size_t *entries;	/* indexes into the order */
	size_t n;
};

struct batches {
	struct batch *v;
	size_t n;
};

static struct batch *batch_for(struct batches *bs, size_t variant, int round, int own)
{
	struct batch *grown;

	for (size_t k = 0; !own && k < bs->n; k++)
		if (bs->v[k].variant == variant && bs->v[k].round == round)
			return &bs->v[k];
	if (!(grown = realloc(bs->v, (bs->n + 1) * sizeof(*grown))))
		return NULL;
	bs->v = grown;
	memset(&bs->v[bs->n], 0, sizeof(bs->v[bs->n]));
	bs->v[bs->n].variant = variant;
	bs->v[bs->n].round = round;
	return &bs->v[bs->n++];
}

/* The entries not done, in order; on a target that boots kernels, one
 * batch per (variant, round) — interleaved: one repetition of every cell
 * of the variant, warm-ups in the first — or per variant (grouped), each
 * batch placed where its first entry is in the seeded order. */
static int make_batches(const struct sweep_exec *x, struct batches *bs, struct herr *err)
{
	const struct sweep_plan *p = x->plan;
	int boots = target_boots(p->target), grouped = p->spec.order == ORDER_GROUPED;

	for (size_t i = 0; i < p->norder; i++) {
		const struct plan_entry *e = &p->order[i];
		struct batch *b;
		size_t *g;

		if (x->done[i])
			continue;
		b = batch_for(bs, p->cells[e->cell].variant, grouped ? -1 : e->warmup ? 0 : e->rep, !boots);
		if (!b || !(g = realloc(b->entries, (b->n + 1) * sizeof(*g))))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		b->entries = g;
		g[b->n++] = i;
	}
	return 0;
}

static void batches_free(struct batches *bs)
{
	for (size_t b = 0; b < bs->n; b++)
		free(bs->v[b].entries);
	free(bs->v);
}

/* ---- progress ---- */

struct watch {
	struct sweep_exec *x;
	struct progress pg;
	double t_last;
	int started;		/* the target said the current run started */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show_entry(struct watch *w, size_t seq)
{
	const struct sweep_plan *p = w->x->plan;
	const struct plan_entry *e = &p->order[seq];
	char name[600];
	int reps = e->warmup ? p->spec.warmup : p->spec.reps;

	plan_cell_name(p, e->cell, name, sizeof(name));
	/* check --rerun's repetitions go beyond the planned ones */
	progress_start(&w->pg, name, e->rep + 1, e->rep < reps ? reps : e->rep + 1, e->warmup);
}

static void on_starting(void *user, const struct target_run *run)
{
	struct watch *w = user;

	w->t_last = mono_s();
	w->started = 1;
	if (run->seq >= 0 && (size_t)run->seq < w->x->plan->norder)
		show_entry(w, (size_t)run->seq);
}

/* After each stored run: the slot is done, progress moves. */
static void on_stored(void *user, struct run_record *r)
{
	struct watch *w = user;
	struct sweep_exec *x = w->x;
	double now = mono_s();

	if (r->seq < 0 || (size_t)r->seq >= x->plan->norder)
		return;
	x->done[r->seq] = 1;
	x->made++;
	x->failed += strcmp(r->status, "ok") != 0;
	if (!w->started)	/* a target that does not say when a run starts */
		show_entry(w, (size_t)r->seq);
	w->started = 0;
	progress_done(&w->pg, r->status, r->reason, x->plan->cells[x->plan->order[r->seq].cell].est_s,
		      now - w->t_last);
	w->t_last = now;
}

static void on_note(void *user, const char *line)
{
	struct watch *w = user;

	progress_note(&w->pg, "%s", line);
}

/* ---- repetitions = auto ---- */

struct cell_values {
	const char *metric;	/* NULL: the first workload result with a direction */
	char chosen[96];
	char run[37];
	int rank;		/* of the value taken for the current run: lower wins */
	double *v;
	size_t n, cap;
};

/* The workload's own figure first, then the measured region, then the
 * whole process: the same preference as the tables'. */
static int scope_rank(const char *scope)
{
	return !strcmp(scope, "workload") ? 0 : !strcmp(scope, "region") ? 1 : 2;
}

static int take_value(void *user, const struct store_metric_row *m)
{
	struct cell_values *cv = user;
	int rank = scope_rank(m->scope);

	if (!cv->metric && !*cv->chosen && rank == 0 && strcmp(m->better, "none"))
		snprintf(cv->chosen, sizeof(cv->chosen), "%s", m->name);
	if (strcmp(m->name, cv->metric ? cv->metric : cv->chosen))
		return 0;
	if (strcmp(m->run_id, cv->run)) {	/* a new run: one value each */
		double *g = cv->n < cv->cap ? cv->v : realloc(cv->v, (cv->cap = cv->cap * 2 + 8) * sizeof(*g));

		if (!g)
			return -1;
		cv->v = g;
		cv->v[cv->n++] = m->value;
		snprintf(cv->run, sizeof(cv->run), "%s", m->run_id);
		cv->rank = rank;
	} else if (rank < cv->rank) {
		cv->v[cv->n - 1] = m->value;
		cv->rank = rank;
	}
	return 0;
}

/* 1 when the 95% CI of the cell's median is within +-ci_width of it
 * (from the runs stored so far), 0 when it is not, -1 on error. */
static int cell_settled(const struct sweep_exec *x, size_t cell, struct herr *err)
{
	const struct sweep_spec *s = &x->plan->spec;
	const char *names[] = { s->ci_metric, NULL };
	struct cell_values cv = { .metric = s->ci_metric };
	struct stats_summary sum;
	struct stats_boot boot;
	int settled = 0;

	if (store_sweep_metrics(x->st, x->sweep_id, (long long)cell, names, take_value, &cv, err))
		return -1;
	stats_boot_default(&boot);
	if (cv.n >= 2 && stats_summarize(cv.v, cv.n, &boot, &sum, err) == 0)
		settled = sum.median != 0 ? (sum.ci_hi - sum.ci_lo) / 2 <= s->ci_width * fabs(sum.median)
					  : sum.ci_hi == sum.ci_lo;
	free(cv.v);
	return settled;
}

/* Drop from a batch the conditional repetitions of cells already settled
 * (checked once per cell and batch); they count as done, not as run. */
static int drop_settled(struct sweep_exec *x, struct batch *b, struct herr *err)
{
	size_t kept = 0;
	signed char *state = calloc(x->plan->ncells + 1, 1);	/* 0 unknown, 1 settled, -1 not */

	if (!state)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t k = 0; k < b->n; k++) {
		const struct plan_entry *e = &x->plan->order[b->entries[k]];
		int st;

		if (e->conditional && !state[e->cell]) {
			if ((st = cell_settled(x, e->cell, err)) < 0) {
				free(state);
				return -1;
			}
			state[e->cell] = st ? 1 : -1;
		}
		if (e->conditional && state[e->cell] > 0) {
			x->done[b->entries[k]] = 1;
			x->settled++;
			continue;
		}
		b->entries[kept++] = b->entries[k];
	}
	b->n = kept;
	free(state);
	return 0;
}

/* ---- execution ---- */

void sweep_target_variant_free(struct target_variant *tv)
{
	free((void *)tv->knob_paths);
	free((void *)tv->knob_values);
	free((void *)tv->source_where);
	memset(tv, 0, sizeof(*tv));
}

static void variants_free(struct target_variant *tv, size_t n)
{
	for (size_t i = 0; tv && i < n; i++)
		sweep_target_variant_free(&tv[i]);
	free(tv);
}

int sweep_target_variant(const struct sweep_plan *p, size_t i, struct target_variant *tv)
{
	const struct sweep_variant *v = &p->spec.variants[i];
	const char **paths = calloc(v->nknobs + 1, sizeof(*paths));
	const char **values = calloc(v->nknobs + 1, sizeof(*values));

	memset(tv, 0, sizeof(*tv));
	tv->name = v->name;
	tv->kernel = v->kernel;
	tv->source = v->source;
	tv->ref = v->ref;
	tv->knob_paths = paths;
	tv->knob_values = values;
	if (v->source && asprintf((char **)&tv->source_where, "%s:%d", p->spec.file, v->source_line) < 0)
		tv->source_where = NULL;
	if (!paths || !values || (v->source && !tv->source_where)) {
		sweep_target_variant_free(tv);
		return -1;
	}
	for (size_t k = 0; k < v->nknobs; k++) {
		paths[k] = v->knobs[k].path;
		values[k] = v->knobs[k].value;
	}
	tv->nknobs = v->nknobs;
	tv->launcher = (const char *const *)v->launcher;
	tv->nlauncher = v->nlauncher;
	return 0;
}

static struct target_variant *variants_of(const struct sweep_exec *x, const struct batches *bs)
{
	const struct sweep_plan *p = x->plan;
	struct target_variant *tv = calloc(p->spec.nvariants + 1, sizeof(*tv));

	for (size_t i = 0; tv && i < p->spec.nvariants; i++) {
		if (sweep_target_variant(p, i, &tv[i])) {
			variants_free(tv, p->spec.nvariants);
			return NULL;
		}
		tv[i].idle = 1;
	}
	for (size_t b = 0; tv && b < bs->n; b++)
		tv[bs->v[b].variant].idle = 0;
	return tv;
}

static int run_batch(struct sweep_exec *x, struct target *t, struct batch *b, struct herr *err)
{
	struct target_run *runs = calloc(b->n + 1, sizeof(*runs));
	char **settings = calloc(b->n + 1, sizeof(*settings));
	struct herr e = { 0 };
	int rc = runs && settings ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");

	if (!rc && x->plan->spec.reps_auto)
		rc = drop_settled(x, b, err);
	if (!rc && b->n == 0) {
		free(runs);
		free(settings);
		return 0;
	}
	for (size_t k = 0; !rc && k < b->n; k++) {
		if (!(settings[k] = sweep_run_settings(x, b->entries[k])))
			rc = herr_set(err, EXIT_RUNTIME, "out of memory");
		sweep_fill_run(x, b->entries[k], settings[k], &runs[k]);
	}
	if (!rc)
		rc = t->ops->start(t, b->variant, err);
	if (!rc)
		rc = t->ops->run(t, b->variant, runs, b->n, err);
	/* Stopped whatever happened above; the first error is the one told. */
	if (target_stop(t, b->variant, rc ? &e : err) && rc == 0)
		rc = -1;
	for (size_t k = 0; settings && k < b->n; k++)
		free(settings[k]);
	free(settings);
	free(runs);
	return rc;
}

static int run_batches(struct sweep_exec *x, struct target *t, const struct batches *bs,
		       struct watch *w, struct herr *err)
{
	for (size_t b = 0; b < bs->n; b++) {
		if (signals_caught())
			return herr_set(err, EXIT_RUNTIME, "interrupted by signal %d", signals_caught());
		/* A target that does not say when a run starts (a boot) is
		 * timed from the start of its batch. */
		w->t_last = mono_s();
		if (run_batch(x, t, &bs->v[b], err))
			return -1;
	}
	return 0;
}

int sweep_execute(struct sweep_exec *x, struct herr *err)
{
	struct batches bs = { 0 };
	struct watch w = { .x = x };
	struct target t = { .ops = x->plan->target, .opts = x->target_opts, .st = x->st,
			    .plan = x->plan, .sweep_id = x->sweep_id, .quiet = x->quiet };
	struct target_variant *tv = NULL;
	size_t left = 0;
	int rc;

	for (size_t i = 0; i < x->plan->norder; i++)
		left += !x->done[i];
	signals_catch();
	progress_init(&w.pg, stderr, x->quiet, left, x->est_s);
	t.journal = x->locked ? &x->journal : NULL;
	t.progress_bar = w.pg.mode == PROGRESS_BAR;
	t.ev = (struct target_events){ on_starting, on_stored, on_note, &w };
	rc = make_batches(x, &bs, err);
	if (!rc && !(tv = variants_of(x, &bs)))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	t.variants = tv;
	t.nvariants = tv ? x->plan->spec.nvariants : 0;
	if (!rc && bs.n)
		rc = t.ops->open(&t, tv, t.nvariants, err);
	if (!rc)
		rc = run_batches(x, &t, &bs, &w, err);
	if (t.priv || bs.n)
		t.ops->close(&t);
	progress_end(&w.pg);
	batches_free(&bs);
	variants_free(tv, x->plan->spec.nvariants);
	return rc;
}
