#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report_run.h"
#include "analysis/stats.h"
#include "targets/target.h"

void run_report_init(struct run_report *rep)
{
	memset(rep, 0, sizeof(*rep));
}

void run_report_free(struct run_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		record_free(&rep->runs[i]);
	free(rep->runs);
	run_report_init(rep);
}

struct run_record *run_report_add(struct run_report *rep)
{
	if (rep->n == rep->cap) {
		size_t ncap = rep->cap ? rep->cap * 2 : 8;
		struct run_record *p = realloc(rep->runs, ncap * sizeof(*p));

		if (!p)
			return NULL;
		rep->runs = p;
		rep->cap = ncap;
	}
	record_init(&rep->runs[rep->n]);
	return &rep->runs[rep->n++];
}

void run_report_drop_last(struct run_report *rep)
{
	if (rep->n)
		record_free(&rep->runs[--rep->n]);
}

size_t run_report_failures(const struct run_report *rep)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++)
		n += strcmp(rep->runs[i].status, "ok") != 0;
	return n;
}

/* Footprint figures shown under the workload's own results, region scope
 * first when the workload marked one. */
static const char *const key_metrics[] = {
	"time.wall_s", "fault.minor", "fault.major", "mem.rss_peak", "mem.VmPTE_peak",
	"mem.AnonHugePages_peak", "pagecache.cached_bytes", "cpu.cycles", "cpu.instructions",
	"tlb.l1d_refill", "tlb.dtlb_walk",
};

static const struct metric *pick(const struct run_record *r, const char *name)
{
	const struct metric *m = mset_find(&r->metrics, SCOPE_REGION, name);

	return m ? m : mset_find(&r->metrics, SCOPE_PROCESS, name);
}

static void print_value(const struct metric *m, FILE *out)
{
	if (!m)
		fprintf(out, " %14s", "-");
	else if (m->status == MS_NOT_MEASURED)
		fprintf(out, " %14s", "not measured");
	else if (m->status == MS_NOT_COUNTED)
		fprintf(out, " %14s", "not counted");
	else if (m->value == (double)(long long)m->value && m->value < 1e15 && m->value > -1e15)
		fprintf(out, " %14lld", (long long)m->value);	/* counts and bytes read best whole */
	else
		fprintf(out, " %14.6g", m->value);
}

/* A time or a rate from an emulated target says nothing about hardware:
 * such rows carry a '*' and the table a footnote. */
static int emulated(const struct run_report *rep, const struct metric *m)
{
	int emu = 0;

	for (size_t i = 0; i < rep->n; i++)
		emu |= target_name_emulated(rep->runs[i].target);
	return emu && (!strcmp(m->unit, "s") || !strcmp(m->unit, "ns") || strstr(m->unit, "/s") ||
			!strncmp(m->name, "cpu.", 4));
}

static void print_num(double v, FILE *out)
{
	if (v == (double)(long long)v && v < 1e15 && v > -1e15)
		fprintf(out, " %14lld", (long long)v);
	else
		fprintf(out, " %14.6g", v);
}

/* The aggregate beside the runs: median and the bootstrap 95% CI of the
 * median (analysis/stats.h) of the runs that measured the metric. */
static void print_aggregate(const struct run_report *rep, const char *name, int workload_scope,
			    FILE *out)
{
	struct stats_summary s;
	struct stats_boot boot;
	struct herr e = { 0 };
	double *v = malloc((rep->n + 1) * sizeof(double));
	size_t n = 0;

	for (size_t i = 0; v && i < rep->n; i++) {
		const struct metric *m = workload_scope
			? mset_find(&rep->runs[i].metrics, SCOPE_WORKLOAD, name)
			: pick(&rep->runs[i], name);

		if (m && (m->status == MS_OK || m->status == MS_SCALED) && !strcmp(rep->runs[i].status, "ok"))
			v[n++] = m->value;
	}
	stats_boot_default(&boot);
	if (n && stats_summarize(v, n, &boot, &s, &e) == 0) {
		print_num(s.median, out);
		fprintf(out, "  [%.4g, %.4g]", s.ci_lo, s.ci_hi);
	} else {
		fprintf(out, " %14s", "-");
	}
	free(v);
}

