/* The report as one self-contained HTML page: the tables, what the runs
 * ran on, and charts drawn by gnuplot's SVG terminal and inlined (nothing
 * is fetched). gnuplot is run with an argv on a script written into a
 * private temporary directory; every string that reaches the script is
 * reduced to a safe character set first, so no sweep or variant name is
 * ever parsed as a gnuplot command.
 *
 * Charts: per shown metric, a bar per variant with the 95% CI of the
 * median as whiskers; ptrchase latency over working-set size per variant
 * (log x); RSS and page-table bytes over time per variant, from the stored
 * samples of one run per variant (its first ok run); and where the
 * database holds HIST_MIN_SWEEPS or more sweeps of a shown cell, its history
 * per gated metric (one with a better direction), one line per variant,
 * with the change points of `harness history` marked. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/history.h"
#include "analysis/report.h"
#include "core/fileio.h"
#include "core/proc.h"

struct chart {
	char title[256];
	char file[64];
};

struct html {
	const struct report *r;
	FILE *gp;		/* the gnuplot script */
	char dir[64];
	struct chart *charts;
	size_t ncharts;
	struct herr *err;
};

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A string as gnuplot may see it: letters, digits and a few marks. */
static void safe(const char *s, char *out, size_t n)
{
	size_t i = 0;

	for (; *s && i + 1 < n; s++)
		out[i++] = (strchr("._:@/+=-, ()[]", *s) || (*s >= '0' && *s <= '9') ||
			    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) ? *s : '_';
	out[i] = 0;
}

/* Start chart k: its output file and title. */
static int chart_begin(struct html *h, const char *title)
{
	struct chart *c = realloc(h->charts, (h->ncharts + 1) * sizeof(*c));
	char t[256];

	if (!c)
		return -1;
	h->charts = c;
	c = &h->charts[h->ncharts];
	snprintf(c->title, sizeof(c->title), "%s", title);
	snprintf(c->file, sizeof(c->file), "c%zu.svg", h->ncharts);
	safe(title, t, sizeof(t));
	fprintf(h->gp, "set output '%s/%s'\nset title '%s'\n", h->dir, c->file, t);
	h->ncharts++;
	return 0;
}

static void unit_label(const struct rpt_row *row, char *out, size_t n)
{
	snprintf(out, n, "%s", row->unit);
}

/* Bars per variant with CI whiskers, one chart per shown metric row. */
static int bar_charts(struct html *h)
{
	const struct report *r = h->r;

	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i)) {
		const struct rpt_row *row = &r->rows[i];
		char label[160], title[400], unit[64], name[200];
		size_t k = 0;
		double lo = 0;

		report_row_label(row, label, sizeof(label));
		snprintf(title, sizeof(title), "%s: %s", r->groups[row->group].label, label);
		if (chart_begin(h, title))
			return -1;
		unit_label(row, unit, sizeof(unit));
		safe(unit, name, sizeof(name));
		fprintf(h->gp, "$d%zu << EOD\n", i);
		for (size_t c = 0; c < r->ncols; c++) {
			const struct rpt_cell *cell = &row->cells[c];

			if (r->cols[c].skipped)
				continue;
			safe(r->cols[c].label, label, sizeof(label));
			if (cell->n) {
				fprintf(h->gp, "\"%s\" %.10g %.10g %.10g\n", label, cell->s.median, cell->s.ci_lo,
					cell->s.ci_hi);
				lo = fmin(lo, cell->s.ci_lo);
			}
			else
				fprintf(h->gp, "\"%s\" NaN NaN NaN\n", label);
			k++;
		}
		/* Bars start at 0 unless a value is negative (a gauge that shrank). */
		fprintf(h->gp, "EOD\nset ylabel '%s'\nunset logscale\nset yrange [%s:*]\nset xrange [-0.5:%zu.5]\n"
			"plot $d%zu using 0:2:xtic(1) with boxes fill solid 0.5 lc rgb '#4a7ebb' notitle, "
			"'' using 0:2:3:4 with yerrorbars pt 7 ps 0.4 lc rgb '#202020' notitle\n",
			name, lo < 0 ? "*" : "0", k ? k - 1 : 0, i);
	}
	return 0;
}

