/* The metric table (metric_table.h). Order is the order of docs/metrics.md:
 * entries of one source together, a workload's results together. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "measure/metric_table.h"

#define CTR KIND_COUNTER
#define GAU KIND_GAUGE
#define RAT KIND_RATE
#define LOW BETTER_LOWER
#define HIGH BETTER_HIGHER
#define NONE BETTER_NONE
#define P METRIC_IN_PROCESS
#define R METRIC_IN_REGION
#define PR (P | R)
#define S METRIC_IN_SAMPLES
#define T METRIC_TIMING

/* A metric the harness measures. */
#define M(nm, unit, kind, better, src, scopes, flags, meaning) \
	{ nm, NULL, unit, kind, better, src, scopes, flags, meaning }
/* A result a workload of workloads/ reports (source workload). */
#define W(wl, nm, unit, kind, better, flags, meaning) \
	{ nm, wl, unit, kind, better, "workload", METRIC_IN_WORKLOAD, flags, meaning }
/* The peak of a sampled smaps_rollup/status field, and its series. */
#define MEM(field, meaning) \
	M("mem." field "_peak", "bytes", GAU, LOW, "proc", P, 0, "highest sample of " meaning), \
	M("mem." field, "bytes", GAU, LOW, "proc", S, 0, meaning " (time series)")
/* The same for a field with no better direction: more huge pages is
 * fewer TLB misses but may be more footprint, so the tables say "changed",
 * never "improved" or "worse", and the gate leaves it alone unless a
 * thresholds file names it (docs/ci.md). */
#define MEM_INFO(field, meaning) \
	M("mem." field "_peak", "bytes", GAU, NONE, "proc", P, 0, "highest sample of " meaning), \
	M("mem." field, "bytes", GAU, NONE, "proc", S, 0, meaning " (time series)")
#define CG_SIZE(field, meaning) \
	M("cgroup." field, "bytes", GAU, LOW, "cgroup", R, 0, meaning " (memory.stat, at the region's end)")
#define CG_EVENT(field, meaning) \
	M("cgroup." field, "count", CTR, LOW, "cgroup", P, 0, meaning " (memory.stat, after exit)")
#define MPKI(x, what) \
	M("tlb." x "_mpki", "/kinstr", RAT, LOW, "pmu", PR, 0, \
	  what " per 1000 instructions: tlb." x " x 1000 / cpu.instructions")

