/* The report as data: CSV (the comparison, or with --rows runs the raw
 * runs, one row per run and metric) and JSON (both). Column sets are
 * documented in docs/report.md; not-measured metrics keep their status and
 * reason with an empty value, never 0. The raw runs are streamed from the
 * store run by run, so a large sweep is never held in memory whole. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "targets/target.h"

/* ---- CSV ---- */

static void csv_str(FILE *out, const char *s, int last)
{
	if (s && strpbrk(s, ",\"\n\r")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else if (s) {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

static void csv_num(FILE *out, double v, int have)
{
	if (have && !isnan(v))
		fprintf(out, "%.17g,", v);
	else
		fputc(',', out);
}

static const char *const comparison_columns[] = {
	"group", "workload", "metric", "scope", "unit", "kind", "better", "emulated", "variant",
	"baseline", "n", "not_measured", "median", "ci_lo", "ci_hi", "mad", "cv", "min", "max",
	"ratio", "ratio_lo", "ratio_hi", "diff", "p", "q", "verdict", "reason", NULL,
};

static void csv_header(FILE *out, const char *const *cols)
{
	for (size_t i = 0; cols[i]; i++)
		csv_str(out, cols[i], !cols[i + 1]);
}

static void csv_comparison_row(const struct report *r, const struct rpt_row *row, size_t c, FILE *out)
{
	const struct rpt_cell *cell = &row->cells[c];
	const struct comparison *k = &cell->c;
	int s = cell->n > 0, h = cell->have_c;
	char num[32];

	csv_str(out, r->groups[row->group].label, 0);
	csv_str(out, r->groups[row->group].workload, 0);
	csv_str(out, row->name, 0);
	csv_str(out, metric_scope_name(row->scope), 0);
	csv_str(out, row->unit, 0);
	csv_str(out, metric_kind_name(row->kind), 0);
	csv_str(out, metric_better_name(row->better), 0);
	csv_str(out, row->emulated ? "1" : "0", 0);
	csv_str(out, r->cols[c].label, 0);
	csv_str(out, r->cols[r->base].label, 0);
	snprintf(num, sizeof(num), "%zu", cell->n);
	csv_str(out, num, 0);
	snprintf(num, sizeof(num), "%zu", cell->missing);
	csv_str(out, num, 0);
	csv_num(out, cell->s.median, s);
	csv_num(out, cell->s.ci_lo, s);
	csv_num(out, cell->s.ci_hi, s);
	csv_num(out, cell->s.mad, s);
	csv_num(out, cell->s.cv, s);
	csv_num(out, cell->s.min, s);
	csv_num(out, cell->s.max, s);
	csv_num(out, k->ratio, h);
	csv_num(out, k->ratio_lo, h);
	csv_num(out, k->ratio_hi, h);
	csv_num(out, k->diff, h);
	csv_num(out, k->p, h);
	csv_num(out, k->q, h);
	csv_str(out, h ? verdict_name(k->verdict) : c == r->base ? "baseline" : "", 0);
	csv_str(out, h ? k->reason : !s ? cell->reason : "", 1);
}

static int csv_comparison(const struct report *r, FILE *out)
{
	csv_header(out, comparison_columns);
	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i))
		for (size_t c = 0; c < r->ncols; c++)
			if (!r->cols[c].skipped)
				csv_comparison_row(r, &r->rows[i], c, out);
	return 0;
}

/* ---- the raw runs, for CSV and JSON ---- */

struct raw_run {
	char id[37], sweep_id[37];
	size_t col;
	char *workload, *params_json, *status, *reason, *group;
	int rep;
};

struct raw {
	const struct report *r;
	FILE *out;
	int json;
	struct raw_run *runs;
	size_t n, cap, cursor;
	size_t sweep;
	int *has_metrics;
	json_t *cur;		/* json: the current run's metrics */
	size_t cur_run;
	size_t emitted;
	int failed;
};

static size_t col_of(const struct report *r, size_t sweep, const char *variant)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].sweep == sweep && !strcmp(r->cols[c].name, variant))
			return c;
	return (size_t)-1;
}

