/* Decoding a LAVA job log's console lines back to the device's bytes.
 * The lines are as lava-run 2023.01 wrote them (lava_common.log.dump
 * after ShellLogger's escaping): the first from a real job's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/logscan.h"

static long decode(const char *line, char *out)
{
	return logscan_lava_line(line, strlen(line), out);
}

static void test_stream_line(void **state)
{
	const char *line = "{\"dt\": \"2026-12-01T13:54:50.049925\", \"lvl\": \"target\", \"msg\": "
			   "\"{\\\\\\\"index\\\\\\\":0,\\\\\\\"id\\\\\\\":\\\\\\\"eb9bca02-530d-41e5-b6be-"
			   "c94432c93cc9\\\\\\\",\\\\\\\"type\\\\\\\":\\\\\\\"cell\\\\\\\",\\\\\\\"seq\\\\\\\":1}\"}";
	const char *want = "{\"index\":0,\"id\":\"eb9bca02-530d-41e5-b6be-c94432c93cc9\",\"type\":\"cell\","
			   "\"seq\":1}";
	char out[512];
	long n = decode(line, out);

	(void)state;
	assert_int_equal(n, (long)strlen(want));
	assert_memory_equal(out, want, (size_t)n);
}

/* A server's log has each record as a YAML list item. */
static void test_list_item(void **state)
{
	char out[128];
	long n = decode("- {\"dt\": \"x\", \"lvl\": \"target\", \"msg\": \"{\\\\\\\"seq\\\\\\\":1}\"}", out);

	(void)state;
	assert_int_equal(n, 9);
	assert_memory_equal(out, "{\"seq\":1}", 9);
}

/* The device's own backslash before a quote survives; YAML escapes decode. */
static void test_escapes(void **state)
{
	char out[128];
	long n = decode("{\"dt\": \"x\", \"lvl\": \"target\", \"msg\": \"a\\\\\\\\\\\"b\"}", out);

	(void)state;
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\\\"b", 4);
	n = decode("{\"dt\": \"x\", \"lvl\": \"target\", \"msg\": \"caf\\xE9 \\t end \\u20ac\"}", out);
	assert_int_equal(n, (long)strlen("caf\xc3\xa9 \t end \xe2\x82\xac"));
	assert_memory_equal(out, "caf\xc3\xa9 \t end \xe2\x82\xac", (size_t)n);
}

static void test_not_console(void **state)
{
	char out[256];

	(void)state;
	/* LAVA's own records: not the device's output. */
	assert_int_equal(decode("{\"dt\": \"x\", \"lvl\": \"results\", \"msg\": {\"case\": \"job\"}}", out), -2);
	assert_int_equal(decode("{\"dt\": \"x\", \"lvl\": \"info\", \"msg\": \"ok: start string found\"}", out), -2);
	/* An unclosed or malformed scalar is not decoded into a guess. */
	assert_int_equal(decode("{\"dt\": \"x\", \"lvl\": \"target\", \"msg\": \"cut", out), -2);
	assert_int_equal(decode("{\"dt\": \"x\", \"lvl\": \"target\", \"msg\": \"\\q\"}", out), -2);
	/* Plain lines: the caller reads them as they are. */
	assert_int_equal(decode("{\"seq\":0,\"type\":\"hello\"}", out), -1);
	assert_int_equal(decode("harness-agent: cell 1/4 gups rep 0", out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_line),
		cmocka_unit_test(test_list_item),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_not_console),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
