/* The metric table: lookup rules, and every name the producers can make
 * is in it (counters, derived metrics, cgroup, /proc deltas, the runner's
 * samples, rusage and page cache). The producers run under
 * HARNESS_METRICS_STRICT, where a name missing from the table aborts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/runner.h"
#include "measure/cgroup.h"
#include "measure/counters.h"
#include "measure/metric_table.h"
#include "measure/procfs.h"

/* Every metric in ms is in the table with the source, unit, kind and
 * direction the table gives. */
static void assert_all_known(const struct metric_set *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->v[i];
		const struct metric_def *d = metric_def_find(m->name);

		if (!d)
			fail_msg("%s is not in the metric table", m->name);
		assert_string_equal(m->source, d->source);
		assert_string_equal(m->unit, d->unit);
		assert_int_equal(m->kind, d->kind);
		assert_int_equal(m->better, d->better);
		assert_true(d->scopes & (1u << m->scope));
	}
}

static void test_counters_and_derived(void **state)
{
	struct metric_set ms;

	(void)state;
	mset_init(&ms);
	for (size_t i = 0; i < counter_ndefs; i++) {
		const struct metric_def *d = metric_def_find(counter_defs[i].name);

		assert_non_null(d);
		assert_string_equal(d->source, counter_defs[i].cls == COUNTER_PMU ? "pmu" : "swevent");
		assert_int_equal(d->kind, KIND_COUNTER);
		assert_non_null(mset_add(&ms, SCOPE_REGION, counter_defs[i].name, 1000));
	}
	assert_int_equal(counters_derive(&ms, SCOPE_REGION, 1 << 30), 0);
	assert_int_equal(ms.n, counter_ndefs + 7);	/* seven derived metrics */
	assert_all_known(&ms);
	for (size_t i = counter_ndefs; i < ms.n; i++)
		assert_int_equal(ms.v[i].kind, KIND_RATE);
	mset_free(&ms);
}

