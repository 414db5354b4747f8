#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runner.h"
#include "core/proc.h"
#include "sweep/plan.h"
#include "store/store.h"
#include "targets/target.h"
#include "core/workload.h"

#define MAX_CELLS 100000
#define MAX_RUNS 1000000
/* Without history: a guess per run, and the harness's own cost per run
 * (fork, counters, sampling, one transaction), measured on a small VM. */
#define GUESS_RUN_S 2.0
#define OVERHEAD_RUN_S 0.15
#define DROP_CACHES_S 0.3

int plan_error(const struct sweep_spec *s, int line, struct herr *err, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return herr_set(err, EXIT_USAGE, "%s:%d: %s", s->file, line, msg);
	return herr_set(err, EXIT_USAGE, "%s: %s", s->file, msg);
}

/* ---- the target ---- */

static int check_target(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;

	if (!(p->target = target_find(s->target)) && target_planned(s->target))
		return plan_error(s, s->target_line, err, "target = '%s': not available yet; this harness "
			  "runs sweeps on the targets %s (harness sweep --help)", s->target, target_names());
	if (!p->target)
		return plan_error(s, s->target_line, err, "target = '%s': unknown target (%s)", s->target,
			  target_names());
	if (s->nhosts && !target_remote(p->target))
		return plan_error(s, s->hosts[0].line, err, "[host %s]: target %s runs on no named machine "
			  "([host] sections are for a remote target such as ssh)", s->hosts[0].name,
			  p->target->name);
	return p->target->plan_check(p, err);
}

/* ---- workloads ---- */

/* Parameter names from `PROGRAM --list-params`, so an unknown key is
 * reported at its own line. */
static int check_param_names(const struct sweep_spec *s, const struct sweep_workload *w,
			     const char *path, struct herr *err)
{
	char *argv[] = { (char *)path, "--list-params", NULL };
	struct spawn_result res;
	json_t *list, *item;
	char known[600] = "";
	size_t i, o = 0;
	int rc = 0;

	if (spawn_capture(argv, &res, err))
		return -1;
	list = json_loads(res.out ? res.out : "", 0, NULL);
	spawn_result_free(&res);
	if (!json_is_array(list)) {
		json_decref(list);
		return 0;	/* no list: --check still judges every cell */
	}
	json_array_foreach(list, i, item) {
		const char *n = json_string_value(json_object_get(item, "name"));

		if (n)
			o += (size_t)snprintf(known + o, o < sizeof(known) ? sizeof(known) - o : 0, "%s%s",
					      o ? ", " : "", n);
		if (o >= sizeof(known))
			o = sizeof(known) - 1;
	}
	for (size_t k = 0; k < w->nparams && !rc; k++) {
		int found = 0;

		json_array_foreach(list, i, item)
			found |= !strcmp(json_string_value(json_object_get(item, "name")) ?: "",
					 w->params[k].key);
		if (!found)
			rc = plan_error(s, w->params[k].line, err, "[workload %s]: %s has no parameter '%s' (parameters: %s)",
				w->label, w->program, w->params[k].key, known);
	}
	json_decref(list);
	return rc;
}

static int resolve_workloads(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;

	p->programs = calloc(s->nworkloads, sizeof(*p->programs));
	if (!p->programs)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct sweep_workload *w = &s->workloads[i];
		char path[4200];

		if (workload_find(w->program, path, sizeof(path), err))
			return herr_wrap(err, "%s:%d: [workload %s]", s->file,
					 w->program_line ? w->program_line : w->line, w->label);
		if (!(p->programs[i] = strdup(path)))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		if (check_param_names(s, w, path, err))
			return -1;
	}
	return 0;
}

/* The line to blame for a --check message: the key it names. */
static int blame_line(const struct sweep_workload *w, const char *msg)
{
	for (size_t k = 0; k < w->nparams; k++) {
		char pat[160];

		snprintf(pat, sizeof(pat), "parameter %s:", w->params[k].key);
		if (strstr(msg, pat))
			return w->params[k].line;
		snprintf(pat, sizeof(pat), "'%s'", w->params[k].key);
		if (strstr(msg, pat))
			return w->params[k].line;
	}
	return w->line;
}