const struct metric_def metric_defs[] = {
	/* Software events (counters_defs in counters.c opens them). */
	M("fault.minor", "count", CTR, LOW, "swevent", PR, 0,
	  "page faults served without I/O; one per mapping event, so a THP/mTHP fault maps a whole folio"),
	M("fault.major", "count", CTR, LOW, "swevent", PR, 0, "page faults that waited for I/O"),
	M("sched.context_switches", "count", CTR, NONE, "swevent", PR, 0,
	  "context switches of the workload's tasks"),
	M("sched.cpu_migrations", "count", CTR, NONE, "swevent", PR, 0,
	  "moves of the workload's tasks between CPUs"),
	M("cpu.task_clock", "ns", CTR, LOW, "swevent", PR, T,
	  "CPU time of the workload's tasks, summed over threads"),
	/* PMU events. */
	M("cpu.cycles", "count", CTR, LOW, "pmu", PR, T,
	  "CPU cycles (under emulation: the emulator's, not the modelled core's)"),
	M("cpu.instructions", "count", CTR, NONE, "pmu", PR, 0, "instructions retired"),
	M("tlb.l1d_refill", "count", CTR, LOW, "pmu", PR, 0, "L1 data TLB refills (misses)"),
	M("tlb.l1d_access", "count", CTR, NONE, "pmu", PR, 0,
	  "L1 data TLB accesses (denominator of the miss ratio)"),
	M("tlb.l2d_refill", "count", CTR, LOW, "pmu", PR, 0, "L2 (unified) TLB refills"),
	M("tlb.dtlb_walk", "count", CTR, LOW, "pmu", PR, 0,
	  "data accesses that caused a page-table walk"),
	M("tlb.itlb_walk", "count", CTR, LOW, "pmu", PR, 0,
	  "instruction fetches that caused a page-table walk"),
	M("tlb.l1i_refill", "count", CTR, LOW, "pmu", PR, 0, "L1 instruction TLB refills"),
	/* Derived from the PMU events of the same scope (counters_metrics.c). */
	MPKI("l1d_refill", "L1 data TLB refills"),
	MPKI("l2d_refill", "L2 TLB refills"),
	MPKI("dtlb_walk", "data page-table walks"),
	MPKI("itlb_walk", "instruction page-table walks"),
	MPKI("l1i_refill", "L1 instruction TLB refills"),
	M("tlb.l1d_miss_ratio", "ratio", RAT, LOW, "pmu", PR, 0,
	  "tlb.l1d_refill / tlb.l1d_access"),
	M("tlb.dtlb_walk_per_gib", "/GiB", RAT, LOW, "pmu", PR, 0,
	  "tlb.dtlb_walk / (bytes the workload reported touching / 2^30)"),
	/* getrusage(RUSAGE_CHILDREN) and the clock, per run. */
	M("mem.rss_peak", "bytes", GAU, LOW, "rusage", P, 0,
	  "peak resident set of the largest process of the workload (ru_maxrss)"),
	M("rusage.minflt", "count", CTR, LOW, "rusage", P, 0, "minor faults (ru_minflt)"),
	M("rusage.majflt", "count", CTR, LOW, "rusage", P, 0, "major faults (ru_majflt)"),
	M("rusage.nvcsw", "count", CTR, NONE, "rusage", P, 0,
	  "voluntary context switches (ru_nvcsw)"),
	M("rusage.nivcsw", "count", CTR, LOW, "rusage", P, 0,
	  "involuntary context switches (ru_nivcsw)"),
	M("time.user_s", "s", GAU, LOW, "rusage", P, T, "user CPU time (ru_utime)"),
	M("time.sys_s", "s", GAU, LOW, "rusage", P, T, "system CPU time (ru_stime)"),
	M("time.wall_s", "s", GAU, LOW, "clock", PR, T,
	  "wall time from exec to exit, or between the region's edges"),
	/* smaps_rollup and status of the workload's process, sampled every
	 * --interval ms and at the region's edges (runner.c). */
	MEM("Rss", "resident bytes (smaps_rollup Rss)"),
	MEM("Pss", "proportional set size (smaps_rollup Pss)"),
	MEM("Pss_Anon", "anonymous part of Pss"),
	MEM("Pss_File", "file-backed part of Pss"),
	MEM("Pss_Shmem", "shared-memory part of Pss"),
	MEM("Anonymous", "anonymous resident bytes (smaps_rollup Anonymous)"),
	MEM_INFO("AnonHugePages", "anonymous bytes in PMD-size THPs only; mTHP is not counted here"),
	MEM("Swap", "swapped-out bytes"),
	MEM("VmPTE", "page-table bytes (status VmPTE)"),
	/* Page cache of the files the workload declared (pagecache.c); scope
	 * region when the workload marks one. */
	M("pagecache.cached_bytes", "bytes", GAU, LOW, "pagecache", PR, 0,
	  "bytes of the declared files in the page cache (cachestat(2) or mincore(2))"),
	M("pagecache.files", "count", GAU, NONE, "pagecache", PR, 0, "declared files measured"),
	M("pagecache.file_bytes", "bytes", GAU, NONE, "pagecache", PR, 0,
	  "size of the declared files"),
	/* System-wide deltas over the run and the region (procfs.c). */
	M("vmstat.nr_*", "count", GAU, NONE, "proc", PR, 0,
	  "change of a /proc/vmstat nr_ field (a current number of pages)"),
	M("vmstat.*", "count", CTR, NONE, "proc", PR, 0, "change of a /proc/vmstat event counter"),
	M("meminfo.*", "bytes", GAU, NONE, "proc", PR, 0,
	  "change of a /proc/meminfo field (kB fields in bytes; HugePages_ fields are page counts)"),
	M("thp.hugepages-*kB.nr_*", "count", GAU, NONE, "proc", PR, 0,
	  "change of a per-size THP/mTHP nr_ stat (hugepages-<N>kB/stats)"),
	M("thp.hugepages-*kB.*", "count", CTR, NONE, "proc", PR, 0,
	  "change of a per-size THP/mTHP event counter (hugepages-<N>kB/stats); the only view of mTHP"),
	M("thp.khugepaged.pages_collapsed", "count", CTR, NONE, "proc", PR, 0,
	  "pages khugepaged collapsed into huge pages"),
	M("thp.khugepaged.full_scans", "count", CTR, NONE, "proc", PR, 0,
	  "full scans khugepaged completed"),
	/* The run's own cgroup (cgroup.c): sizes while the workload holds its
	 * memory, events and the peak after exit. */
	CG_SIZE("anon", "anonymous memory"),
	CG_SIZE("file", "page cache"),
	CG_SIZE("kernel", "kernel memory"),
	CG_SIZE("kernel_stack", "kernel stacks"),
	CG_SIZE("pagetables", "page tables"),
	CG_SIZE("shmem", "shared memory"),
	CG_SIZE("file_mapped", "mapped page cache"),
	/* Huge-page shares: no better direction, as MEM_INFO. */
	M("cgroup.anon_thp", "bytes", GAU, NONE, "cgroup", R, 0,
	  "anonymous memory in PMD-size THPs (memory.stat, at the region's end)"),
	M("cgroup.file_thp", "bytes", GAU, NONE, "cgroup", R, 0,
	  "page cache in PMD-size THPs (memory.stat, at the region's end)"),
	M("cgroup.shmem_thp", "bytes", GAU, NONE, "cgroup", R, 0,
	  "shared memory in PMD-size THPs (memory.stat, at the region's end)"),
	CG_EVENT("pgfault", "page faults"),
	CG_EVENT("pgmajfault", "major page faults"),
	CG_EVENT("thp_fault_alloc", "PMD-size THPs allocated at fault"),
	CG_EVENT("thp_collapse_alloc", "PMD-size THPs allocated to collapse"),
	M("cgroup.memory_peak", "bytes", GAU, LOW, "cgroup", P, 0,
	  "peak memory use of the run's cgroup (memory.peak)"),

	/* Workload results (workloads/<name>.c), as each reports them. */
	W("collapse", "collapse_s", "s", GAU, LOW, T, "time until every unit was collapsed"),
	W("collapse", "first_collapse_s", "s", GAU, LOW, T, "time until the first unit was collapsed"),
	W("collapse", "collapsed_bytes", "bytes", GAU, HIGH, 0, "bytes in huge pages at the end"),
	W("collapse", "collapsed_fraction", "", GAU, HIGH, 0,
	  "collapsed_bytes / size"),
	W("collapse", "complete", "", GAU, HIGH, 0, "1 when every unit was collapsed in time"),
	W("collapse", "rss_before_bytes", "bytes", GAU, LOW, 0, "resident bytes before collapsing"),
	W("collapse", "rss_after_bytes", "bytes", GAU, LOW, 0,
	  "resident bytes after collapsing (untouched pages become resident zeroes)"),
	W("collapse", "touched_bytes", "bytes", GAU, NONE, 0, "bytes touched before collapsing"),
	W("collapse", "unit_bytes", "bytes", GAU, NONE, 0, "size of the collapse unit"),
	W("collapse", "thp_collapse_alloc", "count", CTR, NONE, 0,
	  "huge pages allocated for collapse (vmstat thp_collapse_alloc)"),
	W("collapse", "madv_collapse_errno", "", GAU, NONE, 0,
	  "errno of MADV_COLLAPSE, 0 when it succeeded or was not used"),
	W("collapse", "units", "count", GAU, NONE, 0, "collapse units in the mapping (size / unit_bytes)"),
	W("collapse", "unit_folios", "count", GAU, HIGH, 0,
	  "units of this mapping that are one folio of the unit's size at the end (pagemap + "
	  "kpageflags; not measured without CAP_SYS_ADMIN)"),
	W("collapse", "anon_huge_bytes", "bytes", GAU, LOW, 0,
	  "the mapping's AnonHugePages at the end: PMD-size folios only, so 0 after a collapse "
	  "into mTHP"),
	W("collapse", "collapsed_own", "", GAU, NONE, 0,
	  "1 when collapsed_bytes counts this mapping alone (PMD units, or unit_folios measured); "
	  "0 when it is the system-wide growth of the size's folios"),
	W("collapse", "khugepaged_full_scans", "count", CTR, NONE, 0,
	  "khugepaged full scans while waiting (method=khugepaged; the wait ends after `scans` of "
	  "them, 5 by default, when the mapping is not collapsed by then)"),
	W("collapse", "mthp.*kB.nr_*", "count", GAU, NONE, 0,
	  "change of a per-size mTHP nr_ stat over the run"),
	W("collapse", "mthp.*kB.*", "count", CTR, NONE, 0,
	  "change of a per-size mTHP event counter over the run"),
	W("forkexec", "spawns_per_s", "spawns/s", RAT, HIGH, T, "process starts (fork + exec + exit) per second"),
	W("forkexec", "us_per_spawn", "us", GAU, LOW, T, "time of one process start"),
	W("forkexec", "spawn_s", "s", GAU, LOW, T, "time of all process starts"),
	W("forkexec", "spawns", "count", CTR, NONE, 0, "process starts"),
	W("forkexec", "parent_rss_bytes", "bytes", GAU, NONE, 0, "resident bytes of the parent"),
	W("forkexec", "parent_pte_bytes", "bytes", GAU, NONE, 0, "page-table bytes of the parent"),
	W("forkexec", "thp_bytes", "bytes", GAU, NONE, 0, "AnonHugePages of the parent's memory"),
	W("gups", "gups", "GUP/s", RAT, HIGH, T, "giga updates per second (HPCC RandomAccess)"),
	W("gups", "time_s", "s", GAU, LOW, T, "time of init and updates"),
	W("gups", "init_s", "s", GAU, LOW, T, "time to initialise the table"),
	W("gups", "update_s", "s", GAU, LOW, T, "time of the updates"),
	W("gups", "updates", "count", CTR, NONE, 0, "updates done"),
	W("gups", "bytes_touched", "bytes", CTR, NONE, 0,
	  "bytes touched (denominator of tlb.dtlb_walk_per_gib)"),
	W("gups", "table_bytes", "bytes", GAU, NONE, 0, "size of the table"),
	W("gups", "streams", "count", GAU, NONE, 0, "independent update streams per thread (HPCC batching)"),
	W("gups", "prefetch", "updates", GAU, NONE, 0,
	  "software prefetch distance in updates (0: none; at most streams - 1)"),
	W("filetree", "pagecache_bytes", "bytes", GAU, LOW, 0, "page cache of the tree's files after reading each whole"),
	W("filetree", "pagecache_bytes_per_file", "bytes", GAU, LOW, 0, "page cache per file read"),
	W("filetree", "overhead", "", GAU, LOW, 0, "pagecache_bytes / file_bytes: memory per byte of data"),
	W("filetree", "read_s", "s", GAU, LOW, T, "time of the read"),
	W("filetree", "files_per_s", "files/s", RAT, HIGH, T, "files read per second"),
	W("filetree", "bytes_per_s", "bytes/s", RAT, HIGH, T, "file bytes read per second"),
	W("filetree", "evict_residual_bytes", "bytes", GAU, LOW, 0,
	  "bytes still cached after eviction, before the read"),
	W("filetree", "files", "count", GAU, NONE, 0, "regular files read"),
	W("filetree", "file_bytes", "bytes", GAU, NONE, 0, "sum of the sizes of the files read"),
	W("filetree", "rounded_bytes", "bytes", GAU, NONE, 0,
	  "sum of the sizes each rounded up to the page size: the page cache with base-page folios"),
	W("filetree", "dirs", "count", GAU, NONE, 0, "directories walked"),
	W("filetree", "skipped_*", "count", GAU, NONE, 0,
	  "entries not read: unreadable files or directories, symlinks (never followed), special "
	  "files, extra hard links, files past the caps"),
	W("filetree", "files_by_size.*", "count", GAU, NONE, 0,
	  "files of a size class: up to 0, 4k, 16k, 64k, 256k, 1m bytes, or more (inf)"),
	W("filetree", "pagecache_by_size.*", "bytes", GAU, LOW, 0, "page cache of the files of a size class"),
	W("mallocchurn", "ops_per_s", "ops/s", RAT, HIGH, T, "allocations and frees per second"),
	W("mallocchurn", "churn_s", "s", GAU, LOW, T, "time of the churn"),
	W("mallocchurn", "rss_bytes", "bytes", GAU, LOW, 0, "resident bytes at the end"),
	W("mallocchurn", "heap_rss_bytes", "bytes", GAU, LOW, 0, "resident bytes the heap added"),
	W("mallocchurn", "live_bytes", "bytes", GAU, NONE, 0, "bytes allocated and not freed at the end"),
	W("mallocchurn", "peak_live_bytes", "bytes", GAU, NONE, 0, "highest live bytes"),
	W("mallocchurn", "usable_bytes", "bytes", GAU, NONE, 0,
	  "malloc_usable_size of the live blocks"),
	W("mallocchurn", "fragmentation", "", GAU, LOW, 0, "heap_rss_bytes / live_bytes"),
	W("mallocchurn", "allocations", "count", CTR, NONE, 0, "allocations"),
	W("mallocchurn", "frees", "count", CTR, NONE, 0, "frees"),
	W("mmapread", "bytes_per_s", "bytes/s", RAT, HIGH, T, "bytes read through the mapping per second"),
	W("mmapread", "read_s", "s", GAU, LOW, T, "time of the read"),
	W("mmapread", "file_bytes", "bytes", GAU, NONE, 0, "size of the file"),
	W("mmapread", "bytes_touched", "bytes", CTR, NONE, 0, "bytes read"),
	W("mmapread", "major_faults", "count", CTR, LOW, 0, "major faults of the read"),
	W("mmapread", "minor_faults", "count", CTR, LOW, 0, "minor faults of the read"),
	W("mmapread", "bytes_per_major_fault", "bytes", GAU, HIGH, 0,
	  "bytes read per major fault (readahead and fault-around at work)"),
	W("mmapread", "pagecache_bytes", "bytes", GAU, NONE, 0, "bytes of the file in the page cache after the read"),
	W("mmapread", "evict_residual_bytes", "bytes", GAU, LOW, 0,
	  "bytes still cached after eviction, before the read"),
	W("procattr", "personality", "", GAU, NONE, 0,
	  "the process's personality(2) flags at start (ADDR_NO_RANDOMIZE = 0x40000)"),
	W("procattr", "status_value", "", GAU, NONE, 0,
	  "the number in the /proc/self/status field named by the parameter field (not reported when absent)"),
	W("procattr", "env_value", "", GAU, NONE, 0,
	  "the number in the environment variable named by the parameter env (not reported when unset)"),
	W("procattr", "bytes_touched", "bytes", CTR, NONE, 0, "anonymous bytes touched"),
	W("ptrchase", "ns_per_access.*", "ns", GAU, LOW, T, "latency of one dependent load at a working-set size (bytes)"),
	W("ptrchase", "ns_per_access", "ns", GAU, LOW, T, "latency of one dependent load (one size)"),
	W("ptrchase", "ns_per_access_best.*", "ns", GAU, LOW, T,
	  "best timing window's latency at a working-set size (bytes)"),
	W("ptrchase", "ns_per_access_best", "ns", GAU, LOW, T, "best timing window's latency (one size)"),
	W("ptrchase", "cycles_per_access.*", "cycles", GAU, LOW, T,
	  "latency at a working-set size (bytes) in cycles of a dependent add timed beside it"),
	W("ptrchase", "cycles_per_access", "cycles", GAU, LOW, T,
	  "latency in cycles of a dependent add timed beside it (one size)"),
	W("ptrchase", "cycles_per_access_best.*", "cycles", GAU, LOW, T,
	  "best timing window's latency in add cycles at a working-set size (bytes)"),
	W("ptrchase", "cycles_per_access_best", "cycles", GAU, LOW, T,
	  "best timing window's latency in add cycles (one size)"),
	W("ptrchase", "clock_ghz", "GHz", GAU, NONE, T,
	  "dependent adds per ns in the calibration chains: the core's clock while ptrchase ran"),
	W("ptrchase", "window_ns.*", "ns", GAU, LOW, T, "one timing window's latency (size.window)"),
	W("ptrchase", "thp_bytes.*", "bytes", GAU, NONE, 0, "AnonHugePages of the buffer at a size (bytes)"),
	W("ptrchase", "windows", "count", GAU, NONE, 0, "timing windows per size"),
	W("ptrchase", "window_s", "s", GAU, NONE, 0, "minimum length of a timing window"),
	W("ptrchase", "cpu_share", "", GAU, HIGH, 0,
	  "the workload's CPU time over wall time in the windows; below 1: other work shared the CPU"),
	W("ptrchase", "accesses", "count", CTR, NONE, 0, "loads done"),
	W("ptrchase", "bytes_touched", "bytes", CTR, NONE, 0, "working-set bytes walked"),
	W("ptrchase", "stride_bytes", "bytes", GAU, NONE, 0, "distance between cycle elements"),
	W("ptrchase", "thp_bytes", "bytes", GAU, NONE, 0, "AnonHugePages of the buffer"),
	W("ptrchase", "mthp.*kB.nr_*", "count", GAU, NONE, 0,
	  "change of a per-size mTHP nr_ stat over the run"),
	W("ptrchase", "mthp.*kB.*", "count", CTR, NONE, 0,
	  "change of a per-size mTHP event counter over the run"),
	W("smallfiles", "pagecache_bytes_per_file", "bytes", GAU, LOW, 0, "page cache per file read back"),
	W("smallfiles", "pagecache_bytes", "bytes", GAU, LOW, 0, "page cache of all files read back"),
	W("smallfiles", "files_per_s", "files/s", RAT, HIGH, T, "files read back per second"),
	W("smallfiles", "read_s", "s", GAU, LOW, T, "time of the read back"),
	W("smallfiles", "file_bytes", "bytes", GAU, NONE, 0, "bytes of all files"),
	W("smallfiles", "evict_residual_bytes", "bytes", GAU, LOW, 0,
	  "bytes still cached after eviction, before the read back"),
	W("sqlite", "insert_per_s", "rows/s", RAT, HIGH, T, "rows inserted per second"),
	W("sqlite", "select_per_s", "ops/s", RAT, HIGH, T, "point selects per second"),
	W("sqlite", "scan_rows_per_s", "rows/s", RAT, HIGH, T, "rows read by range scans per second"),
	W("sqlite", "insert_s", "s", GAU, LOW, T, "time of the inserts"),
	W("sqlite", "select_s", "s", GAU, LOW, T, "time of the point selects"),
	W("sqlite", "scan_s", "s", GAU, LOW, T, "time of the range scans"),
	W("sqlite", "rss_bytes", "bytes", GAU, LOW, 0, "resident bytes at the end"),
	W("sqlite", "sqlite_heap_bytes", "bytes", GAU, LOW, 0, "SQLite's heap in use, as the library counts it"),
	W("sqlite", "sqlite_heap_peak_bytes", "bytes", GAU, LOW, 0, "SQLite's highest heap use"),
	W("sqlite", "data_bytes", "bytes", GAU, NONE, 0, "bytes of row data inserted"),
	W("sqlite", "db_bytes", "bytes", GAU, LOW, 0, "size of the database file"),
	W("sqlite", "pagecache_bytes", "bytes", GAU, NONE, 0, "bytes of the database file in the page cache"),
	W("stream", "*_avg_bytes_per_s", "bytes/s", RAT, HIGH, T,
	  "average bandwidth of a kernel (copy, scale, add, triad) over the timed passes"),
	W("stream", "*_bytes_per_s", "bytes/s", RAT, HIGH, T,
	  "best bandwidth of a kernel (copy, scale, add, triad)"),
	W("stream", "array_bytes", "bytes", GAU, NONE, 0, "size of one array"),
	W("stream", "bytes_touched", "bytes", CTR, NONE, 0, "bytes of the three arrays"),
	W("stream", "nt_stores", "count", GAU, NONE, 0, "kernels (of copy, scale, add, triad) with non-temporal stores"),
	W("stream", "*_nt_stores", "", GAU, NONE, 0, "1 when that kernel uses non-temporal stores (recorded per kernel; stores=auto decides for all by the footprint)"),
	W("stream", "vector_bytes", "bytes", GAU, NONE, 0, "vector width of the kernels chosen at run time"),
	W("stream", "llc_bytes", "bytes", GAU, NONE, 0, "last-level cache size (hwloc) that picks the stores"),
};
const size_t metric_ndefs = sizeof(metric_defs) / sizeof(metric_defs[0]);

