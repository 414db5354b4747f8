/* Portable counter names and their resolution to perf_event_attr encodings.
 * Candidates are tried best first: the arm64 architectural name through
 * libpfm4's table for this CPU, the same event as the kernel lists it in
 * sysfs (for arm64 CPUs newer than libpfm4's tables), then a perf:: generic
 * event whose meaning is the kernel's mapping for this CPU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>

#include "measure/counters.h"
#include "measure/counters_impl.h"

#define SW(nm, cfg) { nm, COUNTER_SOFTWARE, { "" }, cfg }
#define HW(nm, ...) { nm, COUNTER_PMU, { __VA_ARGS__, NULL }, 0 }

/* Which events implement each portable name; its unit, direction and
 * meaning are in the metric table (metric_table.c).
 * Order matters: PMU events are packed into groups in this order, so events
 * that are read as ratios (cycles/instructions, refills/accesses) sit
 * together and are scheduled together. */
const struct counter_def counter_defs[] = {
	SW("fault.minor", PERF_COUNT_SW_PAGE_FAULTS_MIN),
	SW("fault.major", PERF_COUNT_SW_PAGE_FAULTS_MAJ),
	SW("sched.context_switches", PERF_COUNT_SW_CONTEXT_SWITCHES),
	SW("sched.cpu_migrations", PERF_COUNT_SW_CPU_MIGRATIONS),
	SW("cpu.task_clock", PERF_COUNT_SW_TASK_CLOCK),
	HW("cpu.cycles", "CPU_CYCLES", "sysfs:cpu_cycles", "perf::CYCLES"),
	HW("cpu.instructions", "INST_RETIRED", "sysfs:inst_retired", "perf::INSTRUCTIONS"),
	HW("tlb.l1d_refill", "L1D_TLB_REFILL", "sysfs:l1d_tlb_refill", "perf::DTLB-LOAD-MISSES"),
	HW("tlb.l1d_access", "L1D_TLB", "sysfs:l1d_tlb", "perf::DTLB-LOADS"),
	HW("tlb.l2d_refill", "L2D_TLB_REFILL", "sysfs:l2d_tlb_refill"),
	HW("tlb.dtlb_walk", "DTLB_WALK", "sysfs:dtlb_walk"),
	HW("tlb.itlb_walk", "ITLB_WALK", "sysfs:itlb_walk"),
	HW("tlb.l1i_refill", "L1I_TLB_REFILL", "sysfs:l1i_tlb_refill", "perf::ITLB-LOAD-MISSES"),
};
const size_t counter_ndefs = sizeof(counter_defs) / sizeof(counter_defs[0]);

static int lib_state;		/* 0 not tried, 1 ok, -1 failed */
static char lib_error[160];

int counters_lib_init(struct herr *err)
{
	int rc;

	if (lib_state == 0) {
		/* pfm_initialize reads LIBPFM_FORCE_PMU and
		 * LIBPFM_ENCODE_INACTIVE once, here. */
		rc = pfm_initialize();
		lib_state = rc == PFM_SUCCESS ? 1 : -1;
		if (rc != PFM_SUCCESS)
			snprintf(lib_error, sizeof(lib_error), "libpfm4 initialisation failed: %s",
				 pfm_strerror(rc));
	}
	if (lib_state < 0)
		return herr_set(err, EXIT_RUNTIME, "%s", lib_error);
	return 0;
}

const struct counter_def *counter_find(const char *name)
{
	for (size_t i = 0; i < counter_ndefs; i++)
		if (!strcmp(counter_defs[i].name, name))
			return &counter_defs[i];
	return NULL;
}

const char *counters_sw_name(uint64_t sw_config)
{
	switch (sw_config) {
	case PERF_COUNT_SW_PAGE_FAULTS_MIN: return "minor-faults";
	case PERF_COUNT_SW_PAGE_FAULTS_MAJ: return "major-faults";
	case PERF_COUNT_SW_CONTEXT_SWITCHES: return "context-switches";
	case PERF_COUNT_SW_CPU_MIGRATIONS: return "cpu-migrations";
	case PERF_COUNT_SW_TASK_CLOCK: return "task-clock";
	default: return "unknown";
	}
}

int counters_core_ncounters(void)
{
	pfm_pmu_info_t info;

	if (lib_state != 1)
		return COUNTERS_FALLBACK_NCOUNTERS;
	for (int p = PFM_PMU_NONE; p < PFM_PMU_MAX; p++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE && info.num_cntrs > 0)
			return info.num_cntrs;
	}
	return COUNTERS_FALLBACK_NCOUNTERS;
}

