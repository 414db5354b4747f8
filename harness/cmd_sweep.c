/* harness sweep FILE: expand a sweep file into cells, run them in a fair
 * order on the local target with the variants' knobs, survive interruption
 * (resume runs exactly the missing repetitions), print a comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/signals.h"
#include "core/runner.h"
#include "store/store.h"
#include "sweep/exec.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "analysis/report.h"
#include "targets/target.h"

struct sweep_opts {
	int dry_run, fresh, quiet, no_wait;
	const char *resume, *db;
	long long wait;		/* 0: not given */
};

static const struct opt_spec sweep_opts[] = {
	OPT_BOOL("dry-run", 'n', struct sweep_opts, dry_run,
		 "print the expanded plan and its estimated duration; change nothing, store nothing"),
	OPT_STR("resume", 0, struct sweep_opts, resume, "ID", NULL,
		"resume this sweep (id, unique prefix or 'last'); its file is read from the database"),
	OPT_BOOL("new", 0, struct sweep_opts, fresh,
		 "start a new sweep even when one with the same file is unfinished or complete"),
	OPT_BOOL("quiet", 'q', struct sweep_opts, quiet, "no progress on stderr"),
	OPT_NUM("wait", 0, struct sweep_opts, wait, "SECONDS", NULL, 1, 365LL * 86400,
		"a sweep on this machine's kernel waits at most SECONDS for another that holds its "
		"knobs (default: as long as it takes), then exits 3"),
	OPT_BOOL("no-wait", 0, struct sweep_opts, no_wait,
		 "exit 3 at once, naming the holder, when another sweep holds this machine's knobs"),
	OPT_DB(struct sweep_opts),
};

static const struct sweep_opts *O(const struct cmd_ctx *ctx)
{
	return ctx->opts;
}

/* Which run of the order is already stored: one flag per slot. */
struct slots {
	const struct sweep_plan *p;
	unsigned char *measured;	/* cell * reps + rep */
	unsigned char *warm;		/* cell * warmup + rep */
};

static int mark_slot(void *user, long long cell, int warmup, int rep)
{
	struct slots *sl = user;
	int per = warmup ? sl->p->spec.warmup : sl->p->spec.reps;

	if (cell >= 0 && (size_t)cell < sl->p->ncells && rep >= 0 && rep < per)
		(warmup ? sl->warm : sl->measured)[(size_t)cell * (size_t)per + (size_t)rep] = 1;
	return 0;
}

static unsigned char *done_map(struct store *st, const struct sweep_plan *p, const char *id,
			       struct herr *err)
{
	struct slots sl = { p, calloc(p->ncells * (size_t)p->spec.reps + 1, 1),
			    calloc(p->ncells * (size_t)p->spec.warmup + 1, 1) };
	unsigned char *done = calloc(p->norder + 1, 1);

	if (!sl.measured || !sl.warm || !done) {
		herr_set(err, EXIT_RUNTIME, "out of memory");
		goto fail;
	}
	if (store_sweep_slots(st, id, mark_slot, &sl, err))
		goto fail;
	for (size_t i = 0; i < p->norder; i++) {
		const struct plan_entry *e = &p->order[i];
		int per = e->warmup ? p->spec.warmup : p->spec.reps;

		done[i] = (e->warmup ? sl.warm : sl.measured)[e->cell * (size_t)per + (size_t)e->rep];
	}
	free(sl.measured);
	free(sl.warm);
	return done;
fail:
	free(sl.measured);
	free(sl.warm);
	free(done);
	return NULL;
}

/* The sweep file, or for --resume the text stored with the sweep. */
static int load_spec(struct cmd_ctx *ctx, struct store *st, struct sweep_row *row,
		     struct sweep_spec *spec, struct herr *err)
{
	const char *resume = O(ctx)->resume;

	if (!resume)
		return spec_load(ctx->argv[0], spec, err);
	if (store_sweep_get(st, resume, row, err))
		return -1;
	if (!row->file_text)
		return herr_set(err, EXIT_USAGE, "sweep %s has no stored sweep file to resume from", row->id);
	return spec_parse(row->file ? row->file : row->id, row->file_text, spec, err);
}

/* The runs' estimate, plus what the target must prepare that no cache
 * holds yet (kernel builds): timed from earlier builds when it can be,
 * else said in words. */
