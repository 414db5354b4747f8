/* The results store: one SQLite file, the source of truth (docs/schema.md).
 * Schema versioned with PRAGMA user_version and migrated forward; WAL;
 * foreign keys on; one transaction per run. */
#ifndef HARNESS_STORE_H
#define HARNESS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/names.h"
#include "core/record.h"

#define STORE_SCHEMA_VERSION 7

enum store_mode {
	STORE_READ,		/* must exist; never written; newer schema is an error */
	STORE_WRITE,		/* created (with its directory) when missing; migrated */
};

struct store;

/* Open and check the database. Errors (EXIT_USAGE, message names the path):
 * not a database / corrupt, written by a newer schema, unwritable, missing
 * (STORE_READ). On any error the file is left exactly as it was. */
int store_open(const char *path, enum store_mode mode, struct store **out,
	       struct herr *err);
void store_close(struct store *st);
const char *store_path(const struct store *st);

/* Save a run with its machine and kernel rows (inserted if new), metrics,
 * samples, PMU events and knobs, all in one transaction. */
int store_save_run(struct store *st, const struct run_record *r, struct herr *err);

/* Resolve a run reference: a full UUID, a unique prefix of one, or "last".
 * Fills id. EXIT_USAGE when unknown or ambiguous. */
int store_find_run(struct store *st, const char *ref, char id[37], struct herr *err);

/* A boot of a variant's kernel (qemu target): created "running" before
 * the guest starts, finished with its status, reason and console log. */
struct boot_row {
	char id[37];
	char sweep_id[37];	/* "" outside a sweep */
	char variant[64];
	char kernel_id[17];	/* "" until the guest reports its kernel */
	char target[16];
	int64_t started_ns, ended_ns;
	char status[16];	/* running, ok, failed */
	const char *reason;	/* NULL when ok */
	const char *console_log;
	const char *settings_json;
};

int store_boot_begin(struct store *st, const struct boot_row *b, struct herr *err);
/* Set status, reason, console log, kernel and end time (one statement). */
int store_boot_end(struct store *st, const struct boot_row *b, struct herr *err);

/* A sweep as stored (harness sweep, harness sweeps). */
struct sweep_row {
	char id[37];
	char name[64];
	char target[16];
	char status[16];	/* running, interrupted, complete */
	char created[32];
	char ended[32];		/* "" while unfinished */
	char file_hash[17];
	/* The identity beside the file's content: the machine, and the
	 * running kernel on a target that runs on it ("" otherwise). */
	char machine_id[17];
	char kernel_id[17];
	char kernel_release[128];
	char *file;		/* the sweep file's path as given */
	char *file_text;	/* its content (NULL in store_sweep_list) */
	char *plan_json;	/* the expanded plan (NULL in store_sweep_list) */
	long long cells, planned_runs, planned_warmups;
	long long done_runs, done_warmups, failed_runs;	/* counted from runs */
};

/* Insert a new sweep (row->id set by the caller, status "running"). */
int store_sweep_create(struct store *st, const struct sweep_row *row, struct herr *err);
/* The newest sweep with this identity (file hash, machine, kernel: the
 * fields of key) that is complete (complete = 1) or not (0). Returns 1
 * and fills row when found, 0 when none, -1 on error. */
int store_sweep_find(struct store *st, const struct sweep_row *key, int complete,
		     struct sweep_row *row, struct herr *err);
/* A sweep by full id, unique prefix (4+ characters), "last" or a tag
 * name; EXIT_USAGE when unknown or ambiguous. A tag can never look like an
 * id prefix (store_tag_name_valid), so the two never compete. */
int store_sweep_get(struct store *st, const char *ref, struct sweep_row *row, struct herr *err);
/* running, interrupted or complete; the last two set `ended`. */
int store_sweep_set_status(struct store *st, const char *id, const char *status,
			   struct herr *err);
/* Call fn for every run stored for the sweep: its cell, warm-up flag and
 * repetition (what a resumed sweep skips). fn returns non-zero to stop. */
int store_sweep_slots(struct store *st, const char *id,
		      int (*fn)(void *user, long long cell, int warmup, int rep), void *user,
		      struct herr *err);
/* The newest complete sweep of a file's content (file hash), on any
 * machine or kernel; the newest unfinished one when none is complete.
 * Returns 1 and fills row, 0 when none, -1 on error. */
int store_sweep_latest(struct store *st, const char *file_hash, struct sweep_row *row,
		       struct herr *err);
/* Every sweep, newest first (file_text and plan_json left NULL). */
int store_sweep_list(struct store *st, struct sweep_row **rows, size_t *n, struct herr *err);
void store_sweep_row_free(struct sweep_row *row);
void store_sweep_rows_free(struct sweep_row *rows, size_t n);
/* ---- tags (store_tag.c): names of sweeps, e.g. a CI baseline ---- */

struct tag_row {
	char name[64];
	char sweep_id[37];
	char created[32];
};

