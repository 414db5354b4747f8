/* Counting engine: classification, grouping, interval metrics, derived
 * metrics, sysfs resolution, and counting a real child. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/perf_event.h>

#include "measure/counters.h"
#include "measure/counters_impl.h"
#include "measure/metric_table.h"

#define TOUCH_MIB 64

/* --- classification --- */

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(counter_classify(COUNTER_PMU, 1000, 50, 50, 1), MS_OK);
	assert_int_equal(counter_classify(COUNTER_PMU, 1000, 100, 50, 1), MS_SCALED);
	/* A PMU 0 while the task ran is an unimplemented event, not a 0. */
	assert_int_equal(counter_classify(COUNTER_PMU, 0, 100, 100, 1), MS_NOT_COUNTED);
	/* ... but a 0 over an interval where nothing ran is a real 0. */
	assert_int_equal(counter_classify(COUNTER_PMU, 0, 100, 100, 0), MS_OK);
	/* 0 major faults is a real 0. */
	assert_int_equal(counter_classify(COUNTER_SOFTWARE, 0, 100, 100, 1), MS_OK);
	assert_int_equal(counter_classify(COUNTER_SOFTWARE, 5, 100, 40, 1), MS_SCALED);
	assert_int_equal(counter_classify(COUNTER_PMU, 10, 0, 0, 1), MS_NOT_COUNTED);
	assert_int_equal(counter_classify(COUNTER_PMU, 0, 100, 0, 1), MS_NOT_COUNTED);
	assert_int_equal(counter_classify(COUNTER_SOFTWARE, 0, 100, 0, 1), MS_NOT_COUNTED);
}

/* --- grouping --- */

static void check_plan(const int *nc, size_t n)
{
	int group[64];
	int ngroups = counters_plan_groups(nc, n, group);

	for (int g = 0; g < ngroups; g++) {
		int size = 0, limit = 1 << 30;

		for (size_t i = 0; i < n; i++) {
			int lim = nc[i] > 0 ? nc[i] : COUNTERS_FALLBACK_NCOUNTERS;

			if (group[i] != g)
				continue;
			size++;
			if (lim < limit)
				limit = lim;
		}
		assert_true(size >= 1);
		assert_true(size <= limit);
	}
	/* Leader first: groups are consecutive and numbered in order. */
	for (size_t i = 1; i < n; i++)
		assert_true(group[i] == group[i - 1] || group[i] == group[i - 1] + 1);
}

