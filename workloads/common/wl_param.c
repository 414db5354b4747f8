/* Parameter values: text to typed value, range checks, and JSON forms. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wl_internal.h"

static int suffix_shift(int c)
{
	switch (tolower(c)) {
	case 'b': return 0;
	case 'k': return 10;
	case 'm': return 20;
	case 'g': return 30;
	case 't': return 40;
	}
	return -1;
}

int wl_parse_size(const char *s, uint64_t *out)
{
	uint64_t n = 0;
	const char *p = s;
	int shift = 0;

	/* Digits by hand: strtoull would take "-1", " 1" and "0x10". */
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -2;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		shift = suffix_shift((unsigned char)*p);
		if (shift < 0 || p[1])
			return -1;
	}
	/* JSON integers are signed 64-bit: keep every size representable. */
	if (n > ((uint64_t)INT64_MAX >> shift))
		return -2;
	*out = n << shift;
	return 0;
}

int wl_parse_int(const char *s, int64_t *out)
{
	char *end;
	long long n;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end)
		return -1;
	if (errno == ERANGE)
		return -2;
	*out = n;
	return 0;
}

int wl_parse_double(const char *s, double *out)
{
	char *end;
	double d;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (*end || !isfinite(d))
		return -1;
	if (errno == ERANGE && fabs(d) > 1.0)
		return -2;
	*out = d;
	return 0;
}

int wl_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

int wl_parse_enum(const char *s, const char *choices)
{
	size_t len = strlen(s);
	int idx = 0;

	for (const char *c = choices; c; idx++) {
		const char *bar = strchr(c, '|');
		size_t clen = bar ? (size_t)(bar - c) : strlen(c);

		if (len && clen == len && !strncmp(c, s, len))
			return idx;
		c = bar ? bar + 1 : NULL;
	}
	return -1;
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int valid_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/* Parse one number of type t into v; err describes a failure. */
static int parse_number(enum wl_type t, const char *text, struct wl_value *v,
			char *err, size_t errlen)
{
	int rc;

	switch (t) {
	case WL_SIZE:
		rc = wl_parse_size(text, &v->size);
		if (rc == -2)
			return errf(err, errlen, "'%s' is too large", text);
		if (rc)
			return errf(err, errlen, "'%s' is not a size (use e.g. 64m)", text);
		v->i = (int64_t)v->size;
		v->d = (double)v->size;
		return 0;
	case WL_INT:
		rc = wl_parse_int(text, &v->i);
		if (rc == -2)
			return errf(err, errlen, "'%s' is out of range", text);
		if (rc)
			return errf(err, errlen, "'%s' is not an integer", text);
		v->size = (uint64_t)v->i;
		v->d = (double)v->i;
		return 0;
	default:
		rc = wl_parse_double(text, &v->d);
		if (rc == -2)
			return errf(err, errlen, "'%s' is out of range", text);
		if (rc)
			return errf(err, errlen, "'%s' is not a number", text);
		return 0;
	}
}

/* Split "MIN..MAX" into its texts; a missing side is "". */
static int split_range(const char *choices, char *lo, char *hi, size_t len)
{
	const char *dots = choices ? strstr(choices, "..") : NULL;

	if (!dots || (size_t)(dots - choices) >= len || strlen(dots + 2) >= len)
		return -1;
	memcpy(lo, choices, (size_t)(dots - choices));
	lo[dots - choices] = '\0';
	strcpy(hi, dots + 2);
	return 0;
}

/* The bounds of p's range; has_* = 0 for a missing side. */
static void range_bounds(const struct wl_param *p, struct wl_value *lo, int *has_lo,
			 struct wl_value *hi, int *has_hi)
{
	char lt[64], ht[64], err[WL_ERRLEN];

	*has_lo = *has_hi = 0;
	if (split_range(p->choices, lt, ht, sizeof(lt)))
		return;
	*has_lo = lt[0] && !parse_number(p->type, lt, lo, err, sizeof(err));
	*has_hi = ht[0] && !parse_number(p->type, ht, hi, err, sizeof(err));
}

static int below(enum wl_type t, const struct wl_value *a, const struct wl_value *b)
{
	if (t == WL_SIZE)
		return a->size < b->size;
	if (t == WL_INT)
		return a->i < b->i;
	return a->d < b->d;
}

static int check_range(const struct wl_param *p, const char *text,
		       const struct wl_value *v, char *err, size_t errlen)
{
	struct wl_value lo = { 0 }, hi = { 0 };
	char lt[64], ht[64];
	int has_lo, has_hi;

	range_bounds(p, &lo, &has_lo, &hi, &has_hi);
	if (!has_lo && !has_hi)
		return 0;
	split_range(p->choices, lt, ht, sizeof(lt));
	if (has_lo && below(p->type, v, &lo))
		return errf(err, errlen, "'%s' is below the minimum %s", text, lt);
	if (has_hi && below(p->type, &hi, v))
		return errf(err, errlen, "'%s' is above the maximum %s", text, ht);
	return 0;
}

int wl_parse_value(const struct wl_param *p, const char *text,
		   struct wl_value *out, char *err, size_t errlen)
{
	struct wl_value v = { .text = text };
	int b;

	switch (p->type) {
	case WL_SIZE:
	case WL_INT:
	case WL_DOUBLE:
		if (parse_number(p->type, text, &v, err, errlen) ||
		    check_range(p, text, &v, err, errlen))
			return -1;
		break;
	case WL_BOOL:
		if (wl_parse_bool(text, &b))
			return errf(err, errlen,
				    "'%s' is not a boolean (use 0/1, true/false, yes/no)", text);
		v.i = b;
		v.size = (uint64_t)b;
		v.d = b;
		break;
	case WL_ENUM:
		v.i = wl_parse_enum(text, p->choices ? p->choices : "");
		if (v.i < 0)
			return errf(err, errlen, "'%s' is not one of %s", text,
				    p->choices ? p->choices : "(none)");
		break;
	case WL_STRING:
		if (!valid_utf8(text))
			return errf(err, errlen, "value is not valid UTF-8");
		break;
	}
	*out = v;
	return 0;
}

static const char *type_name(enum wl_type t)
{
	static const char *const names[] = {
		[WL_SIZE] = "size", [WL_INT] = "int", [WL_DOUBLE] = "double",
		[WL_STRING] = "string", [WL_ENUM] = "enum", [WL_BOOL] = "bool",
	};

	return names[t];
}

json_t *wl_value_json(const struct wl_param *p, const struct wl_value *v)
{
	switch (p->type) {
	case WL_SIZE:
	case WL_INT:
		return json_integer((json_int_t)v->i);
	case WL_DOUBLE:
		return json_real(v->d);
	case WL_BOOL:
		return json_boolean(v->i);
	default:
		return wl_json_string(v->text);
	}
}

json_t *wl_params_object(const struct wl_spec *spec, const struct wl_value *v)
{
	json_t *o = json_object();

	for (size_t i = 0; i < spec->nparams; i++)
		json_object_set_new(o, spec->params[i].name,
				    wl_value_json(&spec->params[i], &v[i]));
	return o;
}

static json_t *choices_json(const char *choices)
{
	json_t *a = json_array();
	const char *c = choices;

	while (c) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);

		json_array_append_new(a, json_stringn(c, len));
		c = bar ? bar + 1 : NULL;
	}
	return a;
}

