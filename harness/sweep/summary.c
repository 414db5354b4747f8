#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/metric_table.h"
#include "sweep/summary.h"
#include "targets/target.h"

/* The workload's primary metric (its first result with a better
 * direction, in the order it reports them), then footprint and time.
 * Faults and time from the measured region when the workload marks one:
 * that is the part the variants are meant to change. */
enum { K_PRIMARY, K_FAULTS, K_RSS, K_TIME, NKEYS };
static const char *const key_names[NKEYS + 1] = { NULL, "fault.minor", "mem.rss_peak", "time.wall_s", NULL };

struct series {
	double *v;
	size_t n;
};

struct cell_stats {
	struct series s[NKEYS];
	int region[NKEYS];
	long ok, failed;
};

struct group_info {
	char primary[64];
	char unit[32];
};

struct run_vals {
	char id[37];
	long long cell;
	double v[NKEYS];
	int have[NKEYS], from_region[NKEYS];
};

struct summary {
	const struct sweep_plan *p;
	struct cell_stats *cells;
	struct group_info *groups;
};

static int push(struct series *s, double v)
{
	double *grown = realloc(s->v, (s->n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	s->v = grown;
	s->v[s->n++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(struct series *s)
{
	qsort(s->v, s->n, sizeof(double), cmp_double);
	return s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

static int flush_run(struct summary *sm, struct run_vals *rv)
{
	struct cell_stats *cs;

	if (!*rv->id || rv->cell < 0 || (size_t)rv->cell >= sm->p->ncells)
		return 0;
	cs = &sm->cells[rv->cell];
	for (int k = 0; k < NKEYS; k++) {
		if (!rv->have[k])
			continue;
		if (push(&cs->s[k], rv->v[k]))
			return -1;
		cs->region[k] |= rv->from_region[k];
	}
	return 0;
}

static void take_metric(struct summary *sm, struct run_vals *rv, const char *scope,
			const char *name, double value, const char *unit, const char *better)
{
	struct group_info *g = &sm->groups[sm->p->cells[rv->cell].group];

	if (!strcmp(scope, "workload")) {
		if (!*g->primary && strcmp(better, "none")) {
			snprintf(g->primary, sizeof(g->primary), "%s", name);
			snprintf(g->unit, sizeof(g->unit), "%s", unit);
		}
		if (!strcmp(name, g->primary) && !rv->have[K_PRIMARY]) {
			rv->v[K_PRIMARY] = value;
			rv->have[K_PRIMARY] = 1;
		}
		return;
	}
	for (int k = 1; k < NKEYS; k++) {
		int region = !strcmp(scope, "region");

		if (strcmp(name, key_names[k]) || (rv->from_region[k] && !region))
			continue;
		rv->v[k] = value;
		rv->have[k] = 1;
		rv->from_region[k] = region;
	}
}

struct loader {
	struct summary *sm;
	struct run_vals rv;
};

static int take_row(void *user, const struct store_metric_row *m)
{
	struct loader *l = user;

	if (m->cell < 0 || (size_t)m->cell >= l->sm->p->ncells)
		return 0;	/* not a cell of this plan */
	if (strcmp(m->run_id, l->rv.id)) {
		if (flush_run(l->sm, &l->rv))
			return -1;
		memset(&l->rv, 0, sizeof(l->rv));
		snprintf(l->rv.id, sizeof(l->rv.id), "%s", m->run_id);
		l->rv.cell = m->cell;
	}
	take_metric(l->sm, &l->rv, m->scope, m->name, m->value, m->unit, m->better);
	return 0;
}

static int load_metrics(struct summary *sm, struct store *st, const char *sweep_id, struct herr *err)
{
	struct loader l = { .sm = sm };

	if (store_sweep_metrics(st, sweep_id, -1, key_names + 1, take_row, &l, err))
		return -1;
	return flush_run(sm, &l.rv) ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
}

static int take_count(void *user, long long cell, int ok, long long n)
{
	struct summary *sm = user;

	if (cell < 0 || (size_t)cell >= sm->p->ncells)
		return 0;
	if (ok)
		sm->cells[cell].ok += n;
	else
		sm->cells[cell].failed += n;
	return 0;
}

static void fmt_num(double v, char *out, size_t n)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, n, "%lld", (long long)v);
	else
		snprintf(out, n, "%.4g", v);
}

/* "16386" or "32 (0.00195x)" against the first variant's median. */
static void fmt_cell(struct series *s, double base, int have_base, int first, char *out, size_t n)
{
	char num[48];
	double m;

	if (!s->n) {
		snprintf(out, n, "-");
		return;
	}
	m = median(s);
	fmt_num(m, num, sizeof(num));
	if (first || !have_base || base == 0)
		snprintf(out, n, "%s", num);
	else
		snprintf(out, n, "%s (%.3gx)", num, m / base);
}

/* Columns padded to width except the last: no trailing blanks in mail. */
static void column(FILE *out, int width, int last, const char *text)
{
	if (last)
		fprintf(out, " %s", text);
	else
		fprintf(out, " %-*s", width, text);
}

/* Whether a row's metric measures time or work per time: the metric
 * table's timing flag for the harness's metrics (workload NULL) and the
 * workload's documented results; the unit for a result the table does not
 * know. */
static int is_timing(const char *workload, const char *name, const char *unit)
{
	const struct metric_def *d = workload ? metric_def_find_workload(workload, name)
					      : metric_def_find(name);

	if (d)
		return (d->flags & METRIC_TIMING) != 0;
	return !strcmp(unit, "s") || !strcmp(unit, "ns") || strstr(unit, "/s");
}

/* Times and rates measured in an emulator say nothing about hardware:
 * on target qemu their rows say so. */
static int emulated_time(const struct summary *sm, size_t g, int k)
{
	const struct sweep_plan *p = sm->p;
	const struct sweep_workload *w = &p->spec.workloads[p->cells[g].workload];
	const char *prog = w->program ? w->program : w->label;
	const char *slash = strrchr(prog, '/');

	if (!target_emulated(p->target))
		return 0;
	if (k == K_PRIMARY)
		return is_timing(slash ? slash + 1 : prog, sm->groups[g].primary, sm->groups[g].unit);
	return is_timing(NULL, key_names[k], "");
}

static void row_label(const struct summary *sm, size_t g, int k, char *label, size_t n)
{
	int region = 0;

	for (size_t v = 0; v < sm->p->spec.nvariants; v++)
		region |= sm->cells[v * sm->p->ngroups + g].region[k];
	if (k == K_PRIMARY)
		snprintf(label, n, "%s%s%s%s%s", sm->groups[g].primary,
			 *sm->groups[g].unit ? " [" : "", sm->groups[g].unit, *sm->groups[g].unit ? "]" : "",
			 emulated_time(sm, g, k) ? " (emulated)" : "");
	else
		snprintf(label, n, "%s%s%s", key_names[k], region ? " (region)" : "",
			 emulated_time(sm, g, k) ? " (emulated)" : "");
}

static void print_row(struct summary *sm, size_t g, int k, int lw, int width, FILE *out)
{
	const struct sweep_plan *p = sm->p;
	size_t v0 = plan_first_live(p);
	struct cell_stats *base = &sm->cells[v0 * p->ngroups + g];
	double b = base->s[k].n ? median(&base->s[k]) : 0;
	char label[128];

	row_label(sm, g, k, label, sizeof(label));
	fprintf(out, "  %-*s", lw, label);
	for (size_t v = 0; v < p->spec.nvariants; v++) {
		char cell[96];

		if (p->skip[v])
			continue;
		fmt_cell(&sm->cells[v * p->ngroups + g].s[k], b, base->s[k].n > 0, v == v0, cell,
			 sizeof(cell));
		column(out, width, v == plan_last_live(p), cell);
	}
	fputc('\n', out);
}

static void print_group(struct summary *sm, size_t g, int width, FILE *out)
{
	const struct sweep_plan *p = sm->p;
	const struct sweep_cell *c = &p->cells[g];
	int lw = 20;

	for (int k = 0; k < NKEYS; k++) {
		char label[128];

		row_label(sm, g, k, label, sizeof(label));
		if ((int)strlen(label) > lw)
			lw = (int)strlen(label);
	}
	fprintf(out, "\n%s%s%s\n", p->spec.workloads[c->workload].label, *c->desc ? " " : "", c->desc);
	fprintf(out, "  %-*s", lw, "median of");
	for (size_t v = 0; v < p->spec.nvariants; v++)
		if (!p->skip[v])
			column(out, width, v == plan_last_live(p), p->spec.variants[v].name);
	fputc('\n', out);
	for (int k = 0; k < NKEYS; k++)
		if (k != K_PRIMARY || *sm->groups[g].primary)
			print_row(sm, g, k, lw, width, out);
	fprintf(out, "  %-*s", lw, "runs");
	for (size_t v = 0; v < p->spec.nvariants; v++) {
		const struct cell_stats *cs = &sm->cells[v * p->ngroups + g];
		char n[64];

		if (p->skip[v])
			continue;
		if (cs->failed)
			snprintf(n, sizeof(n), "%ld ok, %ld failed", cs->ok, cs->failed);
		else
			snprintf(n, sizeof(n), "%ld ok", cs->ok);
		column(out, width, v == plan_last_live(p), n);
	}
	fputc('\n', out);
}

struct failures {
	const struct sweep_plan *p;
	FILE *out;
	size_t n;
};

static int print_failure(void *user, const struct store_failed_run *f)
{
	struct failures *fl = user;
	char name[600] = "?";

	if (fl->n++ == 0)
		fprintf(fl->out, "\nfailed runs (harness show RUN for the stderr tail):\n");
	if (fl->n > 20)
		return 0;
	if (f->cell >= 0 && (size_t)f->cell < fl->p->ncells)
		plan_cell_name(fl->p, (size_t)f->cell, name, sizeof(name));
	fprintf(fl->out, "  %.8s  %s %s %d: %s\n", f->run_id, name, f->warmup ? "warm-up" : "rep",
		f->rep + 1, f->reason);
	return 0;
}

static int print_failures(const struct sweep_plan *p, struct store *st, const char *sweep_id,
			  FILE *out, struct herr *err)
{
	struct failures fl = { p, out, 0 };

	if (store_sweep_failures(st, sweep_id, print_failure, &fl, err))
		return -1;
	if (fl.n > 20)
		fprintf(out, "  ... %zu more\n", fl.n - 20);
	return 0;
}

static int column_width(const struct sweep_plan *p)
{
	int w = 20;

	for (size_t v = 0; v < p->spec.nvariants; v++)
		if ((int)strlen(p->spec.variants[v].name) + 1 > w)
			w = (int)strlen(p->spec.variants[v].name) + 1;
	return w;
}

static void summary_free(struct summary *sm)
{
	for (size_t c = 0; sm->cells && c < sm->p->ncells; c++)
		for (int k = 0; k < NKEYS; k++)
			free(sm->cells[c].s[k].v);
	free(sm->cells);
	free(sm->groups);
}

int sweep_summary(struct store *st, const struct sweep_plan *p, const char *sweep_id, FILE *out,
		  struct herr *err)
{
	struct summary sm = { .p = p };
	int width = column_width(p), rc;

	sm.cells = calloc(p->ncells ? p->ncells : 1, sizeof(*sm.cells));
	sm.groups = calloc(p->ngroups ? p->ngroups : 1, sizeof(*sm.groups));
	if (!sm.cells || !sm.groups) {
		summary_free(&sm);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	if (load_metrics(&sm, st, sweep_id, err) ||
	    store_sweep_cell_counts(st, sweep_id, take_count, &sm, err)) {
		summary_free(&sm);
		return herr_wrap(err, "summarising sweep %s", sweep_id);
	}
	fprintf(out, "sweep %s (%.8s): median per variant, ratio to %s in parentheses\n", p->spec.name,
		sweep_id, p->spec.variants[plan_first_live(p)].name);
	for (size_t v = 0; v < p->spec.nvariants; v++)
		if (p->skip[v])
			fprintf(out, "variant %s: %s\n", p->spec.variants[v].name, p->skip[v]);
	for (size_t g = 0; g < p->ngroups; g++)
		print_group(&sm, g, width, out);
	rc = print_failures(p, st, sweep_id, out, err);
	summary_free(&sm);
	return rc;
}
