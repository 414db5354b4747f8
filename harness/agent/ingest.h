/* Runs back from anywhere: the agent's framed result streams found in
 * files (a LAVA job log, a saved `harness agent` output, a console
 * capture), each checked as the qemu controller checks a live one
 * (core/stream.c: seq without gaps, trailer count and CRC-32) and read
 * whole before anything is stored, then stored once: a run whose id is
 * there already is left alone, so ingesting a log twice adds nothing. */
#ifndef HARNESS_AGENT_INGEST_H
#define HARNESS_AGENT_INGEST_H

#include <stdio.h>

#include "core/error.h"
#include "core/record.h"
#include "measure/sysinfo.h"
#include "store/store.h"

struct ingest_stream {
	char *file;
	size_t line;			/* where its hello is */
	struct machine_info mi;
	struct kernel_info ki;
	char variant[64], target[16], sweep_id[37], boot_id[37];
	char *sweep_json;		/* the sweep's row, when the plan carried it */
	struct run_record *runs;
	size_t nruns;
	char *console;			/* the file's other lines while the stream ran */
	size_t console_len;
};

struct ingest_set {
	struct ingest_stream *v;
	size_t n;
};

/* Every stream in path, appended to set. EXIT_USAGE naming the file and
 * line: unreadable, no stream, a stream cut short or damaged (the reason as
 * core/stream.c gives it), a run record that does not parse. */
int ingest_read(const char *path, struct ingest_set *set, struct herr *err);
/* Store them: the sweep row (from the stream) and the boot where missing,
 * then each run not yet stored; a sweep with every planned run stored is
 * marked complete. A line per stream on out. */
int ingest_store(struct store *st, struct ingest_set *set, FILE *out, struct herr *err);
void ingest_free(struct ingest_set *set);

#endif
