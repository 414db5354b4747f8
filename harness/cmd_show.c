/* harness show RUN: one stored run, its metadata and every metric. The run
 * is first read into one JSON document; --json prints that document and
 * the text view renders it, so both always show the same facts. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "store/run_json.h"
#include "store/store.h"

struct show_opts {
	const char *db;
	int json, samples;
};

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static long long num(const json_t *obj, const char *key)
{
	return (long long)json_number_value(json_object_get(obj, key));
}

/* Integral values print without a fraction; everything else with six
 * significant digits, which is more than any run-to-run noise. */
static void format_value(const json_t *v, char *buf, size_t size)
{
	double d = json_number_value(v);

	if (json_is_integer(v) || (d == floor(d) && fabs(d) < 1e15))
		snprintf(buf, size, "%.0f", d);
	else
		snprintf(buf, size, "%.6g", d);
}

static void format_bytes(unsigned long long b, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v == floor(v) ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static void format_time(long long ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03lld UTC", (ns % 1000000000) / 1000000);
}

static void print_compact(const char *label, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

	printf("%-10s%s\n", label, s ? s : "");
	free(s);
}

static void print_outcome(const json_t *run)
{
	char start[64];
	long long sig = num(run, "term_signal");

	if (!strcmp(str(run, "status"), "ok"))
		printf("%-10sok\n", "status");
	else
		printf("%-10sfailed: %s\n", "status", str(run, "reason"));
	format_time(num(run, "started_ns"), start, sizeof(start));
	if (json_is_integer(json_object_get(run, "ended_ns")))
		printf("%-10s%s, took %.3f s\n", "started", start,
		       (double)(num(run, "ended_ns") - num(run, "started_ns")) / 1e9);
	else
		printf("%-10s%s\n", "started", start);
	if (sig)
		printf("%-10skilled by signal %lld (%s)\n", "exit", sig, strsignal((int)sig));
	else
		printf("%-10scode %lld\n", "exit", num(run, "exit_code"));
}

static void print_run(const json_t *run)
{
	printf("%-10s%s\n", "run", str(run, "id"));
	printf("%-10s%s\n", "workload", str(run, "workload"));
	print_compact("params", json_object_get(run, "params"));
	printf("%-10s%s (target %s, repetition %lld%s)\n", "variant", str(run, "variant"),
	       str(run, "target"), num(run, "rep"), num(run, "warmup") ? ", warm-up" : "");
	if (*str(run, "sweep_id"))
		printf("%-10s%s\n", "sweep", str(run, "sweep_id"));
	print_outcome(run);
	printf("%-10s%s\n", "harness", str(run, "harness_version"));
}

static void print_machine(const json_t *m)
{
	char mem[32];

	if (!json_is_object(m))
		return;
	format_bytes((unsigned long long)num(m, "mem_total_bytes"), mem, sizeof(mem));
	printf("%-10s%s (%s), %s, %s\n", "machine", str(m, "hostname"), str(m, "id"),
	       str(m, "arch"), str(m, "cpu_model"));
	printf("%-10s%lld package(s), %lld cores, %lld CPUs, %lld NUMA node(s), %s memory\n", "",
	       num(m, "packages"), num(m, "cores"), num(m, "pus"), num(m, "numa_nodes"), mem);
}

/* mTHP sizes as "16K 64K 2M": the list is long and bytes are unreadable. */
static void format_sizes(const json_t *sizes, char *buf, size_t size)
{
	size_t i, len = 0;
	json_t *v;

	snprintf(buf, size, "none");
	json_array_foreach(sizes, i, v) {
		long long b = json_integer_value(v);
		const char *unit = b >= 1 << 20 ? "M" : "K";

		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%lld%s", i ? " " : "",
						b >= 1 << 20 ? b >> 20 : b >> 10, unit);
	}
}

static void print_kernel(const json_t *k)
{
	char page[32], pmd[32], mthp[256];

	if (!json_is_object(k))
		return;
	format_bytes((unsigned long long)num(k, "page_size"), page, sizeof(page));
	format_bytes((unsigned long long)num(k, "pmd_size"), pmd, sizeof(pmd));
	format_sizes(json_object_get(k, "mthp_sizes"), mthp, sizeof(mthp));
	printf("%-10s%s %s (%s), %s\n", "kernel", str(k, "release"), str(k, "version"),
	       str(k, "arch"), str(k, "id"));
	printf("%-10spage size %s, PMD %s, mTHP sizes %s, cachestat %s\n", "", page,
	       num(k, "pmd_size") ? pmd : "none (no THP)", mthp,
	       num(k, "has_cachestat") ? "yes" : "no");
	printf("%-10s%s\n", "cmdline", str(k, "cmdline"));
}

