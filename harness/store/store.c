/* Opening, checking and migrating the results database. Everything that
 * could refuse a file is checked before anything is written, so a refused
 * file is left byte-for-byte as it was. Saving lives in store_save.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_int.h"

/* Other writers (a sweep in another terminal) hold the lock briefly. */
#define BUSY_TIMEOUT_MS 10000

static const char sqlite_magic[16] = "SQLite format 3";	/* with its NUL */

/* The directory part of path ("." when there is none). */
static void parent_dir(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(out, size, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		n = size - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* STORE_WRITE may create the directory of a new database (the default
 * results/ does not exist in a fresh checkout); one level is enough. */
static int ensure_dir(const char *path, const char *dir, struct herr *err)
{
	struct stat sb;

	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return herr_set(err, EXIT_USAGE, "%s: cannot create database: %s is not a directory",
					path, dir);
	} else if (mkdir(dir, 0777) && errno != EEXIST) {
		return herr_errno(err, EXIT_USAGE, "%s: cannot create directory %s", path, dir);
	}
	/* WAL needs the -wal and -shm files beside the database. */
	if (access(dir, W_OK | X_OK))
		return herr_errno(err, EXIT_USAGE, "%s: directory %s is not writable", path, dir);
	return 0;
}

/* The first 16 bytes say whether this is SQLite at all. A zero-length file
 * is what SQLite itself treats as an empty database. */
static int check_header(const char *path, struct herr *err)
{
	char buf[sizeof(sqlite_magic)];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return herr_errno(err, EXIT_USAGE, "%s: cannot read", path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return herr_errno(err, EXIT_USAGE, "%s: cannot read", path);
	if (n == 0)
		return 0;
	if (n < (ssize_t)sizeof(buf) || memcmp(buf, sqlite_magic, sizeof(buf)))
		return herr_set(err, EXIT_USAGE, "%s: not an SQLite database (bad header)", path);
	return 0;
}

/* File-system checks before SQLite sees the file. */
static int check_file(const char *path, enum store_mode mode, struct herr *err)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (stat(path, &sb)) {
		if (errno != ENOENT && errno != ENOTDIR)
			return herr_errno(err, EXIT_USAGE, "%s", path);
		if (mode == STORE_READ)
			return herr_set(err, EXIT_USAGE, "%s: no such results database", path);
		parent_dir(path, dir, sizeof(dir));
		return ensure_dir(path, dir, err);
	}
	if (!S_ISREG(sb.st_mode))
		return herr_set(err, EXIT_USAGE, "%s: not a regular file", path);
	if (check_header(path, err))
		return -1;
	if (mode == STORE_WRITE) {
		if (access(path, R_OK | W_OK))
			return herr_errno(err, EXIT_USAGE, "%s: not writable", path);
		parent_dir(path, dir, sizeof(dir));
		if (access(dir, W_OK | X_OK))
			return herr_errno(err, EXIT_USAGE, "%s: directory %s is not writable", path, dir);
	}
	return 0;
}

int store_query_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Read-only probes: the schema version and whether the schema parses (a
 * corrupt first page or schema table fails here). A full quick_check
 * would read the whole file, too slow for a database of millions of
 * samples opened by every `harness show`. */
static int check_schema(struct store *st, struct herr *err)
{
	long long ver, ntables, nruns;

	if (store_query_int(st->db, "PRAGMA user_version", &ver) ||
	    store_query_int(st->db, "SELECT count(*) FROM sqlite_schema", &ntables))
		return herr_set(err, EXIT_USAGE, "%s: not a usable SQLite database: %s",
				st->path, sqlite3_errmsg(st->db));
	/* A negative version would skip every migration and be stamped current. */
	if (ver < 0)
		return herr_set(err, EXIT_USAGE, "%s: not a harness results database (schema %lld)",
				st->path, ver);
	if (ver > STORE_SCHEMA_VERSION)
		return herr_set(err, EXIT_USAGE,
				"%s: written by a newer harness (schema %lld, this harness knows %d)",
				st->path, ver, STORE_SCHEMA_VERSION);
	if (ver == 0 && ntables > 0)
		return herr_set(err, EXIT_USAGE,
				"%s: an SQLite database, but not a harness results database", st->path);
	if (ver > 0 && store_query_int(st->db, "SELECT count(*) FROM sqlite_schema"
				       " WHERE type = 'table' AND name = 'runs'", &nruns) == 0 &&
	    nruns == 0)
		return herr_set(err, EXIT_USAGE,
				"%s: not a harness results database (no runs table)", st->path);
	if (st->mode == STORE_READ && ver < STORE_SCHEMA_VERSION)
		return herr_set(err, EXIT_USAGE,
				"%s: %s (schema %lld); a command that writes results migrates it",
				st->path, ver ? "written by an older harness" : "empty database", ver);
	if (st->mode == STORE_WRITE && sqlite3_db_readonly(st->db, "main") == 1)
		return herr_set(err, EXIT_USAGE, "%s: not writable", st->path);
	return 0;
}

int store_exec(struct store *st, const char *sql, struct herr *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	herr_set(err, EXIT_RUNTIME, "%s: %s", st->path,
		 msg ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return -1;
}

/* Apply the missing migrations in one transaction. The version is read
 * again under the write lock: another harness may have migrated first. */
static int migrate(struct store *st, struct herr *err)
{
	long long ver;
	char sql[64];

	/* Current already: no transaction, which would write the file's
	 * header even with nothing to change, and a command that fails on
	 * its input must leave the database byte for byte as it was. */
	if (store_query_int(st->db, "PRAGMA user_version", &ver) == 0 &&
	    ver == STORE_SCHEMA_VERSION)
		return 0;
	if (store_exec(st, "BEGIN IMMEDIATE", err))
		return herr_wrap(err, "migrating");
	if (store_query_int(st->db, "PRAGMA user_version", &ver)) {
		herr_set(err, EXIT_RUNTIME, "%s: migrating: %s", st->path, sqlite3_errmsg(st->db));
		goto fail;
	}
	/* Nothing to migrate: write nothing, not even the same version. */
	if (ver == STORE_SCHEMA_VERSION)
		return store_exec(st, "COMMIT", err) ? -1 : 0;
	for (size_t v = (size_t)ver; v < store_nmigrations; v++)
		if (store_exec(st, store_migrations[v], err)) {
			herr_wrap(err, "migrating to schema %zu", v + 1);
			goto fail;
		}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (store_exec(st, sql, err) || store_exec(st, "COMMIT", err))
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Before the first write: a damaged page found now leaves the file as it
 * was; found by a later save, the file would be written around it. Only
 * for writing: quick_check reads every page, too slow for each `show`. */
static int check_pages(struct store *st, struct herr *err)
{
	sqlite3_stmt *s;
	const char *res = NULL;
	char why[200] = "";
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK)
		return herr_set(err, EXIT_USAGE, "%s: damaged database: %s", st->path,
				sqlite3_errmsg(st->db));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		res = (const char *)sqlite3_column_text(s, 0);
	snprintf(why, sizeof(why), "%s", res ? res : sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW && !strcmp(why, "ok"))
		return 0;
	why[strcspn(why, "\n")] = '\0';
	return herr_set(err, EXIT_USAGE, "%s: damaged database (quick_check: %s); not written to",
			st->path, why);
}

/* The first writes to the file: only after every check passed. */
static int prepare_for_writing(struct store *st, struct herr *err)
{
	sqlite3_stmt *s;
	int wal = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			wal = !strcmp((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
	}
	if (!wal)
		return herr_set(err, EXIT_RUNTIME, "%s: cannot switch to WAL mode: %s",
				st->path, sqlite3_errmsg(st->db));
	return migrate(st, err);
}

/* A reader of a WAL database needs its -shm file, which SQLite cannot
 * create on a read-only mount: there nobody can write either, so the file
 * is opened as immutable (a URI; % ? # in the path escaped). */
static int immutable_uri(const char *path, char *out, size_t n)
{
	char dir[PATH_MAX], shm[PATH_MAX + 8];
	size_t len = 0;

	parent_dir(path, dir, sizeof(dir));
	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (!access(dir, W_OK) || !access(shm, F_OK))
		return 0;
	len = (size_t)snprintf(out, n, "file:");
	for (const char *p = path; *p && len + 4 < n; p++)
		len += strchr("%?#", *p) ? (size_t)snprintf(out + len, n - len, "%%%02X", (unsigned char)*p)
					 : (size_t)snprintf(out + len, n - len, "%c", *p);
	return len + 13 < n && snprintf(out + len, n - len, "?immutable=1") > 0;
}

static int open_db(struct store *st, struct herr *err)
{
	int flags = st->mode == STORE_READ ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	char uri[PATH_MAX * 3 + 32];
	const char *name = st->path;

	if (st->mode == STORE_READ && immutable_uri(st->path, uri, sizeof(uri))) {
		name = uri;
		flags |= SQLITE_OPEN_URI;
	}
	if (sqlite3_open_v2(name, &st->db, flags, NULL) != SQLITE_OK)
		return herr_set(err, EXIT_USAGE, "%s: cannot open: %s", st->path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* A connection setting, not a write to the file. */
	return store_exec(st, "PRAGMA foreign_keys = ON", err);
}

int store_open(const char *path, enum store_mode mode, struct store **out,
	       struct herr *err)
{
	size_t len = strlen(path);
	struct store *st;

	*out = NULL;
	/* SQLite opens "" as a private temporary database. */
	if (!*path)
		return herr_set(err, EXIT_USAGE, "--db '': an empty path names no results database");
	if (check_file(path, mode, err))
		return -1;
	st = calloc(1, sizeof(*st) + len + 1);
	if (!st)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	memcpy(st->path, path, len + 1);
	st->mode = mode;
	if (open_db(st, err) || check_schema(st, err) ||
	    (mode == STORE_WRITE && (check_pages(st, err) || prepare_for_writing(st, err)))) {
		store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

/* Run ids are lowercase UUIDs: hex digits and dashes only, which also
 * keeps GLOB metacharacters out of the prefix query. */
static int valid_ref(const char *ref)
{
	for (const char *p = ref; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
			return 0;
	return 1;
}

static int find_last(struct store *st, char id[37], struct herr *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT id FROM runs ORDER BY started_ns DESC, rowid DESC LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return herr_set(err, EXIT_RUNTIME, "%s: %s", st->path, sqlite3_errmsg(st->db));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(id, 37, "%s", (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_DONE)
		herr_set(err, EXIT_USAGE, "%s: no runs stored yet", st->path);
	else
		herr_set(err, EXIT_RUNTIME, "%s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Up to three matches, so an ambiguous prefix can be reported with them. */
static int find_prefix(struct store *st, const char *ref, char ids[3][37], int *n,
		       struct herr *err)
{
	char pattern[64];
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	snprintf(pattern, sizeof(pattern), "%s*", ref);
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM runs WHERE id GLOB ?1 ORDER BY id LIMIT 3",
			       -1, &s, NULL) != SQLITE_OK)
		return herr_set(err, EXIT_RUNTIME, "%s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	for (*n = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; (*n)++)
		snprintf(ids[*n], 37, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return herr_set(err, EXIT_RUNTIME, "%s: %s", st->path, sqlite3_errmsg(st->db));
	return 0;
}

int store_find_run(struct store *st, const char *ref, char id[37], struct herr *err)
{
	char lower[37], ids[3][37];
	size_t len = strlen(ref);
	int n;

	if (!strcmp(ref, "last"))
		return find_last(st, id, err);
	/* UUIDs are stored lowercase; accept one pasted in capitals. */
	for (size_t i = 0; i < len && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)ref[i]);
	lower[len < sizeof(lower) ? len : sizeof(lower) - 1] = '\0';
	if (len < 4 || len > 36 || !valid_ref(lower))
		return herr_set(err, EXIT_USAGE,
				"run '%s': give a run id, a prefix of at least 4 of its characters, or 'last'",
				ref);
	if (find_prefix(st, lower, ids, &n, err))
		return -1;
	if (n == 0)
		return herr_set(err, EXIT_USAGE, "run '%s': no such run in %s", ref, st->path);
	if (n > 1)
		return herr_set(err, EXIT_USAGE, "run '%s' is ambiguous in %s: %s, %s%s",
				ref, st->path, ids[0], ids[1], n > 2 ? ", ..." : "");
	memcpy(id, ids[0], 37);
	return 0;
}
