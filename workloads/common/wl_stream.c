/* The framed result stream of docs/protocol.md: one JSON object per line,
 * seq without gaps, a trailer with the count and CRC-32 of every byte
 * before it, and the region handshake on HARNESS_ACK_FD. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "wl_internal.h"

static struct {
	const char *workload;
	int fd, ack_fd;
	uint64_t seq;
	uint32_t crc;
	int region;		/* 0 none yet, 1 begun, 2 ended */
	int verify_failed, param_failed;
	char detail[WL_ERRLEN];
} st = { .workload = "workload", .fd = 1, .ack_fd = -1 };

/* Workload threads may report too; lines must not interleave. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void vwarn(const char *fmt, va_list ap)
{
	char msg[WL_ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s\n", st.workload, msg);
}

void wl_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

int wl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return 1;
}

int wl_param_fail(const char *param, const char *fmt, ...)
{
	char msg[WL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st.param_failed = 1;
	return wl_fail("parameter %s: %s", param, msg);
}

void wl_stream_open(const char *workload, int fd, int ack_fd)
{
	st.workload = workload;
	st.fd = fd;
	st.ack_fd = ack_fd;
	st.seq = 0;
	st.crc = (uint32_t)crc32(0L, Z_NULL, 0);
	st.region = 0;
	st.verify_failed = st.param_failed = 0;
	st.detail[0] = '\0';
}

static int env_fd(const char *name, int *fd, char *err, size_t errlen)
{
	const char *s = getenv(name);
	int64_t n;

	if (!s || !*s)
		return 0;
	if (wl_parse_int(s, &n) || n < 0 || n > INT_MAX) {
		snprintf(err, errlen, "%s='%s' is not a file descriptor", name, s);
		return -1;
	}
	*fd = (int)n;
	return 0;
}

int wl_stream_env(int *fd, int *ack_fd, char *err, size_t errlen)
{
	*fd = 1;
	*ack_fd = -1;
	return env_fd("HARNESS_RESULT_FD", fd, err, errlen) ||
	       env_fd("HARNESS_ACK_FD", ack_fd, err, errlen) ? -1 : 0;
}

static void write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(st.fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			wl_die(3, "writing the result stream: %s",
			       n < 0 ? strerror(errno) : "nothing written");
		buf += n;
		len -= (size_t)n;
	}
}

/* Send {"seq":N,"type":type,...fields}; steals fields. Caller holds lock. */
static void emit_locked(const char *type, json_t *fields)
{
	json_t *msg = json_pack("{s:I, s:s}", "seq", (json_int_t)st.seq, "type", type);
	char *line;
	size_t len;

	if (!msg || json_object_update(msg, fields))
		wl_die(1, "cannot build a %s message (out of memory or a NULL field)", type);
	json_decref(fields);
	line = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!line)
		wl_die(1, "cannot encode a %s message", type);
	len = strlen(line);
	line[len] = '\n';	/* overwrites the NUL; len + 1 bytes go out */
	st.crc = (uint32_t)crc32(st.crc, (const Bytef *)line, (uInt)(len + 1));
	write_all(line, len + 1);
	free(line);
	st.seq++;
}

static void emit(const char *type, json_t *fields)
{
	if (!fields)
		wl_die(1, "cannot build a %s message (out of memory or a NULL field)", type);
	pthread_mutex_lock(&lock);
	emit_locked(type, fields);
	pthread_mutex_unlock(&lock);
}

void wl_stream_hello(const struct wl_spec *spec, const struct wl_value *v,
		     uint64_t seed)
{
	emit("hello", json_pack("{s:s, s:i, s:o, s:I, s:I, s:I}",
				"workload", spec->name, "protocol", 1,
				"params", wl_params_object(spec, v),
				"seed", (json_int_t)seed,
				"page_size", (json_int_t)wl_page_size(),
				"pmd_size", (json_int_t)wl_pmd_size()));
}

void wl_stream_end(void)
{
	char crc[9];

	pthread_mutex_lock(&lock);
	snprintf(crc, sizeof(crc), "%08x", st.crc);
	emit_locked("end", json_pack("{s:I, s:s}", "count", (json_int_t)st.seq,
				     "crc32", crc));
	pthread_mutex_unlock(&lock);
}

/* Block until the controller has snapshotted its counters. */
static void wait_ack(void)
{
	char c;
	ssize_t n;

	if (st.ack_fd < 0)
		return;
	do
		n = read(st.ack_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		wl_die(3, "the controller closed HARNESS_ACK_FD (it exited?)");
	if (n < 0)
		wl_die(3, "reading HARNESS_ACK_FD: %s", strerror(errno));
}

static void region(const char *event, int from, int to)
{
	if (st.region != from)
		wl_die(70, "region %s out of order (workload bug)", event);
	st.region = to;
	emit("region", json_pack("{s:s}", "event", event));
	wait_ack();
}

void wl_region_begin(void)
{
	region("begin", 0, 1);
}

void wl_region_end(void)
{
	region("end", 1, 2);
}

void wl_path(const char *path)
{
	char *abs = realpath(path, NULL);

	/* The controller runs elsewhere: give it a path free of our cwd. */
	emit("path", json_pack("{s:o}", "path", wl_json_string(abs ? abs : path)));
	free(abs);
}

void wl_metric(const char *name, double value, const char *unit,
	       const char *kind, const char *better)
{
	if (!isfinite(value))
		wl_die(1, "metric %s is not a finite number", name);
	emit("metric", json_pack("{s:s, s:f, s:s, s:s, s:s}", "name", name,
				 "value", value, "unit", unit, "kind", kind,
				 "better", better));
}

void wl_verify(int ok, const char *fmt, ...)
{
	char detail[WL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok && !st.verify_failed) {
		st.verify_failed = 1;
		memcpy(st.detail, detail, sizeof(detail));
	}
	emit("verify", json_pack("{s:b, s:o}", "ok", ok, "detail",
				 wl_json_string(detail)));
}

int wl_stream_region_open(void)
{
	return st.region == 1;
}

int wl_stream_verify_failed(void)
{
	return st.verify_failed;
}

const char *wl_stream_verify_detail(void)
{
	return st.detail;
}

int wl_stream_param_failed(void)
{
	return st.param_failed;
}
