#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/ssh/ssh_argv.h"

char *ssh_quote_argv(const char *const *argv)
{
	size_t n = 1;
	char *out, *o;

	if (!argv || !argv[0])
		return NULL;
	for (size_t i = 0; argv[i]; i++)
		for (const char *c = argv[i]; ; c++) {
			n += *c == '\'' ? 4 : 1;
			if (!*c) {
				n += 3;	/* the quotes and the blank */
				break;
			}
		}
	if (!(out = malloc(n)))
		return NULL;
	o = out;
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			*o++ = ' ';
		*o++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = *c;
			}
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

struct strv {
	char **v;
	size_t n;
	int oom;
};

static void add(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct strv *s, const char *fmt, ...)
{
	char **g = s->oom ? NULL : realloc(s->v, (s->n + 2) * sizeof(*g));
	va_list ap;

	if (!g) {
		s->oom = 1;
		return;
	}
	s->v = g;
	va_start(ap, fmt);
	if (vasprintf(&g[s->n], fmt, ap) < 0)
		s->oom = 1;
	else
		s->n++;
	va_end(ap);
	g[s->n] = NULL;
}

void ssh_argv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **ssh_argv(const struct ssh_dest *d, const char *const *remote)
{
	static const char *const fixed[] = {
		"BatchMode=yes", "StrictHostKeyChecking=yes", "GlobalKnownHostsFile=/dev/null",
		"PasswordAuthentication=no", "KbdInteractiveAuthentication=no", "IdentitiesOnly=yes",
		"UpdateHostKeys=no", "CheckHostIP=no", "ConnectTimeout=10",
		/* A lost machine shows as a cut stream within 15 s. */
		"ServerAliveInterval=5", "ServerAliveCountMax=3", "LogLevel=ERROR",
	};
	struct strv s = { 0 };
	char *cmd = ssh_quote_argv(remote);

	if (!cmd)
		return NULL;
	add(&s, "ssh");
	add(&s, "-F");
	add(&s, "/dev/null");
	add(&s, "-T");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		add(&s, "-o");
		add(&s, "%s", fixed[i]);
	}
	add(&s, "-o");
	add(&s, "UserKnownHostsFile=%s", d->known_hosts);
	add(&s, "-i");
	add(&s, "%s", d->identity);
	add(&s, "-p");
	add(&s, "%d", d->port ? d->port : 22);
	add(&s, "-l");
	add(&s, "%s", d->user);
	add(&s, "--");
	add(&s, "%s", d->host);
	add(&s, "%s", cmd);
	free(cmd);
	if (s.oom) {
		ssh_argv_free(s.v);
		return NULL;
	}
	return s.v;
}
