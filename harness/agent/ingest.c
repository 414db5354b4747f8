#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bootplan.h"
#include "agent/ingest.h"
#include "core/logscan.h"
#include "core/record_json.h"
#include "core/stream.h"

/* A boot's console is kept with it; a LAVA log around a long stream is
 * mostly the stream itself, so the rest is small, but bounded. */
#define CONSOLE_KEEP (1u << 20)
/* As the qemu controller allows: a run record with many samples. */
#define INGEST_MAX_LINE (256u << 20)

struct reader {
	const char *path;
	struct ingest_set *set;
	struct ingest_stream *cur;	/* the stream being read, NULL between streams */
	struct stream s;
	size_t lineno;
};

static int copy_str(char *dst, size_t n, const json_t *msg, const char *key)
{
	const char *v = json_string_value(json_object_get(msg, key));

	snprintf(dst, n, "%s", v ? v : "");
	return v != NULL;
}

static int on_hello(struct ingest_stream *is, json_t *msg, struct herr *err)
{
	json_t *sweep = json_object_get(msg, "sweep");

	if (json_integer_value(json_object_get(msg, "protocol")) != BOOTPLAN_PROTOCOL)
		return herr_set(err, EXIT_USAGE, "the agent speaks protocol %lld, this harness %d",
				(long long)json_integer_value(json_object_get(msg, "protocol")),
				BOOTPLAN_PROTOCOL);
	if (sysinfo_from_json(msg, &is->mi, &is->ki, err))
		return herr_wrap(err, "hello");
	if (!copy_str(is->variant, sizeof(is->variant), msg, "variant") ||
	    !copy_str(is->target, sizeof(is->target), msg, "target"))
		return herr_set(err, EXIT_USAGE, "hello: no variant and target (an agent older than "
				"harness ingest: its runs cannot be attributed)");
	copy_str(is->sweep_id, sizeof(is->sweep_id), msg, "sweep_id");
	copy_str(is->boot_id, sizeof(is->boot_id), msg, "boot_id");
	if (json_is_object(sweep) && !(is->sweep_json = json_dumps(sweep, JSON_COMPACT)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

/* A sweep's run knows its cell and place in the order from its settings
 * (sweep/exec.c writes them there). */
static void sweep_slot(struct run_record *r)
{
	json_t *j = r->settings_json ? json_loads(r->settings_json, 0, NULL) : NULL;
	json_t *s = json_object_get(j, "sweep");

	r->cell = json_is_integer(json_object_get(s, "cell"))
		? (int)json_integer_value(json_object_get(s, "cell")) : -1;
	r->seq = json_is_integer(json_object_get(s, "order_index"))
		? (int)json_integer_value(json_object_get(s, "order_index")) : -1;
	json_decref(j);
}

static int on_run(struct ingest_stream *is, json_t *msg, struct herr *err)
{
	json_t *rec = json_object_get(msg, "record");
	struct run_record *g;

	if (!json_is_object(rec))
		return herr_set(err, EXIT_USAGE, "a run message without a record object");
	if (!(g = realloc(is->runs, (is->nruns + 1) * sizeof(*g))))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	is->runs = g;
	record_init(&g[is->nruns]);
	if (record_from_json(rec, &g[is->nruns], err)) {
		record_free(&g[is->nruns]);
		return herr_wrap(err, "run record");
	}
	sweep_slot(&g[is->nruns]);
	is->nruns++;
	return 0;
}

static int on_msg(void *user, const char *type, json_t *msg, struct herr *err)
{
	struct reader *rd = user;

	if (!strcmp(type, "hello"))
		return on_hello(rd->cur, msg, err);
	if (!strcmp(type, "run"))
		return on_run(rd->cur, msg, err);
	if (!strcmp(type, "error"))
		return herr_set(err, EXIT_USAGE, "the agent stopped: %s",
				json_string_value(json_object_get(msg, "reason")) ?: "no reason given");
	return 0;	/* cell: only a live controller's hang clock needs it */
}

/* seq 0, type hello: where an agent's stream begins. */
static int is_hello(const char *line, size_t len)
{
	json_t *j;
	int yes;

	if (!len || line[0] != '{' || !memmem(line, len, "\"hello\"", 7))
		return 0;
	j = json_loadb(line, len, 0, NULL);
	yes = json_is_object(j) && json_integer_value(json_object_get(j, "seq")) == 0 &&
	      json_is_integer(json_object_get(j, "seq")) &&
	      !strcmp(json_string_value(json_object_get(j, "type")) ?: "", "hello");
	json_decref(j);
	return yes;
}

static int begin_stream(struct reader *rd, struct herr *err)
{
	struct ingest_set *set = rd->set;
	struct ingest_stream *g = realloc(set->v, (set->n + 1) * sizeof(*g));

	if (!g)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	set->v = g;
	rd->cur = memset(&g[set->n++], 0, sizeof(*g));
	rd->cur->line = rd->lineno;
	if (!(rd->cur->file = strdup(rd->path)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	stream_init(&rd->s, on_msg, rd);
	rd->s.max_line = INGEST_MAX_LINE;
	return 0;
}

static void keep_console(struct ingest_stream *is, const char *line, size_t len)
{
	char *g;

	if (is->console_len + len + 1 > CONSOLE_KEEP || !(g = realloc(is->console, is->console_len + len + 2)))
		return;
	is->console = g;
	memcpy(g + is->console_len, line, len);
	is->console_len += len;
	g[is->console_len++] = '\n';
	g[is->console_len] = '\0';
}

/* Lines that are not JSON objects are the console around the stream (the
 * kernel, the agent's progress, lava-test-case lines): skipped. A stream
 * line damaged on the way no longer parses, or breaks seq or the CRC, and
 * the stream is refused. */
static int on_line(void *user, const char *line, size_t len, size_t lineno, struct herr *err)
{
	struct reader *rd = user;
	int rc;

	rd->lineno = lineno;
	if (!rd->cur) {
		if (!is_hello(line, len))
			return 0;
		if (begin_stream(rd, err))
			return -1;
	} else if (!len || line[0] != '{') {
		keep_console(rd->cur, line, len);
		return 0;
	}
	rc = stream_feed(&rd->s, line, len, err);
	if (!rc)
		rc = stream_feed(&rd->s, "\n", 1, err);
	if (rc) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return herr_set(err, EXIT_USAGE, "%s:%zu: %s (the stream that starts at line %zu is "
				"not stored)", rd->path, lineno, why, rd->cur->line);
	}
	if (rd->s.done) {
		stream_free(&rd->s);
		rd->cur = NULL;
	}
	return 0;
}

int ingest_read(const char *path, struct ingest_set *set, struct herr *err)
{
	struct reader rd = { .path = path, .set = set };
	size_t before = set->n;
	int rc = logscan_file(path, on_line, &rd, err);

	if (!rc && rd.cur && stream_finish(&rd.s, err)) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		rc = herr_set(err, EXIT_USAGE, "%s: the stream that starts at line %zu: %s: not stored",
			      path, rd.cur->line, why);
	}
	if (rd.cur)
		stream_free(&rd.s);
	if (!rc && set->n == before)
		rc = herr_set(err, EXIT_USAGE, "%s: no harness result stream in it (no line "
			      "{\"seq\":0,\"type\":\"hello\",...})", path);
	return rc;
}

static int sweep_from_json(const char *text, struct sweep_row *row, struct herr *err)
{
	json_t *j = json_loads(text, 0, NULL);
	json_int_t cells = 0, runs = 0, warmups = 0;
	const char *id = NULL, *name = NULL, *target = NULL, *file = NULL, *hash = NULL;
	const char *ftext = NULL, *plan = NULL, *machine = NULL;
	int rc = 0;

	memset(row, 0, sizeof(*row));
	if (json_unpack(j, "{s:s, s:s, s:s, s?s, s?s, s?s, s?s, s?I, s?I, s?I, s?s}", "id", &id,
			"name", &name, "target", &target, "file", &file, "file_hash", &hash,
			"file_text", &ftext, "plan_json", &plan, "cells", &cells, "planned_runs", &runs,
			"planned_warmups", &warmups, "machine_id", &machine))
		rc = herr_set(err, EXIT_USAGE, "the stream's sweep row is malformed");
	if (!rc) {
		snprintf(row->id, sizeof(row->id), "%s", id);
		snprintf(row->name, sizeof(row->name), "%s", name);
		snprintf(row->target, sizeof(row->target), "%s", target);
		snprintf(row->file_hash, sizeof(row->file_hash), "%s", hash ? hash : "");
		snprintf(row->machine_id, sizeof(row->machine_id), "%s", machine ? machine : "");
		row->file = file ? strdup(file) : NULL;
		row->file_text = ftext ? strdup(ftext) : NULL;
		row->plan_json = plan ? strdup(plan) : NULL;
		row->cells = cells;
		row->planned_runs = runs;
		row->planned_warmups = warmups;
	}
	json_decref(j);
	return rc;
}

static int ensure_sweep(struct store *st, const struct ingest_stream *is, struct herr *err)
{
	struct sweep_row row;
	int has = store_has(st, STORE_SWEEPS, is->sweep_id, err), rc;

	if (has != 0)
		return has < 0 ? -1 : 0;
	if (!is->sweep_json)
		return herr_set(err, EXIT_USAGE, "%s:%zu: sweep %s is not in %s and the stream does not "
				"describe it", is->file, is->line, is->sweep_id, store_path(st));
	if (sweep_from_json(is->sweep_json, &row, err))
		return herr_wrap(err, "%s:%zu", is->file, is->line);
	if (strcmp(row.id, is->sweep_id))
		rc = herr_set(err, EXIT_USAGE, "%s:%zu: the stream's sweep row is sweep %s, its runs'"
			      " %s", is->file, is->line, row.id, is->sweep_id);
	else
		rc = store_sweep_create(st, &row, err);
	store_sweep_row_free(&row);
	return rc;
}

/* The boot the stream came from, spanning its runs, with the console. */
static int ensure_boot(struct store *st, const struct ingest_stream *is, struct herr *err)
{
	struct boot_row b = { .started_ns = 0 };
	char *settings = NULL;
	int has = store_has(st, STORE_BOOTS, is->boot_id, err), rc;
	json_t *j;

	if (has != 0)
		return has < 0 ? -1 : 0;
	snprintf(b.id, sizeof(b.id), "%s", is->boot_id);
	snprintf(b.sweep_id, sizeof(b.sweep_id), "%s", is->sweep_id);
	snprintf(b.variant, sizeof(b.variant), "%s", is->variant);
	snprintf(b.kernel_id, sizeof(b.kernel_id), "%s", is->ki.id);
	snprintf(b.target, sizeof(b.target), "%s", is->target);
	snprintf(b.status, sizeof(b.status), "ok");
	for (size_t i = 0; i < is->nruns; i++) {
		if (!b.started_ns || is->runs[i].started_ns < b.started_ns)
			b.started_ns = is->runs[i].started_ns;
		if (is->runs[i].ended_ns > b.ended_ns)
			b.ended_ns = is->runs[i].ended_ns;
	}
	j = json_pack("{s:b, s:I}", "ingested", 1, "stream_line", (json_int_t)is->line);
	settings = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	b.settings_json = settings;
	b.console_log = is->console ? is->console : "";
	rc = store_boot_begin(st, &b, err);
	if (!rc)
		rc = store_boot_end(st, &b, err);
	free(settings);
	return rc;
}

static int complete_if_done(struct store *st, const char *sweep_id, struct herr *err)
{
	struct sweep_row row;
	int rc = 0;

	if (store_sweep_get(st, sweep_id, &row, err))
		return -1;
	if (strcmp(row.status, "complete") && row.done_runs >= row.planned_runs &&
	    row.done_warmups >= row.planned_warmups)
		rc = store_sweep_set_status(st, sweep_id, "complete", err);
	store_sweep_row_free(&row);
	return rc;
}

static int store_stream(struct store *st, struct ingest_stream *is, FILE *out, struct herr *err)
{
	size_t stored = 0, there = 0;
	int rc = 0;

	if (*is->sweep_id)
		rc = ensure_sweep(st, is, err);
	if (!rc && *is->boot_id)
		rc = ensure_boot(st, is, err);
	for (size_t i = 0; !rc && i < is->nruns; i++) {
		struct run_record *r = &is->runs[i];
		int has = store_has(st, STORE_RUNS, r->id, err);

		if (has < 0)
			return -1;
		if (has) {
			there++;
			continue;
		}
		snprintf(r->boot_id, sizeof(r->boot_id), "%s", is->boot_id);
		r->machine = &is->mi;
		r->kernel = &is->ki;
		rc = store_save_run(st, r, err);
		r->machine = NULL;
		r->kernel = NULL;
		stored += !rc;
	}
	if (!rc && *is->sweep_id)
		rc = complete_if_done(st, is->sweep_id, err);
	if (rc)
		return herr_wrap(err, "%s:%zu", is->file, is->line);
	fprintf(out, "%s:%zu: %zu run%s of variant %s%s%s (machine %s %s, kernel %s %s): %zu stored, "
		"%zu already there\n", is->file, is->line, is->nruns, is->nruns == 1 ? "" : "s",
		is->variant, *is->sweep_id ? ", sweep " : "", is->sweep_id, is->mi.id, is->mi.hostname,
		is->ki.id, is->ki.release, stored, there);
	return 0;
}

int ingest_store(struct store *st, struct ingest_set *set, FILE *out, struct herr *err)
{
	for (size_t i = 0; i < set->n; i++)
		if (store_stream(st, &set->v[i], out, err))
			return -1;
	return 0;
}

void ingest_free(struct ingest_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct ingest_stream *is = &set->v[i];

		for (size_t k = 0; k < is->nruns; k++)
			record_free(&is->runs[k]);
		free(is->runs);
		free(is->file);
		free(is->sweep_json);
		free(is->console);
		sysinfo_free(&is->mi, &is->ki);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