/* 1 when name may be a tag: a name (core/names.h), not "last", and not
 * something store_sweep_get would take for an id prefix (4 to 36 hex
 * digits and '-'). */
int store_tag_name_valid(const char *name);
#define STORE_TAG_RULE NAME_RULE ", not 'last', and not only hex digits and '-' (it would read as a sweep id)"
/* The tag called name: 1 found, 0 none, -1 error. */
int store_tag_get(struct store *st, const char *name, struct tag_row *row, struct herr *err);
/* Point name at sweep_id (which must exist), in one transaction. An
 * existing tag on another sweep is moved only with force, else
 * EXIT_USAGE naming both; *old gets the sweep it pointed at ("" when new).
 * Tagging the sweep it already names changes nothing. */
int store_tag_set(struct store *st, const char *name, const char *sweep_id, int force,
		  char old[37], struct herr *err);
/* EXIT_USAGE when there is no such tag. */
int store_tag_delete(struct store *st, const char *name, struct herr *err);
/* Every tag, by name. */
int store_tag_list(struct store *st, struct tag_row **rows, size_t *n, struct herr *err);

/* ---- queries for plans and tables (store_query.c) ---- */

/* Wall seconds of the newest ok runs (at most max) of a workload with
 * these effective parameters; 0 when none (or st is NULL). */
size_t store_run_durations(struct store *st, const char *workload, const char *params_json,
			   double *v, size_t max);

struct store_metric_row {
	const char *run_id;
	long long cell;
	const char *scope, *name;
	double value;
	const char *unit, *better;
};
/* Non-zero from fn stops the walk (EXIT_RUNTIME, out of memory). */
typedef int (*store_metric_fn)(void *user, const struct store_metric_row *r);

/* Every workload metric of the sweep's measured ok runs (of one cell, or
 * of all when cell < 0), and the process or region metrics whose names are
 * in names (NULL-terminated), ordered by cell, run and the order they
 * were stored in. */
int store_sweep_metrics(struct store *st, const char *sweep_id, long long cell,
			const char *const *names, store_metric_fn fn, void *user, struct herr *err);
/* ---- reading for reports (store_report.c) ---- */

/* A measured run of a sweep with where it ran. Strings live until fn
 * returns. */
struct store_report_run {
	const char *id, *sweep_id;
	long long cell;
	int rep;
	const char *variant, *workload, *params_json;
	const char *status, *reason;	/* reason "" when ok */
	const char *target;
	const char *kernel_id, *kernel_release, *machine_id, *hostname;
	long long page_size;
	int64_t started_ns, ended_ns;
};
/* Every measured (not warm-up) run of the sweep, in the sweep's order. */
int store_report_runs(struct store *st, const char *sweep_id,
		      int (*fn)(void *user, const struct store_report_run *r), void *user,
		      struct herr *err);

struct store_report_metric {
	const char *run_id, *scope, *name, *unit, *kind, *better, *status, *reason;
	double value;
	int has_value;		/* 0: not measured or not counted (reason says why) */
};
/* Which metrics: names (NULL-terminated, any scope) plus every workload
 * metric when workload is set; or, when glob is given, the names matching
 * it (GLOB, case-sensitive); all of them when glob is "*". */
struct store_metric_filter {
	const char *const *names;
	int workload;
	const char *glob;
};
/* The filtered metrics of the sweep's measured runs, run by run in the
 * sweep's order, each run's in the order they were stored. */
int store_report_metrics(struct store *st, const char *sweep_id,
			 const struct store_metric_filter *f,
			 int (*fn)(void *user, const struct store_report_metric *m), void *user,
			 struct herr *err);
/* The samples of one run's series, in time order. */
int store_report_series(struct store *st, const char *run_id, const char *name,
			int (*fn)(void *user, int64_t t_ns, double v), void *user,
			struct herr *err);
/* What the runs of a sweep ran on, as JSON objects, one per distinct
 * machine ("machine"), kernel ("kernel") and variant definition
 * ("variant"), and the distinct noise settings ("noise"). */
int store_report_context(struct store *st, const char *sweep_id,
			 int (*fn)(void *user, const char *what, const char *json), void *user,
			 struct herr *err);

/* ---- history (store_history.c): a metric across sweeps ---- */

/* One run's value of the metric, with its sweep and cell. Strings live
 * until fn returns. */
struct store_history_value {
	const char *sweep_id, *sweep_name, *created, *tags;	/* tags: "a,b" or "" */
	const char *workload, *params_json, *variant, *scope, *unit, *better;
	double value;
};
/* Filters: NULL for any. machine matches a machine id prefix or a
 * hostname. */
struct store_history_filter {
	const char *metric, *workload, *variant, *machine;
};
/* The measured ok runs' values of the metric, in the order of their
 * sweeps (created, then id), each sweep's runs in order. */
int store_history(struct store *st, const struct store_history_filter *f,
		  int (*fn)(void *user, const struct store_history_value *v), void *user,
		  struct herr *err);

#endif