static void test_plan_groups(void **state)
{
	static const int six[8] = { 6, 6, 6, 6, 6, 6, 6, 6 };
	static const int unknown[8] = { 0 };
	static const int mixed[8] = { 6, 6, 2, 6, 6, 6, 1, 3 };
	int group[8];

	(void)state;
	assert_int_equal(counters_plan_groups(six, 8, group), 2);
	assert_int_equal(group[5], 0);
	assert_int_equal(group[6], 1);
	assert_int_equal(counters_plan_groups(unknown, 8, group), 2);
	assert_int_equal(group[3], 0);
	assert_int_equal(group[4], 1);
	assert_int_equal(counters_plan_groups(six, 0, group), 0);
	check_plan(six, 8);
	check_plan(unknown, 8);
	check_plan(mixed, 8);
	for (int n = 1; n <= 8; n++) {
		int one[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

		assert_int_equal(counters_plan_groups(one, (size_t)n, group), n);
	}
}

/* --- interval metrics from synthetic readings --- */

struct fake {
	struct counters c;
	struct counter_event ev[4];
	struct counter_snapshot begin, end;
	uint64_t b[3][4], e[3][4];
};

static void fake_event(struct fake *f, size_t i, const char *name, int fd, int group)
{
	struct counter_event *ev = &f->ev[i];

	ev->def = counter_find(name);
	assert_non_null(ev->def);
	ev->res.def = ev->def;
	ev->res.ok = 1;
	snprintf(ev->res.event, sizeof(ev->res.event), "test::%s", name);
	ev->res.type = PERF_TYPE_RAW;
	ev->res.config = 0x10 + i;
	ev->fd = fd;
	ev->group = group;
	if (fd < 0)
		snprintf(ev->reason, sizeof(ev->reason), "test: did not open");
}

static void fake_read(struct fake *f, size_t i, uint64_t raw0, uint64_t raw1,
		      uint64_t enabled, uint64_t running)
{
	f->b[0][i] = raw0;
	f->e[0][i] = raw1;
	f->b[1][i] = 1000;
	f->e[1][i] = 1000 + enabled;
	f->b[2][i] = 1000;
	f->e[2][i] = 1000 + running;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->c.n = 4;
	f->c.ev = f->ev;
	fake_event(f, 0, "cpu.task_clock", 3, 0);
	fake_event(f, 1, "fault.major", 4, 1);
	fake_event(f, 2, "tlb.dtlb_walk", 5, 2);
	fake_event(f, 3, "tlb.l2d_refill", -1, -1);
	f->begin = (struct counter_snapshot){ 4, f->b[0], f->b[1], f->b[2] };
	f->end = (struct counter_snapshot){ 4, f->e[0], f->e[1], f->e[2] };
}

static void test_to_metrics(void **state)
{
	struct fake f;
	struct metric_set ms;
	struct herr err = { 0 };
	const struct metric *m;

	(void)state;
	fake_init(&f);
	fake_read(&f, 0, 100, 5000100, 5000000, 5000000);	/* task ran 5 ms */
	fake_read(&f, 1, 7, 7, 5000000, 5000000);		/* 0 major faults */
	fake_read(&f, 2, 40, 40, 5000000, 5000000);		/* PMU event stuck */
	mset_init(&ms);
	assert_int_equal(counters_to_metrics(&f.c, &f.begin, &f.end, SCOPE_REGION, &ms, &err), 0);
	assert_int_equal(ms.n, 4);
	assert_int_equal(ms.npmu, 4);

	m = mset_find(&ms, SCOPE_REGION, "cpu.task_clock");
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value == 5000000.0);
	assert_string_equal(m->unit, "ns");
	assert_string_equal(m->source, "swevent");
	m = mset_find(&ms, SCOPE_REGION, "fault.major");
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value == 0.0);
	m = mset_find(&ms, SCOPE_REGION, "tlb.dtlb_walk");
	assert_int_equal(m->status, MS_NOT_COUNTED);
	assert_non_null(strstr(m->reason, "counted 0 while the task ran"));
	assert_string_equal(m->source, "pmu");
	m = mset_find(&ms, SCOPE_REGION, "tlb.l2d_refill");
	assert_int_equal(m->status, MS_NOT_MEASURED);
	assert_string_equal(m->reason, "test: did not open");

	/* The event records carry what the kernel said. */
	assert_string_equal(ms.pmu[2].metric, "tlb.dtlb_walk");
	assert_string_equal(ms.pmu[2].event, "test::tlb.dtlb_walk");
	assert_int_equal(ms.pmu[2].type, PERF_TYPE_RAW);
	assert_int_equal(ms.pmu[2].config, 0x12);
	assert_int_equal(ms.pmu[2].raw, 0);
	assert_int_equal(ms.pmu[2].time_enabled, 5000000);
	assert_int_equal(ms.pmu[2].group, 2);
	assert_int_equal(ms.pmu[2].status, MS_NOT_COUNTED);
	assert_int_equal(ms.pmu[3].status, MS_NOT_MEASURED);
	assert_int_equal(ms.pmu[3].scope, SCOPE_REGION);
	mset_free(&ms);
}

static void test_to_metrics_scaled(void **state)
{
	struct fake f;
	struct metric_set ms;
	struct herr err = { 0 };
	const struct metric *m;

	(void)state;
	fake_init(&f);
	fake_read(&f, 0, 0, 1000, 4000, 4000);
	fake_read(&f, 2, 0, 300, 4000, 1000);	/* on the PMU a quarter of the time */
	mset_init(&ms);
	/* begin NULL: from exec, the end values as they are */
	assert_int_equal(counters_to_metrics(&f.c, NULL, &f.end, SCOPE_PROCESS, &ms, &err), 0);
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.dtlb_walk");
	assert_int_equal(m->status, MS_SCALED);
	/* raw 300 * enabled 5000 / running 2000 (from exec: +1000 each) */
	assert_true(m->value > 749.99 && m->value < 750.01);
	assert_int_equal(ms.pmu[2].raw, 300);
	assert_int_equal(ms.pmu[2].time_running, 2000);
	/* fault.major never enabled in this reading: not counted. */
	m = mset_find(&ms, SCOPE_PROCESS, "fault.major");
	assert_int_equal(m->status, MS_NOT_COUNTED);
	assert_non_null(strstr(m->reason, "never enabled"));
	mset_free(&ms);

	/* A snapshot of another set is a programming error reported as such. */
	f.end.n = 3;
	mset_init(&ms);
	assert_int_equal(counters_to_metrics(&f.c, NULL, &f.end, SCOPE_PROCESS, &ms, &err), -1);
	mset_free(&ms);
}

