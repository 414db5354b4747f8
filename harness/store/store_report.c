/* The reads `harness report` needs: a sweep's measured runs with where
 * they ran, their metrics (filtered in SQL, so a report over 10,000 runs
 * reads only the rows it shows), one run's samples, and the machines,
 * kernels, variants and noise settings behind them. Read-only: every
 * statement here is a SELECT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

static int read_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static const char *text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Step s to the end, handing each row to row(); finalizes s. A non-zero
 * row() stops the walk: out of memory in the caller. */
static int walk(struct store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *s, void *ctx),
		void *ctx, const char *what, struct herr *err)
{
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = row(s, ctx);
	sqlite3_finalize(s);
	if (stop)
		return herr_set(err, EXIT_RUNTIME, "%s: out of memory", what);
	return rc == SQLITE_DONE ? 0 : read_error(st, what, err);
}

struct run_ctx {
	int (*fn)(void *user, const struct store_report_run *r);
	void *user;
};

static int run_row(sqlite3_stmt *s, void *ctx)
{
	struct run_ctx *c = ctx;
	struct store_report_run r = {
		.id = text(s, 0), .sweep_id = text(s, 1), .cell = sqlite3_column_int64(s, 2),
		.rep = sqlite3_column_int(s, 3), .variant = text(s, 4), .workload = text(s, 5),
		.params_json = text(s, 6), .status = text(s, 7), .reason = text(s, 8),
		.target = text(s, 9), .kernel_id = text(s, 10), .kernel_release = text(s, 11),
		.machine_id = text(s, 12), .hostname = text(s, 13),
		.page_size = sqlite3_column_int64(s, 14), .started_ns = sqlite3_column_int64(s, 15),
		.ended_ns = sqlite3_column_int64(s, 16),
		.mem_total = sqlite3_column_int64(s, 17), .mem_reserved = sqlite3_column_int64(s, 18),
		.memmap = sqlite3_column_int64(s, 19),
	};

	return c->fn(c->user, &r);
}

int store_report_runs(struct store *st, const char *sweep_id,
		      int (*fn)(void *user, const struct store_report_run *r), void *user,
		      struct herr *err)
{
	struct run_ctx c = { fn, user };
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT r.id, r.sweep_id, r.cell, r.rep, r.variant, r.workload,"
			       " coalesce(r.params_json, '{}'), r.status, coalesce(r.reason, ''), r.target,"
			       " r.kernel_id, coalesce(k.release, ''), r.machine_id, coalesce(m.hostname, ''),"
			       " coalesce(k.page_size, 0), r.started_ns, coalesce(r.ended_ns, r.started_ns),"
			       " coalesce(b.mem_total_bytes, -1), coalesce(b.mem_reserved_bytes, -1),"
			       " coalesce(b.memmap_bytes, -1)"
			       " FROM runs r LEFT JOIN kernels k ON k.id = r.kernel_id"
			       " LEFT JOIN boots b ON b.id = r.boot_id"
			       " LEFT JOIN machines m ON m.id = r.machine_id"
			       " WHERE r.sweep_id = ?1 AND r.warmup = 0 ORDER BY r.seq, r.rowid",
			       -1, &s, NULL) != SQLITE_OK)
		return read_error(st, "reading the sweep's runs", err);
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	return walk(st, s, run_row, &c, "reading the sweep's runs", err);
}

struct metric_ctx {
	int (*fn)(void *user, const struct store_report_metric *m);
	void *user;
};

static int metric_row(sqlite3_stmt *s, void *ctx)
{
	struct metric_ctx *c = ctx;
	struct store_report_metric m = {
		.run_id = text(s, 0), .scope = text(s, 1), .name = text(s, 2),
		.has_value = sqlite3_column_type(s, 3) != SQLITE_NULL,
		.value = sqlite3_column_double(s, 3), .unit = text(s, 4), .kind = text(s, 5),
		.better = text(s, 6), .status = text(s, 7), .reason = text(s, 8),
	};

	return c->fn(c->user, &m);
}

/* The WHERE part for a filter. Exact names go through the (run_id,
 * scope, name) index: a run has hundreds of metrics and a report shows
 * a dozen. */
static char *filter_sql(const struct store_metric_filter *f, size_t *nnames)
{
	static const char head[] =
		"SELECT m.run_id, m.scope, m.name, m.value, m.unit, m.kind, m.better, m.status,"
		" coalesce(m.reason, '') FROM runs r JOIN metrics m ON m.run_id = r.id"
		" WHERE r.sweep_id = ?1 AND r.warmup = 0 AND ";
	static const char tail[] = " ORDER BY r.seq, r.rowid, m.rowid";
	size_t n = 0, len;
	char *sql;

	while (!f->glob && f->names && f->names[n])
		n++;
	*nnames = n;
	len = sizeof(head) + sizeof(tail) + 200 + 2 * n;
	if (!(sql = malloc(len)))
		return NULL;
	strcpy(sql, head);
	if (f->glob) {
		strcat(sql, "m.name GLOB ?2");
	} else {
		strcat(sql, "(m.scope IN ('process', 'region', 'workload') AND m.name IN (''");
		for (size_t i = 0; i < n; i++)
			strcat(sql, ",?");
		strcat(sql, f->workload ? ") OR m.scope = 'workload')" : "))");
	}
	strcat(sql, tail);
	return sql;
}