static double estimate(struct sweep_plan *p, const void *topts, struct store *st,
		       const unsigned char *done, char *extra, size_t n)
{
	double est = plan_estimate(p, st, done), prep = 0;
	char what[300] = "", d[64];
	int guessed = 0;

	*extra = '\0';
	if (p->target->prepare_estimate)
		prep = p->target->prepare_estimate(p, topts, &guessed, what, sizeof(what));
	if (!*what)
		return est;
	plan_format_duration(prep, d, sizeof(d));
	if (guessed)
		snprintf(extra, n, " plus kernel builds (%s: not in the cache, no earlier build timed; "
			 "10 to 15 min each on 2 cores)", what);
	else
		snprintf(extra, n, " (with kernel builds of %s: %s, as timed before)", what, d);
	return est + (guessed ? 0 : prep);
}

static int dry_run(struct sweep_plan *p, const void *topts, struct store *st, const char *db_path,
		   const struct sweep_row *key)
{
	struct sweep_row row;
	char extra[512];
	double est = estimate(p, topts, st, NULL, extra, sizeof(extra));
	struct herr e;

	plan_print(p, est, st ? db_path : NULL, stdout);
	if (*extra)
		printf("%s\n", extra + 1);	/* "plus kernel builds ..." */
	if (st && store_sweep_find(st, key, 0, &row, &e) == 1) {
		printf("would resume sweep %s (%lld of %lld runs stored)\n", row.id, row.done_runs,
		       row.planned_runs);
		store_sweep_row_free(&row);
	} else if (st && store_sweep_find(st, key, 1, &row, &e) == 1) {
		printf("sweep %s with this file is complete: harness sweep would show it (--new runs "
		       "it again)\n", row.id);
		store_sweep_row_free(&row);
	}
	return 0;
}

static int create_sweep(struct store *st, const struct sweep_plan *p, const struct sweep_row *key,
			struct sweep_row *row, struct herr *err)
{
	int rc;

	memset(row, 0, sizeof(*row));
	memcpy(row->machine_id, key->machine_id, sizeof(row->machine_id));
	memcpy(row->kernel_id, key->kernel_id, sizeof(row->kernel_id));
	memcpy(row->kernel_release, key->kernel_release, sizeof(row->kernel_release));
	uuid_v4(row->id);
	snprintf(row->name, sizeof(row->name), "%s", p->spec.name);
	snprintf(row->target, sizeof(row->target), "%s", p->spec.target);
	snprintf(row->file_hash, sizeof(row->file_hash), "%s", p->spec.hash);
	row->file = strdup(p->spec.file);
	row->file_text = strdup(p->spec.text);
	row->plan_json = plan_json(p);
	row->cells = (long long)p->ncells;
	row->planned_runs = (long long)p->nmeasured;
	row->planned_warmups = (long long)p->nwarmup;
	if (!row->file || !row->file_text || !row->plan_json)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = store_sweep_create(st, row, err);
	return rc;
}

/* 1: run row (resumed or new); 0: nothing to run (complete, shown); -1. */
static int pick_sweep(struct cmd_ctx *ctx, struct store *st, const struct sweep_plan *p,
		      const struct sweep_row *key, struct sweep_row *row, struct herr *err)
{
	int found;

	if (O(ctx)->resume) {
		if (sweep_same_place(row, key, "resuming it", err))
			return -1;
		if (!strcmp(row->status, "complete")) {
			fprintf(stderr, "harness: sweep %s is complete (%lld runs); its results follow\n",
				row->id, row->done_runs);
			return 0;
		}
		fprintf(stderr, "harness: resuming sweep %s (%s): %lld of %lld runs stored\n", row->id,
			row->name, row->done_runs, row->planned_runs);
		return 1;
	}
	if (!O(ctx)->fresh) {
		if ((found = store_sweep_find(st, key, 0, row, err)) < 0)
			return -1;
		if (found) {
			fprintf(stderr, "harness: resuming unfinished sweep %s (same file content, started %s): "
				"%lld of %lld runs stored; --new starts afresh\n", row->id, row->created,
				row->done_runs, row->planned_runs);
			return 1;
		}
		if ((found = store_sweep_find(st, key, 1, row, err)) < 0)
			return -1;
		if (found) {
			fprintf(stderr, "harness: sweep %s with this file content is complete (%lld runs); "
				"its results follow; --new runs it again\n", row->id, row->done_runs);
			return 0;
		}
	}
	return create_sweep(st, p, key, row, err) ? -1 : 1;
}

static int run_sweep(struct cmd_ctx *ctx, struct sweep_exec *x, struct sweep_row *row,
		     struct herr *err)
{
	struct sweep_plan *p = x->plan;
	char d[64], extra[512];
	int rc;

