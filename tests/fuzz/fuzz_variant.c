/* libFuzzer: the kernel variant-file parser (kvariant_parse), which reads a
 * file: the input goes into a memfd opened by its /proc/self/fd path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/variant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("variant.ini", MFD_CLOEXEC);
	struct kvariant v;
	struct herr err;
	char path[64];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (kvariant_parse(path, &v, &err) == 0)	/* it frees v itself on failure */
			kvariant_free(&v);
	}
	close(fd);
	return 0;
}
