#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/stream.h"

void stream_init(struct stream *s, stream_cb cb, void *user)
{
	memset(s, 0, sizeof(*s));
	s->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	s->cb = cb;
	s->user = user;
}

void stream_free(struct stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

static int check_trailer(struct stream *s, json_t *msg, struct herr *err)
{
	json_t *count = json_object_get(msg, "count");
	const char *crc = json_string_value(json_object_get(msg, "crc32"));
	char want[9];

	if (!json_is_integer(count) || (uint64_t)json_integer_value(count) != s->next_seq)
		return herr_set(err, EXIT_RUNTIME,
				"result stream: trailer count does not match the %llu lines received",
				(unsigned long long)s->next_seq);
	snprintf(want, sizeof(want), "%08x", s->crc);
	if (!crc || strcmp(crc, want))
		return herr_set(err, EXIT_RUNTIME,
				"result stream: checksum mismatch (trailer %s, received %s)",
				crc ? crc : "missing", want);
	s->done = 1;
	return 0;
}

static int handle_line(struct stream *s, const char *line, size_t len, struct herr *err)
{
	json_error_t jerr;
	json_t *msg, *seq;
	const char *type;
	int rc = 0;

	if (s->done)
		return herr_set(err, EXIT_RUNTIME, "result stream: data after the trailer");
	msg = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(msg)) {
		json_decref(msg);
		return herr_set(err, EXIT_RUNTIME, "result stream: line %llu is not a JSON object: %s",
				(unsigned long long)s->next_seq, jerr.text);
	}
	seq = json_object_get(msg, "seq");
	type = json_string_value(json_object_get(msg, "type"));
	if (!json_is_integer(seq) || (uint64_t)json_integer_value(seq) != s->next_seq)
		rc = herr_set(err, EXIT_RUNTIME, "result stream: expected seq %llu, got %s",
			      (unsigned long long)s->next_seq,
			      json_is_integer(seq) ? "another number (a gap or a repeat)" : "none");
	else if (!type)
		rc = herr_set(err, EXIT_RUNTIME, "result stream: line %llu has no type",
			      (unsigned long long)s->next_seq);
	else if (!strcmp(type, "end"))
		rc = check_trailer(s, msg, err);
	else
		rc = s->cb ? s->cb(s->user, type, msg, err) : 0;
	if (!rc && !s->done) {
		/* The checksum covers the line as sent, newline included. */
		s->crc = (uint32_t)crc32(s->crc, (const Bytef *)line, (uInt)len);
		s->crc = (uint32_t)crc32(s->crc, (const Bytef *)"\n", 1);
		s->next_seq++;
	}
	json_decref(msg);
	return rc;
}

int stream_feed(struct stream *s, const char *data, size_t n, struct herr *err)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			int rc = handle_line(s, s->buf ? s->buf : "", s->len, err);

			s->len = 0;
			if (rc)
				return rc;
			continue;
		}
		if (s->len + 1 >= s->cap) {
			size_t ncap = s->cap ? s->cap * 2 : 4096;
			size_t max = s->max_line ? s->max_line : STREAM_MAX_LINE;
			char *p;

			if (ncap > max)
				return herr_set(err, EXIT_RUNTIME,
						"result stream: line %llu longer than %zu bytes",
						(unsigned long long)s->next_seq, max);
			p = realloc(s->buf, ncap);
			if (!p)
				return herr_set(err, EXIT_RUNTIME, "out of memory");
			s->buf = p;
			s->cap = ncap;
		}
		s->buf[s->len++] = data[i];
	}
	return 0;
}

int stream_finish(struct stream *s, struct herr *err)
{
	if (s->len)
		return herr_set(err, EXIT_RUNTIME,
				"result stream: cut short in the middle of line %llu",
				(unsigned long long)s->next_seq);
	if (!s->done)
		return herr_set(err, EXIT_RUNTIME,
				"result stream: ended after %llu lines without a trailer",
				(unsigned long long)s->next_seq);
	return 0;
}
