/* Internals of the counting engine shared by counters*.c and the unit
 * tests; the runner uses counters.h only. */
#ifndef HARNESS_COUNTERS_IMPL_H
#define HARNESS_COUNTERS_IMPL_H

#include <stddef.h>
#include <sys/types.h>

#include "measure/counters.h"

/* Groups are planned with this many counters when the PMU's own number is
 * unknown (perf:: generic events, sysfs events, no libpfm4 table). */
#define COUNTERS_FALLBACK_NCOUNTERS 4

/* One event of an opened set. */
struct counter_event {
	const struct counter_def *def;
	struct counter_resolution res;	/* what it resolved to (ok = 0: did not) */
	int fd;				/* -1 when it did not open */
	int group;			/* group number; -1 when not opened */
	int leader;			/* 1 when it leads its group */
	int user_only;			/* kernel counting refused: exclude_kernel = 1 */
	char reason[200];		/* why it did not open / user-only note */
};

struct counters {
	size_t n;
	struct counter_event *ev;
};

/* Plan groups for n PMU events, in order: an event joins the current group
 * while the group stays within the smallest ncounters of its members
 * (<= 0 means unknown: COUNTERS_FALLBACK_NCOUNTERS). group[i] gets 0, 1, ...
 * Returns the number of groups. */
int counters_plan_groups(const int *ncounters, size_t n, int *group);

/* Open the events c->ev[idx[0..n-1]] on pid as one group (planned by
 * counters_plan_groups): the first that opens leads, one that will not join
 * retries alone. Group numbers are taken from *next. */
void counters_open_group(struct counters *c, const size_t *idx, size_t n, pid_t pid, int *next);

/* Counters of the core PMU libpfm4 detected (or was forced to), else
 * COUNTERS_FALLBACK_NCOUNTERS. Needs counters_lib_init first. */
int counters_core_ncounters(void);

/* Look an event up in the kernel's PMU list (sysfs event_source devices),
 * the way perf resolves "pmu/event/": fills type, config* and names in out.
 * Returns 0 when found, -1 with out->reason set when not. */
int counters_sysfs_find(const char *event, struct counter_resolution *out);
/* Tests point the lookup at a fake tree; NULL restores the real one. */
void counters_sysfs_set_root(const char *root);

/* Try to open r on the calling process, with the attributes a run uses,
 * and close it. Returns 0 when it opens (note: "" or the user-only note),
 * -1 when not (note: the errno text). */
int counters_probe(const struct counter_resolution *r, char *note, size_t size);

/* Append src to the string in dst (size bytes), truncating. */
void counters_append(char *dst, size_t size, const char *src);

/* The perf name of a software counter ("minor-faults"). */
const char *counters_sw_name(uint64_t sw_config);

#endif
