/* The regression gate over two sweeps; see check.h. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/check.h"

const char *check_outcome_name(enum check_outcome k)
{
	static const char *const names[] = { "pass", "fail", "improved", "inconclusive", "not gated" };

	return names[k];
}

/* The candidate column of the baseline column's variant, or ncols. */
static size_t twin_col(const struct report *r, size_t bcol)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].sweep == 1 && !strcmp(r->cols[c].name, r->cols[bcol].name))
			return c;
	return r->ncols;
}

static int add_item(struct check *ck, size_t *cap, size_t row, size_t b, size_t c)
{
	struct check_item *it;

	if (ck->nitems == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *g = realloc(ck->items, ncap * sizeof(*ck->items));

		if (!g)
			return -1;
		ck->items = g;
		*cap = ncap;
	}
	it = &ck->items[ck->nitems++];
	memset(it, 0, sizeof(*it));
	it->row = row;
	it->bcol = b;
	it->ccol = c;
	return 0;
}

/* Every shown row x variant with runs on both sides. */
static int collect(struct check *ck, struct herr *err)
{
	const struct report *r = &ck->r;
	size_t cap = 0;

	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i))
		for (size_t b = 0; b < r->ncols; b++) {
			size_t c;

			if (r->cols[b].sweep != 0 || (c = twin_col(r, b)) == r->ncols)
				continue;
			if (!r->rows[i].cells[b].n || !r->rows[i].cells[c].n)
				continue;
			if (add_item(ck, &cap, i, b, c))
				return herr_set(err, EXIT_RUNTIME, "out of memory");
		}
	return 0;
}

static int compare_items(struct check *ck, struct herr *err)
{
	const struct report *r = &ck->r;
	struct comparison *all;

	for (size_t k = 0; k < ck->nitems; k++) {
		struct check_item *it = &ck->items[k];
		const struct rpt_row *row = &r->rows[it->row];
		const struct rpt_cell *b = &row->cells[it->bcol], *c = &row->cells[it->ccol];
		struct compare_opts o;

		thresholds_for(ck->o.th, r->groups[row->group].workload, row->name, row->kind, &it->th);
		compare_opts_default(&o);
		o.better = row->better;
		o.noise_floor = it->th.noise_floor;
		if (compare_samples(b->v, b->n, c->v, c->n, &o, &it->c, err))
			return herr_wrap(err, "%s of %s", row->name, r->groups[row->group].label);
	}
	if (!(all = malloc(ck->nitems * sizeof(*all))))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t k = 0; k < ck->nitems; k++)
		all[k] = ck->items[k].c;
	if (compare_report(all, ck->nitems, err)) {
		free(all);
		return -1;
	}
	for (size_t k = 0; k < ck->nitems; k++)
		ck->items[k].c = all[k];
	free(all);
	return 0;
}

/* Worse than 1 by more than the threshold, in the metric's direction; a
 * metric without one (gated only when a section names it) is "worse" by
 * moving either way. */
static int beyond(const struct comparison *c, double t)
{
	if (isnan(c->ratio))
		return 0;
	if (c->better == BETTER_LOWER)
		return c->ratio > 1 + t;
	if (c->better == BETTER_HIGHER)
		return c->ratio < 1 - t;
	return c->ratio > 1 + t || c->ratio < 1 - t;
}

static enum check_outcome gate(const struct check_item *it)
{
	if (!it->gated)
		return CK_UNGATED;
	switch (it->c.verdict) {
	case VERDICT_WORSE: return beyond(&it->c, it->th.regression) ? CK_FAIL : CK_PASS;
	case VERDICT_BETTER: return CK_IMPROVED;
	case VERDICT_INCONCLUSIVE: return CK_INCONCLUSIVE;
	case VERDICT_CHANGED: return beyond(&it->c, it->th.regression) ? CK_FAIL : CK_PASS;
	case VERDICT_NO_DIFFERENCE: break;
	}
	return CK_PASS;
}