static size_t combos_of(const struct sweep_workload *w)
{
	size_t n = 1;

	for (size_t k = 0; k < w->nparams; k++)
		n = n > MAX_CELLS ? n : n * w->params[k].grid.n;
	return n;
}

/* Combination c of w's grids: the last key varies fastest. */
static int fill_params(const struct sweep_workload *w, size_t c, struct sweep_cell *cell)
{
	size_t len = 1;

	cell->params = calloc(w->nparams ? w->nparams : 1, sizeof(*cell->params));
	if (!cell->params)
		return -1;
	for (size_t k = w->nparams; k-- > 0;) {
		const struct grid *g = &w->params[k].grid;
		const char *v = g->v[c % g->n];
		size_t n = strlen(w->params[k].key) + strlen(v) + 2;

		c /= g->n;
		if (!(cell->params[k] = malloc(n)))
			return -1;
		snprintf(cell->params[k], n, "%s=%s", w->params[k].key, v);
		len += n;
	}
	cell->nparams = w->nparams;
	if (!(cell->desc = calloc(1, len)))
		return -1;
	for (size_t k = 0; k < w->nparams; k++)
		strcat(strcat(cell->desc, k ? " " : ""), cell->params[k]);
	return 0;
}

/* Checked once per parameter set (all variants share it). */
static int check_cell(struct sweep_plan *p, struct sweep_cell *cell, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	const struct sweep_workload *w = &s->workloads[cell->workload];

	int rc, remote = !target_on_host_kernel(p->target);

	/* A guest's paths (dir = /mnt/scratch) are not this machine's. */
	if (remote)
		setenv("HARNESS_WL_REMOTE", "1", 1);
	rc = workload_check(p->programs[cell->workload], (const char *const *)cell->params,
			    cell->nparams, s->seed, &cell->params_json, err);
	if (remote)
		unsetenv("HARNESS_WL_REMOTE");
	if (rc)
		return herr_wrap(err, "%s:%d: [workload %s]%s%s", s->file, blame_line(w, err->msg),
				 w->label, *cell->desc ? " with " : "", cell->desc);
	return 0;
}

/* Grid values that differ as written but not once the workload read them
 * ("1m, 1024k") would make two identical cells: a repeated value. */
static int repeated_cell(struct sweep_plan *p, size_t idx, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	const struct sweep_cell *c = &p->cells[idx];
	const struct sweep_workload *w = &s->workloads[c->workload];

	for (size_t j = 0; j < idx; j++) {
		const struct sweep_cell *o = &p->cells[j];
		size_t k = 0;

		if (o->workload != c->workload || strcmp(o->params_json, c->params_json))
			continue;
		while (k + 1 < c->nparams && !strcmp(o->params[k], c->params[k]))
			k++;
		return plan_error(s, k < w->nparams ? w->params[k].line : w->line, err,
				  "[workload %s]: %s and %s are the same value once read (%.*s): "
				  "a repeated grid value", w->label, o->params[k], c->params[k],
				  (int)strcspn(c->params_json, "\n"), c->params_json);
	}
	return 0;
}

static int expand_cells(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	size_t per_variant = 0, i = 0;

	for (size_t w = 0; w < s->nworkloads; w++)
		per_variant += combos_of(&s->workloads[w]);
	if (per_variant * s->nvariants > MAX_CELLS)
		return plan_error(s, s->line, err, "more than %d cells: narrow the grids", MAX_CELLS);
	p->ngroups = per_variant;
	p->ncells = per_variant * s->nvariants;
	p->cells = calloc(p->ncells, sizeof(*p->cells));
	if (!p->cells)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t v = 0; v < s->nvariants; v++) {
		size_t group = 0;

		for (size_t w = 0; w < s->nworkloads; w++)
			for (size_t c = 0; c < combos_of(&s->workloads[w]); c++, i++, group++) {
				struct sweep_cell *cell = &p->cells[i];

				cell->variant = v;
				cell->workload = w;
				cell->group = group;
				cell->excluded = !spec_workload_on(s, w, v);
				if (fill_params(&s->workloads[w], c, cell))
					return herr_set(err, EXIT_RUNTIME, "out of memory");
				if (v == 0 ? check_cell(p, cell, err)
					   : !(cell->params_json = strdup(p->cells[group].params_json)))
					return v == 0 ? -1 : herr_set(err, EXIT_RUNTIME, "out of memory");
				if (v == 0 && repeated_cell(p, i, err))
					return -1;
			}
	}
	return 0;
}

