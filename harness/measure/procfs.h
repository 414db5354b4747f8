/* Memory probes that read procfs and sysfs: /proc/vmstat, /proc/meminfo,
 * every THP/mTHP stats counter, and a process's smaps_rollup and status. */
#ifndef HARNESS_PROCFS_H
#define HARNESS_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "measure/metric.h"

/* A list of (key, value) read from one of those files; values in the
 * file's unit, converted to bytes where the file says kB. */
struct kv_set {
	char (*key)[80];
	double *val;
	size_t n, cap;
};

void kv_init(struct kv_set *s);
void kv_free(struct kv_set *s);
int kv_put(struct kv_set *s, const char *key, double val);
const double *kv_get(const struct kv_set *s, const char *key);

/* Parse "Key: 123 kB" lines (meminfo, smaps_rollup, status) or "key 123"
 * lines (vmstat). Lines without a number are skipped. kB becomes bytes. */
int kv_parse(const char *text, struct kv_set *out);
/* Read and parse a file. -1 when it cannot be read (errno set). */
int kv_read_file(const char *path, struct kv_set *out);

/* System state at one instant, for deltas over a run or its region. */
struct sys_snapshot {
	struct kv_set vmstat, meminfo, thp;	/* thp keys: "hugepages-64kB.anon_fault_alloc", "khugepaged.pages_collapsed" */
};

void sys_snapshot_init(struct sys_snapshot *s);
void sys_snapshot_free(struct sys_snapshot *s);
/* Read everything under root ("" for the real /proc and /sys; tests point
 * it at a fake tree). Missing files leave their set empty. */
int sys_snapshot_take(struct sys_snapshot *s, const char *root);
/* Add end - begin for every key as metrics: vmstat.<key>, meminfo.<key>
 * (bytes), thp.<key>. A key the kernel lacks is simply absent. */
int sys_snapshot_delta(const struct sys_snapshot *begin, const struct sys_snapshot *end,
		       enum metric_scope scope, struct metric_set *ms);

/* One sample of the workload process: smaps_rollup fields and VmPTE,
 * VmRSS, VmHWM from status. Returns -1 when the process is gone. */
int proc_sample(pid_t pid, struct kv_set *out);

#endif
