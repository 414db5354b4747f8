/* Launcher kinds: the table, checking words against it, and applying a
 * launcher in the workload's child (launcher.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/launcher.h"

const struct launch_kind_def launch_kinds[] = {
	[LAUNCH_EXEC] = { "exec", 0, 0, 0, "exec", "execve the workload (the default)" },
	[LAUNCH_WRAPPER] = { "wrapper", 1, 64, 0, "wrapper CMD [ARG]...",
			     "run CMD ARG... followed by the workload's argv; CMD must exec it" },
	[LAUNCH_PRCTL] = { "prctl", 1, 5, 1, "prctl OPTION [ARG]...",
			   "prctl(OPTION, ARG...) in the workload's process before exec" },
	[LAUNCH_PERSONALITY] = { "personality", 1, 1, 1, "personality FLAGS",
				 "personality(current | FLAGS) before exec" },
	[LAUNCH_PRELOAD] = { "preload", 1, 16, 0, "preload LIB [VAR=VALUE]...",
			     "LD_PRELOAD=LIB (a harness library by name, or a path) and the variables, then exec" },
};
const size_t nlaunch_kinds = sizeof(launch_kinds) / sizeof(launch_kinds[0]);

void launcher_free_words(char **w, size_t n)
{
	for (size_t i = 0; w && i < n; i++)
		free(w[i]);
	free(w);
}

/* Split on blanks into a fresh NULL-terminated array; NULL when out of memory. */
static char **split(const char *s, size_t *n)
{
	char **out = calloc(1, sizeof(*out));
	size_t k = 0;

	while (out) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		size_t len = strcspn(s, " \t");
		char **grown = realloc(out, (k + 2) * sizeof(*out));

		if (!grown || !(grown[k] = strndup(s, len))) {
			launcher_free_words(grown ? grown : out, k);
			return NULL;
		}
		out = grown;
		out[++k] = NULL;
		s += len;
	}
	*n = k;
	return out;
}

static int find_kind(const char *name)
{
	for (size_t k = 0; k < nlaunch_kinds; k++)
		if (!strcmp(name, launch_kinds[k].name))
			return (int)k;
	return -1;
}

enum launch_kind launcher_kind(const char *const *w, size_t n)
{
	int k = n ? find_kind(w[0]) : -1;

	return k < 0 ? LAUNCH_EXEC : (enum launch_kind)k;
}

static int is_placeholder(const char *a)
{
	return !strcmp(a, "{page_size}") || !strcmp(a, "{page_shift}");
}

static int parse_num(const char *a, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(a, &end, 0);
	return !errno && end != a && !*end && a[0] != '-' ? 0 : -1;
}

static int env_assignment(const char *a)
{
	const char *eq = strchr(a, '=');

	if (!eq || eq == a || isdigit((unsigned char)a[0]))
		return 0;
	for (const char *p = a; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

static int kinds_list(char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < nlaunch_kinds && len < n; k++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? ", " : "", launch_kinds[k].usage);
	return 0;
}

/* The words after the kind, against the kind's rules. */
static int check_args(const char *text, int k, const char *const *w, size_t n, struct herr *err)
{
	const struct launch_kind_def *d = &launch_kinds[k];
	unsigned long num;

	if (n - 1 < d->min_args || n - 1 > d->max_args)
		return herr_set(err, EXIT_USAGE, "launcher '%s': %s takes %zu to %zu arguments (%s)",
				text, d->name, d->min_args, d->max_args, d->usage);
	for (size_t i = 1; d->numeric && i < n; i++)
		if (!is_placeholder(w[i]) && parse_num(w[i], &num))
			return herr_set(err, EXIT_USAGE, "launcher '%s': '%s' is not a number, {page_size} "
					"or {page_shift}", text, w[i]);
	for (size_t i = 2; k == LAUNCH_PRELOAD && i < n; i++)
		if (!env_assignment(w[i]))
			return herr_set(err, EXIT_USAGE, "launcher '%s': '%s' is not VAR=VALUE", text, w[i]);
	return 0;
}

static int check_words(const char *text, const char *const *w, size_t n, enum launch_kind *kind,
		       struct herr *err)
{
	int k = n ? find_kind(w[0]) : -1;
	char kinds[512];

	if (k < 0) {
		kinds_list(kinds, sizeof(kinds));
		return herr_set(err, EXIT_USAGE, "launcher '%s': %s (one of: %s)", text,
				n ? "unknown kind" : "empty", kinds);
	}
	if (check_args(text, k, w, n, err))
		return -1;
	if (kind)
		*kind = (enum launch_kind)k;
	return 0;
}

int launcher_parse(const char *text, char ***words, size_t *n, enum launch_kind *kind,
		   struct herr *err)
{
	char **w = split(text, n);

	*words = NULL;
	if (!w)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (check_words(text, (const char *const *)w, *n, kind, err)) {
		launcher_free_words(w, *n);
		*n = 0;
		return -1;
	}
	*words = w;
	return 0;
}

/* ---- ready for a child ---- */

/* {page_size} and {page_shift} of an argument, for the running kernel. */
static char *fill_placeholders(const char *arg)
{
	long ps = sysconf(_SC_PAGESIZE);
	int shift = 0;
	char num[32], *out;
	const char *at;

	while ((1L << shift) < ps)
		shift++;
	if ((at = strstr(arg, "{page_size}")))
		snprintf(num, sizeof(num), "%ld", ps);
	else if ((at = strstr(arg, "{page_shift}")))
		snprintf(num, sizeof(num), "%d", shift);
	else
		return strdup(arg);
	if (asprintf(&out, "%.*s%s%s", (int)(at - arg), arg, num, strchr(at, '}') + 1) < 0)
		return NULL;
	return out;
}

static char *exe_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	return slash ? strndup(exe, (size_t)(slash - exe)) : NULL;
}

