#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bootplan.h"

void bootplan_init(struct boot_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->test.panic_at = p->test.cut_at = p->test.hang_at = -1;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

char **bootplan_strv(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));

	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			strv_free(out, i);
			return NULL;
		}
	return out;
}

static void cell_free(struct boot_cell *c)
{
	free(c->workload);
	free(c->program);
	strv_free(c->params, c->nparams);
	free(c->params_json);
	strv_free(c->events, c->nevents);
	free(c->settings_json);
}

void bootplan_free(struct boot_plan *p)
{
	for (size_t i = 0; i < p->ncells; i++)
		cell_free(&p->cells[i]);
	free(p->cells);
	free(p->scratch_fs);
	free(p->scratch_dir);
	strv_free(p->knob_paths, p->nknobs);
	strv_free(p->knob_values, p->nknobs);
	strv_free(p->launcher, p->nlauncher);
	free(p->settings_json);
	free(p->sweep_json);
	strv_free(p->tree_dirs, p->ntrees);
	strv_free(p->tree_images, p->ntrees);
	bootplan_init(p);
}

int bootplan_add_tree(struct boot_plan *p, const char *dir, const char *image)
{
	char **d = realloc(p->tree_dirs, (p->ntrees + 2) * sizeof(*d)), **i;

	if (!d)
		return -1;
	p->tree_dirs = d;
	i = realloc(p->tree_images, (p->ntrees + 2) * sizeof(*i));
	if (!i)
		return -1;
	p->tree_images = i;
	d[p->ntrees] = strdup(dir);
	i[p->ntrees] = strdup(image ? image : "");
	d[p->ntrees + 1] = i[p->ntrees + 1] = NULL;
	if (!d[p->ntrees] || !i[p->ntrees]) {
		free(d[p->ntrees]);
		free(i[p->ntrees]);
		return -1;
	}
	p->ntrees++;
	return 0;
}

struct boot_cell *bootplan_add_cell(struct boot_plan *p)
{
	struct boot_cell *g = realloc(p->cells, (p->ncells + 1) * sizeof(*g));

	if (!g)
		return NULL;
	p->cells = g;
	memset(&g[p->ncells], 0, sizeof(*g));
	return &g[p->ncells++];
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *parsed_or_null(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;

	return j ? j : json_null();
}

static json_t *cell_json(const struct boot_cell *c)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:i, s:b, s:i, s:i, s:o, s:b, s:b, s:b}",
			 "id", c->id, "workload", c->workload, "program", c->program,
			 "params", strv_json(c->params, c->nparams),
			 "params_json", parsed_or_null(c->params_json), "seed", (json_int_t)c->seed,
			 "rep", c->rep, "warmup", c->warmup, "sample_ms", (int)c->sample_ms,
			 "timeout_s", (int)c->timeout_s, "events", strv_json(c->events, c->nevents),
			 "use_cgroup", c->use_cgroup, "aslr_off", c->aslr_off,
			 "drop_caches", c->drop_caches);

	if (j && c->settings_json)
		json_object_set_new(j, "settings", parsed_or_null(c->settings_json));
	return j;
}

static json_t *with_export_fields(json_t *j, const struct boot_plan *p);

json_t *bootplan_to_json(const struct boot_plan *p)
{
	json_t *knobs = json_array(), *cells = json_array();

	for (size_t i = 0; i < p->nknobs; i++)
		json_array_append_new(knobs, json_pack("{s:s, s:s}", "path", p->knob_paths[i],
						       "value", p->knob_values[i]));
	for (size_t i = 0; i < p->ncells; i++)
		json_array_append_new(cells, cell_json(&p->cells[i]));
	return with_export_fields(json_pack("{s:i, s:s, s:s, s:s, s:s, s:s*, s:s*, s:o, s:o, s:o, s:o,"
			 " s:{s:i, s:i, s:i, s:b}, s:o}",
			 "protocol", BOOTPLAN_PROTOCOL, "variant", p->variant, "target", p->target,
			 "sweep_id", p->sweep_id, "hostname", p->hostname,
			 "scratch_fs", p->scratch_fs, "scratch_dir", p->scratch_dir,
			 "trees", strv_json(p->tree_dirs, p->ntrees), "knobs", knobs, "launcher", strv_json(p->launcher, p->nlauncher),
			 "settings", parsed_or_null(p->settings_json),
			 "test", "panic_at", p->test.panic_at, "cut_at", p->test.cut_at,
			 "hang_at", p->test.hang_at, "hang_hello", p->test.hang_hello,
			 "cells", cells), p);
}

