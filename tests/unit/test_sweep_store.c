/* Sweeps in the store: migration of a version-1 database, create / find by
 * content hash / get by prefix, the slots a resume skips, the unique slot
 * index that makes duplicate runs impossible, and the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/record.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_int.h" /* the tests look at the SQL itself */

static char tmp[256];

static const struct machine_info machine = {
	.id = "00000000000000aa", .hostname = "lab", .arch = "aarch64", .cpu_model = "x",
	.midr_implementer = -1, .midr_part = -1, .packages = 1, .cores = 1, .pus = 1,
	.numa_nodes = 1, .mem_total_bytes = 1 << 30, .topology_json = "{}",
};
static const struct kernel_info kernel = {
	.id = "000000000000000a", .release = "6.18", .version = "#1", .arch = "aarch64",
	.cmdline = "", .page_size = 4096, .pmd_size = 2 << 20, .mthp_sizes = "[]",
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "%s/test_sweep_store.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static const char *path_of(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", tmp, name);
	return buf;
}

static long long q(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static struct store *open_ok(const char *path)
{
	struct herr err = { 0 };
	struct store *st = NULL;

	if (store_open(path, STORE_WRITE, &st, &err))
		fail_msg("%s", err.msg);
	return st;
}

static void new_row(struct sweep_row *row, const char *hash)
{
	memset(row, 0, sizeof(*row));
	uuid_v4(row->id);
	snprintf(row->name, sizeof(row->name), "t");
	snprintf(row->target, sizeof(row->target), "local");
	snprintf(row->file_hash, sizeof(row->file_hash), "%s", hash);
	row->file = "sweeps/t.ini";
	row->file_text = "[sweep]\n";
	row->plan_json = "{\"cells\":[]}";
	row->cells = 2;
	row->planned_runs = 4;
	row->planned_warmups = 2;
}

static int save_slot(struct store *st, const char *sweep, int cell, int warmup, int rep,
		     const char *status)
{
	struct herr err = { 0 };
	struct run_record r;
	int rc;

	record_init(&r);
	snprintf(r.sweep_id, sizeof(r.sweep_id), "%s", sweep);
	snprintf(r.workload, sizeof(r.workload), "gups");
	snprintf(r.status, sizeof(r.status), "%s", status);
	r.cell = cell;
	r.warmup = warmup;
	r.rep = rep;
	r.seq = cell * 10 + rep;
	r.started_ns = 1;
	r.machine = &machine;
	r.kernel = &kernel;
	rc = store_save_run(st, &r, &err);
	r.machine = NULL;
	r.kernel = NULL;
	record_free(&r);
	return rc;
}

static void test_migrates_v1(void **state)
{
	const char *path = path_of("v1.db");
	sqlite3 *db;
	struct store *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1;"
				      "INSERT INTO machines (id, hostname, arch) VALUES ('m', 'h', 'a');"
				      "INSERT INTO kernels (id, release, version, arch, page_size, pmd_size,"
				      " has_cachestat) VALUES ('k', 'r', 'v', 'a', 4096, 0, 0);"
				      "INSERT INTO runs (id, machine_id, kernel_id, variant, target, workload,"
				      " status, started_ns, harness_version)"
				      " VALUES ('old', 'm', 'k', 'running', 'local', 'gups', 'ok', 1, '0');",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_ok(path);
	db = (st)->db;
	assert_int_equal(q(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(q(db, "SELECT count(*) FROM runs WHERE id = 'old' AND cell IS NULL AND seq IS NULL"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM pragma_table_info('sweeps') WHERE name IN"
			 " ('file_hash','file_text','cells','planned_runs','planned_warmups','ended')"), 6);
	assert_int_equal(q(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'runs_sweep_slot'"), 1);
	store_close(st);
}

/* The identity a sweep is found by: file hash, machine, kernel. */
static const struct sweep_row *key_of(const char *hash)
{
	static struct sweep_row k;

	memset(&k, 0, sizeof(k));
	snprintf(k.file_hash, sizeof(k.file_hash), "%s", hash);
	snprintf(k.machine_id, sizeof(k.machine_id), "%s", "00000000000000m1");
	snprintf(k.kernel_id, sizeof(k.kernel_id), "%s", "00000000000000k1");
	return &k;
}

static void test_create_find_get(void **state)
{
	struct store *st = open_ok(path_of("s.db"));
	struct sweep_row a, b, got;
	struct herr err = { 0 };
	char prefix[9];

	new_row(&a, "00000000000000a1");
	new_row(&b, "00000000000000a1");
	memcpy(a.machine_id, key_of("")->machine_id, sizeof(a.machine_id));
	memcpy(a.kernel_id, key_of("")->kernel_id, sizeof(a.kernel_id));
	memcpy(b.machine_id, a.machine_id, sizeof(b.machine_id));
	memcpy(b.kernel_id, a.kernel_id, sizeof(b.kernel_id));
	assert_int_equal(store_sweep_create(st, &a, &err), 0);
	assert_int_equal(store_sweep_find(st, key_of("00000000000000a1"), 0, &got, &err), 1);
	assert_string_equal(got.id, a.id);
	assert_string_equal(got.status, "running");
	assert_string_equal(got.file_text, "[sweep]\n");
	assert_int_equal(got.planned_runs, 4);
	store_sweep_row_free(&got);
	assert_int_equal(store_sweep_find(st, key_of("00000000000000a1"), 1, &got, &err), 0);
	assert_int_equal(store_sweep_find(st, key_of("ffffffffffffffff"), 0, &got, &err), 0);

	/* complete: found only as complete, with its end time */
	assert_int_equal(store_sweep_set_status(st, a.id, "complete", &err), 0);
	assert_int_equal(store_sweep_find(st, key_of("00000000000000a1"), 0, &got, &err), 0);
	assert_int_equal(store_sweep_find(st, key_of("00000000000000a1"), 1, &got, &err), 1);
	assert_true(got.ended[0] != '\0');
	store_sweep_row_free(&got);

	/* the same file under another kernel or without one is another sweep */
	{
		struct sweep_row other = *key_of("00000000000000a1");

		snprintf(other.kernel_id, sizeof(other.kernel_id), "00000000000000k2");
		assert_int_equal(store_sweep_find(st, &other, 1, &got, &err), 0);
		other.kernel_id[0] = '\0';
		assert_int_equal(store_sweep_find(st, &other, 1, &got, &err), 0);
	}

	/* the newest unfinished one of a hash wins */
	assert_int_equal(store_sweep_create(st, &b, &err), 0);
	assert_int_equal(store_sweep_find(st, key_of("00000000000000a1"), 0, &got, &err), 1);
	assert_string_equal(got.id, b.id);
	store_sweep_row_free(&got);

	snprintf(prefix, sizeof(prefix), "%.8s", a.id);
	assert_int_equal(store_sweep_get(st, prefix, &got, &err), 0);
	assert_string_equal(got.id, a.id);
	store_sweep_row_free(&got);
	assert_int_equal(store_sweep_get(st, "last", &got, &err), 0);
	store_sweep_row_free(&got);
	assert_int_equal(store_sweep_get(st, "zz", &got, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_int_equal(store_sweep_get(st, "0000", &got, &err), -1);
	assert_non_null(strstr(err.msg, "no such sweep"));
	store_close(st);
}

struct seen {
	int n, warm;
};

static int count_slot(void *user, long long cell, int warmup, int rep)
{
	struct seen *s = user;

	s->n++;
	s->warm += warmup;
	return 0;
}

static void test_slots_unique_and_counts(void **state)
{
	struct store *st = open_ok(path_of("slots.db"));
	struct sweep_row a, *rows;
	struct herr err = { 0 };
	struct seen seen = { 0 };
	size_t n;

	new_row(&a, "00000000000000b2");
	assert_int_equal(store_sweep_create(st, &a, &err), 0);
	assert_int_equal(save_slot(st, a.id, 0, 1, 0, "ok"), 0);
	assert_int_equal(save_slot(st, a.id, 0, 0, 0, "ok"), 0);
	assert_int_equal(save_slot(st, a.id, 1, 0, 0, "failed"), 0);
	/* the same slot twice is refused, and nothing of it is left */
	assert_int_equal(save_slot(st, a.id, 0, 0, 0, "ok"), -1);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM runs"), 3);
	/* outside a sweep, cell and seq are NULL and never collide */
	assert_int_equal(save_slot(st, "", 0, 0, 0, "ok"), 0);
	assert_int_equal(save_slot(st, "", 0, 0, 0, "ok"), 0);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM runs WHERE sweep_id IS NULL AND cell IS NULL"), 2);

	assert_int_equal(store_sweep_slots(st, a.id, count_slot, &seen, &err), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.warm, 1);

	assert_int_equal(store_sweep_list(st, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].done_runs, 2);
	assert_int_equal(rows[0].done_warmups, 1);
	assert_int_equal(rows[0].failed_runs, 1);
	assert_null(rows[0].file_text);
	assert_string_equal(rows[0].file, "sweeps/t.ini");
	store_sweep_rows_free(rows, n);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrates_v1),
		cmocka_unit_test(test_create_find_get),
		cmocka_unit_test(test_slots_unique_and_counts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
