#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record_json.h"

/* Enum names travel as text, so a reader of the stream needs no table. */
static int enum_index(const char *name, const char *(*namer)(int), int n)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(namer(i), name))
			return i;
	return -1;
}

static const char *kind_n(int i) { return metric_kind_name((enum metric_kind)i); }
static const char *better_n(int i) { return metric_better_name((enum metric_better)i); }
static const char *status_n(int i) { return metric_status_name((enum metric_status)i); }
static const char *scope_n(int i) { return metric_scope_name((enum metric_scope)i); }

static json_t *metric_to_json(const struct metric *m)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", m->name,
			      "unit", m->unit, "kind", metric_kind_name(m->kind),
			      "better", metric_better_name(m->better), "source", m->source,
			      "scope", metric_scope_name(m->scope),
			      "status", metric_status_name(m->status));

	if (m->status == MS_OK || m->status == MS_SCALED)
		json_object_set_new(j, "value", json_real(m->value));
	if (m->reason[0])
		json_object_set_new(j, "reason", json_string(m->reason));
	return j;
}

static json_t *pmu_to_json(const struct pmu_record *p)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:s, s:I, s:I, s:I, s:s, s:s}",
			 "metric", p->metric, "event", p->event, "type", (json_int_t)p->type,
			 "config", (json_int_t)p->config, "config1", (json_int_t)p->config1,
			 "config2", (json_int_t)p->config2, "group", p->group,
			 "scope", metric_scope_name(p->scope), "raw", (json_int_t)p->raw,
			 "time_enabled", (json_int_t)p->time_enabled,
			 "time_running", (json_int_t)p->time_running,
			 "status", metric_status_name(p->status), "reason", p->reason);
}

static json_t *samples_to_json(const struct sample_set *ss)
{
	json_t *names = json_array(), *units = json_array(), *v = json_array();

	for (size_t i = 0; i < ss->nnames; i++) {
		json_array_append_new(names, json_string(ss->names[i]));
		json_array_append_new(units, json_string(ss->units[i]));
	}
	/* [series, t_ns, value] triples: compact enough for thousands. */
	for (size_t i = 0; i < ss->n; i++)
		json_array_append_new(v, json_pack("[i, I, f]", (int)ss->v[i].metric,
						   (json_int_t)ss->v[i].t_ns, ss->v[i].value));
	return json_pack("{s:o, s:o, s:o}", "names", names, "units", units, "values", v);
}

static json_t *parsed_or_null(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;

	return j ? j : json_null();
}

json_t *record_to_json(const struct run_record *r)
{
	json_t *metrics = json_array(), *pmu = json_array(), *knobs = json_array();
	const struct metric_set *ms = &r->metrics;

	for (size_t i = 0; i < ms->n; i++)
		json_array_append_new(metrics, metric_to_json(&ms->v[i]));
	for (size_t i = 0; i < ms->npmu; i++)
		json_array_append_new(pmu, pmu_to_json(&ms->pmu[i]));
	for (size_t i = 0; i < r->nknobs; i++)
		json_array_append_new(knobs, json_pack("{s:s, s:s, s:s?}", "path", r->knobs[i].path,
						       "value", r->knobs[i].value,
						       "previous", r->knobs[i].previous));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:b, s:s, s:s, s:I, s:I, s:i, s:i,"
			 " s:s?, s:o, s:o, s:o, s:o, s:o}",
			 "id", r->id, "sweep_id", r->sweep_id, "variant", r->variant,
			 "target", r->target, "workload", r->workload,
			 "params", parsed_or_null(r->params_json), "rep", r->rep,
			 "warmup", r->warmup, "status", r->status, "reason", r->reason,
			 "started_ns", (json_int_t)r->started_ns, "ended_ns", (json_int_t)r->ended_ns,
			 "exit_code", r->exit_code, "term_signal", r->term_signal,
			 "stderr_tail", r->stderr_tail, "settings", parsed_or_null(r->settings_json),
			 "knobs", knobs, "metrics", metrics, "pmu", pmu,
			 "samples", samples_to_json(&ms->samples));
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static char *dump_or_null(const json_t *j)
{
	return j && !json_is_null(j) ? json_dumps(j, JSON_COMPACT) : NULL;
}

/* A field that may be absent or null, else must be a string: *out NULL or
 * the string. -1 when it is there with another type. */
static int opt_string(const json_t *j, const char *key, const char **out)
{
	const json_t *v = json_object_get(j, key);

	*out = json_string_value(v);
	return v && !json_is_null(v) && !*out ? -1 : 0;
}

