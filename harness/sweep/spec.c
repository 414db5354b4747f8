/* Sweep-file parser. inih does the INI syntax; a line reader in front of it
 * counts lines (so every error names file:line), sees section headers even
 * of empty sections (inih reports only keys), and strips indentation so
 * that inih never joins an indented line to the previous value. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "measure/sysinfo.h"
#include "core/ini_text.h"
#include "core/launcher.h"
#include "core/names.h"
#include "kernel/source.h"
#include "sweep/spec.h"
#include "targets/target.h"

#define MAX_FILE (1 << 20)

enum section { SECT_NONE, SECT_SWEEP, SECT_VARIANT, SECT_WORKLOAD, SECT_HOST };

struct seen_key {
	char *name;
	int line;
};

struct parser {
	struct sweep_spec *s;
	struct herr *err;
	struct ini_text in;	/* the text, the line read last, failed */
	enum section cur;
	struct seen_key *seen;	/* keys of the current section (duplicates) */
	size_t nseen;
};

static int perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ini_text_verr(&p->in, p->err, p->s->file, line, fmt, ap);
	va_end(ap);
	return rc;
}

static int oom(struct parser *p)
{
	return ini_text_oom(&p->in, p->err);
}

static char *xstrdup(struct parser *p, const char *v)
{
	char *d = strdup(v);

	if (!d)
		oom(p);
	return d;
}

static void forget_keys(struct parser *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].name);
	free(p->seen);
	p->seen = NULL;
	p->nseen = 0;
}

/* ---- section headers ---- */

static ssize_t variant_index(const struct sweep_spec *s, const char *name)
{
	for (size_t v = 0; v < s->nvariants; v++)
		if (!strcmp(s->variants[v].name, name))
			return (ssize_t)v;
	return -1;
}

