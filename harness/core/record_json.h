/* A run record and the machine/kernel it ran on as JSON, and back: how an
 * agent in a guest or on a lab machine hands complete runs to the
 * controller, which stores them as if measured locally. */
#ifndef HARNESS_RECORD_JSON_H
#define HARNESS_RECORD_JSON_H

#include <jansson.h>

#include "core/error.h"
#include "core/record.h"

/* Everything but machine and kernel (sent once per boot). */
json_t *record_to_json(const struct run_record *r);
/* Fill an initialised record (record_init) from JSON; its id, metrics,
 * samples and PMU events come from the JSON. EXIT_RUNTIME naming the bad
 * field on malformed input. machine/kernel are left to the caller. */
int record_from_json(const json_t *j, struct run_record *r, struct herr *err);

json_t *sysinfo_to_json(const struct machine_info *m, const struct kernel_info *k);
int sysinfo_from_json(const json_t *j, struct machine_info *m, struct kernel_info *k,
		      struct herr *err);

#endif