static void test_cgroup(void **state)
{
	struct run_cgroup cg;
	struct metric_set ms;

	(void)state;
	cgroup_skip(&cg, "by request");
	mset_init(&ms);
	cgroup_collect(&cg, CGROUP_REGION_END, &ms);
	cgroup_collect(&cg, CGROUP_EXIT, &ms);
	assert_int_equal(ms.n, 15);	/* 14 memory.stat fields and memory.peak */
	assert_all_known(&ms);
	/* Sizes at the region's end, events after exit: chosen by kind. */
	assert_int_equal(mset_find(&ms, SCOPE_REGION, "cgroup.anon")->kind, KIND_GAUGE);
	assert_int_equal(mset_find(&ms, SCOPE_PROCESS, "cgroup.pgfault")->kind, KIND_COUNTER);
	assert_null(mset_find(&ms, SCOPE_PROCESS, "cgroup.anon"));
	mset_free(&ms);
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

static void test_proc_families(void **state)
{
	char root[] = "/tmp/harness-mtable-XXXXXX", cmd[64];
	struct sys_snapshot a, b;
	struct metric_set ms;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "proc/vmstat", "pgfault 1\nnr_anon_pages 1\nthp_fault_alloc 1\n");
	put(root, "proc/meminfo", "Cached: 4 kB\nHugePages_Total: 0\n");
	put(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/nr_anon", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats/split", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/full_scans", "1\n");
	put(root, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096\n");
	sys_snapshot_init(&a);
	sys_snapshot_init(&b);
	assert_int_equal(sys_snapshot_take(&a, root), 0);
	assert_int_equal(sys_snapshot_take(&b, root), 0);
	mset_init(&ms);
	assert_int_equal(sys_snapshot_delta(&a, &b, SCOPE_PROCESS, &ms), 0);
	assert_int_equal(ms.n, 10);	/* all but the khugepaged tunable */
	assert_all_known(&ms);
	assert_int_equal(mset_find(&ms, SCOPE_PROCESS, "vmstat.nr_anon_pages")->kind, KIND_GAUGE);
	assert_int_equal(mset_find(&ms, SCOPE_PROCESS, "vmstat.pgfault")->kind, KIND_COUNTER);
	assert_int_equal(mset_find(&ms, SCOPE_PROCESS, "thp.hugepages-64kB.nr_anon")->kind, KIND_GAUGE);
	assert_int_equal(mset_find(&ms, SCOPE_PROCESS, "thp.hugepages-2048kB.split")->kind,
			 KIND_COUNTER);
	assert_string_equal(mset_find(&ms, SCOPE_PROCESS, "meminfo.Cached")->unit, "bytes");
	assert_null(mset_find(&ms, SCOPE_PROCESS, "thp.khugepaged.pages_to_scan"));
	mset_free(&ms);
	sys_snapshot_free(&a);
	sys_snapshot_free(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* The runner's own names: its samples and their peaks, rusage, the clock
 * and the page cache (runner.c adds them with these names). */
static void test_runner_names(void **state)
{
	static const char *const fixed[] = {
		"mem.rss_peak", "rusage.minflt", "rusage.majflt", "rusage.nvcsw", "rusage.nivcsw",
		"time.user_s", "time.sys_s", "time.wall_s", "pagecache.cached_bytes",
		"pagecache.files", "pagecache.file_bytes",
	};

	(void)state;
	assert_true(runner_nsampled > 0);
	for (size_t i = 0; i < runner_nsampled; i++) {
		char series[64], peak[64];
		const struct metric_def *d;

		snprintf(series, sizeof(series), "mem.%s", runner_sampled[i]);
		snprintf(peak, sizeof(peak), "mem.%s_peak", runner_sampled[i]);
		d = metric_def_find(series);
		assert_non_null(d);
		assert_true(d->scopes & METRIC_IN_SAMPLES);
		assert_non_null(metric_def_find(peak));
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_non_null(metric_def_find(fixed[i]));
	assert_true(metric_def_find("time.wall_s")->flags & METRIC_TIMING);
	assert_false(metric_def_find("mem.rss_peak")->flags & METRIC_TIMING);
}

static void test_lookup_rules(void **state)
{
	const struct metric_def *d;

	(void)state;
	/* An exact entry wins over a pattern that also matches. */
	d = metric_def_find("thp.khugepaged.pages_collapsed");
	assert_string_equal(d->name, "thp.khugepaged.pages_collapsed");
	/* The narrower pattern first. */
	assert_string_equal(metric_def_find("vmstat.nr_free_pages")->name, "vmstat.nr_*");
	assert_string_equal(metric_def_find("vmstat.pgmajfault")->name, "vmstat.*");
	assert_null(metric_def_find("tlb.nonsense"));
	assert_null(metric_def_find(NULL));
	/* Workload results are looked up per workload. */
	assert_null(metric_def_find("gups"));
	assert_string_equal(metric_def_find_workload("gups", "gups")->unit, "GUP/s");
	assert_null(metric_def_find_workload("gups", "read_s"));
	assert_int_equal(metric_def_find_workload("mmapread", "pagecache_bytes")->better, BETTER_NONE);
	assert_int_equal(metric_def_find_workload("smallfiles", "pagecache_bytes")->better,
			 BETTER_LOWER);
	assert_string_equal(metric_def_find_workload("stream", "triad_avg_bytes_per_s")->name,
			    "*_avg_bytes_per_s");
	assert_string_equal(metric_def_find_workload("stream", "triad_bytes_per_s")->name,
			    "*_bytes_per_s");
	assert_string_equal(metric_def_find_workload("ptrchase", "ns_per_access.4096")->name,
			    "ns_per_access.*");
	assert_int_equal(metric_def_find_workload("collapse", "mthp.64kB.nr_anon")->kind, KIND_GAUGE);
	assert_true(metric_table_has_workload("stream"));
	assert_false(metric_table_has_workload("myown"));
}

/* Entries fit a markdown table row and are unique. */
/* Huge-page shares have no better direction: more is fewer TLB misses and
 * maybe more footprint, so no table calls a change of them improved. */
static void test_informational(void **state)
{
	static const char *const names[] = { "mem.AnonHugePages_peak", "mem.AnonHugePages",
					     "cgroup.anon_thp", "cgroup.file_thp", "cgroup.shmem_thp" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct metric_def *d = metric_def_find(names[i]);

		assert_non_null(d);
		assert_int_equal(d->better, BETTER_NONE);
	}
	assert_int_equal(metric_def_find("mem.Rss_peak")->better, BETTER_LOWER);
}

static void test_entries(void **state)
{
	(void)state;
	for (size_t i = 0; i < metric_ndefs; i++) {
		const struct metric_def *d = &metric_defs[i];

		assert_true(d->name && *d->name && d->source && *d->source && d->unit);
		assert_true(d->meaning && *d->meaning && !strpbrk(d->meaning, "|\n"));
		assert_true(d->scopes != 0);
		assert_true(!d->workload || (!strcmp(d->source, "workload") &&
					     d->scopes == METRIC_IN_WORKLOAD));
		for (size_t j = 0; j < i; j++) {
			const struct metric_def *e = &metric_defs[j];

			if (!strcmp(d->name, e->name) && !d->workload == !e->workload &&
			    (!d->workload || !strcmp(d->workload, e->workload)))
				fail_msg("%s is in the table twice", d->name);
		}
	}
}

static void test_unknown_not_strict(void **state)
{
	struct metric_set ms;
	struct metric *m;

	(void)state;
	unsetenv("HARNESS_METRICS_STRICT");
	mset_init(&ms);
	m = mset_add(&ms, SCOPE_PROCESS, "no.such_metric", 1);
	assert_non_null(m);	/* a real run keeps it, without unit or direction */
	assert_string_equal(m->source, "unknown");
	assert_int_equal(m->better, BETTER_NONE);
	mset_free(&ms);
	setenv("HARNESS_METRICS_STRICT", "1", 1);
}

static void test_markdown(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(metric_table_markdown(f), 0);
	fclose(f);
	assert_true(!strncmp(buf, "<!-- BEGIN metric table", 23));
	assert_non_null(strstr(buf, "\n<!-- END metric table -->\n"));
	assert_non_null(strstr(buf, "| `vmstat.*` | count | counter | none | process, region |"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_derived),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_proc_families),
		cmocka_unit_test(test_runner_names),
		cmocka_unit_test(test_lookup_rules),
		cmocka_unit_test(test_informational),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_unknown_not_strict),
		cmocka_unit_test(test_markdown),
	};

	setenv("HARNESS_METRICS_STRICT", "1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
