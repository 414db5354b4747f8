/* Machine and kernel metadata collected on this host, plus the parts that
 * must work identically elsewhere (hashing, arm64 /proc/cpuinfo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure/bootmem.h"
#include "measure/sysinfo.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

static int is_hex16(const char *s)
{
	if (strlen(s) != 16)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

static int have_thp(void)
{
	struct stat sb;

	return stat(THP_DIR, &sb) == 0;
}

static void test_hash_vectors(void **state)
{
	char out[17];

	/* Published FNV-1a 64 test vectors. */
	sysinfo_hash_hex("", out);
	assert_string_equal(out, "cbf29ce484222325");
	sysinfo_hash_hex("a", out);
	assert_string_equal(out, "af63dc4c8601ec8c");
	sysinfo_hash_hex("foobar", out);
	assert_string_equal(out, "85944171f73967e8");
}

static void test_collect(void **state)
{
	struct machine_info m;
	struct kernel_info k;
	struct herr err = { 0 };
	json_t *j;

	if (sysinfo_collect(&m, &k, &err))
		fail_msg("%s", err.msg);
	assert_true(is_hex16(m.id));
	assert_true(is_hex16(k.id));
	assert_true(m.hostname[0]);
	assert_true(m.arch[0]);
	assert_string_equal(m.arch, k.arch);
	assert_true(m.cpu_model[0]);
	assert_true(m.cores >= 1);
	assert_true(m.pus >= m.cores);
	assert_true(m.packages >= 1);
	assert_true(m.numa_nodes >= 1);
	assert_true(m.mem_total_bytes > (64ULL << 20));
	assert_int_equal(k.page_size, sysconf(_SC_PAGESIZE));
	assert_true(k.page_size == 4096 || k.page_size == 16384 || k.page_size == 65536);
	if (have_thp())
		assert_true(k.pmd_size == (uint64_t)k.page_size * (uint64_t)k.page_size / 8);
	else
		assert_int_equal(k.pmd_size, 0);
	assert_non_null(k.cmdline);
	assert_true(k.release[0] && k.version[0]);
	assert_true(k.has_cachestat == 0 || k.has_cachestat == 1);

	j = json_loads(m.topology_json, 0, NULL);
	assert_true(json_is_array(json_object_get(j, "numa_nodes")));
	assert_true(json_is_array(json_object_get(j, "caches")));
	json_decref(j);
	sysinfo_free(&m, &k);
	assert_null(k.cmdline);
}

/* Same host, same ids: merging databases relies on it. */
static void test_ids_stable(void **state)
{
	struct machine_info m1, m2;
	struct kernel_info k1, k2;
	struct herr err = { 0 };

	assert_int_equal(sysinfo_collect(&m1, &k1, &err), 0);
	assert_int_equal(sysinfo_collect(&m2, &k2, &err), 0);
	assert_string_equal(m1.id, m2.id);
	assert_string_equal(k1.id, k2.id);
	sysinfo_free(&m1, &k1);
	sysinfo_free(&m2, &k2);
}

static void test_mthp_sizes(void **state)
{
	struct machine_info m;
	struct kernel_info k;
	struct herr err = { 0 };
	json_t *a, *v;
	json_int_t prev = 0;
	size_t i;

	assert_int_equal(sysinfo_collect(&m, &k, &err), 0);
	a = json_loads(k.mthp_sizes, 0, NULL);
	assert_true(json_is_array(a));
	json_array_foreach(a, i, v) {
		assert_true(json_integer_value(v) > prev);	/* ascending, bytes */
		assert_int_equal(json_integer_value(v) % 1024, 0);
		prev = json_integer_value(v);
	}
	if (access(THP_DIR "/hugepages-2048kB", F_OK) == 0)
		assert_true(strstr(k.mthp_sizes, "2097152") != NULL);
	json_decref(a);
	sysinfo_free(&m, &k);
}

static void test_thp_settings(void **state)
{
	char *s = sysinfo_thp_settings_json();
	json_t *j, *sizes, *size;
	const char *key;

	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	assert_true(json_is_object(j));
	if (have_thp()) {
		const char *enabled = json_string_value(json_object_get(j, "enabled"));

		/* The bracketed choice, not the whole "always [madvise] never". */
		assert_non_null(enabled);
		assert_null(strchr(enabled, '['));
		assert_null(strchr(enabled, ' '));
		assert_true(json_is_object(json_object_get(j, "khugepaged")));
		assert_true(json_is_integer(json_object_get(json_object_get(j, "khugepaged"),
							    "pages_to_scan")));
		assert_null(json_object_get(json_object_get(j, "khugepaged"), "full_scans"));
		sizes = json_object_get(j, "sizes");
		assert_true(json_is_object(sizes));
		json_object_foreach(sizes, key, size) {
			/* Some sizes are shmem-only (no anon "enabled"). */
			assert_non_null(strstr(key, "kB"));
			assert_true(json_is_string(json_object_get(size, "enabled")) ||
				    json_is_string(json_object_get(size, "shmem_enabled")));
			assert_null(json_object_get(size, "stats"));
		}
	} else {
		assert_int_equal(json_object_size(j), 0);
	}
	json_decref(j);
	free(s);
}

