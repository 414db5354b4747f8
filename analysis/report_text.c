/* The report as text for email (every line at most o.width columns,
 * whatever the number of variants: columns go in blocks, each led by the
 * baseline) and as Markdown. Significant cells are marked, in the spirit
 * of mmtests' compare tables; a legend says what the marks mean and why
 * the inconclusive ones are. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"

#define VALUE_W 9		/* "1023 MiB", "-12.3 MiB" */
#define RATIO_W 8		/* "0.0029x?" */
#define CELL_W (VALUE_W + 1 + RATIO_W)
#define LABEL_W 21

/* ---- numbers ---- */

static void fmt_scaled(double v, const char *const *units, double step, size_t nunits,
		       char *out, size_t n)
{
	double a = fabs(v);
	size_t u = 0;

	while (u + 1 < nunits && a >= step * 0.9995) {
		a /= step;
		v /= step;
		u++;
	}
	if (u == 0 && v == floor(v))
		snprintf(out, n, "%.0f%s", v, units[0]);
	else if (a < 9.995)
		snprintf(out, n, "%.2f%s", v, units[u]);
	else if (a < 99.95)
		snprintf(out, n, "%.1f%s", v, units[u]);
	else
		snprintf(out, n, "%.0f%s", v, units[u]);
}

static void fmt_time(double ns, char *out, size_t n)
{
	static const char *const u[] = { " ns", " \xc2\xb5s", " ms", " s" };
	double a = fabs(ns);
	size_t i = 0;

	while (i < 3 && a >= 999.5) {
		a /= 1000;
		ns /= 1000;
		i++;
	}
	if (a < 9.995 && ns != floor(ns))
		snprintf(out, n, "%.2f%s", ns, u[i]);
	else if (a < 99.95 && ns != floor(ns))
		snprintf(out, n, "%.1f%s", ns, u[i]);
	else
		snprintf(out, n, "%.0f%s", ns, u[i]);
}

void report_fmt_value(const struct rpt_row *row, double v, char *out, size_t n)
{
	static const char *const bytes[] = { " B", " KiB", " MiB", " GiB", " TiB" };
	static const char *const counts[] = { "", "k", "M", "G", "T" };

	if (isnan(v)) {
		snprintf(out, n, "-");
	} else if (!strcmp(row->unit, "bytes")) {
		fmt_scaled(v, bytes, 1024, 5, out, n);
	} else if (!strcmp(row->unit, "s")) {
		fmt_time(v * 1e9, out, n);
	} else if (!strcmp(row->unit, "ns")) {
		fmt_time(v, out, n);
	} else if (fabs(v) < 9999.5) {
		if (v == floor(v))
			snprintf(out, n, "%.0f", v);
		else
			snprintf(out, n, "%.3g", v);
	} else {
		fmt_scaled(v, counts, 1000, 5, out, n);
	}
}

void report_fmt_ratio(double r, char *out, size_t n)
{
	if (isnan(r))
		snprintf(out, n, "-");
	else if (isinf(r))
		snprintf(out, n, "inf");
	else if (r >= 999.5)
		snprintf(out, n, ">999x");
	else if (r >= 99.5)
		snprintf(out, n, "%.0fx", r);
	else if (r >= 9.995)
		snprintf(out, n, "%.1fx", r);
	else if (r >= 0.00995 || r == 0)
		snprintf(out, n, "%.3fx", r);
	else if (r >= 0.000995)
		snprintf(out, n, "%.4fx", r);
	else
		snprintf(out, n, "%.0ex", r);
}

char report_mark(const struct comparison *c)
{
	switch (c->verdict) {
	case VERDICT_BETTER: return '+';
	case VERDICT_WORSE: return '-';
	case VERDICT_CHANGED: return '~';
	case VERDICT_NO_DIFFERENCE: return '=';
	case VERDICT_INCONCLUSIVE: break;
	}
	return '?';
}

