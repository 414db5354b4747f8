/* harness check --baseline SWEEP|TAG --candidate SWEEP|last: the
 * regression gate (analysis/check.c). Read-only (STORE_READ, no lock, no
 * knob) unless --rerun has an inconclusive cell to add runs to: then the
 * candidate sweep is planned again from its stored file, the machine's knob
 * lock taken as a sweep takes it, and the runs stored into the candidate
 * (sweep/rerun.c). Every input is checked (thresholds file, --junit path,
 * sweeps, cells in common) before anything is written; the outputs are
 * rendered in memory and written at the end. Exit 1 when the gate fails, 0
 * when it passes, 2 on bad input. docs/ci.md. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/check.h"
#include "cli.h"
#include "core/signals.h"
#include "store/store.h"
#include "sweep/rerun.h"

struct check_cmd_opts {
	const char *db, *baseline, *candidate, *thresholds, *junit, *format, *inconclusive, *metrics;
	long long rerun;
};

static const struct opt_spec check_opts[] = {
	OPT_DB(struct check_cmd_opts),
	OPT_STR("baseline", 'b', struct check_cmd_opts, baseline, "SWEEP", NULL,
		"the baseline: a sweep id, a unique prefix (4+), 'last' or a tag (required)"),
	OPT_STR("candidate", 'c', struct check_cmd_opts, candidate, "SWEEP", "last",
		"the candidate: a sweep id, prefix, tag or 'last'"),
	OPT_STR("thresholds", 't', struct check_cmd_opts, thresholds, "FILE", NULL,
		"thresholds file (default: the shipped thresholds/default.ini beside the binary, "
		"else the built-in 3% regression, 2% noise floor)"),
	OPT_STR("junit", 0, struct check_cmd_opts, junit, "FILE", NULL,
		"also write a JUnit XML file: one test case per gated cell and metric"),
	OPT_STR("format", 'f', struct check_cmd_opts, format, "FORMAT", "text", "text or json"),
	OPT_STR("inconclusive", 0, struct check_cmd_opts, inconclusive, "pass|fail", "pass",
		"what a gated inconclusive comparison does to the gate"),
	OPT_STR("metrics", 'm', struct check_cmd_opts, metrics, "PATTERN", NULL,
		"only metrics matching the glob (default: the report's key metrics)"),
	OPT_NUM("rerun", 0, struct check_cmd_opts, rerun, "N", "0", 0, 1000,
		"add up to N repetitions to each candidate cell with a gated inconclusive comparison, "
		"in rounds, before deciding (runs the candidate's sweep file here; stored in it)"),
};

/* The shipped file: <bin>/../thresholds (the build tree) or
 * <bin>/../share/harness/thresholds (installed), as kernels/ is found. */
static const char *default_thresholds(char *buf, size_t n)
{
	static const char *const rel[] = { "../thresholds/default.ini",
					   "../share/harness/thresholds/default.ini" };
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat sb;

	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < 2; i++) {
		snprintf(buf, n, "%.4000s/%s", exe, rel[i]);
		if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode))
			return realpath(buf, exe) ? strcpy(buf, exe) : buf;
	}
	return NULL;
}

static int load_thresholds(const char *given, struct thresholds *th, struct herr *err)
{
	char buf[PATH_MAX + 64];
	const char *file = given ? given : default_thresholds(buf, sizeof(buf));

	if (!file) {
		thresholds_init(th);
		return 0;
	}
	return thresholds_load(file, th, err);
}

/* --junit must be writable before the work starts; nothing is created. */
static int check_writable(const char *path, struct herr *err)
{
	char *copy = strdup(path);
	struct stat sb;
	int rc = 0;

	if (!copy)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		rc = herr_set(err, EXIT_USAGE, "--junit %s: is a directory", path);
	else if (stat(path, &sb) == 0 ? access(path, W_OK) : access(dirname(copy), W_OK | X_OK))
		rc = herr_set(err, EXIT_USAGE, "--junit %s: cannot write there: %s", path, strerror(errno));
	free(copy);
	return rc;
}

static int validate(const struct check_cmd_opts *o, int *json, struct herr *err)
{
	if (!o->baseline)
		return herr_set(err, EXIT_USAGE, "check: --baseline SWEEP|TAG is required");
	if (strcmp(o->format, "text") && strcmp(o->format, "json"))
		return herr_set(err, EXIT_USAGE, "--format %s: text or json", o->format);
	if (strcmp(o->inconclusive, "pass") && strcmp(o->inconclusive, "fail"))
		return herr_set(err, EXIT_USAGE, "--inconclusive %s: pass or fail", o->inconclusive);
	*json = !strcmp(o->format, "json");
	return o->junit ? check_writable(o->junit, err) : 0;
}

