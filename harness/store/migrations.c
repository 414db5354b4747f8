/* Schema migrations, documented column by column in docs/schema.md.
 * Each step runs inside the transaction that also sets user_version, so a
 * database is either at the old version or fully at the new one. */
#include "store/store.h"
#include "store/migrations.h"

/* Version 0 -> 1: the initial schema. Timestamps of runs are integers (ns
 * since the Unix epoch, as measured); first_seen/created are ISO-8601 UTC
 * text because nobody computes with them and sqlite3 users can read them. */
static const char schema_v1[] =
	"CREATE TABLE machines ("
	"  id TEXT PRIMARY KEY,"
	"  hostname TEXT NOT NULL,"
	"  arch TEXT NOT NULL,"
	"  cpu_model TEXT,"
	"  midr_implementer INTEGER,"
	"  midr_part INTEGER,"
	"  packages INTEGER,"
	"  cores INTEGER,"
	"  pus INTEGER,"
	"  numa_nodes INTEGER,"
	"  mem_total_bytes INTEGER,"
	"  topology_json TEXT,"
	"  first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
	");"
	"CREATE TABLE kernels ("
	"  id TEXT PRIMARY KEY,"
	"  release TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  arch TEXT NOT NULL,"
	"  cmdline TEXT,"
	"  page_size INTEGER NOT NULL,"
	"  pmd_size INTEGER NOT NULL,"
	"  mthp_sizes TEXT NOT NULL DEFAULT '[]',"
	"  has_cachestat INTEGER NOT NULL CHECK (has_cachestat IN (0, 1)),"
	"  first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
	");"
	"CREATE TABLE sweeps ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  file TEXT,"
	"  target TEXT,"
	"  status TEXT NOT NULL DEFAULT 'running',"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
	"  plan_json TEXT"
	");"
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"
	"  sweep_id TEXT REFERENCES sweeps(id),"
	"  machine_id TEXT NOT NULL REFERENCES machines(id),"
	"  kernel_id TEXT NOT NULL REFERENCES kernels(id),"
	"  variant TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  workload TEXT NOT NULL,"
	"  params_json TEXT,"
	"  rep INTEGER NOT NULL DEFAULT 0,"
	"  warmup INTEGER NOT NULL DEFAULT 0 CHECK (warmup IN (0, 1)),"
	"  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),"
	"  reason TEXT,"
	"  started_ns INTEGER NOT NULL,"
	"  ended_ns INTEGER,"
	"  exit_code INTEGER,"
	"  term_signal INTEGER,"
	"  stderr_tail TEXT,"
	"  settings_json TEXT,"
	"  harness_version TEXT NOT NULL"
	");"
	"CREATE INDEX runs_started ON runs(started_ns);"
	"CREATE INDEX runs_workload ON runs(workload, variant);"
	"CREATE INDEX runs_sweep ON runs(sweep_id);"
	"CREATE INDEX runs_machine ON runs(machine_id);"
	"CREATE INDEX runs_kernel ON runs(kernel_id);"
	/* value is NULL exactly when nothing was measured: a missing counter
	 * must never be mistaken for a measured zero. */
	"CREATE TABLE metrics ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL CHECK (scope IN ('process', 'region', 'workload')),"
	"  name TEXT NOT NULL,"
	"  value REAL,"
	"  unit TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('counter', 'gauge', 'rate')),"
	"  better TEXT NOT NULL CHECK (better IN ('lower', 'higher', 'none')),"
	"  source TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('ok', 'scaled', 'not_measured', 'not_counted')),"
	"  reason TEXT,"
	"  UNIQUE (run_id, scope, name),"
	"  CHECK ((value IS NULL) = (status IN ('not_measured', 'not_counted')))"
	");"
	"CREATE INDEX metrics_name ON metrics(name);"
	"CREATE TABLE series ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  unit TEXT NOT NULL,"
	"  UNIQUE (run_id, name)"
	");"
	"CREATE TABLE samples ("
	"  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,"
	"  t_ns INTEGER NOT NULL,"
	"  value REAL"
	");"
	"CREATE INDEX samples_series ON samples(series_id, t_ns);"
	/* The join most readers want, so a time series is one plain query. */
	"CREATE VIEW series_samples AS"
	"  SELECT s.run_id, s.name, s.unit, p.t_ns, p.value"
	"  FROM series s JOIN samples p ON p.series_id = s.id;"
	"CREATE TABLE pmu_events ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  config INTEGER NOT NULL,"
	"  config1 INTEGER NOT NULL,"
	"  config2 INTEGER NOT NULL,"
	"  grp INTEGER NOT NULL,"
	"  scope TEXT NOT NULL CHECK (scope IN ('process', 'region', 'workload')),"
	"  raw INTEGER,"
	"  time_enabled INTEGER,"
	"  time_running INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('ok', 'scaled', 'not_measured', 'not_counted')),"
	"  reason TEXT"
	");"
	"CREATE INDEX pmu_events_run ON pmu_events(run_id);"
	"CREATE TABLE knobs ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  previous TEXT"
	");"
	"CREATE INDEX knobs_run ON knobs(run_id);";

