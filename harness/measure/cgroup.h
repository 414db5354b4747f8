/* A cgroup v2 per run, when the unified hierarchy has the memory
 * controller: memory.stat fields and memory.peak for exactly the
 * workload's process tree. */
#ifndef HARNESS_CGROUP_H
#define HARNESS_CGROUP_H

#include "measure/metric.h"

struct run_cgroup {
	int usable;
	char path[512];		/* the run's cgroup directory */
	char reason[200];	/* why not usable */
	char parent[512];	/* where it was created */
	int enabled_memory;	/* we wrote +memory to parent's subtree_control */
};

/* Create the run's cgroup, or record why it cannot be used. Never fails
 * the run: without a cgroup its metrics are stored as not measured. */
void cgroup_create(struct run_cgroup *cg, const char *run_id);
/* No cgroup for this run, by request: its metrics say why. */
void cgroup_skip(struct run_cgroup *cg, const char *why);
/* In the forked child before exec: move itself into the cgroup. */
int cgroup_enter(const struct run_cgroup *cg);
enum cgroup_moment {
	CGROUP_REGION_END,	/* sizes in memory.stat, scope region: the workload is paused */
	CGROUP_EXIT,		/* event counts in memory.stat and memory.peak, scope process */
};

/* Read memory.stat (and after exit memory.peak) into ms. Without a usable
 * cgroup every figure is stored as not measured with the reason. */
void cgroup_collect(const struct run_cgroup *cg, enum cgroup_moment when, struct metric_set *ms);
/* Kill leftovers, remove the cgroup, undo the controller change. */
void cgroup_destroy(struct run_cgroup *cg);

#endif
