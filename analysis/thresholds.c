/* Thresholds file parser and lookup; see thresholds.h. As the sweep-file
 * parser (sweep/spec.c), inih reads lines from our own reader, which counts
 * them (every error names file:line) and sees section headers even of
 * empty sections. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/thresholds.h"
#include "core/ini_text.h"
#include "core/fileio.h"
#include "core/names.h"

#define SECTION_FORMS "[default], [kind counter|gauge|rate], [metric PATTERN], " \
	"[workload NAME], [workload NAME metric PATTERN]"

static const char *const key_names[3] = { "regression", "noise_floor", "gate" };

struct parser {
	struct thresholds *t;
	struct herr *err;
	struct ini_text in;	/* the text, the line read last, failed */
	struct th_section *cur;
};

static int perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ini_text_verr(&p->in, p->err, p->t->file, line, fmt, ap);
	va_end(ap);
	return rc;
}

static int oom(struct parser *p)
{
	return ini_text_oom(&p->in, p->err);
}

/* ---- sections ---- */

/* A metric name or glob: name characters plus fnmatch's. */
static int pattern_valid(const char *s)
{
	if (!*s || strlen(s) > 127)
		return 0;
	for (; *s; s++)
		if (!name_char((unsigned char)*s) && !strchr("*?[]!", *s))
			return 0;
	return 1;
}

static int same_section(const struct th_section *a, const struct th_section *b)
{
	return a->scope == b->scope && (a->scope != TH_KIND || a->kind == b->kind) &&
	       !strcmp(a->workload ? a->workload : "", b->workload ? b->workload : "") &&
	       !strcmp(a->metric ? a->metric : "", b->metric ? b->metric : "");
}

static int add_section(struct parser *p, struct th_section *s, const char *hdr)
{
	struct thresholds *t = p->t;
	struct th_section *grown;

	for (size_t i = 0; i < t->nsec; i++)
		if (same_section(&t->sec[i], s))
			return free(s->workload), free(s->metric),
			       perr(p, p->in.line, "duplicate section [%s] (first at line %d)", hdr,
				    t->sec[i].line);
	grown = realloc(t->sec, (t->nsec + 1) * sizeof(*grown));
	if (!grown)
		return free(s->workload), free(s->metric), oom(p);
	t->sec = grown;
	s->line = p->in.line;
	t->sec[t->nsec] = *s;
	p->cur = &t->sec[t->nsec++];
	return 0;
}

static int kind_from(const char *w, enum metric_kind *k)
{
	static const enum metric_kind kinds[] = { KIND_COUNTER, KIND_GAUGE, KIND_RATE };

	for (size_t i = 0; i < 3; i++)
		if (!strcmp(w, metric_kind_name(kinds[i])))
			return *k = kinds[i], 0;
	return -1;
}

static int set_names(struct parser *p, struct th_section *s, const char *workload,
		     const char *metric)
{
	if (workload && !name_valid(workload))
		return perr(p, p->in.line, "[workload %s]: a workload name is " NAME_RULE, workload);
	if (metric && !pattern_valid(metric))
		return perr(p, p->in.line, "[... metric %s]: a metric pattern is 1 to 127 letters, "
			    "digits, '_', '.', '-' and the glob characters * ? [ ] !", metric);
	s->workload = workload ? strdup(workload) : NULL;
	s->metric = metric ? strdup(metric) : NULL;
	if ((workload && !s->workload) || (metric && !s->metric))
		return free(s->workload), free(s->metric), oom(p);
	s->glob = metric && strpbrk(metric, "*?[") != NULL;
	return 0;
}