/* The fields a LAVA export adds; older plans have none of them. */
static json_t *with_export_fields(json_t *j, const struct boot_plan *p)
{
	if (!j)
		return NULL;
	if (p->boot_id[0])
		json_object_set_new(j, "boot_id", json_string(p->boot_id));
	if (p->console)
		json_object_set_new(j, "output", json_string("console"));
	if (p->lava)
		json_object_set_new(j, "lava", json_true());
	if (p->sweep_json)
		json_object_set_new(j, "sweep", parsed_or_null(p->sweep_json));
	return j;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* An array of strings; -1 when it is something else. */
static int strv_from(const json_t *a, char ***out, size_t *n)
{
	size_t i;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !((*out)[i] = strdup(json_string_value(v))))
			return -1;
		(*n)++;
	}
	return 0;
}

static int cell_from(const json_t *j, struct boot_cell *c, size_t i, struct herr *err)
{
	const char *id, *workload, *program;
	json_t *params, *pj, *events;
	json_int_t seed, rep, sample, timeout;
	json_error_t jerr;

	/* 'I' and ranges: 'i' would cut a wider number to int. A bad plan is
	 * bad input (exit 2), as a bad sweep file is. */
	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:b, s:I, s:I, s:o,"
			   " s:b, s:b, s:b}",
			   "id", &id, "workload", &workload, "program", &program, "params", &params,
			   "params_json", &pj, "seed", &seed, "rep", &rep, "warmup", &c->warmup,
			   "sample_ms", &sample, "timeout_s", &timeout, "events", &events,
			   "use_cgroup", &c->use_cgroup, "aslr_off", &c->aslr_off,
			   "drop_caches", &c->drop_caches))
		return herr_set(err, EXIT_USAGE, "boot plan: cell %zu: %s", i, jerr.text);
	if (strlen(id) != 36 || rep < 0 || rep > INT_MAX || sample < 0 || sample > 3600000 ||
	    timeout < 0 || timeout > 604800 || !*program || (!json_is_null(pj) && !json_is_object(pj)))
		return herr_set(err, EXIT_USAGE, "boot plan: cell %zu: id, rep %lld, sample_ms %lld, "
				"timeout_s %lld, program or params_json out of range", i, (long long)rep,
				(long long)sample, (long long)timeout);
	c->rep = (int)rep;
	copy(c->id, sizeof(c->id), id);
	if (json_is_object(json_object_get(j, "settings")))
		c->settings_json = json_dumps(json_object_get(j, "settings"), JSON_COMPACT);
	c->workload = strdup(workload);
	c->program = strdup(program);
	c->params_json = json_is_null(pj) ? NULL : json_dumps(pj, JSON_COMPACT);
	c->seed = (uint64_t)seed;
	c->sample_ms = (unsigned)sample;
	c->timeout_s = (unsigned)timeout;
	if (!c->workload || !c->program || strv_from(params, &c->params, &c->nparams) ||
	    strv_from(events, &c->events, &c->nevents))
		return herr_set(err, EXIT_USAGE, "boot plan: cell %zu: bad params or events", i);
	return 0;
}

static int knobs_from(const json_t *a, struct boot_plan *p, struct herr *err)
{
	size_t i, n = json_array_size(a);
	json_t *k;

	if (!json_is_array(a))
		return herr_set(err, EXIT_USAGE, "boot plan: knobs is not an array");
	p->knob_paths = calloc(n + 1, sizeof(char *));
	p->knob_values = calloc(n + 1, sizeof(char *));
	if (!p->knob_paths || !p->knob_values)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	json_array_foreach(a, i, k) {
		const char *path = json_string_value(json_object_get(k, "path"));
		const char *value = json_string_value(json_object_get(k, "value"));

		if (!path || !value)
			return herr_set(err, EXIT_USAGE, "boot plan: knob %zu without path or value", i);
		p->knob_paths[i] = strdup(path);
		p->knob_values[i] = strdup(value);
		p->nknobs++;
	}
	return 0;
}