const char *report_inconclusive_why(const struct comparison *c, char *buf, size_t n)
{
	double nf = c->noise_floor * 100;

	if (c->n_base < c->min_n || c->n_cand < c->min_n)
		snprintf(buf, n, "fewer than %zu runs on a side", c->min_n);
	else if (!compare_testable(c) && !isnan(c->ratio))
		snprintf(buf, n, "%zu and %zu runs: the rank test's smallest p is %.2g > %g", c->n_base,
			 c->n_cand, mwu_min_p(c->n_base, c->n_cand), c->alpha);
	else if (isnan(c->ratio))
		snprintf(buf, n, "negative values: no ratio");
	else if (c->ratio_lo > 1 + c->noise_floor || c->ratio_hi < 1 - c->noise_floor)
		snprintf(buf, n, "CI outside 1 +- %g%% but q > %g", nf, c->alpha);
	else
		snprintf(buf, n, "CI of the ratio overlaps the edge of 1 +- %g%%", nf);
	return buf;
}

void report_row_label(const struct rpt_row *row, char *out, size_t n)
{
	if (row->scope == SCOPE_WORKLOAD && *row->unit)
		snprintf(out, n, "%s [%s]%s", row->name, row->unit, row->emulated ? " (emulated)" : "");
	else
		snprintf(out, n, "%s%s%s", row->name, row->scope == SCOPE_REGION ? " (region)" : "",
			 row->emulated ? " (emulated)" : "");
}

void report_title(const struct report *r, char *out, size_t n)
{
	size_t off = 0;

	for (size_t s = 0; s < r->nsweeps && off < n; s++)
		off += (size_t)snprintf(out + off, n - off, "%ssweep %s (%.8s) on %s", s ? ", " : "",
					r->sweeps[s].name, r->sweeps[s].id, r->sweeps[s].target);
}

/* ---- text ---- */