char *launch_library(const char *name)
{
	static const char *const where[] = { "%s/lib/%s.so", "%s/../libexec/harness/lib/%s.so" };
	char *dir, *path = NULL;

	if (strchr(name, '/'))
		return access(name, R_OK) ? NULL : strdup(name);
	if (!(dir = exe_dir()))
		return NULL;
	for (size_t i = 0; i < 2 && !path; i++) {
		if (asprintf(&path, where[i], dir, name) < 0)
			path = NULL;
		else if (access(path, R_OK)) {
			free(path);
			path = NULL;
		}
	}
	free(dir);
	return path;
}

static int fill_all(char **v, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = fill_placeholders(w[i])))
			return -1;
	return 0;
}

int launch_prepare(const char *const *w, size_t n, struct launch *l, struct herr *err)
{
	enum launch_kind k = LAUNCH_EXEC;
	char **filled = calloc(n + 1, sizeof(*filled));
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (!filled || fill_all(filled, w, n)) {
		launcher_free_words(filled, n);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	if (n && check_words(w[0], (const char *const *)filled, n, &k, err)) {
		launcher_free_words(filled, n);
		return -1;
	}
	l->kind = k;
	if (k == LAUNCH_PRCTL || k == LAUNCH_PERSONALITY)
		for (size_t i = 1; i < n; i++)
			parse_num(filled[i], &l->num[l->nnum++]);
	if (k == LAUNCH_PRELOAD && !(l->preload = launch_library(filled[1])))
		rc = herr_set(err, EXIT_USAGE, "launcher preload %s: no such library (%s)", filled[1],
			      strchr(filled[1], '/') ? "not readable"
			      : "lib/NAME.so beside the harness binary; make builds them");
	if (k == LAUNCH_WRAPPER || k == LAUNCH_PRELOAD) {
		size_t first = k == LAUNCH_WRAPPER ? 1 : 2;
		char ***dst = k == LAUNCH_WRAPPER ? &l->argv : &l->env;
		size_t *dn = k == LAUNCH_WRAPPER ? &l->nargv : &l->nenv;

		*dn = n - first;
		*dst = calloc(*dn + 1, sizeof(char *));
		for (size_t i = 0; *dst && i < *dn; i++)
			(*dst)[i] = filled[first + i], filled[first + i] = NULL;
		if (!*dst)
			rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	launcher_free_words(filled, n);
	if (rc)
		launch_free(l);
	return rc;
}

void launch_free(struct launch *l)
{
	launcher_free_words(l->argv, l->nargv);
	launcher_free_words(l->env, l->nenv);
	free(l->preload);
	memset(l, 0, sizeof(*l));
}

int launch_apply(const struct launch *l)
{
	unsigned long a[5] = { 0 };
	int cur;

	switch (l->kind) {
	case LAUNCH_PRCTL:
		memcpy(a, l->num, l->nnum * sizeof(*a));
		return prctl((int)a[0], a[1], a[2], a[3], a[4]) < 0 ? -1 : 0;
	case LAUNCH_PERSONALITY:
		if ((cur = personality(0xffffffff)) < 0)
			return -1;
		return personality((unsigned long)cur | l->num[0]) < 0 ? -1 : 0;
	case LAUNCH_PRELOAD:
		if (setenv("LD_PRELOAD", l->preload, 1))
			return -1;
		for (size_t i = 0; i < l->nenv; i++)
			if (putenv(l->env[i]))
				return -1;
		return 0;
	default:
		return 0;
	}
}
