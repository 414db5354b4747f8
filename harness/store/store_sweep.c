/* Sweeps in the store: create, find for resume, slot lists, status, and the
 * list `harness sweeps` prints. Counts always come from the runs table,
 * so they cannot disagree with what is stored. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

static int db_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static void bind_or_null(sqlite3_stmt *s, int i, const char *text)
{
	if (*text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int store_sweep_create(struct store *st, const struct sweep_row *row, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO sweeps (id, name, file, target, status, plan_json,"
			       " file_hash, file_text, cells, planned_runs, planned_warmups, machine_id,"
			       " kernel_id, kernel_release) VALUES (?,?,?,?,'running',?,?,?,?,?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "creating a sweep", err);
	sqlite3_bind_text(s, 1, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, row->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, row->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, row->plan_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, row->file_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, row->file_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, row->cells);
	sqlite3_bind_int64(s, 9, row->planned_runs);
	sqlite3_bind_int64(s, 10, row->planned_warmups);
	bind_or_null(s, 11, row->machine_id);
	bind_or_null(s, 12, row->kernel_id);
	bind_or_null(s, 13, row->kernel_release);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "creating a sweep", err);
}

/* Columns 0..18 as read_row expects them; the two big texts only when
 * asked for. */
#define SWEEP_COLUMNS(big) \
	"SELECT s.id, s.name, coalesce(s.target, ''), s.status, s.created, coalesce(s.ended, ''),"  \
	" coalesce(s.file_hash, ''), s.file, " big ","                                            \
	" coalesce(s.machine_id, ''), coalesce(s.kernel_id, ''), coalesce(s.kernel_release, ''),"  \
	" coalesce(s.cells, 0), coalesce(s.planned_runs, 0), coalesce(s.planned_warmups, 0),"      \
	" (SELECT count(*) FROM runs r WHERE r.sweep_id = s.id AND r.warmup = 0),"                 \
	" (SELECT count(*) FROM runs r WHERE r.sweep_id = s.id AND r.warmup = 1),"                 \
	" (SELECT count(*) FROM runs r WHERE r.sweep_id = s.id AND r.status = 'failed')"           \
	" FROM sweeps s "
#define WITH_TEXT SWEEP_COLUMNS("s.file_text, s.plan_json")
#define WITHOUT_TEXT SWEEP_COLUMNS("NULL, NULL")

static char *dup_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, n, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *s, struct sweep_row *row)
{
	memset(row, 0, sizeof(*row));
	copy_col(s, 0, row->id, sizeof(row->id));
	copy_col(s, 1, row->name, sizeof(row->name));
	copy_col(s, 2, row->target, sizeof(row->target));
	copy_col(s, 3, row->status, sizeof(row->status));
	copy_col(s, 4, row->created, sizeof(row->created));
	copy_col(s, 5, row->ended, sizeof(row->ended));
	copy_col(s, 6, row->file_hash, sizeof(row->file_hash));
	row->file = dup_col(s, 7);
	row->file_text = dup_col(s, 8);
	row->plan_json = dup_col(s, 9);
	copy_col(s, 10, row->machine_id, sizeof(row->machine_id));
	copy_col(s, 11, row->kernel_id, sizeof(row->kernel_id));
	copy_col(s, 12, row->kernel_release, sizeof(row->kernel_release));
	row->cells = sqlite3_column_int64(s, 13);
	row->planned_runs = sqlite3_column_int64(s, 14);
	row->planned_warmups = sqlite3_column_int64(s, 15);
	row->done_runs = sqlite3_column_int64(s, 16);
	row->done_warmups = sqlite3_column_int64(s, 17);
	row->failed_runs = sqlite3_column_int64(s, 18);
}

/* The first row of a prepared statement, which it finalizes: 1 found,
 * 0 none, -1 error. */
static int first_row(struct store *st, sqlite3_stmt *s, struct sweep_row *row, struct herr *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		read_row(s, row);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading sweeps", err);
	return rc == SQLITE_ROW;
}

/* One row of sql (?1 bound to key): 1 found, 0 none, -1 error. */
static int one_row(struct store *st, const char *sql, const char *key, struct sweep_row *row,
		   struct herr *err)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading sweeps", err);
	if (key)
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	return first_row(st, s, row, err);
}

int store_sweep_find(struct store *st, const struct sweep_row *key, int complete,
		     struct sweep_row *row, struct herr *err)
{
	/* IS, not =: a sweep without a kernel of its own matches NULL. */
	static const char sql[] =
		WITH_TEXT "WHERE s.file_hash = ?1 AND s.machine_id IS ?2 AND s.kernel_id IS ?3"
		" AND (s.status = 'complete') = ?4 ORDER BY s.created DESC, s.rowid DESC LIMIT 1";
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading sweeps", err);
	sqlite3_bind_text(s, 1, key->file_hash, -1, SQLITE_STATIC);
	bind_or_null(s, 2, key->machine_id);
	bind_or_null(s, 3, key->kernel_id);
	sqlite3_bind_int(s, 4, complete != 0);
	return first_row(st, s, row, err);
}

