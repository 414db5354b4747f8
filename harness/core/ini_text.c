#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/ini_text.h"

int ini_text_verr(struct ini_text *in, struct herr *err, const char *file, int line,
		  const char *fmt, va_list ap)
{
	char msg[900];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!in->failed)
		herr_set(err, EXIT_USAGE, "%s:%d: %s", file, line, msg);
	in->failed = 1;
	return -1;
}

int ini_text_oom(struct ini_text *in, struct herr *err)
{
	if (!in->failed)
		herr_set(err, EXIT_RUNTIME, "out of memory");
	in->failed = 1;
	return -1;
}

static int fail(struct ini_text *in, const char *msg)
{
	in->error(in->owner, in->line, msg);
	in->failed = 1;
	return -1;
}

/* A header line: '[' ... ']' then nothing but a comment. */
static int header_line(struct ini_text *in, const char *line)
{
	const char *close = strchr(line, ']');
	char hdr[256], msg[400];
	const char *rest;

	if (!close) {
		snprintf(msg, sizeof(msg), "section header '%.*s' has no closing ']'",
			 (int)strcspn(line, "\r\n"), line);
		return fail(in, msg);
	}
	for (rest = close + 1; *rest && isspace((unsigned char)*rest); rest++)
		;
	if (*rest && *rest != ';' && *rest != '#') {
		snprintf(msg, sizeof(msg), "text after the section header: '%.*s'",
			 (int)strcspn(rest, "\r\n"), rest);
		return fail(in, msg);
	}
	snprintf(hdr, sizeof(hdr), "%.*s", (int)(close - line - 1), line + 1);
	return in->section(in->owner, hdr);
}

char *ini_text_reader(char *str, int num, void *stream)
{
	struct ini_text *in = stream;
	const char *start = in->text + in->pos, *nl;
	size_t len, skip = 0;
	char msg[80];

	if (in->failed || !*start)
		return NULL;	/* EOF stops inih after the first error */
	nl = strchr(start, '\n');
	len = nl ? (size_t)(nl - start) + 1 : strlen(start);
	in->pos += len;
	in->line++;
	if (in->line == 1 && !strncmp(start, "\xEF\xBB\xBF", 3))
		skip = 3;	/* a UTF-8 byte-order mark */
	while (skip < len && (start[skip] == ' ' || start[skip] == '\t'))
		skip++;
	if (len - skip + 1 > (size_t)num) {
		snprintf(msg, sizeof(msg), "line longer than %d characters", num - 2);
		fail(in, msg);
		return NULL;
	}
	memcpy(str, start + skip, len - skip);
	str[len - skip] = '\0';
	if (str[0] == '[' && header_line(in, str))
		return NULL;
	return str;
}
