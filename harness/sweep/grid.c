#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/grid.h"

static const char suffixes[] = "kmgt";

int grid_number(const char *s, uint64_t *out, int *suffixed)
{
	unsigned shift = 0;
	unsigned long long v;
	const char *p = s;
	char *end;

	*suffixed = 0;
	if (!isdigit((unsigned char)*p))
		return -1;	/* no sign, no space, no fraction: as workloads read sizes */
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		const char *sfx = strchr(suffixes, tolower((unsigned char)*end));

		if (tolower((unsigned char)*end) == 'b')
			shift = 0;
		else if (sfx && *sfx)
			shift = 10 * (unsigned)(sfx - suffixes + 1);
		else
			return -1;
		*suffixed = shift > 0;
		if (end[1])
			return -1;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

void grid_format(uint64_t n, int suffixed, char *out, size_t size)
{
	int level = 0;

	while (suffixed && n && level < 4 && (n & 1023) == 0) {
		n >>= 10;
		level++;
	}
	if (level)
		snprintf(out, size, "%llu%c", (unsigned long long)n, suffixes[level - 1]);
	else
		snprintf(out, size, "%llu", (unsigned long long)n);
}

static int push(struct grid *g, const char *v, struct herr *err)
{
	char **grown;

	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i], v))
			return herr_set(err, EXIT_USAGE, "value '%s' appears twice", v);
	if (g->n >= GRID_MAX_VALUES)
		return herr_set(err, EXIT_USAGE, "more than %d values", GRID_MAX_VALUES);
	grown = realloc(g->v, (g->n + 1) * sizeof(*grown));
	if (!grown || !(grown[g->n] = strdup(v))) {
		if (grown)
			g->v = grown;
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	g->v = grown;
	g->n++;
	return 0;
}

/* "A..B:xN" or "A..B:+N", both ends included when the steps reach them. */
static int parse_range(const char *item, struct grid *g, struct herr *err)
{
	char a[128], b[128];
	const char *dots = strstr(item, ".."), *colon = strrchr(item, ':');
	uint64_t lo, hi, step;
	int sa, sb, ss, geometric;

	if (!colon || colon < dots)
		return herr_set(err, EXIT_USAGE, "range '%s' needs a step: A..B:xN (geometric) or A..B:+N (arithmetic)",
				item);
	snprintf(a, sizeof(a), "%.*s", (int)(dots - item), item);
	snprintf(b, sizeof(b), "%.*s", (int)(colon - dots - 2), dots + 2);
	geometric = colon[1] == 'x';
	if ((colon[1] != 'x' && colon[1] != '+') || grid_number(colon + 2, &step, &ss))
		return herr_set(err, EXIT_USAGE, "range '%s': step '%s' is not xN or +N", item, colon + 1);
	if (grid_number(a, &lo, &sa) || grid_number(b, &hi, &sb))
		return herr_set(err, EXIT_USAGE, "range '%s': ends must be non-negative numbers with an optional k/m/g/t suffix",
				item);
	if (lo > hi)
		return herr_set(err, EXIT_USAGE, "range '%s': start is above end", item);
	if (geometric ? (step < 2 || lo == 0) : step == 0)
		return herr_set(err, EXIT_USAGE, "range '%s': the step never advances (%s)", item,
				geometric ? "factor below 2, or a start of 0" : "+0");
	for (uint64_t v = lo;;) {
		char text[32];

		grid_format(v, sa || sb || (!geometric && ss), text, sizeof(text));
		if (push(g, text, err))
			return herr_wrap(err, "range '%s'", item);
		/* Stop before the next value would pass the end (or overflow). */
		if (geometric ? v > hi / step : step > hi - v)
			break;
		v = geometric ? v * step : v + step;
	}
	return 0;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static int parse_item(char *item, struct grid *g, struct herr *err)
{
	size_t n;

	trim(item);
	n = strlen(item);
	if (!n)
		return herr_set(err, EXIT_USAGE, "empty value in the list");
	/* "..." is one value as written: commas and ".." inside stay. */
	if (item[0] == '"') {
		if (n < 2 || item[n - 1] != '"')
			return herr_set(err, EXIT_USAGE, "value %s has no closing quote", item);
		item[n - 1] = '\0';
		return push(g, item + 1, err);
	}
	if (strchr(item, '"'))
		return herr_set(err, EXIT_USAGE, "value '%s': quote a whole value or nothing", item);
	/* Only a number can start a range: "/a/../b" stays a plain value. */
	if (isdigit((unsigned char)item[0]) && strstr(item, ".."))
		return parse_range(item, g, err);
	return push(g, item, err);
}

/* The comma ending this item; commas inside "..." belong to the value. */
static char *next_comma(char *p)
{
	int quoted = 0;

	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			return p;
	}
	return NULL;
}

int grid_parse(const char *text, struct grid *g, struct herr *err)
{
	char *copy = strdup(text), *p, *comma;
	int rc = 0;

	g->v = NULL;
	g->n = 0;
	if (!copy)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (p = copy; rc == 0; p = comma + 1) {
		comma = next_comma(p);
		if (comma)
			*comma = '\0';
		rc = parse_item(p, g, err);
		if (!comma)
			break;
	}
	free(copy);
	if (rc)
		grid_free(g);
	return rc;
}

void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i]);
	free(g->v);
	g->v = NULL;
	g->n = 0;
}