/* --- derived metrics --- */

static void test_derive(void **state)
{
	struct metric_set ms;
	const struct metric *m;
	struct metric *x;

	(void)state;
	mset_init(&ms);
	mset_add(&ms, SCOPE_PROCESS, "cpu.instructions", 2e9);
	mset_add(&ms, SCOPE_PROCESS, "tlb.l1d_refill", 4e6);
	x = mset_add(&ms, SCOPE_PROCESS, "tlb.l1d_access", 8e8);
	x->status = MS_SCALED;
	mset_add(&ms, SCOPE_PROCESS, "tlb.dtlb_walk", 3e6);
	mset_missing(&ms, SCOPE_PROCESS, "tlb.l2d_refill", MS_NOT_MEASURED, "no event for this CPU");
	mset_missing(&ms, SCOPE_PROCESS, "tlb.itlb_walk", MS_NOT_COUNTED, "opened but counted 0");
	assert_int_equal(counters_derive(&ms, SCOPE_PROCESS, 2.0 * 1024 * 1024 * 1024), 0);

	m = mset_find(&ms, SCOPE_PROCESS, "tlb.l1d_refill_mpki");
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value > 1.999 && m->value < 2.001);
	assert_int_equal(m->kind, KIND_RATE);
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.dtlb_walk_mpki");
	assert_true(m->value > 1.499 && m->value < 1.501);
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.l2d_refill_mpki");
	assert_int_equal(m->status, MS_NOT_MEASURED);
	assert_non_null(strstr(m->reason, "tlb.l2d_refill"));
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.itlb_walk_mpki");
	assert_int_equal(m->status, MS_NOT_COUNTED);
	assert_non_null(strstr(m->reason, "tlb.itlb_walk"));
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.l1d_miss_ratio");
	assert_int_equal(m->status, MS_SCALED);
	assert_true(m->value > 0.00499 && m->value < 0.00501);
	m = mset_find(&ms, SCOPE_PROCESS, "tlb.dtlb_walk_per_gib");
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value > 1.4999e6 && m->value < 1.5001e6);
	/* Not asked for: no derived metric. */
	assert_null(mset_find(&ms, SCOPE_PROCESS, "tlb.l1i_refill_mpki"));
	mset_free(&ms);
}

static void test_derive_missing_inputs(void **state)
{
	struct metric_set ms;
	const struct metric *m;

	(void)state;
	mset_init(&ms);
	mset_add(&ms, SCOPE_REGION, "tlb.dtlb_walk", 10);
	mset_missing(&ms, SCOPE_REGION, "cpu.instructions", MS_NOT_MEASURED,
		     "perf_event_open: No such file or directory");
	/* Another scope's instructions must not be used. */
	mset_add(&ms, SCOPE_PROCESS, "cpu.instructions", 1e9);
	assert_int_equal(counters_derive(&ms, SCOPE_REGION, 0), 0);
	m = mset_find(&ms, SCOPE_REGION, "tlb.dtlb_walk_mpki");
	assert_int_equal(m->status, MS_NOT_MEASURED);
	assert_non_null(strstr(m->reason, "cpu.instructions"));
	m = mset_find(&ms, SCOPE_REGION, "tlb.dtlb_walk_per_gib");
	assert_int_equal(m->status, MS_NOT_MEASURED);
	assert_non_null(strstr(m->reason, "bytes"));
	assert_null(mset_find(&ms, SCOPE_PROCESS, "tlb.dtlb_walk_mpki"));
	mset_free(&ms);
}

/* --- resolution --- */