static int valid_prefix(const char *ref)
{
	size_t n = strlen(ref);

	if (n < 4 || n > 36)
		return 0;
	for (; *ref; ref++)
		if (!isxdigit((unsigned char)*ref) && *ref != '-')
			return 0;
	return 1;
}

/* A reference that is no id prefix: a tag (which can never look like
 * one, store_tag_name_valid). */
static int by_tag(struct store *st, const char *ref, struct sweep_row *row, struct herr *err)
{
	int rc = one_row(st, WITH_TEXT "WHERE s.id = (SELECT t.sweep_id FROM tags t WHERE t.name = ?1)",
			 ref, row, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return herr_set(err, EXIT_USAGE,
				"sweep '%s': no such tag in %s (give a tag, a sweep id, a prefix of at"
				" least 4 of its characters, or 'last')", ref, st->path);
	return 0;
}

int store_sweep_get(struct store *st, const char *ref, struct sweep_row *row, struct herr *err)
{
	char pattern[64], lower[40];
	struct sweep_row second;
	sqlite3_stmt *s;
	int rc, n = 0;

	if (!strcmp(ref, "last")) {
		rc = one_row(st, WITH_TEXT "ORDER BY s.created DESC, s.rowid DESC LIMIT 1", NULL, row, err);
		return rc < 0 ? -1 : rc ? 0 : herr_set(err, EXIT_USAGE, "%s: no sweeps stored yet", st->path);
	}
	if (!valid_prefix(ref))
		return by_tag(st, ref, row, err);
	snprintf(lower, sizeof(lower), "%s", ref);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(pattern, sizeof(pattern), "%s*", lower);
	if (sqlite3_prepare_v2(st->db, WITH_TEXT "WHERE s.id GLOB ?1 ORDER BY s.id LIMIT 2", -1, &s,
			       NULL) != SQLITE_OK)
		return db_error(st, "reading sweeps", err);
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		read_row(s, n++ ? &second : row);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		if (n)
			store_sweep_row_free(row);
		if (n > 1)
			store_sweep_row_free(&second);
		return db_error(st, "reading sweeps", err);
	}
	if (n == 0)
		return herr_set(err, EXIT_USAGE, "sweep '%s': no such sweep in %s", ref, st->path);
	if (n > 1) {
		herr_set(err, EXIT_USAGE, "sweep '%s' is ambiguous in %s: %s, %s", ref, st->path, row->id,
			 second.id);
		store_sweep_row_free(row);
		store_sweep_row_free(&second);
		return -1;
	}
	return 0;
}

int store_sweep_set_status(struct store *st, const char *id, const char *status,
			   struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE sweeps SET status = ?2, ended = CASE WHEN ?2 = 'running'"
			       " THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ','now') END WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "updating a sweep", err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "updating a sweep", err);
}

int store_sweep_slots(struct store *st, const char *id,
		      int (*fn)(void *user, long long cell, int warmup, int rep), void *user,
		      struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT cell, warmup, rep FROM runs WHERE sweep_id = ?1", -1,
			       &s, NULL) != SQLITE_OK)
		return db_error(st, "reading a sweep's runs", err);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(user, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1),
		       sqlite3_column_int(s, 2)))
			break;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(st, "reading a sweep's runs", err);
}

int store_sweep_list(struct store *st, struct sweep_row **rows, size_t *n, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	*rows = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, WITHOUT_TEXT "ORDER BY s.created DESC, s.rowid DESC", -1, &s,
			       NULL) != SQLITE_OK)
		return db_error(st, "listing sweeps", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sweep_row *grown = realloc(*rows, (*n + 1) * sizeof(*grown));

		if (!grown) {
			sqlite3_finalize(s);
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		}
		*rows = grown;
		read_row(s, &grown[(*n)++]);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "listing sweeps", err);
}

void store_sweep_row_free(struct sweep_row *row)
{
	free(row->file);
	free(row->file_text);
	free(row->plan_json);
	row->file = row->file_text = row->plan_json = NULL;
}

void store_sweep_rows_free(struct sweep_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_sweep_row_free(&rows[i]);
	free(rows);
}

int store_sweep_latest(struct store *st, const char *file_hash, struct sweep_row *row,
		       struct herr *err)
{
	return one_row(st, WITH_TEXT "WHERE s.file_hash = ?1 ORDER BY (s.status = 'complete') DESC,"
		       " s.created DESC, s.rowid DESC LIMIT 1", file_hash, row, err);
}
