/* sqlite: a real database on libsqlite3 — inserts, point selects by key
 * and range scans — on a file database (page cache, read(2)/write(2) of
 * SQLite pages through the kernel's page cache) or in memory (the heap
 * alone). B-tree pages are SQLite's own (page=), cached by SQLite and
 * again by the kernel for a file: RSS and page-cache bytes follow both. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "wl.h"

static const struct wl_param params[] = {
	{ "db", WL_ENUM, "file", "", "file: a database file in dir (WAL); memory: ':memory:'",
	  "file|memory" },
	{ "dir", WL_STRING, "/var/tmp", "",
	  "where db=file makes its harness-sqlite-XXXXXX directory", NULL },
	{ "rows", WL_INT, "100000", "count", "rows inserted (keys 1..rows)", "1..2000000000" },
	{ "row_size", WL_SIZE, "100", "bytes", "payload bytes of each row", "8..1m" },
	{ "order", WL_ENUM, "random", "", "insert keys in ascending or random order",
	  "seq|random" },
	{ "batch", WL_INT, "1000", "count", "rows per insert transaction", "1.." },
	{ "selects", WL_INT, "0", "count", "point selects by random key; 0 = rows", "0.." },
	{ "scans", WL_INT, "1000", "count", "range scans from random keys", "0.." },
	{ "scan_rows", WL_INT, "100", "count", "rows per range scan", "1.." },
	{ "cache", WL_SIZE, "8m", "bytes", "SQLite page cache (PRAGMA cache_size)", "64k.." },
	{ "page", WL_SIZE, "0", "bytes",
	  "SQLite page size (PRAGMA page_size, 512..64k, a power of two); 0 = SQLite's default",
	  "0..64k" },
	{ "sync", WL_ENUM, "off", "", "PRAGMA synchronous for db=file", "off|normal|full" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one row after the measured phases",
	  NULL },
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *ins, *sel, *scan;
	char dir[4096], path[4200];
	int file;
	uint64_t rows, row_size, batch, selects, scans, scan_rows, seed, rng;
	unsigned char *payload;		/* row_size bytes, rebuilt per row */
	uint64_t bad_selects, bad_scans;
};

struct times {
	uint64_t insert, select, scan;	/* ns */
	int64_t rss;
};

static uint64_t key_value(const struct sq *s, uint64_t id)
{
	uint64_t st = s->seed ^ (id * 0x9e3779b97f4a7c15ull);

	return wl_rand_next(&st) & 0x7fffffff;	/* sums of rows stay within int64 */
}

/* One random word per row, repeated: cheap to rebuild for every check. */
static void make_payload(struct sq *s, uint64_t id)
{
	uint64_t st = s->seed ^ ~id, r = wl_rand_next(&st);

	for (uint64_t off = 0; off < s->row_size; off += 8) {
		size_t n = s->row_size - off < 8 ? (size_t)(s->row_size - off) : 8;

		memcpy(s->payload + off, &r, n);
		r += 0x9e3779b97f4a7c15ull;
	}
}

static int sql_fail(struct sq *s, const char *what)
{
	return wl_fail("%s: %s", what, sqlite3_errmsg(s->db));
}

static int exec_sql(struct sq *s, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	wl_fail("%s: %s", sql, err ? err : "failed");
	sqlite3_free(err);
	return 1;
}

static uint64_t rand_below(struct sq *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)wl_rand_next(&s->rng) * n) >> 64);
}

