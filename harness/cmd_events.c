/* harness events [--pmu NAME] [--json]: every portable counter, the event it
 * resolves to on this CPU (or on a named libpfm4 PMU table), its encoding,
 * the counters per group, and whether it opens here. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perfmon/pfmlib.h>

#include "cli.h"
#include "measure/counters.h"
#include "measure/counters_impl.h"
#include "measure/metric_table.h"

struct events_opts {
	const char *pmu;
	int json;
};

static const struct opt_spec events_opts[] = {
	OPT_STR("pmu", 0, struct events_opts, pmu, "NAME", NULL,
		"resolve for this libpfm4 PMU table (e.g. arm_n1) instead of the detected CPU"),
	OPT_JSON(struct events_opts),
};

struct event_row {
	struct counter_resolution res;
	int opens;
	char status[16];	/* "opens", "fails", "unresolved" */
	char note[200];		/* why not, or the user-only note */
};

static int pmu_table_exists(const char *name)
{
	for (int p = PFM_PMU_NONE; p < PFM_PMU_MAX; p++) {
		pfm_pmu_info_t info;

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.name &&
		    !strcmp(info.name, name))
			return 1;
	}
	return 0;
}

/* The core PMU libpfm4 uses here, for the heading. */
static const char *core_pmu_name(void)
{
	for (int p = PFM_PMU_NONE; p < PFM_PMU_MAX; p++) {
		pfm_pmu_info_t info;

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE)
			return info.name;
	}
	return NULL;
}

static int init_lib(const char *pmu, struct herr *err)
{
	/* pfm_initialize reads these once: they must be set before it. */
	if (pmu && (setenv("LIBPFM_FORCE_PMU", pmu, 1) || setenv("LIBPFM_ENCODE_INACTIVE", "1", 1)))
		return herr_errno(err, EXIT_RUNTIME, "setenv");
	if (counters_lib_init(err))
		return -1;
	if (pmu && !pmu_table_exists(pmu))
		return herr_set(err, EXIT_USAGE,
				"--pmu %s: this libpfm4 has no PMU table of that name "
				"(a distribution's libpfm4 carries only the tables of its own "
				"architecture: arm64 tables need an arm64 build)", pmu);
	return 0;
}

static void fill_row(const struct counter_def *def, struct event_row *row)
{
	struct herr ignore = { 0 };

	memset(row, 0, sizeof(*row));
	counter_resolve(def, &row->res, &ignore);
	if (!row->res.ok) {
		snprintf(row->status, sizeof(row->status), "unresolved");
		counters_append(row->note, sizeof(row->note), row->res.reason);
		return;
	}
	row->opens = counters_probe(&row->res, row->note, sizeof(row->note)) == 0;
	snprintf(row->status, sizeof(row->status), "%s", row->opens ? "opens" : "fails");
}

