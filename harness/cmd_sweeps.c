/* harness sweeps: the sweeps in the database, newest first, with status
 * and counts (from the runs themselves). */
#include <jansson.h>
#include <stdio.h>

#include "cli.h"
#include "store/store.h"

struct sweeps_opts {
	const char *db;
	int json;
};

static const struct opt_spec sweeps_opts[] = {
	OPT_DB(struct sweeps_opts),
	OPT_JSON(struct sweeps_opts),
};

static json_t *row_json(const struct sweep_row *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "id", r->id, "name", r->name, "target", r->target, "status", r->status,
			 "created", r->created, "ended", *r->ended ? r->ended : NULL, "file", r->file,
			 "file_hash", r->file_hash, "cells", (json_int_t)r->cells,
			 "planned_runs", (json_int_t)r->planned_runs, "done_runs", (json_int_t)r->done_runs,
			 "planned_warmups", (json_int_t)r->planned_warmups,
			 "done_warmups", (json_int_t)r->done_warmups, "failed_runs", (json_int_t)r->failed_runs);
}

static void print_json(const struct sweep_row *rows, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, row_json(&rows[i]));
	json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(arr);
}

static void print_table(const struct sweep_row *rows, size_t n, const char *db)
{
	if (!n) {
		printf("no sweeps in %s\n", db);
		return;
	}
	printf("%-8s  %-16s %-11s %-19s %5s %11s %9s %6s  %s\n", "ID", "NAME", "STATUS", "CREATED",
	       "CELLS", "RUNS", "WARM-UP", "FAILED", "FILE");
	for (size_t i = 0; i < n; i++) {
		const struct sweep_row *r = &rows[i];
		char runs[32], warm[32];

		snprintf(runs, sizeof(runs), "%lld/%lld", r->done_runs, r->planned_runs);
		snprintf(warm, sizeof(warm), "%lld/%lld", r->done_warmups, r->planned_warmups);
		printf("%-8.8s  %-16s %-11s %-19.19s %5lld %11s %9s %6lld  %s\n", r->id, r->name,
		       r->status, r->created, r->cells, runs, warm, r->failed_runs, r->file ? r->file : "");
	}
}

static int run_sweeps(struct cmd_ctx *ctx, struct herr *err)
{
	const struct sweeps_opts *o = ctx->opts;
	struct sweep_row *rows;
	struct store *st;
	size_t n;
	int rc;

	if (store_open(o->db, STORE_READ, &st, err))
		return -1;
	rc = store_sweep_list(st, &rows, &n, err);
	if (rc == 0) {
		if (o->json)
			print_json(rows, n);
		else
			print_table(rows, n, o->db);
	}
	store_sweep_rows_free(rows, n);
	store_close(st);
	return rc;
}

const struct cmd_spec cmd_sweeps = {
	.name = "sweeps",
	.synopsis = "",
	.summary = "list the sweeps in the database with status and counts",
	.description =
		"One line per sweep, newest first: id (a prefix is enough for 'harness sweep\n"
		"--resume'), name, status (running: in progress, or killed and waiting to be\n"
		"resumed; interrupted: stopped by a signal or an error; complete), when it started,\n"
		"cells, measured and warm-up runs stored against planned, failed runs, and the file.",
	.opts = sweeps_opts,
	.nopts = sizeof(sweeps_opts) / sizeof(sweeps_opts[0]),
	.opts_size = sizeof(struct sweeps_opts),
	.min_args = 0,
	.max_args = 0,
	.run = run_sweeps,
};