/* ptrchase latency over working-set size, one line per variant. */
static int latency_chart(struct html *h)
{
	const struct report *r = h->r;
	size_t lines = 0;

	for (size_t c = 0; c < r->ncols; c++) {
		size_t pts = 0;

		fprintf(h->gp, "$l%zu << EOD\n", c);
		for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i)) {
			const struct rpt_row *row = &r->rows[i];
			const struct rpt_group *g = &r->groups[row->group];

			if (strcmp(g->program, "ptrchase") || row->scope != SCOPE_WORKLOAD ||
			    strcmp(row->name, "ns_per_access") || isnan(g->size) || !row->cells[c].n)
				continue;
			fprintf(h->gp, "%.10g %.10g %.10g %.10g\n", g->size, row->cells[c].s.median,
				row->cells[c].s.ci_lo, row->cells[c].s.ci_hi);
			pts++;
		}
		fprintf(h->gp, "EOD\n");
		lines += pts > 0;
	}
	if (!lines)
		return 0;
	if (chart_begin(h, "ptrchase: latency per access over working-set size"))
		return -1;
	fprintf(h->gp, "set logscale x 2\nset xrange [*:*]\nset yrange [0:*]\nset xlabel 'working set (bytes)'\n"
		"set ylabel 'ns per access'\nset format x '%%.0s%%cB'\nplot ");
	for (size_t c = 0, first = 1; c < r->ncols; c++) {
		char label[200];

		if (r->cols[c].skipped)
			continue;
		safe(r->cols[c].label, label, sizeof(label));
		fprintf(h->gp, "%s$l%zu using 1:2:3:4 with yerrorlines title '%s'", first ? "" : ", ", c, label);
		first = 0;
	}
	fprintf(h->gp, "\nunset logscale\nset format x '%%g'\nset xlabel ''\n");
	return 0;
}

struct series_out {
	FILE *gp;
	int64_t t0;
	size_t n;
};

static int put_sample(void *user, int64_t t_ns, double v)
{
	struct series_out *s = user;

	fprintf(s->gp, "%.6f %.10g\n", (double)t_ns / 1e9, v);
	s->n++;
	return 0;
}

/* One series over time per variant of group g. */
static int series_chart(struct html *h, size_t g, const char *series, const char *what)
{
	const struct report *r = h->r;
	size_t lines = 0;
	char title[400];

	for (size_t c = 0; c < r->ncols; c++) {
		struct series_out so = { h->gp, 0, 0 };

		fprintf(h->gp, "$s%zu << EOD\n", c);
		if (*r->groups[g].sample_run[c] &&
		    store_report_series(r->st, r->groups[g].sample_run[c], series, put_sample, &so, h->err))
			return -1;
		fprintf(h->gp, "EOD\n");
		lines += so.n > 0;
	}
	if (!lines)
		return 0;
	snprintf(title, sizeof(title), "%s: %s over time (one run per variant)", r->groups[g].label, what);
	if (chart_begin(h, title))
		return -1;
	fprintf(h->gp, "set xrange [*:*]\nset yrange [0:*]\nset xlabel 'time since exec (s)'\nset ylabel 'bytes'\n"
		"set format y '%%.1s%%cB'\nplot ");
	for (size_t c = 0, first = 1; c < r->ncols; c++) {
		char label[200];

		if (r->cols[c].skipped)
			continue;
		safe(r->cols[c].label, label, sizeof(label));
		fprintf(h->gp, "%s$s%zu using 1:2 with steps title '%s'", first ? "" : ", ", c, label);
		first = 0;
	}
	fprintf(h->gp, "\nset format y '%%g'\nset xlabel ''\n");
	return 0;
}

/* ---- history ---- */

#define HIST_MIN_SWEEPS 3
#define CP_COLOUR "#c00000"

static const char *scope_name(enum metric_scope s)
{
	return s == SCOPE_REGION ? "region" : s == SCOPE_WORKLOAD ? "workload" : "process";
}

