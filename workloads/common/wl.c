/* wl_main: the command line of every workload (docs/protocol.md), the
 * parameter accessors and the small run-time helpers of wl.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wl_internal.h"

static const struct wl_spec *bound_spec;
static const struct wl_value *bound_v;

void wl_bind(const struct wl_spec *spec, const struct wl_value *v)
{
	bound_spec = spec;
	bound_v = v;
}

static int param_index(const struct wl_spec *spec, const char *name, size_t len)
{
	for (size_t i = 0; i < spec->nparams; i++)
		if (strlen(spec->params[i].name) == len &&
		    !strncmp(spec->params[i].name, name, len))
			return (int)i;
	return -1;
}

/* Accessors abort: a name missing from the table is a workload bug. */
static const struct wl_value *lookup(const struct wl_value *v, const char *name)
{
	int i = bound_spec && v == bound_v ?
		param_index(bound_spec, name, strlen(name)) : -1;

	if (i < 0)
		wl_die(70, "no parameter '%s' in the table (workload bug)", name);
	return &v[i];
}

uint64_t wl_size(const struct wl_value *v, const char *name)
{
	return lookup(v, name)->size;
}

int64_t wl_int(const struct wl_value *v, const char *name)
{
	return lookup(v, name)->i;
}

double wl_double(const struct wl_value *v, const char *name)
{
	return lookup(v, name)->d;
}

const char *wl_str(const struct wl_value *v, const char *name)
{
	return lookup(v, name)->text;
}

static int fill_defaults(const struct wl_spec *spec, struct wl_value *v,
			 char *err, size_t errlen)
{
	char why[WL_ERRLEN];

	for (size_t i = 0; i < spec->nparams; i++) {
		const struct wl_param *p = &spec->params[i];

		if (wl_parse_value(p, p->def, &v[i], why, sizeof(why))) {
			snprintf(err, errlen, "default of parameter %s: %s (workload bug)",
				 p->name, why);
			return -1;
		}
	}
	return 0;
}

static void known_list(const struct wl_spec *spec, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < spec->nparams && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					spec->params[i].name);
}

/* One key=value argument; given[] marks parameters already set. */
static int parse_kv(const struct wl_spec *spec, const char *arg, struct wl_value *v,
		    char *given, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char why[WL_ERRLEN], known[256];
	int i;

	if (!eq || eq == arg) {
		snprintf(err, errlen, "'%s' is not key=value (see --help)", arg);
		return -1;
	}
	i = param_index(spec, arg, (size_t)(eq - arg));
	if (i < 0) {
		known_list(spec, known, sizeof(known));
		snprintf(err, errlen, "unknown parameter '%.*s' (known: %s)",
			 (int)(eq - arg), arg, known);
		return -1;
	}
	if (given[i]) {
		snprintf(err, errlen, "parameter %s given twice ('%s' and '%s')",
			 spec->params[i].name, v[i].text, eq + 1);
		return -1;
	}
	given[i] = 1;
	if (wl_parse_value(&spec->params[i], eq + 1, &v[i], why, sizeof(why))) {
		snprintf(err, errlen, "parameter %s: %s", spec->params[i].name, why);
		return -1;
	}
	return 0;
}

static int parse_seed(const char *s, uint64_t *seed, char *err, size_t errlen)
{
	int64_t n;

	/* The seed travels as a JSON integer: keep it in 0..INT64_MAX. */
	if (!s || *s < '0' || *s > '9' || wl_parse_int(s, &n)) {
		snprintf(err, errlen, "--seed: '%s' is not a seed (use 0..%" PRId64 ")",
			 s ? s : "", INT64_MAX);
		return -1;
	}
	*seed = (uint64_t)n;
	return 0;
}

/* An option (argument starting with "--"); *i advances past its value. */
static int parse_option(int argc, char **argv, int *i, struct wl_args *a,
			char *err, size_t errlen)
{
	const char *arg = argv[*i];

	if (!strcmp(arg, "--help"))
		a->mode = WL_MODE_HELP;
	else if (!strcmp(arg, "--list-params"))
		a->mode = WL_MODE_LIST;
	else if (!strcmp(arg, "--check"))
		a->mode = WL_MODE_CHECK;
	else if (!strncmp(arg, "--seed=", 7))
		return parse_seed(arg + 7, &a->seed, err, errlen);
	else if (!strcmp(arg, "--seed"))
		return parse_seed(++*i < argc ? argv[*i] : NULL, &a->seed, err, errlen);
	else {
		snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
		return -1;
	}
	return 0;
}

