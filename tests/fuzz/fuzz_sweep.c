/* libFuzzer: the sweep-file parser (spec_parse) on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sweep_spec s;
	struct herr err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';	/* spec_load refuses NUL bytes; so does this */
	if (strlen(text) == size && spec_parse("fuzz.ini", text, &s, &err) == 0)
		spec_free(&s);
	free(text);
	return 0;
}