static int metric_from_json(const json_t *j, size_t idx, struct metric_set *ms, struct herr *err)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	int kind = enum_index(json_string_value(json_object_get(j, "kind")), kind_n, 3);
	int better = enum_index(json_string_value(json_object_get(j, "better")), better_n, 3);
	int scope = enum_index(json_string_value(json_object_get(j, "scope")), scope_n, 3);
	int status = enum_index(json_string_value(json_object_get(j, "status")), status_n, 4);
	const char *unit = json_string_value(json_object_get(j, "unit"));
	const char *source = json_string_value(json_object_get(j, "source"));
	const char *reason;
	const json_t *value = json_object_get(j, "value");
	struct metric m;

	if (!name || !name[0])
		return herr_set(err, EXIT_RUNTIME, "run record: metric %zu has no name", idx);
	if (!unit || !source || opt_string(j, "reason", &reason) || kind < 0 || better < 0 ||
	    scope < 0 || status < 0)
		return herr_set(err, EXIT_RUNTIME, "run record: metric %s has a missing or unknown field",
				name);
	if ((status == MS_OK || status == MS_SCALED) != json_is_number(value))
		return herr_set(err, EXIT_RUNTIME, "run record: metric %s: value does not match status %s",
				name, status_n(status));
	/* The record keeps what its producer stored (the metric table of the
	 * harness that measured it, or the workload's own description). */
	memset(&m, 0, sizeof(m));
	copy(m.name, sizeof(m.name), name);
	copy(m.unit, sizeof(m.unit), unit);
	copy(m.source, sizeof(m.source), source);
	copy(m.reason, sizeof(m.reason), reason);
	m.kind = (enum metric_kind)kind;
	m.better = (enum metric_better)better;
	m.scope = (enum metric_scope)scope;
	m.status = (enum metric_status)status;
	if (status == MS_OK || status == MS_SCALED)
		m.value = json_number_value(value);
	return mset_add_copy(ms, &m) ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
}

static int pmu_from_json(const json_t *j, size_t idx, struct metric_set *ms, struct herr *err)
{
	struct pmu_record *p = mset_add_pmu(ms);
	json_int_t type, config, config1, config2, raw, enabled, running, group;
	const char *metric, *event, *scope, *status, *reason;
	int sc, st;

	if (!p)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	/* 'I' and a range check below: 'i' would truncate a wider number. */
	if (json_unpack((json_t *)j, "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:s}",
			"metric", &metric, "event", &event, "type", &type, "config", &config,
			"config1", &config1, "config2", &config2, "group", &group, "scope", &scope,
			"raw", &raw, "time_enabled", &enabled, "time_running", &running,
			"status", &status, "reason", &reason))
		return herr_set(err, EXIT_RUNTIME, "run record: malformed pmu event %zu", idx);
	if (type < 0 || type > UINT32_MAX || group < INT_MIN || group > INT_MAX)
		return herr_set(err, EXIT_RUNTIME, "run record: pmu event %s: type or group out of range",
				event);
	sc = enum_index(scope, scope_n, 3);
	st = enum_index(status, status_n, 4);
	if (sc < 0 || st < 0)
		return herr_set(err, EXIT_RUNTIME, "run record: pmu event %s: unknown scope or status", event);
	copy(p->metric, sizeof(p->metric), metric);
	copy(p->event, sizeof(p->event), event);
	copy(p->reason, sizeof(p->reason), reason);
	p->type = (uint32_t)type;
	p->config = (uint64_t)config;
	p->config1 = (uint64_t)config1;
	p->config2 = (uint64_t)config2;
	p->group = (int)group;
	p->scope = (enum metric_scope)sc;
	p->raw = (uint64_t)raw;
	p->time_enabled = (uint64_t)enabled;
	p->time_running = (uint64_t)running;
	p->status = (enum metric_status)st;
	return 0;
}

