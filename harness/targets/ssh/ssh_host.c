#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/ssh/ssh_host.h"

#define KEYS "user host port identity known_hosts dir switch reboot power initrd cmdline " \
	     "boot_timeout retries variants"

static int chars_ok(const char *v, const char *extra)
{
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(extra, *c))
			return 0;
	return *v != '\0';
}

/* Words separated by blanks, no shell: an argv. */
static char **words(const char *v)
{
	char *copy = strdup(v), *save = NULL;
	char **out = calloc(strlen(v) / 2 + 2, sizeof(*out));
	size_t n = 0;

	if (!copy || !out) {
		free(copy);
		free(out);
		return NULL;
	}
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!(out[n++] = strdup(w)))
			break;
	free(copy);
	return out;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int num(const struct sweep_spec *s, const struct sweep_host_key *k, long lo, long hi,
	       long *out, struct herr *err)
{
	char *end;

	errno = 0;
	*out = strtol(k->value, &end, 10);
	if (!isdigit((unsigned char)*k->value) || *end || errno || *out < lo || *out > hi)
		return plan_error(s, k->line, err, "%s = '%s': expected an integer in %ld..%ld", k->key,
				  k->value, lo, hi);
	return 0;
}

/* A file the controller reads: it must be there now, not at the first
 * connection, and have no blank (ssh -o takes it as one word). */
static int local_file(const struct sweep_spec *s, const struct sweep_host_key *k, struct herr *err)
{
	if (!chars_ok(k->value, "/._-+@~"))
		return plan_error(s, k->line, err, "%s = '%s': a path of letters, digits and / . _ - + @",
				  k->key, k->value);
	if (access(k->value, R_OK))
		return plan_error(s, k->line, err, "%s = '%s': cannot read it (%s)", k->key, k->value,
				  strerror(errno));
	return 0;
}

static int set_key(const struct sweep_spec *s, struct ssh_host *h, const struct sweep_host_key *k,
		   struct herr *err)
{
	long v;

	if (!strcmp(k->key, "user")) {
		if (!chars_ok(k->value, "_-.") || k->value[0] == '-')
			return plan_error(s, k->line, err, "user = '%s': not a user name", k->value);
		h->dest.user = k->value;
	} else if (!strcmp(k->key, "host")) {
		/* Never an option to ssh: no leading '-'. */
		if (!chars_ok(k->value, ".-_:") || k->value[0] == '-')
			return plan_error(s, k->line, err, "host = '%s': not a host name or address", k->value);
		h->dest.host = k->value;
	} else if (!strcmp(k->key, "port")) {
		if (num(s, k, 1, 65535, &v, err))
			return -1;
		h->dest.port = (int)v;
	} else if (!strcmp(k->key, "identity")) {
		if (local_file(s, k, err))
			return -1;
		h->dest.identity = k->value;
	} else if (!strcmp(k->key, "known_hosts")) {
		if (local_file(s, k, err))
			return -1;
		h->dest.known_hosts = k->value;
		h->known_hosts_line = k->line;
	} else if (!strcmp(k->key, "dir")) {
		if (k->value[0] != '/' || !chars_ok(k->value, "/._-") || strstr(k->value, "..") ||
		    !strcmp(k->value, "/"))
			return plan_error(s, k->line, err, "dir = '%s': an absolute directory of its own "
					  "(letters, digits, / . _ -; no ..)", k->value);
		h->dir = k->value;
	} else if (!strcmp(k->key, "switch")) {
		if (strcmp(k->value, "kexec") && strcmp(k->value, "reboot"))
			return plan_error(s, k->line, err, "switch = '%s': kexec or reboot", k->value);
		h->sw = !strcmp(k->value, "kexec") ? SSH_SWITCH_KEXEC : SSH_SWITCH_REBOOT;
	} else if (!strcmp(k->key, "reboot") || !strcmp(k->key, "power") ||
		   !strcmp(k->key, "variants")) {
		char ***dst = k->key[0] == 'r' ? &h->reboot : k->key[0] == 'p' ? &h->power : &h->variants;

		strv_free(*dst);
		if (!(*dst = words(k->value)))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		if (k->key[0] == 'p')
			h->power_line = k->line;
	} else if (!strcmp(k->key, "initrd")) {
		if (local_file(s, k, err))
			return -1;
		h->initrd = k->value;
	} else if (!strcmp(k->key, "cmdline")) {
		h->cmdline = k->value;
	} else if (!strcmp(k->key, "boot_timeout")) {
		if (num(s, k, 1, 86400, &v, err))
			return -1;
		h->boot_timeout_s = (unsigned)v;
	} else if (!strcmp(k->key, "retries")) {
		if (num(s, k, 0, 100, &v, err))
			return -1;
		h->retries = (unsigned)v;
	} else {
		return plan_error(s, k->line, err, "unknown key '%s' in [host %s] (keys: " KEYS ")", k->key,
				  h->name);
	}
	return 0;
}

