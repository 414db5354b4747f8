/* harness ingest FILE...: store the runs of the agent's framed result
 * streams found in files — LAVA job logs, saved `harness agent` output —
 * each checked whole before anything is stored, each run once
 * (harness/agent/ingest.c). */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "agent/ingest.h"
#include "store/store.h"

struct ingest_opts {
	const char *db;
};

static const struct opt_spec ingest_opts[] = {
	OPT_DB(struct ingest_opts),
};

static int run_ingest(struct cmd_ctx *ctx, struct herr *err)
{
	const struct ingest_opts *o = ctx->opts;
	struct ingest_set set = { 0 };
	struct store *st = NULL;
	int rc = 0;

	/* Every file is read and checked before the database is opened: a
	 * bad one changes nothing. */
	for (int i = 0; !rc && i < ctx->argc; i++)
		rc = ingest_read(ctx->argv[i], &set, err);
	if (!rc)
		rc = store_open(o->db, STORE_WRITE, &st, err);
	if (!rc)
		rc = ingest_store(st, &set, stdout, err);
	store_close(st);
	ingest_free(&set);
	return rc;
}

const struct cmd_spec cmd_ingest = {
	.name = "ingest",
	.synopsis = "FILE...",
	.summary = "store the runs of result streams found in files (LAVA job logs, saved agent output)",
	.description =
		"Finds the agent's framed result streams (docs/qemu.md) in each FILE, wherever\n"
		"they are: a LAVA job log (YAML: the device's console is in the msg of each\n"
		"lvl 'target' line, decoded here), a saved `harness agent` output, a console\n"
		"capture. A stream starts at its hello line (seq 0) and must be complete and\n"
		"intact as on a live boot: seq without gaps, the trailer's count and CRC-32.\n"
		"Every file is checked before anything is stored; a stream cut short or\n"
		"damaged is refused with the reason (exit 2) and nothing is stored. Each run\n"
		"keeps its id, sweep, variant, machine and kernel; its sweep is created from\n"
		"the stream when missing (LAVA jobs carry it), its boot too. A run already\n"
		"stored is left alone: ingesting the same file twice adds nothing. One line\n"
		"per stream on stdout: what it held and how many runs were new.",
	.opts = ingest_opts,
	.nopts = sizeof(ingest_opts) / sizeof(ingest_opts[0]),
	.opts_size = sizeof(struct ingest_opts),
	.min_args = 1,
	.max_args = -1,
	.run = run_ingest,
};
