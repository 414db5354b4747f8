/* harness run WORKLOAD: run a workload on the running kernel under full
 * measurement, store one run per repetition, print a short table. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel/variant.h"
#include "measure/counters.h"
#include "analysis/report_run.h"
#include "core/signals.h"
#include "core/runner.h"
#include "core/proc.h"
#include "store/store.h"
#include "targets/target.h"
#include "core/workload.h"

struct run_opts_cli {
	struct opt_list params, events;
	long long reps, seed, interval, timeout;
	int no_cgroup, list, quiet, json;
	const char *target, *variant, *db;
};

/* The kernel variant --variant means when not given. */
#define DEFAULT_VARIANT "4k"

#define RO struct run_opts_cli
static const struct opt_spec run_opts[] = {
	OPT_MULTI("param", 'p', RO, params, "KEY=VALUE", "workload parameter (see 'harness run WORKLOAD --params')"),
	OPT_NUM("reps", 'r', RO, reps, "N", "1", 1, 100000, "repetitions; each is stored as its own run"),
	OPT_NUM("seed", 0, RO, seed, "N", "1", 0, INT64_MAX, "seed handed to the workload (deterministic data and order)"),
	OPT_NUM("interval", 0, RO, interval, "MS", "100", 1, 3600 * 1000, "sampling interval of smaps_rollup and status"),
	OPT_NUM("timeout", 0, RO, timeout, "S", "0", 0, 604800,
		"kill a repetition after S seconds and store it as failed (0: none)"),
	OPT_MULTI("event", 'e', RO, events, "NAME", "count only these portable counters (see 'harness events'); default all"),
	OPT_BOOL("no-cgroup", 0, RO, no_cgroup, "do not put the workload in a cgroup of its own"),
	OPT_BOOL("params", 0, RO, list, "list the workload's parameters and exit"),
	OPT_BOOL("quiet", 'q', RO, quiet, "no progress lines on stderr"),
	OPT_STR("target", 't', RO, target, "TARGET", "local", "where it runs: one of the targets below"),
	OPT_STR("variant", 0, RO, variant, "NAME", NULL,
		"a target that boots kernels: the kernel variant (kernels/variants/NAME.ini, or a path; "
		"default 4k)"),
	OPT_DB(RO),
	OPT_JSON(RO),
};
#undef RO

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

struct shown {
	const struct run_opts_cli *o;
	struct run_report *rep;
};

static void on_starting(void *user, const struct target_run *run)
{
	const struct shown *sh = user;

	if (!sh->o->quiet)
		fprintf(stderr, "harness: %s run %d/%lld\n", run->workload, run->rep + 1, sh->o->reps);
}

/* The report takes each stored record. */
static void on_stored(void *user, struct run_record *r)
{
	const struct shown *sh = user;
	struct run_record *slot = run_report_add(sh->rep);

	if (!sh->o->quiet)
		fprintf(stderr, "harness: %s run %d/%lld %s%s%s (%s)\n", r->workload, r->rep + 1,
			sh->o->reps, r->status, *r->reason ? ": " : "", r->reason, r->id);
	if (!slot)
		return;	/* stored, only not shown */
	record_free(slot);
	*slot = *r;
	slot->machine = NULL;
	slot->kernel = NULL;
	memset(r, 0, sizeof(*r));
}

static void on_note(void *user, const char *line)
{
	const struct shown *sh = user;

	if (!sh->o->quiet)
		fprintf(stderr, "harness: %s\n", line);
}

static struct target_run *runs_of(const struct run_opts_cli *o, const char *workload,
				  const char *path, const char *params_json)
{
	struct target_run *runs = calloc((size_t)o->reps, sizeof(*runs));

	for (long long i = 0; runs && i < o->reps; i++)
		runs[i] = (struct target_run){ .workload = workload, .program = path,
			.params = o->params.v, .nparams = o->params.n, .params_json = params_json,
			.seed = (uint64_t)o->seed, .rep = (int)i, .cell = -1, .seq = -1,
			.sample_ms = (unsigned)o->interval, .timeout_s = (unsigned)o->timeout,
			.events = o->events.n ? o->events.v : NULL, .nevents = o->events.n,
			.use_cgroup = !o->no_cgroup };
	return runs;
}

