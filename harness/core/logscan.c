#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logscan.h"

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int hex_digits(const char *s, size_t n, unsigned long *cp)
{
	*cp = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*cp = *cp * 16 + (unsigned long)d;
	}
	return 0;
}

/* One escape of a YAML double-quoted scalar at s (after the backslash);
 * its length in *used. -1 for an escape YAML does not have. */
static long yaml_escape(const char *s, size_t left, char *o, size_t *used)
{
	static const char from[] = "0abtnvfre \"/\\N_LP", to[] = "\0\a\b\t\n\v\f\r\033 \"/\\";
	const char *k = left ? memchr(from, s[0], sizeof(from) - 1) : NULL;
	size_t digits = !left ? 0 : s[0] == 'x' ? 2 : s[0] == 'u' ? 4 : s[0] == 'U' ? 8 : 0;
	unsigned long cp;

	*used = 1;
	if (digits) {
		if (left < digits + 1 || hex_digits(s + 1, digits, &cp) || cp > 0x10ffff)
			return -1;
		*used = digits + 1;
		return (long)put_utf8(o, cp);
	}
	if (!k)
		return -1;
	switch (*k) {
	case 'N': return (long)put_utf8(o, 0x85);
	case '_': return (long)put_utf8(o, 0xa0);
	case 'L': return (long)put_utf8(o, 0x2028);
	case 'P': return (long)put_utf8(o, 0x2029);
	}
	o[0] = to[k - from];
	return 1;
}

/* The double-quoted scalar starting at s (after its opening quote), up to
 * its closing quote, decoded into o; -1 if it does not close. */
static long yaml_dq(const char *s, size_t len, char *o)
{
	size_t i = 0, n = 0, used;
	long w;

	while (i < len && s[i] != '"') {
		if (s[i] != '\\') {
			o[n++] = s[i++];
			continue;
		}
		if ((w = yaml_escape(s + i + 1, len - i - 1, o + n, &used)) < 0)
			return -1;
		n += (size_t)w;
		i += used + 1;
	}
	return i < len ? (long)n : -1;
}

/* LAVA's ShellLogger put one backslash before every '"' of the console
 * before the YAML dump; exactly that one goes: \" is a quote, and the
 * device's own \" (logged \\") is \" again. */
static size_t unescape_quotes(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '"')
			i++;
		s[o++] = s[i];
	}
	return o;
}

static const char *find_in(const char *line, size_t len, const char *what)
{
	size_t w = strlen(what);

	for (size_t i = 0; i + w <= len; i++)
		if (!memcmp(line + i, what, w))
			return line + i;
	return NULL;
}

long logscan_lava_line(const char *line, size_t len, char *out)
{
	const char *p = line, *end = line + len, *msg;
	long n;

	if (end - p >= 2 && p[0] == '-' && p[1] == ' ')
		p += 2;
	if (end - p < 7 || memcmp(p, "{\"dt\": ", 7))
		return -1;
	if (!find_in(p, (size_t)(end - p), "\"lvl\": \"target\"") &&
	    !find_in(p, (size_t)(end - p), "\"lvl\": \"feedback\""))
		return -2;
	if (!(msg = find_in(p, (size_t)(end - p), "\"msg\": \"")))
		return -2;
	msg += 8;
	if ((n = yaml_dq(msg, (size_t)(end - msg), out)) < 0)
		return -2;
	return (long)unescape_quotes(out, (size_t)n);
}

int logscan_file(const char *path, logscan_fn fn, void *user, struct herr *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *dec = NULL;
	size_t cap = 0, deccap = 0, lineno = 0;
	ssize_t got;
	int rc = 0;

	if (!f)
		return herr_errno(err, EXIT_USAGE, "%s: cannot read it", path);
	while (!rc && (got = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)got;
		long n;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (deccap < len + 1) {
			char *g = realloc(dec, len + 1);

			if (!g) {
				rc = herr_set(err, EXIT_RUNTIME, "out of memory");
				break;
			}
			dec = g;
			deccap = len + 1;
		}
		n = logscan_lava_line(line, len, dec);
		if (n >= 0)
			rc = fn(user, dec, (size_t)n, lineno, err);
		else if (n == -1)
			rc = fn(user, line, len, lineno, err);
		/* -2: LAVA's own record (its actions, results): not the device's */
	}
	if (!rc && ferror(f))
		rc = herr_errno(err, EXIT_USAGE, "%s: read error", path);
	free(line);
	free(dec);
	fclose(f);
	return rc;
}
