#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/summary.h"

/* The workload's primary metric (its first result with a better
 * direction, in the order it reports them), then footprint and time.
 * Faults and time from the measured region when the workload marks one:
 * that is the part the variants are meant to change. */
enum { K_PRIMARY, K_FAULTS, K_RSS, K_TIME, NKEYS };
static const char *const key_names[NKEYS] = { NULL, "fault.minor", "mem.rss_peak", "time.wall_s" };

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

static const char metrics_sql[] =
	"SELECT r.id, r.cell, m.scope, m.name, m.value, m.unit, m.better"
	" FROM runs r JOIN metrics m ON m.run_id = r.id"
	" WHERE r.sweep_id = ?1 AND r.warmup = 0 AND r.status = 'ok' AND m.value IS NOT NULL"
	"   AND (m.scope = 'workload' OR (m.scope IN ('process', 'region')"
	"        AND m.name IN ('fault.minor', 'mem.rss_peak', 'time.wall_s')))"
	" ORDER BY r.cell, r.id, m.rowid";

static int load_metrics(struct summary *sm, sqlite3 *db, const char *sweep_id)
{
	struct run_vals rv;
	sqlite3_stmt *s;
	int rc = 0;

	memset(&rv, 0, sizeof(rv));
	if (sqlite3_prepare_v2(db, metrics_sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		long long cell = sqlite3_column_int64(s, 1);

		if (cell < 0 || (size_t)cell >= sm->p->ncells)
			continue;	/* not a cell of this plan */
		if (strcmp(id, rv.id)) {
			rc = flush_run(sm, &rv);
			memset(&rv, 0, sizeof(rv));
			snprintf(rv.id, sizeof(rv.id), "%s", id);
			rv.cell = cell;
		}
		take_metric(sm, &rv, (const char *)sqlite3_column_text(s, 2),
			    (const char *)sqlite3_column_text(s, 3), sqlite3_column_double(s, 4),
			    (const char *)sqlite3_column_text(s, 5), (const char *)sqlite3_column_text(s, 6));
	}
	if (rc == 0)
		rc = flush_run(sm, &rv);
	sqlite3_finalize(s);
	return rc;
}

static int load_counts(struct summary *sm, sqlite3 *db, const char *sweep_id)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, "SELECT cell, status, count(*) FROM runs WHERE sweep_id = ?1"
			       " AND warmup = 0 GROUP BY cell, status", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long cell = sqlite3_column_int64(s, 0);
		const char *st = (const char *)sqlite3_column_text(s, 1);

		if (cell < 0 || (size_t)cell >= sm->p->ncells)
			continue;
		if (!strcmp(st, "ok"))
			sm->cells[cell].ok += sqlite3_column_int64(s, 2);
		else
			sm->cells[cell].failed += sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
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

/* Times and rates measured in an emulator say nothing about hardware:
 * on target qemu their rows say so. */
static int emulated_time(const struct sweep_plan *p, int k, const char *unit)
{
	if (strcmp(p->spec.target, "qemu"))
		return 0;
	return k == K_TIME || (k == K_PRIMARY && (!strcmp(unit, "s") || !strcmp(unit, "ns") ||
						  strstr(unit, "/s")));
}

static void row_label(const struct summary *sm, size_t g, int k, char *label, size_t n)
{
	int region = 0;

	for (size_t v = 0; v < sm->p->spec.nvariants; v++)
		region |= sm->cells[v * sm->p->ngroups + g].region[k];
	if (k == K_PRIMARY)
		snprintf(label, n, "%s%s%s%s%s", sm->groups[g].primary,
			 *sm->groups[g].unit ? " [" : "", sm->groups[g].unit, *sm->groups[g].unit ? "]" : "",
			 emulated_time(sm->p, k, sm->groups[g].unit) ? " (emulated)" : "");
	else
		snprintf(label, n, "%s%s%s", key_names[k], region ? " (region)" : "",
			 emulated_time(sm->p, k, "") ? " (emulated)" : "");
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

static void print_failures(const struct sweep_plan *p, sqlite3 *db, const char *sweep_id, FILE *out)
{
	sqlite3_stmt *s;
	size_t n = 0;

	if (sqlite3_prepare_v2(db, "SELECT cell, rep, warmup, coalesce(reason, ''), id FROM runs"
			       " WHERE sweep_id = ?1 AND status = 'failed' ORDER BY seq", -1, &s,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long cell = sqlite3_column_int64(s, 0);
		char name[600] = "?";

		if (n++ == 0)
			fprintf(out, "\nfailed runs (harness show RUN for the stderr tail):\n");
		if (n > 20)
			continue;
		if (cell >= 0 && (size_t)cell < p->ncells)
			plan_cell_name(p, (size_t)cell, name, sizeof(name));
		fprintf(out, "  %.8s  %s %s %d: %s\n", (const char *)sqlite3_column_text(s, 4), name,
			sqlite3_column_int(s, 2) ? "warm-up" : "rep", sqlite3_column_int(s, 1) + 1,
			(const char *)sqlite3_column_text(s, 3));
	}
	if (n > 20)
		fprintf(out, "  ... %zu more\n", n - 20);
	sqlite3_finalize(s);
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
	sqlite3 *db = store_db(st);
	int width = column_width(p);

	sm.cells = calloc(p->ncells ? p->ncells : 1, sizeof(*sm.cells));
	sm.groups = calloc(p->ngroups ? p->ngroups : 1, sizeof(*sm.groups));
	if (!sm.cells || !sm.groups || load_metrics(&sm, db, sweep_id) ||
	    load_counts(&sm, db, sweep_id)) {
		summary_free(&sm);
		return herr_set(err, EXIT_RUNTIME, "%s: summarising sweep %s: %s", store_path(st),
				sweep_id, sqlite3_errmsg(db));
	}
	fprintf(out, "sweep %s (%.8s): median per variant, ratio to %s in parentheses\n", p->spec.name,
		sweep_id, p->spec.variants[plan_first_live(p)].name);
	for (size_t v = 0; v < p->spec.nvariants; v++)
		if (p->skip[v])
			fprintf(out, "variant %s: %s\n", p->spec.variants[v].name, p->skip[v]);
	for (size_t g = 0; g < p->ngroups; g++)
		print_group(&sm, g, width, out);
	print_failures(p, db, sweep_id, out);
	summary_free(&sm);
	return 0;
}