/* Display width of UTF-8 text (µ is two bytes, one column). */
static int width_of(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad_right(FILE *out, const char *s, int w)
{
	fprintf(out, "%*s%s", w - width_of(s) > 0 ? w - width_of(s) : 0, "", s);
}

/* Words of text on lines of at most width columns, the first at column
 * 0 and the rest indented. */
static void wrap(FILE *out, const char *text, int width, int indent)
{
	int col = 0;

	while (*text) {
		size_t len = strcspn(text, " ");
		int w = (int)len;

		if (col && col + 1 + w > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)len, text);
		col += w;
		text += len;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

/* The baseline's CI half-width, in at most 7 characters: a wild one
 * (a few runs of a noisy figure) must not push the line past 80. */
static void fmt_ci_pct(double pct, char *out, size_t n)
{
	if (pct < 100)
		snprintf(out, n, "+-%.1f%%", pct);
	else if (pct < 10000)
		snprintf(out, n, "+-%.0f%%", pct);
	else
		snprintf(out, n, "+-%.0fk%%", pct / 1000);
}

static void cell_text(const struct report *r, const struct rpt_row *row, size_t c, char *out,
		      size_t n)
{
	const struct rpt_cell *cell = &row->cells[c];
	char v[32], ratio[32] = "";

	if (!cell->n) {
		snprintf(out, n, "%*s", CELL_W, cell->missing ? "not measured" : "-");
		return;
	}
	report_fmt_value(row, cell->s.median, v, sizeof(v));
	if (c == r->base) {
		double half = fmax(cell->s.ci_hi - cell->s.median, cell->s.median - cell->s.ci_lo);

		if (cell->n > 1 && cell->s.median != 0)
			fmt_ci_pct(100 * half / fabs(cell->s.median), ratio, sizeof(ratio));
	} else if (cell->have_c) {
		size_t len;

		report_fmt_ratio(cell->c.ratio, ratio, sizeof(ratio) - 1);
		len = strlen(ratio);
		ratio[len] = report_mark(&cell->c);
		ratio[len + 1] = 0;
	}
	snprintf(out, n, "%*s%s %*s", VALUE_W - width_of(v) > 0 ? VALUE_W - width_of(v) : 0, "", v,
		 RATIO_W, ratio);
}

/* The columns after the baseline that run, in order. */
static size_t others(const struct report *r, size_t *cols)
{
	size_t n = 0;

	for (size_t c = 0; c < r->ncols; c++)
		if (c != r->base && !r->cols[c].skipped)
			cols[n++] = c;
	return n;
}

static void block_header(const struct report *r, const size_t *cols, size_t n, FILE *out)
{
	int keyed = 0;

	for (size_t i = 0; i < n; i++)
		keyed |= width_of(r->cols[cols[i]].label) > CELL_W;
	if (keyed)
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  [%zu] %.*s\n", i + 1, 72, r->cols[cols[i]].label);
	fprintf(out, "  %-*s", LABEL_W, "median of");
	for (size_t i = 0; i < n; i++) {
		char h[200];

		if (keyed)
			snprintf(h, sizeof(h), "[%zu]", i + 1);
		else
			snprintf(h, sizeof(h), "%s", r->cols[cols[i]].label);
		fputc(' ', out);
		pad_right(out, h, CELL_W);
	}
	fputc('\n', out);
}

static void print_row(const struct report *r, const struct rpt_row *row, const size_t *cols,
		      size_t n, FILE *out)
{
	char label[160];

	report_row_label(row, label, sizeof(label));
	if (width_of(label) > LABEL_W)
		fprintf(out, "  %s\n  %-*s", label, LABEL_W, "");
	else
		fprintf(out, "  %-*s", LABEL_W, label);
	for (size_t i = 0; i < n; i++) {
		char cell[96];
		size_t end;

		cell_text(r, row, cols[i], cell, sizeof(cell));
		if (i + 1 == n) {	/* no trailing blanks in mail */
			end = strlen(cell);
			while (end && cell[end - 1] == ' ')
				cell[--end] = 0;
		}
		fprintf(out, " %s", cell);
	}
	fputc('\n', out);
}

static void trim_print(FILE *out, char *line)
{
	size_t end = strlen(line);

	while (end && line[end - 1] == ' ')
		line[--end] = 0;
	fprintf(out, "%s\n", line);
}

static void runs_row(const struct report *r, const struct rpt_group *g, const size_t *cols,
		     size_t n, FILE *out)
{
	char line[1024];
	size_t off = (size_t)snprintf(line, sizeof(line), "  %-*s", LABEL_W, "runs");

	for (size_t i = 0; i < n && off < sizeof(line); i++) {
		char t[64];

		if (g->failed[cols[i]])
			snprintf(t, sizeof(t), "%zu ok, %zu failed", g->ok[cols[i]], g->failed[cols[i]]);
		else
			snprintf(t, sizeof(t), "%zu ok", g->ok[cols[i]]);
		if ((int)strlen(t) <= VALUE_W)
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %*s%*s", VALUE_W, t,
						CELL_W - VALUE_W, "");
		else
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %-*s", CELL_W, t);
	}
	trim_print(out, line);
}

static void print_block(const struct report *r, size_t g, const size_t *cols, size_t n, FILE *out)
{
	block_header(r, cols, n, out);
	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i))
		if (r->rows[i].group == g)
			print_row(r, &r->rows[i], cols, n, out);
	runs_row(r, &r->groups[g], cols, n, out);
}

static void print_group(const struct report *r, size_t g, size_t per, FILE *out)
{
	size_t *rest = malloc((r->ncols + 1) * sizeof(size_t)), cols[33], nrest, i = 0;

	if (!rest)
		return;
	nrest = others(r, rest);
	fputc('\n', out);
	wrap(out, r->groups[g].label, r->o.width, 4);
	do {
		size_t n = 0;

		cols[n++] = r->base;
		while (n < per && i < nrest)
			cols[n++] = rest[i++];
		if (n > 1 && i > n - 1)
			fputc('\n', out);	/* a block after the first */
		print_block(r, g, cols, n, out);
	} while (i < nrest);
	free(rest);
}