static void decide(struct check *ck)
{
	for (size_t k = 0; k < ck->nitems; k++) {
		struct check_item *it = &ck->items[k];
		const struct rpt_row *row = &ck->r.rows[it->row];

		/* No better direction: informational (more huge pages is fewer
		 * TLB misses and maybe more footprint) unless a section names it. */
		int informational = row->better == BETTER_NONE && !it->th.gate_named;

		it->gated = it->th.gate && !row->emulated && !informational;
		it->why_ungated = !it->th.gate ? "gate = no" : row->emulated ? "emulated target"
				: informational ? "no better direction" : NULL;
		it->outcome = gate(it);
		ck->count[it->outcome]++;
	}
}

int check_build(struct check *ck, struct store *st, struct sweep_row *rows,
		const struct check_opts *o, struct herr *err)
{
	struct report_opts ro = { .metrics = o->metrics, .width = 80 };

	memset(ck, 0, sizeof(*ck));
	ck->o = *o;
	ro.sweeps = NULL;
	ro.nsweeps = 2;
	if (report_build(&ck->r, st, rows, 2, &ro, err))
		return -1;
	if (collect(ck, err))
		goto fail;
	if (!ck->nitems) {
		herr_set(err, EXIT_USAGE, "baseline %s (%.8s) and candidate %s (%.8s) have no cell and "
			 "metric in common (the same workload, parameters and variant, with runs)",
			 o->baseline_ref, rows[0].id, o->candidate_ref, rows[1].id);
		goto fail;
	}
	if (compare_items(ck, err))
		goto fail;
	decide(ck);
	return 0;
fail:
	check_free(ck);
	return -1;
}

void check_free(struct check *ck)
{
	if (ck->r.rows || ck->r.cols || ck->r.sweeps)
		report_free(&ck->r);
	free(ck->items);
	memset(ck, 0, sizeof(*ck));
}

int check_failed(const struct check *ck)
{
	return ck->count[CK_FAIL] || (ck->o.inconclusive_fail && ck->count[CK_INCONCLUSIVE]);
}

/* ---- --rerun ---- */

/* The item is a comparison of that candidate plan cell. */
static int of_cell(const struct check *ck, const struct check_item *it, size_t cell,
		   const char *variant)
{
	const struct report *r = &ck->r;

	return r->nsweeps == 2 && cell < r->ncells[1] && r->cell_group[1][cell] == r->rows[it->row].group &&
	       !strcmp(r->cols[it->ccol].name, variant);
}

int check_cell_inconclusive(const struct check *ck, size_t cell, const char *variant)
{
	for (size_t k = 0; k < ck->nitems; k++)
		if (ck->items[k].outcome == CK_INCONCLUSIVE && of_cell(ck, &ck->items[k], cell, variant))
			return 1;
	return 0;
}

void check_note_rerun(struct check *ck, size_t cell, const char *variant, size_t added)
{
	if (!added)
		return;
	ck->rerun_runs += added;
	ck->rerun_cells++;
	for (size_t k = 0; k < ck->nitems; k++)
		if (of_cell(ck, &ck->items[k], cell, variant))
			ck->items[k].added += added;
}

/* ---- pieces ---- */

const char *check_group_label(const struct check *ck, const struct check_item *it)
{
	return ck->r.groups[ck->r.rows[it->row].group].label;
}

void check_item_name(const struct check *ck, const struct check_item *it, char *out, size_t n)
{
	char label[160];

	report_row_label(&ck->r.rows[it->row], label, sizeof(label));
	snprintf(out, n, "%s/%s", ck->r.cols[it->bcol].name, label);
}

static void fmt_q(double q, char *out, size_t n)
{
	if (isnan(q))
		snprintf(out, n, "-");
	else if (q < 0.0001)
		snprintf(out, n, "%.1e", q);
	else
		snprintf(out, n, "%.4f", q);
}

