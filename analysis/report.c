/* Building a report: the sweeps' plans give the columns (variants, in the
 * order the sweep file names them) and the groups (workload and parameter
 * set); the runs and their metrics fill the cells; then every cell is
 * summarised and compared with the baseline column, and the whole report's
 * p-values adjusted together (Benjamini-Hochberg). */
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/history.h"
#include "analysis/report.h"
#include "measure/metric_table.h"
#include "targets/target.h"

/* The metrics a report shows unless --metrics says otherwise: every
 * result the workload reports, then footprint, faults, TLB and time. A
 * region value stands for the process one when the workload marks a
 * region: that is the part the variants are meant to change. */
static const char *const key_metrics[] = {
	"fault.minor", "fault.major", "mem.rss_peak", "mem.VmPTE_peak", "mem.AnonHugePages_peak",
	"cgroup.memory_peak", "tlb.l1d_refill", "tlb.dtlb_walk", "tlb.dtlb_walk_per_gib",
	"cpu.cycles", "time.wall_s",
	/* mTHP allocations per size: the only place 64 KiB folios show
	 * (AnonHugePages and memcg count PMD-size folios alone). */
	"thp.hugepages-8kB.anon_fault_alloc", "thp.hugepages-16kB.anon_fault_alloc",
	"thp.hugepages-32kB.anon_fault_alloc", "thp.hugepages-64kB.anon_fault_alloc",
	"thp.hugepages-128kB.anon_fault_alloc", "thp.hugepages-256kB.anon_fault_alloc",
	"thp.hugepages-512kB.anon_fault_alloc", "thp.hugepages-1024kB.anon_fault_alloc",
	"thp.hugepages-2048kB.anon_fault_alloc", "thp.khugepaged.pages_collapsed",
	/* khugepaged collapse into mTHP (7.2): the per-size stats are its
	 * only system-wide trace, since AnonHugePages counts PMD folios. */
	"thp.hugepages-16kB.collapse_alloc", "thp.hugepages-32kB.collapse_alloc",
	"thp.hugepages-64kB.collapse_alloc", "thp.hugepages-128kB.collapse_alloc",
	"thp.hugepages-64kB.collapse_exceed_none_pte",
	NULL,
};
#define NKEY (sizeof(key_metrics) / sizeof(key_metrics[0]) - 1)
/* A row of its own from the kernels table: the base page size booted. */
#define PAGE_SIZE_ROW "kernel.page_size"
/* Rows from the run's boot (boots table): what the kernel spent on itself. */
#define BOOT_ROW_PREFIX "boot."

static int key_index(const char *name)
{
	for (size_t i = 0; i < NKEY; i++)
		if (!strcmp(key_metrics[i], name))
			return (int)i;
	return -1;
}

/* ---- plans: columns and groups ---- */

struct cell_map {
	size_t *group, *col;	/* per cell of the sweep's plan; (size_t)-1: unknown */
	size_t ncells;
};

struct builder {
	struct report *r;
	struct cell_map *maps;	/* per sweep */
	size_t sweep;
	/* Runs of the sweep being loaded, in order, for the metric walk. */
	struct brun {
		char id[37];
		size_t group, col;
	} *runs;
	size_t nruns, capruns, cursor;
	size_t last_row;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *g;

	if (need <= *cap)
		return p;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	if (!(g = realloc(p, ncap * size)))
		return NULL;
	*cap = ncap;
	return g;
}

static size_t find_col(const struct report *r, size_t sweep, const char *name)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].sweep == sweep && !strcmp(r->cols[c].name, name))
			return c;
	return (size_t)-1;
}

static int add_col(struct report *r, size_t sweep, const char *name, const char *skipped)
{
	struct rpt_col *g = realloc(r->cols, (r->ncols + 1) * sizeof(*g));

	if (!g)
		return -1;
	r->cols = g;
	g = &r->cols[r->ncols++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->label, sizeof(g->label), "%s", name);
	g->sweep = sweep;
	if (skipped && !(g->skipped = strdup(skipped)))
		return -1;
	return 0;
}

