/* Controller side of the workload result protocol (docs/protocol.md):
 * splits the byte stream into lines, checks framing (seq without gaps,
 * trailer count and CRC-32) and hands each message to a callback. */
#ifndef HARNESS_STREAM_H
#define HARNESS_STREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define STREAM_MAX_LINE (1 << 20)

typedef int (*stream_cb)(void *user, const char *type, json_t *msg, struct herr *err);

struct stream {
	char *buf;		/* partial line */
	size_t len, cap;
	uint64_t next_seq;	/* seq the next line must carry */
	uint32_t crc;		/* over every line before the trailer */
	int done;		/* trailer seen and valid */
	size_t max_line;	/* longest line accepted; 0: STREAM_MAX_LINE */
	stream_cb cb;
	void *user;
};

void stream_init(struct stream *s, stream_cb cb, void *user);
void stream_free(struct stream *s);
/* Feed bytes as they arrive. Returns -1 (EXIT_RUNTIME) on a framing error
 * or when the callback fails. */
int stream_feed(struct stream *s, const char *data, size_t n, struct herr *err);
/* At EOF: -1 unless a valid trailer was seen and nothing follows it. */
int stream_finish(struct stream *s, struct herr *err);

#endif