static const char *first_reason(const struct report *r, const struct rpt_row *row)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (row->cells[c].reason)
			return row->cells[c].reason;
	return NULL;
}

/* Hidden for another cause than "not measured" (all zero, a region twin). */
static int row_shown_elsewhere(const struct report *r, const struct rpt_row *row)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (row->cells[c].n)
			return 1;
	return 0;
}

/* Rows nothing measured, with the reason: once per metric name. */
static void not_measured(const struct report *r, FILE *out)
{
	size_t shown = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct rpt_row *row = &r->rows[i];
		const char *why = NULL;
		char line[1024];
		int dup = 0;

		for (size_t c = 0; c < r->ncols && !why; c++)
			why = row->cells[c].reason;
		if (!row->hidden || !why || row_shown_elsewhere(r, row))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = r->rows[j].hidden && !strcmp(r->rows[j].name, row->name) &&
			      !row_shown_elsewhere(r, &r->rows[j]) && first_reason(r, &r->rows[j]);
		if (dup)
			continue;
		if (!shown++)
			fprintf(out, "\nnot measured in any run (left out of the table):\n");
		snprintf(line, sizeof(line), "%s: %s", row->name, why);
		for (char *p = line; (p = strstr(p, "not_")); p += 4)
			p[3] = ' ';	/* "not_counted: ..." reads "not counted: ..." */
		fputs("  ", out);
		wrap(out, line, r->o.width - 2, 4);
	}
}

struct why_count {
	char why[160];
	size_t n;
};

static void legend(const struct report *r, FILE *out)
{
	struct why_count whys[16] = { 0 };
	size_t nwhy = 0, verdicts[5] = { 0 }, total = 0;
	char line[1024];

	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i))
		for (size_t c = 0; c < r->ncols; c++) {
			const struct comparison *cmp = &r->rows[i].cells[c].c;
			char why[160];
			size_t k;

			if (!r->rows[i].cells[c].have_c)
				continue;
			total++;
			verdicts[cmp->verdict]++;
			if (cmp->verdict != VERDICT_INCONCLUSIVE)
				continue;
			report_inconclusive_why(cmp, why, sizeof(why));
			for (k = 0; k < nwhy && strcmp(whys[k].why, why); k++)
				;
			if (k == nwhy && nwhy < 16)
				snprintf(whys[nwhy++].why, sizeof(whys[0].why), "%s", why);
			if (k < nwhy)
				whys[k].n++;
		}
	snprintf(line, sizeof(line),
		 "legend: median of each variant's runs; baseline %s with the 95%% CI of its median "
		 "(+-%%); others: ratio of medians to the baseline's, marked + better, - worse, ~ changed "
		 "(significant: bootstrap 95%% CI of the ratio outside 1 +- %g%% and Benjamini-Hochberg "
		 "q <= %g over the report's %zu tests), = no difference (CI inside 1 +- %g%%), "
		 "? inconclusive.", r->cols[r->base].label, r->cmp.noise_floor * 100, r->cmp.alpha,
		 r->ncompared, r->cmp.noise_floor * 100);
	fputc('\n', out);
	wrap(out, line, r->o.width, 2);
	fprintf(out, "verdicts: %zu better, %zu worse, %zu changed, %zu no difference, %zu inconclusive\n",
		verdicts[VERDICT_BETTER], verdicts[VERDICT_WORSE], verdicts[VERDICT_CHANGED],
		verdicts[VERDICT_NO_DIFFERENCE], verdicts[VERDICT_INCONCLUSIVE]);
	for (size_t k = 0; k < nwhy; k++) {
		snprintf(line, sizeof(line), "inconclusive (%zu of %zu): %s%s", whys[k].n, total,
			 whys[k].why, strstr(whys[k].why, "smallest p") ?
			 "; at least 4 runs a side (5 for margin) can show a difference" : "");
		wrap(out, line, r->o.width, 2);
	}
}

