/* One stored run as a JSON document: the model behind `harness show`
 * (text and --json), usable by anything else that wants a run whole. */
#ifndef HARNESS_STORE_RUN_JSON_H
#define HARNESS_STORE_RUN_JSON_H

#include <jansson.h>

#include "core/error.h"
#include "store/store.h"

/* {"run":{..},"machine":{..},"kernel":{..},"knobs":[..],"metrics":[..],
 *  "pmu_events":[..],"series":[{"name","unit","samples","min","max",
 *  "first_t_ns","last_t_ns"[,"data":[[t_ns,value],..]]}]}.
 * Rows keep their column names; JSON text columns (params_json,
 * settings_json, topology_json, plan_json, mthp_sizes) are embedded as
 * JSON under the name without "_json". Values not measured are null.
 * id must be a full run id (store_find_run). Caller json_decref()s. */
json_t *store_run_json(struct store *st, const char *id, int with_samples,
		       struct herr *err);

#endif
