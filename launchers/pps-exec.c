/* pps-exec SIZE PROGRAM [ARG]...: the setarch-like wrapper form of the
 * harness's test series (tests/kernel/pps-series): asks the kernel for a
 * per-process page size hint of SIZE bytes with its prctl, then execs
 * PROGRAM. The pps variant's wrapper launcher (`wrapper pps-exec 65536`)
 * uses it; it is shipped in the guest bundle as /harness/bin/pps-exec.
 * Exit 2 for bad arguments, 126 when the kernel refuses the prctl (a
 * kernel without the series), 127 when PROGRAM cannot be run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PR_SET_PAGE_SIZE_HINT 0x70707301	/* the test series' prctl (kernel/sys.c) */

int main(int argc, char **argv)
{
	char *end;
	unsigned long size;

	if (argc < 3) {
		fprintf(stderr, "usage: pps-exec SIZE PROGRAM [ARG]...\n");
		return 2;
	}
	errno = 0;
	size = strtoul(argv[1], &end, 0);
	if (errno || end == argv[1] || *end) {
		fprintf(stderr, "pps-exec: SIZE '%s' is not a number\n", argv[1]);
		return 2;
	}
	if (prctl(PR_SET_PAGE_SIZE_HINT, size, 0, 0, 0)) {
		fprintf(stderr, "pps-exec: prctl(PR_SET_PAGE_SIZE_HINT, %lu): %s (a kernel without "
			"tests/kernel/pps-series?)\n", size, strerror(errno));
		return 126;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "pps-exec: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
