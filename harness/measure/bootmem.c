/* Boot memory accounting (bootmem.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#include "core/fileio.h"
#include "measure/bootmem.h"

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10
#define STRUCT_PAGE_BYTES 64	/* sizeof(struct page), 64-bit, no debug options */

/* "Memory: 2955264K/3145728K available (... 190464K reserved, 0K cma-reserved)" */
int bootmem_parse_log(const char *log, int64_t *physical, int64_t *reserved)
{
	const char *p = log ? strstr(log, "Memory: ") : NULL;
	unsigned long long avail, phys, res;
	const char *r, *nl;

	for (; p; p = strstr(p + 1, "Memory: ")) {
		if (sscanf(p, "Memory: %lluK/%lluK available", &avail, &phys) != 2)
			continue;
		nl = strchr(p, '\n');
		r = strstr(p, "K reserved");
		if (!r || (nl && r > nl))
			continue;
		while (r > p && r[-1] >= '0' && r[-1] <= '9')
			r--;
		if (sscanf(r, "%lluK reserved", &res) != 1)
			continue;
		*physical = (int64_t)phys * 1024;
		*reserved = (int64_t)res * 1024;
		return 0;
	}
	return -1;
}

static int vmstat_field(const char *text, const char *name, int64_t *v)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p += p ? 1 : 0)
		if (!strncmp(p, name, n) && p[n] == ' ')
			return sscanf(p + n, " %" SCNd64, v) == 1 ? 0 : -1;
	return -1;
}

int bootmem_parse_vmstat(const char *text, int64_t *memmap_pages)
{
	int64_t a, b;

	if (!text || vmstat_field(text, "nr_memmap_pages", &a) ||
	    vmstat_field(text, "nr_memmap_boot_pages", &b))
		return -1;
	*memmap_pages = a + b;
	return 0;
}

static int64_t meminfo_total(void)
{
	char *t = file_read_all("/proc/meminfo"), *p = t ? strstr(t, "MemTotal:") : NULL;
	long long kb = -1;

	if (p && sscanf(p, "MemTotal: %lld kB", &kb) != 1)
		kb = -1;
	free(t);
	return kb < 0 ? -1 : kb * 1024;
}

static char *kernel_log(void)
{
	int n = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0), got;
	char *buf;

	if (n <= 0 || !(buf = malloc((size_t)n + 1)))
		return NULL;
	got = klogctl(SYSLOG_ACTION_READ_ALL, buf, n);
	if (got < 0) {
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	return buf;
}

static void add_reason(struct boot_memory *m, const char *what)
{
	size_t len = strlen(m->reason);

	snprintf(m->reason + len, sizeof(m->reason) - len, "%s%s", len ? "; " : "", what);
}

void bootmem_collect(struct boot_memory *m)
{
	char *log, *vm;
	int64_t pages;
	int log_errno;

	memset(m, 0, sizeof(*m));
	m->physical = m->reserved = m->memmap = -1;
	m->page_size = sysconf(_SC_PAGESIZE);
	m->mem_total = meminfo_total();
	if (m->mem_total < 0)
		add_reason(m, "no MemTotal in /proc/meminfo");
	log = kernel_log();
	log_errno = errno;
	if (!log)
		add_reason(m, log_errno == EPERM ? "reserved: the kernel log needs CAP_SYSLOG "
			   "(or kernel.dmesg_restrict=0)" : "reserved: the kernel log cannot be read");
	else if (bootmem_parse_log(log, &m->physical, &m->reserved))
		add_reason(m, "reserved: no \"Memory: ...K reserved\" line left in the kernel log "
			   "(the ring buffer wrapped since boot)");
	free(log);
	vm = file_read_all("/proc/vmstat");
	if (vm && !bootmem_parse_vmstat(vm, &pages)) {
		m->memmap = pages * m->page_size;
		snprintf(m->memmap_source, sizeof(m->memmap_source), "vmstat");
	} else if (m->physical > 0) {
		m->memmap = m->physical / m->page_size * STRUCT_PAGE_BYTES;
		snprintf(m->memmap_source, sizeof(m->memmap_source), "computed");
	} else {
		add_reason(m, "memmap: no nr_memmap_pages in /proc/vmstat (before 6.11) and no "
			   "physical memory figure to compute it from");
	}
	free(vm);
}

static json_t *bytes_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *bootmem_to_json(const struct boot_memory *m)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:I, s:s, s:s}", "mem_total", bytes_or_null(m->mem_total),
			 "physical", bytes_or_null(m->physical), "reserved", bytes_or_null(m->reserved),
			 "memmap", bytes_or_null(m->memmap), "page_size", (json_int_t)m->page_size,
			 "memmap_source", m->memmap_source, "reason", m->reason);
}

static int64_t field(const json_t *j, const char *name)
{
	json_t *v = json_object_get(j, name);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

void bootmem_from_json(const json_t *j, struct boot_memory *m)
{
	const char *src = json_string_value(json_object_get(j, "memmap_source"));
	const char *why = json_string_value(json_object_get(j, "reason"));

	memset(m, 0, sizeof(*m));
	m->mem_total = field(j, "mem_total");
	m->physical = field(j, "physical");
	m->reserved = field(j, "reserved");
	m->memmap = field(j, "memmap");
	m->page_size = field(j, "page_size");
	snprintf(m->memmap_source, sizeof(m->memmap_source), "%s", src ? src : "");
	snprintf(m->reason, sizeof(m->reason), "%s", why ? why : (j ? "" : "not reported"));
}