static void print_leaf(const char *path, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	printf("  %s = %s\n", path, s ? s : "");
	free(s);
}

/* Nested settings as "a.b.c = value" lines: greppable, and a diff of
 * two runs' output shows exactly which knob differed. */
static void print_flat(const char *prefix, const json_t *v)
{
	const char *key;
	json_t *child;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child) {
			char path[256];

			snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
			print_flat(path, child);
		}
		return;
	}
	print_leaf(prefix, v);
}

static void print_settings(const json_t *run, const json_t *knobs)
{
	size_t i;
	json_t *k;
	const json_t *settings = json_object_get(run, "settings");

	if (json_is_object(settings) && json_object_size(settings)) {
		printf("\nsettings\n");
		print_flat("", settings);
	} else if (settings && !json_is_null(settings)) {
		print_compact("settings", settings);
	}
	if (json_array_size(knobs))
		printf("\nknobs\n");
	json_array_foreach(knobs, i, k) {
		printf("  %s = %s", str(k, "path"), str(k, "value"));
		if (json_is_string(json_object_get(k, "previous")))
			printf("  (was %s)", str(k, "previous"));
		putchar('\n');
	}
}

static int name_width(const json_t *rows, const char *key, int min)
{
	size_t i;
	json_t *r;
	int w = min;

	json_array_foreach(rows, i, r)
		if ((int)strlen(str(r, key)) > w)
			w = (int)strlen(str(r, key));
	return w;
}

/* A value, or for a metric that has none, what kind of absence it is;
 * the reason goes in the status column. Never a 0. */
static void print_metric(const json_t *m, int w)
{
	const char *status = str(m, "status");
	char val[64];

	if (json_is_null(json_object_get(m, "value"))) {
		printf("  %-*s  %16s  %-8s  %s\n", w, str(m, "name"),
		       !strcmp(status, "not_counted") ? "not counted" : "not measured",
		       str(m, "unit"), str(m, "reason"));
		return;
	}
	format_value(json_object_get(m, "value"), val, sizeof(val));
	printf("  %-*s  %16s  %-8s  %s\n", w, str(m, "name"), val, str(m, "unit"), status);
}

static void print_metrics(const json_t *metrics)
{
	static const char *const scopes[] = { "process", "region", "workload" };
	int w = name_width(metrics, "name", 20);

	for (size_t s = 0; s < 3; s++) {
		size_t i;
		json_t *m;
		int header = 0;

		json_array_foreach(metrics, i, m) {
			if (strcmp(str(m, "scope"), scopes[s]))
				continue;
			if (!header++)
				printf("\n%s metrics\n  %-*s  %16s  %-8s  %s\n", scopes[s], w, "NAME",
				       "VALUE", "UNIT", "STATUS");
			print_metric(m, w);
		}
	}
	if (!json_array_size(metrics))
		printf("\nno metrics stored\n");
}

static void print_pmu(const json_t *pmu)
{
	int mw = name_width(pmu, "metric", 12), w = name_width(pmu, "event", 12);
	size_t i;
	json_t *p;

	if (!json_array_size(pmu))
		return;
	printf("\nperf events\n  %-*s  %-*s  %5s  %-8s  %14s  %14s  %14s  %s\n", mw, "METRIC", w,
	       "EVENT", "GROUP", "SCOPE", "RAW", "ENABLED NS", "RUNNING NS", "STATUS");
	json_array_foreach(pmu, i, p) {
		printf("  %-*s  %-*s  %5lld  %-8s  ", mw, str(p, "metric"), w, str(p, "event"),
		       num(p, "grp"), str(p, "scope"));
		if (json_is_null(json_object_get(p, "raw")))
			printf("%14s  %14s  %14s  ", "-", "-", "-");
		else
			printf("%14lld  %14lld  %14lld  ", num(p, "raw"), num(p, "time_enabled"),
			       num(p, "time_running"));
		printf("%s%s%s\n", str(p, "status"), *str(p, "reason") ? ": " : "", str(p, "reason"));
	}
}

