#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "fsutil.h"
#include "kconfig.h"

static int sym_len(const char *s)
{
	int n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* Parse "CONFIG_X=V" or "# CONFIG_X is not set". 1 parsed, 0 comment or
 * blank, -1 malformed. */
static int parse_line(const char *line, char **sym, char **val)
{
	int n;

	line += strspn(line, " \t");
	if (!strncmp(line, "CONFIG_", 7)) {
		n = sym_len(line + 7);
		if (!n || line[7 + n] != '=')
			return -1;
		*sym = strndup(line + 7, (size_t)n);
		const char *v = line + 7 + n + 1;

		*val = strcmp(v, "n") ? strdup(v) : NULL;
		return 1;
	}
	if (!strncmp(line, "# CONFIG_", 9)) {
		n = sym_len(line + 9);
		if (n && !strcmp(line + 9 + n, " is not set")) {
			*sym = strndup(line + 9, (size_t)n);
			*val = NULL;
			return 1;
		}
		return 0;	/* an ordinary comment that happens to start so */
	}
	return *line == '#' || !*line ? 0 : -1;
}

static struct kopt *find_opt(struct kopts *o, const char *sym)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].sym, sym))
			return &o->v[i];
	return NULL;
}

static int add_opt(struct kopts *o, char *sym, char *val, const char *frag, int line)
{
	struct kopt *old = find_opt(o, sym), *grown;

	if (old) {
		free(old->sym);
		free(old->val);
		free(old->frag);
	} else {
		grown = realloc(o->v, (o->n + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		o->v = grown;
		old = &o->v[o->n++];
	}
	*old = (struct kopt){ sym, val, strdup(frag), line };
	return 0;
}

int kconfig_read_fragment(const char *path, struct kopts *o, struct herr *err)
{
	FILE *f = file_open_regular(path);
	char line[1024];
	int lineno = 0;

	if (!f)
		return errno == EINVAL ? herr_set(err, EXIT_USAGE, "fragment %s: not a regular file", path)
				       : herr_errno(err, EXIT_USAGE, "fragment %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *sym, *val;
		int rc;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		rc = parse_line(line, &sym, &val);
		if (rc < 0) {
			fclose(f);
			return herr_set(err, EXIT_USAGE, "%s:%d: '%s': not CONFIG_NAME=VALUE or "
					"'# CONFIG_NAME is not set'", path, lineno, line);
		}
		if (rc && add_opt(o, sym, val, path, lineno)) {
			fclose(f);
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		}
	}
	fclose(f);
	return 0;
}

void kconfig_free(struct kopts *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].sym);
		free(o->v[i].val);
		free(o->v[i].frag);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* The symbol's value in .config text: a pointer to the value inside text
 * (ended by '\n'), or NULL when not set or absent. */
static const char *config_value(const char *text, const char *sym, size_t *len)
{
	size_t n = strlen(sym);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "CONFIG_", 7) || strncmp(p + 7, sym, n) || p[7 + n] != '=')
			continue;
		p += 7 + n + 1;
		*len = strcspn(p, "\n");
		return p;
	}
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Describe one mismatch into buf; 0 when the option is as requested. */
static int mismatch(const char *text, const struct kopt *k, const char *srcdir,
		    char *buf, size_t size)
{
	size_t len = 0;
	const char *have = config_value(text, k->sym, &len);

	if (!k->val) {
		if (!have)
			return 0;
		snprintf(buf, size, "'# CONFIG_%s is not set' (fragment %s:%d) but the final "
			 ".config has CONFIG_%s=%.*s (selected by another option)", k->sym,
			 base_name(k->frag), k->line, k->sym, (int)len, have);
		return 1;
	}
	if (have && len == strlen(k->val) && !strncmp(have, k->val, len))
		return 0;
	if (have)
		snprintf(buf, size, "CONFIG_%s=%s (fragment %s:%d) became CONFIG_%s=%.*s in the "
			 "final .config", k->sym, k->val, base_name(k->frag), k->line, k->sym,
			 (int)len, have);
	else if (!kconfig_symbol_known(srcdir, k->sym))
		snprintf(buf, size, "CONFIG_%s=%s (fragment %s:%d): unknown option, no Kconfig "
			 "in this kernel source defines %s", k->sym, k->val, base_name(k->frag),
			 k->line, k->sym);
	else
		snprintf(buf, size, "CONFIG_%s=%s (fragment %s:%d) was dropped by olddefconfig: "
			 "its dependencies are not met", k->sym, k->val, base_name(k->frag), k->line);
	return 1;
}

int kconfig_check(const char *dotconfig, const struct kopts *o, const char *srcdir,
		  FILE *log, struct herr *err)
{
	char *text = kfs_read(dotconfig, NULL);
	char first[900] = "", msg[900];
	int bad = 0;

	if (!text)
		return herr_errno(err, EXIT_RUNTIME, "cannot read %s", dotconfig);
	for (size_t i = 0; i < o->n; i++) {
		if (!mismatch(text, &o->v[i], srcdir, msg, sizeof(msg)))
			continue;
		if (log)
			fprintf(log, "harness: config check: %s\n", msg);
		if (!bad++)
			memcpy(first, msg, sizeof(first));
	}
	free(text);
	if (!bad)
		return 0;
	if (bad > 1)
		return herr_set(err, EXIT_USAGE, "%s (and %d more, see the build log)", first, bad - 1);
	return herr_set(err, EXIT_USAGE, "%s", first);
}

/* Kconfig scan state: nftw has no user pointer. */
static const char *scan_sym;
static int scan_found;

static int file_defines(const char *path, const char *sym)
{
	FILE *f = fopen(path, "re");
	char line[512];
	size_t n = strlen(sym);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (!strncmp(p, "menuconfig", 10))
			p += 10;
		else if (!strncmp(p, "config", 6))
			p += 6;
		else
			continue;
		if (!isblank((unsigned char)*p))
			continue;
		p += strspn(p, " \t");
		if (!strncmp(p, sym, n) && (p[n] == '\n' || isblank((unsigned char)p[n]) || !p[n])) {
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static int scan_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_D && (!strcmp(path + ftw->base, ".git") ||
			      !strcmp(path + ftw->base, "Documentation")))
		return FTW_SKIP_SUBTREE;
	if (type == FTW_F && !strncmp(path + ftw->base, "Kconfig", 7) &&
	    file_defines(path, scan_sym)) {
		scan_found = 1;
		return FTW_STOP;
	}
	return FTW_CONTINUE;
}

int kconfig_symbol_known(const char *srcdir, const char *sym)
{
	scan_sym = sym;
	scan_found = 0;
	nftw(srcdir, scan_one, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	return scan_found;
}