static int resolve(struct store *st, const struct check_cmd_opts *o, struct sweep_row *rows,
		   struct herr *err)
{
	if (store_sweep_get(st, o->baseline, &rows[0], err))
		return herr_wrap(err, "--baseline");
	if (store_sweep_get(st, o->candidate, &rows[1], err))
		return herr_wrap(err, "--candidate");
	if (!strcmp(rows[0].id, rows[1].id))
		return herr_set(err, EXIT_USAGE, "--baseline %s and --candidate %s are the same sweep (%s)",
				o->baseline, o->candidate, rows[0].id);
	return 0;
}

/* Render a format into a fresh buffer. */
static int render(const struct check *ck, int (*fmt)(const struct check *, FILE *, struct herr *),
		  char **buf, size_t *len, struct herr *err)
{
	FILE *f = open_memstream(buf, len);
	int rc;

	if (!f)
		return herr_errno(err, EXIT_RUNTIME, "open_memstream");
	rc = fmt(ck, f, err);
	if (fclose(f) && !rc)
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	return rc;
}

static int write_file(const char *path, const char *buf, size_t len, struct herr *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return herr_errno(err, EXIT_USAGE, "--junit %s", path);
	fwrite(buf, 1, len, f);
	if (fclose(f))
		return herr_errno(err, EXIT_RUNTIME, "writing %s", path);
	return 0;
}

static int outputs(const struct check *ck, const struct check_cmd_opts *o, int json,
		   struct herr *err)
{
	char *out = NULL, *ju = NULL;
	size_t nout = 0, nju = 0;
	int rc = render(ck, json ? check_json : check_text, &out, &nout, err);

	if (!rc && o->junit)
		rc = render(ck, check_junit, &ju, &nju, err);
	if (!rc && o->junit)
		rc = write_file(o->junit, ju, nju, err);
	if (!rc) {
		fwrite(out, 1, nout, stdout);
		if (fflush(stdout))
			rc = herr_errno(err, EXIT_RUNTIME, "writing stdout");
	}
	free(out);
	free(ju);
	return rc;
}

/* Build the check of the two sweeps by id (again, after a round). */
static int build(struct store *st, const char *const ids[2], const struct check_opts *co,
		 struct check *ck, struct herr *err)
{
	struct sweep_row *rows = calloc(2, sizeof(*rows));

	if (!rows)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (store_sweep_get(st, ids[0], &rows[0], err) || store_sweep_get(st, ids[1], &rows[1], err)) {
		store_sweep_rows_free(rows, 2);
		return -1;
	}
	return check_build(ck, st, rows, co, err);	/* takes rows */
}

struct rerun {
	struct sweep_exec x;
	struct sweep_plan plan;
	size_t *added;		/* per candidate cell */
	unsigned char *want;
};

/* A round adds a quarter of N (at least 2) to every still inconclusive
 * cell, so that a cell decided early stops costing runs. */
static int rounds(struct rerun *rr, const char *const ids[2], const struct check_opts *co,
		  int n, struct check *ck, struct herr *err)
{
	int left = n, step = n / 4 > 2 ? (n + 3) / 4 : 2;

	while (left > 0) {
		size_t nwant = 0;
		int reps = left < step ? left : step;

		for (size_t c = 0; c < rr->plan.ncells; c++) {
			const char *v = rr->plan.spec.variants[rr->plan.cells[c].variant].name;

			rr->want[c] = !rr->plan.skip[rr->plan.cells[c].variant] && check_cell_inconclusive(ck, c, v);
			nwant += rr->want[c];
		}
		if (!nwant)
			break;
		if (!rr->x.quiet)
			fprintf(stderr, "harness: check --rerun: %d more repetition%s of %zu inconclusive "
				"cell%s of sweep %.8s\n", reps, reps == 1 ? "" : "s", nwant,
				nwant == 1 ? "" : "s", ids[1]);
		if (rerun_round(&rr->x, rr->want, reps, rr->added, err))
			return -1;
		left -= reps;
		check_free(ck);
		if (build(rr->x.st, ids, co, ck, err))
			return -1;
	}
	return 0;
}

static void note_added(struct check *ck, const struct rerun *rr, int n)
{
	ck->rerun = n;
	for (size_t c = 0; c < rr->plan.ncells; c++)
		check_note_rerun(ck, c, rr->plan.spec.variants[rr->plan.cells[c].variant].name,
				 rr->added[c]);
}

/* With the check built read-only and some gated comparison inconclusive:
 * plan the candidate again and refuse what cannot be run here before the
 * lock, then rounds under the lock on a writable store; ck is the check
 * after the last round. On error ck is freed. */
static int rerun(struct cmd_ctx *ctx, const struct check_opts *co, struct check *ck,
		 struct herr *err)
{
	const struct check_cmd_opts *o = ctx->opts;
	struct rerun rr = { .x = { .wait_s = -1, .journal = { .fd = -1, .machine_fd = -1 } } };
	char id[2][37];
	const char *const ids[2] = { id[0], id[1] };
	struct store *st = NULL;
	struct herr e = { 0 };
	int rc;