/* "size=64m updates=2000000" from the cell's given parameters. */
static char *group_label(const char *workload, json_t *params)
{
	size_t len = strlen(workload) + 1, off;
	const char *k;
	json_t *v;
	char *s;

	json_object_foreach(params, k, v)
		len += strlen(k) + 2 + (json_is_string(v) ? strlen(json_string_value(v)) : 32);
	if (!(s = malloc(len + 1)))
		return NULL;
	off = (size_t)snprintf(s, len + 1, "%s", workload);
	json_object_foreach(params, k, v) {
		if (json_is_string(v))
			off += (size_t)snprintf(s + off, len + 1 - off, " %s=%s", k, json_string_value(v));
		else
			off += (size_t)snprintf(s + off, len + 1 - off, " %s=%g", k, json_number_value(v));
	}
	return s;
}

static size_t find_group(struct report *r, const char *label)
{
	for (size_t g = 0; g < r->ngroups; g++)
		if (!strcmp(r->groups[g].label, label))
			return g;
	return (size_t)-1;
}

static size_t add_group(struct report *r, char *label, json_t *cell)
{
	struct rpt_group *g = realloc(r->groups, (r->ngroups + 1) * sizeof(*g));
	json_t *size = json_object_get(json_object_get(cell, "effective"), "size");
	char *eff;

	if (!g)
		return (size_t)-1;
	r->groups = g;
	g = &r->groups[r->ngroups];
	memset(g, 0, sizeof(*g));
	g->label = label;
	if ((eff = json_dumps(json_object_get(cell, "effective") ?: json_object_get(cell, "params"), JSON_COMPACT)))
		g->effective = history_params_key(eff);
	free(eff);
	snprintf(g->workload, sizeof(g->workload), "%s",
		 json_string_value(json_object_get(cell, "workload")) ?: "");
	snprintf(g->program, sizeof(g->program), "%s",
		 json_string_value(json_object_get(cell, "program")) ?: g->workload);
	g->size = json_is_number(size) ? json_number_value(size) : NAN;
	return r->ngroups++;
}

static int plan_variants(struct report *r, size_t sweep, json_t *plan)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(plan, "variants"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));

		if (name && add_col(r, sweep, name, json_string_value(json_object_get(v, "skipped"))))
			return -1;
	}
	return 0;
}

static int plan_cells(struct report *r, struct cell_map *m, size_t sweep, json_t *plan)
{
	json_t *cells = json_object_get(plan, "cells"), *cell;
	size_t i;

	m->ncells = json_array_size(cells);
	m->group = malloc((m->ncells + 1) * sizeof(size_t));
	m->col = malloc((m->ncells + 1) * sizeof(size_t));
	if (!m->group || !m->col)
		return -1;
	json_array_foreach(cells, i, cell) {
		const char *wl = json_string_value(json_object_get(cell, "workload"));
		const char *var = json_string_value(json_object_get(cell, "variant"));
		char *label = group_label(wl ? wl : "?", json_object_get(cell, "params"));
		size_t g;

		if (!label)
			return -1;
		g = find_group(r, label);
		if (g != (size_t)-1)
			free(label);
		else if ((g = add_group(r, label, cell)) == (size_t)-1) {
			free(label);
			return -1;
		}
		m->group[i] = g;
		m->col[i] = var ? find_col(r, sweep, var) : (size_t)-1;
	}
	return 0;
}

static int load_plan(struct report *r, struct cell_map *m, size_t sweep, struct herr *err)
{
	json_error_t je;
	json_t *plan = json_loads(r->sweeps[sweep].plan_json ? r->sweeps[sweep].plan_json : "", 0, &je);
	int rc;

	if (!plan)
		return herr_set(err, EXIT_RUNTIME, "sweep %s: its stored plan is not JSON (%s)",
				r->sweeps[sweep].id, je.text);
	rc = plan_variants(r, sweep, plan) || plan_cells(r, m, sweep, plan);
	json_decref(plan);
	return rc ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
}

/* Per-column counts and sample runs, once the groups are known. */
static int alloc_group_cols(struct report *r)
{
	for (size_t g = 0; g < r->ngroups; g++) {
		struct rpt_group *gr = &r->groups[g];

		gr->ok = calloc(r->ncols + 1, sizeof(size_t));
		gr->failed = calloc(r->ncols + 1, sizeof(size_t));
		gr->sample_run = calloc(r->ncols + 1, sizeof(*gr->sample_run));
		if (!gr->ok || !gr->failed || !gr->sample_run)
			return -1;
	}
	return 0;
}

/* ---- rows and cells ---- */

static enum metric_kind kind_of(const char *s)
{
	return !strcmp(s, "gauge") ? KIND_GAUGE : !strcmp(s, "rate") ? KIND_RATE : KIND_COUNTER;
}

