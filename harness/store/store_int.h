/* Internal to harness/store/: the store handle and small SQLite helpers
 * shared by store.c (open, migrate, find) and store_save.c. */
#ifndef HARNESS_STORE_INT_H
#define HARNESS_STORE_INT_H

#include <sqlite3.h>

#include "core/error.h"
#include "store/store.h"

struct store {
	sqlite3 *db;
	enum store_mode mode;
	char path[];		/* as given, for messages */
};

/* First column of the first row of sql as an integer; -1 on error. */
int store_query_int(sqlite3 *db, const char *sql, long long *out);
/* Run sql (several statements allowed); EXIT_RUNTIME naming the path. */
int store_exec(struct store *st, const char *sql, struct herr *err);

#endif