	memcpy(id[0], ck->r.sweeps[0].id, sizeof(id[0]));
	memcpy(id[1], ck->r.sweeps[1].id, sizeof(id[1]));
	if (rerun_plan(&ck->r.sweeps[1], &rr.plan, err)) {
		check_free(ck);
		return -1;
	}
	rr.x.plan = &rr.plan;
	rr.x.sweep_id = id[1];
	rr.added = calloc(rr.plan.ncells + 1, sizeof(*rr.added));
	rr.want = calloc(rr.plan.ncells + 1, 1);
	rc = rr.added && rr.want ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		rc = cli_plan_target_opts(ctx, &rr.plan, &rr.x.target_opts, err);
	if (!rc) {
		signals_catch();	/* from the journal on: stop between runs, restore */
		rc = sweep_lock(&rr.x, err);
	}
	if (!rc && !(rc = store_open(o->db, STORE_WRITE, &st, err))) {
		rr.x.st = st;
		rc = rounds(&rr, ids, co, (int)o->rerun, ck, err);
	}
	if (sweep_unlock(&rr.x, &e) && !rc)
		rc = (*err = e, -1);
	if (rc && rr.x.made)
		herr_wrap(err, "check --rerun stopped; knobs restored; the %zu runs it added are stored in "
			  "sweep %.8s", rr.x.made, id[1]);
	if (rc == 0)
		note_added(ck, &rr, (int)o->rerun);
	else if (ck->items)
		check_free(ck);
	store_close(st);
	free(rr.x.done);
	free(rr.added);
	free(rr.want);
	plan_free(&rr.plan);
	return rc;
}

static int run_check(struct cmd_ctx *ctx, struct herr *err)
{
	const struct check_cmd_opts *o = ctx->opts;
	struct check_opts co = { .metrics = o->metrics, .baseline_ref = o->baseline,
				 .candidate_ref = o->candidate };
	struct sweep_row *rows;
	struct thresholds th;
	struct store *st;
	struct check ck;
	int json = 0, rc;

	if (validate(o, &json, err) || load_thresholds(o->thresholds, &th, err))
		return -1;
	co.th = &th;
	co.inconclusive_fail = !strcmp(o->inconclusive, "fail");
	if (store_open(o->db, STORE_READ, &st, err))
		return thresholds_free(&th), -1;
	if (!(rows = calloc(2, sizeof(*rows)))) {
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	} else if ((rc = resolve(st, o, rows, err))) {
		store_sweep_rows_free(rows, 2);
	} else if (!(rc = check_build(&ck, st, rows, &co, err))) {	/* takes rows */
		if (o->rerun && ck.count[CK_INCONCLUSIVE]) {
			store_close(st);	/* the rounds write: a store of their own */
			st = NULL;
			if ((rc = rerun(ctx, &co, &ck, err)))
				goto out;
		} else {
			ck.rerun = (int)o->rerun;
		}
		rc = outputs(&ck, o, json, err);
		if (!rc && check_failed(&ck)) {
			err->code = EXIT_FINDING;
			rc = EXIT_FINDING;
		}
		check_free(&ck);
	}
out:
	store_close(st);
	thresholds_free(&th);
	return rc;
}

const struct cmd_spec cmd_check = {
	.name = "check",
	.synopsis = "--baseline SWEEP|TAG [--candidate SWEEP|last]",
	.summary = "the regression gate: a candidate sweep against a baseline (exit 1 on a regression)",
	.description =
		"For each workload and parameter set, metric and variant present in both sweeps,\n"
		"the candidate's runs are compared with the baseline's of the same variant (ratio\n"
		"of medians with a bootstrap CI, Mann-Whitney U, Benjamini-Hochberg over the whole\n"
		"check, the noise floor of the thresholds file). A gated metric fails when its\n"
		"verdict is worse and the ratio is worse than 1 by more than its regression\n"
		"threshold. Improvements are listed and never fail. Read-only: no lock, nothing\n"
		"written but the --junit file, unless --rerun N finds a gated inconclusive\n"
		"comparison: then the candidate's sweep file (stored with it) is planned again on\n"
		"this machine, which must be the machine and kernel it ran on, and up to N more\n"
		"repetitions of each such cell run in rounds through the sweep's target under the\n"
		"knob lock, stored as runs of the candidate, the check decided again after each\n"
		"round; the outputs say how many runs were added. The target's options apply.\n"
		"\n"
		"Exit status: 0 the gate passes; 1 a regression (or, with --inconclusive fail,\n"
		"an inconclusive gated comparison); 2 bad input: an unknown sweep or tag, no cell\n"
		"in common, a thresholds file with errors, an unwritable --junit path, --rerun of a\n"
		"candidate another machine or kernel ran; 3 --rerun interrupted or failed (the runs\n"
		"it added are kept, the knobs restored). See docs/ci.md.",
	.opts = check_opts,
	.nopts = sizeof(check_opts) / sizeof(check_opts[0]),
	.opts_size = sizeof(struct check_cmd_opts),
	.with_targets = 1,
	.min_args = 0,
	.max_args = 0,
	.run = run_check,
};
