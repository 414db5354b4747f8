/* The queries plans need: past durations for estimates, a sweep's metrics
 * per cell (repetitions = auto). Rows go to a callback, so no SQL and no
 * SQLite type leaves the store; the report's queries are store_report.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

static int query_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

size_t store_run_durations(struct store *st, const char *workload, const char *params_json,
			   double *v, size_t max)
{
	sqlite3_stmt *s;
	size_t n = 0;

	if (!st || sqlite3_prepare_v2(st->db, "SELECT (ended_ns - started_ns) / 1e9 FROM runs"
				      " WHERE workload = ?1 AND params_json = ?2 AND status = 'ok'"
				      " ORDER BY started_ns DESC LIMIT ?3", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, workload, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, params_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		v[n++] = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Workload metrics, and the process/region metrics named, of the sweep's
 * measured ok runs. */
static char *metrics_sql(const char *const *names)
{
	size_t n = 0, len;
	char *sql;

	while (names && names[n])
		n++;
	len = 600 + 3 * n;
	if (!(sql = malloc(len)))
		return NULL;
	snprintf(sql, len, "SELECT r.id, r.cell, m.scope, m.name, m.value, m.unit, m.better"
		 " FROM runs r JOIN metrics m ON m.run_id = r.id"
		 " WHERE r.sweep_id = ?1 AND r.warmup = 0 AND r.status = 'ok' AND m.value IS NOT NULL"
		 "   AND (?2 < 0 OR r.cell = ?2)"
		 "   AND (m.scope = 'workload' OR (m.scope IN ('process', 'region') AND m.name IN (''");
	for (size_t i = 0; i < n; i++)
		strcat(sql, ",?");
	strcat(sql, "))) ORDER BY r.cell, r.id, m.rowid");
	return sql;
}

int store_sweep_metrics(struct store *st, const char *sweep_id, long long cell,
			const char *const *names, store_metric_fn fn, void *user, struct herr *err)
{
	char *sql = metrics_sql(names);
	sqlite3_stmt *s;
	int rc = 0;

	if (!sql)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(sql);
		return query_error(st, "reading the sweep's metrics", err);
	}
	free(sql);
	sqlite3_bind_text(s, 1, sweep_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, cell);
	for (int i = 0; names && names[i]; i++)
		sqlite3_bind_text(s, i + 3, names[i], -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		struct store_metric_row r = {
			.run_id = col_text(s, 0), .cell = sqlite3_column_int64(s, 1),
			.scope = col_text(s, 2), .name = col_text(s, 3),
			.value = sqlite3_column_double(s, 4), .unit = col_text(s, 5),
			.better = col_text(s, 6),
		};

		rc = fn(user, &r);
	}
	sqlite3_finalize(s);
	return rc ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
}

int store_has(struct store *st, enum store_table t, const char *id, struct herr *err)
{
	static const char *const sql[] = {
		[STORE_RUNS] = "SELECT 1 FROM runs WHERE id = ?",
		[STORE_BOOTS] = "SELECT 1 FROM boots WHERE id = ?",
		[STORE_SWEEPS] = "SELECT 1 FROM sweeps WHERE id = ?",
	};
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql[t], -1, &s, NULL) != SQLITE_OK)
		return query_error(st, "looking up an id", err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : query_error(st, "looking up an id", err);
}
