#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

int herr_set(struct herr *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int herr_errno(struct herr *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int herr_wrap(struct herr *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = strlen(prefix);

	/* Truncation is fine: a long chain of context is cut at the end. */
	memcpy(old, e->msg, sizeof(old));
	if (plen > sizeof(e->msg) - 3)
		plen = sizeof(e->msg) - 3;
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, ": ", 2);
	strncpy(e->msg + plen + 2, old, sizeof(e->msg) - plen - 3);
	e->msg[sizeof(e->msg) - 1] = '\0';
	return -1;
}

void herr_clear(struct herr *e)
{
	e->code = EXIT_OK;
	e->msg[0] = '\0';
}