static void copy_str(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* libpfm4's fully-qualified string is "pmu::EVENT:UMASK:mod=v:mod=v": keep
 * "pmu::EVENT:UMASK" (the umasks are part of what is counted, e.g.
 * perf::PERF_COUNT_HW_CACHE_DTLB:READ:MISS) and "pmu" as the PMU name; the
 * privilege modifiers are set by the harness itself. */
static void names_from_fstr(const char *fstr, struct counter_resolution *out)
{
	const char *sep = strstr(fstr, "::");
	const char *p = sep ? sep + 2 : fstr;
	size_t len;

	out->pmu[0] = '\0';
	if (sep)
		copy_str(out->pmu, sizeof(out->pmu), fstr, (size_t)(sep - fstr));
	len = (size_t)(p - fstr) + strcspn(p, ":");
	copy_str(out->event, sizeof(out->event), fstr, len);
	for (p = fstr + len; *p == ':'; p += 1 + strcspn(p + 1, ":")) {
		size_t tok = strcspn(p + 1, ":");

		if (!memchr(p + 1, '=', tok) && len + 1 + tok < sizeof(out->event)) {
			memcpy(out->event + len, p, tok + 1);
			len += tok + 1;
			out->event[len] = '\0';
		}
	}
}

static int pmu_ncounters(int pmu_id)
{
	pfm_pmu_info_t info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (pfm_get_pmu_info(pmu_id, &info) == PFM_SUCCESS && info.num_cntrs > 0)
		return info.num_cntrs;
	/* perf:: generic events land on the core PMU. */
	return counters_core_ncounters();
}

/* Encode one libpfm4 name. Returns 0, or a PFM_ERR_* code. */
static int pfm_encode(const char *name, struct counter_resolution *out)
{
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	pfm_event_info_t einfo;
	char *fstr = NULL;
	int rc;

	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = &attr;
	arg.fstr = &fstr;
	rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc != PFM_SUCCESS)
		return rc;
	names_from_fstr(fstr, out);
	free(fstr);
	out->type = attr.type;
	out->config = attr.config;
	out->config1 = attr.config1;
	out->config2 = attr.config2;
	memset(&einfo, 0, sizeof(einfo));
	einfo.size = sizeof(einfo);
	if (pfm_get_event_info(arg.idx, PFM_OS_PERF_EVENT_EXT, &einfo) == PFM_SUCCESS)
		out->ncounters = pmu_ncounters(einfo.pmu);
	else
		out->ncounters = counters_core_ncounters();
	return 0;
}

void counters_append(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(dst, size);

	if (len + 1 < size)
		copy_str(dst + len, size - len, src, strlen(src));
}

static void add_reason(char *reason, size_t size, const char *cand, const char *why)
{
	if (reason[0])
		counters_append(reason, size, "; ");
	counters_append(reason, size, cand);
	counters_append(reason, size, ": ");
	counters_append(reason, size, why);
}

static int resolve_software(const struct counter_def *def, struct counter_resolution *out)
{
	out->ok = 1;
	snprintf(out->event, sizeof(out->event), "software:%s", counters_sw_name(def->sw_config));
	snprintf(out->pmu, sizeof(out->pmu), "software");
	out->type = PERF_TYPE_SOFTWARE;
	out->config = def->sw_config;
	return 0;
}

static int try_candidate(const char *cand, struct counter_resolution *out,
			 char *reason, size_t size)
{
	int rc;

	if (!strncmp(cand, "sysfs:", 6)) {
		if (counters_sysfs_find(cand + 6, out) == 0)
			return 0;
		add_reason(reason, size, cand, out->reason);
		return -1;
	}
	rc = pfm_encode(cand, out);
	if (rc == 0)
		return 0;
	add_reason(reason, size, cand, pfm_strerror(rc));
	return -1;
}

int counter_resolve(const struct counter_def *def, struct counter_resolution *out,
		    struct herr *err)
{
	char reason[sizeof(out->reason)] = "";
	struct herr lib_err = { 0 };

	memset(out, 0, sizeof(*out));
	out->def = def;
	if (def->cls == COUNTER_SOFTWARE)
		return resolve_software(def, out);
	/* A library that will not initialise makes the PMU metrics "not
	 * measured", not the run a failure: software counters still work. */
	if (counters_lib_init(&lib_err)) {
		counters_append(out->reason, sizeof(out->reason), lib_err.msg);
		return 0;
	}
	for (size_t i = 0; i < 4 && def->candidates[i]; i++) {
		if (try_candidate(def->candidates[i], out, reason, sizeof(reason)) == 0) {
			out->ok = 1;
			out->reason[0] = '\0';
			return 0;
		}
	}
	/* Forget what a partly successful candidate left behind. */
	memset(out, 0, sizeof(*out));
	out->def = def;
	counters_append(out->reason, sizeof(out->reason), "no event for this CPU (");
	counters_append(out->reason, sizeof(out->reason), reason);
	counters_append(out->reason, sizeof(out->reason), ")");
	return 0;
}