static void print_row(const struct run_report *rep, const char *name, int workload_scope,
		      FILE *out)
{
	const struct metric *first = NULL;
	const char *reason = NULL;

	for (size_t i = 0; i < rep->n && !first; i++)
		first = workload_scope ? mset_find(&rep->runs[i].metrics, SCOPE_WORKLOAD, name)
				       : pick(&rep->runs[i], name);
	if (!first)
		return;
	if (emulated(rep, first)) {
		char starred[128];

		snprintf(starred, sizeof(starred), "%s*", name);
		fprintf(out, "%-24s %-8s", starred, first->unit);
	} else {
		fprintf(out, "%-24s %-8s", name, first->unit);
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct metric *m = workload_scope
			? mset_find(&rep->runs[i].metrics, SCOPE_WORKLOAD, name)
			: pick(&rep->runs[i], name);

		print_value(m, out);
		if (m && (m->status == MS_NOT_MEASURED || m->status == MS_NOT_COUNTED))
			reason = m->reason;
	}
	if (rep->n > 1)
		print_aggregate(rep, name, workload_scope, out);
	fputc('\n', out);
	if (reason)
		fprintf(out, "  (%s)\n", reason);
}

static void print_table(const struct run_report *rep, FILE *out)
{
	const struct run_record *ok = NULL;

	for (size_t i = 0; i < rep->n && !ok; i++)
		if (!strcmp(rep->runs[i].status, "ok"))
			ok = &rep->runs[i];
	fprintf(out, "%-24s %-8s", "metric", "unit");
	for (size_t i = 0; i < rep->n; i++)
		fprintf(out, " %14.8s", rep->runs[i].id);
	if (rep->n > 1)
		fprintf(out, " %14s  %s", "median", "95% CI of the median");
	fputc('\n', out);
	for (size_t i = 0; ok && i < ok->metrics.n; i++)
		if (ok->metrics.v[i].scope == SCOPE_WORKLOAD)
			print_row(rep, ok->metrics.v[i].name, 1, out);
	for (size_t i = 0; ok && i < sizeof(key_metrics) / sizeof(key_metrics[0]); i++)
		print_row(rep, key_metrics[i], 0, out);
	for (size_t i = 0; i < rep->n; i++)
		if (strcmp(rep->runs[i].status, "ok"))
			fprintf(out, "run %.8s FAILED: %s\n", rep->runs[i].id, rep->runs[i].reason);
	if (ok && target_name_emulated(ok->target))
		fprintf(out, "* emulated (target %s): times, rates and CPU counts are the emulator's, "
			"not hardware's\n", ok->target);
	fprintf(out, "%zu run%s stored; 'harness show ID' shows every metric.\n", rep->n,
		rep->n == 1 ? "" : "s");
}

static json_t *metric_json(const struct metric *m)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "scope", metric_scope_name(m->scope),
			      "name", m->name, "unit", m->unit, "source", m->source,
			      "status", metric_status_name(m->status));

	if (m->status == MS_OK || m->status == MS_SCALED)
		json_object_set_new(j, "value", json_real(m->value));
	else
		json_object_set_new(j, "reason", json_string(m->reason));
	return j;
}

static void print_json(const struct run_report *rep, FILE *out)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < rep->n; i++) {
		const struct run_record *r = &rep->runs[i];
		json_t *metrics = json_array();
		json_t *params = json_loads(r->params_json ? r->params_json : "{}", 0, NULL);

		for (size_t k = 0; k < r->metrics.n; k++)
			json_array_append_new(metrics, metric_json(&r->metrics.v[k]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:o, s:s, s:s, s:o}",
						     "id", r->id, "workload", r->workload, "rep", r->rep,
						     "params", params ? params : json_null(),
						     "status", r->status, "reason", r->reason,
						     "metrics", metrics));
	}
	json_dumpf(arr, out, JSON_INDENT(1));
	fputc('\n', out);
	json_decref(arr);
}

void run_report_print(const struct run_report *rep, int json, FILE *out)
{
	if (json)
		print_json(rep, out);
	else
		print_table(rep, out);
}
