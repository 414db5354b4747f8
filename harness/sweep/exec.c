#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "scratch.h"
#include "sweep/exec.h"
#include "sweep/progress.h"
#include "sweep/qemu.h"

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
	/* On target qemu the knobs are written in the guest, never here. */
	for (size_t i = 0; strcmp(p->spec.target, "qemu") && i < p->spec.nvariants; i++)
		for (size_t k = 0; !p->skip[i] && k < p->spec.variants[i].nknobs; k++)
			if (!has_path(v, *n, p->spec.variants[i].knobs[k].path))
				v[(*n)++] = p->spec.variants[i].knobs[k].path;
	for (size_t i = 0; i < p->ngovernor; i++)
		v[(*n)++] = p->governor_paths[i];
	return v;
}

int sweep_lock(struct sweep_exec *x, struct herr *err)
{
	size_t n;
	const char **paths = sweep_knob_paths(x->plan, &n);
	int rc;

	if (!paths)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = journal_begin(&x->journal, paths, n, err);
	free(paths);
	return rc;
}

int sweep_unlock(struct sweep_exec *x, struct herr *err)
{
	if (x->journal.fd < 0 && !x->journal.knobs)
		return 0;
	if (journal_end(&x->journal, err))
		return herr_wrap(err, "restoring knobs after the sweep");
	return 0;
}

/* The governor, once for the whole sweep (switching it per run would put
 * a frequency transition in front of every run). */
static int set_governor(struct sweep_exec *x, struct herr *err)
{
	const struct sweep_plan *p = x->plan;
	const char **values;
	struct knob *applied;
	size_t napplied;
	int rc;

	if (!p->ngovernor)
		return 0;
	values = calloc(p->ngovernor, sizeof(*values));
	if (!values)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < p->ngovernor; i++)
		values[i] = p->spec.governor;
	rc = journal_apply(&x->journal, (const char *const *)p->governor_paths, values, p->ngovernor,
			   1, &applied, &napplied, err);
	free(values);
	if (rc == 0)
		knobs_free(applied, napplied);
	return rc;
}

static int apply_variant(struct sweep_exec *x, const struct sweep_variant *v,
			 struct run_record *r, struct herr *err)
{
	const char **paths = calloc(v->nknobs + 1, sizeof(*paths));
	const char **values = calloc(v->nknobs + 1, sizeof(*values));
	int rc;

