/* The short table `harness run` prints after its repetitions (or the same
 * as JSON): the workload's results and the key footprint figures. */
#ifndef HARNESS_REPORT_RUN_H
#define HARNESS_REPORT_RUN_H

#include <stdio.h>

#include "core/record.h"

struct run_report {
	struct run_record *runs;
	size_t n, cap;
};

void run_report_init(struct run_report *rep);
void run_report_free(struct run_report *rep);
/* A new initialised record at the end (NULL when out of memory). */
struct run_record *run_report_add(struct run_report *rep);
void run_report_drop_last(struct run_report *rep);
size_t run_report_failures(const struct run_report *rep);
void run_report_print(const struct run_report *rep, int json, FILE *out);

#endif