static int parse_all(const struct wl_spec *spec, int argc, char **argv,
		     struct wl_args *a, char *given, char *err, size_t errlen)
{
	if (fill_defaults(spec, a->v, err, errlen))
		return -1;
	for (int i = 1; i < argc; i++) {
		int rc = !strncmp(argv[i], "--", 2) ?
			parse_option(argc, argv, &i, a, err, errlen) :
			parse_kv(spec, argv[i], a->v, given, err, errlen);

		if (rc)
			return -1;
	}
	return 0;
}

int wl_parse_args(const struct wl_spec *spec, int argc, char **argv,
		  struct wl_args *a, char *err, size_t errlen)
{
	char *given = calloc(spec->nparams + 1, 1);
	int rc;

	a->mode = WL_MODE_RUN;
	a->seed = 1;
	a->v = calloc(spec->nparams + 1, sizeof(*a->v));
	if (!given || !a->v) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		rc = parse_all(spec, argc, argv, a, given, err, errlen);
	}
	free(given);
	if (rc) {
		free(a->v);
		a->v = NULL;
	}
	return rc;
}

static const char *type_hint(const struct wl_param *p)
{
	switch (p->type) {
	case WL_SIZE: return "SIZE";
	case WL_INT: return "INT";
	case WL_DOUBLE: return "NUM";
	case WL_BOOL: return "0|1";
	case WL_ENUM: return p->choices;
	default: return "TEXT";
	}
}

static void print_help(const struct wl_spec *spec)
{
	printf("%s: %s\n\n", spec->name, spec->summary ? spec->summary : "");
	printf("usage: %s [--seed N] [key=value]...\n"
	       "       %s --check [--seed N] [key=value]...   validate, print effective parameters\n"
	       "       %s --list-params                      parameters as JSON\n\n",
	       spec->name, spec->name, spec->name);
	printf("parameters (sizes take b, k, m, g, t suffixes: 64m = 64 MiB):\n");
	for (size_t i = 0; i < spec->nparams; i++) {
		const struct wl_param *p = &spec->params[i];
		char lhs[96];

		snprintf(lhs, sizeof(lhs), "%s=%s", p->name, type_hint(p));
		int ranged = p->type != WL_ENUM && p->choices;

		printf("  %-22s %s (default %s%s%s)\n", lhs, p->help ? p->help : "",
		       p->def, ranged ? "; range " : "", ranged ? p->choices : "");
	}
	printf("\nResults go to HARNESS_RESULT_FD (else stdout) as the framed JSON-lines\n"
	       "stream of docs/protocol.md. Exit: 0 ok, 1 run or verification failed,\n"
	       "2 parameter error, 3 the controller went away.\n");
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc = s && puts(s) >= 0 && fflush(stdout) == 0 ? 0 : 1;

	free(s);
	json_decref(j);
	return rc;
}

static int run_stream(const struct wl_spec *spec, const struct wl_args *a)
{
	char err[WL_ERRLEN];
	int fd, ack_fd, rc;

	if (wl_stream_env(&fd, &ack_fd, err, sizeof(err))) {
		wl_fail("%s", err);
		return 2;
	}
	wl_stream_open(spec->name, fd, ack_fd);
	wl_stream_hello(spec, a->v, a->seed);
	rc = spec->run(a->v, a->seed);
	if (rc)
		return wl_stream_param_failed() ? 2 : 1;
	if (wl_stream_region_open())
		return wl_fail("the measured region was begun but not ended (workload bug)");
	/* A complete stream lets the controller store the verify reason. */
	wl_stream_end();
	if (wl_stream_verify_failed())
		return wl_fail("verification failed: %s", wl_stream_verify_detail());
	return 0;
}

static int dispatch(const struct wl_spec *spec, const struct wl_args *a)
{
	switch (a->mode) {
	case WL_MODE_HELP:
		print_help(spec);
		return fflush(stdout) ? 1 : 0;
	case WL_MODE_LIST:
		return print_json(wl_params_list(spec));
	case WL_MODE_CHECK:
		return print_json(wl_params_object(spec, a->v));
	default:
		return run_stream(spec, a);
	}
}

int wl_main(const struct wl_spec *spec, int argc, char **argv)
{
	struct wl_args a;
	char err[WL_ERRLEN];
	int rc;

	wl_stream_open(spec->name, 1, -1);
	if (wl_parse_args(spec, argc, argv, &a, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", spec->name, err);
		return 2;
	}
	wl_bind(spec, a.v);
	rc = dispatch(spec, &a);
	wl_bind(NULL, NULL);
	free(a.v);
	return rc;
}

long wl_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

uint64_t wl_pmd_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	unsigned long long n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t wl_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