	if (!paths || !values) {
		free(paths);
		free(values);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	for (size_t k = 0; k < v->nknobs; k++) {
		paths[k] = v->knobs[k].path;
		values[k] = v->knobs[k].value;
	}
	rc = journal_apply(&x->journal, paths, values, v->nknobs, 0, &r->knobs, &r->nknobs, err);
	free(paths);
	free(values);
	if (rc)
		herr_wrap(err, "variant %s", v->name);
	return rc;
}

static char *sweep_settings(const struct sweep_exec *x, size_t i)
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
	json_object_set_new(s, "membind", json_boolean(p->spec.cpus && p->spec.membind));
	json_object_set_new(s, "governor_set", p->spec.governor ? json_string(p->spec.governor) : json_null());
	json_object_set_new(o, "sweep", s);
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

static void fill_opts(const struct sweep_exec *x, const struct sweep_cell *c, struct run_opts *ro)
{
	const struct sweep_spec *s = &x->plan->spec;
	const struct sweep_variant *v = &s->variants[c->variant];

	memset(ro, 0, sizeof(*ro));
	ro->path = x->plan->programs[c->workload];
	ro->params = (const char *const *)c->params;
	ro->nparams = c->nparams;
	ro->seed = s->seed;	/* the same data for every variant: a fair comparison */
	ro->sample_ms = s->interval_ms;
	ro->timeout_s = s->timeout_s;
	ro->use_cgroup = 1;
	ro->aslr_off = s->aslr_off;
	ro->drop_caches = s->drop_caches;
	ro->cpus = s->cpus;
	ro->membind = s->membind;
	ro->launcher = (const char *const *)v->launcher;
	ro->nlauncher = v->nlauncher;
}

static void fill_record(const struct sweep_exec *x, size_t i, struct run_record *r)
{
	const struct plan_entry *e = &x->plan->order[i];
	const struct sweep_cell *c = &x->plan->cells[e->cell];

	snprintf(r->sweep_id, sizeof(r->sweep_id), "%s", x->sweep_id);
	snprintf(r->variant, sizeof(r->variant), "%s", x->plan->spec.variants[c->variant].name);
	snprintf(r->target, sizeof(r->target), "%s", x->plan->spec.target);
	snprintf(r->workload, sizeof(r->workload), "%s", x->plan->spec.workloads[c->workload].program);
	r->params_json = strdup(c->params_json);
	r->rep = e->rep;
	r->warmup = e->warmup;
	r->cell = (int)e->cell;
	r->seq = (int)i;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One entry of the order: knobs, run, store, restore. */
static int run_entry(struct sweep_exec *x, size_t i, const struct machine_info *mi,
		     const struct kernel_info *ki, struct progress *pg, struct herr *err)
{
	const struct plan_entry *e = &x->plan->order[i];
	const struct sweep_cell *c = &x->plan->cells[e->cell];
	struct run_opts ro;
	struct run_record r;
	char name[600], *extra = sweep_settings(x, i);
	double t0 = mono_s();
	int rc;

	record_init(&r);
	fill_record(x, i, &r);
	r.machine = mi;
	r.kernel = ki;
	fill_opts(x, c, &ro);
	ro.settings_extra = extra;
	plan_cell_name(x->plan, e->cell, name, sizeof(name));
	progress_start(pg, name, e->rep + 1, e->warmup ? x->plan->spec.warmup : x->plan->spec.reps,
		       e->warmup);
	rc = apply_variant(x, &x->plan->spec.variants[c->variant], &r, err);
	if (rc == 0)
		rc = runner_run(&ro, &r, err);
	if (rc == 0)
		rc = store_save_run(x->st, &r, err);
	/* Restored whatever happened above; the first error is the one told. */
	if (journal_restore(&x->journal, rc ? &(struct herr){ 0 } : err) && rc == 0)
		rc = -1;
	if (rc == 0) {
		x->done[i] = 1;
		x->made++;
		x->failed += strcmp(r.status, "ok") != 0;
		progress_done(pg, r.status, r.reason, c->est_s, mono_s() - t0);
	}
	r.machine = NULL;
	r.kernel = NULL;
	record_free(&r);
	free(extra);
	return rc;
}

static size_t left_to_do(const struct sweep_exec *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->plan->norder; i++)
		n += !x->done[i];
	return n;
}

/* Scratch left in a cell's own dir= by a run killed with an earlier
 * harness (main() has cleaned the default one). */
static void clean_cell_dirs(const struct sweep_plan *p)
{
	for (size_t c = 0; c < p->ncells; c++)
		for (size_t k = 0; k < p->cells[c].nparams; k++)
			if (!strncmp(p->cells[c].params[k], "dir=", 4))
				scratch_clean(p->cells[c].params[k] + 4, stderr);
}

int sweep_execute(struct sweep_exec *x, struct herr *err)
{
	struct machine_info mi;
	struct kernel_info ki;
	struct progress pg;
	int rc = 0;

	if (!strcmp(x->plan->spec.target, "qemu"))
		return sweep_execute_qemu(x, err);
	if (sysinfo_collect(&mi, &ki, err))
		return -1;
	clean_cell_dirs(x->plan);
	runner_catch_signals();
	progress_init(&pg, stderr, x->quiet, left_to_do(x), x->est_s);
	rc = set_governor(x, err);
	for (size_t i = 0; i < x->plan->norder && rc == 0; i++) {
		if (x->done[i])
			continue;
		if (runner_interrupted) {
			rc = herr_set(err, EXIT_RUNTIME, "interrupted by signal %d", (int)runner_interrupted);
			break;
		}
		rc = run_entry(x, i, &mi, &ki, &pg, err);
	}
	progress_end(&pg);
	sysinfo_free(&mi, &ki);
	return rc;
}
