/* The results store against real SQLite files in a temporary directory:
 * schema, one-transaction saves, refusal of bad files without touching
 * them, run lookup, and `harness show` on what was saved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/record.h"
#include "store/run_json.h"
#include "store/store.h"
#include "store/store_int.h" /* the tests look at the SQL itself */

static char tmp[256];

static int mk_tmp(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/test_store.XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmp) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	chmod(path, 0700);	/* a test may have made it read-only */
	return remove(path);
}

static int rm_tmp(void **state)
{
	chmod(tmp, 0700);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char *tmp_path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static const struct machine_info machine_a = {
	.id = "00000000000000aa", .hostname = "lab-a", .arch = "aarch64",
	.cpu_model = "Arm Neoverse-N1", .midr_implementer = 0x41, .midr_part = 0xd0c,
	.packages = 1, .cores = 4, .pus = 4, .numa_nodes = 1,
	.mem_total_bytes = 8ULL << 30, .topology_json = "{\"numa_nodes\":[]}",
};
static const struct machine_info machine_b = {
	.id = "00000000000000bb", .hostname = "pc", .arch = "x86_64",
	.cpu_model = "AMD EPYC", .midr_implementer = -1, .midr_part = -1,
	.packages = 1, .cores = 2, .pus = 2, .numa_nodes = 1,
	.mem_total_bytes = 4ULL << 30, .topology_json = "{}",
};
static const struct kernel_info kernel_a = {
	.id = "000000000000000a", .release = "6.12.117", .version = "#1 SMP",
	.arch = "aarch64", .cmdline = "console=ttyAMA0", .page_size = 4096,
	.pmd_size = 2 << 20, .mthp_sizes = "[65536,2097152]", .has_cachestat = 1,
};

/* A run with every kind of data; id NULL keeps record_init's UUID. */
static void make_run(struct run_record *r, const char *id, int64_t started,
		     const struct machine_info *m)
{
	struct metric *bad;

	record_init(r);
	if (id)
		snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->workload, sizeof(r->workload), "gups");
	r->params_json = strdup("{\"size\":1048576}");
	r->settings_json = strdup("{\"thp\":{\"enabled\":\"madvise\"}}");
	r->stderr_tail = strdup("");
	r->started_ns = started;
	r->ended_ns = started + 1500000000;
	r->machine = m;
	r->kernel = &kernel_a;
	mset_add(&r->metrics, SCOPE_PROCESS, "fault.minor", 65537);
	mset_add(&r->metrics, SCOPE_REGION, "cpu.cycles", 1.5e9)->status = MS_SCALED;
	mset_missing(&r->metrics, SCOPE_PROCESS, "tlb.l1d_refill", MS_NOT_COUNTED,
		     "QEMU TCG: opened but never counts");
	bad = mset_missing(&r->metrics, SCOPE_REGION, "tlb.dtlb_walk", MS_NOT_MEASURED,
			   "ENOENT: event not advertised");
	bad->value = 12345;	/* garbage that must not reach the database */
	mset_add_workload(&r->metrics, "gups", 0.0123, "GUP/s", KIND_RATE, BETTER_HIGHER);
}

static void add_samples(struct run_record *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(mset_sample(&r->metrics, "rss", "bytes", (int64_t)i * 1000000,
					     (double)(i * 4096)), 0);
		if (i % 10 == 0)
			assert_int_equal(mset_sample(&r->metrics, "pagetables", "bytes",
						     (int64_t)i * 1000000, (double)i), 0);
	}
}