	if (!plan_same_cells(p, row->plan_json))
		return herr_set(err, EXIT_USAGE,
				"sweep %s was planned with other cells (a workload's parameters or this "
				"machine changed since); run with --new", row->id);
	x->sweep_id = row->id;
	if (!(x->done = done_map(x->st, p, row->id, err)))
		return -1;
	/* The progress bar's ETA counts runs; the message says the builds too. */
	x->est_s = plan_estimate(p, x->st, x->done);
	plan_format_duration(estimate(p, x->target_opts, x->st, x->done, extra, sizeof(extra)), d,
			     sizeof(d));
	if (!x->quiet)
		fprintf(stderr, "harness: sweep %s (%s): %zu cells, %zu runs, estimated %s%s\n",
			p->spec.name, row->id, p->ncells - p->nskipped_cells, p->norder, d, extra);
	if (strcmp(row->status, "running") && store_sweep_set_status(x->st, row->id, "running", err))
		return -1;
	rc = sweep_execute(x, err);
	if (x->settled && !x->quiet)
		fprintf(stderr, "harness: repetitions auto: %zu repetition%s not needed (cells' CI within "
			"+-%.3g%%)\n", x->settled, x->settled == 1 ? "" : "s", p->spec.ci_width * 100);
	if (rc == 0)
		return store_sweep_set_status(x->st, row->id, "complete", err);
	store_sweep_set_status(x->st, row->id, "interrupted", &(struct herr){ 0 });
	return 1;	/* stopped: err says why */
}

/* The sweep's table is the report's text (harness report ID prints it
 * again, read-only). */
static int print_report(struct store *st, const char *id, struct herr *err)
{
	struct report_opts ro = { .format = RF_TEXT, .width = 80 };
	struct sweep_row *rows = calloc(1, sizeof(*rows));
	char *buf = NULL;
	size_t len = 0;

	if (!rows)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (store_sweep_get(st, id, rows, err)) {
		free(rows);
		return -1;
	}
	if (report_render(st, rows, 1, &ro, &buf, &len, err))
		return herr_wrap(err, "the report of sweep %s", id);
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	return 0;
}

static int finish(struct sweep_exec *x, struct sweep_row *row, int ran, struct herr *err)
{
	struct sweep_row now;

	if (print_report(x->st, row->id, err))
		return -1;
	if (!ran || store_sweep_get(x->st, row->id, &now, err))
		return ran ? -1 : 0;
	if (now.failed_runs) {
		herr_set(err, EXIT_RUNTIME, "sweep %s: %lld of %lld runs failed (listed above, stored with "
			 "their reasons)", row->id, now.failed_runs, now.done_runs + now.done_warmups);
		store_sweep_row_free(&now);
		return -1;
	}
	store_sweep_row_free(&now);
	return 0;
}

/* With the machine's sweep lock held (sweep_lock). */
static int sweep_in_store(struct cmd_ctx *ctx, struct sweep_exec *x, const struct sweep_row *key,
			  struct sweep_row *row, struct herr *err)
{
	struct herr e = { 0 };
	int which, rc;

	which = pick_sweep(ctx, x->st, x->plan, key, row, err);
	rc = which < 0 ? -1 : which ? run_sweep(ctx, x, row, err) : 0;
	if (sweep_unlock(x, &e)) {
		if (rc == 0)
			*err = e;
		else
			herr_wrap(err, "%s (the journal is kept for the next harness to restore)", e.msg);
		return -1;
	}
	if (rc > 0) {	/* stopped half way, knobs now restored */
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return herr_set(err, EXIT_RUNTIME, "sweep %s stopped (%s); knobs restored; 'harness sweep %s' "
				"(or --resume %.8s) runs the missing repetitions", row->id, why,
				x->plan->spec.file, row->id);
	}
	if (rc == 0)
		rc = finish(x, row, which > 0, err);
	return rc;
}

static int open_store(struct cmd_ctx *ctx, enum store_mode mode, struct store **st,
		      struct herr *err)
{
	const char *db = O(ctx)->db;

	*st = NULL;
	if ((mode == STORE_READ || O(ctx)->resume) && access(db, F_OK))
		return mode == STORE_READ && !O(ctx)->resume
			? 0	/* dry run without a database: no history, nothing to resume */
			: herr_set(err, EXIT_USAGE, "%s: no such results database", db);
	/* A database that is there but unusable is an error even for a dry
	 * run: its history is what the dry run reports. */
	return store_open(db, mode, st, err);
}