static int raw_take_run(void *user, const struct store_report_run *run)
{
	struct raw *w = user;
	struct raw_run *g;
	const char *label = "";
	size_t col = col_of(w->r, w->sweep, run->variant);

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;

		if (!(g = realloc(w->runs, cap * sizeof(*g))))
			return -1;
		w->runs = g;
		w->cap = cap;
	}
	g = &w->runs[w->n];
	memset(g, 0, sizeof(*g));
	snprintf(g->id, sizeof(g->id), "%s", run->id);
	snprintf(g->sweep_id, sizeof(g->sweep_id), "%s", run->sweep_id);
	g->col = col;
	g->rep = run->rep;
	if (run->cell >= 0 && (size_t)run->cell < w->r->ncells[w->sweep])
		label = w->r->groups[w->r->cell_group[w->sweep][run->cell]].label;
	g->workload = strdup(run->workload);
	g->params_json = strdup(run->params_json);
	g->status = strdup(run->status);
	g->reason = strdup(run->reason);
	g->group = strdup(label);
	if (!g->workload || !g->params_json || !g->status || !g->reason || !g->group)
		return -1;
	w->n++;
	return 0;
}

static void raw_free_runs(struct raw *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->runs[i].workload);
		free(w->runs[i].params_json);
		free(w->runs[i].status);
		free(w->runs[i].reason);
		free(w->runs[i].group);
	}
	free(w->runs);
	free(w->has_metrics);
	w->runs = NULL;
	w->has_metrics = NULL;
	w->n = w->cap = 0;
}

static const char *const run_columns[] = {
	"sweep_id", "run_id", "variant", "variant_name", "target", "emulated", "kernel_release",
	"hostname", "workload", "params_json", "rep", "run_status", "run_reason", "scope", "metric",
	"value", "unit", "kind", "better", "status", "reason", NULL,
};

static void csv_run_head(const struct raw *w, const struct raw_run *run)
{
	const struct rpt_col *c = run->col != (size_t)-1 ? &w->r->cols[run->col] : NULL;
	char rep[16];

	csv_str(w->out, run->sweep_id, 0);
	csv_str(w->out, run->id, 0);
	csv_str(w->out, c ? c->label : "", 0);
	csv_str(w->out, c ? c->name : "", 0);
	csv_str(w->out, c ? c->target : "", 0);
	csv_str(w->out, c && c->emulated ? "1" : "0", 0);
	csv_str(w->out, c ? c->release : "", 0);
	csv_str(w->out, c ? c->hostname : "", 0);
	csv_str(w->out, run->workload, 0);
	csv_str(w->out, run->params_json, 0);
	snprintf(rep, sizeof(rep), "%d", run->rep);
	csv_str(w->out, rep, 0);
	csv_str(w->out, run->status, 0);
	csv_str(w->out, run->reason, 0);
}

static json_t *run_json(const struct raw *w, const struct raw_run *run, json_t *metrics)
{
	const struct rpt_col *c = run->col != (size_t)-1 ? &w->r->cols[run->col] : NULL;
	json_t *params = json_loads(run->params_json, 0, NULL);

	return json_pack("{s:s, s:s, s:s?, s:s, s:o, s:i, s:s, s:s?, s:o}", "id", run->id,
			 "sweep_id", run->sweep_id, "variant", c ? c->label : NULL,
			 "workload", run->workload, "params", params ? params : json_null(),
			 "rep", run->rep, "status", run->status,
			 "reason", *run->reason ? run->reason : NULL, "metrics", metrics);
}