static void emulated_note(const struct report *r, FILE *out)
{
	char line[400];

	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].emulated) {
			snprintf(line, sizeof(line), "(emulated): target %s: times, rates and PMU counts "
				 "are the emulator's, not hardware's; footprints, faults and THP/mTHP "
				 "statistics are the guest kernel's own.", r->cols[c].target);
			wrap(out, line, r->o.width, 2);
			return;
		}
}

static void failures(const struct report *r, FILE *out)
{
	for (size_t f = 0; f < r->nfails && f < 20; f++) {
		char line[1024];

		if (!f)
			fprintf(out, "\nfailed runs (harness show RUN for the stderr tail):\n");
		/* Variant first, as the sweep's plan and progress name a cell. */
		snprintf(line, sizeof(line), "%.8s %s %s rep %d: %s", r->fails[f].run_id,
			 r->cols[r->fails[f].col].label, r->groups[r->fails[f].group].label,
			 r->fails[f].rep + 1, r->fails[f].reason);
		fputs("  ", out);
		wrap(out, line, r->o.width - 2, 4);
	}
	if (r->nfails > 20)
		fprintf(out, "  ... %zu more\n", r->nfails - 20);
}

int report_text(const struct report *r, FILE *out, struct herr *err)
{
	size_t per = (size_t)(r->o.width - 2 - LABEL_W) / (CELL_W + 1);
	char title[1024], line[1200];

	if (per < 2)
		per = 2;
	if (per > 32)
		per = 32;
	report_title(r, title, sizeof(title));
	snprintf(line, sizeof(line), "%s: median per variant, ratio to %s", title, r->cols[r->base].label);
	wrap(out, line, r->o.width, 2);
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].skipped) {
			snprintf(line, sizeof(line), "variant %s: %s", r->cols[c].label, r->cols[c].skipped);
			wrap(out, line, r->o.width, 2);
		}
	for (size_t g = 0; g < r->ngroups; g++)
		print_group(r, g, per, out);
	not_measured(r, out);
	failures(r, out);
	legend(r, out);
	emulated_note(r, out);
	return ferror(out) ? herr_set(err, EXIT_RUNTIME, "writing the report failed") : 0;
}

/* ---- Markdown: one table per group, every column at once ---- */

int report_md(const struct report *r, FILE *out, struct herr *err)
{
	char title[1024];

	report_title(r, title, sizeof(title));
	fprintf(out, "# %s\n\nMedian per variant; ratio of medians to **%s**; + better, - worse, "
		"~ changed (significant), = no difference, ? inconclusive (docs/report.md).\n",
		title, r->cols[r->base].label);
	for (size_t g = 0; g < r->ngroups; g++) {
		fprintf(out, "\n## %s\n\n| metric |", r->groups[g].label);
		for (size_t c = 0; c < r->ncols; c++)
			if (!r->cols[c].skipped)
				fprintf(out, " %s |", r->cols[c].label);
		fprintf(out, "\n| --- |");
		for (size_t c = 0; c < r->ncols; c++)
			if (!r->cols[c].skipped)
				fprintf(out, " ---: |");
		fputc('\n', out);
		for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i)) {
			char label[160];

			if (r->rows[i].group != g)
				continue;
			report_row_label(&r->rows[i], label, sizeof(label));
			fprintf(out, "| %s |", label);
			for (size_t c = 0; c < r->ncols; c++) {
				char cell[96], *p = cell;

				if (r->cols[c].skipped)
					continue;
				cell_text(r, &r->rows[i], c, cell, sizeof(cell));
				while (*p == ' ')
					p++;
				fprintf(out, " %s |", p);
			}
			fputc('\n', out);
		}
	}
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].emulated) {
			fprintf(out, "\n(emulated): times, rates and PMU counts of target %s are the "
				"emulator's, not hardware's.\n", r->cols[c].target);
			break;
		}
	return ferror(out) ? herr_set(err, EXIT_RUNTIME, "writing the report failed") : 0;
}