/* Version 1 -> 2: what sweeps need. A sweep keeps its file's text and
 * hash (resume finds it by content, and --resume ID re-reads the very
 * plan), its planned counts, and each run its cell and its place in the
 * order. The partial unique index is the guarantee against duplicates:
 * a slot (cell, warm-up or not, repetition) of a sweep is stored once. */
static const char schema_v2[] =
	"ALTER TABLE sweeps ADD COLUMN file_hash TEXT;"
	"ALTER TABLE sweeps ADD COLUMN file_text TEXT;"
	"ALTER TABLE sweeps ADD COLUMN cells INTEGER;"
	"ALTER TABLE sweeps ADD COLUMN planned_runs INTEGER;"
	"ALTER TABLE sweeps ADD COLUMN planned_warmups INTEGER;"
	"ALTER TABLE sweeps ADD COLUMN ended TEXT;"
	"ALTER TABLE runs ADD COLUMN cell INTEGER;"
	"ALTER TABLE runs ADD COLUMN seq INTEGER;"
	"CREATE INDEX sweeps_file_hash ON sweeps(file_hash);"
	"CREATE UNIQUE INDEX runs_sweep_slot ON runs(sweep_id, cell, warmup, rep)"
	"  WHERE sweep_id IS NOT NULL;";

/* Version 2 -> 3: boots (qemu target). A boot is one start of a
 * variant's kernel; its runs point at it, so boot-to-boot variance can be
 * seen and every run of an emulated or remote target has the console log
 * of the boot it ran in. kernel_id is what the guest reported (no foreign
 * key: a boot that never reached its agent has none, and the kernels row
 * arrives with the first run). */
static const char schema_v3[] =
	"CREATE TABLE boots ("
	"  id TEXT PRIMARY KEY,"
	"  sweep_id TEXT REFERENCES sweeps(id),"
	"  variant TEXT NOT NULL,"
	"  kernel_id TEXT,"
	"  target TEXT NOT NULL,"
	"  started_ns INTEGER NOT NULL,"
	"  ended_ns INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),"
	"  reason TEXT,"
	"  console_log TEXT,"
	"  settings_json TEXT"
	");"
	"CREATE INDEX boots_variant ON boots(variant, started_ns);"
	"CREATE INDEX boots_sweep ON boots(sweep_id);"
	"ALTER TABLE runs ADD COLUMN boot_id TEXT REFERENCES boots(id);"
	"CREATE INDEX runs_boot ON runs(boot_id);";

/* Version 3 -> 4: variants. A variant as it ran: its name, target,
 * the knobs in force and the launcher, identified by a hash of that
 * definition, so the same name with other knobs is another variant and
 * databases from several machines merge without clashes. The kernel is
 * runs.kernel_id. Runs stored before version 4 keep variant_id NULL. */