static int check_args(const struct cmd_ctx *ctx, struct herr *err)
{
	if ((ctx->argc == 0) == !O(ctx)->resume)
		return herr_set(err, EXIT_USAGE, "sweep: give a sweep FILE or --resume ID (not both)");
	if (O(ctx)->resume && O(ctx)->fresh)
		return herr_set(err, EXIT_USAGE, "sweep: --new starts a sweep, --resume continues one: not both");
	if (O(ctx)->wait && O(ctx)->no_wait)
		return herr_set(err, EXIT_USAGE, "sweep: --wait and --no-wait: one or the other");
	return 0;
}

/* The lock (unless --dry-run), then the store, then the sweep. */
static int with_plan(struct cmd_ctx *ctx, struct sweep_exec *x, struct store **st,
		     struct sweep_row *row, struct herr *err)
{
	int dry = O(ctx)->dry_run, rc = 0;
	struct sweep_row key;

	if (sweep_identity(x->plan, &key, err))
		return -1;
	if (!dry) {
		/* From the journal on, a signal stops the sweep between runs
		 * and the knobs are restored: never a bare exit. */
		signals_catch();
		rc = sweep_lock(x, err);
	}
	if (rc == 0 && !*st)
		rc = open_store(ctx, dry ? STORE_READ : STORE_WRITE, st, err);
	x->st = *st;
	if (rc)
		sweep_unlock(x, &(struct herr){ 0 });	/* nothing was changed yet */
	else if (dry)
		rc = dry_run(x->plan, x->target_opts, *st, O(ctx)->db, &key);
	else
		rc = sweep_in_store(ctx, x, &key, row, err);
	return rc;
}

/* Plan, then (unless --dry-run) the lock, then the store: bad input and a
 * second sweep on the machine are dealt with before the database is touched
 * (with --resume the file comes from the database, which is read first). */
static int run_sweep_cmd(struct cmd_ctx *ctx, struct herr *err)
{
	struct sweep_exec x = { .quiet = O(ctx)->quiet };
	struct sweep_row row = { 0 };
	struct sweep_spec spec;
	struct sweep_plan plan;
	struct store *st = NULL;
	int rc;

	if (check_args(ctx, err))
		return -1;
	x.wait_s = O(ctx)->no_wait ? 0 : O(ctx)->wait ? O(ctx)->wait : -1;
	x.journal.fd = -1;
	x.journal.machine_fd = -1;
	if (O(ctx)->resume && open_store(ctx, O(ctx)->dry_run ? STORE_READ : STORE_WRITE, &st, err))
		return -1;
	rc = load_spec(ctx, st, &row, &spec, err);
	if (rc == 0)
		rc = plan_make(&spec, &plan, err);
	if (rc == 0) {
		x.plan = &plan;
		rc = cli_plan_target_opts(ctx, &plan, &x.target_opts, err);
		if (rc == 0)
			rc = with_plan(ctx, &x, &st, &row, err);
		plan_free(&plan);
	}
	free(x.done);
	store_sweep_row_free(&row);
	store_close(st);
	return rc;
}

const struct cmd_spec cmd_sweep = {
	.name = "sweep",
	.synopsis = "[FILE]",
	.summary = "run a sweep file: variants x workloads x parameter grids, in a fair order, resumable",
	.description =
		"Expands FILE (docs/sweep-format.md) into cells (variant, workload, parameter set)\n"
		"and checks all of it against this machine before anything changes: target, kernels,\n"
		"knobs (an optional variant whose knobs this kernel lacks is skipped, with the reason),\n"
		"CPUs, and every cell's parameters (the workload's --check). Errors name file:line.\n"
		"Then it runs warm-ups and repetitions in a seeded random interleaving across variants,\n"
		"applying each variant's knobs before a run and restoring them after it; the values\n"
		"before the sweep are kept in a journal, so SIGINT/SIGTERM restore them and after a\n"
		"SIGKILL the next harness command does. Every run is stored in one transaction with\n"
		"the knobs and noise controls in force. Running the same file again resumes an\n"
		"unfinished sweep (exactly the missing repetitions); a complete one is shown, not\n"
		"rerun, unless --new. The end is a table of medians per variant.\n"
		"\n"
		"With target = qemu every variant is a kernel variant booted in\n"
		"qemu-system-aarch64: kernels and the guest bundle are built first (cached),\n"
		"then each boot runs one repetition of every cell of its variant (order\n"
		"interleaved) or all of them (grouped); see docs/qemu.md.",
	.opts = sweep_opts,
	.nopts = sizeof(sweep_opts) / sizeof(sweep_opts[0]),
	.opts_size = sizeof(struct sweep_opts),
	.with_targets = 1,
	.min_args = 0,
	.max_args = 1,
	.run = run_sweep_cmd,
};
