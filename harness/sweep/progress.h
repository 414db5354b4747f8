/* Progress of a sweep on stderr: on a terminal one line redrawn in place
 * (bar, current cell, repetition, elapsed, ETA); otherwise one log line
 * per run; nothing with -q. */
#ifndef HARNESS_SWEEP_PROGRESS_H
#define HARNESS_SWEEP_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

enum progress_mode { PROGRESS_NONE, PROGRESS_LOG, PROGRESS_BAR };

struct progress {
	enum progress_mode mode;
	FILE *out;
	size_t total, done;	/* runs this invocation makes */
	double t0;		/* monotonic seconds at start */
	double est_left;	/* estimate of the runs not yet made */
	double done_real;	/* time the finished runs took */
	double done_est;	/* what they were estimated to take */
	int drawn;		/* a bar line is on the screen */
	char current[512];	/* what runs now, for redraws */
};

/* quiet: nothing; else a bar when out is a terminal, log lines when not. */
void progress_init(struct progress *pg, FILE *out, int quiet, size_t total, double est_s);
/* A run starts: what = "thp-never gups size=64m", rep/reps 1-based. */
void progress_start(struct progress *pg, const char *what, int rep, int reps, int warmup);
/* It ended, with its status ("ok"/"failed"), reason and estimate. */
void progress_done(struct progress *pg, const char *status, const char *reason, double est_s,
		   double real_s);
/* A message between runs (clears the bar first). */
void progress_note(struct progress *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_end(struct progress *pg);
/* Seconds of the remaining runs, corrected by how the estimates fared. */
double progress_eta(const struct progress *pg);

#endif
