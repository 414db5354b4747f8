#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/frame.h"

void frame_init(struct frame_out *f, int fd)
{
	f->fd = fd;
	f->seq = 0;
	f->crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

static int write_all(int fd, const char *p, size_t n, struct herr *err)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return herr_errno(err, EXIT_RUNTIME, "result stream: write");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The line as sent: compact JSON and a newline. */
static char *line_of(struct frame_out *f, json_t *msg, size_t *len)
{
	char *text, *line;

	json_object_set_new(msg, "seq", json_integer((json_int_t)f->seq));
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return NULL;
	*len = strlen(text);
	line = realloc(text, *len + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[(*len)++] = '\n';
	line[*len] = '\0';
	return line;
}

int frame_send(struct frame_out *f, json_t *msg, struct herr *err)
{
	size_t len;
	char *line = line_of(f, msg, &len);
	int rc;

	if (!line)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = write_all(f->fd, line, len, err);
	if (!rc) {
		f->crc = (uint32_t)crc32(f->crc, (const Bytef *)line, (uInt)len);
		f->seq++;
	}
	free(line);
	return rc;
}

int frame_send_cut(struct frame_out *f, json_t *msg, size_t len, struct herr *err)
{
	size_t full;
	char *line = line_of(f, msg, &full);
	int rc;

	if (!line)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = write_all(f->fd, line, len < full - 1 ? len : full - 1, err);
	free(line);
	return rc;
}

int frame_end(struct frame_out *f, struct herr *err)
{
	char crc[9];
	json_t *end = json_object();
	int rc;

	snprintf(crc, sizeof(crc), "%08x", f->crc);
	json_object_set_new(end, "type", json_string("end"));
	json_object_set_new(end, "count", json_integer((json_int_t)f->seq));
	json_object_set_new(end, "crc32", json_string(crc));
	rc = frame_send(f, end, err);
	json_decref(end);
	return rc;
}