static enum metric_better better_of(const char *s)
{
	return !strcmp(s, "lower") ? BETTER_LOWER : !strcmp(s, "higher") ? BETTER_HIGHER : BETTER_NONE;
}

/* The table's direction for a metric the harness measures, so that a
 * database written before the table changed its mind (mem.AnonHugePages_peak
 * was "lower") reads as today; a workload's result keeps what it reported. */
static enum metric_better row_better(const struct store_report_metric *m)
{
	const struct metric_def *d = strcmp(m->scope, "workload") ? metric_def_find(m->name) : NULL;

	return d ? d->better : better_of(m->better);
}

static enum metric_scope scope_of(const char *s)
{
	return !strcmp(s, "region") ? SCOPE_REGION : !strcmp(s, "workload") ? SCOPE_WORKLOAD
									    : SCOPE_PROCESS;
}

static size_t find_row(struct builder *b, size_t group, enum metric_scope scope, const char *name)
{
	struct report *r = b->r;

	if (b->last_row < r->nrows) {	/* runs store their metrics in one order */
		for (size_t i = b->last_row + 1; i < r->nrows && i < b->last_row + 4; i++)
			if (r->rows[i].group == group && r->rows[i].scope == scope &&
			    !strcmp(r->rows[i].name, name))
				return b->last_row = i;
	}
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].group == group && r->rows[i].scope == scope && !strcmp(r->rows[i].name, name))
			return b->last_row = i;
	return (size_t)-1;
}

static size_t add_row(struct builder *b, size_t group, const struct store_report_metric *m)
{
	struct report *r = b->r;
	struct rpt_row *g = realloc(r->rows, (r->nrows + 1) * sizeof(*g));
	int k;

	if (!g)
		return (size_t)-1;
	r->rows = g;
	g = &r->rows[r->nrows];
	memset(g, 0, sizeof(*g));
	g->group = group;
	snprintf(g->name, sizeof(g->name), "%s", m->name);
	g->scope = scope_of(m->scope);
	snprintf(g->unit, sizeof(g->unit), "%s", m->unit);
	g->kind = kind_of(m->kind);
	g->better = row_better(m);
	k = key_index(m->name);
	g->order = g->scope == SCOPE_WORKLOAD ? (int)r->nrows : k >= 0 ? 1000000 + k : 2000000 + (int)r->nrows;
	if (!strcmp(m->name, PAGE_SIZE_ROW))
		g->order = -1;
	else if (!strncmp(m->name, BOOT_ROW_PREFIX, strlen(BOOT_ROW_PREFIX)))
		g->order = 3000000 + (int)r->nrows;	/* after everything the run measured */
	if (!(g->cells = calloc(r->ncols + 1, sizeof(*g->cells))))
		return (size_t)-1;
	return b->last_row = r->nrows++;
}

static int cell_add(struct rpt_cell *c, const struct store_report_metric *m)
{
	if (!m->has_value) {
		if (!c->missing++ && !c->reason) {
			size_t len = strlen(m->status) + strlen(m->reason) + 4;

			if (!(c->reason = malloc(len)))
				return -1;
			snprintf(c->reason, len, "%s: %s", m->status, m->reason);
		}
		return 0;
	}
	if (!(c->v = grow(c->v, &c->cap, c->n + 1, sizeof(double))))
		return -1;
	c->v[c->n++] = m->value;
	return 0;
}

static int take_metric(void *user, const struct store_report_metric *m)
{
	struct builder *b = user;
	struct brun *run;
	size_t row;

	while (b->cursor < b->nruns && strcmp(b->runs[b->cursor].id, m->run_id))
		b->cursor++;
	if (b->cursor == b->nruns) {	/* not in order: look it up from the start */
		for (b->cursor = 0; b->cursor < b->nruns; b->cursor++)
			if (!strcmp(b->runs[b->cursor].id, m->run_id))
				break;
		if (b->cursor == b->nruns) {
			b->cursor = 0;
			return 0;
		}
	}
	run = &b->runs[b->cursor];
	if (run->group == (size_t)-1 || run->col == (size_t)-1)
		return 0;
	row = find_row(b, run->group, scope_of(m->scope), m->name);
	if (row == (size_t)-1 && (row = add_row(b, run->group, m)) == (size_t)-1)
		return -1;
	return cell_add(&b->r->rows[row].cells[run->col], m);
}