static void add_pmu_and_knobs(struct run_record *r)
{
	struct pmu_record *p = mset_add_pmu(&r->metrics);

	snprintf(p->metric, sizeof(p->metric), "cpu.cycles");
	snprintf(p->event, sizeof(p->event), "arm_n1::CPU_CYCLES");
	p->type = 8;
	p->config = 0x11;
	p->scope = SCOPE_REGION;
	p->raw = 1000000000;
	p->time_enabled = 300;
	p->time_running = 200;
	p->status = MS_SCALED;
	p = mset_add_pmu(&r->metrics);
	snprintf(p->metric, sizeof(p->metric), "tlb.dtlb_walk");
	snprintf(p->event, sizeof(p->event), "arm_n1::DTLB_WALK");
	p->config = 0x34;
	p->group = 1;
	p->status = MS_NOT_MEASURED;
	snprintf(p->reason, sizeof(p->reason), "ENOENT");
	r->knobs = calloc(2, sizeof(*r->knobs));
	r->knobs[0] = (struct knob){ strdup("/sys/kernel/mm/transparent_hugepage/enabled"),
				     strdup("always"), strdup("madvise") };
	r->knobs[1] = (struct knob){ strdup("/proc/sys/vm/overcommit_memory"), strdup("1"), NULL };
	r->nknobs = 2;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

/* One integer from an SQL query on an open handle. */
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

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);

	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct store *open_ok(const char *path, enum store_mode mode)
{
	struct herr err = { 0 };
	struct store *st = NULL;

	if (store_open(path, mode, &st, &err))
		fail_msg("store_open %s: %s", path, err.msg);
	return st;
}

static void save_ok(struct store *st, struct run_record *r)
{
	struct herr err = { 0 };

	if (store_save_run(st, r, &err))
		fail_msg("store_save_run: %s", err.msg);
}

/* store_open must refuse the file with EXIT_USAGE, a message naming it
 * and containing want, and leave its bytes exactly as they were. */
static void expect_refused(const char *path, enum store_mode mode, const char *want)
{
	struct herr err = { 0 };
	struct store *st = NULL;
	size_t before_len = 0, after_len;
	char *before = access(path, F_OK) == 0 ? slurp(path, &before_len) : NULL;
	char *after;

	assert_int_equal(store_open(path, mode, &st, &err), -1);
	assert_null(st);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, path));
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	assert_null(strchr(err.msg, '\n'));
	if (before) {
		after = slurp(path, &after_len);
		assert_int_equal(before_len, after_len);
		assert_memory_equal(before, after, before_len);
		free(after);
		free(before);
	}
}

