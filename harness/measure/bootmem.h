/* What the kernel's own memory costs, once per boot: MemTotal, the memory
 * it reserved at boot, and the memory map (the struct page array), the
 * figures the 4K/16K/64K argument is about besides the page cache.
 *
 *   mem_total  /proc/meminfo MemTotal (reported by the kernel)
 *   physical   the kernel log's "Memory: A/BK available (...)": B, the
 *              physical memory the kernel manages (reported)
 *   reserved   the same line's "RK reserved": physical pages minus
 *              totalram minus CMA at mem_init (reported; the log line is
 *              gone once the ring buffer has wrapped, and reading it needs
 *              CAP_SYSLOG or dmesg_restrict=0)
 *   memmap     (nr_memmap_pages + nr_memmap_boot_pages) x page size from
 *              /proc/vmstat (reported, Linux 6.11+: the pages the struct
 *              page arrays took from memblock and from the buddy
 *              allocator); before 6.11 computed as physical / page size x
 *              64 bytes (sizeof(struct page) on 64-bit without debug
 *              options), and memmap_source says which
 *
 * A figure that cannot be had is -1 with the reason, never 0. */
#ifndef HARNESS_MEASURE_BOOTMEM_H
#define HARNESS_MEASURE_BOOTMEM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct boot_memory {
	int64_t mem_total, physical, reserved, memmap;	/* bytes; -1: not measured */
	int64_t page_size;
	char memmap_source[64];	/* "vmstat", "computed", "" */
	char reason[256];	/* why a figure is -1; "" when all are there */
};

/* From this machine's running kernel. Never fails: missing figures are -1. */
void bootmem_collect(struct boot_memory *m);
/* The parts, split out for tests: the "Memory:" line of a kernel log, a
 * vmstat text. 0 when found. */
int bootmem_parse_log(const char *log, int64_t *physical, int64_t *reserved);
int bootmem_parse_vmstat(const char *text, int64_t *memmap_pages);
json_t *bootmem_to_json(const struct boot_memory *m);
/* Missing or null fields are -1. */
void bootmem_from_json(const json_t *j, struct boot_memory *m);

#endif