static void test_cpuinfo_arm64(void **state)
{
	struct machine_info m;
	const char *n1 =
		"processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n"
		"CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
		"CPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
		"processor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n";
	const char *biglittle =
		"processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd05\n\n"
		"processor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n";
	const char *unknown = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd99\n";
	const char *qemu_max = "processor\t: 0\nCPU implementer\t: 0x00\nCPU part\t: 0x051\n";
	const char *x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763\n";

	sysinfo_parse_cpuinfo(n1, &m);
	assert_string_equal(m.cpu_model, "Arm Neoverse-N1");
	assert_int_equal(m.midr_implementer, 0x41);
	assert_int_equal(m.midr_part, 0xd0c);
	sysinfo_parse_cpuinfo(biglittle, &m);
	assert_string_equal(m.cpu_model, "Arm Cortex-A55 + Arm Cortex-A76");
	assert_int_equal(m.midr_part, 0xd05);
	sysinfo_parse_cpuinfo(unknown, &m);
	assert_string_equal(m.cpu_model, "arm 0xd99");
	sysinfo_parse_cpuinfo(qemu_max, &m);
	assert_string_equal(m.cpu_model, "implementer 0x00 part 0x051");
	assert_int_equal(m.midr_implementer, 0);
	sysinfo_parse_cpuinfo(x86, &m);
	assert_string_equal(m.cpu_model, "AMD EPYC 7763");
	assert_int_equal(m.midr_implementer, -1);
	assert_int_equal(m.midr_part, -1);
	sysinfo_parse_cpuinfo("", &m);
	assert_string_equal(m.cpu_model, "unknown");
}

/* Boot memory (measure/bootmem.h): the log line as 6.12 prints it under
 * qemu (3 GiB guest, 4K pages), a line cut short, vmstat with and without
 * the 6.11 counters, the JSON round trip with figures missing. */
static void test_bootmem_parse(void **state)
{
	const char *log = "[    0.000000] Booting Linux on physical CPU 0x0\n"
			  "[    0.000000] Memory: 3008000K/3145728K available (9344K kernel code, "
			  "1234K rwdata, 3000K rodata, 1024K init, 512K bss, 81360K reserved, "
			  "0K cma-reserved)\n[    0.1] next\n";
	int64_t phys = 0, res = 0, pages = 0;
	struct boot_memory m = { .mem_total = 100, .physical = -1, .reserved = 5, .memmap = -1,
				 .page_size = 4096, .memmap_source = "", .reason = "no log" }, back;
	json_t *j;

	(void)state;
	assert_int_equal(bootmem_parse_log(log, &phys, &res), 0);
	assert_true(phys == 3145728LL * 1024);
	assert_true(res == 81360LL * 1024);
	assert_int_equal(bootmem_parse_log("Memory: 3008000K/3145728K available (cut\n81K reserved", &phys, &res), -1);
	assert_int_equal(bootmem_parse_log(NULL, &phys, &res), -1);
	assert_int_equal(bootmem_parse_vmstat("nr_free_pages 5\nnr_memmap_pages 10\nnr_memmap_boot_pages 12278\n", &pages), 0);
	assert_true(pages == 12288);
	assert_int_equal(bootmem_parse_vmstat("nr_free_pages 5\nnr_memmap_pagesx 3\n", &pages), -1);
	j = bootmem_to_json(&m);
	bootmem_from_json(j, &back);
	json_decref(j);
	assert_true(back.mem_total == 100 && back.physical == -1 && back.reserved == 5 && back.memmap == -1);
	assert_string_equal(back.reason, "no log");
	bootmem_from_json(NULL, &back);
	assert_true(back.mem_total == -1);
	assert_string_equal(back.reason, "not reported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_ids_stable),
		cmocka_unit_test(test_mthp_sizes),
		cmocka_unit_test(test_thp_settings),
		cmocka_unit_test(test_cpuinfo_arm64),
		cmocka_unit_test(test_bootmem_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