void check_item_figures(const struct check *ck, const struct check_item *it, char *out, size_t n)
{
	const struct rpt_row *row = &ck->r.rows[it->row];
	char b[32], c[32], ra[24], lo[24], hi[24], q[24];

	report_fmt_value(row, it->c.median_base, b, sizeof(b));
	report_fmt_value(row, it->c.median_cand, c, sizeof(c));
	report_fmt_ratio(it->c.ratio, ra, sizeof(ra));
	report_fmt_ratio(it->c.ratio_lo, lo, sizeof(lo));
	report_fmt_ratio(it->c.ratio_hi, hi, sizeof(hi));
	fmt_q(it->c.q, q, sizeof(q));
	snprintf(out, n, "baseline %s, candidate %s, ratio %s [%s, %s], q %s, threshold %g%% (%s)",
		 b, c, ra, lo, hi, q, it->th.regression * 100, it->th.regression_from);
	if (it->added && strlen(out) + 1 < n)
		snprintf(out + strlen(out), n - strlen(out), ", %zu candidate run%s added by --rerun",
			 it->added, it->added == 1 ? "" : "s");
}

/* "rerun: 6 runs added to 2 inconclusive cells (--rerun 4)", or NULL. */
static const char *rerun_line(const struct check *ck, char *out, size_t n)
{
	if (!ck->rerun)
		return NULL;
	snprintf(out, n, "rerun: %zu run%s added to %zu inconclusive cell%s (--rerun %d: up to %d a cell)",
		 ck->rerun_runs, ck->rerun_runs == 1 ? "" : "s", ck->rerun_cells,
		 ck->rerun_cells == 1 ? "" : "s", ck->rerun, ck->rerun);
	return out;
}

/* ---- text ---- */

/* Write lead, then s's words wrapped at 80 columns, continuation lines
 * indented by ind. */
static void wrap(FILE *out, const char *lead, const char *s, int ind)
{
	int col = fprintf(out, "%s", lead), fresh = !*lead || lead[strlen(lead) - 1] == ' ';

	while (*s) {
		const char *sp = strchr(s, ' ');
		int w = sp ? (int)(sp - s) : (int)strlen(s);

		if (!fresh && col + 1 + w > 80) {
			col = fprintf(out, "\n%*s", ind, "") - 1;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', out);
			col++;
		}
		col += fprintf(out, "%.*s", w, s);
		fresh = 0;
		s += w;
		while (*s == ' ')
			s++;
	}
	fputc('\n', out);
}

static void text_list(const struct check *ck, FILE *out, enum check_outcome k, const char *head)
{
	const char *last = NULL;
	char name[256], fig[768], lead[320];

	if (!ck->count[k])
		return;
	fprintf(out, "\n%s (%zu):\n", head, ck->count[k]);
	for (size_t i = 0; i < ck->nitems; i++) {
		const struct check_item *it = &ck->items[i];

		if (it->outcome != k)
			continue;
		if (!last || strcmp(last, check_group_label(ck, it)))
			wrap(out, "  ", check_group_label(ck, it), 4);
		last = check_group_label(ck, it);
		check_item_name(ck, it, name, sizeof(name));
		snprintf(lead, sizeof(lead), "    %s:", name);
		if (k == CK_INCONCLUSIVE && it->added) {
			snprintf(fig, sizeof(fig), "%s (%zu runs added by --rerun)", it->c.reason, it->added);
			wrap(out, lead, fig, 6);
		} else if (k == CK_INCONCLUSIVE)
			wrap(out, lead, it->c.reason, 6);
		else {
			check_item_figures(ck, it, fig, sizeof(fig));
			wrap(out, lead, fig, 6);
		}
	}
}