/* The series of the report's variants for row (its group's cell and
 * scope) in hs; which[c] per column, NULL when none or too short. */
static size_t match_series(const struct report *r, const struct rpt_row *row, const struct history *hs,
			   const struct hist_series **which)
{
	const struct rpt_group *g = &r->groups[row->group];
	size_t found = 0;

	for (size_t c = 0; c < r->ncols; c++) {
		which[c] = NULL;
		for (size_t i = 0; g->effective && i < hs->n && !r->cols[c].skipped; i++) {
			const struct hist_series *s = &hs->s[i];
			int dup = 0;

			for (size_t d = 0; d < c; d++)	/* two sweeps' columns of one variant */
				dup |= which[d] == s;
			if (!dup && s->n >= HIST_MIN_SWEEPS && !strcmp(s->variant, r->cols[c].name) &&
			    !strcmp(s->scope, scope_name(row->scope)) && !strcmp(s->params_key, g->effective)) {
				which[c] = s;
				found++;
				break;
			}
		}
	}
	return found;
}

/* Change points as dashed verticals just before the first sweep after
 * each, labelled with the step; red points on the line. */
static void mark_changes(struct html *h, const struct hist_series *s, size_t c, const char *who,
			 size_t *nlabel)
{
	fprintf(h->gp, "$hc%zu << EOD\n", c);
	for (size_t k = 0; k < s->ncp; k++) {
		size_t j = s->cp[k].index;

		fprintf(h->gp, "%zu %.10g\n", j, s->p[j].median);
	}
	fprintf(h->gp, "EOD\n");
	for (size_t k = 0; k < s->ncp; k++) {
		double x = (double)s->cp[k].index - 0.5;

		fprintf(h->gp, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 1.5 lc rgb '%s'\n", x, x,
			CP_COLOUR);
		size_t n = ++*nlabel;

		fprintf(h->gp, "set label %zu '%s%+.1f%%' at %g, graph %g right offset -0.3,0 tc rgb '%s'\n",
			n, who, 100 * s->cp[k].magnitude, x, 0.95 - 0.06 * (double)((n - 1) % 4), CP_COLOUR);
	}
}

static int history_chart(struct html *h, const struct rpt_row *row, const struct hist_series **which)
{
	const struct report *r = h->r;
	char label[160], title[400], unit[64];
	size_t nlabel = 0, ncp = 0, most = 0, lines = 0;
	int first = 1, keyed = 0;

	for (size_t c = 0; c < r->ncols; c++)
		lines += which[c] != NULL;
	for (size_t c = 0; c < r->ncols; c++) {
		char who[80] = "";

		if (!which[c])
			continue;
		if (lines > 1) {	/* whose step: "a -10.0%" */
			safe(r->cols[c].name, label, sizeof(label));
			snprintf(who, sizeof(who), "%.60s ", label);
		}
		fprintf(h->gp, "$h%zu << EOD\n", c);
		for (size_t j = 0; j < which[c]->n; j++)
			fprintf(h->gp, "%zu %.10g\n", j, which[c]->p[j].median);
		fprintf(h->gp, "EOD\n");
		mark_changes(h, which[c], c, who, &nlabel);
		ncp += which[c]->ncp;
		most = which[c]->n > most ? which[c]->n : most;
	}
	report_row_label(row, label, sizeof(label));
	snprintf(title, sizeof(title), "%s: %s history (%zu sweeps, %zu change point%s marked)",
		 r->groups[row->group].label, label, most, ncp, ncp == 1 ? "" : "s");
	if (chart_begin(h, title))
		return -1;
	safe(row->unit, unit, sizeof(unit));
	fprintf(h->gp, "set xrange [-0.5:%zu.5]\nset yrange [*:*]\nset xlabel 'sweep, oldest first'\n"
		"set ylabel 'median (%s)'\nplot ", most - 1, unit);
	for (size_t c = 0; c < r->ncols; c++) {
		if (!which[c])
			continue;
		safe(r->cols[c].name, label, sizeof(label));
		fprintf(h->gp, "%s$h%zu using 1:2 with linespoints pt 7 ps 0.5 title '%s'", first ? "" : ", ", c,
			label);
		if (which[c]->ncp)	/* one key entry for the marks */
			fprintf(h->gp, ", $hc%zu using 1:2 with points pt 6 ps 1.8 lw 2 lc rgb '%s' %s", c,
				CP_COLOUR, keyed++ ? "notitle" : "title 'change point'");
		first = 0;
	}
	fprintf(h->gp, "\nunset arrow\nunset label\nset xlabel ''\n");
	return 0;
}

