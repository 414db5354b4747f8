/* libFuzzer: the boot plan the agent reads (bootplan_from_json). */
#include <stdint.h>

#include "agent/bootplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct boot_plan p;
	struct herr err;

	if (!j)
		return 0;
	bootplan_init(&p);
	bootplan_from_json(j, &p, &err);
	bootplan_free(&p);
	json_decref(j);
	return 0;
}
