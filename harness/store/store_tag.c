/* Tags: names of sweeps (harness tag). A tag is a row of its own, keyed by
 * name, so it travels with the sweep rows when databases are merged. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "store/store.h"
#include "store/store_int.h"

static int db_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* As store_sweep_get's prefix rule: such a name would be read as an id. */
static int looks_like_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 36)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

int store_tag_name_valid(const char *name)
{
	return name_valid(name) && strcmp(name, "last") && !looks_like_id(name);
}

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, n, "%s", t ? (const char *)t : "");
}

static void read_tag(sqlite3_stmt *s, struct tag_row *row)
{
	copy_col(s, 0, row->name, sizeof(row->name));
	copy_col(s, 1, row->sweep_id, sizeof(row->sweep_id));
	copy_col(s, 2, row->created, sizeof(row->created));
}

int store_tag_get(struct store *st, const char *name, struct tag_row *row, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT name, sweep_id, created FROM tags WHERE name = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading tags", err);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_tag(s, row);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, "reading tags", err);
	return rc == SQLITE_ROW;
}

/* One statement with name (?1) and sweep (?2) bound; 0 or -1. */
static int write_tag(struct store *st, const char *sql, const char *name, const char *sweep_id,
		     struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "writing a tag", err);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sweep_id)
		sqlite3_bind_text(s, 2, sweep_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "writing a tag", err);
}

/* Inside the transaction: the checks, then at most one write. */
static int set_locked(struct store *st, const char *name, const char *sweep_id, int force,
		      char old[37], struct herr *err)
{
	struct tag_row cur;
	int found = store_tag_get(st, name, &cur, err);

	if (found < 0)
		return -1;
	if (!found)
		return write_tag(st, "INSERT INTO tags (name, sweep_id) VALUES (?1, ?2)", name,
				 sweep_id, err);
	snprintf(old, 37, "%s", cur.sweep_id);
	if (!strcmp(cur.sweep_id, sweep_id))
		return 0;
	if (!force)
		return herr_set(err, EXIT_USAGE,
				"tag '%s' already names sweep %.8s, not %.8s (--force moves it)", name,
				cur.sweep_id, sweep_id);
	return write_tag(st, "UPDATE tags SET sweep_id = ?2, created = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
			 " WHERE name = ?1", name, sweep_id, err);
}

int store_tag_set(struct store *st, const char *name, const char *sweep_id, int force,
		  char old[37], struct herr *err)
{
	old[0] = '\0';
	if (!store_tag_name_valid(name))
		return herr_set(err, EXIT_USAGE, "tag '%s': a tag is " STORE_TAG_RULE, name);
	/* IMMEDIATE: the check and the write see the same tags. */
	if (store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	if (set_locked(st, name, sweep_id, force, old, err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return store_exec(st, "COMMIT", err);
}

int store_tag_delete(struct store *st, const char *name, struct herr *err)
{
	struct tag_row cur;
	int found = store_tag_get(st, name, &cur, err);

	if (found < 0)
		return -1;
	if (!found)
		return herr_set(err, EXIT_USAGE, "tag '%s': no such tag in %s", name, st->path);
	return write_tag(st, "DELETE FROM tags WHERE name = ?1", name, NULL, err);
}

int store_tag_list(struct store *st, struct tag_row **rows, size_t *n, struct herr *err)
{
	struct tag_row *v = NULL, *grown;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	*rows = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT name, sweep_id, created FROM tags ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "reading tags", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				sqlite3_finalize(s);
				free(v);
				return herr_set(err, EXIT_RUNTIME, "out of memory");
			}
			v = grown;
		}
		read_tag(s, &v[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return db_error(st, "reading tags", err);
	}
	*rows = v;
	return 0;
}