/* Every shown row with a better direction (what the gate gates) whose
 * cell has a history: one load per workload and metric. */
static int history_charts(struct html *h)
{
	const struct report *r = h->r;
	const struct hist_series **which = calloc(r->ncols + 1, sizeof(*which));
	unsigned char *done = calloc(r->nrows + 1, 1);
	int rc = which && done ? 0 : herr_set(h->err, EXIT_RUNTIME, "out of memory");

	for (size_t i = report_next_row(r, (size_t)-1); !rc && i < r->nrows; i = report_next_row(r, i)) {
		const struct rpt_row *row = &r->rows[i];
		const char *wl = r->groups[row->group].workload;
		struct store_history_filter f = { row->name, wl, NULL, NULL };
		struct history hs;

		if (done[i] || row->better == BETTER_NONE || row->emulated)
			continue;
		if ((rc = history_load(r->st, &f, &hs, h->err)))
			break;
		/* Every shown row of this workload and metric, from this load. */
		for (size_t j = i; !rc && j < r->nrows; j = report_next_row(r, j)) {
			const struct rpt_row *o = &r->rows[j];

			if (done[j] || strcmp(o->name, row->name) || strcmp(r->groups[o->group].workload, wl))
				continue;
			done[j] = 1;
			if (match_series(r, o, &hs, which))
				rc = history_chart(h, o, which);
		}
		history_free(&hs);
	}
	free(which);
	free(done);
	return rc;
}

static int write_script(struct html *h)
{
	fprintf(h->gp, "set terminal svg size 640,360 dynamic noenhanced font 'sans,11'\n"
		"set style fill solid 0.5\nset boxwidth 0.6\nset grid ytics\nset key outside right\n"
		"set format y '%%g'\n");
	/* The curves first: they say most at a glance. */
	if (latency_chart(h))
		return -1;
	for (size_t g = 0; g < h->r->ngroups; g++)
		if (series_chart(h, g, "mem.Rss", "RSS") || series_chart(h, g, "mem.VmPTE", "page-table bytes"))
			return -1;
	if (bar_charts(h) || history_charts(h))
		return -1;
	return ferror(h->gp) ? -1 : 0;
}

/* gnuplot's last non-empty line of output: its error, for the message. */
static void last_line(void *arg, const char *line, size_t len)
{
	if (len)
		snprintf(arg, 256, "%.*s", (int)len, line);
}

static int run_gnuplot(struct html *h, const char *script)
{
	const char *argv[] = { "gnuplot", script, NULL };
	char said[256] = "";
	struct proc_spec p = { .argv = argv, .out_fd = -1, .on_line = last_line, .arg = said,
			       .merge_stderr = 1 };
	int rc;

	if (!proc_on_path("gnuplot"))
		return herr_set(h->err, EXIT_RUNTIME,
				"--format html needs gnuplot (Debian gnuplot-nox; scripts/install-deps build)");
	rc = proc_run(&p, h->err);
	if (rc < 0)
		return -1;
	return rc ? herr_set(h->err, EXIT_RUNTIME, "gnuplot exited with status %d drawing the charts: %s",
			     rc, said) : 0;
}

/* ---- the page ---- */

static void put_svg(FILE *out, const char *svg)
{
	const char *start = strstr(svg, "<svg");

	fputs(start ? start : "", out);
}

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#202020}"
	"table{border-collapse:collapse;margin:0.5em 0 1.5em}"
	"td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
	"td.n{text-align:right;font-family:monospace;white-space:pre}"
	"td.better{background:#d8f0d8}td.worse{background:#f6d4d4}td.changed{background:#e4e0f6}"
	"td.same{background:#eef4ff}figure{display:inline-block;margin:0.5em}"
	"figure svg{width:480px;height:270px}figcaption{font-size:12px}"
	"pre{background:#f6f6f6;padding:0.5em}";

