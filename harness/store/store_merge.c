/* Merging a results database into another (harness merge): rows keep
 * their ids — runs, sweeps and boots are UUIDs, machines, kernels and
 * variants hashes of what they are — so a row already there with the
 * same content is the same row and is skipped, and a row with the same id
 * but other content is a conflict: reported, left out. One transaction
 * per source database. Series ids are the destination's own (integer keys);
 * samples follow their series by (run, name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

static int merge_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: merging (%s): %s", st->path, what,
			sqlite3_errmsg(st->db));
}

/* The tables with an id of their own, parents first; the columns a
 * conflict ignores are what legitimately differs between two copies of
 * the same row (when a database first saw it, a sweep's progress). */
static const struct merged_table {
	const char *name, *key, *ignore;
	size_t stat;		/* index into the stats' counts */
} tables[] = {
	{ "machines", "id", " first_seen ", 0 },
	{ "kernels", "id", " first_seen ", 1 },
	{ "variants", "id", " first_seen ", 2 },
	{ "sweeps", "id", " created status ended ", 3 },
	{ "tags", "name", " created ", 4 },
	{ "boots", "id", " ", 5 },
	{ "runs", "id", " ", 6 },
};

struct columns {
	char **v;
	size_t n;
};

static void columns_free(struct columns *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int table_columns(struct store *st, const char *table, struct columns *c, struct herr *err)
{
	char sql[128];
	sqlite3_stmt *s;

	snprintf(sql, sizeof(sql), "PRAGMA main.table_info(%s)", table);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return merge_error(st, table, err);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char **g = realloc(c->v, (c->n + 1) * sizeof(*g));

		if (g)
			c->v = g;
		if (!g || !(g[c->n] = strdup((const char *)sqlite3_column_text(s, 1)))) {
			sqlite3_finalize(s);
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		}
		c->n++;
	}
	sqlite3_finalize(s);
	return 0;
}

static int ignored(const struct merged_table *t, const char *col)
{
	char word[80];

	snprintf(word, sizeof(word), " %s ", col);
	return strstr(t->ignore, word) != NULL;
}

/* "s.a IS m.a AND s.b IS m.b ...": the same content. */
static char *same_content(const struct merged_table *t, const struct columns *c)
{
	size_t cap = 16, len = 0;
	char *out = malloc(cap);

	if (out)
		out[0] = '\0';
	for (size_t i = 0; out && i < c->n; i++) {
		size_t need = 2 * strlen(c->v[i]) + 32;

		if (ignored(t, c->v[i]))
			continue;
		if (len + need >= cap) {
			char *g = realloc(out, cap = 2 * (len + need));

			if (!g) {
				free(out);
				return NULL;
			}
			out = g;
		}
		len += (size_t)snprintf(out + len, cap - len, "%ss.\"%s\" IS m.\"%s\"", len ? " AND " : "",
					c->v[i], c->v[i]);
	}
	return out;
}

/* Which columns of one conflicting row differ, for the report. */
static void differing(struct store *st, const struct merged_table *t, const struct columns *c,
		      const char *id, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->n && len < n; i++) {
		char sql[512];
		long long same = 1;
		sqlite3_stmt *s;

		if (ignored(t, c->v[i]))
			continue;
		snprintf(sql, sizeof(sql), "SELECT s.\"%s\" IS m.\"%s\" FROM src.%s s JOIN main.%s m"
			 " ON m.%s = s.%s WHERE s.%s = ?", c->v[i], c->v[i], t->name, t->name, t->key,
			 t->key, t->key);
		if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			same = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (!same)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ", " : "", c->v[i]);
	}
}

static int skip_row(struct store *st, const char *table, const char *id, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO temp.merge_skip VALUES (?, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		return merge_error(st, "conflicts", err);
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : merge_error(st, "conflicts", err);
}

struct conflict_out {
	store_conflict_fn fn;
	void *user;
	struct store_merge_stats *ms;
};

/* Rows of t whose id the destination has with other content. */
static int find_conflicts(struct store *st, const struct merged_table *t, const struct columns *c,
			  struct conflict_out *co, struct herr *err)
{
	char *same = same_content(t, c), *sql = NULL;
	sqlite3_stmt *s;
	int rc = 0;

	if (!same || asprintf(&sql, "SELECT s.%s FROM src.%s s JOIN main.%s m ON m.%s = s.%s"
			      " WHERE NOT (%s)", t->key, t->name, t->name, t->key, t->key, same) < 0) {
		free(same);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	free(same);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(sql);
		return merge_error(st, t->name, err);
	}
	free(sql);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		char cols[400];

		differing(st, t, c, id, cols, sizeof(cols));
		co->ms->conflicts++;
		if (co->fn)
			co->fn(co->user, t->name, id, cols);
		rc = skip_row(st, t->name, id, err);
	}
	sqlite3_finalize(s);
	return rc;
}

/* A new run in a sweep slot (cell, warm-up, repetition) the destination
 * has filled with another run: two runs cannot be the same repetition. */
static int slot_conflicts(struct store *st, struct conflict_out *co, struct herr *err)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT s.id, m.id FROM src.runs s JOIN main.runs m"
			       " ON m.sweep_id = s.sweep_id AND m.cell IS s.cell AND m.warmup = s.warmup"
			       " AND m.rep = s.rep AND m.id <> s.id WHERE s.sweep_id IS NOT NULL", -1, &s,
			       NULL) != SQLITE_OK)
		return merge_error(st, "runs", err);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		char why[120];

		snprintf(why, sizeof(why), "its sweep slot holds run %s", sqlite3_column_text(s, 1));
		co->ms->conflicts++;
		if (co->fn)
			co->fn(co->user, "runs", id, why);
		rc = skip_row(st, "runs", id, err);
	}
	sqlite3_finalize(s);
	return rc;
}