static void add_range(json_t *o, const struct wl_param *p)
{
	struct wl_value lo = { 0 }, hi = { 0 };
	int has_lo, has_hi;

	range_bounds(p, &lo, &has_lo, &hi, &has_hi);
	if (has_lo)
		json_object_set_new(o, "min", wl_value_json(p, &lo));
	if (has_hi)
		json_object_set_new(o, "max", wl_value_json(p, &hi));
}

static json_t *param_json(const struct wl_param *p)
{
	char err[WL_ERRLEN];
	struct wl_value def = { 0 };
	json_t *o;

	if (wl_parse_value(p, p->def, &def, err, sizeof(err)))
		wl_die(70, "default of parameter %s: %s", p->name, err);
	o = json_pack("{s:s, s:s, s:o, s:s, s:s}", "name", p->name,
		      "type", type_name(p->type), "default", wl_value_json(p, &def),
		      "unit", p->unit ? p->unit : "", "help", p->help ? p->help : "");
	if (p->type == WL_ENUM)
		json_object_set_new(o, "choices", choices_json(p->choices));
	else
		add_range(o, p);
	return o;
}

json_t *wl_params_list(const struct wl_spec *spec)
{
	json_t *a = json_array();

	for (size_t i = 0; i < spec->nparams; i++)
		json_array_append_new(a, param_json(&spec->params[i]));
	return a;
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 :
		   (*s >> 3) == 30 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

json_t *wl_json_string(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j)
		return j;
	/* Paths and details may carry arbitrary bytes; the stream may not. */
	copy = strdup(s);
	if (!copy)
		wl_die(1, "out of memory");
	for (unsigned char *p = (unsigned char *)copy; *p;) {
		size_t n = utf8_len(p);

		if (!n)
			*p++ = '?';
		else
			p += n;
	}
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("?");
}