int check_text(const struct check *ck, FILE *out, struct herr *err)
{
	const struct sweep_row *s = ck->r.sweeps;
	char line[512];

	snprintf(line, sizeof(line), "check: candidate %s (%.8s, %s) against baseline %s (%.8s, %s)",
		 s[1].name, s[1].id, ck->o.candidate_ref, s[0].name, s[0].id, ck->o.baseline_ref);
	wrap(out, "", line, 2);
	snprintf(line, sizeof(line), "thresholds: %s", ck->o.th->file ? ck->o.th->file : "built in");
	wrap(out, "", line, 2);
	if (rerun_line(ck, line, sizeof(line)))
		wrap(out, "", line, 2);
	text_list(ck, out, CK_FAIL, "FAILED: worse beyond the threshold");
	text_list(ck, out, CK_IMPROVED, "improved");
	text_list(ck, out, CK_INCONCLUSIVE, ck->o.inconclusive_fail ? "FAILED: inconclusive"
				  : "inconclusive (passing; --inconclusive fail makes them fail)");
	fprintf(out, "\n%zu compared: %zu failed, %zu improved, %zu passed, %zu inconclusive, "
		"%zu not gated\n", ck->nitems, ck->count[CK_FAIL], ck->count[CK_IMPROVED],
		ck->count[CK_PASS], ck->count[CK_INCONCLUSIVE], ck->count[CK_UNGATED]);
	fprintf(out, "result: %s\n", check_failed(ck) ? "FAIL" : "pass");
	if (ferror(out))
		return herr_set(err, EXIT_RUNTIME, "writing the check");
	return 0;
}

/* ---- JSON ---- */

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *item_json(const struct check *ck, const struct check_item *it)
{
	const struct rpt_row *row = &ck->r.rows[it->row];
	static const char *const scopes[] = { "process", "region", "workload" };
	static const char *const better[] = { "lower", "higher", "none" };
	json_t *o = json_object();

	json_object_set_new(o, "group", json_string(check_group_label(ck, it)));
	json_object_set_new(o, "workload", json_string(ck->r.groups[row->group].workload));
	json_object_set_new(o, "variant", json_string(ck->r.cols[it->bcol].name));
	json_object_set_new(o, "metric", json_string(row->name));
	json_object_set_new(o, "scope", json_string(row->scope <= SCOPE_WORKLOAD ? scopes[row->scope] : "?"));
	json_object_set_new(o, "better", json_string(better[row->better]));
	json_object_set_new(o, "outcome", json_string(check_outcome_name(it->outcome)));
	json_object_set_new(o, "verdict", json_string(verdict_name(it->c.verdict)));
	json_object_set_new(o, "gated", json_boolean(it->gated));
	if (it->why_ungated)
		json_object_set_new(o, "not_gated_because", json_string(it->why_ungated));
	json_object_set_new(o, "n_baseline", json_integer((json_int_t)it->c.n_base));
	json_object_set_new(o, "n_candidate", json_integer((json_int_t)it->c.n_cand));
	json_object_set_new(o, "median_baseline", num(it->c.median_base));
	json_object_set_new(o, "median_candidate", num(it->c.median_cand));
	json_object_set_new(o, "ratio", num(it->c.ratio));
	json_object_set_new(o, "ratio_lo", num(it->c.ratio_lo));
	json_object_set_new(o, "ratio_hi", num(it->c.ratio_hi));
	json_object_set_new(o, "p", num(it->c.p));
	json_object_set_new(o, "q", num(it->c.q));
	json_object_set_new(o, "regression", json_real(it->th.regression));
	json_object_set_new(o, "regression_from", json_string(it->th.regression_from));
	json_object_set_new(o, "noise_floor", json_real(it->th.noise_floor));
	json_object_set_new(o, "noise_floor_from", json_string(it->th.noise_floor_from));
	json_object_set_new(o, "reason", json_string(it->c.reason));
	json_object_set_new(o, "runs_added", json_integer((json_int_t)it->added));
	return o;
}

static json_t *sweep_json(const struct sweep_row *s, const char *ref)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", s->id, "name", s->name, "ref", ref,
			 "created", s->created);
}

