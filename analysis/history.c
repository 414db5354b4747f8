/* A metric's history; see history.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/history.h"
#include "analysis/stats.h"

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *g;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	if (!(g = realloc(p, ncap * size)))
		return NULL;
	memset((char *)g + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return g;
}

static struct hist_series *find_series(struct history *h, const struct store_history_value *v)
{
	struct hist_series *s;
	void *g;

	for (size_t i = 0; i < h->n; i++) {
		s = &h->s[i];
		if (!strcmp(s->workload, v->workload) && !strcmp(s->params, v->params_json) &&
		    !strcmp(s->variant, v->variant) && !strcmp(s->scope, v->scope))
			return s;
	}
	if (!(g = grow(h->s, &h->cap, h->n + 1, sizeof(*h->s))))
		return NULL;
	h->s = g;
	s = &h->s[h->n++];
	s->workload = strdup(v->workload);
	s->params = strdup(v->params_json);
	s->variant = strdup(v->variant);
	s->scope = strdup(v->scope);
	s->params_key = history_params_key(v->params_json);
	snprintf(s->unit, sizeof(s->unit), "%s", v->unit);
	return s->workload && s->params && s->variant && s->scope && s->params_key ? s : NULL;
}

static int take(void *user, const struct store_history_value *v)
{
	struct hist_series *s = find_series(user, v);
	struct hist_point *p;
	void *g;

	if (!s)
		return 1;
	if (!s->n || strcmp(s->p[s->n - 1].sweep_id, v->sweep_id)) {
		if (!(g = grow(s->p, &s->cap, s->n + 1, sizeof(*s->p))))
			return 1;
		s->p = g;
		p = &s->p[s->n++];
		snprintf(p->sweep_id, sizeof(p->sweep_id), "%s", v->sweep_id);
		snprintf(p->name, sizeof(p->name), "%s", v->sweep_name);
		snprintf(p->created, sizeof(p->created), "%s", v->created);
		snprintf(p->tags, sizeof(p->tags), "%s", v->tags);
	}
	p = &s->p[s->n - 1];
	if (!(g = grow(p->v, &p->cap, p->n + 1, sizeof(*p->v))))
		return 1;
	p->v = g;
	p->v[p->n++] = v->value;
	return 0;
}

static int analyse(struct hist_series *s, struct herr *err)
{
	struct cp_opts o;
	double *m = malloc((s->n ? s->n : 1) * sizeof(*m));

	if (!m)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < s->n; i++) {
		if (stats_median(s->p[i].v, s->p[i].n, &s->p[i].median, err))
			return free(m), -1;
		m[i] = s->p[i].median;
	}
	cp_opts_default(&o);
	if (cp_find(m, s->n, &o, &s->cp, &s->ncp, err))
		return free(m), -1;
	free(m);
	return 0;
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct hist_series *s = &h->s[i];

		for (size_t j = 0; j < s->n; j++)
			free(s->p[j].v);
		free(s->p);
		free(s->cp);
		free(s->workload);
		free(s->params);
		free(s->variant);
		free(s->scope);
		free(s->params_key);
	}
	free(h->s);
	memset(h, 0, sizeof(*h));
}

/* "gups {"size": "64m"} thp-always (region)" without the JSON noise. */
void history_series_label(const struct hist_series *s, char *out, size_t n)
{
	char params[256] = "";
	json_t *j = json_loads(s->params, 0, NULL);
	const char *k;
	json_t *v;
	size_t off = 0;

	json_object_foreach(j, k, v) {
		char *txt = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);

		if (txt && off < sizeof(params))
			off += (size_t)snprintf(params + off, sizeof(params) - off, " %s=%s", k, txt);
		free(txt);
	}
	json_decref(j);
	snprintf(out, n, "%s%s, variant %s%s", s->workload, params, s->variant,
		 !strcmp(s->scope, "region") ? " (region)" : "");
}

char *history_params_key(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	char *key = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

	json_decref(j);
	return key;
}

int history_load(struct store *st, const struct store_history_filter *f, struct history *h,
		 struct herr *err)
{
	memset(h, 0, sizeof(*h));
	if (store_history(st, f, take, h, err))
		goto fail;
	for (size_t i = 0; i < h->n; i++)
		if (analyse(&h->s[i], err))
			goto fail;
	return 0;
fail:
	history_free(h);
	return -1;
}
