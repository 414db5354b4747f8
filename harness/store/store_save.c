/* store_save_run: one run, everything about it, in one transaction. A run
 * that cannot be saved completely leaves no row behind (no half runs for a
 * resumed sweep to trip over). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "store/store_int.h"

/* The context every insert needs for its error message. */
struct saver {
	struct store *st;
	const struct run_record *r;
	struct herr *err;
};

static int fail(struct saver *sv, const char *what)
{
	return herr_set(sv->err, EXIT_RUNTIME, "%s: saving run %s: %s: %s",
			sv->st->path, sv->r->id, what, sqlite3_errmsg(sv->st->db));
}

static sqlite3_stmt *prep(struct saver *sv, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(sv->st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		fail(sv, what);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Execute a bound insert and make the statement ready for the next row.
 * The message is taken before the reset, which would replace it. */
static int step(struct saver *sv, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		fail(sv, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The record outlives the statement, so no copies (SQLITE_STATIC). */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Optional text: "" means absent and is stored as NULL. */
static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	bind_text(s, i, v && *v ? v : NULL);
}

static void bind_int_or_null(sqlite3_stmt *s, int i, long long v, long long none)
{
	if (v == none)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

static int save_machine(struct saver *sv, const struct machine_info *m)
{
	sqlite3_stmt *s = prep(sv, "INSERT OR IGNORE INTO machines (id, hostname, arch, cpu_model,"
			       " midr_implementer, midr_part, packages, cores, pus, numa_nodes,"
			       " mem_total_bytes, topology_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
			       "machine");
	int rc;

	if (!s)
		return -1;
	bind_text(s, 1, m->id);
	bind_text(s, 2, m->hostname);
	bind_text(s, 3, m->arch);
	bind_opt(s, 4, m->cpu_model);
	bind_int_or_null(s, 5, m->midr_implementer, -1);
	bind_int_or_null(s, 6, m->midr_part, -1);
	sqlite3_bind_int(s, 7, m->packages);
	sqlite3_bind_int(s, 8, m->cores);
	sqlite3_bind_int(s, 9, m->pus);
	sqlite3_bind_int(s, 10, m->numa_nodes);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)m->mem_total_bytes);
	bind_text(s, 12, m->topology_json);
	rc = step(sv, s, "machine");
	sqlite3_finalize(s);
	return rc;
}

static int save_kernel(struct saver *sv, const struct kernel_info *k)
{
	sqlite3_stmt *s = prep(sv, "INSERT OR IGNORE INTO kernels (id, release, version, arch,"
			       " cmdline, page_size, pmd_size, mthp_sizes, has_cachestat, source)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?)", "kernel");
	int rc;

	if (!s)
		return -1;
	bind_text(s, 1, k->id);
	bind_text(s, 2, k->release);
	bind_text(s, 3, k->version);
	bind_text(s, 4, k->arch);
	bind_text(s, 5, k->cmdline);
	sqlite3_bind_int64(s, 6, k->page_size);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)k->pmd_size);
	bind_text(s, 8, k->mthp_sizes ? k->mthp_sizes : "[]");
	sqlite3_bind_int(s, 9, k->has_cachestat ? 1 : 0);
	bind_text(s, 10, k->source[0] ? k->source : NULL);
	rc = step(sv, s, "kernel");
	sqlite3_finalize(s);
	return rc;
}

/* The variant's definition as the run saw it: name, target, the knobs in
 * force and the launcher (from the settings). Keys sorted, so the same
 * definition always hashes to the same id. */
static char *variant_definition(const struct run_record *r)
{
	json_t *knobs = json_object(), *def, *settings;
	char *text;

	for (size_t i = 0; i < r->nknobs; i++)
		json_object_set_new(knobs, r->knobs[i].path, json_string(r->knobs[i].value));
	def = json_pack("{s:s, s:s, s:o}", "name", r->variant, "target", r->target, "knobs", knobs);
	settings = r->settings_json ? json_loads(r->settings_json, 0, NULL) : NULL;
	if (json_object_get(settings, "launcher"))
		json_object_set(def, "launcher", json_object_get(settings, "launcher"));
	text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(settings);
	json_decref(def);
	return text;
}

static int save_variant(struct saver *sv, char id[17])
{
	char *def = variant_definition(sv->r), *keyed;
	sqlite3_stmt *s;
	int rc;

	if (!def || asprintf(&keyed, "%s\n%s", sv->r->variant, def) < 0) {
		free(def);
		return herr_set(sv->err, EXIT_RUNTIME, "out of memory");
	}
	sysinfo_hash_hex(keyed, id);
	free(keyed);
	s = prep(sv, "INSERT OR IGNORE INTO variants (id, name, target, definition_json)"
		 " VALUES (?,?,?,?)", "variant");
	if (!s) {
		free(def);
		return -1;
	}
	bind_text(s, 1, id);
	bind_text(s, 2, sv->r->variant);
	bind_text(s, 3, sv->r->target);
	bind_text(s, 4, def);
	rc = step(sv, s, "variant");
	sqlite3_finalize(s);
	free(def);
	return rc;
}