static void fill_col_info(struct rpt_col *c, const struct store_report_run *run)
{
	if (*c->target)
		return;
	snprintf(c->target, sizeof(c->target), "%s", run->target);
	snprintf(c->release, sizeof(c->release), "%s", run->kernel_release);
	snprintf(c->hostname, sizeof(c->hostname), "%s", run->hostname);
	c->emulated = target_name_emulated(run->target);
}

static int report_add_failure(struct builder *b, size_t g, size_t c,
			      const struct store_report_run *run)
{
	struct report *r = b->r;
	struct rpt_failure *f = realloc(r->fails, (r->nfails + 1) * sizeof(*f));

	if (!f)
		return -1;
	r->fails = f;
	f = &r->fails[r->nfails];
	snprintf(f->run_id, sizeof(f->run_id), "%s", run->id);
	f->group = g;
	f->col = c;
	f->rep = run->rep;
	if (!(f->reason = strdup(*run->reason ? run->reason : "failed")))
		return -1;
	r->nfails++;
	r->groups[g].failed[c]++;
	return 0;
}

/* A row of the run's kernel or boot rather than of its metrics (the page
 * size, the boot's memory figures): one value per run, bytes; value <= 0
 * (unknown) adds nothing. */
static int run_row(struct builder *b, size_t g, size_t c, const struct store_report_run *run,
		   const char *name, long long value, const char *better)
{
	struct store_report_metric pm = {
		.run_id = run->id, .scope = "process", .name = name, .unit = "bytes",
		.kind = "gauge", .better = better, .status = "ok", .reason = "",
		.value = (double)value, .has_value = 1,
	};
	size_t row;

	if (value <= 0 || (b->r->o.metrics && fnmatch(b->r->o.metrics, name, 0)))
		return 0;
	row = find_row(b, g, SCOPE_PROCESS, name);
	if (row == (size_t)-1 && (row = add_row(b, g, &pm)) == (size_t)-1)
		return -1;
	return cell_add(&b->r->rows[row].cells[c], &pm);
}

static int take_run(void *user, const struct store_report_run *run)
{
	struct builder *b = user;
	struct cell_map *m = &b->maps[b->sweep];
	size_t g = (size_t)-1, c = (size_t)-1;
	int ok = !strcmp(run->status, "ok");

	if (run->cell >= 0 && (size_t)run->cell < m->ncells) {
		g = m->group[run->cell];
		c = m->col[run->cell];
	}
	if (!(b->runs = grow(b->runs, &b->capruns, b->nruns + 1, sizeof(*b->runs))))
		return -1;
	snprintf(b->runs[b->nruns].id, sizeof(b->runs[0].id), "%s", run->id);
	b->runs[b->nruns].group = g;
	b->runs[b->nruns++].col = c;
	if (g == (size_t)-1 || c == (size_t)-1)
		return 0;
	fill_col_info(&b->r->cols[c], run);
	if (!ok)
		return report_add_failure(b, g, c, run);
	b->r->groups[g].ok[c]++;
	if (!*b->r->groups[g].sample_run[c])
		snprintf(b->r->groups[g].sample_run[c], 37, "%s", run->id);
	if (run_row(b, g, c, run, PAGE_SIZE_ROW, run->page_size, "none") ||
	    run_row(b, g, c, run, BOOT_ROW_PREFIX "mem_total", run->mem_total, "higher") ||
	    run_row(b, g, c, run, BOOT_ROW_PREFIX "mem_reserved", run->mem_reserved, "lower") ||
	    run_row(b, g, c, run, BOOT_ROW_PREFIX "memmap", run->memmap, "lower"))
		return -1;
	return 0;
}

static int take_context(void *user, const char *what, const char *json)
{
	struct builder *b = user;
	struct report *r = b->r;
	size_t n = r->ncontext[b->sweep];
	char **g = realloc(r->context[b->sweep], (n + 1) * sizeof(*g));
	size_t len = strlen(what) + strlen(json) + 2;

	if (!g)
		return -1;
	r->context[b->sweep] = g;
	if (!(g[n] = malloc(len)))
		return -1;
	snprintf(g[n], len, "%s\t%s", what, json);	/* "machine\t{...}" */
	r->ncontext[b->sweep]++;
	return 0;
}

