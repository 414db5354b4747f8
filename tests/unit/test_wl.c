/* The workload library: value parsers, argument errors, --list-params and
 * --check output, and the framed stream (seq, count, CRC-32, handshake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "wl_internal.h"

static const struct wl_param params[] = {
	{ "size", WL_SIZE, "64m", "bytes", "table size", "8.." },
	{ "threads", WL_INT, "1", "count", "threads", "1..64" },
	{ "ratio", WL_DOUBLE, "0.5", "", "a fraction", "0..1" },
	{ "name", WL_STRING, "x", "", "a name", NULL },
	{ "bind", WL_ENUM, "none", "", "binding", "none|core|numa" },
	{ "keep", WL_BOOL, "0", "", "keep", NULL },
};

/* What the fake workload's run() does, set by each test. */
static int run_rc, run_verify_ok = 1;
static uint64_t run_seed;
static uint64_t run_size;

static int fake_run(const struct wl_value *v, uint64_t seed)
{
	run_seed = seed;
	run_size = wl_size(v, "size");
	if (run_rc)
		return wl_fail("fake failure");
	wl_path(".");
	wl_region_begin();
	wl_region_end();
	wl_metric("answer", 42, "count", "counter", "none");
	wl_verify(run_verify_ok, "checked %d", 1);
	return 0;
}

static const struct wl_spec spec = {
	.name = "fake", .summary = "test spec", .params = params,
	.nparams = sizeof(params) / sizeof(params[0]), .run = fake_run,
};

static void size_ok(const char *s, uint64_t want)
{
	uint64_t got = 0;

	assert_int_equal(wl_parse_size(s, &got), 0);
	assert_true(got == want);
}

static void test_size_good(void **state)
{
	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("1b", 1);
	size_ok("1B", 1);
	size_ok("1k", 1024);
	size_ok("1K", 1024);
	size_ok("64m", 64ull << 20);
	size_ok("64M", 64ull << 20);
	size_ok("1g", 1ull << 30);
	size_ok("2t", 2ull << 40);
	size_ok("9223372036854775807", INT64_MAX);
	size_ok("8388607t", 8388607ull << 40);
}