/* ---- order ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(size_t *v, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix64(rng) % i);
		size_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void add_entry(struct sweep_plan *p, size_t cell, int rep, int warmup)
{
	p->order[p->norder].cell = cell;
	p->order[p->norder].rep = rep;
	p->order[p->norder].warmup = warmup;
	p->order[p->norder].conditional = !warmup && p->spec.reps_auto && rep >= p->spec.reps_min;
	p->norder++;
}

/* Interleaved: each round (one repetition of every cell) in its own
 * seeded random order, so drift over time hits every variant alike and an
 * interrupted sweep has its cells equally far. Grouped: cell after cell.
 * Warm-ups come first, in the first round's order. */
static int build_order(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	size_t *live = calloc(p->ncells, sizeof(*live)), nlive = 0;
	uint64_t rng = s->seed;

	if (!live)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t c = 0; c < p->ncells; c++)
		if (!p->skip[p->cells[c].variant] && !p->cells[c].excluded)
			live[nlive++] = c;
	p->nskipped_cells = p->ncells - nlive;
	p->nmeasured = nlive * (size_t)s->reps;
	p->nwarmup = nlive * (size_t)s->warmup;
	if (p->nmeasured + p->nwarmup > MAX_RUNS) {
		free(live);
		return plan_error(s, s->line, err, "more than %d runs: fewer cells or repetitions", MAX_RUNS);
	}
	p->order = calloc(p->nmeasured + p->nwarmup, sizeof(*p->order));
	if (!p->order) {
		free(live);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	for (int r = 0; r < s->reps; r++) {
		if (s->order == ORDER_INTERLEAVED)
			shuffle(live, nlive, &rng);
		if (r == 0)
			for (size_t i = 0; i < nlive; i++)
				for (int w = 0; w < s->warmup; w++)
					add_entry(p, live[i], w, 1);
		if (s->order == ORDER_INTERLEAVED)
			for (size_t i = 0; i < nlive; i++)
				add_entry(p, live[i], r, 0);
	}
	if (s->order == ORDER_GROUPED)
		for (size_t i = 0; i < nlive; i++)
			for (int r = 0; r < s->reps; r++)
				add_entry(p, live[i], r, 0);
	free(live);
	return 0;
}

/* ---- the whole plan ---- */

int plan_make(struct sweep_spec *spec, struct sweep_plan *p, struct herr *err)
{
	memset(p, 0, sizeof(*p));
	p->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	/* Variants, knobs, CPUs and launchers are the target's to judge. */
	if (check_target(p, err) || resolve_workloads(p, err) || expand_cells(p, err) ||
	    build_order(p, err)) {
		plan_free(p);
		return -1;
	}
	return 0;
}

void plan_free(struct sweep_plan *p)
{
	for (size_t i = 0; i < p->ncells; i++) {
		for (size_t k = 0; k < p->cells[i].nparams; k++)
			free(p->cells[i].params[k]);
		free(p->cells[i].params);
		free(p->cells[i].desc);
		free(p->cells[i].params_json);
	}
	free(p->cells);
	for (size_t i = 0; p->programs && i < p->spec.nworkloads; i++)
		free(p->programs[i]);
	free(p->programs);
	for (size_t i = 0; p->skip && i < p->spec.nvariants; i++)
		free(p->skip[i]);
	free(p->skip);
	for (size_t i = 0; i < p->ngovernor; i++)
		free(p->governor_paths[i]);
	free(p->governor_paths);
	free(p->order);
	spec_free(&p->spec);
	memset(p, 0, sizeof(*p));
}

/* ---- estimates ---- */

