/* The results store: one SQLite file, the source of truth (docs/schema.md).
 * Schema versioned with PRAGMA user_version and migrated forward; WAL;
 * foreign keys on; one transaction per run. */
#ifndef HARNESS_STORE_H
#define HARNESS_STORE_H

#include <sqlite3.h>

#include "error.h"
#include "record.h"

#define STORE_SCHEMA_VERSION 1

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
sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);

/* Save a run with its machine and kernel rows (inserted if new), metrics,
 * samples, PMU events and knobs, all in one transaction. */
int store_save_run(struct store *st, const struct run_record *r, struct herr *err);

/* Resolve a run reference: a full UUID, a unique prefix of one, or "last".
 * Fills id. EXIT_USAGE when unknown or ambiguous. */
int store_find_run(struct store *st, const char *ref, char id[37], struct herr *err);

#endif