int store_report_metrics(struct store *st, const char *sweep_id,
			 const struct store_metric_filter *f,
			 int (*fn)(void *user, const struct store_report_metric *m), void *user,
			 struct herr *err)
{
	struct metric_ctx c = { fn, user };
	size_t n;
	char *sql = filter_sql(f, &n);
	sqlite3_stmt *s;
	int rc;

	if (!sql)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return read_error(st, "reading the sweep's metrics", err);
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	if (f->glob)
		sqlite3_bind_text(s, 2, f->glob, -1, SQLITE_STATIC);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(s, (int)i + 2, f->names[i], -1, SQLITE_STATIC);
	return walk(st, s, metric_row, &c, "reading the sweep's metrics", err);
}

struct sample_ctx {
	int (*fn)(void *user, int64_t t_ns, double v);
	void *user;
};

static int sample_row(sqlite3_stmt *s, void *ctx)
{
	struct sample_ctx *c = ctx;

	if (sqlite3_column_type(s, 1) == SQLITE_NULL)
		return 0;	/* a sample that could not be read */
	return c->fn(c->user, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1));
}

int store_report_series(struct store *st, const char *run_id, const char *name,
			int (*fn)(void *user, int64_t t_ns, double v), void *user,
			struct herr *err)
{
	struct sample_ctx c = { fn, user };
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT p.t_ns, p.value FROM series s JOIN samples p"
			       " ON p.series_id = s.id WHERE s.run_id = ?1 AND s.name = ?2 ORDER BY p.t_ns",
			       -1, &s, NULL) != SQLITE_OK)
		return read_error(st, "reading samples", err);
	sqlite3_bind_text(s, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	return walk(st, s, sample_row, &c, "reading samples", err);
}

struct context_ctx {
	int (*fn)(void *user, const char *what, const char *json);
	void *user;
};

static int context_row(sqlite3_stmt *s, void *ctx)
{
	struct context_ctx *c = ctx;

	return c->fn(c->user, text(s, 0), text(s, 1));
}

int store_report_context(struct store *st, const char *sweep_id,
			 int (*fn)(void *user, const char *what, const char *json), void *user,
			 struct herr *err)
{
	/* One statement, so the four lists come in one walk. */
	static const char sql[] =
		"WITH rs AS (SELECT * FROM runs WHERE sweep_id = ?1 AND warmup = 0)"
		" SELECT DISTINCT 'machine', json_object('id', m.id, 'hostname', m.hostname, 'arch', m.arch,"
		"  'cpu_model', m.cpu_model, 'cores', m.cores, 'pus', m.pus, 'numa_nodes', m.numa_nodes,"
		"  'mem_total_bytes', m.mem_total_bytes)"
		"  FROM rs JOIN machines m ON m.id = rs.machine_id"
		" UNION ALL SELECT DISTINCT 'kernel', json_object('id', k.id, 'variant', rs.variant,"
		"  'release', k.release, 'version', k.version, 'arch', k.arch, 'cmdline', k.cmdline,"
		"  'page_size', k.page_size, 'pmd_size', k.pmd_size, 'mthp_sizes', json(k.mthp_sizes))"
		"  FROM rs JOIN kernels k ON k.id = rs.kernel_id"
		" UNION ALL SELECT DISTINCT 'variant', json_object('id', v.id, 'name', v.name,"
		"  'definition', json(v.definition_json)) FROM rs JOIN variants v ON v.id = rs.variant_id"
		" UNION ALL SELECT DISTINCT 'noise', json_object('variant', rs.variant, 'target', rs.target,"
		"  'aslr', json_extract(rs.settings_json, '$.aslr'),"
		"  'drop_caches', json_extract(rs.settings_json, '$.drop_caches'),"
		"  'cpus', json_extract(rs.settings_json, '$.cpus'),"
		"  'governor', json_extract(rs.settings_json, '$.governor'),"
		"  'sample_interval_ms', json_extract(rs.settings_json, '$.sample_interval_ms'),"
		"  'cgroup', json_extract(rs.settings_json, '$.cgroup'),"
		"  'thp_enabled', json_extract(rs.settings_json, '$.thp.enabled'),"
		"  'order', json_extract(rs.settings_json, '$.sweep.order'),"
		"  'emulated', json_extract(rs.settings_json, '$.emulated')) FROM rs";
	struct context_ctx c = { fn, user };
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return read_error(st, "reading the sweep's machines and kernels", err);
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	return walk(st, s, context_row, &c, "reading the sweep's machines and kernels", err);
}
