/* Internal to the store: the forward migrations. store_migrations[v] takes
 * a database from schema v to v + 1; a new schema version appends one
 * entry and bumps STORE_SCHEMA_VERSION in store.h. Never edit a released
 * entry: databases in the field have already run it. */
#ifndef HARNESS_STORE_MIGRATIONS_H
#define HARNESS_STORE_MIGRATIONS_H

#include <stddef.h>

extern const char *const store_migrations[];
extern const size_t store_nmigrations;

#endif