/* Every repetition in one batch of one variant: on the local target one
 * run after another, on a target that boots kernels one boot. */
static int run_on_target(struct cmd_ctx *ctx, struct target *t, const char *path,
			 const char *params_json, struct herr *err)
{
	const struct run_opts_cli *o = ctx->opts;
	struct target_variant v = { .name = "", .kernel = o->variant ? o->variant : DEFAULT_VARIANT };
	struct target_run *runs = runs_of(o, ctx->argv[0], path, params_json);
	int rc;

	if (!target_boots(t->ops))
		v.kernel = "running";
	if (!runs)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	t->variants = &v;
	t->nvariants = 1;
	signals_catch();
	rc = t->ops->open(t, &v, 1, err);
	if (rc == 0)
		rc = t->ops->start(t, 0, err);
	if (rc == 0) {
		struct herr e = { 0 };

		rc = t->ops->run(t, 0, runs, (size_t)o->reps, err);
		if (target_stop(t, 0, rc ? &e : err) && rc == 0)
			rc = -1;
	}
	t->ops->close(t);
	free(runs);
	return rc;
}

/* The kernel variant a booting target will boot, before the store opens. */
static int check_variant(const char *name, struct herr *err)
{
	struct kvariant *v = kvariant_load(name, err);

	if (!v)
		return -1;
	kvariant_free(v);
	free(v);
	return 0;
}

/* Everything is validated before the store is opened, so bad input never
 * touches the database. */
static int check_input(struct cmd_ctx *ctx, const struct target_ops *t, const char *path,
		       char **params_json, struct herr *err)
{
	const struct run_opts_cli *o = ctx->opts;
	char what[120];

	if (!t)
		return herr_set(err, EXIT_USAGE, "run: --target %s: no such target (%s)", o->target,
				target_names());
	if (!target_boots(t) && o->variant)
		return herr_set(err, EXIT_USAGE, "run: --variant boots a kernel; target %s runs on the "
				"running kernel", t->name);
	if (target_boots(t) && check_variant(o->variant ? o->variant : DEFAULT_VARIANT, err))
		return -1;
	snprintf(what, sizeof(what), "this run's target is %s", t->name);
	if (cli_check_target_opts(ctx, t, what, err))
		return -1;
	if (t->check_opts && t->check_opts(cli_target_opts(ctx, t), err))
		return -1;
	for (size_t i = 0; i < o->events.n; i++)
		if (!counter_find(o->events.v[i]))
			return herr_set(err, EXIT_USAGE,
					"run: unknown counter '%s' (see 'harness events')", o->events.v[i]);
	return workload_check(path, o->params.v, o->params.n, (uint64_t)o->seed, params_json, err);
}

static int run_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct run_opts_cli *o = ctx->opts;
	const struct target_ops *ops = target_find(o->target);
	struct shown sh = { o, NULL };
	struct run_report rep;
	struct store *st = NULL;
	char path[4200], *params_json = NULL;
	int rc;

	if (workload_find(ctx->argv[0], path, sizeof(path), err))
		return -1;
	if (o->list)
		return list_params(path, err);
	if (check_input(ctx, ops, path, &params_json, err))
		return -1;
	if (store_open(o->db, STORE_WRITE, &st, err)) {
		free(params_json);
		return -1;
	}
	run_report_init(&rep);
	sh.rep = &rep;
	{
		struct target t = { .ops = ops, .opts = cli_target_opts(ctx, ops), .st = st,
				    .quiet = o->quiet,
				    .ev = { on_starting, on_stored, on_note, &sh } };

		rc = run_on_target(ctx, &t, path, params_json, err);
	}
	if (rep.n)
		run_report_print(&rep, o->json, stdout);
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
		"same engine inside the guest; times from there are emulated (docs/qemu.md).\n"
		"The targets are listed below with their options (docs/targets.md).",
	.opts = run_opts,
	.nopts = sizeof(run_opts) / sizeof(run_opts[0]),
	.opts_size = sizeof(struct run_opts_cli),
	.with_targets = 1,
	.min_args = 1,
	.max_args = 1,
	.run = run_run,
};