int metric_def_is_pattern(const struct metric_def *d)
{
	return strpbrk(d->name, "*?[") != NULL;
}

static int same_workload(const struct metric_def *d, const char *workload)
{
	return workload ? d->workload && !strcmp(d->workload, workload) : !d->workload;
}

/* Exact names first, then patterns in table order. */
static const struct metric_def *find(const char *workload, const char *name)
{
	for (size_t i = 0; i < metric_ndefs; i++)
		if (same_workload(&metric_defs[i], workload) && !metric_def_is_pattern(&metric_defs[i]) &&
		    !strcmp(metric_defs[i].name, name))
			return &metric_defs[i];
	for (size_t i = 0; i < metric_ndefs; i++)
		if (same_workload(&metric_defs[i], workload) && metric_def_is_pattern(&metric_defs[i]) &&
		    !fnmatch(metric_defs[i].name, name, 0))
			return &metric_defs[i];
	return NULL;
}

const struct metric_def *metric_def_find(const char *name)
{
	return name ? find(NULL, name) : NULL;
}

const struct metric_def *metric_def_find_workload(const char *workload, const char *name)
{
	return workload && name ? find(workload, name) : NULL;
}

int metric_table_has_workload(const char *workload)
{
	for (size_t i = 0; workload && i < metric_ndefs; i++)
		if (same_workload(&metric_defs[i], workload))
			return 1;
	return 0;
}

int metric_table_strict(void)
{
	const char *v = getenv("HARNESS_METRICS_STRICT");

	return v && *v && strcmp(v, "0");
}
