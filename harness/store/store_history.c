/* The read `harness history` needs: one metric's values across every
 * sweep, filtered by workload, variant and machine, in sweep order.
 * Read-only: a SELECT. */
#include <stdio.h>

#include "store/store.h"
#include "store/store_int.h"

static const char *text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int store_history(struct store *st, const struct store_history_filter *f,
		  int (*fn)(void *user, const struct store_history_value *v), void *user,
		  struct herr *err)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT w.id, w.name, w.created,"
			       " coalesce((SELECT group_concat(t.name, ',') FROM tags t WHERE t.sweep_id = w.id), ''),"
			       " r.workload, coalesce(r.params_json, '{}'), r.variant, m.scope, m.unit, m.better, m.value"
			       " FROM sweeps w JOIN runs r ON r.sweep_id = w.id JOIN metrics m ON m.run_id = r.id"
			       " LEFT JOIN machines h ON h.id = r.machine_id"
			       " WHERE m.name = ?1 AND m.value IS NOT NULL AND r.warmup = 0 AND r.status = 'ok'"
			       " AND (?2 IS NULL OR r.workload = ?2) AND (?3 IS NULL OR r.variant = ?3)"
			       " AND (?4 IS NULL OR r.machine_id LIKE ?4 || '%' OR h.hostname = ?4)"
			       " ORDER BY w.created, w.id, r.seq, r.rowid",
			       -1, &s, NULL) != SQLITE_OK)
		return herr_set(err, EXIT_RUNTIME, "%s: reading the history: %s", st->path,
				sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, f->metric, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->workload, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->variant, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->machine, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_history_value v = {
			.sweep_id = text(s, 0), .sweep_name = text(s, 1), .created = text(s, 2),
			.tags = text(s, 3), .workload = text(s, 4), .params_json = text(s, 5),
			.variant = text(s, 6), .scope = text(s, 7), .unit = text(s, 8),
			.better = text(s, 9), .value = sqlite3_column_double(s, 10),
		};

		stop = fn(user, &v);
	}
	sqlite3_finalize(s);
	if (stop)
		return herr_set(err, EXIT_RUNTIME, "reading the history: out of memory");
	return rc == SQLITE_DONE ? 0 : herr_set(err, EXIT_RUNTIME, "%s: reading the history: %s",
						 st->path, sqlite3_errmsg(st->db));
}