static void test_create_and_reopen(void **state)
{
	const char *path = tmp_path("results/results.db");	/* results/ is missing */
	struct store *st = open_ok(path, STORE_WRITE);
	sqlite3 *db;

	assert_string_equal(store_path(st), path);
	db = (st)->db;
	assert_int_equal(q(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(q(db, "PRAGMA foreign_keys"), 1);
	store_close(st);

	st = open_ok(path, STORE_WRITE);	/* a second open migrates nothing */
	store_close(st);
	st = open_ok(path, STORE_READ);
	db = (st)->db;
	assert_int_equal(q(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(q(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
			 " ('machines','kernels','sweeps','runs','metrics','series','samples',"
			 "'pmu_events','knobs')"), 9);
	assert_true(sqlite3_db_readonly(db, "main") == 1);
	store_close(st);
}

static void test_save_everything(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	sqlite3 *db = (st)->db;
	struct run_record r;
	struct timespec t0, t1;

	make_run(&r, NULL, 1700000000000000000LL, &machine_a);
	add_samples(&r, 20000);
	add_pmu_and_knobs(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	save_ok(st, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 22 000 rows; one transaction and prepared statements make it fast. */
	assert_true((t1.tv_sec - t0.tv_sec) < 5);

	assert_int_equal(q(db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM runs WHERE harness_version = '" HARNESS_VERSION "'"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM metrics"), 5);
	assert_int_equal(q(db, "SELECT count(*) FROM metrics WHERE value IS NULL"), 2);
	assert_int_equal(q(db, "SELECT count(*) FROM metrics WHERE name = 'tlb.dtlb_walk' AND value IS NULL"
			 " AND status = 'not_measured' AND reason = 'ENOENT: event not advertised'"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM metrics WHERE name = 'tlb.l1d_refill' AND value IS NULL"
			 " AND status = 'not_counted' AND reason LIKE 'QEMU%'"), 1);
	assert_int_equal(q(db, "SELECT value FROM metrics WHERE name = 'fault.minor' AND scope = 'process'"
			 " AND status = 'ok' AND reason IS NULL"), 65537);
	assert_int_equal(q(db, "SELECT count(*) FROM metrics WHERE name = 'cpu.cycles' AND status = 'scaled'"
			 " AND scope = 'region'"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM series"), 2);
	assert_int_equal(q(db, "SELECT count(*) FROM samples"), 22000);
	assert_int_equal(q(db, "SELECT value FROM series_samples WHERE name = 'rss' AND t_ns = 3000000"),
			 3 * 4096);
	assert_int_equal(q(db, "SELECT count(*) FROM pmu_events"), 2);
	assert_int_equal(q(db, "SELECT time_running FROM pmu_events WHERE metric = 'cpu.cycles'"), 200);
	assert_int_equal(q(db, "SELECT raw IS NULL FROM pmu_events WHERE metric = 'tlb.dtlb_walk'"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM knobs WHERE previous IS NULL"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM knobs WHERE previous = 'madvise' AND value = 'always'"), 1);
	assert_int_equal(q(db, "SELECT midr_part FROM machines"), 0xd0c);
	assert_int_equal(q(db, "SELECT page_size FROM kernels"), 4096);
	assert_int_equal(q(db, "SELECT sweep_id IS NULL AND reason IS NULL FROM runs"), 1);
	record_free(&r);
	store_close(st);
}

/* A NaN reported as measured is stored as not measured, saying why. */
static void test_nan_becomes_not_measured(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	struct run_record r;

	make_run(&r, NULL, 1, &machine_b);
	mset_add_workload(&r.metrics, "latency", NAN, "ns", KIND_GAUGE, BETTER_LOWER);
	save_ok(st, &r);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM metrics WHERE name = 'latency'"
			   " AND value IS NULL AND status = 'not_measured' AND reason LIKE '%NaN%'"), 1);
	assert_int_equal(q((st)->db, "SELECT midr_implementer IS NULL AND midr_part IS NULL FROM machines"), 1);
	record_free(&r);
	store_close(st);
}

static void test_machine_kernel_dedup(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	struct run_record a, b;

	make_run(&a, NULL, 1, &machine_a);
	make_run(&b, NULL, 2, &machine_a);
	save_ok(st, &a);
	save_ok(st, &b);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM machines"), 1);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM kernels"), 1);
	record_free(&a);
	record_free(&b);
	store_close(st);
}

/* Counts that must not move when a save fails. */
static long long total_rows(sqlite3 *db)
{
	return q(db, "SELECT (SELECT count(*) FROM machines) + (SELECT count(*) FROM kernels)"
		 " + (SELECT count(*) FROM runs) + (SELECT count(*) FROM metrics)"
		 " + (SELECT count(*) FROM series) + (SELECT count(*) FROM samples)"
		 " + (SELECT count(*) FROM pmu_events) + (SELECT count(*) FROM knobs)");
}

static void test_rollback_duplicate_id(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	struct run_record a, b;
	struct herr err = { 0 };
	long long before;

	make_run(&a, NULL, 1, &machine_a);
	save_ok(st, &a);
	before = total_rows((st)->db);
	/* Same id, new machine: the machine row is written before the run
	 * row fails, and must be rolled back with it. */
	make_run(&b, a.id, 2, &machine_b);
	add_samples(&b, 100);
	assert_int_equal(store_save_run(st, &b, &err), -1);
	assert_int_equal(err.code, EXIT_RUNTIME);
	assert_non_null(strstr(err.msg, a.id));
	assert_int_equal(total_rows((st)->db), before);
	assert_int_equal(q((st)->db, "SELECT count(*) FROM machines WHERE id = '00000000000000bb'"), 0);
	/* The connection is usable afterwards (no transaction left open). */
	assert_int_equal(sqlite3_get_autocommit((st)->db), 1);
	record_free(&a);
	record_free(&b);
	store_close(st);
}

static void test_rollback_mid_save(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	struct run_record r;
	struct herr err = { 0 };

	make_run(&r, NULL, 1, &machine_a);
	add_samples(&r, 50);
	/* Fails on the metrics insert, after machine, kernel and run rows. */
	mset_add(&r.metrics, SCOPE_PROCESS, "fault.minor", 1);
	assert_int_equal(store_save_run(st, &r, &err), -1);
	assert_non_null(strstr(err.msg, "UNIQUE"));
	assert_int_equal(total_rows((st)->db), 0);
	record_free(&r);
	store_close(st);
}

static void test_newer_schema_refused(void **state)
{
	const char *path = tmp_path("new.db");
	char want[128];

	store_close(open_ok(path, STORE_WRITE));
	raw_exec(path, "PRAGMA user_version = 99");
	snprintf(want, sizeof(want), "written by a newer harness (schema 99, this harness knows %d)",
		 STORE_SCHEMA_VERSION);
	expect_refused(path, STORE_WRITE, want);
	expect_refused(path, STORE_READ, "newer harness");
}

static void test_garbage_refused(void **state)
{
	const char *path = tmp_path("garbage.db");

	write_file(path, "this is not a database, it is a shopping list\n");
	expect_refused(path, STORE_WRITE, "not an SQLite database");
	expect_refused(path, STORE_READ, "not an SQLite database");
}

/* Right header, garbage after it: caught by the first read. */
static void test_corrupt_refused(void **state)
{
	const char *path = tmp_path("corrupt.db");
	char page[4096];
	FILE *f;

	memset(page, 0xa5, sizeof(page));
	memcpy(page, "SQLite format 3", 16);
	f = fopen(path, "wb");
	fwrite(page, 1, sizeof(page), f);
	fclose(f);
	expect_refused(path, STORE_WRITE, "not a usable SQLite database");
	expect_refused(path, STORE_READ, "not a usable SQLite database");
}

/* Someone else's SQLite file is not ours to add tables to. */
static void test_foreign_database_refused(void **state)
{
	const char *path = tmp_path("other.db");

	raw_exec(path, "CREATE TABLE contacts (name TEXT)");
	expect_refused(path, STORE_WRITE, "not a harness results database");
}

static void test_read_missing(void **state)
{
	const char *path = tmp_path("absent/none.db");
	struct stat sb;

	expect_refused(path, STORE_READ, "no such results database");
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(stat(tmp_path("absent"), &sb), -1);	/* no directory either */
	expect_refused(tmp_path("none.db"), STORE_READ, "no such");
	assert_int_equal(stat(tmp_path("none.db"), &sb), -1);
}

/* The read-only handle refuses to save and the file keeps its bytes. */
static void test_read_mode_never_writes(void **state)
{
	const char *path = tmp_path("r.db");
	struct store *st = open_ok(path, STORE_WRITE);
	struct run_record r;
	struct herr err = { 0 };
	size_t n1, n2;
	char *before, *after;

	store_close(st);
	before = slurp(path, &n1);
	st = open_ok(path, STORE_READ);
	make_run(&r, NULL, 1, &machine_a);
	assert_int_equal(store_save_run(st, &r, &err), -1);
	store_close(st);
	after = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
	record_free(&r);
}

static void test_parent_not_creatable(void **state)
{
	write_file(tmp_path("plainfile"), "x");
	expect_refused(tmp_path("plainfile/r.db"), STORE_WRITE, "not a directory");
	expect_refused(tmp_path("a/b/r.db"), STORE_WRITE, "cannot create directory");
}

/* Permission checks do not apply to root, so drop to nobody in a child. */
static int as_unprivileged(void (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(99);
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* In the child: no cmocka (it cannot report across fork); exit codes. */
static void unwritable_child(void)
{
	const char *cases[][2] = {
		{ "ro/new.db", "not writable" },	/* directory read-only */
		{ "ro/old.db", "not writable" },	/* existing file in it */
		{ "rofile.db", "not writable" },	/* read-only file */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct herr err = { 0 };
		struct store *st = NULL;

		if (store_open(tmp_path(cases[i][0]), STORE_WRITE, &st, &err) != -1 ||
		    err.code != EXIT_USAGE || !strstr(err.msg, cases[i][1]) ||
		    !strstr(err.msg, tmp)) {
			fprintf(stderr, "case %s: %s\n", cases[i][0], err.msg);
			_exit(1 + (int)i);
		}
	}
}

static void test_unwritable(void **state)
{
	struct stat sb;

	mkdir(tmp_path("ro"), 0755);
	store_close(open_ok(tmp_path("ro/old.db"), STORE_WRITE));
	store_close(open_ok(tmp_path("rofile.db"), STORE_WRITE));
	chmod(tmp_path("ro/old.db"), 0666);
	chmod(tmp_path("ro"), 0555);
	chmod(tmp_path("rofile.db"), 0444);
	chmod(tmp, 0755);
	assert_int_equal(as_unprivileged(unwritable_child), 0);
	assert_int_equal(stat(tmp_path("ro/new.db"), &sb), -1);
}

/* Issue 16: a negative user_version skipped every migration. */
static void test_negative_version_refused(void **state)
{
	const char *path = tmp_path("neg.db");

	store_close(open_ok(path, STORE_WRITE));
	raw_exec(path, "PRAGMA user_version = -1");
	expect_refused(path, STORE_WRITE, "schema -1");
	expect_refused(path, STORE_READ, "schema -1");
}

/* Opening a current database for writing and closing it writes nothing:
 * a command that fails after opening leaves the file as it was. */
static void test_open_current_writes_nothing(void **state)
{
	const char *path = tmp_path("same.db");
	struct store *st = open_ok(path, STORE_WRITE);
	struct run_record r;
	size_t n1, n2;
	char *before, *after;

	make_run(&r, NULL, 1, &machine_a);
	save_ok(st, &r);
	record_free(&r);
	store_close(st);
	before = slurp(path, &n1);
	store_close(open_ok(path, STORE_WRITE));
	after = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
}

/* A damaged page past the schema: refused for writing before any write. */
static void test_damaged_page_refused(void **state)
{
	const char *path = tmp_path("damaged.db");
	struct store *st = open_ok(path, STORE_WRITE);
	struct run_record r;
	long long page = 0, npages = 0;
	sqlite3 *db;
	char junk[512];
	FILE *f;

	for (int i = 0; i < 20; i++) {
		make_run(&r, NULL, i + 1, &machine_a);
		save_ok(st, &r);
		record_free(&r);
	}
	store_close(st);
	db = raw_open(path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	db = raw_open(path);
	{
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_schema WHERE "
						    "name = 'samples'", -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		page = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		npages = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	assert_true(page > 1 && page <= npages);
	memset(junk, 0x5a, sizeof(junk));
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, (long)(page - 1) * 4096, SEEK_SET);
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	expect_refused(path, STORE_WRITE, "damaged");
}

static void test_empty_path_refused(void **state)
{
	struct herr err = { 0 };
	struct store *st = NULL;

	assert_int_equal(store_open("", STORE_WRITE, &st, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(store_open("", STORE_READ, &st, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
}

/* A healthy WAL database where -shm cannot be created (a read-only mount;
 * here a directory nobody may write) is still readable. */
static void read_only_child(void)
{
	struct herr err = { 0 };
	struct store *st = NULL;
	char id[37];

	if (store_open(tmp_path("rodir/r.db"), STORE_READ, &st, &err)) {
		fprintf(stderr, "read-only: %s\n", err.msg);
		_exit(1);
	}
	if (store_find_run(st, "last", id, &err)) {
		fprintf(stderr, "read-only: %s\n", err.msg);
		_exit(2);
	}
	store_close(st);
	if (access(tmp_path("rodir/r.db-shm"), F_OK) == 0)
		_exit(3);
}

static void test_read_only_directory(void **state)
{
	struct store *st;
	struct run_record r;

	mkdir(tmp_path("rodir"), 0755);
	st = open_ok(tmp_path("rodir/r.db"), STORE_WRITE);
	make_run(&r, NULL, 1, &machine_a);
	save_ok(st, &r);
	record_free(&r);
	store_close(st);
	chmod(tmp_path("rodir/r.db"), 0444);
	chmod(tmp_path("rodir"), 0555);
	chmod(tmp, 0755);
	assert_int_equal(as_unprivileged(read_only_child), 0);
}

static void save_with_id(struct store *st, const char *id, int64_t started)
{
	struct run_record r;

	make_run(&r, id, started, &machine_a);
	save_ok(st, &r);
	record_free(&r);
}

static void expect_find(struct store *st, const char *ref, const char *want, int code,
			const char *msg)
{
	struct herr err = { 0 };
	char id[37] = "";
	int rc = store_find_run(st, ref, id, &err);

	if (want) {
		if (rc)
			fail_msg("find %s: %s", ref, err.msg);
		assert_string_equal(id, want);
		return;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, msg))
		fail_msg("find %s: message '%s' lacks '%s'", ref, err.msg, msg);
}

static void test_find_run(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	const char *a1 = "aaaa1111-0000-4000-8000-000000000001";
	const char *a2 = "aaaa2222-0000-4000-8000-000000000002";
	const char *b3 = "bbbb3333-0000-4000-8000-000000000003";

	expect_find(st, "last", NULL, EXIT_USAGE, "no runs");
	save_with_id(st, a1, 300);
	save_with_id(st, b3, 100);
	save_with_id(st, a2, 200);
	expect_find(st, a2, a2, 0, NULL);
	expect_find(st, "aaaa1", a1, 0, NULL);
	expect_find(st, "AAAA2", a2, 0, NULL);
	expect_find(st, "bbbb", b3, 0, NULL);
	expect_find(st, "last", a1, 0, NULL);	/* latest start, not latest insert */
	expect_find(st, "aaaa", NULL, EXIT_USAGE, "ambiguous");
	expect_find(st, "cccc", NULL, EXIT_USAGE, "no such run");
	expect_find(st, "aaa", NULL, EXIT_USAGE, "at least 4");
	expect_find(st, "aa*a", NULL, EXIT_USAGE, "at least 4");
	store_close(st);
}

/* The document behind `harness show`: absent values are null, never 0;
 * JSON columns are embedded as JSON. */
static void test_run_json(void **state)
{
	struct store *st = open_ok(tmp_path("r.db"), STORE_WRITE);
	struct run_record r;
	struct herr err = { 0 };
	json_t *doc, *m, *run, *ser;
	size_t i;
	int seen = 0;

	make_run(&r, NULL, 1700000000000000000LL, &machine_a);
	add_samples(&r, 30);
	add_pmu_and_knobs(&r);
	save_ok(st, &r);
	store_close(st);
	st = open_ok(tmp_path("r.db"), STORE_READ);

	doc = store_run_json(st, r.id, 1, &err);
	if (!doc)
		fail_msg("%s", err.msg);
	run = json_object_get(doc, "run");
	assert_string_equal(json_string_value(json_object_get(run, "id")), r.id);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(run, "params"), "size")), 1048576);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(run, "settings"),
									"thp"), "enabled")), "madvise");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "kernel"), "page_size")), 4096);
	assert_true(json_is_array(json_object_get(json_object_get(doc, "kernel"), "mthp_sizes")));
	assert_true(json_is_object(json_object_get(json_object_get(doc, "machine"), "topology")));
	json_array_foreach(json_object_get(doc, "metrics"), i, m) {
		const char *status = json_string_value(json_object_get(m, "status"));

		if (!strcmp(status, "not_measured") || !strcmp(status, "not_counted")) {
			assert_true(json_is_null(json_object_get(m, "value")));
			assert_true(strlen(json_string_value(json_object_get(m, "reason"))) > 0);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	assert_int_equal(json_array_size(json_object_get(doc, "metrics")), 5);
	assert_int_equal(json_array_size(json_object_get(doc, "pmu_events")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "knobs")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "series")), 2);
	ser = json_array_get(json_object_get(doc, "series"), 0);
	assert_string_equal(json_string_value(json_object_get(ser, "name")), "rss");
	assert_int_equal(json_integer_value(json_object_get(ser, "samples")), 30);
	assert_int_equal(json_array_size(json_object_get(ser, "data")), 30);
	assert_null(json_object_get(ser, "id"));
	json_decref(doc);

	doc = store_run_json(st, "ffffffff-0000-4000-8000-000000000000", 0, &err);
	assert_null(doc);
	assert_int_equal(err.code, EXIT_USAGE);
	record_free(&r);
	store_close(st);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mk_tmp, rm_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_and_reopen),
		T(test_save_everything),
		T(test_nan_becomes_not_measured),
		T(test_machine_kernel_dedup),
		T(test_rollback_duplicate_id),
		T(test_rollback_mid_save),
		T(test_newer_schema_refused),
		T(test_garbage_refused),
		T(test_corrupt_refused),
		T(test_foreign_database_refused),
		T(test_read_missing),
		T(test_read_mode_never_writes),
		T(test_parent_not_creatable),
		T(test_unwritable),
		T(test_negative_version_refused),
		T(test_open_current_writes_nothing),
		T(test_damaged_page_refused),
		T(test_empty_path_refused),
		T(test_read_only_directory),
		T(test_find_run),
		T(test_run_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
