/* procattr: what the process was started with, as its launcher left it
 * (docs/kernels.md, launchers): its personality, one numeric field of
 * /proc/self/status (by default PageSizeHint, which the pps test series
 * adds) and one numeric environment variable. Each is reported as it is
 * read; a field or variable that is not there is not reported at all (it
 * was not measured, it is not 0). It touches `size` bytes of anonymous
 * memory so that the run's faults say which folio size it got. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>

#include "wl.h"

static const struct wl_param params[] = {
	{ "field", WL_STRING, "PageSizeHint", "", "the /proc/self/status field reported as status_value",
	  NULL },
	{ "env", WL_STRING, "HARNESS_LAUNCH_VALUE", "", "the environment variable reported as env_value",
	  NULL },
	{ "size", WL_SIZE, "1m", "bytes", "anonymous memory touched (one write per 4 KiB)", "0.." },
};

/* The number after "FIELD:" in /proc/self/status; -1 when there is none. */
static int status_field(const char *field, double *out)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	size_t n = strlen(field);
	int rc = -1;

	while (f && rc && fgets(line, sizeof(line), f)) {
		char *end;

		if (strncmp(line, field, n) || line[n] != ':')
			continue;
		errno = 0;
		*out = strtod(line + n + 1, &end);
		rc = errno || end == line + n + 1 ? -1 : 0;
		break;
	}
	if (f)
		fclose(f);
	return rc;
}

static int touch(uint64_t size)
{
	char *p;

	if (!size)
		return 0;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return wl_fail("mmap %llu bytes: %m", (unsigned long long)size);
	wl_region_begin();
	for (uint64_t off = 0; off < size; off += 4096)
		p[off] = 1;
	wl_region_end();
	wl_metric("bytes_touched", (double)size, "bytes", "counter", "none");
	munmap(p, size);
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	const char *env = getenv(wl_str(v, "env"));
	int pers = personality(0xffffffff);
	double d;
	char *end;

	(void)seed;
	if (pers < 0)
		return wl_fail("personality: %m");
	wl_metric("personality", pers, "", "gauge", "none");
	if (!status_field(wl_str(v, "field"), &d))
		wl_metric("status_value", d, "", "gauge", "none");
	if (env && (d = strtod(env, &end), end != env && !*end))
		wl_metric("env_value", d, "", "gauge", "none");
	else if (env)
		return wl_param_fail("env", "%s='%s' is not a number", wl_str(v, "env"), env);
	return touch(wl_size(v, "size"));
}

static const struct wl_spec spec = {
	.name = "procattr",
	.summary = "what the launcher gave the process: personality, a /proc/self/status field, a variable",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main(&spec, argc, argv);
}
