#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/names.h"
#include "core/workload.h"

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int workload_dir(char *out, size_t n, struct herr *err)
{
	const char *env = getenv("HARNESS_WORKLOAD_DIR");
	char exe[4096], *dir;
	ssize_t len;

	if (env && *env) {
		if (!is_dir(env))
			return herr_set(err, EXIT_USAGE, "HARNESS_WORKLOAD_DIR=%s is not a directory", env);
		snprintf(out, n, "%s", env);
		return 0;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		return herr_errno(err, EXIT_RUNTIME, "readlink /proc/self/exe");
	exe[len] = '\0';
	dir = dirname(exe);
	snprintf(out, n, "%s/workloads", dir);
	if (is_dir(out))
		return 0;
	snprintf(out, n, "%s/../libexec/harness/workloads", dir);
	if (is_dir(out))
		return 0;
	return herr_set(err, EXIT_RUNTIME,
			"no workload directory beside %s (set HARNESS_WORKLOAD_DIR)", exe);
}

char *workload_names(void)
{
	char dir[4096], path[4400];
	struct herr err;
	struct dirent **list;
	size_t cap = 1, len = 0;
	char *names;
	int n;

	if (workload_dir(dir, sizeof(dir), &err))
		return strdup("");
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return strdup("");
	for (int i = 0; i < n; i++)
		cap += strlen(list[i]->d_name) + 1;
	names = calloc(1, cap);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (names && name_valid(list[i]->d_name) && access(path, X_OK) == 0)
			len += (size_t)snprintf(names + len, cap - len, "%s%s", len ? " " : "",
						list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return names;
}

int workload_find(const char *name, char *path, size_t n, struct herr *err)
{
	char dir[4096];
	char *known;

	if (workload_dir(dir, sizeof(dir), err))
		return -1;
	snprintf(path, n, "%s/%s", dir, name);
	if (name_valid(name) && access(path, X_OK) == 0)
		return 0;
	known = workload_names();
	herr_set(err, EXIT_USAGE, "unknown workload '%s' (known: %s)", name,
		 known && *known ? known : "none built");
	free(known);
	return -1;
}

int workload_check(const char *path, const char *const *params, size_t nparams,
		   uint64_t seed, char **params_json, struct herr *err)
{
	char **argv = calloc(nparams + 5, sizeof(*argv));
	char seedbuf[32], line[512];
	struct spawn_result res;
	int rc;

	if (!argv)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seed);
	argv[0] = (char *)path;
	argv[1] = "--check";
	argv[2] = "--seed";
	argv[3] = seedbuf;
	for (size_t i = 0; i < nparams; i++)
		argv[4 + i] = (char *)params[i];
	rc = spawn_capture(argv, &res, err);
	free(argv);
	if (rc)
		return -1;
	if (res.exited && res.status == 0) {
		*params_json = res.out;
		res.out = NULL;
		spawn_result_free(&res);
		return 0;
	}
	first_line(res.err, line, sizeof(line));
	if (res.exited && res.status == 2)
		rc = herr_set(err, EXIT_USAGE, "%s", *line ? line : "invalid workload parameters");
	else
		rc = herr_set(err, EXIT_RUNTIME, "%s --check failed (%s %d): %s", path,
			      res.exited ? "exit" : "signal", res.status, line);
	spawn_result_free(&res);
	return rc;
}