/* A plain INSERT: a run id that is already stored is an error, never an
 * overwrite. */
static int save_run_row(struct saver *sv)
{
	const struct run_record *r = sv->r;
	char variant_id[17];
	sqlite3_stmt *s;
	int rc;

	if (save_variant(sv, variant_id))
		return -1;
	s = prep(sv, "INSERT INTO runs (id, sweep_id, machine_id, kernel_id, variant,"
		 " target, workload, params_json, rep, warmup, status, reason,"
		 " started_ns, ended_ns, exit_code, term_signal, stderr_tail,"
		 " settings_json, harness_version, cell, seq, boot_id, variant_id)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "run");
	if (!s)
		return -1;
	bind_text(s, 1, r->id);
	bind_opt(s, 2, r->sweep_id);
	bind_text(s, 3, r->machine->id);
	bind_text(s, 4, r->kernel->id);
	bind_text(s, 5, r->variant);
	bind_text(s, 6, r->target);
	bind_text(s, 7, r->workload);
	bind_text(s, 8, r->params_json);
	sqlite3_bind_int(s, 9, r->rep);
	sqlite3_bind_int(s, 10, r->warmup ? 1 : 0);
	bind_text(s, 11, r->status);
	bind_opt(s, 12, r->reason);
	sqlite3_bind_int64(s, 13, r->started_ns);
	sqlite3_bind_int64(s, 14, r->ended_ns);
	sqlite3_bind_int(s, 15, r->exit_code);
	sqlite3_bind_int(s, 16, r->term_signal);
	bind_text(s, 17, r->stderr_tail);
	bind_text(s, 18, r->settings_json);
	bind_text(s, 19, HARNESS_VERSION);
	if (*r->sweep_id) {	/* outside a sweep they mean nothing: NULL */
		sqlite3_bind_int(s, 20, r->cell);
		sqlite3_bind_int(s, 21, r->seq);
	}
	bind_opt(s, 22, r->boot_id);
	bind_text(s, 23, variant_id);
	rc = step(sv, s, "run");
	sqlite3_finalize(s);
	return rc;
}

static int is_missing(enum metric_status st)
{
	return st == MS_NOT_MEASURED || st == MS_NOT_COUNTED;
}

/* Only measured values are stored as numbers. A "measured" NaN (SQLite
 * would turn it into NULL anyway) is recorded as not measured, saying so,
 * rather than failing the whole run. */
static void bind_metric(sqlite3_stmt *s, const char *run_id, const struct metric *m)
{
	int nan = !is_missing(m->status) && isnan(m->value);
	enum metric_status st = nan ? MS_NOT_MEASURED : m->status;

	bind_text(s, 1, run_id);
	bind_text(s, 2, metric_scope_name(m->scope));
	bind_text(s, 3, m->name);
	if (is_missing(st))
		sqlite3_bind_null(s, 4);
	else
		sqlite3_bind_double(s, 4, m->value);
	bind_text(s, 5, m->unit);
	bind_text(s, 6, metric_kind_name(m->kind));
	bind_text(s, 7, metric_better_name(m->better));
	bind_text(s, 8, m->source);
	bind_text(s, 9, metric_status_name(st));
	bind_opt(s, 10, nan ? "the measurement produced NaN" : m->reason);
}

static int save_metrics(struct saver *sv)
{
	const struct metric_set *ms = &sv->r->metrics;
	sqlite3_stmt *s = prep(sv, "INSERT INTO metrics (run_id, scope, name, value, unit, kind,"
			       " better, source, status, reason) VALUES (?,?,?,?,?,?,?,?,?,?)",
			       "metrics");
	int rc = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < ms->n && !rc; i++) {
		bind_metric(s, sv->r->id, &ms->v[i]);
		rc = step(sv, s, ms->v[i].name);
	}
	sqlite3_finalize(s);
	return rc;
}