static int check_host(const struct sweep_spec *s, const struct ssh_host *h, struct herr *err)
{
	const char *missing = !h->dest.user ? "user" : !h->dest.host ? "host"
			    : !h->dest.identity ? "identity" : !h->dest.known_hosts ? "known_hosts" : NULL;

	if (missing)
		return plan_error(s, h->line, err, "[host %s] has no %s (every host names user, host, "
				  "identity and known_hosts: key authentication against a known host key only)",
				  h->name, missing);
	if (h->sw == SSH_SWITCH_REBOOT && !h->reboot)
		return plan_error(s, h->line, err, "[host %s]: switch = reboot needs reboot = COMMAND "
				  "(for example grub-reboot's line)", h->name);
	for (size_t i = 0; h->variants && h->variants[i]; i++) {
		size_t v = 0;

		while (v < s->nvariants && strcmp(s->variants[v].name, h->variants[i]))
			v++;
		if (v == s->nvariants)
			return plan_error(s, h->line, err, "[host %s]: variants names '%s', which is no "
					  "[variant] of this file", h->name, h->variants[i]);
	}
	return 0;
}

int ssh_hosts_parse(const struct sweep_spec *s, struct ssh_host **hosts, size_t *n,
		    struct herr *err)
{
	struct ssh_host *v;

	*hosts = NULL;
	*n = 0;
	if (!s->nhosts)
		return plan_error(s, s->target_line, err, "target = ssh: name the machines in [host NAME] "
				  "sections (user, host, identity, known_hosts; docs/lab.md)");
	if (!(v = calloc(s->nhosts, sizeof(*v))))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	*hosts = v;
	*n = s->nhosts;
	for (size_t i = 0; i < s->nhosts; i++) {
		struct ssh_host *h = &v[i];

		h->name = s->hosts[i].name;
		h->line = s->hosts[i].line;
		h->dir = "/var/tmp/harness-agent";
		h->cmdline = "";
		h->boot_timeout_s = 180;
		h->retries = 2;
		for (size_t k = 0; k < s->hosts[i].nkeys; k++)
			if (set_key(s, h, &s->hosts[i].keys[k], err))
				return -1;
		if (check_host(s, h, err))
			return -1;
	}
	return 0;
}

void ssh_hosts_free(struct ssh_host *hosts, size_t n)
{
	for (size_t i = 0; hosts && i < n; i++) {
		strv_free(hosts[i].reboot);
		strv_free(hosts[i].power);
		strv_free(hosts[i].variants);
	}
	free(hosts);
}

size_t ssh_host_of(const struct ssh_host *hosts, size_t n, const char *variant)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; hosts[i].variants && hosts[i].variants[k]; k++)
			if (!strcmp(hosts[i].variants[k], variant))
				return i;
	for (size_t i = 0; i < n; i++)
		if (!hosts[i].variants)
			return i;
	return 0;
}