int check_json(const struct check *ck, FILE *out, struct herr *err)
{
	json_t *root = json_object(), *items = json_array(), *counts = json_object();
	int rc;

	json_object_set_new(root, "baseline", sweep_json(&ck->r.sweeps[0], ck->o.baseline_ref));
	json_object_set_new(root, "candidate", sweep_json(&ck->r.sweeps[1], ck->o.candidate_ref));
	json_object_set_new(root, "thresholds", ck->o.th->file ? json_string(ck->o.th->file) : json_null());
	json_object_set_new(root, "result", json_string(check_failed(ck) ? "fail" : "pass"));
	json_object_set_new(root, "exit", json_integer(check_failed(ck)));
	for (int k = 0; k < 5; k++)
		json_object_set_new(counts, check_outcome_name((enum check_outcome)k),
				    json_integer((json_int_t)ck->count[k]));
	json_object_set_new(root, "counts", counts);
	if (ck->rerun)
		json_object_set_new(root, "rerun", json_pack("{s:i, s:I, s:I}", "max", ck->rerun,
							     "runs_added", (json_int_t)ck->rerun_runs,
							     "cells", (json_int_t)ck->rerun_cells));
	for (size_t i = 0; i < ck->nitems; i++)
		json_array_append_new(items, item_json(ck, &ck->items[i]));
	json_object_set_new(root, "items", items);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	if (rc || ferror(out))
		return herr_set(err, EXIT_RUNTIME, "writing the check's JSON");
	return 0;
}

/* ---- JUnit ---- */

static void xml(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '<')
			fputs("&lt;", out);
		else if (ch == '>')
			fputs("&gt;", out);
		else if (ch == '&')
			fputs("&amp;", out);
		else if (ch == '"')
			fputs("&quot;", out);
		else if (ch == '\'')
			fputs("&apos;", out);
		else if (ch < 0x20 && ch != '\n' && ch != '\t')
			fputc('?', out);	/* not allowed in XML 1.0 */
		else
			fputc(ch, out);
	}
}

static void junit_case(const struct check *ck, const struct check_item *it, FILE *out)
{
	char name[256], fig[768];
	int fails = it->outcome == CK_FAIL ||
		    (it->outcome == CK_INCONCLUSIVE && ck->o.inconclusive_fail);

	check_item_name(ck, it, name, sizeof(name));
	check_item_figures(ck, it, fig, sizeof(fig));
	fputs("    <testcase classname=\"", out);
	xml(out, check_group_label(ck, it));
	fputs("\" name=\"", out);
	xml(out, name);
	fputs("\" time=\"0\"", out);
	if (!fails && it->outcome != CK_INCONCLUSIVE) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n      <", out);
	fputs(fails ? "failure" : "skipped", out);
	fprintf(out, " type=\"%s\" message=\"", it->outcome == CK_FAIL ? "regression" : "inconclusive");
	xml(out, it->outcome == CK_FAIL ? fig : it->c.reason);
	fputs("\">", out);
	xml(out, fig);
	fputs(" (", out);
	xml(out, verdict_name(it->c.verdict));
	fputs(": ", out);
	xml(out, it->c.reason);
	fprintf(out, ")</%s>\n    </testcase>\n", fails ? "failure" : "skipped");
}

int check_junit(const struct check *ck, FILE *out, struct herr *err)
{
	size_t tests = 0, fails = ck->count[CK_FAIL], skipped = 0;
	char title[256];

	for (size_t i = 0; i < ck->nitems; i++)
		tests += ck->items[i].gated;
	if (ck->o.inconclusive_fail)
		fails += ck->count[CK_INCONCLUSIVE];
	else
		skipped = ck->count[CK_INCONCLUSIVE];
	snprintf(title, sizeof(title), "harness check %s (%.8s) against %s (%.8s)",
		 ck->r.sweeps[1].name, ck->r.sweeps[1].id, ck->r.sweeps[0].name, ck->r.sweeps[0].id);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"harness check\"", out);
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", tests, fails, skipped);
	fputs("  <testsuite name=\"", out);
	xml(out, title);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", tests, fails, skipped);
	if (ck->rerun)
		fprintf(out, "    <properties>\n      <property name=\"rerun\" value=\"%d\"/>\n"
			"      <property name=\"rerun.runs_added\" value=\"%zu\"/>\n"
			"      <property name=\"rerun.cells\" value=\"%zu\"/>\n    </properties>\n",
			ck->rerun, ck->rerun_runs, ck->rerun_cells);
	for (size_t i = 0; i < ck->nitems; i++)
		if (ck->items[i].gated)
			junit_case(ck, &ck->items[i], out);
	fputs("  </testsuite>\n</testsuites>\n", out);
	if (ferror(out))
		return herr_set(err, EXIT_RUNTIME, "writing the JUnit file");
	return 0;
}