static int load_sweep(struct builder *b, size_t sweep, struct herr *err)
{
	struct report *r = b->r;
	const char *id = r->sweeps[sweep].id;
	struct store_metric_filter f = { key_metrics, 1, r->o.metrics };

	b->sweep = sweep;
	b->nruns = b->cursor = 0;
	if (store_report_runs(r->st, id, take_run, b, err) ||
	    store_report_metrics(r->st, id, &f, take_metric, b, err))
		return -1;
	if ((r->o.format == RF_HTML || r->o.format == RF_JSON) &&
	    store_report_context(r->st, id, take_context, b, err))
		return -1;
	return 0;
}

/* ---- labels of columns when sweeps are compared ---- */

static const char *col_key(const struct report *r, const struct rpt_col *c, int criterion)
{
	switch (criterion) {
	case 0: return c->release;
	case 1: return c->hostname;
	default: return r->sweeps[c->sweep].id;
	}
}

/* Columns of the same variant name from different sweeps must be told
 * apart: by kernel release when those differ, else by machine, else by
 * sweep id. */
static int separates(const struct report *r, int criterion)
{
	for (size_t i = 0; i < r->ncols; i++)
		for (size_t j = i + 1; j < r->ncols; j++)
			if (r->cols[i].sweep != r->cols[j].sweep &&
			    !strcmp(r->cols[i].name, r->cols[j].name) &&
			    (!*col_key(r, &r->cols[i], criterion) ||
			     !strcmp(col_key(r, &r->cols[i], criterion), col_key(r, &r->cols[j], criterion))))
				return 0;
	return 1;
}

static void label_cols(struct report *r)
{
	int criterion = 0;

	if (r->nsweeps < 2)
		return;
	while (criterion < 2 && !separates(r, criterion))
		criterion++;
	for (size_t c = 0; c < r->ncols; c++) {
		const char *k = col_key(r, &r->cols[c], criterion);

		snprintf(r->cols[c].label, sizeof(r->cols[c].label), "%s@%.*s", r->cols[c].name,
			 criterion == 2 ? 8 : 120, *k ? k : "?");
	}
}

static int pick_baseline(struct report *r, struct herr *err)
{
	const char *want = r->o.baseline;
	size_t first = (size_t)-1;

	for (size_t c = 0; c < r->ncols; c++) {
		if (r->cols[c].skipped)
			continue;
		if (first == (size_t)-1)
			first = c;
		if (want && (!strcmp(r->cols[c].label, want) || !strcmp(r->cols[c].name, want))) {
			r->base = c;
			return 0;
		}
	}
	if (want) {
		char names[512] = "";

		for (size_t c = 0; c < r->ncols; c++)
			if (!r->cols[c].skipped && strlen(names) + strlen(r->cols[c].label) + 3 < sizeof(names))
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 *names ? ", " : "", r->cols[c].label);
		return herr_set(err, EXIT_USAGE, "--baseline %s: not a variant of the report (%s)", want,
				names);
	}
	if (first == (size_t)-1)
		return herr_set(err, EXIT_USAGE, "sweep %s: no variant ran", r->sweeps[0].id);
	r->base = first;
	return 0;
}

/* ---- which rows are shown ---- */

static int row_measured(const struct report *r, const struct rpt_row *row)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (row->cells[c].n)
			return 1;
	return 0;
}

static int row_all_zero(const struct report *r, const struct rpt_row *row)
{
	for (size_t c = 0; c < r->ncols; c++)
		for (size_t i = 0; i < row->cells[c].n; i++)
			if (row->cells[c].v[i] != 0)
				return 0;
	return 1;
}

/* One value in every run: a parameter echoed back (updates, bytes
 * touched), not a result. */
static int row_constant(const struct report *r, const struct rpt_row *row)
{
	double first = NAN;

	for (size_t c = 0; c < r->ncols; c++)
		for (size_t i = 0; i < row->cells[c].n; i++) {
			if (isnan(first))
				first = row->cells[c].v[i];
			else if (row->cells[c].v[i] != first)
				return 0;
		}
	return 1;
}

static int has_region_twin(const struct report *r, const struct rpt_row *row)
{
	if (row->scope != SCOPE_PROCESS)
		return 0;
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].group == row->group && r->rows[i].scope == SCOPE_REGION &&
		    !strcmp(r->rows[i].name, row->name) && row_measured(r, &r->rows[i]))
			return 1;
	return 0;
}

