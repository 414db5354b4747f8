/* Size ranges and size lists for string parameters ("16..64k",
 * "16k..1g:x2"), and wl_main_checked, which applies such checks in
 * --check too so a bad list exits 2 before anything runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_internal.h"

/* Parse the size in s[0..len). */
static int size_n(const char *s, size_t len, uint64_t *out, char *err, size_t errlen)
{
	char buf[64];
	int rc;

	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "'%.*s' is not a size", (int)len, s);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	rc = wl_parse_size(buf, out);
	if (rc == -2)
		snprintf(err, errlen, "'%s' is too large", buf);
	else if (rc)
		snprintf(err, errlen, "'%s' is not a size (use e.g. 64m)", buf);
	return rc ? -1 : 0;
}

int wl_parse_size_range(const char *text, uint64_t *lo, uint64_t *hi,
			char *err, size_t errlen)
{
	const char *dots = strstr(text, "..");

	if (!dots)
		return size_n(text, strlen(text), lo, err, errlen) ? -1 :
		       (*hi = *lo, 0);
	if (size_n(text, (size_t)(dots - text), lo, err, errlen) ||
	    size_n(dots + 2, strlen(dots + 2), hi, err, errlen))
		return -1;
	if (*hi < *lo) {
		snprintf(err, errlen, "'%s': the range ends below its start", text);
		return -1;
	}
	return 0;
}

/* The step of "LO..HI:xF" or "LO..HI:+S": factor F (> 1) or addend S. */
static int parse_step(const char *s, uint64_t *factor, uint64_t *add,
		      char *err, size_t errlen)
{
	*factor = 0;
	*add = 0;
	if (*s == 'x' && !size_n(s + 1, strlen(s + 1), factor, err, errlen) && *factor >= 2)
		return 0;
	if (*s == '+' && !size_n(s + 1, strlen(s + 1), add, err, errlen) && *add > 0)
		return 0;
	snprintf(err, errlen, "step '%s' is not xF (F >= 2) or +SIZE (> 0)", s);
	return -1;
}

static int push(uint64_t **out, size_t *n, uint64_t v, char *err, size_t errlen)
{
	uint64_t *grown;

	if (*n >= WL_LIST_MAX) {
		snprintf(err, errlen, "more than %d sizes", WL_LIST_MAX);
		return -1;
	}
	grown = realloc(*out, (*n + 1) * sizeof(**out));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	grown[(*n)++] = v;
	*out = grown;
	return 0;
}

/* Every size of "LO..HI[:step]"; HI is included when the steps reach it. */
static int expand_range(const char *text, uint64_t **out, size_t *n,
			char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	char range[128];
	uint64_t lo, hi, factor = 2, add = 0;

	if (strlen(text) >= sizeof(range)) {
		snprintf(err, errlen, "'%s' is too long", text);
		return -1;
	}
	snprintf(range, sizeof(range), "%.*s",
		 (int)(colon ? (size_t)(colon - text) : strlen(text)), text);
	if (wl_parse_size_range(range, &lo, &hi, err, errlen) ||
	    (colon && parse_step(colon + 1, &factor, &add, err, errlen)))
		return -1;
	if (!lo && !add) {
		snprintf(err, errlen, "'%s': a range multiplied from 0 never grows", text);
		return -1;
	}
	for (uint64_t v = lo; v <= hi;) {
		if (push(out, n, v, err, errlen))
			return -1;
		if (add ? v > hi - add : v > hi / factor)
			break;
		v = add ? v + add : v * factor;
	}
	return 0;
}

/* One item of a list: a size or a range. */
static int parse_item(const char *p, size_t len, uint64_t **out, size_t *n,
		      char *err, size_t errlen)
{
	char item[128];
	uint64_t v;

	if (len >= sizeof(item)) {
		snprintf(err, errlen, "'%.20s...' is too long", p);
		return -1;
	}
	memcpy(item, p, len);
	item[len] = '\0';
	if (strstr(item, ".."))
		return expand_range(item, out, n, err, errlen);
	return size_n(item, len, &v, err, errlen) || push(out, n, v, err, errlen) ? -1 : 0;
}

int wl_parse_size_list(const char *text, uint64_t **out, size_t *n,
		       char *err, size_t errlen)
{
	const char *p = text;

	*out = NULL;
	*n = 0;
	if (!*text)
		return 0;
	/* Every item counts, the empty ones after a comma too. */
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (parse_item(p, len, out, n, err, errlen)) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int wl_check_size_range(const char *text, char *err, size_t errlen)
{
	uint64_t lo, hi;

	return wl_parse_size_range(text, &lo, &hi, err, errlen);
}

int wl_check_size_range_words(const char *text, char *err, size_t errlen)
{
	uint64_t lo, hi;

	if (wl_parse_size_range(text, &lo, &hi, err, errlen))
		return -1;
	if (lo % 8 == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not a multiple of 8", text);
	return -1;
}

int wl_check_size_list(const char *text, char *err, size_t errlen)
{
	uint64_t *v;
	size_t n;

	if (wl_parse_size_list(text, &v, &n, err, errlen))
		return -1;
	free(v);
	return 0;
}

static int find_param(const struct wl_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nparams; i++)
		if (!strcmp(spec->params[i].name, name))
			return (int)i;
	return -1;
}

/* 0, or 2 after printing "NAME: parameter P: why" for the first bad value. */
static int run_checks(const struct wl_spec *spec, const struct wl_check *checks,
		      size_t nchecks, const struct wl_value *v)
{
	char why[WL_ERRLEN];

	for (size_t i = 0; i < nchecks; i++) {
		int p = find_param(spec, checks[i].param);

		if (p < 0)
			wl_die(70, "no parameter '%s' in the table (workload bug)",
			       checks[i].param);
		if (checks[i].check(v[p].text, why, sizeof(why))) {
			fprintf(stderr, "%s: parameter %s: %s\n", spec->name,
				checks[i].param, why);
			return 2;
		}
	}
	return 0;
}

int wl_main_checked(const struct wl_spec *spec, const struct wl_check *checks,
		    size_t nchecks, int argc, char **argv)
{
	struct wl_args a;
	char err[WL_ERRLEN];
	int rc = 0;

	wl_stream_open(spec->name, 1, -1);
	/* A command line wl_main refuses is left to wl_main to report. */
	if (!wl_parse_args(spec, argc, argv, &a, err, sizeof(err))) {
		if (a.mode == WL_MODE_RUN || a.mode == WL_MODE_CHECK)
			rc = run_checks(spec, checks, nchecks, a.v);
		free(a.v);
	}
	return rc ? rc : wl_main(spec, argc, argv);
}
