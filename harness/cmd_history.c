/* harness history --metric M: the stored series of a metric's median per
 * sweep (store_history), one series per workload, parameter set, variant
 * and scope, in the order of the sweeps, and its change points by
 * E-Divisive means (analysis/changepoint.c, defaults), each naming the
 * first sweep after the change and the step. Read-only. docs/harness.md. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/history.h"
#include "cli.h"
#include "store/store.h"

struct history_opts {
	const char *db, *metric, *workload, *variant, *machine, *format;
};

static const struct opt_spec history_opts[] = {
	OPT_DB(struct history_opts),
	OPT_STR("metric", 'm', struct history_opts, metric, "METRIC", NULL,
		"the metric (e.g. fault.minor, gups; required)"),
	OPT_STR("workload", 'w', struct history_opts, workload, "NAME", NULL, "only this workload"),
	OPT_STR("variant", 'v', struct history_opts, variant, "NAME", NULL, "only this variant"),
	OPT_STR("machine", 0, struct history_opts, machine, "ID|HOST", NULL,
		"only runs on this machine (an id prefix or a hostname)"),
	OPT_STR("format", 'f', struct history_opts, format, "FORMAT", "text", "text or json"),
};

static void sweep_name(const struct hist_point *p, char *out, size_t n)
{
	snprintf(out, n, "%.8s %s%s%s%s", p->sweep_id, p->name, *p->tags ? " [" : "", p->tags,
		 *p->tags ? "]" : "");
}

static void print_text(const struct history *h, const char *metric)
{
	char label[512], name[256];

	for (size_t i = 0; i < h->n; i++) {
		const struct hist_series *s = &h->s[i];

		history_series_label(s, label, sizeof(label));
		printf("%s%s: %s, %zu sweeps\n", i ? "\n" : "", metric, label, s->n);
		for (size_t j = 0; j < s->n; j++) {
			int cp = 0;

			for (size_t c = 0; c < s->ncp; c++)
				cp |= s->cp[c].index == j;
			sweep_name(&s->p[j], name, sizeof(name));
			printf("  %s %-10.10s %-40.40s %12.6g %s\n", cp ? "*" : " ", s->p[j].created, name,
			       s->p[j].median, s->unit);
		}
		if (!s->ncp)
			printf("  no change point (E-Divisive, p <= 0.001, step >= 1%%)\n");
		for (size_t c = 0; c < s->ncp; c++) {
			sweep_name(&s->p[s->cp[c].index], name, sizeof(name));
			printf("  change at %s: %.6g -> %.6g (%+.1f%%), p %.4f\n", name, s->cp[c].before,
			       s->cp[c].after, 100 * s->cp[c].magnitude, s->cp[c].p);
		}
	}
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *series_json(const struct hist_series *s)
{
	json_t *o = json_object(), *pts = json_array(), *cps = json_array();

	json_object_set_new(o, "workload", json_string(s->workload));
	json_object_set_new(o, "params", json_loads(s->params, 0, NULL));
	json_object_set_new(o, "variant", json_string(s->variant));
	json_object_set_new(o, "scope", json_string(s->scope));
	json_object_set_new(o, "unit", json_string(s->unit));
	for (size_t j = 0; j < s->n; j++)
		json_array_append_new(pts, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "sweep",
						     s->p[j].sweep_id, "name", s->p[j].name, "tags",
						     s->p[j].tags, "created", s->p[j].created, "runs",
						     (json_int_t)s->p[j].n, "median", num(s->p[j].median)));
	for (size_t c = 0; c < s->ncp; c++) {
		const struct hist_point *p = &s->p[s->cp[c].index];

		json_array_append_new(cps, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "index",
						     (json_int_t)s->cp[c].index, "sweep", p->sweep_id,
						     "name", p->name, "tags", p->tags, "before",
						     num(s->cp[c].before), "after", num(s->cp[c].after),
						     "step", num(s->cp[c].magnitude), "p", num(s->cp[c].p)));
	}
	json_object_set_new(o, "points", pts);
	json_object_set_new(o, "change_points", cps);
	return o;
}

static void print_json(const struct history *h, const char *metric)
{
	json_t *root = json_object(), *arr = json_array();

	for (size_t i = 0; i < h->n; i++)
		json_array_append_new(arr, series_json(&h->s[i]));
	json_object_set_new(root, "metric", json_string(metric));
	json_object_set_new(root, "series", arr);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

static int run_history(struct cmd_ctx *ctx, struct herr *err)
{
	const struct history_opts *o = ctx->opts;
	struct store_history_filter f = { o->metric, o->workload, o->variant, o->machine };
	struct history h;
	struct store *st;
	int rc;

	if (!o->metric)
		return herr_set(err, EXIT_USAGE, "history: --metric METRIC is required");
	if (strcmp(o->format, "text") && strcmp(o->format, "json"))
		return herr_set(err, EXIT_USAGE, "--format %s: text or json", o->format);
	if (store_open(o->db, STORE_READ, &st, err))
		return -1;
	rc = history_load(st, &f, &h, err);
	store_close(st);
	if (rc)
		return -1;
	if (!rc && !h.n)
		rc = herr_set(err, EXIT_USAGE, "history: no stored value of %s%s%s%s%s%s%s in %s", o->metric,
			      o->workload ? " for workload " : "", o->workload ? o->workload : "",
			      o->variant ? " variant " : "", o->variant ? o->variant : "",
			      o->machine ? " on " : "", o->machine ? o->machine : "", o->db);
	if (!rc && !strcmp(o->format, "json"))
		print_json(&h, o->metric);
	else if (!rc)
		print_text(&h, o->metric);
	history_free(&h);
	return rc;
}

const struct cmd_spec cmd_history = {
	.name = "history",
	.synopsis = "--metric METRIC",
	.summary = "a metric's median per sweep over the stored sweeps, and its change points",
	.description =
		"One series per workload, parameter set, variant and scope: the metric's median\n"
		"over each sweep's measured runs, in the order the sweeps were created, and its\n"
		"change points by E-Divisive means with a permutation test (p <= 0.001, steps of\n"
		"at least 1%; docs/ci.md), each naming the first sweep after the change (id, name\n"
		"and tags) and the step. Read-only. See docs/harness.md.",
	.opts = history_opts,
	.nopts = sizeof(history_opts) / sizeof(history_opts[0]),
	.opts_size = sizeof(struct history_opts),
	.min_args = 0,
	.max_args = 0,
	.run = run_history,
};