static int exec_count(struct store *st, const char *sql, long long *count, struct herr *err)
{
	if (store_exec(st, sql, err))
		return -1;
	if (count)
		*count += sqlite3_changes(st->db);
	return 0;
}

static int insert_new(struct store *st, const struct merged_table *t, long long *count,
		      struct herr *err)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO main.%s SELECT * FROM src.%s s WHERE s.%s NOT IN"
		 " (SELECT %s FROM main.%s) AND s.%s NOT IN (SELECT id FROM temp.merge_skip"
		 " WHERE tbl = '%s')", t->name, t->name, t->key, t->key, t->name, t->key, t->name);
	return exec_count(st, sql, count, err);
}

/* What hangs off the new runs: metrics, PMU events, knobs, series (new
 * ids here) and their samples. */
static const char children_sql[] =
	"INSERT INTO main.metrics SELECT * FROM src.metrics WHERE run_id IN temp.merge_new;"
	"INSERT INTO main.pmu_events SELECT * FROM src.pmu_events WHERE run_id IN temp.merge_new;"
	"INSERT INTO main.knobs SELECT * FROM src.knobs WHERE run_id IN temp.merge_new;"
	"INSERT INTO main.series (run_id, name, unit) SELECT run_id, name, unit FROM src.series"
	"  WHERE run_id IN temp.merge_new ORDER BY id;"
	"INSERT INTO main.samples (series_id, t_ns, value) SELECT ms.id, p.t_ns, p.value"
	"  FROM src.samples p JOIN src.series ss ON ss.id = p.series_id"
	"  JOIN main.series ms ON ms.run_id = ss.run_id AND ms.name = ss.name"
	"  WHERE ss.run_id IN temp.merge_new ORDER BY p.rowid;"
	/* A sweep whose runs are now all here is complete, whichever
	 * database had which of them. */
	"UPDATE main.sweeps SET status = 'complete',"
	"  ended = coalesce(ended, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
	"  WHERE id IN (SELECT id FROM src.sweeps) AND status <> 'complete'"
	"  AND (SELECT count(*) FROM main.runs r WHERE r.sweep_id = sweeps.id AND r.warmup = 0)"
	"      >= coalesce(planned_runs, 0)"
	"  AND (SELECT count(*) FROM main.runs r WHERE r.sweep_id = sweeps.id AND r.warmup = 1)"
	"      >= coalesce(planned_warmups, 0)"
	"  AND planned_runs IS NOT NULL;";

static int merge_tables(struct store *st, struct store_merge_stats *ms, struct conflict_out *co,
			struct herr *err)
{
	int rc = store_exec(st, "CREATE TEMP TABLE merge_skip (tbl TEXT, id TEXT, PRIMARY KEY (tbl, id));"
			    "CREATE TEMP TABLE merge_new (id TEXT PRIMARY KEY);", err);

	for (size_t i = 0; !rc && i < sizeof(tables) / sizeof(tables[0]); i++) {
		const struct merged_table *t = &tables[i];
		struct columns c = { 0 };

		rc = table_columns(st, t->name, &c, err);
		if (!rc)
			rc = find_conflicts(st, t, &c, co, err);
		columns_free(&c);
		if (!rc && !strcmp(t->name, "runs")) {
			rc = slot_conflicts(st, co, err);
			if (!rc)
				rc = store_exec(st, "INSERT INTO temp.merge_new SELECT id FROM src.runs"
					       " WHERE id NOT IN (SELECT id FROM main.runs) AND id NOT IN"
					       " (SELECT id FROM temp.merge_skip WHERE tbl = 'runs')", err);
		}
		if (!rc)
			rc = insert_new(st, t, &ms->added[t->stat], err);
	}
	if (!rc)
		rc = store_exec(st, children_sql, err);
	if (!rc && store_query_int(st->db, "SELECT (SELECT count(*) FROM src.runs)"
				   " - (SELECT count(*) FROM temp.merge_new)"
				   " - (SELECT count(*) FROM temp.merge_skip WHERE tbl = 'runs')",
				   &ms->runs_there))
		rc = merge_error(st, "runs", err);
	store_exec(st, "DROP TABLE IF EXISTS temp.merge_skip; DROP TABLE IF EXISTS temp.merge_new;",
		   &(struct herr){ 0 });
	return rc;
}

int store_merge(struct store *st, const char *src, struct store_merge_stats *ms,
		store_conflict_fn fn, void *user, struct herr *err)
{
	struct conflict_out co = { fn, user, ms };
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "ATTACH ? AS src", -1, &s, NULL) != SQLITE_OK)
		return merge_error(st, src, err);
	sqlite3_bind_text(s, 1, src, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return merge_error(st, src, err);
	rc = store_exec(st, "BEGIN IMMEDIATE", err);
	if (!rc)
		rc = merge_tables(st, ms, &co, err);
	if (!rc)
		rc = store_exec(st, "COMMIT", err);
	else
		store_exec(st, "ROLLBACK", &(struct herr){ 0 });
	store_exec(st, "DETACH src", &(struct herr){ 0 });
	return rc;
}
