/* Event lookup in the kernel's own PMU description, as perf does for
 * "pmu/event/": <root>/<pmu>/type is the perf type, <root>/<pmu>/events/<e>
 * holds terms such as "event=0x0034", and <root>/<pmu>/format/<term> says
 * where a term goes ("config:0-15"). On arm64 the kernel lists exactly the
 * events the CPU advertises (PMCEID), so this also works on CPUs newer than
 * libpfm4's tables, where libpfm4 knows only the perf:: generic events. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "measure/counters_impl.h"

#define SYSFS_PMU_ROOT "/sys/bus/event_source/devices"

static const char *sysfs_root = SYSFS_PMU_ROOT;

void counters_sysfs_set_root(const char *root)
{
	sysfs_root = root ? root : SYSFS_PMU_ROOT;
}

/* Spread value over the bit ranges of a format spec "config1:0-7,32-35". */
static int deposit(const char *spec, uint64_t value, struct counter_resolution *out)
{
	uint64_t *field;
	const char *p = strchr(spec, ':');

	if (!p)
		return -1;
	if (!strncmp(spec, "config1:", 8))
		field = &out->config1;
	else if (!strncmp(spec, "config2:", 8))
		field = &out->config2;
	else if (!strncmp(spec, "config:", 7))
		field = &out->config;
	else
		return -1;
	while (*p == ':' || *p == ',') {
		char *end;
		unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (hi < lo || hi > 63)
			return -1;
		for (unsigned long b = lo; b <= hi; b++, value >>= 1)
			*field |= (value & 1) << b;
		p = end;
	}
	return 0;
}

/* Apply the terms of an events file ("event=0x34,umask=0x1") to out. */
static int apply_terms(const char *dir, char *terms, struct counter_resolution *out)
{
	char *save = NULL;

	for (char *t = strtok_r(terms, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		char path[512], spec[128];
		uint64_t value = 1;	/* a bare term is a flag */

		if (eq) {
			*eq = '\0';
			value = strtoull(eq + 1, NULL, 0);
		}
		snprintf(path, sizeof(path), "%s/format/%s", dir, t);
		if (file_read_line(path, spec, sizeof(spec)) || deposit(spec, value, out))
			return -1;
	}
	return 0;
}

static int try_pmu(const char *pmu, const char *event, struct counter_resolution *out)
{
	char dir[320], path[512], buf[256];

	snprintf(dir, sizeof(dir), "%s/%s", sysfs_root, pmu);
	snprintf(path, sizeof(path), "%s/events/%s", dir, event);
	if (file_read_line(path, buf, sizeof(buf)))
		return -1;
	out->config = out->config1 = out->config2 = 0;
	if (apply_terms(dir, buf, out))
		return -1;
	snprintf(path, sizeof(path), "%s/type", dir);
	if (file_read_line(path, buf, sizeof(buf)))
		return -1;
	out->type = (uint32_t)strtoul(buf, NULL, 10);
	snprintf(out->pmu, sizeof(out->pmu), "%s", pmu);
	snprintf(out->event, sizeof(out->event), "%.60s/%.60s/", pmu, event);
	out->ncounters = counters_core_ncounters();
	return 0;
}

int counters_sysfs_find(const char *event, struct counter_resolution *out)
{
	struct dirent **list;
	int n = scandir(sysfs_root, &list, NULL, alphasort);
	int found = -1;

	if (n < 0) {
		snprintf(out->reason, sizeof(out->reason), "%s: %s", sysfs_root, strerror(errno));
		return -1;
	}
	/* Sorted, so a heterogeneous machine (armv8_pmuv3_0, _1) always picks
	 * the same PMU. */
	for (int i = 0; i < n; i++) {
		if (found && list[i]->d_name[0] != '.')
			found = try_pmu(list[i]->d_name, event, out);
		free(list[i]);
	}
	free(list);
	if (found)
		snprintf(out->reason, sizeof(out->reason), "no PMU in the kernel's list has it");
	return found;
}