static void print_samples(const json_t *data)
{
	size_t i;
	json_t *pt;

	json_array_foreach(data, i, pt) {
		char val[64] = "null";

		if (!json_is_null(json_array_get(pt, 1)))
			format_value(json_array_get(pt, 1), val, sizeof(val));
		printf("    %12.3f  %s\n", (double)json_integer_value(json_array_get(pt, 0)) / 1e9, val);
	}
}

static void print_series(const json_t *series)
{
	int w = name_width(series, "name", 20);
	size_t i;
	json_t *s;

	if (!json_array_size(series))
		return;
	printf("\ntime series (t in seconds since exec)\n  %-*s  %-8s  %8s  %16s  %16s  %10s\n",
	       w, "NAME", "UNIT", "SAMPLES", "MIN", "MAX", "SPAN S");
	json_array_foreach(series, i, s) {
		char lo[64] = "-", hi[64] = "-";

		if (!json_is_null(json_object_get(s, "min")))
			format_value(json_object_get(s, "min"), lo, sizeof(lo));
		if (!json_is_null(json_object_get(s, "max")))
			format_value(json_object_get(s, "max"), hi, sizeof(hi));
		printf("  %-*s  %-8s  %8lld  %16s  %16s  %10.3f\n", w, str(s, "name"), str(s, "unit"),
		       num(s, "samples"), lo, hi,
		       (double)(num(s, "last_t_ns") - num(s, "first_t_ns")) / 1e9);
		print_samples(json_object_get(s, "data"));
	}
}

static void print_text(const json_t *doc)
{
	const json_t *run = json_object_get(doc, "run");

	print_run(run);
	print_machine(json_object_get(doc, "machine"));
	print_kernel(json_object_get(doc, "kernel"));
	print_settings(run, json_object_get(doc, "knobs"));
	print_metrics(json_object_get(doc, "metrics"));
	print_pmu(json_object_get(doc, "pmu_events"));
	print_series(json_object_get(doc, "series"));
	if (*str(run, "stderr_tail"))
		printf("\nstderr (last lines)\n%s%s", str(run, "stderr_tail"),
		       str(run, "stderr_tail")[strlen(str(run, "stderr_tail")) - 1] == '\n' ? "" : "\n");
}

static int show_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct show_opts *o = ctx->opts;
	struct store *st;
	char id[37];
	json_t *doc = NULL;
	int rc = 0;

	if (store_open(o->db, STORE_READ, &st, err))
		return -1;
	if (store_find_run(st, ctx->argv[0], id, err) ||
	    !(doc = store_run_json(st, id, o->samples, err))) {
		store_close(st);
		return -1;
	}
	store_close(st);
	if (o->json) {
		rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(doc);
	}
	json_decref(doc);
	if (rc || fflush(stdout))
		return herr_errno(err, EXIT_RUNTIME, "show: writing output");
	return 0;
}

static const struct opt_spec show_opts[] = {
	OPT_DB(struct show_opts),
	OPT_JSON(struct show_opts),
	OPT_BOOL("samples", 0, struct show_opts, samples, "also print every sample of every time series"),
};

const struct cmd_spec cmd_show = {
	.name = "show",
	.synopsis = "RUN",
	.summary = "show one stored run: metadata, metrics, perf events, time series",
	.description =
		"RUN is a run id, a unique prefix of one (at least 4 characters), or 'last'\n"
		"(the run that started most recently). Metrics are grouped by scope: process\n"
		"(exec to exit), region (the part the workload marked) and workload (what the\n"
		"workload reported). A metric that could not be measured, or that the hardware\n"
		"or emulator did not count, shows why instead of a value. --json prints one\n"
		"object with the sections run, machine, kernel, knobs, metrics, pmu_events and\n"
		"series; stored JSON columns (params, settings, topology) are embedded as JSON.\n"
		"The database is only read.",
	.opts = show_opts,
	.nopts = sizeof(show_opts) / sizeof(show_opts[0]),
	.opts_size = sizeof(struct show_opts),
	.min_args = 1,
	.max_args = 1,
	.run = show_run,
};