static int new_variant(struct parser *p, const char *name, int line)
{
	struct sweep_spec *s = p->s;
	struct sweep_variant *grown;
	ssize_t dup = variant_index(s, name);

	if (dup >= 0)
		return perr(p, line, "duplicate section [variant %s] (first at line %d)", name,
			    s->variants[dup].line);
	grown = realloc(s->variants, (s->nvariants + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	s->variants = grown;
	memset(&grown[s->nvariants], 0, sizeof(*grown));
	grown[s->nvariants].name = xstrdup(p, name);
	grown[s->nvariants].kernel = xstrdup(p, "running");
	grown[s->nvariants].line = line;
	s->nvariants++;
	return p->in.failed ? -1 : 0;
}

static int new_workload(struct parser *p, const char *name, int line)
{
	struct sweep_spec *s = p->s;
	struct sweep_workload *grown;

	for (size_t i = 0; i < s->nworkloads; i++)
		if (!strcmp(s->workloads[i].label, name))
			return perr(p, line, "duplicate section [workload %s] (first at line %d)", name,
				    s->workloads[i].line);
	grown = realloc(s->workloads, (s->nworkloads + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	s->workloads = grown;
	memset(&grown[s->nworkloads], 0, sizeof(*grown));
	grown[s->nworkloads].label = xstrdup(p, name);
	grown[s->nworkloads].program = xstrdup(p, name);
	grown[s->nworkloads].line = line;
	s->nworkloads++;
	return p->in.failed ? -1 : 0;
}

static int new_host(struct parser *p, const char *name, int line)
{
	struct sweep_spec *s = p->s;
	struct sweep_host *grown;

	for (size_t i = 0; i < s->nhosts; i++)
		if (!strcmp(s->hosts[i].name, name))
			return perr(p, line, "duplicate section [host %s] (first at line %d)", name,
				    s->hosts[i].line);
	grown = realloc(s->hosts, (s->nhosts + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	s->hosts = grown;
	memset(&grown[s->nhosts], 0, sizeof(*grown));
	grown[s->nhosts].name = xstrdup(p, name);
	grown[s->nhosts].line = line;
	s->nhosts++;
	return p->in.failed ? -1 : 0;
}

/* A host's keys are checked by the target that uses them. */
static int host_key(struct parser *p, const char *k, const char *v)
{
	struct sweep_host *h = &p->s->hosts[p->s->nhosts - 1];
	struct sweep_host_key *grown = realloc(h->keys, (h->nkeys + 1) * sizeof(*grown));

	if (!grown)
		return oom(p);
	h->keys = grown;
	grown[h->nkeys].key = xstrdup(p, k);
	grown[h->nkeys].value = xstrdup(p, v);
	grown[h->nkeys].line = p->in.line;
	h->nkeys++;
	return p->in.failed ? -1 : 0;
}

/* "[sweep]", "[variant NAME]", "[workload NAME]", "[host NAME]" */
static int begin_section(struct parser *p, const char *hdr)
{
	char kind[32] = "", name[128] = "", extra[8] = "";
	int n = sscanf(hdr, "%31s %127s %7s", kind, name, extra);

	forget_keys(p);
	if (n >= 1 && !strcmp(kind, "sweep") && n == 1) {
		if (p->s->line)
			return perr(p, p->in.line, "duplicate section [sweep] (first at line %d)", p->s->line);
		p->s->line = p->in.line;
		p->cur = SECT_SWEEP;
		return 0;
	}
	if (n == 2 && !strcmp(kind, "host")) {
		if (!name_valid(name))
			return perr(p, p->in.line, "[host %s]: a name is 1 to 63 letters, digits, '_', '.' or '-'",
				    name);
		p->cur = SECT_HOST;
		return new_host(p, name, p->in.line);
	}
	if (n == 2 && (!strcmp(kind, "variant") || !strcmp(kind, "workload"))) {
		if (!name_valid(name))
			return perr(p, p->in.line, "[%s %s]: a name is 1 to 63 letters, digits, '_', '.' or '-'",
				    kind, name);
		p->cur = kind[0] == 'v' ? SECT_VARIANT : SECT_WORKLOAD;
		return kind[0] == 'v' ? new_variant(p, name, p->in.line) : new_workload(p, name, p->in.line);
	}
	return perr(p, p->in.line, "unknown section [%s] (sections: [sweep], [variant NAME], [workload NAME], [host NAME])",
		    hdr);
}

/* The shared line source's callbacks (core/ini_text.h). */
static int on_section(void *owner, const char *hdr)
{
	return begin_section(owner, hdr);
}

static void on_error(void *owner, int line, const char *msg)
{
	perr(owner, line, "%s", msg);
}

/* ---- values ---- */

static int parse_uint(struct parser *p, const char *key, const char *v, long long lo,
		      long long hi, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (!isdigit((unsigned char)*v) || errno || *end || *out < lo || *out > hi)
		return perr(p, p->in.line, "%s = '%s': expected an integer in %lld..%lld", key, v, lo, hi);
	return 0;
}

/* "2%" or "0.02": a relative width in (0, 1). */
static int parse_percent(struct parser *p, const char *key, const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (end != v && *end == '%' && !end[1])
		d /= 100;
	else if (end == v || *end)
		d = -1;
	if (errno || !(d > 0 && d < 1))
		return perr(p, p->in.line, "%s = '%s': expected a width such as 2%% (or 0.02), above 0 "
			    "and below 100%%", key, v);
	*out = d;
	return 0;
}

static int parse_bool(struct parser *p, const char *key, const char *v, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = 1, 0;
		if (!strcasecmp(v, no[i]))
			return *out = 0, 0;
	}
	return perr(p, p->in.line, "%s = '%s': expected yes or no", key, v);
}

static int set_str(struct parser *p, char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(p, v);
	return p->in.failed ? -1 : 0;
}

static int sweep_key(struct parser *p, const char *k, const char *v)
{
	struct sweep_spec *s = p->s;
	long long n;

	if (!strcmp(k, "name"))
		return name_valid(v) ? set_str(p, &s->name, v)
				     : perr(p, p->in.line, "name = '%s': 1 to 63 letters, digits, '_', '.' or '-'", v);
	if (!strcmp(k, "description"))
		return 0;	/* for the reader of the file */
	if (!strcmp(k, "target"))
		return s->target_line = p->in.line, set_str(p, &s->target, v);
	if (!strcmp(k, "repetitions")) {
		s->reps_line = p->in.line;
		if (!strcmp(v, "auto"))
			return s->reps_auto = 1, 0;
		return parse_uint(p, k, v, 1, 10000, &n) ? -1 : (s->reps = (int)n, s->reps_set = 1, 0);
	}
	if (!strcmp(k, "repetitions_min"))
		return parse_uint(p, k, v, 2, 10000, &n) ? -1 : (s->reps_min = (int)n, s->auto_line = p->in.line, 0);
	if (!strcmp(k, "repetitions_max"))
		return parse_uint(p, k, v, 2, 10000, &n) ? -1 : (s->reps = (int)n, s->reps_set = 1,
								     s->auto_line = p->in.line, 0);
	if (!strcmp(k, "ci_width"))
		return parse_percent(p, k, v, &s->ci_width) ? -1 : (s->auto_line = p->in.line, 0);
	if (!strcmp(k, "ci_metric"))
		return s->auto_line = p->in.line, set_str(p, &s->ci_metric, v);
	if (!strcmp(k, "warmup"))
		return parse_uint(p, k, v, 0, 100, &n) ? -1 : (s->warmup = (int)n, 0);
	if (!strcmp(k, "seed"))
		return parse_uint(p, k, v, 0, INT64_MAX, &n) ? -1 : (s->seed = (uint64_t)n, 0);
	if (!strcmp(k, "interval"))
		return parse_uint(p, k, v, 1, 3600000, &n) ? -1 : (s->interval_ms = (unsigned)n, 0);
	if (!strcmp(k, "timeout"))
		return parse_uint(p, k, v, 0, 604800, &n) ? -1 : (s->timeout_s = (unsigned)n, 0);
	if (!strcmp(k, "order")) {
		if (strcmp(v, "interleaved") && strcmp(v, "grouped"))
			return perr(p, p->in.line, "order = '%s': expected interleaved or grouped", v);
		s->order = v[0] == 'i' ? ORDER_INTERLEAVED : ORDER_GROUPED;
		return 0;
	}
	if (!strcmp(k, "aslr")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return perr(p, p->in.line, "aslr = '%s': expected on or off", v);
		s->aslr_off = !strcmp(v, "off");
		return 0;
	}
	if (!strcmp(k, "drop_caches"))
		return parse_bool(p, k, v, &s->drop_caches);
	if (!strcmp(k, "membind"))
		return parse_bool(p, k, v, &s->membind);
	if (!strcmp(k, "cpus"))
		return s->cpus_line = p->in.line, set_str(p, &s->cpus, v);
	if (!strcmp(k, "governor"))
		return s->governor_line = p->in.line, set_str(p, &s->governor, v);
	return perr(p, p->in.line, "unknown key '%s' in [sweep] (keys: name description target repetitions "
		    "repetitions_min repetitions_max ci_width ci_metric warmup order seed aslr drop_caches cpus membind governor interval timeout)", k);
}

static int add_knob(struct parser *p, struct sweep_variant *var, const char *v)
{
	const char *eq = strchr(v, '=');
	struct sweep_knob *grown;
	char path[512];

	if (!eq || eq == v || !eq[1])
		return perr(p, p->in.line, "knob = '%s': expected PATH=VALUE", v);
	snprintf(path, sizeof(path), "%.*s", (int)(eq - v), v);
	for (size_t n = strlen(path); n && isspace((unsigned char)path[n - 1]);)
		path[--n] = '\0';
	for (size_t i = 0; i < var->nknobs; i++)
		if (!strcmp(var->knobs[i].path, path))
			return perr(p, p->in.line, "knob '%s' set twice in [variant %s] (first at line %d)",
				    path, var->name, var->knobs[i].line);
	grown = realloc(var->knobs, (var->nknobs + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	var->knobs = grown;
	eq++;
	while (isspace((unsigned char)*eq))
		eq++;
	grown[var->nknobs].path = xstrdup(p, path);
	grown[var->nknobs].value = xstrdup(p, eq);
	grown[var->nknobs].line = p->in.line;
	var->nknobs++;
	return p->in.failed ? -1 : 0;
}

/* A kind of the one launcher table (core/launcher.h) and its words, no
 * shell; kept as words, the kind first. */
static int set_launcher(struct parser *p, struct sweep_variant *var, const char *v)
{
	struct herr e = { 0 };

	if (launcher_parse(v, &var->launcher, &var->nlauncher, NULL, &e))
		return e.code == EXIT_USAGE ? perr(p, p->in.line, "%s", e.msg) : oom(p);
	var->launcher_line = p->in.line;
	return 0;
}

/* A package name as written; a relative path against the sweep file's
 * directory, so the sweep means the same tree from any working directory. */
static int set_source(struct parser *p, struct sweep_variant *var, const char *v)
{
	const char *slash = strrchr(p->s->file, '/');
	char *abs;

	var->source_line = p->in.line;
	if (v[0] == '/' || !slash || ksource_is_package_name(v))
		return set_str(p, &var->source, v);
	if (asprintf(&abs, "%.*s/%s", (int)(slash - p->s->file), p->s->file, v) < 0)
		return oom(p);
	free(var->source);
	var->source = abs;
	return 0;
}

static int variant_key(struct parser *p, const char *k, const char *v)
{
	struct sweep_variant *var = &p->s->variants[p->s->nvariants - 1];

	if (!strcmp(k, "source"))
		return set_source(p, var, v);
	if (!strcmp(k, "ref"))
		return var->ref_line = p->in.line, set_str(p, &var->ref, v);
	if (!strcmp(k, "kernel"))
		return var->kernel_line = p->in.line, set_str(p, &var->kernel, v);
	if (!strcmp(k, "knob"))
		return add_knob(p, var, v);
	if (!strcmp(k, "optional"))
		return parse_bool(p, k, v, &var->optional);
	if (!strcmp(k, "launcher"))
		return set_launcher(p, var, v);
	if (!strcmp(k, "description"))
		return set_str(p, &var->description, v);
	return perr(p, p->in.line, "unknown key '%s' in [variant %s] (keys: kernel source ref knob optional launcher description)",
		    k, var->name);
}

/* variants = NAME...: checked against the sections once the file is read
 * (a section may come after the workload). */
static int set_only(struct parser *p, struct sweep_workload *w, const char *v)
{
	char *copy = xstrdup(p, v), *save = NULL;

	if (!copy)
		return -1;
	for (char *n = strtok_r(copy, " \t,", &save); n; n = strtok_r(NULL, " \t,", &save)) {
		char **grown = realloc(w->only, (w->nonly + 1) * sizeof(*grown));

		if (!grown) {
			free(copy);
			return oom(p);
		}
		w->only = grown;
		grown[w->nonly++] = xstrdup(p, n);
	}
	free(copy);
	w->only_line = p->in.line;
	return p->in.failed ? -1 : 0;
}

static int workload_key(struct parser *p, const char *k, const char *v)
{
	struct sweep_workload *w = &p->s->workloads[p->s->nworkloads - 1];
	struct sweep_param *grown, *prm;
	struct herr e;

	if (!strcmp(k, "variants"))
		return set_only(p, w, v);
	if (!strcmp(k, "program")) {
		if (!name_valid(v))
			return perr(p, p->in.line, "program = '%s': not a workload name", v);
		return w->program_line = p->in.line, set_str(p, &w->program, v);
	}
	/* A parameter is a workload's option key, not a name: no dots. */
	for (const char *c = k; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return perr(p, p->in.line, "'%s' is not a parameter name", k);
	grown = realloc(w->params, (w->nparams + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	w->params = grown;
	prm = &grown[w->nparams];
	memset(prm, 0, sizeof(*prm));
	if (grid_parse(v, &prm->grid, &e))
		return perr(p, p->in.line, "%s = '%s': %s", k, v, e.msg);
	prm->key = xstrdup(p, k);
	prm->text = xstrdup(p, v);
	prm->line = p->in.line;
	w->nparams++;
	return p->in.failed ? -1 : 0;
}

static int remember_key(struct parser *p, const char *name)
{
	struct seen_key *grown;

	for (size_t i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i].name, name))
			return perr(p, p->in.line, "duplicate key '%s' (first at line %d)", name, p->seen[i].line);
	grown = realloc(p->seen, (p->nseen + 1) * sizeof(*grown));
	if (!grown)
		return oom(p);
	p->seen = grown;
	grown[p->nseen].name = xstrdup(p, name);
	grown[p->nseen].line = p->in.line;
	p->nseen++;
	return p->in.failed ? -1 : 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;

	(void)section;	/* the reader tracked it, with its line */
	if (p->in.failed)
		return 0;
	if (p->cur == SECT_NONE)
		return perr(p, p->in.line, "'%s' is outside any section (start with [sweep])", name), 0;
	if (!*value)
		return perr(p, p->in.line, "%s has no value", name), 0;
	if (!(p->cur == SECT_VARIANT && !strcmp(name, "knob")) && remember_key(p, name))
		return 0;
	switch (p->cur) {
	case SECT_SWEEP:
		return sweep_key(p, name, value) == 0;
	case SECT_VARIANT:
		return variant_key(p, name, value) == 0;
	case SECT_WORKLOAD:
		return workload_key(p, name, value) == 0;
	case SECT_HOST:
		return host_key(p, name, value) == 0;
	case SECT_NONE:
		break;
	}
	return 0;
}

/* ---- whole file ---- */

static void set_defaults(struct sweep_spec *s)
{
	s->reps = 3;
	s->warmup = 1;
	s->order = ORDER_INTERLEAVED;
	s->seed = 1;
	s->aslr_off = 1;
	s->membind = 1;
	s->interval_ms = 100;
}

static char *default_name(const char *file)
{
	const char *base = strrchr(file, '/');
	char buf[64];
	size_t n;

	base = base ? base + 1 : file;
	n = strcspn(base, ".");
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < 63 ? n : 63), base);
	for (char *c = buf; *c; c++)
		if (!name_char((unsigned char)*c))
			*c = '_';
	return strdup(*buf ? buf : "sweep");
}

/* repetitions = auto: bounds in order, auto-only keys only with it. */
static int finish_reps(struct parser *p)
{
	struct sweep_spec *s = p->s;

	if (!s->reps_auto) {
		if (s->auto_line)
			return perr(p, s->auto_line, "repetitions_min, repetitions_max, ci_width and "
				    "ci_metric go with repetitions = auto");
		return 0;
	}
	if (!s->reps_min)
		s->reps_min = 5;
	if (!s->reps_set)
		s->reps = 30;
	if (!s->ci_width)
		s->ci_width = 0.02;
	if (s->reps_min > s->reps)
		return perr(p, s->auto_line ? s->auto_line : s->reps_line, "repetitions_min = %d is above "
			    "repetitions_max = %d", s->reps_min, s->reps);
	return 0;
}

static int check_only(struct parser *p)
{
	const struct sweep_spec *s = p->s;

	for (size_t w = 0; w < s->nworkloads; w++)
		for (size_t i = 0; i < s->workloads[w].nonly; i++)
			if (variant_index(s, s->workloads[w].only[i]) < 0)
				return perr(p, s->workloads[w].only_line, "variants = '%s' in [workload %s]: "
					    "no [variant %s] in this file", s->workloads[w].only[i],
					    s->workloads[w].label, s->workloads[w].only[i]);
	return 0;
}

static int finish(struct parser *p)
{
	struct sweep_spec *s = p->s;

	if (finish_reps(p))
		return -1;
	if (!s->line)
		return perr(p, p->in.line ? p->in.line : 1, "no [sweep] section");
	if (!s->nworkloads)
		return perr(p, s->line, "no [workload NAME] section: nothing to run");
	/* The first target of the table is the default. */
	if (!s->target && !(s->target = strdup(targets[0]->name)))
		return oom(p);
	if (!s->name && !(s->name = default_name(s->file)))
		return oom(p);
	if (!s->nvariants) {
		/* No variants: the running kernel as it is. */
		if (new_variant(p, "running", s->line))
			return -1;
		s->variants[0].line = 0;
	}
	return check_only(p);
}

int spec_workload_on(const struct sweep_spec *s, size_t w, size_t v)
{
	const struct sweep_workload *wl = &s->workloads[w];

	if (!wl->only)
		return 1;
	for (size_t i = 0; i < wl->nonly; i++)
		if (!strcmp(wl->only[i], s->variants[v].name))
			return 1;
	return 0;
}

int spec_parse(const char *file, const char *text, struct sweep_spec *s, struct herr *err)
{
	struct parser p = { .s = s, .err = err,
			  .in = { .text = text, .section = on_section, .error = on_error, .owner = &p } };
	int rc;

	memset(s, 0, sizeof(*s));
	set_defaults(s);
	s->file = strdup(file);
	s->text = strdup(text);
	if (!s->file || !s->text) {
		spec_free(s);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	sysinfo_hash_hex(text, s->hash);
	rc = ini_parse_stream(ini_text_reader, &p.in, on_key, &p);
	if (!p.in.failed && rc > 0)
		perr(&p, rc, "not a key = value line, section header or comment");
	else if (!p.in.failed && rc < 0)
		perr(&p, p.in.line, "cannot parse (inih error %d)", rc);
	if (!p.in.failed)
		finish(&p);
	forget_keys(&p);
	if (p.in.failed) {
		spec_free(s);
		return -1;
	}
	return 0;
}

int spec_load(const char *file, struct sweep_spec *s, struct herr *err)
{
	FILE *f = file_open_regular(file);
	char *buf;
	size_t n;
	int rc;

	if (!f)
		return errno == EINVAL ? herr_set(err, EXIT_USAGE, "sweep file %s: not a regular file", file)
				       : herr_errno(err, EXIT_USAGE, "cannot read sweep file %s", file);
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f) || n > MAX_FILE) {
		rc = ferror(f) ? herr_errno(err, EXIT_USAGE, "cannot read sweep file %s", file)
			       : herr_set(err, EXIT_USAGE, "%s: larger than %d bytes", file, MAX_FILE);
		fclose(f);
		free(buf);
		return rc;
	}
	fclose(f);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		return herr_set(err, EXIT_USAGE, "%s: not a text file (contains NUL bytes)", file);
	}
	rc = spec_parse(file, buf, s, err);
	free(buf);
	return rc;
}

static void free_variant(struct sweep_variant *v)
{
	free(v->name);
	free(v->description);
	free(v->kernel);
	free(v->source);
	free(v->ref);
	for (size_t i = 0; i < v->nknobs; i++) {
		free(v->knobs[i].path);
		free(v->knobs[i].value);
	}
	free(v->knobs);
	for (size_t i = 0; i < v->nlauncher; i++)
		free(v->launcher[i]);
	free(v->launcher);
}

static void free_workload(struct sweep_workload *w)
{
	free(w->label);
	free(w->program);
	for (size_t i = 0; i < w->nparams; i++) {
		free(w->params[i].key);
		free(w->params[i].text);
		grid_free(&w->params[i].grid);
	}
	free(w->params);
	for (size_t i = 0; i < w->nonly; i++)
		free(w->only[i]);
	free(w->only);
}

void spec_free(struct sweep_spec *s)
{
	for (size_t i = 0; i < s->nvariants; i++)
		free_variant(&s->variants[i]);
	free(s->variants);
	for (size_t i = 0; i < s->nworkloads; i++)
		free_workload(&s->workloads[i]);
	free(s->workloads);
	for (size_t i = 0; i < s->nhosts; i++) {
		for (size_t k = 0; k < s->hosts[i].nkeys; k++) {
			free(s->hosts[i].keys[k].key);
			free(s->hosts[i].keys[k].value);
		}
		free(s->hosts[i].keys);
		free(s->hosts[i].name);
	}
	free(s->hosts);
	free(s->file);
	free(s->text);
	free(s->name);
	free(s->target);
	free(s->ci_metric);
	free(s->cpus);
	free(s->governor);
	memset(s, 0, sizeof(*s));
}
