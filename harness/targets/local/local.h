/* The local target's parts (targets/local/). */
#ifndef HARNESS_TARGETS_LOCAL_H
#define HARNESS_TARGETS_LOCAL_H

#include "core/error.h"
#include "sweep/plan.h"

int local_plan_check(struct sweep_plan *p, struct herr *err);

#endif