static int json_flush_run(struct raw *w)
{
	json_t *o;

	if (!w->cur)
		return 0;
	o = run_json(w, &w->runs[w->cur_run], w->cur);
	w->cur = NULL;
	if (!o)
		return -1;
	fputs(w->emitted++ ? ",\n" : "\n", w->out);
	json_dumpf(o, w->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return 0;
}

static int raw_take_metric(void *user, const struct store_report_metric *m)
{
	struct raw *w = user;
	struct raw_run *run;

	while (w->cursor < w->n && strcmp(w->runs[w->cursor].id, m->run_id))
		w->cursor++;
	if (w->cursor == w->n)
		return 0;	/* metrics come in the runs' order */
	run = &w->runs[w->cursor];
	w->has_metrics[w->cursor] = 1;
	if (w->json) {
		json_t *jm;

		if (w->cur && w->cur_run != w->cursor && json_flush_run(w))
			return -1;
		if (!w->cur && !(w->cur = json_array()))
			return -1;
		w->cur_run = w->cursor;
		jm = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s?}", "scope", m->scope,
			       "name", m->name, "value", m->has_value ? json_real(m->value) : json_null(),
			       "unit", m->unit, "kind", m->kind, "better", m->better, "status", m->status,
			       "reason", *m->reason ? m->reason : NULL);
		return jm ? json_array_append_new(w->cur, jm) : -1;
	}
	csv_run_head(w, run);
	csv_str(w->out, m->scope, 0);
	csv_str(w->out, m->name, 0);
	csv_num(w->out, m->value, m->has_value);
	csv_str(w->out, m->unit, 0);
	csv_str(w->out, m->kind, 0);
	csv_str(w->out, m->better, 0);
	csv_str(w->out, m->status, 0);
	csv_str(w->out, m->reason, 1);
	return 0;
}

/* A run with no metric at all (it failed before measuring): one row. */
static int raw_bare_runs(struct raw *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->has_metrics[i])
			continue;
		if (w->json) {
			json_t *o = run_json(w, &w->runs[i], json_array());

			if (!o)
				return -1;
			fputs(w->emitted++ ? ",\n" : "\n", w->out);
			json_dumpf(o, w->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(o);
		} else {
			csv_run_head(w, &w->runs[i]);
			fputs(",,,,,,,\n", w->out);
		}
	}
	return 0;
}

static int raw_runs(const struct report *r, FILE *out, int json, struct herr *err)
{
	struct raw w = { .r = r, .out = out, .json = json };
	struct store_metric_filter f = { NULL, 0, r->o.metrics ? r->o.metrics : "*" };

	for (size_t s = 0; s < r->nsweeps; s++) {
		w.sweep = s;
		w.cursor = 0;
		if (store_report_runs(r->st, r->sweeps[s].id, raw_take_run, &w, err))
			goto fail;
		if (!(w.has_metrics = calloc(w.n + 1, sizeof(int)))) {
			herr_set(err, EXIT_RUNTIME, "out of memory");
			goto fail;
		}
		if (store_report_metrics(r->st, r->sweeps[s].id, &f, raw_take_metric, &w, err))
			goto fail;
		if ((json && json_flush_run(&w)) || raw_bare_runs(&w)) {
			herr_set(err, EXIT_RUNTIME, "out of memory");
			goto fail;
		}
		raw_free_runs(&w);
	}
	return 0;
fail:
	json_decref(w.cur);
	raw_free_runs(&w);
	return -1;
}

int report_csv(const struct report *r, FILE *out, struct herr *err)
{
	if (!r->o.csv_runs)
		csv_comparison(r, out);
	else {
		csv_header(out, run_columns);
		if (raw_runs(r, out, 0, err))
			return -1;
	}
	return ferror(out) ? herr_set(err, EXIT_RUNTIME, "writing the report failed") : 0;
}

/* ---- JSON ---- */

static json_t *num_or_null(double v, int have)
{
	return have && isfinite(v) ? json_real(v) : json_null();
}

