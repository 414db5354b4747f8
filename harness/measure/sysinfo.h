/* Machine and kernel metadata, stored once per machine and once per kernel
 * (the store deduplicates by id). */
#ifndef HARNESS_SYSINFO_H
#define HARNESS_SYSINFO_H

#include <stdint.h>

#include "core/error.h"

struct machine_info {
	char id[17];		/* 16 hex digits: FNV-1a 64 of /etc/machine-id (else hostname) */
	char hostname[256];
	char arch[32];		/* uname -m */
	char cpu_model[256];	/* "model name" / arm64: implementer+part name when known */
	int midr_implementer;	/* arm64 only: /proc/cpuinfo "CPU implementer"; -1 elsewhere */
	int midr_part;		/* arm64 only: "CPU part"; -1 elsewhere */
	int packages, cores, pus, numa_nodes;	/* from hwloc */
	uint64_t mem_total_bytes;
	char *topology_json;	/* hwloc summary: NUMA nodes with memory, caches by level */
};

struct kernel_info {
	char id[17];		/* 16 hex: FNV-1a 64 of release, version, arch, cmdline, page size */
	char release[128];	/* uname -r */
	char version[256];	/* uname -v */
	char arch[32];
	char *cmdline;		/* /proc/cmdline */
	long page_size;		/* sysconf(_SC_PAGESIZE) */
	uint64_t pmd_size;	/* hpage_pmd_size; 0 when the kernel has no THP */
	char *mthp_sizes;	/* JSON array of hugepages-<N>kB sizes in bytes, [] if none */
	int has_cachestat;	/* cachestat(2) answered (not ENOSYS) */
	char source[512];	/* what it was built from (a target that builds it says); "" unknown */
};

int sysinfo_collect(struct machine_info *m, struct kernel_info *k, struct herr *err);
/* Record the kernel's source (a build's description; NULL or "": none)
 * and make it part of the id: the same release built from two trees is
 * two kernels. Setting it again is a no-op. */
void sysinfo_kernel_source(struct kernel_info *k, const char *source);
void sysinfo_free(struct machine_info *m, struct kernel_info *k);

/* THP and mTHP settings in force now, as a JSON object:
 * {"enabled":..,"defrag":..,"shmem_enabled":..,"khugepaged":{tunable:value},
 *  "sizes":{"64kB":{"enabled":..,"shmem_enabled":..}}}. Stored with each run,
 * since knobs change between runs. Caller frees. NULL on error. */
char *sysinfo_thp_settings_json(void);

/* Fill m->cpu_model, midr_implementer and midr_part from the text of
 * /proc/cpuinfo (split out so arm64 parsing is testable on any host). */
void sysinfo_parse_cpuinfo(const char *text, struct machine_info *m);

/* FNV-1a 64 of a string, as 16 hex digits (stable ids for merging DBs). */
void sysinfo_hash_hex(const char *s, char out[17]);

#endif