/* Emulated: a time, a rate or a PMU count from an emulated column. */
static int row_emulated(const struct report *r, const struct rpt_row *row)
{
	int emu = 0;

	for (size_t c = 0; c < r->ncols; c++)
		emu |= r->cols[c].emulated && row->cells[c].n;
	return emu && (!strcmp(row->unit, "s") || !strcmp(row->unit, "ns") || strstr(row->unit, "/s") ||
		       !strncmp(row->name, "cpu.", 4) || !strncmp(row->name, "tlb.", 4));
}

static void judge_rows(struct report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct rpt_row *row = &r->rows[i];

		row->emulated = row_emulated(r, row);
		if (!row_measured(r, row))
			row->hidden = 1;	/* listed as not measured instead */
		else if (!r->o.metrics && has_region_twin(r, row))
			row->hidden = 1;
		else if (!r->o.metrics && row->scope != SCOPE_WORKLOAD && row_all_zero(r, row))
			row->hidden = 1;	/* an mTHP size nobody used */
		else if (!r->o.metrics && row->better == BETTER_NONE &&
			 (row->scope == SCOPE_WORKLOAD || row->order < 0) && row_constant(r, row))
			row->hidden = 1;	/* an echo: the same page size, the bytes asked for */
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct rpt_row *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (int)x->scope - (int)y->scope;
}

/* ---- statistics ---- */

/* Summaries and comparisons of one row. Rows are independent (each
 * bootstrap is seeded on its own), so they are spread over threads: at
 * 10,000 runs the bootstrap is most of a report's time. */
static int row_stats(struct report *r, struct rpt_row *row, struct herr *err)
{
	struct compare_opts o = r->cmp;
	struct rpt_cell *base = &row->cells[r->base];
	struct stats_boot boot;

	stats_boot_default(&boot);
	o.better = row->better;
	for (size_t c = 0; c < r->ncols; c++) {
		struct rpt_cell *cell = &row->cells[c];

		if (cell->n && stats_summarize(cell->v, cell->n, &boot, &cell->s, err))
			return -1;
		if (row->hidden || c == r->base || !cell->n || !base->n)
			continue;
		if (compare_samples(base->v, base->n, cell->v, cell->n, &o, &cell->c, err))
			return -1;
		cell->have_c = 1;
	}
	return 0;
}

struct stats_job {
	struct report *r;
	size_t next;		/* the next row to take (atomic) */
	size_t failed_row;	/* the first row that failed, or nrows */
	struct herr err;
	pthread_mutex_t lock;
};

static void *stats_worker(void *arg)
{
	struct stats_job *j = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->r->nrows) {
		struct herr e = { 0 };

		if (row_stats(j->r, &j->r->rows[i], &e)) {
			pthread_mutex_lock(&j->lock);
			if (i < j->failed_row) {
				j->failed_row = i;
				j->err = e;
			}
			pthread_mutex_unlock(&j->lock);
		}
	}
	return NULL;
}

static int summarize(struct report *r, struct herr *err)
{
	struct stats_job j = { .r = r, .failed_row = r->nrows };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[8];
	size_t n = cpus > 8 ? 8 : cpus > 1 ? (size_t)cpus : 1, started = 0;

	pthread_mutex_init(&j.lock, NULL);
	for (size_t t = 1; t < n; t++)
		if (pthread_create(&th[started], NULL, stats_worker, &j) == 0)
			started++;
	stats_worker(&j);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.lock);
	if (j.failed_row < r->nrows) {
		*err = j.err;
		return herr_wrap(err, "%s of %s", r->rows[j.failed_row].name,
				 r->groups[r->rows[j.failed_row].group].label);
	}
	return 0;
}

/* Benjamini-Hochberg over every comparison of the report, then each
 * verdict re-decided with its q. */
static int compare_all(struct report *r, struct herr *err)
{
	struct comparison *all;
	size_t m = 0, k = 0;

	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < r->ncols; c++)
			m += r->rows[i].cells[c].have_c;
	if (!m)
		return 0;
	if (!(all = malloc(m * sizeof(*all))))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < r->ncols; c++)
			if (r->rows[i].cells[c].have_c)
				all[k++] = r->rows[i].cells[c].c;
	if (compare_report(all, m, err)) {
		free(all);
		return -1;
	}
	k = 0;
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < r->ncols; c++)
			if (r->rows[i].cells[c].have_c) {
				r->ncompared += compare_testable(&all[k]);
				r->rows[i].cells[c].c = all[k++];
			}
	free(all);
	return 0;
}