/* hdr: the text between [ and ], as words. */
static int begin_section(struct parser *p, const char *hdr)
{
	char buf[256], *w[5] = { 0 };
	struct th_section s = { 0 };
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", hdr);
	for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t"))
		if (n < 5)
			w[n++] = tok;
		else
			return perr(p, p->in.line, "unknown section [%s] (sections: " SECTION_FORMS ")", hdr);
	if (n == 1 && !strcmp(w[0], "default"))
		s.scope = TH_DEFAULT;
	else if (n == 2 && !strcmp(w[0], "kind")) {
		s.scope = TH_KIND;
		if (kind_from(w[1], &s.kind) < 0)
			return perr(p, p->in.line, "[kind %s]: expected counter, gauge or rate", w[1]);
	} else if (n == 2 && !strcmp(w[0], "metric")) {
		s.scope = TH_METRIC;
		if (set_names(p, &s, NULL, w[1]) < 0)
			return -1;
	} else if (n == 2 && !strcmp(w[0], "workload")) {
		s.scope = TH_WORKLOAD;
		if (set_names(p, &s, w[1], NULL) < 0)
			return -1;
	} else if (n == 4 && !strcmp(w[0], "workload") && !strcmp(w[2], "metric")) {
		s.scope = TH_WORKLOAD_METRIC;
		if (set_names(p, &s, w[1], w[3]) < 0)
			return -1;
	} else
		return perr(p, p->in.line, "unknown section [%s] (sections: " SECTION_FORMS ")", hdr);
	return add_section(p, &s, hdr);
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

/* "3%", "2.5%": a percentage, as a fraction, within [lo, hi] percent. */
static int parse_percent(struct parser *p, const char *key, const char *v, double lo, double hi,
			 double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (!isdigit((unsigned char)*v) || errno || end == v || strcmp(end, "%"))
		return perr(p, p->in.line, "%s = '%s': expected a percentage such as 3%%", key, v);
	if (x < lo || x > hi)
		return perr(p, p->in.line, "%s = '%s': expected %g%% to %g%%", key, v, lo, hi);
	*out = x / 100;
	return 0;
}

static int parse_gate(struct parser *p, const char *v, int *out)
{
	if (!strcasecmp(v, "yes"))
		return *out = 1, 0;
	if (!strcasecmp(v, "no"))
		return *out = 0, 0;
	return perr(p, p->in.line, "gate = '%s': expected yes or no", v);
}

static int key_index(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, key_names[i]))
			return i;
	return -1;
}

/* A floor above the threshold could never let a regression through the
 * band: a contradiction within one section. */
static int check_pair(struct parser *p, const struct th_section *s)
{
	unsigned both = TH_SET_REGRESSION | TH_SET_NOISE_FLOOR;

	if ((s->set & both) != both || s->noise_floor <= s->regression)
		return 0;
	return perr(p, p->in.line, "noise_floor = %g%% is above regression = %g%% (line %d): "
		    "the noise floor must not exceed the threshold", s->noise_floor * 100,
		    s->regression * 100,
		    s->key_line[p->in.line == s->key_line[0] ? 1 : 0]);
}

static int set_key(struct parser *p, struct th_section *s, int k, const char *v)
{
	int rc;

	if (k == 0)
		rc = parse_percent(p, "regression", v, 0, 1000, &s->regression);
	else if (k == 1)
		rc = parse_percent(p, "noise_floor", v, 0, 100, &s->noise_floor);
	else
		rc = parse_gate(p, v, &s->gate);
	if (rc < 0)
		return -1;
	if (k == 0 && s->regression == 0)
		return perr(p, p->in.line, "regression = '%s': must be above 0%%", v);
	s->set |= 1u << k;
	s->key_line[k] = p->in.line;
	return check_pair(p, s);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	int k;

	(void)section;	/* the reader tracked it, with its line */
	if (p->in.failed)
		return 0;
	if (!p->cur)
		return perr(p, p->in.line, "'%s' is outside any section (start with [default])", name), 0;
	k = key_index(name);
	if (k < 0)
		return perr(p, p->in.line, "unknown key '%s' (keys: regression, noise_floor, gate)",
			    name), 0;
	if (p->cur->set & (1u << k))
		return perr(p, p->in.line, "duplicate key '%s' (first at line %d)", name,
			    p->cur->key_line[k]), 0;
	if (!*value)
		return perr(p, p->in.line, "%s has no value", name), 0;
	return set_key(p, p->cur, k, value) == 0;
}

/* ---- the whole file ---- */

void thresholds_init(struct thresholds *t)
{
	memset(t, 0, sizeof(*t));
}

void thresholds_free(struct thresholds *t)
{
	for (size_t i = 0; i < t->nsec; i++) {
		free(t->sec[i].workload);
		free(t->sec[i].metric);
	}
	free(t->sec);
	free(t->file);
	thresholds_init(t);
}