static const char schema_v4[] =
	"CREATE TABLE variants ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  definition_json TEXT NOT NULL,"
	"  first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
	");"
	"CREATE INDEX variants_name ON variants(name);"
	"ALTER TABLE runs ADD COLUMN variant_id TEXT REFERENCES variants(id);"
	"CREATE INDEX runs_variant ON runs(variant_id);";

/* Version 4 -> 5: a sweep's identity is its file's content plus the
 * machine that ran it and, on a target that runs on that machine's own
 * kernel, that kernel: results of one kernel are never shown or resumed
 * as another's. machine_id is the controller's (no foreign key: on a
 * target that boots kernels the machines rows are the guests'); kernel_id
 * and kernel_release are NULL where the sweep boots its own kernels.
 * Sweeps stored before take the machine and, where none of their runs
 * ran in a boot, the kernel of their first run. */
static const char schema_v5[] =
	"ALTER TABLE sweeps ADD COLUMN machine_id TEXT;"
	"ALTER TABLE sweeps ADD COLUMN kernel_id TEXT;"
	"ALTER TABLE sweeps ADD COLUMN kernel_release TEXT;"
	"UPDATE sweeps SET machine_id = (SELECT r.machine_id FROM runs r WHERE r.sweep_id = sweeps.id"
	"  ORDER BY r.seq LIMIT 1);"
	"UPDATE sweeps SET kernel_id = (SELECT r.kernel_id FROM runs r WHERE r.sweep_id = sweeps.id"
	"  ORDER BY r.seq LIMIT 1)"
	" WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.boot_id IS NOT NULL);"
	"UPDATE sweeps SET kernel_release = (SELECT k.release FROM kernels k WHERE k.id = sweeps.kernel_id)"
	" WHERE kernel_id IS NOT NULL;"
	"DROP INDEX sweeps_file_hash;"
	"CREATE INDEX sweeps_identity ON sweeps(file_hash, machine_id, kernel_id);";

/* Version 5 -> 6: tags, names of sweeps (a CI baseline: `harness tag`).
 * The name is the key, so a tag points at one sweep and moving it is an
 * update; a tag never names something else than a sweep stored here. */
static const char schema_v6[] =
	"CREATE TABLE tags ("
	"  name TEXT PRIMARY KEY,"
	"  sweep_id TEXT NOT NULL REFERENCES sweeps(id),"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
	");"
	"CREATE INDEX tags_sweep ON tags(sweep_id);";

/* Version 6 -> 7: a kernel's source, as the build that made it describes
 * it ("linux-source-7.2 7.2.13-1", "git PATH REF COMMIT", "tarball
 * PATH"), so one sweep can compare the same variant on two sources and
 * each kernel says which it is. NULL where the harness did not build the
 * kernel (the local target's running kernel) and for kernels stored
 * before. */
static const char schema_v7[] =
	"ALTER TABLE kernels ADD COLUMN source TEXT;";

/* Version 7 -> 8: what each boot's kernel spends on itself (issue 13):
 * MemTotal, the physical memory it manages and what it reserved at boot
 * (the kernel log's "Memory: ..." line), the memory map (struct page
 * arrays: /proc/vmstat nr_memmap_pages + nr_memmap_boot_pages, 6.11+, or
 * computed), bytes, NULL when not measured with memory_reason saying why.
 * Local runs get a boots row too: id = the kernel's own boot_id. */
static const char schema_v8[] =
	"ALTER TABLE boots ADD COLUMN mem_total_bytes INTEGER;"
	"ALTER TABLE boots ADD COLUMN mem_physical_bytes INTEGER;"
	"ALTER TABLE boots ADD COLUMN mem_reserved_bytes INTEGER;"
	"ALTER TABLE boots ADD COLUMN memmap_bytes INTEGER;"
	"ALTER TABLE boots ADD COLUMN memmap_source TEXT;"
	"ALTER TABLE boots ADD COLUMN memory_reason TEXT;";

const char *const store_migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
	schema_v7,
	schema_v8,
};
const size_t store_nmigrations = sizeof(store_migrations) / sizeof(store_migrations[0]);

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");
