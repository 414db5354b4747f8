/* What a qemu sweep adds under the comparison table: the page size each
 * variant's kernel booted with, mTHP allocations per size (the per-size
 * stats are the only place 64 KiB folios show: AnonHugePages and memcg
 * count PMD-size folios alone), and the reminder that times are
 * emulated. Medians of measured runs, per workload and parameter set. */
#include <stdlib.h>
#include <string.h>

#include "targets/qemu/qemu_target.h"

struct vals {
	char name[96];
	double **lists;		/* per cell: the values of its runs */
	size_t *n, *cap;
};

struct qsum {
	const struct sweep_plan *p;
	struct vals *rows;	/* row 0: page size; then one per mTHP size */
	size_t nrows;
};

static struct vals *row_of(struct qsum *q, const char *name)
{
	struct vals *g;

	for (size_t i = 0; i < q->nrows; i++)
		if (!strcmp(q->rows[i].name, name))
			return &q->rows[i];
	g = realloc(q->rows, (q->nrows + 1) * sizeof(*g));
	if (!g)
		return NULL;
	q->rows = g;
	g = &q->rows[q->nrows];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->lists = calloc(q->p->ncells + 1, sizeof(*g->lists));
	g->n = calloc(q->p->ncells + 1, sizeof(*g->n));
	g->cap = calloc(q->p->ncells + 1, sizeof(*g->cap));
	if (!g->lists || !g->n || !g->cap) {
		free(g->lists);
		free(g->n);
		free(g->cap);
		return NULL;
	}
	q->nrows++;
	return g;
}

static int push(struct vals *r, size_t c, double v)
{
	double **lists = r->lists;

	if (r->n[c] == r->cap[c]) {
		size_t cap = r->cap[c] ? r->cap[c] * 2 : 8;
		double *g = realloc(lists[c], cap * sizeof(*g));

		if (!g)
			return -1;
		lists[c] = g;
		r->cap[c] = cap;
	}
	lists[c][r->n[c]++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of row r for cell c; 0 with *have = 0 when no run measured it. */
static double median_of(const struct vals *r, size_t c, int *have)
{
	double **lists = r->lists;
	size_t n = r->n[c];

	*have = n > 0;
	if (!*have)
		return 0;
	qsort(lists[c], n, sizeof(double), cmp_double);
	return n % 2 ? lists[c][n / 2] : (lists[c][n / 2 - 1] + lists[c][n / 2]) / 2;
}

#define PAGE_SIZE_ROW "page size [bytes]"

static int take(void *user, long long cell, const char *name, double v)
{
	struct qsum *q = user;
	struct vals *r;

	if (cell < 0 || (size_t)cell >= q->p->ncells)
		return 0;
	r = row_of(q, name ? name : PAGE_SIZE_ROW);
	return r ? push(r, (size_t)cell, v) : -1;
}

static int load(struct qsum *q, struct store *st, const char *sweep_id, struct herr *err)
{
	/* The page size first, so it is the first row. */
	if (!row_of(q, PAGE_SIZE_ROW))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (store_sweep_page_sizes(st, sweep_id, take, q, err) ||
	    store_sweep_cell_values(st, sweep_id, "thp.hugepages-%.anon_fault_alloc", take, q, err))
		return herr_wrap(err, "summarising sweep %s", sweep_id);
	return 0;
}

/* An mTHP row earns its place when some variant allocated that size. */
static int row_shown(const struct qsum *q, size_t r, size_t g)
{
	const struct sweep_plan *p = q->p;

	if (r == 0)
		return 1;
	for (size_t v = 0; v < p->spec.nvariants; v++) {
		int have;

		if (!p->skip[v] && median_of(&q->rows[r], v * p->ngroups + g, &have) > 0)
			return 1;
	}
	return 0;
}

/* Padded columns but no trailing blanks: the table goes into mail. */
static void column(const struct sweep_plan *p, size_t v, const char *text, FILE *out)
{
	if (v == plan_last_live(p))
		fprintf(out, " %s", text);
	else
		fprintf(out, " %-20s", text);
}

static void print_row(const struct qsum *q, size_t r, size_t g, FILE *out)
{
	const struct sweep_plan *p = q->p;

	fprintf(out, "  %-44s", q->rows[r].name);
	for (size_t v = 0; v < p->spec.nvariants; v++) {
		char num[40] = "-";
		int have;
		double m;

		if (p->skip[v])
			continue;
		m = median_of(&q->rows[r], v * p->ngroups + g, &have);
		if (have)
			snprintf(num, sizeof(num), "%.0f", m);
		column(p, v, num, out);
	}
	fputc('\n', out);
}

static void print(const struct qsum *q, FILE *out)
{
	const struct sweep_plan *p = q->p;

	fprintf(out, "\nkernels and mTHP (median per variant; hugepages-<size>/stats/anon_fault_alloc "
		"counts mTHP folios that AnonHugePages does not show)\n");
	for (size_t g = 0; g < p->ngroups; g++) {
		const struct sweep_cell *c = &p->cells[g];

		fprintf(out, "%s%s%s\n", p->spec.workloads[c->workload].label, *c->desc ? " " : "", c->desc);
		fprintf(out, "  %-44s", "median of");
		for (size_t v = 0; v < p->spec.nvariants; v++)
			if (!p->skip[v])
				column(p, v, p->spec.variants[v].name, out);
		fputc('\n', out);
		for (size_t r = 0; r < q->nrows; r++)
			if (row_shown(q, r, g))
				print_row(q, r, g, out);
	}
	fprintf(out, "\ntarget qemu (TCG): times, rates and PMU counts are the emulator's, marked "
		"(emulated); footprints, faults and THP/mTHP statistics are the guest kernel's own.\n");
}

static void qsum_free(struct qsum *q)
{
	for (size_t r = 0; r < q->nrows; r++) {
		for (size_t c = 0; c < q->p->ncells; c++)
			free(q->rows[r].lists[c]);
		free(q->rows[r].lists);
		free(q->rows[r].n);
		free(q->rows[r].cap);
	}
	free(q->rows);
}

int qemu_sweep_summary(struct store *st, const struct sweep_plan *p, const char *sweep_id,
		       FILE *out, struct herr *err)
{
	struct qsum q = { .p = p };
	int rc = load(&q, st, sweep_id, err);

	if (rc == 0)
		print(&q, out);
	qsum_free(&q);
	return rc;
}
