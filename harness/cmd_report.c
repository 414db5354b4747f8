/* harness report [SWEEP...]: the report of stored sweeps, read-only (the
 * store opened STORE_READ; no knob, no lock, no write), as text for email,
 * Markdown, self-contained HTML with gnuplot charts, CSV or JSON. Every
 * check (format, database, sweeps, baseline, output file) happens before
 * anything is written. docs/report.md. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/report.h"
#include "cli.h"
#include "core/fileio.h"
#include "measure/sysinfo.h"
#include "store/store.h"

struct report_cmd_opts {
	const char *db, *baseline, *format, *output, *metrics, *rows;
};

static const struct opt_spec report_opts[] = {
	OPT_DB(struct report_cmd_opts),
	OPT_STR("baseline", 'b', struct report_cmd_opts, baseline, "VARIANT", NULL,
		"the variant others are compared with (default: the sweep's first); with several "
		"sweeps a column label such as 4k@6.12.0 or a bare name (its first column)"),
	OPT_STR("format", 'f', struct report_cmd_opts, format, "FORMAT", "text",
		"text (email, 80 columns), md, html (self-contained, gnuplot charts), csv, json"),
	OPT_STR("output", 'o', struct report_cmd_opts, output, "FILE", NULL,
		"write the report to FILE (written whole at the end; default stdout)"),
	OPT_STR("metrics", 'm', struct report_cmd_opts, metrics, "PATTERN", NULL,
		"only metrics whose name matches the glob (e.g. 'fault.*'); default: the workload's "
		"results and the key footprint, fault, TLB and time metrics"),
	OPT_STR("rows", 0, struct report_cmd_opts, rows, "WHAT", "comparison",
		"csv: 'comparison' (one row per group, metric and variant) or 'runs' (one row per run "
		"and metric, raw)"),
};

static int parse_format(const char *s, enum report_format *f, struct herr *err)
{
	static const char *const names[] = { "text", "md", "html", "csv", "json" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum report_format)i;
			return 0;
		}
	return herr_set(err, EXIT_USAGE, "--format %s: unknown format (text, md, html, csv, json)", s);
}

/* -o must be writable before the work starts; nothing is created here. */
static int check_output(const char *path, struct herr *err)
{
	char *copy = strdup(path), *dir;
	struct stat sb;
	int rc = 0;

	if (!copy)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	dir = dirname(copy);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		rc = herr_set(err, EXIT_USAGE, "-o %s: is a directory", path);
	else if (stat(path, &sb) == 0 ? access(path, W_OK) : access(dir, W_OK | X_OK))
		rc = herr_set(err, EXIT_USAGE, "-o %s: cannot write there: %s", path, strerror(errno));
	free(copy);
	return rc;
}

/* A sweep file (its latest sweep) or a reference (id, prefix, last). */
static int resolve(struct store *st, const char *ref, struct sweep_row *row, struct herr *err)
{
	struct stat sb;
	char hash[17];
	char *text;
	int rc;

	if (stat(ref, &sb) != 0 || !S_ISREG(sb.st_mode))
		return store_sweep_get(st, ref, row, err);
	if (!(text = file_read_all(ref)))
		return herr_errno(err, EXIT_USAGE, "%s", ref);
	sysinfo_hash_hex(text, hash);
	free(text);
	rc = store_sweep_latest(st, hash, row, err);
	if (rc == 0)
		return herr_set(err, EXIT_USAGE, "%s: no sweep of this file in %s", ref, store_path(st));
	return rc < 0 ? -1 : 0;
}

static int resolve_all(struct store *st, struct cmd_ctx *ctx, struct sweep_row **rows,
		       size_t *n, struct herr *err)
{
	size_t want = ctx->argc ? (size_t)ctx->argc : 1;

	*n = 0;
	if (!(*rows = calloc(want, sizeof(**rows))))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < want; i++) {
		if (resolve(st, ctx->argc ? ctx->argv[i] : "last", &(*rows)[i], err))
			return -1;
		(*n)++;
		for (size_t j = 0; j < i; j++)
			if (!strcmp((*rows)[j].id, (*rows)[i].id))
				return herr_set(err, EXIT_USAGE, "sweep %s given twice", (*rows)[i].id);
	}
	return 0;
}

static int write_output(const char *path, const char *buf, size_t len, struct herr *err)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (!f)
		return herr_errno(err, EXIT_USAGE, "-o %s", path);
	fwrite(buf, 1, len, f);
	if ((path ? fclose(f) : fflush(f)) != 0)
		return herr_errno(err, EXIT_RUNTIME, "writing %s", path ? path : "stdout");
	return 0;
}

static int run_report(struct cmd_ctx *ctx, struct herr *err)
{
	const struct report_cmd_opts *o = ctx->opts;
	struct report_opts ro = { .baseline = o->baseline, .metrics = o->metrics, .width = 80 };
	struct sweep_row *rows = NULL;
	struct store *st;
	char *buf = NULL;
	size_t n = 0, len = 0;
	int rc;

	if (parse_format(o->format, &ro.format, err))
		return -1;
	if (strcmp(o->rows, "comparison") && strcmp(o->rows, "runs"))
		return herr_set(err, EXIT_USAGE, "--rows %s: 'comparison' or 'runs'", o->rows);
	ro.csv_runs = !strcmp(o->rows, "runs");
	if (o->output && check_output(o->output, err))
		return -1;
	if (store_open(o->db, STORE_READ, &st, err))
		return -1;
	if (resolve_all(st, ctx, &rows, &n, err)) {
		store_sweep_rows_free(rows, n);
		store_close(st);
		return -1;
	}
	rc = report_render(st, rows, n, &ro, &buf, &len, err);	/* takes rows */
	store_close(st);
	if (rc == 0)
		rc = write_output(o->output, buf, len, err);
	free(buf);
	return rc;
}

const struct cmd_spec cmd_report = {
	.name = "report",
	.synopsis = "[SWEEP...]",
	.summary = "report stored sweeps: medians, CIs, verdicts against a baseline (text, md, html, csv, json)",
	.description =
		"SWEEP is a sweep id, a prefix of one (4+ characters), 'last' (the default) or a\n"
		"sweep file (its newest complete sweep). Several sweeps make one table: the same\n"
		"file run on two kernels or two machines; their columns are named variant@kernel\n"
		"release (or @host, or @sweep id when those are the same). Per workload and\n"
		"parameter set, each metric's median per variant, the 95% bootstrap CI, and the\n"
		"ratio to the baseline with a verdict: better, worse, changed, no difference or\n"
		"inconclusive (Mann-Whitney U, Benjamini-Hochberg over the report). Read-only:\n"
		"the database is never written and no lock is taken. See docs/report.md.",
	.opts = report_opts,
	.nopts = sizeof(report_opts) / sizeof(report_opts[0]),
	.opts_size = sizeof(struct report_cmd_opts),
	.min_args = 0,
	.max_args = -1,
	.run = run_report,
};