static int export_fields_from(const json_t *j, struct boot_plan *p, struct herr *err)
{
	const char *boot = json_string_value(json_object_get(j, "boot_id"));
	const char *out = json_string_value(json_object_get(j, "output"));
	json_t *sweep = json_object_get(j, "sweep");

	if (boot && strlen(boot) != 36)
		return herr_set(err, EXIT_USAGE, "boot plan: boot_id '%s' is not a UUID", boot);
	copy(p->boot_id, sizeof(p->boot_id), boot);
	if (out && strcmp(out, "console") && strcmp(out, "port"))
		return herr_set(err, EXIT_USAGE, "boot plan: output '%s': console or port", out);
	p->console = out && !strcmp(out, "console");
	p->lava = json_is_true(json_object_get(j, "lava"));
	if (sweep && !json_is_object(sweep))
		return herr_set(err, EXIT_USAGE, "boot plan: sweep is not an object");
	if (sweep && !(p->sweep_json = json_dumps(sweep, JSON_COMPACT)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

int bootplan_from_json(const json_t *j, struct boot_plan *p, struct herr *err)
{
	const char *variant, *target, *sweep, *host, *fs = NULL, *dir = NULL;
	json_t *knobs, *launcher, *settings, *cells, *c, *trees = NULL;
	json_int_t proto;
	json_error_t jerr;
	size_t i;

	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:I, s:s, s:s, s:s, s:s, s?s, s?s, s?o, s:o, s:o, s:o,"
			   " s:{s:i, s:i, s:i, s:b}, s:o}",
			   "protocol", &proto, "variant", &variant, "target", &target,
			   "sweep_id", &sweep, "hostname", &host, "scratch_fs", &fs,
			   "scratch_dir", &dir, "trees", &trees, "knobs", &knobs, "launcher", &launcher,
			   "settings", &settings, "test", "panic_at", &p->test.panic_at,
			   "cut_at", &p->test.cut_at, "hang_at", &p->test.hang_at,
			   "hang_hello", &p->test.hang_hello, "cells", &cells))
		return herr_set(err, EXIT_USAGE, "boot plan: %s", jerr.text);
	if (!json_is_array(knobs) || !json_is_array(cells) || !json_is_array(launcher))
		return herr_set(err, EXIT_USAGE, "boot plan: knobs, launcher or cells is not an array");
	if (proto != BOOTPLAN_PROTOCOL)
		return herr_set(err, EXIT_USAGE, "boot plan: protocol %lld, this agent speaks %d "
				"(the guest build is older or newer than the controller)",
				(long long)proto, BOOTPLAN_PROTOCOL);
	copy(p->variant, sizeof(p->variant), variant);
	copy(p->target, sizeof(p->target), target);
	copy(p->sweep_id, sizeof(p->sweep_id), sweep);
	copy(p->hostname, sizeof(p->hostname), host);
	p->scratch_fs = fs ? strdup(fs) : NULL;
	p->scratch_dir = dir ? strdup(dir) : NULL;
	p->settings_json = json_is_object(settings) ? json_dumps(settings, JSON_COMPACT) : NULL;
	if (export_fields_from(j, p, err))
		return -1;
	if (knobs_from(knobs, p, err))
		return -1;
	if (strv_from(launcher, &p->launcher, &p->nlauncher))
		return herr_set(err, EXIT_USAGE, "boot plan: bad launcher");
	for (i = 0; trees && i < json_array_size(trees); i++) {
		const char *d = json_string_value(json_array_get(trees, i));

		if (!d || *d != '/')
			return herr_set(err, EXIT_USAGE, "boot plan: tree %zu is not an absolute path", i);
		if (bootplan_add_tree(p, d, NULL))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	json_array_foreach(cells, i, c) {
		struct boot_cell *cell = bootplan_add_cell(p);

		if (!cell)
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		if (cell_from(c, cell, i, err))
			return -1;
	}
	return 0;
}

int bootplan_load(const char *path, struct boot_plan *p, struct herr *err)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	int rc;

	/* jansson reports line -1 when the file could not be read at all. */
	if (!j && jerr.line > 0)
		return herr_set(err, EXIT_USAGE, "%s:%d: %s", path, jerr.line, jerr.text);
	if (!j)
		return herr_set(err, EXIT_USAGE, "%s: %s", path, jerr.text);
	rc = bootplan_from_json(j, p, err);
	json_decref(j);
	if (rc)
		herr_wrap(err, "%s", path);
	return rc;
}