int report_build(struct report *r, struct store *st, struct sweep_row *sweeps, size_t nsweeps,
		 const struct report_opts *o, struct herr *err)
{
	struct builder b = { .r = r, .last_row = (size_t)-1 };
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->o = *o;
	r->st = st;
	r->sweeps = sweeps;
	r->nsweeps = nsweeps;
	compare_opts_default(&r->cmp);
	b.maps = calloc(nsweeps, sizeof(*b.maps));
	r->context = calloc(nsweeps, sizeof(*r->context));
	r->ncontext = calloc(nsweeps, sizeof(*r->ncontext));
	if (!b.maps || !r->context || !r->ncontext) {
		herr_set(err, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < nsweeps; s++)
		if (load_plan(r, &b.maps[s], s, err))
			goto out;
	if (alloc_group_cols(r)) {
		herr_set(err, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < nsweeps; s++)
		if (load_sweep(&b, s, err))
			goto out;
	label_cols(r);
	if (pick_baseline(r, err))
		goto out;
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_rows);
	judge_rows(r);
	rc = summarize(r, err) || compare_all(r, err) ? -1 : 0;
out:
	/* The cells' groups stay for the raw formats; the columns do not. */
	r->cell_group = calloc(nsweeps, sizeof(*r->cell_group));
	r->ncells = calloc(nsweeps, sizeof(*r->ncells));
	for (size_t s = 0; b.maps && s < nsweeps; s++) {
		if (r->cell_group && r->ncells) {
			r->cell_group[s] = b.maps[s].group;
			r->ncells[s] = b.maps[s].ncells;
		} else {
			free(b.maps[s].group);
		}
		free(b.maps[s].col);
	}
	free(b.maps);
	if (!rc && (!r->cell_group || !r->ncells))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	free(b.runs);
	if (rc)
		report_free(r);
	return rc;
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t c = 0; c < r->ncols; c++) {
			free(r->rows[i].cells[c].v);
			free(r->rows[i].cells[c].reason);
		}
		free(r->rows[i].cells);
	}
	free(r->rows);
	for (size_t g = 0; g < r->ngroups; g++) {
		free(r->groups[g].label);
		free(r->groups[g].effective);
		free(r->groups[g].ok);
		free(r->groups[g].failed);
		free(r->groups[g].sample_run);
	}
	free(r->groups);
	for (size_t c = 0; c < r->ncols; c++)
		free(r->cols[c].skipped);
	free(r->cols);
	for (size_t f = 0; f < r->nfails; f++)
		free(r->fails[f].reason);
	free(r->fails);
	for (size_t s = 0; r->context && s < r->nsweeps; s++) {
		for (size_t i = 0; i < r->ncontext[s]; i++)
			free(r->context[s][i]);
		free(r->context[s]);
	}
	free(r->context);
	free(r->ncontext);
	for (size_t s = 0; r->cell_group && s < r->nsweeps; s++)
		free(r->cell_group[s]);
	free(r->cell_group);
	free(r->ncells);
	store_sweep_rows_free(r->sweeps, r->nsweeps);
	memset(r, 0, sizeof(*r));
}

size_t report_next_row(const struct report *r, size_t i)
{
	for (i++; i < r->nrows; i++)
		if (!r->rows[i].hidden)
			return i;
	return r->nrows;
}

int report_write(const struct report *r, FILE *out, struct herr *err)
{
	switch (r->o.format) {
	case RF_TEXT: return report_text(r, out, err);
	case RF_MD: return report_md(r, out, err);
	case RF_CSV: return report_csv(r, out, err);
	case RF_JSON: return report_json(r, out, err);
	case RF_HTML: return report_html(r, out, err);
	}
	return herr_set(err, EXIT_USAGE, "unknown format");
}

/* Build and format into memory, so a failure half way writes nothing. */
int report_render(struct store *st, struct sweep_row *rows, size_t n, const struct report_opts *ro,
		  char **buf, size_t *len, struct herr *err)
{
	struct report r;
	FILE *mem;
	int rc;

	if (report_build(&r, st, rows, n, ro, err))
		return -1;
	if (!(mem = open_memstream(buf, len))) {
		report_free(&r);
		return herr_errno(err, EXIT_RUNTIME, "open_memstream");
	}
	rc = report_write(&r, mem, err);
	fclose(mem);
	report_free(&r);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}
