/* Boots in the store (qemu target): one row per start of a guest, made
 * before the guest starts so that its runs can point at it. */
#include <stdio.h>

#include "store/store.h"
#include "store/store_int.h"

static int db_error(struct store *st, const char *what, struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_bytes(sqlite3_stmt *s, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

/* Six columns from i: the figures (NULL when not measured), where the
 * memory map came from, and why a figure is missing. */
static void bind_memory(sqlite3_stmt *s, int i, const struct boot_memory *m)
{
	bind_bytes(s, i, m ? m->mem_total : -1);
	bind_bytes(s, i + 1, m ? m->physical : -1);
	bind_bytes(s, i + 2, m ? m->reserved : -1);
	bind_bytes(s, i + 3, m ? m->memmap : -1);
	bind_opt(s, i + 4, m ? m->memmap_source : NULL);
	bind_opt(s, i + 5, m ? m->reason : "the kernel did not report it (no hello)");
}

int store_boot_begin(struct store *st, const struct boot_row *b, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO boots (id, sweep_id, variant, target, started_ns,"
			       " status, settings_json) VALUES (?,?,?,?,?,'running',?)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "recording a boot", err);
	sqlite3_bind_text(s, 1, b->id, -1, SQLITE_STATIC);
	bind_opt(s, 2, b->sweep_id);
	sqlite3_bind_text(s, 3, b->variant, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, b->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, b->started_ns);
	bind_opt(s, 6, b->settings_json);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "recording a boot", err);
}

int store_boot_local(struct store *st, const struct boot_row *b, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO boots (id, variant, kernel_id, target,"
			       " started_ns, status, mem_total_bytes, mem_physical_bytes,"
			       " mem_reserved_bytes, memmap_bytes, memmap_source, memory_reason)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, 'ok', ?6, ?7, ?8, ?9, ?10, ?11)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "recording the running kernel's boot", err);
	sqlite3_bind_text(s, 1, b->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b->variant, -1, SQLITE_STATIC);
	bind_opt(s, 3, b->kernel_id);
	sqlite3_bind_text(s, 4, b->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, b->started_ns);
	bind_memory(s, 6, b->mem);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, "recording the running kernel's boot", err);
}

int store_boot_end(struct store *st, const struct boot_row *b, struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE boots SET status = ?, reason = ?, console_log = ?,"
			       " kernel_id = ?, ended_ns = ?, settings_json = coalesce(?, settings_json),"
			       " mem_total_bytes = ?8, mem_physical_bytes = ?9, mem_reserved_bytes = ?10,"
			       " memmap_bytes = ?11, memmap_source = ?12, memory_reason = ?13"
			       " WHERE id = ?7", -1, &s, NULL) != SQLITE_OK)
		return db_error(st, "finishing a boot", err);
	sqlite3_bind_text(s, 1, b->status, -1, SQLITE_STATIC);
	bind_opt(s, 2, b->reason);
	sqlite3_bind_text(s, 3, b->console_log ? b->console_log : "", -1, SQLITE_STATIC);
	bind_opt(s, 4, b->kernel_id);
	sqlite3_bind_int64(s, 5, b->ended_ns);
	bind_opt(s, 6, b->settings_json);
	sqlite3_bind_text(s, 7, b->id, -1, SQLITE_STATIC);
	bind_memory(s, 8, b->mem);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE && sqlite3_changes(st->db) == 1 ? 0
		: db_error(st, "finishing a boot", err);
}