static void print_text(const struct event_row *rows, const char *pmu)
{
	const char *core = core_pmu_name();

	printf("libpfm4 core PMU: %s%s; groups of at most %d PMU events\n",
	       core ? core : "none (perf:: generic and sysfs events only)",
	       pmu ? " (forced with --pmu)" : "", counters_core_ncounters());
	printf("%-24s %-5s %-42s %5s %-8s %4s  %s\n", "METRIC", "CLASS", "EVENT", "TYPE",
	       "CONFIG", "NCTR", "STATUS");
	for (size_t i = 0; i < counter_ndefs; i++) {
		const struct event_row *r = &rows[i];
		const struct counter_def *def = &counter_defs[i];
		char type[16] = "-", config[24] = "-", nctr[16] = "-";

		if (r->res.ok) {
			snprintf(type, sizeof(type), "%u", r->res.type);
			snprintf(config, sizeof(config), "0x%llx", (unsigned long long)r->res.config);
			if (def->cls == COUNTER_PMU)
				snprintf(nctr, sizeof(nctr), "%d", r->res.ncounters);
		}
		printf("%-24s %-5s %-42s %5s %-8s %4s  %s%s%s\n", def->name,
		       def->cls == COUNTER_PMU ? "pmu" : "sw", r->res.ok ? r->res.event : "-",
		       type, config, nctr, r->status, r->note[0] ? ": " : "", r->note);
	}
}

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *row_json(const struct counter_def *def, const struct event_row *r)
{
	/* Every counter is in the metric table (its unit test checks). */
	const struct metric_def *md = metric_def_find(def->name);
	json_t *o = json_object();

	json_object_set_new(o, "metric", json_string(def->name));
	json_object_set_new(o, "class", json_string(def->cls == COUNTER_PMU ? "pmu" : "software"));
	json_object_set_new(o, "unit", json_string(md->unit));
	json_object_set_new(o, "better", json_string(metric_better_name(md->better)));
	json_object_set_new(o, "help", json_string(md->meaning));
	json_object_set_new(o, "resolved", json_boolean(r->res.ok));
	json_object_set_new(o, "event", r->res.ok ? json_string(r->res.event) : json_null());
	json_object_set_new(o, "pmu", r->res.ok ? json_string(r->res.pmu) : json_null());
	json_object_set_new(o, "type", r->res.ok ? json_integer(r->res.type) : json_null());
	json_object_set_new(o, "config", r->res.ok ? hex(r->res.config) : json_null());
	json_object_set_new(o, "config1", r->res.ok ? hex(r->res.config1) : json_null());
	json_object_set_new(o, "config2", r->res.ok ? hex(r->res.config2) : json_null());
	json_object_set_new(o, "ncounters", def->cls == COUNTER_PMU && r->res.ok ?
			    json_integer(r->res.ncounters) : json_null());
	json_object_set_new(o, "opens", json_boolean(r->opens));
	json_object_set_new(o, "status", json_string(r->status));
	json_object_set_new(o, "reason", json_string(r->note));
	return o;
}

static int print_json(const struct event_row *rows, struct herr *err)
{
	json_t *arr = json_array();
	int rc = 0;

	if (!arr)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < counter_ndefs; i++)
		json_array_append_new(arr, row_json(&counter_defs[i], &rows[i]));
	if (json_dumpf(arr, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF)
		rc = herr_errno(err, EXIT_RUNTIME, "writing JSON");
	json_decref(arr);
	return rc;
}

static int events_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct events_opts *o = ctx->opts;
	const char *pmu = o->pmu;
	struct event_row *rows;
	int rc = 0;

	if (init_lib(pmu, err))
		return -1;
	rows = calloc(counter_ndefs, sizeof(*rows));
	if (!rows)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < counter_ndefs; i++)
		fill_row(&counter_defs[i], &rows[i]);
	if (o->json)
		rc = print_json(rows, err);
	else
		print_text(rows, pmu);
	free(rows);
	return rc;
}

const struct cmd_spec cmd_events = {
	.name = "events",
	.synopsis = "",
	.summary = "list the portable counters and what they resolve to on this CPU",
	.description =
		"For every portable counter (fault.minor, cpu.cycles, tlb.dtlb_walk, ...):\n"
		"its class (pmu or software), the libpfm4 or kernel event it resolves to\n"
		"(arm64 architectural names first, then the kernel's sysfs list, then\n"
		"perf:: generic events), the perf_event_attr type and config, the PMU's\n"
		"counters per group, and whether it opens on this machine (the probe\n"
		"opens it on the harness itself and closes it). A counter that does not\n"
		"open here is stored as not measured in runs, never as 0.\n"
		"--pmu NAME sets LIBPFM_FORCE_PMU=NAME and LIBPFM_ENCODE_INACTIVE=1, to\n"
		"see the encodings for another CPU (the open probe still runs here).",
	.opts = events_opts,
	.nopts = sizeof(events_opts) / sizeof(events_opts[0]),
	.opts_size = sizeof(struct events_opts),
	.min_args = 0,
	.max_args = 0,
	.run = events_run,
};
