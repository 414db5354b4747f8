#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sweep/progress.h"

#define BAR_WIDTH 20

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void clock_text(double s, char *out, size_t n)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
	else
		snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_init(struct progress *pg, FILE *out, int quiet, size_t total, double est_s)
{
	memset(pg, 0, sizeof(*pg));
	pg->out = out;
	pg->mode = quiet ? PROGRESS_NONE : isatty(fileno(out)) ? PROGRESS_BAR : PROGRESS_LOG;
	pg->total = total;
	pg->est_left = est_s;
	pg->t0 = now_s();
}

double progress_eta(const struct progress *pg)
{
	/* Scale what is left by how long the finished runs really took
	 * against their estimates: a machine slower than the history shows
	 * it after a few runs. */
	double scale = pg->done_est > 0 && pg->done_real > 0 ? pg->done_real / pg->done_est : 1;

	return pg->est_left * scale;
}

static int term_width(FILE *out)
{
	struct winsize ws;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void draw(struct progress *pg)
{
	char line[1024], el[32], eta[32], bar[BAR_WIDTH + 1];
	size_t fill = pg->total ? pg->done * BAR_WIDTH / pg->total : BAR_WIDTH;
	int width = term_width(pg->out);

	for (size_t i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	clock_text(now_s() - pg->t0, el, sizeof(el));
	clock_text(progress_eta(pg), eta, sizeof(eta));
	/* Times first: a narrow terminal cuts the end of the cell's name. */
	snprintf(line, sizeof(line), "[%s] %zu/%zu  %s elapsed  ETA %s  %s", bar, pg->done, pg->total,
		 el, eta, pg->current);
	if ((int)strlen(line) > width - 1)
		line[width - 1] = '\0';
	/* \r and erase-to-end: the line is redrawn in place. */
	fprintf(pg->out, "\r%s\033[K", line);
	fflush(pg->out);
	pg->drawn = 1;
}

static void clear(struct progress *pg)
{
	if (pg->drawn) {
		fprintf(pg->out, "\r\033[K");
		pg->drawn = 0;
	}
}

void progress_start(struct progress *pg, const char *what, int rep, int reps, int warmup)
{
	snprintf(pg->current, sizeof(pg->current), "%s %d/%d: %s", warmup ? "warm-up" : "rep", rep,
		 reps, what);
	if (pg->mode == PROGRESS_BAR)
		draw(pg);
}

void progress_done(struct progress *pg, const char *status, const char *reason, double est_s,
		   double real_s)
{
	char el[32], eta[32];

	pg->done++;
	pg->est_left -= est_s;
	if (pg->est_left < 0)
		pg->est_left = 0;
	pg->done_est += est_s;
	pg->done_real += real_s;
	if (pg->mode == PROGRESS_NONE)
		return;
	if (pg->mode == PROGRESS_BAR) {
		if (strcmp(status, "ok")) {
			clear(pg);
			fprintf(pg->out, "harness: %s: %s: %s\n", pg->current, status, reason);
		}
		draw(pg);
		return;
	}
	clock_text(now_s() - pg->t0, el, sizeof(el));
	clock_text(progress_eta(pg), eta, sizeof(eta));
	fprintf(pg->out, "harness: [%zu/%zu] %s: %s%s%s (%.1f s; elapsed %s, ETA %s)\n", pg->done,
		pg->total, pg->current, status, *reason ? ": " : "", reason, real_s, el, eta);
	fflush(pg->out);
}

void progress_note(struct progress *pg, const char *fmt, ...)
{
	va_list ap;

	if (pg->mode == PROGRESS_NONE)
		return;
	clear(pg);
	fputs("harness: ", pg->out);
	va_start(ap, fmt);
	vfprintf(pg->out, fmt, ap);
	va_end(ap);
	fputc('\n', pg->out);
	fflush(pg->out);
}

void progress_end(struct progress *pg)
{
	if (pg->mode == PROGRESS_BAR && pg->drawn) {
		fputc('\n', pg->out);
		pg->drawn = 0;
	}
}