static void test_size_bad(void **state)
{
	static const char *const junk[] = {
		"", "12x", "-1k", "-1", "k", "1kk", " 1k", "1k ", "1.5g", "+1",
		"0x10", "1 k", "1kb", "1p", "m64",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_int_equal(wl_parse_size(junk[i], &v), -1);
	assert_int_equal(wl_parse_size("18446744073709551616", &v), -2);
	assert_int_equal(wl_parse_size("9223372036854775808", &v), -2);
	assert_int_equal(wl_parse_size("8388608t", &v), -2);
	assert_int_equal(wl_parse_size("99999999999999999999999k", &v), -2);
}

static void test_int_double(void **state)
{
	int64_t i;
	double d;

	assert_int_equal(wl_parse_int("-12", &i), 0);
	assert_true(i == -12);
	assert_int_equal(wl_parse_int("12x", &i), -1);
	assert_int_equal(wl_parse_int("", &i), -1);
	assert_int_equal(wl_parse_int(" 1", &i), -1);
	assert_int_equal(wl_parse_int("99999999999999999999", &i), -2);
	assert_int_equal(wl_parse_double("0.25", &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(wl_parse_double("1e3", &d), 0);
	assert_true(d == 1000);
	assert_int_equal(wl_parse_double("nan", &d), -1);
	assert_int_equal(wl_parse_double("inf", &d), -1);
	assert_int_equal(wl_parse_double("1e999", &d), -1);
	assert_int_equal(wl_parse_double("1,5", &d), -1);
}

static void test_enum_bool(void **state)
{
	static const char *const yes[] = { "1", "true", "TRUE", "yes", "Yes", "on" };
	static const char *const no[] = { "0", "false", "no", "NO", "off" };
	int b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(wl_parse_bool(yes[i], &b), 0);
		assert_int_equal(b, 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(wl_parse_bool(no[i], &b), 0);
		assert_int_equal(b, 0);
	}
	assert_int_equal(wl_parse_bool("2", &b), -1);
	assert_int_equal(wl_parse_bool("y", &b), -1);
	assert_int_equal(wl_parse_bool("", &b), -1);
	assert_int_equal(wl_parse_enum("none", "none|core|numa"), 0);
	assert_int_equal(wl_parse_enum("numa", "none|core|numa"), 2);
	assert_int_equal(wl_parse_enum("cor", "none|core|numa"), -1);
	assert_int_equal(wl_parse_enum("Core", "none|core|numa"), -1);
	assert_int_equal(wl_parse_enum("", "none|core|"), -1);
	assert_int_equal(wl_parse_enum("none|core", "none|core"), -1);
}

/* Parse "value" as parameter name; expect failure with want in the error. */
static void value_err(const char *name, const char *value, const char *want)
{
	struct wl_value v;
	char err[WL_ERRLEN] = "";

	for (size_t i = 0; i < spec.nparams; i++) {
		if (strcmp(params[i].name, name))
			continue;
		assert_int_equal(wl_parse_value(&params[i], value, &v, err, sizeof(err)), -1);
		if (!strstr(err, want))
			fail_msg("%s=%s: error '%s' lacks '%s'", name, value, err, want);
		return;
	}
	fail_msg("no parameter %s", name);
}

static void test_value_errors(void **state)
{
	value_err("size", "12x", "'12x' is not a size (use e.g. 64m)");
	value_err("size", "4", "'4' is below the minimum 8");
	value_err("size", "99999999999t", "'99999999999t' is too large");
	value_err("threads", "0", "'0' is below the minimum 1");
	value_err("threads", "65", "'65' is above the maximum 64");
	value_err("threads", "two", "'two' is not an integer");
	value_err("ratio", "1.5", "'1.5' is above the maximum 1");
	value_err("ratio", "half", "'half' is not a number");
	value_err("bind", "all", "'all' is not one of none|core|numa");
	value_err("keep", "maybe", "'maybe' is not a boolean");
	value_err("name", "\xff\xfe", "not valid UTF-8");
}

static void test_value_types(void **state)
{
	struct wl_value v;
	char err[WL_ERRLEN];

	assert_int_equal(wl_parse_value(&params[0], "2k", &v, err, sizeof(err)), 0);
	assert_true(v.size == 2048 && v.i == 2048 && v.d == 2048);
	assert_string_equal(v.text, "2k");
	assert_int_equal(wl_parse_value(&params[4], "numa", &v, err, sizeof(err)), 0);
	assert_int_equal(v.i, 2);
	assert_int_equal(wl_parse_value(&params[5], "yes", &v, err, sizeof(err)), 0);
	assert_true(v.i == 1 && v.size == 1);
}

/* Run wl_parse_args over a NULL-terminated list; return its result. */
static int parse(struct wl_args *a, char *err, ...)
{
	char *argv[16] = { "fake" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return wl_parse_args(&spec, argc, argv, a, err, WL_ERRLEN);
}

static void test_args_errors(void **state)
{
	struct wl_args a;
	char err[WL_ERRLEN];

	assert_int_equal(parse(&a, err, "size=12x", NULL), -1);
	assert_string_equal(err, "parameter size: '12x' is not a size (use e.g. 64m)");
	assert_int_equal(parse(&a, err, "sise=1k", NULL), -1);
	assert_string_equal(err, "unknown parameter 'sise' (known: size, threads, ratio, "
			    "name, bind, keep)");
	assert_int_equal(parse(&a, err, "size=1k", "threads=2", "size=2k", NULL), -1);
	assert_string_equal(err, "parameter size given twice ('1k' and '2k')");
	assert_int_equal(parse(&a, err, "size", NULL), -1);
	assert_non_null(strstr(err, "'size' is not key=value"));
	assert_int_equal(parse(&a, err, "=1", NULL), -1);
	assert_int_equal(parse(&a, err, "--frobnicate", NULL), -1);
	assert_non_null(strstr(err, "unknown option '--frobnicate'"));
	assert_int_equal(parse(&a, err, "--seed", NULL), -1);
	assert_int_equal(parse(&a, err, "--seed", "-3", NULL), -1);
	assert_int_equal(parse(&a, err, "--seed", "12x", NULL), -1);
	assert_int_equal(parse(&a, err, "--seed=99999999999999999999", NULL), -1);
	assert_null(a.v);
}

static void test_args_good(void **state)
{
	struct wl_args a;
	char err[WL_ERRLEN];

	assert_int_equal(parse(&a, err, "--check", "--seed", "7", "threads=4", NULL), 0);
	assert_int_equal(a.mode, WL_MODE_CHECK);
	assert_true(a.seed == 7);
	assert_true(a.v[0].size == 64ull << 20);	/* default filled */
	assert_true(a.v[1].i == 4);
	assert_string_equal(a.v[4].text, "none");
	free(a.v);
	assert_int_equal(parse(&a, err, "--seed=0", "--list-params", NULL), 0);
	assert_int_equal(a.mode, WL_MODE_LIST);
	assert_true(a.seed == 0);
	free(a.v);
	assert_int_equal(parse(&a, err, NULL), 0);
	assert_int_equal(a.mode, WL_MODE_RUN);
	free(a.v);
}

static void test_list_params(void **state)
{
	json_t *list = wl_params_list(&spec), *p;

	assert_int_equal(json_array_size(list), spec.nparams);
	p = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "size");
	assert_string_equal(json_string_value(json_object_get(p, "type")), "size");
	assert_int_equal(json_integer_value(json_object_get(p, "default")), 64 << 20);
	assert_int_equal(json_integer_value(json_object_get(p, "min")), 8);
	assert_null(json_object_get(p, "max"));
	p = json_array_get(list, 4);
	assert_int_equal(json_array_size(json_object_get(p, "choices")), 3);
	p = json_array_get(list, 5);
	assert_true(json_is_false(json_object_get(p, "default")));
	json_decref(list);
}

/* Call wl_main with stdout on a memfd; return what it printed. */
static char *main_stdout(int *rc, int argc, char **argv)
{
	int mfd = memfd_create("stdout", 0), saved = dup(1);
	static char buf[65536];
	ssize_t n;

	fflush(stdout);
	dup2(mfd, 1);
	*rc = wl_main(&spec, argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(mfd, buf, sizeof(buf) - 1, 0);
	close(mfd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_check_output(void **state)
{
	char *argv[] = { "fake", "--check", "size=1g", "keep=yes", NULL };
	json_t *o;
	int rc;
	char *out = main_stdout(&rc, 4, argv);

	assert_int_equal(rc, 0);
	o = json_loads(out, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), spec.nparams);
	assert_int_equal(json_integer_value(json_object_get(o, "size")), 1 << 30);
	assert_int_equal(json_integer_value(json_object_get(o, "threads")), 1);
	assert_true(json_real_value(json_object_get(o, "ratio")) == 0.5);
	assert_true(json_is_true(json_object_get(o, "keep")));
	assert_string_equal(json_string_value(json_object_get(o, "bind")), "none");
	json_decref(o);
}

static void test_main_param_error(void **state)
{
	char *argv[] = { "fake", "threads=0", NULL };
	int rc;
	char *out = main_stdout(&rc, 2, argv);

	assert_int_equal(rc, 2);
	assert_string_equal(out, "");
}

/* Run wl_main with HARNESS_RESULT_FD on a memfd; the stream goes in buf. */
static int run_stream(char *buf, size_t len, int ack_fd, int argc, char **argv)
{
	int mfd = memfd_create("stream", 0), rc;
	char fdtext[16];
	ssize_t n;

	snprintf(fdtext, sizeof(fdtext), "%d", mfd);
	setenv("HARNESS_RESULT_FD", fdtext, 1);
	if (ack_fd >= 0) {
		snprintf(fdtext, sizeof(fdtext), "%d", ack_fd);
		setenv("HARNESS_ACK_FD", fdtext, 1);
	}
	rc = wl_main(&spec, argc, argv);
	unsetenv("HARNESS_RESULT_FD");
	unsetenv("HARNESS_ACK_FD");
	n = pread(mfd, buf, len - 1, 0);
	close(mfd);
	buf[n > 0 ? n : 0] = '\0';
	return rc;
}

/* Check framing line by line; return the number of lines, the last
 * message's type in last_type. */
static size_t check_framing(const char *buf, char *last_type, size_t tlen)
{
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	size_t lines = 0;
	const char *p = buf, *nl;

	last_type[0] = '\0';
	for (; (nl = strchr(p, '\n')); p = nl + 1, lines++) {
		json_t *m = json_loadb(p, (size_t)(nl - p), 0, NULL);
		const char *type;

		assert_non_null(m);
		assert_int_equal(json_integer_value(json_object_get(m, "seq")), lines);
		type = json_string_value(json_object_get(m, "type"));
		assert_non_null(type);
		snprintf(last_type, tlen, "%s", type);
		if (!strcmp(type, "end")) {
			char want[9];

			snprintf(want, sizeof(want), "%08x", crc);
			assert_int_equal(json_integer_value(json_object_get(m, "count")), lines);
			assert_string_equal(json_string_value(json_object_get(m, "crc32")), want);
		}
		crc = (uint32_t)crc32(crc, (const Bytef *)p, (uInt)(nl - p + 1));
		json_decref(m);
	}
	assert_string_equal(p, "");	/* nothing after the last newline */
	return lines;
}

static void test_stream_complete(void **state)
{
	char *argv[] = { "fake", "--seed", "42", "size=1k", NULL };
	static char buf[65536];
	char last[16];
	json_t *hello;

	run_rc = 0;
	run_verify_ok = 1;
	assert_int_equal(run_stream(buf, sizeof(buf), -1, 4, argv), 0);
	assert_true(run_seed == 42 && run_size == 1024);
	/* hello path region region metric verify end */
	assert_int_equal(check_framing(buf, last, sizeof(last)), 7);
	assert_string_equal(last, "end");
	hello = json_loadb(buf, (size_t)(strchr(buf, '\n') - buf), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(hello, "type")), "hello");
	assert_string_equal(json_string_value(json_object_get(hello, "workload")), "fake");
	assert_int_equal(json_integer_value(json_object_get(hello, "protocol")), 1);
	assert_int_equal(json_integer_value(json_object_get(hello, "page_size")), getpagesize());
	assert_int_equal(json_integer_value(json_object_get(json_object_get(hello, "params"),
							    "size")), 1024);
	json_decref(hello);
}

static void test_stream_ack(void **state)
{
	char *argv[] = { "fake", NULL };
	static char buf[65536];
	char last[16], rest;
	int p[2];

	assert_int_equal(pipe(p), 0);
	/* Two region messages consume exactly two bytes; the third stays. */
	assert_int_equal(write(p[1], "abc", 3), 3);
	run_rc = 0;
	run_verify_ok = 1;
	assert_int_equal(run_stream(buf, sizeof(buf), p[0], 1, argv), 0);
	check_framing(buf, last, sizeof(last));
	assert_string_equal(last, "end");
	assert_int_equal(read(p[0], &rest, 1), 1);
	assert_int_equal(rest, 'c');
	close(p[0]);
	close(p[1]);
}

static void test_stream_run_fails(void **state)
{
	char *argv[] = { "fake", NULL };
	static char buf[65536];
	char last[16];

	run_rc = 1;
	assert_int_equal(run_stream(buf, sizeof(buf), -1, 1, argv), 1);
	/* hello only: no trailer, so the controller stores a failed run */
	assert_int_equal(check_framing(buf, last, sizeof(last)), 1);
	assert_string_equal(last, "hello");
	run_rc = 0;
}

static void test_stream_verify_fails(void **state)
{
	char *argv[] = { "fake", NULL };
	static char buf[65536];
	char last[16];

	run_verify_ok = 0;
	assert_int_equal(run_stream(buf, sizeof(buf), -1, 1, argv), 1);
	assert_int_equal(check_framing(buf, last, sizeof(last)), 7);
	assert_string_equal(last, "end");
	assert_non_null(strstr(buf, "\"type\":\"verify\",\"ok\":false"));
	run_verify_ok = 1;
}

static void test_json_string_sanitised(void **state)
{
	json_t *s = wl_json_string("a\xff" "b\xc3\xa9");

	assert_non_null(s);
	assert_string_equal(json_string_value(s), "a?b\xc3\xa9");
	json_decref(s);
}

static void test_helpers(void **state)
{
	uint64_t a = 5, b = 5, t0;

	assert_true(wl_rand_next(&a) == wl_rand_next(&b));
	assert_true(wl_rand_next(&a) != wl_rand_next(&a));
	assert_int_equal(wl_page_size(), sysconf(_SC_PAGESIZE));
	t0 = wl_now_ns();
	assert_true(wl_now_ns() >= t0);
	(void)wl_pmd_size();	/* 0 or a power of two */
	assert_true((wl_pmd_size() & (wl_pmd_size() - 1)) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_good),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_int_double),
		cmocka_unit_test(test_enum_bool),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_args_good),
		cmocka_unit_test(test_list_params),
		cmocka_unit_test(test_check_output),
		cmocka_unit_test(test_main_param_error),
		cmocka_unit_test(test_stream_complete),
		cmocka_unit_test(test_stream_ack),
		cmocka_unit_test(test_stream_run_fails),
		cmocka_unit_test(test_stream_verify_fails),
		cmocka_unit_test(test_json_string_sanitised),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
