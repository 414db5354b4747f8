/* Writer side of the framed JSON-lines protocol (docs/protocol.md): every
 * line gets the next seq, the CRC-32 runs over every line as sent, and
 * frame_end writes the trailer. The agent's stream to the controller uses
 * it; harness/stream.c checks it on the other side. */
#ifndef HARNESS_TARGET_FRAME_H
#define HARNESS_TARGET_FRAME_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

struct frame_out {
	int fd;
	uint64_t seq;
	uint32_t crc;
};

void frame_init(struct frame_out *f, int fd);
/* Send msg (a JSON object; "seq" is set here). The whole line goes out
 * before this returns. */
int frame_send(struct frame_out *f, json_t *msg, struct herr *err);
/* Send the first len bytes of msg's line and no newline: how tests cut a
 * stream in the middle of a line. */
int frame_send_cut(struct frame_out *f, json_t *msg, size_t len, struct herr *err);
int frame_end(struct frame_out *f, struct herr *err);

#endif