static void test_defs(void **state)
{
	static const char *const expected[] = {
		"fault.minor", "fault.major", "sched.context_switches", "sched.cpu_migrations",
		"cpu.task_clock", "cpu.cycles", "cpu.instructions", "tlb.l1d_refill",
		"tlb.l2d_refill", "tlb.dtlb_walk", "tlb.itlb_walk", "tlb.l1i_refill",
		"tlb.l1d_access",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_non_null(counter_find(expected[i]));
	assert_null(counter_find("tlb.nonsense"));
	for (size_t i = 0; i < counter_ndefs; i++) {
		const struct counter_def *d = &counter_defs[i];

		assert_non_null(metric_def_find(d->name));	/* its unit, direction, meaning */
		if (d->cls == COUNTER_PMU)	/* arm64 architectural name first */
			assert_true(d->candidates[0] && d->candidates[0][0] &&
				    !strchr(d->candidates[0], ':'));
	}
}

static void test_resolve_software(void **state)
{
	struct counter_resolution r;
	struct herr err = { 0 };

	(void)state;
	assert_int_equal(counter_resolve(counter_find("fault.minor"), &r, &err), 0);
	assert_true(r.ok);
	assert_int_equal(r.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(r.config, PERF_COUNT_SW_PAGE_FAULTS_MIN);
	assert_string_equal(r.event, "software:minor-faults");
	assert_int_equal(counter_resolve(counter_find("cpu.task_clock"), &r, &err), 0);
	assert_int_equal(r.config, PERF_COUNT_SW_TASK_CLOCK);
}

/* A fake sysfs PMU as an arm64 kernel lists it. */
static const struct { const char *file, *code; } arm_events[] = {
	{ "cpu_cycles", "0x0011" }, { "inst_retired", "0x0008" },
	{ "l1d_tlb_refill", "0x0005" }, { "l1d_tlb", "0x0025" },
	{ "l2d_tlb_refill", "0x002d" }, { "dtlb_walk", "0x0034" },
	{ "itlb_walk", "0x0035" }, { "l1i_tlb_refill", "0x0002" },
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_fake_sysfs(char *root, size_t size)
{
	char path[512];

	snprintf(root, size, "/tmp/harness-test-sysfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/events", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/format", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/type", root);
	write_file(path, "42\n");
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/format/event", root);
	write_file(path, "config:0-15\n");
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/format/long", root);
	write_file(path, "config1:0\n");
	for (size_t i = 0; i < sizeof(arm_events) / sizeof(arm_events[0]); i++) {
		char text[64];

		snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/events/%s", root, arm_events[i].file);
		snprintf(text, sizeof(text), "event=%s\n", arm_events[i].code);
		write_file(path, text);
	}
	/* A term that goes to config1, to check the format parsing. */
	snprintf(path, sizeof(path), "%s/armv8_pmuv3_0/events/chain_test", root);
	write_file(path, "event=0x1e,long\n");
}

static void remove_fake_sysfs(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_sysfs_lookup(void **state)
{
	char root[64];
	struct counter_resolution r;

	(void)state;
	make_fake_sysfs(root, sizeof(root));
	counters_sysfs_set_root(root);
	for (size_t i = 0; i < sizeof(arm_events) / sizeof(arm_events[0]); i++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(counters_sysfs_find(arm_events[i].file, &r), 0);
		assert_int_equal(r.type, 42);
		assert_int_equal(r.config, strtoull(arm_events[i].code, NULL, 16));
		assert_string_equal(r.pmu, "armv8_pmuv3_0");
	}
	memset(&r, 0, sizeof(r));
	assert_int_equal(counters_sysfs_find("chain_test", &r), 0);
	assert_int_equal(r.config, 0x1e);
	assert_int_equal(r.config1, 1);
	assert_int_equal(counters_sysfs_find("no_such_event", &r), -1);
	assert_true(r.reason[0]);
	counters_sysfs_set_root(NULL);
	remove_fake_sysfs(root);
}

/* Every PMU metric resolves with an arm64 kernel's sysfs list, and when it
 * resolves through it, to the architectural event number. */
static void test_resolve_via_sysfs(void **state)
{
	char root[64];
	struct herr err = { 0 };

	(void)state;
	make_fake_sysfs(root, sizeof(root));
	counters_sysfs_set_root(root);
	for (size_t i = 0; i < counter_ndefs; i++) {
		const struct counter_def *d = &counter_defs[i];
		struct counter_resolution r;
		const char *sysfs = NULL;

		if (d->cls != COUNTER_PMU)
			continue;
		assert_int_equal(counter_resolve(d, &r, &err), 0);
		assert_true(r.ok);
		for (size_t k = 0; k < 4 && d->candidates[k]; k++)
			if (!strncmp(d->candidates[k], "sysfs:", 6))
				sysfs = d->candidates[k] + 6;
		assert_non_null(sysfs);
		if (strcmp(r.pmu, "armv8_pmuv3_0"))
			continue;	/* this host's libpfm4 knows the name itself */
		for (size_t k = 0; k < sizeof(arm_events) / sizeof(arm_events[0]); k++)
			if (!strcmp(arm_events[k].file, sysfs))
				assert_int_equal(r.config, strtoull(arm_events[k].code, NULL, 16));
		assert_int_equal(r.type, 42);
		assert_true(r.ncounters > 0);
	}
	counters_sysfs_set_root(NULL);
	remove_fake_sysfs(root);
}

/* A leader that does not open leaves its group to the next event that does;
 * nothing is lost because one event failed. */
static void test_open_group_leader_fails(void **state)
{
	struct counter_event ev[3];
	struct counters c = { 3, ev };
	size_t idx[3] = { 0, 1, 2 };
	int next = 7;

	(void)state;
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 3; i++) {
		ev[i].fd = -1;
		ev[i].group = -1;
		ev[i].res.ok = 1;
	}
	ev[0].def = counter_find("cpu.cycles");
	ev[0].res.type = PERF_TYPE_MAX + 1000;	/* no such PMU anywhere */
	snprintf(ev[0].res.event, sizeof(ev[0].res.event), "bogus");
	ev[1].def = counter_find("cpu.task_clock");
	ev[1].res.type = PERF_TYPE_SOFTWARE;
	ev[1].res.config = PERF_COUNT_SW_TASK_CLOCK;
	ev[2].def = counter_find("fault.minor");
	ev[2].res.type = PERF_TYPE_SOFTWARE;
	ev[2].res.config = PERF_COUNT_SW_PAGE_FAULTS_MIN;
	counters_open_group(&c, idx, 3, getpid(), &next);
	assert_true(ev[0].fd < 0);
	assert_non_null(strstr(ev[0].reason, "bogus: perf_event_open"));
	assert_true(ev[1].fd >= 0 && ev[1].leader);
	assert_int_equal(ev[1].group, 7);
	assert_true(ev[2].fd >= 0 && !ev[2].leader);
	assert_int_equal(ev[2].group, 7);
	assert_int_equal(next, 8);
	close(ev[1].fd);
	close(ev[2].fd);
}

static int read_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

/* Child of test_user_only: drop root, open fault.minor on itself.
 * Exit 0: opened user-space only; 1: refused with a reason; 2: other. */
static int user_only_child(void)
{
	const char *names[] = { "fault.minor" };
	struct counters *c = NULL;
	struct herr err = { 0 };
	int rc;

	if (setgid(65534) || setuid(65534))
		return 3;
	if (counters_open(getpid(), names, 1, &c, &err))
		return 2;
	if (c->ev[0].fd >= 0)
		rc = c->ev[0].user_only && strstr(c->ev[0].reason, "user space only") ? 0 : 2;
	else
		rc = strstr(c->ev[0].reason, "not permitted") ? 1 : 2;
	counters_close(c);
	return rc;
}

/* Where counting the kernel is refused, the event falls back to user space
 * and says so (perf_event_paranoid 2); where everything is refused (3 and
 * up, Debian's patch), it is not measured with the reason. */
static void test_user_only(void **state)
{
	int paranoid = read_paranoid(), status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0 || paranoid < 2) {
		print_message("needs root and perf_event_paranoid >= 2: skipped\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(user_only_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), paranoid == 2 ? 0 : 1);
}

static void test_unknown_name(void **state)
{
	const char *names[] = { "fault.minor", "tlb.nonsense" };
	struct counters *c = (struct counters *)1;
	struct herr err = { 0 };

	(void)state;
	assert_int_equal(counters_open(getpid(), names, 2, &c, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "tlb.nonsense"));
	assert_null(c);
}

/* --- a real child --- */

/* The child side: touch TOUCH_MIB of anonymous memory in base pages. */
static int touch_memory(void)
{
	size_t len = (size_t)TOUCH_MIB << 20;
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	madvise(p, len, MADV_NOHUGEPAGE);	/* one fault per base page */
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	return 0;
}

/* Fork a child held on a pipe, as the runner does; it execs this binary in
 * touch mode once released. */
static pid_t fork_held(int *release)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		char *argv[] = { "test_counters", "--touch", NULL };

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(126);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[0]);
	*release = fds[1];
	return pid;
}

static int hw_opens_here(void)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static void check_groups(const struct counters *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int members = 0;

		if (c->ev[i].fd < 0 || !c->ev[i].leader)
			continue;
		for (size_t k = 0; k < c->n; k++)
			if (c->ev[k].fd >= 0 && c->ev[k].group == c->ev[i].group) {
				members++;
				if (c->ev[k].def->cls == COUNTER_PMU)
					assert_true(members <= (c->ev[k].res.ncounters > 0 ?
						c->ev[k].res.ncounters : COUNTERS_FALLBACK_NCOUNTERS));
			}
		if (c->ev[i].def->cls == COUNTER_SOFTWARE)
			assert_int_equal(members, 1);
	}
}

static void check_child_metrics(const struct metric_set *ms, long minflt)
{
	long pages = (long)(((size_t)TOUCH_MIB << 20) / (size_t)sysconf(_SC_PAGESIZE));
	const struct metric *m = mset_find(ms, SCOPE_PROCESS, "fault.minor");
	double diff;

	assert_non_null(m);
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value > (double)pages);
	/* rusage also counts the few faults between fork and exec. */
	diff = m->value - (double)minflt;
	assert_true(diff < 0.1 * (double)minflt + 500 && -diff < 0.1 * (double)minflt + 500);
	m = mset_find(ms, SCOPE_PROCESS, "cpu.task_clock");
	assert_int_equal(m->status, MS_OK);
	assert_true(m->value > 0);
	for (size_t i = 0; i < ms->n; i++) {
		const struct metric *x = &ms->v[i];

		if (x->status == MS_OK || x->status == MS_SCALED)
			assert_true(strcmp(x->source, "pmu") || x->value > 0);
		else
			assert_true(x->reason[0] != '\0');
	}
	if (!hw_opens_here()) {
		m = mset_find(ms, SCOPE_PROCESS, "cpu.cycles");
		assert_int_equal(m->status, MS_NOT_MEASURED);
		assert_true(m->reason[0] != '\0');
	}
}

