/* harness merge A.db B.db ... -o ALL.db: one database from many machines
 * (harness/store/store_merge.c). Every input is checked before the output
 * is created or touched. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "store/store.h"

struct merge_opts {
	const char *out;
};

static const struct opt_spec merge_opts[] = {
	OPT_STR("output", 'o', struct merge_opts, out, "ALL.db", NULL,
		"the merged database (created, or merged into when it exists)"),
};

static void on_conflict(void *user, const char *table, const char *id, const char *columns)
{
	fprintf(stderr, "harness: merge: %s: conflict: %s %s: same id, other content (%s): left out\n",
		(const char *)user, table, id, *columns ? columns : "differs");
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Each input a harness database of this schema; none of them the output. */
static int check_inputs(const struct cmd_ctx *ctx, const char *out, struct herr *err)
{
	for (int i = 0; i < ctx->argc; i++) {
		struct store *st;

		if (same_file(ctx->argv[i], out))
			return herr_set(err, EXIT_USAGE, "merge: %s is both an input and the output",
					ctx->argv[i]);
		if (store_open(ctx->argv[i], STORE_READ, &st, err))
			return herr_wrap(err, "merge");
		store_close(st);
	}
	return 0;
}

static void print_stats(const char *src, const struct store_merge_stats *ms)
{
	static const char *const names[] = STORE_MERGE_TABLES;

	printf("%s: %lld run%s added, %lld already there", src, ms->added[6],
	       ms->added[6] == 1 ? "" : "s", ms->runs_there);
	for (size_t i = 0; i < 6; i++)
		if (ms->added[i])
			printf(", %lld %s", ms->added[i], names[i]);
	printf("; %lld conflict%s\n", ms->conflicts, ms->conflicts == 1 ? "" : "s");
}

static int run_merge(struct cmd_ctx *ctx, struct herr *err)
{
	const char *out = ((const struct merge_opts *)ctx->opts)->out;
	struct store *st = NULL;
	long long conflicts = 0;
	int rc;

	if (!out)
		return herr_set(err, EXIT_USAGE, "merge: -o ALL.db is required");
	rc = check_inputs(ctx, out, err);
	if (!rc)
		rc = store_open(out, STORE_WRITE, &st, err);
	for (int i = 0; !rc && i < ctx->argc; i++) {
		struct store_merge_stats ms;

		memset(&ms, 0, sizeof(ms));

		rc = store_merge(st, ctx->argv[i], &ms, on_conflict, ctx->argv[i], err);
		if (!rc)
			print_stats(ctx->argv[i], &ms);
		conflicts += ms.conflicts;
	}
	store_close(st);
	if (!rc && conflicts)
		rc = herr_set(err, EXIT_FINDING, "merge: %lld conflicting row%s left out (listed above)",
			      conflicts, conflicts == 1 ? "" : "s");
	return rc;
}

const struct cmd_spec cmd_merge = {
	.name = "merge",
	.synopsis = "DB... -o ALL.db",
	.summary = "merge results databases from many machines into one",
	.description =
		"Adds every row of each DB to ALL.db (created when missing) with its id: runs,\n"
		"sweeps and boots are UUIDs, machines, kernels and variants hashes of what they\n"
		"are, so the same run or machine from two databases is one row, and merging the\n"
		"same database twice adds nothing. Tags come along. A row whose id ALL.db has\n"
		"with other content (or a run in a sweep slot another run holds) is a conflict:\n"
		"named on stderr with the columns that differ, left out, and the exit status is\n"
		"1. Each DB must be a harness database of this schema; every one is checked\n"
		"before ALL.db is created or changed (exit 2 otherwise). One line per DB on\n"
		"stdout: runs added, runs already there, other rows added, conflicts.",
	.opts = merge_opts,
	.nopts = sizeof(merge_opts) / sizeof(merge_opts[0]),
	.opts_size = sizeof(struct merge_opts),
	.min_args = 1,
	.max_args = -1,
	.run = run_merge,
};
