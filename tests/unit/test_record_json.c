/* Run records and machine/kernel descriptions survive JSON both ways, the
 * way an agent hands runs to the controller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/record_json.h"
#include "store/store.h"

static void fill(struct run_record *r)
{
	struct pmu_record *p;

	record_init(r);
	snprintf(r->workload, sizeof(r->workload), "gups");
	r->params_json = strdup("{\"size\":1048576}");
	r->settings_json = strdup("{\"seed\":1}");
	r->stderr_tail = strdup("a line\n");
	r->rep = 2;
	r->started_ns = 1700000000000000000LL;
	r->ended_ns = r->started_ns + 5;
	r->knobs = calloc(1, sizeof(*r->knobs));
	r->knobs[0].path = strdup("/sys/kernel/mm/transparent_hugepage/enabled");
	r->knobs[0].value = strdup("always");
	r->knobs[0].previous = strdup("madvise");
	r->nknobs = 1;
	mset_add(&r->metrics, SCOPE_REGION, "fault.minor", 16385);
	mset_missing(&r->metrics, SCOPE_PROCESS, "tlb.dtlb_walk", MS_NOT_COUNTED, "reads 0");
	p = mset_add_pmu(&r->metrics);
	snprintf(p->metric, sizeof(p->metric), "tlb.dtlb_walk");
	snprintf(p->event, sizeof(p->event), "arm_n1::DTLB_WALK");
	p->type = 4;
	p->config = 0x34;
	p->time_enabled = p->time_running = 1000;
	p->status = MS_NOT_COUNTED;
	mset_sample(&r->metrics, "mem.Rss", "bytes", 100, 4096);
	mset_sample(&r->metrics, "mem.Rss", "bytes", 200, 8192);
}

static void test_round_trip(void **state)
{
	struct run_record a, b;
	struct herr err;
	json_t *j, *back;
	char *text;

	(void)state;
	fill(&a);
	j = record_to_json(&a);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	back = json_loads(text, 0, NULL);
	record_init(&b);
	assert_int_equal(record_from_json(back, &b, &err), 0);
	assert_string_equal(a.id, b.id);
	assert_string_equal(b.workload, "gups");
	assert_string_equal(b.params_json, "{\"size\":1048576}");
	assert_int_equal(b.rep, 2);
	assert_true(b.started_ns == a.started_ns);
	assert_int_equal(b.nknobs, 1);
	assert_string_equal(b.knobs[0].previous, "madvise");
	assert_int_equal(b.metrics.n, 2);
	assert_true(mset_find(&b.metrics, SCOPE_REGION, "fault.minor")->value == 16385);
	assert_int_equal(mset_find(&b.metrics, SCOPE_PROCESS, "tlb.dtlb_walk")->status, MS_NOT_COUNTED);
	assert_string_equal(mset_find(&b.metrics, SCOPE_PROCESS, "tlb.dtlb_walk")->reason, "reads 0");
	assert_int_equal(b.metrics.npmu, 1);
	assert_true(b.metrics.pmu[0].config == 0x34);
	assert_int_equal(b.metrics.samples.n, 2);
	assert_true(b.metrics.samples.v[1].value == 8192);
	free(text);
	json_decref(j);
	json_decref(back);
	record_free(&a);
	record_free(&b);
}

static void test_round_trip_stores(void **state)
{
	char dir[] = "/tmp/harness-recjson-XXXXXX", path[64];
	struct machine_info m, m2;
	struct kernel_info k, k2;
	struct run_record a, b;
	struct store *st;
	struct herr err;
	json_t *j;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.db", dir);
	assert_int_equal(sysinfo_collect(&m, &k, &err), 0);
	j = sysinfo_to_json(&m, &k);
	assert_int_equal(sysinfo_from_json(j, &m2, &k2, &err), 0);
	assert_string_equal(m.id, m2.id);
	assert_string_equal(k.release, k2.release);
	assert_int_equal(k.page_size, k2.page_size);
	json_decref(j);
	fill(&a);
	j = record_to_json(&a);
	record_init(&b);
	assert_int_equal(record_from_json(j, &b, &err), 0);
	b.machine = &m2;
	b.kernel = &k2;
	assert_int_equal(store_open(path, STORE_WRITE, &st, &err), 0);
	assert_int_equal(store_save_run(st, &b, &err), 0);
	store_close(st);
	json_decref(j);
	record_free(&a);
	b.machine = NULL;
	b.kernel = NULL;
	record_free(&b);
	sysinfo_free(&m, &k);
	sysinfo_free(&m2, &k2);
	unlink(path);
}

static void test_malformed(void **state)
{
	struct run_record a, b;
	struct herr err;
	json_t *j;

	(void)state;
	fill(&a);
	j = record_to_json(&a);
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 0), "status",
			    json_string("weird"));
	record_init(&b);
	assert_int_equal(record_from_json(j, &b, &err), -1);
	assert_non_null(strstr(err.msg, "fault.minor"));
	record_free(&b);
	json_object_del(j, "metrics");
	record_init(&b);
	assert_int_equal(record_from_json(j, &b, &err), -1);
	record_free(&b);
	json_decref(j);
	/* A value on a not-measured metric would be a measured 0 in disguise. */
	j = record_to_json(&a);
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 1), "value", json_real(0));
	record_init(&b);
	assert_int_equal(record_from_json(j, &b, &err), -1);
	assert_non_null(strstr(err.msg, "tlb.dtlb_walk"));
	record_free(&b);
	json_decref(j);
	record_free(&a);
}

