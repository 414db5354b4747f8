/* Parsing of procfs/sysfs files and system deltas, on a fake tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure/procfs.h"

static void test_parse_kb_and_plain(void **state)
{
	struct kv_set kv;

	(void)state;
	kv_init(&kv);
	assert_int_equal(kv_parse("55d0-7ffe ---p 00000000 00:00 0 [rollup]\n"
				  "Rss:                1024 kB\nAnonHugePages:  2048 kB\n"
				  "pgfault 12345\nName:\tgups\n", &kv), 0);
	assert_int_equal(kv.n, 3);
	assert_true(*kv_get(&kv, "Rss") == 1024.0 * 1024);
	assert_true(*kv_get(&kv, "AnonHugePages") == 2048.0 * 1024);
	assert_true(*kv_get(&kv, "pgfault") == 12345.0);
	assert_null(kv_get(&kv, "Name"));
	kv_free(&kv);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_snapshot_delta(void **state)
{
	char root[] = "/tmp/harness-procfs-XXXXXX";
	struct sys_snapshot a, b;
	struct metric_set ms;
	const struct metric *m;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "proc/vmstat", "pgfault 100\nnr_anon_pages 10\n");
	put(root, "proc/meminfo", "Cached: 4 kB\n");
	put(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc", "5\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096\n");
	sys_snapshot_init(&a);
	sys_snapshot_init(&b);
	assert_int_equal(sys_snapshot_take(&a, root), 0);
	put(root, "proc/vmstat", "pgfault 250\nnr_anon_pages 4\n");
	put(root, "proc/meminfo", "Cached: 12 kB\n");
	put(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc", "1029\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", "3\n");
	assert_int_equal(sys_snapshot_take(&b, root), 0);
	mset_init(&ms);
	assert_int_equal(sys_snapshot_delta(&a, &b, SCOPE_REGION, &ms), 0);
	m = mset_find(&ms, SCOPE_REGION, "vmstat.pgfault");
	assert_non_null(m);
	assert_true(m->value == 150 && m->kind == KIND_COUNTER);
	m = mset_find(&ms, SCOPE_REGION, "vmstat.nr_anon_pages");
	assert_true(m->value == -6 && m->kind == KIND_GAUGE);
	assert_true(mset_find(&ms, SCOPE_REGION, "meminfo.Cached")->value == 8192);
	assert_true(mset_find(&ms, SCOPE_REGION, "thp.hugepages-64kB.anon_fault_alloc")->value == 1024);
	assert_true(mset_find(&ms, SCOPE_REGION, "thp.khugepaged.pages_collapsed")->value == 2);
	/* Tunables are settings, not counters. */
	assert_null(mset_find(&ms, SCOPE_REGION, "thp.khugepaged.pages_to_scan"));
	mset_free(&ms);
	sys_snapshot_free(&a);
	sys_snapshot_free(&b);
}

static void test_proc_sample_self(void **state)
{
	struct kv_set kv;

	(void)state;
	kv_init(&kv);
	assert_int_equal(proc_sample(getpid(), &kv), 0);
	assert_non_null(kv_get(&kv, "Rss"));
	assert_non_null(kv_get(&kv, "VmPTE"));
	assert_true(*kv_get(&kv, "Rss") > 0);
	kv_free(&kv);
	kv_init(&kv);
	assert_int_equal(proc_sample(999999999, &kv), -1);
	kv_free(&kv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kb_and_plain),
		cmocka_unit_test(test_snapshot_delta),
		cmocka_unit_test(test_proc_sample_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