static void test_count_child(void **state)
{
	struct counters *c = NULL;
	struct counter_snapshot snap;
	struct metric_set ms;
	struct herr err = { 0 };
	struct rusage ru;
	int release, status;
	pid_t pid;

	(void)state;
	pid = fork_held(&release);
	assert_int_equal(counters_open(pid, NULL, 0, &c, &err), 0);
	assert_int_equal(c->n, counter_ndefs);
	check_groups(c);
	assert_int_equal(write(release, "x", 1), 1);
	close(release);
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(counters_read(c, &snap, &err), 0);
	mset_init(&ms);
	assert_int_equal(counters_to_metrics(c, NULL, &snap, SCOPE_PROCESS, &ms, &err), 0);
	assert_int_equal(ms.n, counter_ndefs);
	assert_int_equal(ms.npmu, counter_ndefs);
	check_child_metrics(&ms, ru.ru_minflt);
	mset_free(&ms);
	counter_snapshot_free(&snap);
	counters_close(c);
}

/* Nothing counts before the exec: the runner's own work is left out. */
static void test_count_starts_at_exec(void **state)
{
	const char *names[] = { "fault.minor", "cpu.task_clock" };
	struct counters *c = NULL;
	struct counter_snapshot snap;
	struct herr err = { 0 };
	int release, status;
	pid_t pid;

	(void)state;
	pid = fork_held(&release);
	assert_int_equal(counters_open(pid, names, 2, &c, &err), 0);
	assert_int_equal(counters_read(c, &snap, &err), 0);
	assert_int_equal(snap.n, 2);
	assert_int_equal(snap.raw[0], 0);
	assert_int_equal(snap.enabled[0], 0);
	counter_snapshot_free(&snap);
	assert_int_equal(write(release, "x", 1), 1);
	close(release);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(counters_read(c, &snap, &err), 0);
	assert_true(snap.raw[0] > ((size_t)TOUCH_MIB << 20) / (size_t)sysconf(_SC_PAGESIZE));
	assert_true(snap.enabled[0] > 0 && snap.running[0] == snap.enabled[0]);
	counter_snapshot_free(&snap);
	counters_close(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_plan_groups),
		cmocka_unit_test(test_to_metrics),
		cmocka_unit_test(test_to_metrics_scaled),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_derive_missing_inputs),
		cmocka_unit_test(test_defs),
		cmocka_unit_test(test_resolve_software),
		cmocka_unit_test(test_sysfs_lookup),
		cmocka_unit_test(test_resolve_via_sysfs),
		cmocka_unit_test(test_open_group_leader_fails),
		cmocka_unit_test(test_user_only),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_count_child),
		cmocka_unit_test(test_count_starts_at_exec),
	};

	if (argc == 2 && !strcmp(argv[1], "--touch"))
		return touch_memory();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