/* Parse J after applying MUTATE; the record must be refused, naming WHAT. */
static void refused(json_t *j, const char *what)
{
	struct run_record b;
	struct herr err;

	record_init(&b);
	assert_int_equal(record_from_json(j, &b, &err), -1);
	if (what && !strstr(err.msg, what))
		fail_msg("message \"%s\" does not name %s", err.msg, what);
	record_free(&b);
	json_decref(j);
}

static json_t *fresh(void)
{
	struct run_record a;
	json_t *j;

	fill(&a);
	j = record_to_json(&a);
	record_free(&a);
	return j;
}

static json_t *at(json_t *j, const char *a, const char *b)
{
	json_t *v = json_object_get(j, a);

	return b ? json_object_get(v, b) : v;
}

/* Issue 16: a non-string in samples.names with samples present made
 * mset_sample strcmp a NULL. Every field is type-checked before use. */
static void test_mistyped_fields(void **state)
{
	json_t *j;

	(void)state;
	j = fresh();
	json_array_set_new(at(j, "samples", "names"), 0, json_integer(0));
	refused(j, "samples");
	j = fresh();
	json_array_set_new(at(j, "samples", "units"), 0, json_null());
	refused(j, "samples");
	j = fresh();
	json_object_set_new(json_object_get(j, "samples"), "values", json_string("x"));
	refused(j, "samples");
	j = fresh();
	json_array_set_new(at(j, "samples", "values"), 0, json_pack("[i, I, s]", 0, 1, "x"));
	refused(j, "sample 0");
	j = fresh();
	json_object_set_new(j, "metrics", json_object());
	refused(j, "metrics");
	j = fresh();
	json_object_set_new(j, "pmu", json_string("x"));
	refused(j, "pmu");
	j = fresh();
	json_object_set_new(j, "knobs", json_integer(3));
	refused(j, "knobs");
	j = fresh();
	json_array_set_new(json_object_get(j, "knobs"), 0, json_integer(3));
	refused(j, "knob 0");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "knobs"), 0), "previous", json_integer(1));
	refused(j, "knob 0");
	j = fresh();
	json_array_set_new(json_object_get(j, "metrics"), 0, json_string("m"));
	refused(j, "metric 0");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 0), "unit", json_integer(1));
	refused(j, "fault.minor");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 0), "source", json_null());
	refused(j, "fault.minor");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 0), "reason", json_true());
	refused(j, "fault.minor");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "metrics"), 0), "name", json_string(""));
	refused(j, "metric 0");
	/* Integers that do not fit their C type are refused, not truncated. */
	j = fresh();
	json_object_set_new(j, "rep", json_integer(4294967298LL));
	refused(j, "rep");
	j = fresh();
	json_object_set_new(j, "rep", json_integer(-1));
	refused(j, "rep");
	j = fresh();
	json_object_set_new(j, "exit_code", json_integer(1LL << 40));
	refused(j, "exit_code");
	j = fresh();
	json_object_set_new(j, "term_signal", json_integer(-5));
	refused(j, "term_signal");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "pmu"), 0), "group",
			    json_integer(1LL << 33));
	refused(j, "pmu");
	j = fresh();
	json_object_set_new(json_array_get(json_object_get(j, "pmu"), 0), "type",
			    json_integer(-1));
	refused(j, "pmu");
	j = fresh();
	json_object_set_new(j, "id", json_string("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"));
	refused(j, "id");
	j = fresh();
	json_object_set_new(j, "params", json_string("x"));
	refused(j, "params");
	j = fresh();
	json_object_set_new(j, "settings", json_integer(2));
	refused(j, "settings");
	refused(json_string("x"), NULL);
}

/* A hello's machine/kernel: page sizes divide byte counts later on. */
static void test_sysinfo_ranges(void **state)
{
	struct machine_info m, m2;
	struct kernel_info k, k2;
	struct herr err;
	json_t *j;
	long long bad[] = { 0, -4096, 4095 };

	(void)state;
	assert_int_equal(sysinfo_collect(&m, &k, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = sysinfo_to_json(&m, &k);
		json_object_set_new(json_object_get(j, "kernel"), "page_size", json_integer(bad[i]));
		assert_int_equal(sysinfo_from_json(j, &m2, &k2, &err), -1);
		assert_non_null(strstr(err.msg, "page_size"));
		json_decref(j);
	}
	j = sysinfo_to_json(&m, &k);
	json_object_set_new(json_object_get(j, "kernel"), "mthp_sizes", json_string("64k"));
	assert_int_equal(sysinfo_from_json(j, &m2, &k2, &err), -1);
	json_decref(j);
	sysinfo_free(&m, &k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_stores),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mistyped_fields),
		cmocka_unit_test(test_sysinfo_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
