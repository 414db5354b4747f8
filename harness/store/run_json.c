/* store_run_json: a run read back from the database as one JSON document.
 * Rows are mapped generically (column name -> value by SQLite type), so a
 * column added by a later schema appears without code changes here. */
#include <stdio.h>
#include <string.h>

#include "store/run_json.h"
#include "store/store_int.h"

struct reader {
	sqlite3 *db;
	const char *path;
	const char *id;
	struct herr *err;
};

/* A column as JSON; SQLite's dynamic types map one to one. */
static json_t *column_json(sqlite3_stmt *s, int i)
{
	json_t *v;

	switch (sqlite3_column_type(s, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, i));
	case SQLITE_FLOAT:
		v = json_real(sqlite3_column_double(s, i));	/* NULL for inf */
		return v ? v : json_null();
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		return json_string((const char *)sqlite3_column_text(s, i));
	default:
		return json_null();
	}
}

/* Columns holding JSON text are embedded as JSON under the name without
 * "_json" (params_json -> params); text that does not parse stays text. */
static void set_column(json_t *row, const char *name, json_t *v)
{
	size_t n = strlen(name);
	const char *text = json_string_value(v);
	int suffix = n > 5 && !strcmp(name + n - 5, "_json");
	int is_json = suffix || !strcmp(name, "mthp_sizes");
	json_t *parsed = is_json && text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	char key[64];

	snprintf(key, sizeof(key), "%.*s", (int)(suffix ? n - 5 : n), name);
	if (parsed) {
		json_decref(v);
		v = parsed;
	}
	json_object_set_new(row, key, v);
}

static json_t *row_json(sqlite3_stmt *s)
{
	json_t *row = json_object();

	for (int i = 0; i < sqlite3_column_count(s); i++)
		set_column(row, sqlite3_column_name(s, i), column_json(s, i));
	return row;
}

/* All rows of sql (with ?1 bound to key) as an array of objects. */
static json_t *query(struct reader *sh, const char *sql, sqlite3_int64 key, const char *skey)
{
	json_t *rows = json_array();
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(sh->db, sql, -1, &s, NULL) != SQLITE_OK) {
		herr_set(sh->err, EXIT_RUNTIME, "%s: %s", sh->path, sqlite3_errmsg(sh->db));
		json_decref(rows);
		return NULL;
	}
	if (skey)
		sqlite3_bind_text(s, 1, skey, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, key);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(rows, row_json(s));
	if (rc != SQLITE_DONE) {
		herr_set(sh->err, EXIT_RUNTIME, "%s: reading run %s: %s", sh->path, sh->id,
			 sqlite3_errmsg(sh->db));
		json_decref(rows);
		rows = NULL;
	}
	sqlite3_finalize(s);
	return rows;
}

static json_t *query_run(struct reader *sh, const char *sql)
{
	return query(sh, sql, 0, sh->id);
}

/* The single row of a query, or JSON null when there is none. */
static json_t *query_one(struct reader *sh, const char *sql)
{
	json_t *rows = query_run(sh, sql), *row;

	if (!rows)
		return NULL;
	row = json_array_get(rows, 0);
	row = row ? json_incref(row) : json_null();
	json_decref(rows);
	return row;
}

static int add_samples(struct reader *sh, json_t *series)
{
	size_t i;
	json_t *ser;

	json_array_foreach(series, i, ser) {
		json_t *rows = query(sh, "SELECT t_ns, value FROM samples WHERE series_id = ?1"
				     " ORDER BY t_ns, rowid", json_integer_value(json_object_get(ser, "id")), NULL);
		json_t *data = json_array(), *row;
		size_t j;

		if (!rows) {
			json_decref(data);
			return -1;
		}
		json_array_foreach(rows, j, row)
			json_array_append_new(data, json_pack("[OO]", json_object_get(row, "t_ns"),
							      json_object_get(row, "value")));
		json_decref(rows);
		json_object_set_new(ser, "data", data);
	}
	return 0;
}

static json_t *load_series(struct reader *sh, int with_samples)
{
	json_t *series = query_run(sh,
		"SELECT s.id, s.name, s.unit, count(p.t_ns) AS samples, min(p.value) AS min,"
		" max(p.value) AS max, min(p.t_ns) AS first_t_ns, max(p.t_ns) AS last_t_ns"
		" FROM series s LEFT JOIN samples p ON p.series_id = s.id"
		" WHERE s.run_id = ?1 GROUP BY s.id ORDER BY s.id");
	size_t i;
	json_t *ser;

	if (series && with_samples && add_samples(sh, series)) {
		json_decref(series);
		return NULL;
	}
	json_array_foreach(series, i, ser)
		json_object_del(ser, "id");	/* internal to this database */
	return series;
}

static const char *const section_sql[][2] = {
	{ "run", "SELECT id, workload, params_json, variant, target, sweep_id, rep, warmup,"
		 " status, reason, started_ns, ended_ns, exit_code, term_signal, stderr_tail,"
		 " settings_json, machine_id, kernel_id, harness_version FROM runs WHERE id = ?1" },
	{ "machine", "SELECT * FROM machines WHERE id = (SELECT machine_id FROM runs WHERE id = ?1)" },
	{ "kernel", "SELECT * FROM kernels WHERE id = (SELECT kernel_id FROM runs WHERE id = ?1)" },
	{ "knobs", "SELECT path, value, previous FROM knobs WHERE run_id = ?1 ORDER BY rowid" },
	{ "metrics", "SELECT scope, name, value, unit, kind, better, source, status, reason"
		     " FROM metrics WHERE run_id = ?1 ORDER BY CASE scope WHEN 'process' THEN 0"
		     " WHEN 'region' THEN 1 ELSE 2 END, rowid" },
	{ "pmu_events", "SELECT metric, event, type, config, config1, config2, grp, scope, raw,"
			" time_enabled, time_running, status, reason FROM pmu_events"
			" WHERE run_id = ?1 ORDER BY rowid" },
};

/* Everything about the run; one read transaction so a concurrent writer
 * cannot show us half of something. */
json_t *store_run_json(struct store *st, const char *id, int with_samples,
		       struct herr *err)
{
	struct reader rd = { st->db, store_path(st), id, err }, *sh = &rd;
	json_t *doc = json_object(), *part;

	sqlite3_exec(sh->db, "BEGIN", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof(section_sql) / sizeof(section_sql[0]); i++) {
		int single = i < 3;

		part = single ? query_one(sh, section_sql[i][1]) : query_run(sh, section_sql[i][1]);
		if (!part)
			goto fail;
		json_object_set_new(doc, section_sql[i][0], part);
		if (i == 0 && json_is_null(part)) {
			herr_set(err, EXIT_USAGE, "run '%s': no such run in %s", id, sh->path);
			goto fail;
		}
	}
	if (!(part = load_series(sh, with_samples)))
		goto fail;
	json_object_set_new(doc, "series", part);
	sqlite3_exec(sh->db, "COMMIT", NULL, NULL, NULL);
	return doc;
fail:
	sqlite3_exec(sh->db, "ROLLBACK", NULL, NULL, NULL);
	json_decref(doc);
	return NULL;
}