static int insert_row(struct sq *s, uint64_t id)
{
	make_payload(s, id);
	sqlite3_bind_int64(s->ins, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(s->ins, 2, (sqlite3_int64)key_value(s, id));
	sqlite3_bind_blob(s->ins, 3, s->payload, (int)s->row_size, SQLITE_STATIC);
	if (sqlite3_step(s->ins) != SQLITE_DONE)
		return sql_fail(s, "insert");
	sqlite3_reset(s->ins);
	return 0;
}

/* Keys 1..rows in order, or a random permutation of them. */
static int insert_all(struct sq *s, const uint32_t *perm)
{
	for (uint64_t i = 0; i < s->rows; i++) {
		if (i % s->batch == 0 && exec_sql(s, "BEGIN"))
			return 1;
		if (insert_row(s, perm ? perm[i] : i + 1))
			return 1;
		if ((i + 1) % s->batch == 0 || i + 1 == s->rows)
			if (exec_sql(s, "COMMIT"))
				return 1;
	}
	return 0;
}

static uint32_t *permutation(struct sq *s)
{
	uint32_t *p = malloc((size_t)s->rows * sizeof(*p));

	if (!p)
		return NULL;
	for (uint64_t i = 0; i < s->rows; i++)
		p[i] = (uint32_t)(i + 1);
	for (uint64_t i = s->rows - 1; i > 0; i--) {
		uint64_t j = rand_below(s, i + 1);
		uint32_t t = p[i];

		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

static int select_one(struct sq *s, uint64_t id)
{
	const void *blob;
	int rc;

	sqlite3_bind_int64(s->sel, 1, (sqlite3_int64)id);
	rc = sqlite3_step(s->sel);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(s, "select");
	if (rc == SQLITE_ROW) {
		make_payload(s, id);
		blob = sqlite3_column_blob(s->sel, 1);
		s->bad_selects += (uint64_t)sqlite3_column_int64(s->sel, 0) != key_value(s, id) ||
				  (uint64_t)sqlite3_column_bytes(s->sel, 1) != s->row_size ||
				  !blob || memcmp(blob, s->payload, (size_t)s->row_size);
	} else {
		s->bad_selects++;
	}
	sqlite3_reset(s->sel);
	return 0;
}

static int select_all(struct sq *s)
{
	for (uint64_t i = 0; i < s->selects; i++)
		if (select_one(s, rand_below(s, s->rows) + 1))
			return 1;
	return 0;
}

/* One scan: keys from..from+n-1 in order, their k values summed. */
static int scan_one(struct sq *s, uint64_t from)
{
	uint64_t want_n = s->rows - from + 1 < s->scan_rows ? s->rows - from + 1 : s->scan_rows;
	uint64_t n = 0, sum = 0, want = 0;
	int rc;

	sqlite3_bind_int64(s->scan, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(s->scan, 2, (sqlite3_int64)s->scan_rows);
	while ((rc = sqlite3_step(s->scan)) == SQLITE_ROW) {
		sum += (uint64_t)sqlite3_column_int64(s->scan, 1);
		n++;
	}
	if (rc != SQLITE_DONE)
		return sql_fail(s, "scan");
	sqlite3_reset(s->scan);
	for (uint64_t id = from; id < from + want_n; id++)
		want += key_value(s, id);
	s->bad_scans += n != want_n || sum != want;
	return 0;
}

static int scan_all(struct sq *s)
{
	for (uint64_t i = 0; i < s->scans; i++)
		if (scan_one(s, rand_below(s, s->rows) + 1))
			return 1;
	return 0;
}

static int phases(struct sq *s, const uint32_t *perm, struct times *t)
{
	uint64_t t0 = wl_now_ns(), t1, t2;

	if (insert_all(s, perm))
		return 1;
	t1 = wl_now_ns();
	if (select_all(s))
		return 1;
	t2 = wl_now_ns();
	if (scan_all(s))
		return 1;
	t->scan = wl_now_ns() - t2;
	t->select = t2 - t1;
	t->insert = t1 - t0;
	return 0;
}

static int measure(struct sq *s, const uint32_t *perm, struct times *t)
{
	int rc;

	if (s->file)
		wl_path(s->dir);
	wl_region_begin();
	rc = phases(s, perm, t);
	t->rss = wl_rss_bytes();
	wl_region_end();
	return rc;
}

static double per_s(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

static int64_t file_bytes(const char *path, int64_t *cached)
{
	const char *via;
	struct stat st;
	int fd = open(path, O_RDONLY);
	int64_t size = -1;

	*cached = 0;
	if (fd < 0)
		return 0;
	if (!fstat(fd, &st))
		size = st.st_size;
	*cached = wl_cached_bytes(fd, (uint64_t)(size > 0 ? size : 0), &via);
	close(fd);
	return size;
}

static void report(const struct sq *s, const struct times *t)
{
	int64_t cached = 0, db = s->file ? file_bytes(s->path, &cached) : 0;
	sqlite3_int64 cur, high;

	wl_metric("insert_per_s", per_s(s->rows, t->insert), "rows/s", "rate", "higher");
	wl_metric("select_per_s", per_s(s->selects, t->select), "ops/s", "rate", "higher");
	wl_metric("scan_rows_per_s", per_s(s->scans * s->scan_rows, t->scan), "rows/s", "rate",
		  "higher");
	wl_metric("insert_s", (double)t->insert / 1e9, "s", "gauge", "lower");
	wl_metric("select_s", (double)t->select / 1e9, "s", "gauge", "lower");
	wl_metric("scan_s", (double)t->scan / 1e9, "s", "gauge", "lower");
	wl_metric("rss_bytes", (double)t->rss, "bytes", "gauge", "lower");
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &high, 0);
	wl_metric("sqlite_heap_bytes", (double)cur, "bytes", "gauge", "lower");
	wl_metric("sqlite_heap_peak_bytes", (double)high, "bytes", "gauge", "lower");
	wl_metric("data_bytes", (double)(s->rows * (s->row_size + 16)), "bytes", "gauge", "none");
	if (!s->file)
		return;
	wl_metric("db_bytes", (double)db, "bytes", "gauge", "lower");
	wl_metric("pagecache_bytes", (double)cached, "bytes", "gauge", "none");
}

/* 0 with *sum and *count from SQL, else 1 after wl_fail. */
static int table_sum(struct sq *s, uint64_t *count, uint64_t *sum, char *check, size_t len)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*), sum(k) FROM t", -1, &st, NULL) ||
	    sqlite3_step(st) != SQLITE_ROW)
		return sql_fail(s, "SELECT count(*), sum(k)");
	*count = (uint64_t)sqlite3_column_int64(st, 0);
	*sum = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) ||
	    sqlite3_step(st) != SQLITE_ROW)
		return sql_fail(s, "PRAGMA quick_check");
	snprintf(check, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

static int verify(struct sq *s, int corrupt)
{
	uint64_t count = 0, sum = 0, want = 0;
	char check[128];

	if (corrupt && exec_sql(s, "UPDATE t SET k = k + 1 WHERE id = 1"))
		return 1;
	if (table_sum(s, &count, &sum, check, sizeof(check)))
		return 1;
	for (uint64_t id = 1; id <= s->rows; id++)
		want += key_value(s, id);
	if (s->bad_selects || s->bad_scans || count != s->rows || sum != want ||
	    strcmp(check, "ok"))
		wl_verify(0, "%" PRIu64 " bad point selects, %" PRIu64 " bad scans; table: %"
			  PRIu64 " rows (want %" PRIu64 "), sum(k) %" PRIu64 " (want %" PRIu64
			  "), quick_check '%s'", s->bad_selects, s->bad_scans, count, s->rows,
			  sum, want, check);
	else
		wl_verify(1, "%" PRIu64 " rows, %" PRIu64 " point selects and %" PRIu64
			  " scans returned the rows inserted; sum(k) matches; quick_check ok",
			  s->rows, s->selects, s->scans);
	return 0;
}

static int open_db(struct sq *s, const char *dir)
{
	if (!s->file)
		return sqlite3_open(":memory:", &s->db) ? sql_fail(s, "open :memory:") : 0;
	if (wl_check_disk_dir("dir", dir))
		return 1;
	if (snprintf(s->dir, sizeof(s->dir), "%s/harness-sqlite-XXXXXX", dir) >=
	    (int)sizeof(s->dir))
		return wl_param_fail("dir", "'%s' is too long", dir);
	if (!mkdtemp(s->dir))
		return wl_fail("cannot create a directory in %s: %m", dir);
	/* Held until exit (never closed), the sticky bit saying so:
	 * stale once we are killed (harness/scratch.h). */
	{
		int lock = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (lock < 0 || flock(lock, LOCK_EX) || fchmod(lock, 01700))
			return wl_fail("cannot lock %s: %m", s->dir);
	}
	snprintf(s->path, sizeof(s->path), "%s/db.sqlite", s->dir);
	return sqlite3_open(s->path, &s->db) ? sql_fail(s, s->path) : 0;
}

static int configure_db(struct sq *s, const struct wl_value *v)
{
	char sql[160];
	uint64_t page = wl_size(v, "page");

	if (page && (page < 512 || (page & (page - 1))))
		return wl_param_fail("page", "'%s' is not a power of two from 512 to 64k",
				     wl_str(v, "page"));
	snprintf(sql, sizeof(sql), "PRAGMA page_size = %" PRIu64, page ? page : 4096);
	if (page && exec_sql(s, sql))
		return 1;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%" PRIu64, wl_size(v, "cache") >> 10);
	if (exec_sql(s, sql))
		return 1;
	if (s->file) {
		snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s", wl_str(v, "sync"));
		if (exec_sql(s, "PRAGMA journal_mode = WAL") || exec_sql(s, sql))
			return 1;
	}
	return exec_sql(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, "
			"payload BLOB NOT NULL)");
}

static int prepare(struct sq *s)
{
	if (sqlite3_prepare_v2(s->db, "INSERT INTO t (id, k, payload) VALUES (?, ?, ?)", -1,
			       &s->ins, NULL) ||
	    sqlite3_prepare_v2(s->db, "SELECT k, payload FROM t WHERE id = ?", -1, &s->sel,
			       NULL) ||
	    sqlite3_prepare_v2(s->db, "SELECT id, k FROM t WHERE id >= ? ORDER BY id LIMIT ?",
			       -1, &s->scan, NULL))
		return sql_fail(s, "prepare");
	return 0;
}

static void setup_values(struct sq *s, const struct wl_value *v, uint64_t seed)
{
	s->file = !strcmp(wl_str(v, "db"), "file");
	s->rows = (uint64_t)wl_int(v, "rows");
	s->row_size = wl_size(v, "row_size");
	s->batch = (uint64_t)wl_int(v, "batch");
	s->selects = wl_int(v, "selects") ? (uint64_t)wl_int(v, "selects") : s->rows;
	s->scans = (uint64_t)wl_int(v, "scans");
	s->scan_rows = (uint64_t)wl_int(v, "scan_rows");
	s->seed = seed;
	s->rng = seed ^ 0x5bd1e995;
}

static void cleanup(struct sq *s)
{
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->sel);
	sqlite3_finalize(s->scan);
	sqlite3_close(s->db);
	if (s->file && s->dir[0] && s->path[0]) {
		char side[4300];

		unlink(s->path);
		snprintf(side, sizeof(side), "%s-wal", s->path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", s->path);
		unlink(side);
		rmdir(s->dir);
	}
	free(s->payload);
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct sq s = { 0 };
	struct times t = { 0 };
	uint32_t *perm = NULL;
	int rc;

	setup_values(&s, v, seed);
	s.payload = malloc((size_t)s.row_size);
	rc = s.payload ? open_db(&s, wl_str(v, "dir")) : wl_fail("out of memory");
	if (!rc)
		rc = configure_db(&s, v) || prepare(&s);
	if (!rc && !strcmp(wl_str(v, "order"), "random") && !(perm = permutation(&s)))
		rc = wl_fail("out of memory");
	if (!rc)
		rc = measure(&s, perm, &t);
	if (!rc) {
		report(&s, &t);
		rc = verify(&s, (int)wl_int(v, "corrupt"));
	}
	free(perm);
	cleanup(&s);
	return rc;
}

static const struct wl_spec spec = {
	.name = "sqlite",
	.summary = "SQLite inserts, point selects and range scans on a file or in memory",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

static const struct wl_check checks[] = {
	{ "dir", wl_check_disk_dir_text },
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