int thresholds_parse(const char *file, const char *text, struct thresholds *t, struct herr *e)
{
	struct parser p = { .t = t, .err = e,
			  .in = { .text = text, .section = on_section, .error = on_error, .owner = &p } };
	int rc;

	thresholds_init(t);
	t->file = strdup(file);
	if (!t->file)
		return herr_set(e, EXIT_RUNTIME, "out of memory");
	rc = ini_parse_stream(ini_text_reader, &p.in, on_key, &p);
	if (!p.in.failed && rc > 0)
		perr(&p, rc, "not a key = value line, section header or comment");
	else if (!p.in.failed && rc < 0)
		perr(&p, p.in.line, "cannot parse (inih error %d)", rc);
	if (p.in.failed) {
		thresholds_free(t);
		return -1;
	}
	return 0;
}

int thresholds_load(const char *file, struct thresholds *t, struct herr *e)
{
	char *text = file_read_all(file);
	int rc;

	thresholds_init(t);
	if (!text)
		return herr_errno(e, EXIT_USAGE, "cannot read thresholds file %s", file);
	rc = thresholds_parse(file, text, t, e);
	free(text);
	return rc;
}

/* ---- lookup ---- */

static int metric_matches(const struct th_section *s, const char *metric)
{
	return s->glob ? fnmatch(s->metric, metric, 0) == 0 : !strcmp(s->metric, metric);
}

/* Rank of a matching section, lower first (thresholds.h); -1: no match.
 * An exact metric name ranks just before a glob at the same level. */
static int rank(const struct th_section *s, const char *workload, const char *metric,
		enum metric_kind kind)
{
	int wl = workload && s->workload && !strcmp(s->workload, workload);

	switch (s->scope) {
	case TH_WORKLOAD_METRIC:
		return wl && metric_matches(s, metric) ? 0 + s->glob : -1;
	case TH_WORKLOAD:
		return wl ? 2 : -1;
	case TH_METRIC:
		return metric_matches(s, metric) ? 3 + s->glob : -1;
	case TH_KIND:
		return s->kind == kind ? 5 : -1;
	case TH_DEFAULT:
		return 6;
	}
	return -1;
}

/* The section giving key k, or NULL (built in). Of equal rank the later
 * wins. */
static const struct th_section *source_of(const struct thresholds *t, int k,
					  const char *workload, const char *metric,
					  enum metric_kind kind)
{
	const struct th_section *best = NULL;
	int best_rank = 0;

	for (size_t i = 0; i < t->nsec; i++) {
		const struct th_section *s = &t->sec[i];
		int r;

		if (!(s->set & (1u << k)))
			continue;
		r = rank(s, workload, metric, kind);
		if (r >= 0 && (!best || r <= best_rank)) {
			best = s;
			best_rank = r;
		}
	}
	return best;
}

static void from(const struct thresholds *t, const struct th_section *s, int k, char *out,
		 size_t size)
{
	if (s)
		snprintf(out, size, "%s:%d", t->file, s->key_line[k]);
	else
		snprintf(out, size, "built in");
}

void thresholds_for(const struct thresholds *t, const char *workload, const char *metric,
		    enum metric_kind kind, struct threshold *out)
{
	const struct th_section *s;

	s = source_of(t, 0, workload, metric, kind);
	out->regression = s ? s->regression : THRESHOLD_REGRESSION_DEFAULT;
	from(t, s, 0, out->regression_from, sizeof(out->regression_from));
	s = source_of(t, 1, workload, metric, kind);
	out->noise_floor = s ? s->noise_floor : THRESHOLD_NOISE_FLOOR_DEFAULT;
	from(t, s, 1, out->noise_floor_from, sizeof(out->noise_floor_from));
	s = source_of(t, 2, workload, metric, kind);
	out->gate = s ? s->gate : THRESHOLD_GATE_DEFAULT;
	out->gate_named = s && (s->scope == TH_METRIC || s->scope == TH_WORKLOAD_METRIC);
	from(t, s, 2, out->gate_from, sizeof(out->gate_from));
}