static double median(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median wall time of the last few ok runs with these exact parameters. */
static int history(struct store *st, const char *program, const char *params_json, double *out)
{
	double v[9];
	size_t n = store_run_durations(st, program, params_json, v, 9);

	if (n)
		*out = median(v, n);
	return n > 0;
}

double plan_estimate(struct sweep_plan *p, struct store *st, const unsigned char *done)
{
	double total = 0, extra = OVERHEAD_RUN_S + (p->spec.drop_caches ? DROP_CACHES_S : 0);

	for (size_t g = 0; g < p->ngroups; g++) {
		struct sweep_cell *first = &p->cells[g];
		double d = GUESS_RUN_S;
		int known = history(st, p->spec.workloads[first->workload].program, first->params_json, &d);

		if (!known && p->spec.timeout_s && p->spec.timeout_s < d)
			d = p->spec.timeout_s;
		for (size_t c = g; c < p->ncells; c += p->ngroups) {
			p->cells[c].est_s = d + extra;
			p->cells[c].est_known = known;
		}
	}
	for (size_t i = 0; i < p->norder; i++)
		if (!done || !done[i])
			total += p->cells[p->order[i].cell].est_s;
	return total;
}

/* ---- output ---- */

void plan_format_duration(double s, char *out, size_t n)
{
	long t = (long)(s + 0.5);

	if (t < 60)
		snprintf(out, n, "%ld s", t);
	else if (t < 3600)
		snprintf(out, n, "%ld min %02ld s", t / 60, t % 60);
	else
		snprintf(out, n, "%ld h %02ld min", t / 3600, (t % 3600) / 60);
}

void plan_cell_name(const struct sweep_plan *p, size_t cell, char *out, size_t n)
{
	const struct sweep_cell *c = &p->cells[cell];

	snprintf(out, n, "%s %s%s%s", p->spec.variants[c->variant].name,
		 p->spec.workloads[c->workload].label, *c->desc ? " " : "", c->desc);
}

static json_t *variant_json(const struct sweep_plan *p, size_t i)
{
	const struct sweep_variant *v = &p->spec.variants[i];
	json_t *o = json_object(), *knobs = json_array(), *launcher = json_array();

	json_object_set_new(o, "name", json_string(v->name));
	json_object_set_new(o, "kernel", json_string(v->kernel));
	if (v->source)
		json_object_set_new(o, "source", json_string(v->source));
	if (v->ref)
		json_object_set_new(o, "ref", json_string(v->ref));
	for (size_t k = 0; k < v->nknobs; k++) {
		json_t *kn = json_object();

		json_object_set_new(kn, "path", json_string(v->knobs[k].path));
		json_object_set_new(kn, "value", json_string(v->knobs[k].value));
		json_array_append_new(knobs, kn);
	}
	json_object_set_new(o, "knobs", knobs);
	for (size_t k = 0; k < v->nlauncher; k++)
		json_array_append_new(launcher, json_string(v->launcher[k]));
	json_object_set_new(o, "launcher", launcher);
	json_object_set_new(o, "optional", json_boolean(v->optional));
	json_object_set_new(o, "skipped", p->skip[i] ? json_string(p->skip[i]) : json_null());
	return o;
}

static json_t *cells_json(const struct sweep_plan *p)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < p->ncells; i++) {
		const struct sweep_cell *c = &p->cells[i];
		json_t *o = json_object(), *given = json_object();

		for (size_t k = 0; k < c->nparams; k++) {
			const char *eq = strchr(c->params[k], '=');

			json_object_set_new(given, p->spec.workloads[c->workload].params[k].key,
					    json_string(eq + 1));
		}
		json_object_set_new(o, "cell", json_integer((json_int_t)i));
		json_object_set_new(o, "variant", json_string(p->spec.variants[c->variant].name));
		json_object_set_new(o, "workload", json_string(p->spec.workloads[c->workload].label));
		json_object_set_new(o, "program", json_string(p->spec.workloads[c->workload].program));
		json_object_set_new(o, "group", json_integer((json_int_t)c->group));
		if (c->excluded)
			json_object_set_new(o, "excluded", json_true());
		json_object_set_new(o, "params", given);
		json_object_set_new(o, "effective", json_loads(c->params_json, 0, NULL) ?: json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

char *plan_json(const struct sweep_plan *p)
{
	const struct sweep_spec *s = &p->spec;
	json_t *o = json_object(), *vars = json_array(), *order = json_array(), *noise = json_object();
	char *out;

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "target", json_string(s->target));
	json_object_set_new(o, "repetitions", json_integer(s->reps));
	if (s->reps_auto)
		json_object_set_new(o, "repetitions_auto",
				    json_pack("{s:i, s:i, s:f, s:s?}", "min", s->reps_min, "max", s->reps,
					      "ci_width", s->ci_width, "ci_metric", s->ci_metric));
	json_object_set_new(o, "warmup", json_integer(s->warmup));
	json_object_set_new(o, "order_kind", json_string(s->order == ORDER_INTERLEAVED ? "interleaved" : "grouped"));
	json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(noise, "aslr", json_string(s->aslr_off ? "off" : "on"));
	json_object_set_new(noise, "drop_caches", json_boolean(s->drop_caches));
	json_object_set_new(noise, "cpus", s->cpus ? json_string(s->cpus) : json_null());
	json_object_set_new(noise, "membind", json_boolean(s->cpus && s->membind));
	json_object_set_new(noise, "governor", s->governor ? json_string(s->governor) : json_null());
	json_object_set_new(noise, "interval_ms", json_integer(s->interval_ms));
	json_object_set_new(noise, "timeout_s", json_integer(s->timeout_s));
	json_object_set_new(o, "noise", noise);
	for (size_t i = 0; i < s->nvariants; i++)
		json_array_append_new(vars, variant_json(p, i));
	json_object_set_new(o, "variants", vars);
	json_object_set_new(o, "cells", cells_json(p));
	/* [cell, rep, warmup] per run, in the order they are made. */
	for (size_t i = 0; i < p->norder; i++)
		json_array_append_new(order, json_pack("[IiI]", (json_int_t)p->order[i].cell,
						       p->order[i].rep, (json_int_t)p->order[i].warmup));
	json_object_set_new(o, "order", order);
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

int plan_same_cells(const struct sweep_plan *p, const char *stored_json)
{
	json_t *stored = json_loads(stored_json ? stored_json : "", 0, NULL);
	json_t *now = cells_json(p);
	int same = json_equal(json_object_get(stored, "cells"), now);

	json_decref(stored);
	json_decref(now);
	return same;
}

static void print_variants(const struct sweep_plan *p, FILE *out)
{
	fprintf(out, "variants:\n");
	for (size_t i = 0; i < p->spec.nvariants; i++) {
		const struct sweep_variant *v = &p->spec.variants[i];

		fprintf(out, "  %-16s kernel %s%s%s%s%s%s", v->name, v->kernel, v->source ? ", source " : "",
			v->source ? v->source : "", v->ref ? " ref " : "", v->ref ? v->ref : "",
			v->optional ? ", optional" : "");
		if (v->nlauncher) {
			fprintf(out, ", launcher");
			for (size_t k = 0; k < v->nlauncher; k++)
				fprintf(out, " %s", v->launcher[k]);
		}
		fputc('\n', out);
		for (size_t k = 0; k < v->nknobs; k++)
			fprintf(out, "  %-16s   %s=%s\n", "", v->knobs[k].path, v->knobs[k].value);
		if (p->skip[i])
			fprintf(out, "  %-16s   SKIPPED: %s\n", "", p->skip[i]);
	}
}

static void print_cells(const struct sweep_plan *p, FILE *out)
{
	fprintf(out, "cells: %zu (%zu variant%s x %zu parameter set%s)%s\n", p->ncells,
		p->spec.nvariants, p->spec.nvariants == 1 ? "" : "s", p->ngroups,
		p->ngroups == 1 ? "" : "s", p->nskipped_cells ? ", skipped cells not run" : "");
	fprintf(out, "  %5s  %-16s %-14s %s\n", "cell", "variant", "workload", "parameters");
	for (size_t i = 0; i < p->ncells; i++) {
		const struct sweep_cell *c = &p->cells[i];

		fprintf(out, "  %5zu  %-16s %-14s %s%s\n", i, p->spec.variants[c->variant].name,
			p->spec.workloads[c->workload].label, *c->desc ? c->desc : "(defaults)",
			p->skip[c->variant] ? "  [skipped]" : c->excluded ? "  [not on this variant]" : "");
	}
}

static void print_order(const struct sweep_plan *p, FILE *out)
{
	size_t shown = p->norder < 40 ? p->norder : 40;

	fprintf(out, "order (%s, seed %llu): %zu runs = %zu measured + %zu warm-up\n",
		p->spec.order == ORDER_INTERLEAVED ? "interleaved" : "grouped",
		(unsigned long long)p->spec.seed, p->norder, p->nmeasured, p->nwarmup);
	for (size_t i = 0; i < shown; i++) {
		char name[300];

		plan_cell_name(p, p->order[i].cell, name, sizeof(name));
		fprintf(out, "  %5zu  cell %-4zu %s %d%s  %s\n", i + 1, p->order[i].cell,
			p->order[i].warmup ? "warm-up" : "rep    ", p->order[i].rep + 1,
			p->order[i].conditional ? "?" : "", name);
	}
	if (shown < p->norder)
		fprintf(out, "  ... %zu more\n", p->norder - shown);
}

void plan_print(const struct sweep_plan *p, double est_s, const char *db_path, FILE *out)
{
	const struct sweep_spec *s = &p->spec;
	size_t known = 0;
	char d[64], gov[64], tmo[32] = "none";

	for (size_t g = 0; g < p->ngroups; g++)
		known += p->cells[g].est_known;
	runner_governor(gov, sizeof(gov));
	if (s->timeout_s)
		snprintf(tmo, sizeof(tmo), "%u s", s->timeout_s);
	fprintf(out, "sweep %s (%s, content hash %s)\n", s->name, s->file, s->hash);
	if (s->reps_auto)
		fprintf(out, "target %s; repetitions auto: %d to %d per cell, more while the 95%% CI of the "
			"median of %s is wider than +-%.3g%% (runs marked ?); %d warm-up run%s per cell\n",
			s->target, s->reps_min, s->reps, s->ci_metric ? s->ci_metric : "the workload's "
			"primary result", s->ci_width * 100, s->warmup, s->warmup == 1 ? "" : "s");
	else
		fprintf(out, "target %s; %d repetition%s and %d warm-up run%s per cell\n", s->target,
			s->reps, s->reps == 1 ? "" : "s", s->warmup, s->warmup == 1 ? "" : "s");
	fprintf(out, "noise: aslr %s, drop_caches %s, cpus %s%s%s%s, governor %s (now %s), interval %u ms, timeout %s\n",
		s->aslr_off ? "off" : "on", s->drop_caches ? "yes" : "no", s->cpus ? s->cpus : "none",
		s->cpus ? " (PUs " : "", s->cpus ? p->cpuset : "", s->cpus ? (s->membind ? ", memory bound)" : ")") : "",
		s->governor ? s->governor : "left as is", *gov ? gov : "none: no cpufreq", s->interval_ms,
		tmo);
	print_variants(p, out);
	print_cells(p, out);
	print_order(p, out);
	plan_format_duration(est_s, d, sizeof(d));
	if (s->reps_auto) {	/* from the minimum repetitions to the most */
		double least = 0;
		char m[64], most[64];

		for (size_t i = 0; i < p->norder; i++)
			least += p->order[i].conditional ? 0 : p->cells[p->order[i].cell].est_s;
		plan_format_duration(least, m, sizeof(m));
		snprintf(most, sizeof(most), "%s", d);
		snprintf(d, sizeof(d), "%s to %s", m, most);
	}
	fprintf(out, "estimated duration: %s (%zu of %zu parameter sets timed from earlier runs%s%s",
		d, known, p->ngroups, db_path ? " in " : "", db_path ? db_path : "");
	if (known < p->ngroups)
		fprintf(out, "; the others guessed at %.0f s a run", GUESS_RUN_S);
	fputs(")\n", out);
}

size_t plan_last_live(const struct sweep_plan *p)
{
	size_t last = 0;

	for (size_t v = 0; v < p->spec.nvariants; v++)
		if (!p->skip[v])
			last = v;
	return last;
}

size_t plan_first_live(const struct sweep_plan *p)
{
	for (size_t v = 0; v < p->spec.nvariants; v++)
		if (!p->skip[v])
			return v;
	return 0;
}