static json_t *comparison_json(const struct report *r, const struct rpt_row *row, size_t c)
{
	const struct rpt_cell *cell = &row->cells[c];
	const struct comparison *k = &cell->c;
	int s = cell->n > 0, h = cell->have_c;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:I}",
			      "group", r->groups[row->group].label, "workload", r->groups[row->group].workload,
			      "metric", row->name, "scope", metric_scope_name(row->scope), "unit", row->unit,
			      "kind", metric_kind_name(row->kind), "better", metric_better_name(row->better),
			      "emulated", row->emulated, "variant", r->cols[c].label,
			      "baseline", r->cols[r->base].label, "n", (json_int_t)cell->n,
			      "not_measured", (json_int_t)cell->missing);

	if (!o)
		return NULL;
	json_object_set_new(o, "median", num_or_null(cell->s.median, s));
	json_object_set_new(o, "ci_lo", num_or_null(cell->s.ci_lo, s));
	json_object_set_new(o, "ci_hi", num_or_null(cell->s.ci_hi, s));
	json_object_set_new(o, "mad", num_or_null(cell->s.mad, s));
	json_object_set_new(o, "cv", num_or_null(cell->s.cv, s));
	json_object_set_new(o, "min", num_or_null(cell->s.min, s));
	json_object_set_new(o, "max", num_or_null(cell->s.max, s));
	json_object_set_new(o, "ratio", h && isinf(k->ratio) ? json_string("inf") : num_or_null(k->ratio, h));
	json_object_set_new(o, "ratio_lo", num_or_null(k->ratio_lo, h));
	json_object_set_new(o, "ratio_hi", num_or_null(k->ratio_hi, h));
	json_object_set_new(o, "diff", num_or_null(k->diff, h));
	json_object_set_new(o, "p", num_or_null(k->p, h));
	json_object_set_new(o, "q", num_or_null(k->q, h));
	json_object_set_new(o, "verdict", json_string(h ? verdict_name(k->verdict)
						 : c == r->base ? "baseline" : ""));
	json_object_set_new(o, "reason", h ? json_string(k->reason)
				: !s && cell->reason ? json_string(cell->reason) : json_null());
	return o;
}

static json_t *head_json(const struct report *r)
{
	json_t *sweeps = json_array(), *cols = json_array(), *ctx = json_object();

	for (size_t s = 0; s < r->nsweeps; s++) {
		const struct sweep_row *w = &r->sweeps[s];
		json_t *items = json_array();

		json_array_append_new(sweeps, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s?}", "id", w->id,
							"name", w->name, "target", w->target, "file", w->file,
							"status", w->status, "created", w->created,
							"kernel_release", *w->kernel_release ? w->kernel_release : NULL));
		for (size_t i = 0; i < r->ncontext[s]; i++) {
			char *tab = strchr(r->context[s][i], '\t');
			json_t *v = tab ? json_loads(tab + 1, 0, NULL) : NULL;

			if (v) {
				json_object_set_new(v, "what", json_stringn(r->context[s][i],
									    (size_t)(tab - r->context[s][i])));
				json_array_append_new(items, v);
			}
		}
		json_object_set_new(ctx, w->id, items);
	}
	for (size_t c = 0; c < r->ncols; c++) {
		const struct rpt_col *k = &r->cols[c];

		json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s?}", "label",
						      k->label, "name", k->name, "sweep_id",
						      r->sweeps[k->sweep].id, "target", k->target,
						      "emulated", k->emulated, "kernel_release", k->release,
						      "hostname", k->hostname, "skipped", k->skipped));
	}
	return json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:{s:f, s:f, s:i}}", "format", "harness-report",
			 "version", 1, "baseline", r->cols[r->base].label, "sweeps", sweeps,
			 "variants", cols, "context", ctx, "settings", "alpha", r->cmp.alpha,
			 "noise_floor", r->cmp.noise_floor, "tests", (int)r->ncompared);
}

/* The head and the comparison through jansson; the runs streamed after
 * them into the same object. */
int report_json(const struct report *r, FILE *out, struct herr *err)
{
	json_t *head = head_json(r), *cmp = json_array();
	char *text;
	size_t len;

	if (!head || !cmp)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i))
		for (size_t c = 0; c < r->ncols; c++)
			if (!r->cols[c].skipped)
				json_array_append_new(cmp, comparison_json(r, &r->rows[i], c));
	json_object_set_new(head, "comparison", cmp);
	text = json_dumps(head, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(head);
	if (!text)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	len = strlen(text);
	while (len && text[len - 1] != '}')
		len--;
	fprintf(out, "%.*s, \"runs\": [", (int)(len - 1), text);	/* the object, left open */
	free(text);
	if (raw_runs(r, out, 1, err))
		return -1;
	fputs("\n]}\n", out);
	return ferror(out) ? herr_set(err, EXIT_RUNTIME, "writing the report failed") : 0;
}
