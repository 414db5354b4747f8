/* The controller's check of the framed result stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/stream.h"

struct seen {
	int n;
	char types[8][16];
};

static int collect(void *user, const char *type, json_t *msg, struct herr *err)
{
	struct seen *s = user;

	(void)msg;
	(void)err;
	if (s->n < 8)
		snprintf(s->types[s->n++], 16, "%s", type);
	return 0;
}

/* Frame body lines the way a workload does: seq added, trailer appended. */
static void frame(const char *const *bodies, int n, char *out, size_t cap, int break_crc)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		char line[256];
		int l = snprintf(line, sizeof(line), "{\"seq\":%d,%s}\n", i, bodies[i]);

		crc = crc32(crc, (const Bytef *)line, (uInt)l);
		len += (size_t)snprintf(out + len, cap - len, "%s", line);
	}
	snprintf(out + len, cap - len, "{\"seq\":%d,\"type\":\"end\",\"count\":%d,\"crc32\":\"%08lx\"}\n",
		 n, n, break_crc ? crc ^ 1 : crc);
}

static const char *const good[] = {
	"\"type\":\"hello\",\"workload\":\"t\"",
	"\"type\":\"metric\",\"name\":\"x\",\"value\":1",
	"\"type\":\"verify\",\"ok\":true",
};

static void test_valid_stream_in_pieces(void **state)
{
	char buf[2048];
	struct stream s;
	struct seen seen = { 0 };
	struct herr err;

	(void)state;
	frame(good, 3, buf, sizeof(buf), 0);
	stream_init(&s, collect, &seen);
	/* Byte by byte: framing must not depend on how reads split lines. */
	for (size_t i = 0; buf[i]; i++)
		assert_int_equal(stream_feed(&s, buf + i, 1, &err), 0);
	assert_int_equal(stream_finish(&s, &err), 0);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.types[1], "metric");
	stream_free(&s);
}

static void test_bad_checksum(void **state)
{
	char buf[2048];
	struct stream s;
	struct herr err;

	(void)state;
	frame(good, 3, buf, sizeof(buf), 1);
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, buf, strlen(buf), &err), -1);
	assert_non_null(strstr(err.msg, "checksum"));
	stream_free(&s);
}

static void test_cut_short(void **state)
{
	char buf[2048];
	struct stream s;
	struct herr err;

	(void)state;
	frame(good, 3, buf, sizeof(buf), 0);
	*strstr(buf, "{\"seq\":3") = '\0';	/* drop the trailer */
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, buf, strlen(buf), &err), 0);
	assert_int_equal(stream_finish(&s, &err), -1);
	assert_non_null(strstr(err.msg, "without a trailer"));
	stream_free(&s);
}

static void test_mid_line(void **state)
{
	struct stream s;
	struct herr err;

	(void)state;
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, "{\"seq\":0,\"ty", 12, &err), 0);
	assert_int_equal(stream_finish(&s, &err), -1);
	assert_non_null(strstr(err.msg, "middle of line 0"));
	stream_free(&s);
}

static void test_seq_gap_and_junk(void **state)
{
	const char *gap = "{\"seq\":0,\"type\":\"hello\"}\n{\"seq\":2,\"type\":\"metric\"}\n";
	const char *junk = "not json\n";
	struct stream s;
	struct herr err;

	(void)state;
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, gap, strlen(gap), &err), -1);
	assert_non_null(strstr(err.msg, "expected seq 1"));
	stream_free(&s);
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, junk, strlen(junk), &err), -1);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	stream_free(&s);
}

static void test_data_after_trailer(void **state)
{
	char buf[2048];
	struct stream s;
	struct herr err;

	(void)state;
	frame(good, 1, buf, sizeof(buf), 0);
	strcat(buf, "{\"seq\":2,\"type\":\"metric\"}\n");
	stream_init(&s, NULL, NULL);
	assert_int_equal(stream_feed(&s, buf, strlen(buf), &err), -1);
	assert_non_null(strstr(err.msg, "after the trailer"));
	stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_stream_in_pieces),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_mid_line),
		cmocka_unit_test(test_seq_gap_and_junk),
		cmocka_unit_test(test_data_after_trailer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
