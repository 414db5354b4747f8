#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/metric.h"
#include "measure/metric_table.h"

void mset_init(struct metric_set *ms)
{
	memset(ms, 0, sizeof(*ms));
}

void mset_free(struct metric_set *ms)
{
	free(ms->v);
	free(ms->pmu);
	free(ms->samples.names);
	free(ms->samples.units);
	free(ms->samples.v);
	mset_init(ms);
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 32;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*v, ncap * size);
	if (!p)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct metric *add(struct metric_set *ms, enum metric_scope scope,
			  const char *source, const char *name, const char *unit,
			  enum metric_kind kind, enum metric_better better)
{
	struct metric *m;

	if (grow((void **)&ms->v, &ms->cap, ms->n + 1, sizeof(*ms->v)))
		return NULL;
	m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	copy(m->name, sizeof(m->name), name);
	copy(m->unit, sizeof(m->unit), unit);
	copy(m->source, sizeof(m->source), source);
	m->scope = scope;
	m->kind = kind;
	m->better = better;
	return m;
}

/* The table's entry for name, or NULL after the warning (or the stop,
 * under HARNESS_METRICS_STRICT) that a producer used a name the table
 * lacks. */
static const struct metric_def *def_of(const char *name)
{
	const struct metric_def *d = metric_def_find(name);

	if (d)
		return d;
	fprintf(stderr, "harness: metric %s is not in the metric table "
			"(harness/measure/metric_table.c)%s\n", name,
		metric_table_strict() ? "" : "; stored without unit or direction");
	if (metric_table_strict())
		abort();	/* a programming error, caught by the tests */
	return NULL;
}

static struct metric *add_known(struct metric_set *ms, enum metric_scope scope, const char *name)
{
	const struct metric_def *d = def_of(name);

	if (!d)
		return add(ms, scope, "unknown", name, "", KIND_GAUGE, BETTER_NONE);
	return add(ms, scope, d->source, name, d->unit, d->kind, d->better);
}

struct metric *mset_add(struct metric_set *ms, enum metric_scope scope,
			const char *name, double value)
{
	struct metric *m = add_known(ms, scope, name);

	if (m) {
		m->value = value;
		m->status = MS_OK;
	}
	return m;
}

struct metric *mset_missing(struct metric_set *ms, enum metric_scope scope,
			    const char *name, enum metric_status status,
			    const char *reason)
{
	struct metric *m = add_known(ms, scope, name);

	if (m) {
		m->status = status;
		copy(m->reason, sizeof(m->reason), reason);
	}
	return m;
}

struct metric *mset_add_workload(struct metric_set *ms, const char *name, double value,
				 const char *unit, enum metric_kind kind,
				 enum metric_better better)
{
	struct metric *m = add(ms, SCOPE_WORKLOAD, "workload", name, unit, kind, better);

	if (m) {
		m->value = value;
		m->status = MS_OK;
	}
	return m;
}

struct metric *mset_add_copy(struct metric_set *ms, const struct metric *src)
{
	struct metric *m = add(ms, src->scope, src->source, src->name, src->unit, src->kind,
			       src->better);

	if (m) {
		m->value = src->value;
		m->status = src->status;
		copy(m->reason, sizeof(m->reason), src->reason);
	}
	return m;
}

const struct metric *mset_find(const struct metric_set *ms,
			       enum metric_scope scope, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (ms->v[i].scope == scope && !strcmp(ms->v[i].name, name))
			return &ms->v[i];
	return NULL;
}

struct pmu_record *mset_add_pmu(struct metric_set *ms)
{
	struct pmu_record *p;

	if (grow((void **)&ms->pmu, &ms->cappmu, ms->npmu + 1, sizeof(*ms->pmu)))
		return NULL;
	p = &ms->pmu[ms->npmu++];
	memset(p, 0, sizeof(*p));
	return p;
}

int mset_sample(struct metric_set *ms, const char *name, const char *unit,
		int64_t t_ns, double value)
{
	struct sample_set *ss = &ms->samples;
	size_t idx;

	for (idx = 0; idx < ss->nnames; idx++)
		if (!strcmp(ss->names[idx], name))
			break;
	if (idx == ss->nnames) {
		void *names = realloc(ss->names, (idx + 1) * sizeof(*ss->names));
		void *units;

		if (!names)
			return -1;
		ss->names = names;
		units = realloc(ss->units, (idx + 1) * sizeof(*ss->units));
		if (!units)
			return -1;
		ss->units = units;
		copy(ss->names[idx], sizeof(ss->names[idx]), name);
		copy(ss->units[idx], sizeof(ss->units[idx]), unit);
		ss->nnames++;
	}
	if (grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof(*ss->v)))
		return -1;
	ss->v[ss->n++] = (struct sample){ .metric = (uint32_t)idx, .t_ns = t_ns, .value = value };
	return 0;
}

const char *metric_kind_name(enum metric_kind k)
{
	static const char *const names[] = { "counter", "gauge", "rate" };

	return names[k];
}

const char *metric_better_name(enum metric_better b)
{
	static const char *const names[] = { "lower", "higher", "none" };

	return names[b];
}

const char *metric_status_name(enum metric_status s)
{
	static const char *const names[] = { "ok", "scaled", "not_measured", "not_counted" };

	return names[s];
}

const char *metric_scope_name(enum metric_scope s)
{
	static const char *const names[] = { "process", "region", "workload" };

	return names[s];
}
