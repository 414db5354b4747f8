#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/record.h"

void record_init(struct run_record *r)
{
	memset(r, 0, sizeof(*r));
	uuid_v4(r->id);
	snprintf(r->variant, sizeof(r->variant), "running");
	snprintf(r->status, sizeof(r->status), "ok");
	mset_init(&r->metrics);
}

void record_free(struct run_record *r)
{
	free(r->params_json);
	free(r->stderr_tail);
	free(r->settings_json);
	for (size_t i = 0; i < r->nknobs; i++) {
		free(r->knobs[i].path);
		free(r->knobs[i].value);
		free(r->knobs[i].previous);
	}
	free(r->knobs);
	mset_free(&r->metrics);
	memset(r, 0, sizeof(*r));
}

void uuid_v4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n > 0) {
			got += (size_t)n;
		} else {
			/* getrandom cannot fail for 16 bytes once the pool is
			 * initialised; fall back to the clock rather than loop. */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			for (; got < sizeof(b); got++)
				b[got] = (unsigned char)((ts.tv_nsec >> (got % 8)) ^ (got * 131));
		}
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}
