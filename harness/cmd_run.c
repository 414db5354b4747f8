/* harness run WORKLOAD: run a workload on the running kernel under full
 * measurement, store one run per repetition, print a short table. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel/variant.h"
#include "measure/counters.h"
#include "report_run.h"
#include "runner.h"
#include "proc.h"
#include "store/store.h"
#include "target/qemu_cli.h"
#include "workload.h"

static const struct opt_spec run_opts[] = {
	{ "param", 'p', OPT_LIST, "KEY=VALUE", NULL, "workload parameter (see 'harness run WORKLOAD --params')" },
	{ "reps", 'r', OPT_INT, "N", "1", "repetitions; each is stored as its own run" },
	{ "seed", 0, OPT_INT, "N", "1", "seed handed to the workload (deterministic data and order)" },
	{ "interval", 0, OPT_INT, "MS", "100", "sampling interval of smaps_rollup and status (1 to 3600000)" },
	{ "timeout", 0, OPT_INT, "S", "0", "kill a repetition after S seconds and store it as failed (0: none; at most 604800)" },
	{ "event", 'e', OPT_LIST, "NAME", NULL, "count only these portable counters (see 'harness events'); default all" },
	{ "no-cgroup", 0, OPT_FLAG, NULL, NULL, "do not put the workload in a cgroup of its own" },
	{ "params", 0, OPT_FLAG, NULL, NULL, "list the workload's parameters and exit" },
	{ "quiet", 'q', OPT_FLAG, NULL, NULL, "no progress lines on stderr" },
	{ "target", 't', OPT_STRING, "TARGET", "local", "local (the running kernel) or qemu (a variant's kernel in qemu-system-aarch64)" },
	{ "variant", 0, OPT_STRING, "NAME", "4k", "qemu: the kernel variant to boot (kernels/variants/NAME.ini, or a path)" },
	QEMU_OPTS,
	OPT_DB,
	OPT_JSON,
};

static int list_params(const char *path, struct herr *err)
{
	char *argv[] = { (char *)path, "--help", NULL };
	struct spawn_result res;

	if (spawn_capture(argv, &res, err))
		return -1;
	fputs(res.out, stdout);
	spawn_result_free(&res);
	return 0;
}

static int run_reps(struct cmd_ctx *ctx, const struct run_opts *ro, const char *workload,
		    const char *params_json, struct store *st, struct run_report *rep,
		    struct herr *err)
{
	struct machine_info mi;
	struct kernel_info ki;
	long long reps = cli_num(ctx, "reps");
	int rc = 0;

	if (sysinfo_collect(&mi, &ki, err))
		return -1;
	runner_catch_signals();
	for (long long i = 0; i < reps && rc == 0; i++) {
		struct run_record *r = run_report_add(rep);

		if (!r) {
			rc = herr_set(err, EXIT_RUNTIME, "out of memory");
			break;
		}
		snprintf(r->workload, sizeof(r->workload), "%s", workload);
		r->params_json = strdup(params_json);
		r->rep = (int)i;
		r->machine = &mi;
		r->kernel = &ki;
		if (!cli_flag(ctx, "quiet"))
			fprintf(stderr, "harness: %s run %lld/%lld (%s)\n", workload, i + 1, reps, r->id);
		rc = runner_run(ro, r, err);
		if (rc == 0)
			rc = store_save_run(st, r, err);
		if (rc)
			run_report_drop_last(rep);	/* not stored: do not show it */
		else if (!cli_flag(ctx, "quiet"))
			fprintf(stderr, "harness: %s run %lld/%lld %s%s%s\n", workload, i + 1, reps,
				r->status, *r->reason ? ": " : "", r->reason);
	}
	if (rep->n)
		run_report_print(rep, cli_flag(ctx, "json"), stdout);
	for (size_t i = 0; i < rep->n; i++)
		{ rep->runs[i].machine = NULL; rep->runs[i].kernel = NULL; }
	sysinfo_free(&mi, &ki);
	return rc;
}

/* --target qemu: every repetition in one boot of the variant's kernel.
 * The report takes each stored record. */
static void qemu_stored(void *user, struct run_record *r)
{
	struct run_record *slot = run_report_add(user);

	if (!slot)
		return;	/* stored, only not shown */
	record_free(slot);
	*slot = *r;
	slot->machine = NULL;
	slot->kernel = NULL;
	memset(r, 0, sizeof(*r));
}

static int run_qemu(struct cmd_ctx *ctx, const struct run_opts *ro, const char *params_json,
		    struct store *st, struct run_report *rep, struct herr *err)
{
	long long reps = cli_num(ctx, "reps");
	struct qemu_cell *cells = calloc((size_t)reps, sizeof(*cells));
	struct qemu_session s;
	struct qemu_opts o;
	struct qemu_boot_summary sum;
	struct boot_test test;
	int rc;

	if (!cells)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	qemu_cli_opts(ctx, &o);
	rc = qemu_test_from_env(&test, err);
	if (!rc)
		rc = qemu_session_open(cli_str(ctx, "variant"), &o, &s, err);
	if (rc) {
		free(cells);
		return -1;
	}
	for (long long i = 0; i < reps; i++) {
		cells[i] = (struct qemu_cell){ .workload = ctx->argv[0], .params = ro->params,
			.nparams = ro->nparams, .params_json = params_json, .seed = ro->seed,
			.rep = (int)i, .sample_ms = ro->sample_ms, .timeout_s = ro->timeout_s,
			.events = ro->events, .nevents = ro->nevents, .use_cgroup = ro->use_cgroup };
	}
	runner_catch_signals();
	rc = qemu_session_boot(&s, st, NULL, cells, (size_t)reps, &test, qemu_stored, rep, &sum, err);
	if (rep->n)
		run_report_print(rep, cli_flag(ctx, "json"), stdout);
	qemu_session_close(&s);
	free(cells);
	return rc;
}