static int samples_from_json(const json_t *j, struct metric_set *ms, struct herr *err)
{
	const json_t *names = json_object_get(j, "names"), *units = json_object_get(j, "units");
	const json_t *values = json_object_get(j, "values");
	size_t n = json_array_size(names), i;
	json_t *v;

	if (!json_is_array(names) || !json_is_array(values) || !json_is_array(units) ||
	    json_array_size(units) != n)
		return herr_set(err, EXIT_RUNTIME, "run record: malformed samples");
	/* Every series' name and unit before any value refers to one. */
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(names, i)) || !json_string_length(json_array_get(names, i)) ||
		    !json_is_string(json_array_get(units, i)))
			return herr_set(err, EXIT_RUNTIME,
					"run record: samples series %zu: name or unit is not a string", i);
	json_array_foreach(values, i, v) {
		json_int_t series, t;
		double value;

		if (json_unpack(v, "[I, I, F!]", &series, &t, &value) || series < 0 || (size_t)series >= n)
			return herr_set(err, EXIT_RUNTIME, "run record: malformed sample %zu", i);
		if (mset_sample(ms, json_string_value(json_array_get(names, (size_t)series)),
				json_string_value(json_array_get(units, (size_t)series)), t, value))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

static int knobs_from_json(const json_t *j, struct run_record *r, struct herr *err)
{
	size_t n = json_array_size(j), i;
	json_t *k;

	if (!json_is_array(j))
		return herr_set(err, EXIT_RUNTIME, "run record: knobs is not an array");
	if (!n)
		return 0;
	r->knobs = calloc(n, sizeof(*r->knobs));
	if (!r->knobs)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	json_array_foreach(j, i, k) {
		const char *path = json_string_value(json_object_get(k, "path"));
		const char *value = json_string_value(json_object_get(k, "value"));
		const char *prev;

		if (!path || !value || opt_string(k, "previous", &prev))
			return herr_set(err, EXIT_RUNTIME,
					"run record: knob %zu without path or value, or a mistyped field", i);
		r->knobs[i].path = strdup(path);
		r->knobs[i].value = strdup(value);
		r->knobs[i].previous = prev ? strdup(prev) : NULL;
		r->nknobs++;
	}
	return 0;
}

/* Each element of the array WHAT through FN; an array is required, since
 * json_array_foreach would pass over an object or a string in silence. */
static int each(const json_t *arr, const char *what,
		int (*fn)(const json_t *, size_t, struct metric_set *, struct herr *),
		struct metric_set *ms, struct herr *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return herr_set(err, EXIT_RUNTIME, "run record: %s is not an array", what);
	json_array_foreach(arr, i, v) {
		if (!json_is_object(v))
			return herr_set(err, EXIT_RUNTIME, "run record: %s %zu is not an object",
					strcmp(what, "metrics") ? what : "metric", i);
		if (fn(v, i, ms, err))
			return -1;
	}
	return 0;
}

/* A run id as the store writes them: 36 characters of hex and dashes. */
static int id_ok(const char *id)
{
	if (strlen(id) != 36)
		return 0;
	for (size_t i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? id[i] != '-' : !isxdigit((unsigned char)id[i]))
			return 0;
	return 1;
}

/* int fields arrive as json_int_t: refused outside [lo, hi], never cut. */
static int int_field(json_int_t v, long long lo, long long hi, const char *name, int *out,
		     struct herr *err)
{
	if (v < lo || v > hi)
		return herr_set(err, EXIT_RUNTIME, "run record: %s %lld is out of range", name,
				(long long)v);
	*out = (int)v;
	return 0;
}

int record_from_json(const json_t *j, struct run_record *r, struct herr *err)
{
	const char *id = NULL, *sweep = NULL, *variant = NULL, *target = NULL, *workload = NULL;
	const char *status = NULL, *reason = NULL, *tail = NULL;
	json_t *params = NULL, *settings = NULL, *knobs = NULL, *metrics = NULL, *pmu = NULL;
	json_t *samples = NULL, *tail_j = NULL;
	json_int_t started = 0, ended = 0, rep = 0, exit_code = 0, sig = 0;
	int warmup = 0;

	if (json_unpack((json_t *)j, "{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:b, s:s, s:s, s:I, s:I,"
			" s:I, s:I, s?o, s:o, s:o, s:o, s:o, s:o}",
			"id", &id, "sweep_id", &sweep, "variant", &variant, "target", &target,
			"workload", &workload, "params", &params, "rep", &rep, "warmup", &warmup,
			"status", &status, "reason", &reason, "started_ns", &started,
			"ended_ns", &ended, "exit_code", &exit_code, "term_signal", &sig,
			"stderr_tail", &tail_j, "settings", &settings, "knobs", &knobs,
			"metrics", &metrics, "pmu", &pmu, "samples", &samples))
		return herr_set(err, EXIT_RUNTIME, "run record: missing or mistyped field");
	/* record_to_json writes null for a run without stderr. */
	if (tail_j && !json_is_null(tail_j) && !(tail = json_string_value(tail_j)))
		return herr_set(err, EXIT_RUNTIME, "run record: stderr_tail is not a string");
	if (!id_ok(id) || (strcmp(status, "ok") && strcmp(status, "failed")))
		return herr_set(err, EXIT_RUNTIME, "run record: bad id or status (%s, %s)", id, status);
	if (!json_is_object(params) && !json_is_null(params))
		return herr_set(err, EXIT_RUNTIME, "run record: params is not an object");
	if (!json_is_object(settings) && !json_is_null(settings))
		return herr_set(err, EXIT_RUNTIME, "run record: settings is not an object");
	if (int_field(rep, 0, INT_MAX, "rep", &r->rep, err) ||
	    int_field(exit_code, INT_MIN, INT_MAX, "exit_code", &r->exit_code, err) ||
	    int_field(sig, 0, 255, "term_signal", &r->term_signal, err))
		return -1;
	copy(r->id, sizeof(r->id), id);
	copy(r->sweep_id, sizeof(r->sweep_id), sweep);
	copy(r->variant, sizeof(r->variant), variant);
	copy(r->target, sizeof(r->target), target);
	copy(r->workload, sizeof(r->workload), workload);
	copy(r->status, sizeof(r->status), status);
	copy(r->reason, sizeof(r->reason), reason);
	r->params_json = dump_or_null(params);
	r->settings_json = dump_or_null(settings);
	r->stderr_tail = tail ? strdup(tail) : NULL;
	r->warmup = warmup;
	r->started_ns = started;
	r->ended_ns = ended;
	if (knobs_from_json(knobs, r, err) || each(metrics, "metrics", metric_from_json, &r->metrics, err) ||
	    each(pmu, "pmu", pmu_from_json, &r->metrics, err) || samples_from_json(samples, &r->metrics, err))
		return -1;
	return 0;
}

json_t *sysinfo_to_json(const struct machine_info *m, const struct kernel_info *k)
{
	json_t *machine = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:o}",
				    "id", m->id, "hostname", m->hostname, "arch", m->arch,
				    "cpu_model", m->cpu_model, "midr_implementer", m->midr_implementer,
				    "midr_part", m->midr_part, "packages", m->packages, "cores", m->cores,
				    "pus", m->pus, "numa_nodes", m->numa_nodes,
				    "mem_total_bytes", (json_int_t)m->mem_total_bytes,
				    "topology", parsed_or_null(m->topology_json));
	json_t *kernel = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:o, s:b}",
				   "id", k->id, "release", k->release, "version", k->version,
				   "arch", k->arch, "cmdline", k->cmdline, "page_size", (json_int_t)k->page_size,
				   "pmd_size", (json_int_t)k->pmd_size,
				   "mthp_sizes", parsed_or_null(k->mthp_sizes),
				   "has_cachestat", k->has_cachestat);

	return json_pack("{s:o, s:o}", "machine", machine, "kernel", kernel);
}

