/* Resolution of every PMU metric on an arm64 core, with libpfm4 forced to
 * its Neoverse N1 table (LIBPFM_FORCE_PMU=arm_n1, LIBPFM_ENCODE_INACTIVE=1).
 * pfm_initialize reads the environment once per process, hence a binary of
 * its own. A libpfm4 built for another architecture has no arm64 tables
 * (Debian's x86 package has none): the cases are then skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib.h>

#include "measure/counters.h"

static int arm_n1_counters(void)
{
	for (int p = PFM_PMU_NONE; p < PFM_PMU_MAX; p++) {
		pfm_pmu_info_t info;

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.name &&
		    !strcmp(info.name, "arm_n1"))
			return info.num_cntrs;
	}
	return -1;
}

static int setup(void **state)
{
	struct herr err = { 0 };

	(void)state;
	return counters_lib_init(&err);
}

static void expect(const char *metric, const char *event, uint64_t code)
{
	struct counter_resolution r;
	struct herr err = { 0 };
	char want[64];
	int ncounters = arm_n1_counters();

	if (ncounters < 0) {
		print_message("libpfm4 here has no arm_n1 table: skipped\n");
		skip();
	}
	assert_int_equal(counter_resolve(counter_find(metric), &r, &err), 0);
	assert_true(r.ok);
	snprintf(want, sizeof(want), "arm_n1::%s", event);
	assert_string_equal(r.event, want);
	assert_string_equal(r.pmu, "arm_n1");
	assert_int_equal(r.type, PERF_TYPE_RAW);
	assert_int_equal(r.config, code);
	assert_int_equal(r.ncounters, ncounters > 0 ? ncounters : 4);
}

static void test_cycles(void **s) { (void)s; expect("cpu.cycles", "CPU_CYCLES", 0x11); }
static void test_instructions(void **s) { (void)s; expect("cpu.instructions", "INST_RETIRED", 0x08); }
static void test_l1d_refill(void **s) { (void)s; expect("tlb.l1d_refill", "L1D_TLB_REFILL", 0x05); }
static void test_l1d_access(void **s) { (void)s; expect("tlb.l1d_access", "L1D_TLB", 0x25); }
static void test_l2d_refill(void **s) { (void)s; expect("tlb.l2d_refill", "L2D_TLB_REFILL", 0x2d); }
static void test_dtlb_walk(void **s) { (void)s; expect("tlb.dtlb_walk", "DTLB_WALK", 0x34); }
static void test_itlb_walk(void **s) { (void)s; expect("tlb.itlb_walk", "ITLB_WALK", 0x35); }
static void test_l1i_refill(void **s) { (void)s; expect("tlb.l1i_refill", "L1I_TLB_REFILL", 0x02); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_instructions),
		cmocka_unit_test(test_l1d_refill),
		cmocka_unit_test(test_l1d_access),
		cmocka_unit_test(test_l2d_refill),
		cmocka_unit_test(test_dtlb_walk),
		cmocka_unit_test(test_itlb_walk),
		cmocka_unit_test(test_l1i_refill),
	};

	/* Before the first pfm_initialize, which reads them once. */
	setenv("LIBPFM_FORCE_PMU", "arm_n1", 1);
	setenv("LIBPFM_ENCODE_INACTIVE", "1", 1);
	return cmocka_run_group_tests(tests, setup, NULL);
}