/* --target qemu: the qemu options and the variant are checked here, before
 * the store is opened; elsewhere a qemu option is an error, not ignored. */
static int check_target(struct cmd_ctx *ctx, struct herr *err)
{
	int qemu = !strcmp(cli_str(ctx, "target"), "qemu");
	struct kvariant *v;
	struct qemu_opts o;

	if (qemu_cli_check(ctx, qemu, "run", &o, err))
		return -1;
	if (!qemu)
		return 0;
	if (!(v = kvariant_load(cli_str(ctx, "variant"), err)))
		return -1;
	kvariant_free(v);
	free(v);
	return 0;
}

static int run_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct opt_value *params = cli_opt(ctx, "param");
	const struct opt_value *events = cli_opt(ctx, "event");
	struct run_opts ro = { 0 };
	struct run_report rep;
	struct store *st = NULL;
	char path[4200], *params_json = NULL;
	int rc;

	if (workload_find(ctx->argv[0], path, sizeof(path), err))
		return -1;
	if (cli_flag(ctx, "params"))
		return list_params(path, err);
	if (cli_num(ctx, "reps") < 1)
		return herr_set(err, EXIT_USAGE, "run: --reps must be at least 1");
	if (cli_num(ctx, "interval") < 1)
		return herr_set(err, EXIT_USAGE, "run: --interval must be at least 1 ms");
	if (strcmp(cli_str(ctx, "target"), "local") && strcmp(cli_str(ctx, "target"), "qemu"))
		return herr_set(err, EXIT_USAGE, "run: --target %s: local or qemu", cli_str(ctx, "target"));
	if (!strcmp(cli_str(ctx, "target"), "local") && cli_opt(ctx, "variant")->set)
		return herr_set(err, EXIT_USAGE, "run: --variant boots a kernel: use it with --target qemu");
	/* The limits of a sweep file's interval and timeout keys; beyond them
	 * the 32-bit fields of a run would cut the value. */
	if (cli_num(ctx, "interval") > 3600000)
		return herr_set(err, EXIT_USAGE, "run: --interval %lld: at most 3600000 ms (an hour)",
				cli_num(ctx, "interval"));
	if (cli_num(ctx, "timeout") > 604800)
		return herr_set(err, EXIT_USAGE, "run: --timeout %lld: at most 604800 s (a week)",
				cli_num(ctx, "timeout"));
	if (check_target(ctx, err))
		return -1;
	for (size_t i = 0; i < events->nlist; i++)
		if (!counter_find(events->list[i]))
			return herr_set(err, EXIT_USAGE,
					"run: unknown counter '%s' (see 'harness events')", events->list[i]);
	/* Everything is validated before the store is opened, so bad input
	 * never touches the database. */
	if (workload_check(path, params->list, params->nlist, (uint64_t)cli_num(ctx, "seed"),
			   &params_json, err))
		return -1;
	if (store_open(cli_str(ctx, "db"), STORE_WRITE, &st, err)) {
		free(params_json);
		return -1;
	}
	ro.path = path;
	ro.params = params->list;
	ro.nparams = params->nlist;
	ro.seed = (uint64_t)cli_num(ctx, "seed");
	ro.sample_ms = (unsigned)cli_num(ctx, "interval");
	ro.timeout_s = (unsigned)cli_num(ctx, "timeout");
	ro.use_cgroup = !cli_flag(ctx, "no-cgroup");
	ro.events = events->nlist ? events->list : NULL;
	ro.nevents = events->nlist;
	run_report_init(&rep);
	if (!strcmp(cli_str(ctx, "target"), "qemu"))
		rc = run_qemu(ctx, &ro, params_json, st, &rep, err);
	else
		rc = run_reps(ctx, &ro, ctx->argv[0], params_json, st, &rep, err);
	if (rc == 0 && run_report_failures(&rep))
		rc = herr_set(err, EXIT_RUNTIME, "%zu of %zu runs failed (stored with their reasons)",
			      run_report_failures(&rep), rep.n);
	run_report_free(&rep);
	store_close(st);
	free(params_json);
	return rc;
}

const struct cmd_spec cmd_run = {
	.name = "run",
	.synopsis = "WORKLOAD",
	.summary = "run a workload on the running kernel, measure it, store the runs",
	.description =
		"Runs WORKLOAD (a program under workloads/) once per repetition with PMU and\n"
		"software counters attached from exec, memory sampled every --interval ms,\n"
		"system and THP/mTHP counters as deltas, page cache of the files it declares,\n"
		"and its own results. Each repetition is stored in one transaction in --db;\n"
		"a metric this machine cannot measure is stored as not measured, with why.\n"
		"Parameters are checked by the workload before anything is stored.\n"
		"\n"
		"With --target qemu the repetitions run in one boot of --variant's kernel\n"
		"(built into the cache when missing) in qemu-system-aarch64, measured by the\n"
		"same engine inside the guest; times from there are emulated (docs/qemu.md).",
	.opts = run_opts,
	.nopts = sizeof(run_opts) / sizeof(run_opts[0]),
	.min_args = 1,
	.max_args = 1,
	.run = run_run,
};