int sysinfo_from_json(const json_t *j, struct machine_info *m, struct kernel_info *k,
		      struct herr *err)
{
	const char *mid, *host, *arch, *model, *kid, *rel, *ver, *karch, *cmdline = NULL;
	json_t *topo, *sizes;
	json_int_t mem, page, pmd;
	int cachestat;

	memset(m, 0, sizeof(*m));
	memset(k, 0, sizeof(*k));
	if (json_unpack((json_t *)j, "{s:{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:o},"
			" s:{s:s, s:s, s:s, s:s, s?s, s:I, s:I, s:o, s:b}}",
			"machine", "id", &mid, "hostname", &host, "arch", &arch, "cpu_model", &model,
			"midr_implementer", &m->midr_implementer, "midr_part", &m->midr_part,
			"packages", &m->packages, "cores", &m->cores, "pus", &m->pus,
			"numa_nodes", &m->numa_nodes, "mem_total_bytes", &mem, "topology", &topo,
			"kernel", "id", &kid, "release", &rel, "version", &ver, "arch", &karch,
			"cmdline", &cmdline, "page_size", &page, "pmd_size", &pmd,
			"mthp_sizes", &sizes, "has_cachestat", &cachestat))
		return herr_set(err, EXIT_RUNTIME, "machine/kernel description: missing or mistyped field");
	/* Page sizes divide byte counts later: a power of two or nothing. */
	if (page <= 0 || (page & (page - 1)) || pmd < 0 || mem < 0 ||
	    (!json_is_null(topo) && !json_is_object(topo) && !json_is_array(topo)) ||
	    (!json_is_null(sizes) && !json_is_array(sizes)))
		return herr_set(err, EXIT_RUNTIME, "machine/kernel description: page_size %lld, pmd_size, "
				"mem_total_bytes, topology or mthp_sizes out of range", (long long)page);
	copy(m->id, sizeof(m->id), mid);
	copy(m->hostname, sizeof(m->hostname), host);
	copy(m->arch, sizeof(m->arch), arch);
	copy(m->cpu_model, sizeof(m->cpu_model), model);
	m->mem_total_bytes = (uint64_t)mem;
	m->topology_json = dump_or_null(topo);
	copy(k->id, sizeof(k->id), kid);
	copy(k->release, sizeof(k->release), rel);
	copy(k->version, sizeof(k->version), ver);
	copy(k->arch, sizeof(k->arch), karch);
	k->cmdline = cmdline ? strdup(cmdline) : NULL;
	k->page_size = (long)page;
	k->pmd_size = (uint64_t)pmd;
	k->mthp_sizes = dump_or_null(sizes);
	k->has_cachestat = cachestat;
	return 0;
}
