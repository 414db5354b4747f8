/* libFuzzer: the result stream as the qemu controller reads it: framed
 * lines (seq, trailer count and CRC), hello (machine and kernel) and run
 * records, each message handled as qemu_watch.c does. */
#include <stdint.h>
#include <string.h>

#include "core/record_json.h"
#include "core/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_msg(void *user, const char *type, json_t *msg, struct herr *err)
{
	(void)user;
	if (!strcmp(type, "hello")) {
		struct machine_info m;
		struct kernel_info k;

		if (sysinfo_from_json(msg, &m, &k, err))
			return -1;
		sysinfo_free(&m, &k);
	} else if (!strcmp(type, "run")) {
		json_t *rec = json_object_get(msg, "record");
		struct run_record r;
		int rc;

		if (!json_is_integer(json_object_get(msg, "index")) || !json_is_object(rec))
			return herr_set(err, EXIT_RUNTIME, "run message malformed");
		record_init(&r);
		rc = record_from_json(rec, &r, err);
		record_free(&r);
		return rc;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s;
	struct herr err;

	stream_init(&s, on_msg, NULL);
	/* Two feeds, so a line split across reads is exercised too. */
	if (stream_feed(&s, (const char *)data, size / 2, &err) == 0 &&
	    stream_feed(&s, (const char *)data + size / 2, size - size / 2, &err) == 0)
		stream_finish(&s, &err);
	stream_free(&s);
	return 0;
}