/* One series row per name; ids[i] receives the row id of names[i]. */
static int save_series(struct saver *sv, sqlite3_int64 *ids)
{
	const struct sample_set *ss = &sv->r->metrics.samples;
	sqlite3_stmt *s = prep(sv, "INSERT INTO series (run_id, name, unit) VALUES (?,?,?)", "series");
	int rc = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < ss->nnames && !rc; i++) {
		bind_text(s, 1, sv->r->id);
		bind_text(s, 2, ss->names[i]);
		bind_text(s, 3, ss->units[i]);
		rc = step(sv, s, ss->names[i]);
		ids[i] = sqlite3_last_insert_rowid(sv->st->db);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Thousands of rows: one prepared statement, rebound per row, inside the
 * run's transaction, which is what makes this fast. */
static int save_samples(struct saver *sv)
{
	const struct sample_set *ss = &sv->r->metrics.samples;
	sqlite3_int64 *ids;
	sqlite3_stmt *s;
	int rc;

	if (!ss->nnames)
		return 0;
	ids = calloc(ss->nnames, sizeof(*ids));
	if (!ids)
		return herr_set(sv->err, EXIT_RUNTIME, "out of memory");
	rc = save_series(sv, ids);
	s = rc ? NULL : prep(sv, "INSERT INTO samples (series_id, t_ns, value) VALUES (?,?,?)",
			     "samples");
	if (!rc && !s)
		rc = -1;
	for (size_t i = 0; i < ss->n && !rc; i++) {
		const struct sample *p = &ss->v[i];

		if (p->metric >= ss->nnames) {
			rc = herr_set(sv->err, EXIT_RUNTIME, "%s: saving run %s: sample %zu names no series",
				      sv->st->path, sv->r->id, i);
			break;
		}
		sqlite3_bind_int64(s, 1, ids[p->metric]);
		sqlite3_bind_int64(s, 2, p->t_ns);
		sqlite3_bind_double(s, 3, p->value);
		rc = step(sv, s, "sample");
	}
	sqlite3_finalize(s);
	free(ids);
	return rc;
}

/* uint64 counters go in as SQLite's signed 64-bit integers; values above
 * 2^63 (not seen in practice) would read back negative. */
static void bind_pmu(sqlite3_stmt *s, const char *run_id, const struct pmu_record *p)
{
	int opened = p->status != MS_NOT_MEASURED;

	bind_text(s, 1, run_id);
	bind_text(s, 2, p->metric);
	bind_text(s, 3, p->event);
	sqlite3_bind_int64(s, 4, p->type);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)p->config);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)p->config1);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)p->config2);
	sqlite3_bind_int(s, 8, p->group);
	bind_text(s, 9, metric_scope_name(p->scope));
	/* An event that never opened has no reading, not a reading of 0. */
	if (opened) {
		sqlite3_bind_int64(s, 10, (sqlite3_int64)p->raw);
		sqlite3_bind_int64(s, 11, (sqlite3_int64)p->time_enabled);
		sqlite3_bind_int64(s, 12, (sqlite3_int64)p->time_running);
	}
	bind_text(s, 13, metric_status_name(p->status));
	bind_opt(s, 14, p->reason);
}

static int save_pmu(struct saver *sv)
{
	const struct metric_set *ms = &sv->r->metrics;
	sqlite3_stmt *s = prep(sv, "INSERT INTO pmu_events (run_id, metric, event, type, config,"
			       " config1, config2, grp, scope, raw, time_enabled, time_running,"
			       " status, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "pmu_events");
	int rc = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < ms->npmu && !rc; i++) {
		bind_pmu(s, sv->r->id, &ms->pmu[i]);
		rc = step(sv, s, ms->pmu[i].event);
	}
	sqlite3_finalize(s);
	return rc;
}

static int save_knobs(struct saver *sv)
{
	const struct run_record *r = sv->r;
	sqlite3_stmt *s = prep(sv, "INSERT INTO knobs (run_id, path, value, previous) VALUES (?,?,?,?)",
			       "knobs");
	int rc = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < r->nknobs && !rc; i++) {
		bind_text(s, 1, r->id);
		bind_text(s, 2, r->knobs[i].path);
		bind_text(s, 3, r->knobs[i].value ? r->knobs[i].value : "");
		bind_text(s, 4, r->knobs[i].previous);
		rc = step(sv, s, r->knobs[i].path);
	}
	sqlite3_finalize(s);
	return rc;
}

int store_save_run(struct store *st, const struct run_record *r, struct herr *err)
{
	struct saver sv = { st, r, err };

	if (!r->machine || !r->kernel)
		return herr_set(err, EXIT_RUNTIME, "saving run %s: no machine or kernel information",
				r->id);
	if (st->mode != STORE_WRITE)
		return herr_set(err, EXIT_RUNTIME, "%s: saving run %s: store opened read-only",
				st->path, r->id);
	/* IMMEDIATE takes the write lock now, so a concurrent writer makes
	 * us wait (busy timeout) instead of failing half way through. */
	if (store_exec(st, "BEGIN IMMEDIATE", err))
		return herr_wrap(err, "saving run %s", r->id);
	if (save_machine(&sv, r->machine) || save_kernel(&sv, r->kernel) || save_run_row(&sv) ||
	    save_metrics(&sv) || save_samples(&sv) || save_pmu(&sv) || save_knobs(&sv))
		goto rollback;
	if (store_exec(st, "COMMIT", err)) {
		herr_wrap(err, "saving run %s", r->id);
		goto rollback;
	}
	return 0;
rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