static const char *cell_class(const struct rpt_cell *c)
{
	if (!c->have_c)
		return "n";
	switch (c->c.verdict) {
	case VERDICT_BETTER: return "n better";
	case VERDICT_WORSE: return "n worse";
	case VERDICT_CHANGED: return "n changed";
	case VERDICT_NO_DIFFERENCE: return "n same";
	case VERDICT_INCONCLUSIVE: break;
	}
	return "n";
}

static void group_table(const struct report *r, size_t g, FILE *out)
{
	fprintf(out, "<h3>");
	esc(out, r->groups[g].label);
	fprintf(out, "</h3>\n<table><tr><th>metric</th>");
	for (size_t c = 0; c < r->ncols; c++)
		if (!r->cols[c].skipped) {
			fputs("<th>", out);
			esc(out, r->cols[c].label);
			fputs(c == r->base ? " (baseline)</th>" : "</th>", out);
		}
	fputs("</tr>\n", out);
	for (size_t i = report_next_row(r, (size_t)-1); i < r->nrows; i = report_next_row(r, i)) {
		const struct rpt_row *row = &r->rows[i];
		char label[160];

		if (row->group != g)
			continue;
		report_row_label(row, label, sizeof(label));
		fputs("<tr><td>", out);
		esc(out, label);
		fputs("</td>", out);
		for (size_t c = 0; c < r->ncols; c++) {
			const struct rpt_cell *cell = &row->cells[c];
			char v[48], ratio[48] = "";

			if (r->cols[c].skipped)
				continue;
			if (cell->n)
				report_fmt_value(row, cell->s.median, v, sizeof(v));
			else
				snprintf(v, sizeof(v), "%s", cell->missing ? "not measured" : "-");
			if (cell->have_c) {
				report_fmt_ratio(cell->c.ratio, ratio, sizeof(ratio) - 2);
				snprintf(ratio + strlen(ratio), 3, "%c", report_mark(&cell->c));
			}
			fprintf(out, "<td class=\"%s\" title=\"", cell_class(cell));
			esc(out, cell->have_c ? cell->c.reason : cell->reason ? cell->reason : "");
			fputs("\">", out);
			esc(out, v);
			if (*ratio) {
				fputs(" ", out);
				esc(out, ratio);
			}
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The machines, kernels, variants and noise settings: one table each. */
static void context_tables(const struct report *r, FILE *out)
{
	static const char *const whats[] = { "machine", "kernel", "variant", "noise" };

	for (size_t s = 0; s < r->nsweeps; s++) {
		fprintf(out, "<h3>sweep ");
		esc(out, r->sweeps[s].name);
		fprintf(out, " (%s), file ", r->sweeps[s].id);
		esc(out, r->sweeps[s].file ? r->sweeps[s].file : "");
		fprintf(out, ", target %s, %s</h3>\n", r->sweeps[s].target, r->sweeps[s].status);
		for (size_t w = 0; w < 4; w++) {
			int header = 0;

			for (size_t i = 0; i < r->ncontext[s]; i++) {
				const char *row = r->context[s][i], *tab = strchr(row, '\t');
				json_t *o = tab && !strncmp(row, whats[w], (size_t)(tab - row)) &&
						    strlen(whats[w]) == (size_t)(tab - row)
					    ? json_loads(tab + 1, 0, NULL) : NULL;
				const char *k;
				json_t *v;

				if (!o)
					continue;
				if (!header++) {
					fprintf(out, "<table><caption>%ss</caption><tr>", whats[w]);
					json_object_foreach(o, k, v) {
						fputs("<th>", out);
						esc(out, k);
						fputs("</th>", out);
					}
					fputs("</tr>\n", out);
				}
				fputs("<tr>", out);
				json_object_foreach(o, k, v) {
					char *t = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

					fputs("<td>", out);
					esc(out, t ? t : json_string_value(v));
					fputs("</td>", out);
					free(t);
				}
				fputs("</tr>\n", out);
				json_decref(o);
			}
			if (header)
				fputs("</table>\n", out);
		}
	}
}

static int charts_html(struct html *h, FILE *out)
{
	for (size_t i = 0; i < h->ncharts; i++) {
		char path[128];
		char *svg;

		snprintf(path, sizeof(path), "%s/%s", h->dir, h->charts[i].file);
		if (!(svg = file_read_all(path)))
			return herr_set(h->err, EXIT_RUNTIME, "gnuplot drew no %s", h->charts[i].file);
		fprintf(out, "<figure class=\"chart\">");
		put_svg(out, svg);
		fprintf(out, "<figcaption>");
		esc(out, h->charts[i].title);
		fprintf(out, "</figcaption></figure>\n");
		free(svg);
		unlink(path);
	}
	return 0;
}

static int page(struct html *h, FILE *out)
{
	const struct report *r = h->r;
	char title[1024], *text = NULL;
	size_t len = 0;
	FILE *mem;

	report_title(r, title, sizeof(title));
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	esc(out, title);
	fprintf(out, "</title><style>%s</style></head><body>\n<h1>", style);
	esc(out, title);
	fprintf(out, "</h1>\n<p>Median of each variant's runs; ratio of medians to the baseline <b>");
	esc(out, r->cols[r->base].label);
	fprintf(out, "</b>, marked + better, - worse, ~ changed (significant: bootstrap 95%% CI of the "
		"ratio outside 1 &plusmn; %g%% and Benjamini&ndash;Hochberg q &le; %g over %zu tests), "
		"= no difference, ? inconclusive. A cell's tooltip gives the figures. "
		"(emulated) marks times, rates and PMU counts of an emulated target.</p>\n",
		r->cmp.noise_floor * 100, r->cmp.alpha, r->ncompared);
	fprintf(out, "<h2>Results</h2>\n");
	for (size_t g = 0; g < r->ngroups; g++)
		group_table(r, g, out);
	/* The text report too: its legend counts the verdicts and says why the
	 * inconclusive ones are. */
	if ((mem = open_memstream(&text, &len))) {
		report_text(r, mem, h->err);
		fclose(mem);
		fprintf(out, "<details><summary>text report</summary><pre>");
		esc(out, text ? text : "");
		fprintf(out, "</pre></details>\n");
		free(text);
	}
	fprintf(out, "<h2>Charts</h2>\n<div id=\"charts\">\n");
	if (charts_html(h, out))
		return -1;
	fprintf(out, "</div>\n<h2>Machines, kernels, variants, noise settings</h2>\n");
	context_tables(r, out);
	fprintf(out, "</body></html>\n");
	return 0;
}

int report_html(const struct report *r, FILE *out, struct herr *err)
{
	struct html h = { .r = r, .err = err };
	char script[128];
	int rc = -1;

	snprintf(h.dir, sizeof(h.dir), "/tmp/harness-report.XXXXXX");
	if (!mkdtemp(h.dir))
		return herr_errno(err, EXIT_RUNTIME, "creating a directory for the charts");
	snprintf(script, sizeof(script), "%s/charts.gp", h.dir);
	if (!(h.gp = fopen(script, "w"))) {
		herr_errno(err, EXIT_RUNTIME, "%s", script);
		goto out;
	}
	if (write_script(&h)) {
		fclose(h.gp);
		if (!err->code)
			herr_set(err, EXIT_RUNTIME, "writing the chart script failed");
		goto out;
	}
	fclose(h.gp);
	if (run_gnuplot(&h, script) == 0)
		rc = page(&h, out);
out:
	for (size_t i = 0; i < h.ncharts; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", h.dir, h.charts[i].file);
		unlink(path);
	}
	if (!getenv("HARNESS_KEEP_CHARTS")) {	/* for debugging a chart */
		unlink(script);
		rmdir(h.dir);
	}
	free(h.charts);
	return rc;
}
