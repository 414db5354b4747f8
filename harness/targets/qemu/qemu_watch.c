/* Following one boot: the console (log and panic capture), QEMU's own
 * stderr, and the agent's framed stream, with the boot and hang clocks. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/signals.h"
#include "core/record_json.h"
#include "core/runner.h"
#include "core/stream.h"
#include "targets/qemu/qemu_int.h"

#define CONSOLE_MAX (16u << 20)
#define NS 1000000000LL
/* A guest agent may send a run record with many samples in one line. */
#define RESULT_MAX_LINE (256u << 20)

struct watch {
	const struct qemu_opts *o;
	const struct qemu_kernel *k;
	const struct boot_plan *plan;
	struct qemu_child *c;
	struct qemu_boot *b;
	qemu_run_fn fn;
	void *user;
	struct stream s;
	char fail[512];			/* the first reason the boot failed */
	int host_failed;		/* the callback failed: err holds why */
	struct herr *err;
	char agent_error[400];
	char panic[300];
	int64_t panic_at, last_msg, trailer_at, exited_at, killed_at;
	int current;			/* cell in progress, -1 before the first */
	int exited, wstatus;
	char qemu_err[2048];
	size_t qemu_err_len;
	size_t con_cap;
};

static void set_fail(struct watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fail(struct watch *w, const char *fmt, ...)
{
	va_list ap;

	if (w->fail[0])
		return;	/* the first reason is the cause; the rest follow from it */
	va_start(ap, fmt);
	vsnprintf(w->fail, sizeof(w->fail), fmt, ap);
	va_end(ap);
}

static double since_start(const struct watch *w)
{
	return (double)(qemu_now_ns() - w->c->t0) / 1e9;
}

/* ---- the agent's messages ---- */

static int has_console(const json_t *consoles)
{
	size_t i;
	json_t *v;

	json_array_foreach(consoles, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), QEMU_CONSOLE))
			return 1;
	return 0;
}

static void consoles_text(const json_t *consoles, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(consoles, i, v)
		if (json_is_string(v) && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						json_string_value(v));
	if (!out[0])
		snprintf(out, n, "none");
}

/* Nothing is accepted from a kernel other than the variant's build. */
static int check_hello(struct watch *w, json_t *msg, struct herr *err)
{
	json_t *cons = json_object_get(msg, "consoles");
	char list[200];

	if (json_integer_value(json_object_get(msg, "protocol")) != BOOTPLAN_PROTOCOL)
		set_fail(w, "the guest's agent speaks protocol %lld, the controller %d: rebuild the "
			 "arm64 guest build", (long long)json_integer_value(json_object_get(msg, "protocol")),
			 BOOTPLAN_PROTOCOL);
	else if (sysinfo_from_json(msg, &w->b->mi, &w->b->ki, err)) {
		sysinfo_free(&w->b->mi, &w->b->ki);
		set_fail(w, "hello: %s", err->msg);
	} else if ((w->b->hello = 1) && w->k->release[0] && strcmp(w->b->ki.release, w->k->release))
		set_fail(w, "the guest booted kernel %s, but the variant's build is %s",
			 w->b->ki.release, w->k->release);
	else if (w->k->page_size && w->b->ki.page_size != w->k->page_size)
		set_fail(w, "the guest kernel has %ld-byte pages, but the variant was built with %ld",
			 w->b->ki.page_size, w->k->page_size);
	else if (w->k->expect_cmdline && strcmp(w->b->ki.cmdline ? w->b->ki.cmdline : "",
						 w->k->expect_cmdline))
		set_fail(w, "the machine runs with command line '%s', but the variant's is '%s'",
			 w->b->ki.cmdline ? w->b->ki.cmdline : "", w->k->expect_cmdline);
	else if (!w->o->any_console && !has_console(cons)) {
		consoles_text(cons, list, sizeof(list));
		set_fail(w, "the guest's console is not " QEMU_CONSOLE " (consoles: %s; command line: %s): "
			 "its kernel messages, panics and console log would be lost",
			 list, w->b->append);
	}
	if (w->fail[0])
		return herr_set(err, EXIT_RUNTIME, "%s", w->fail);
	/* The guest knows its release, not the tree it came from. */
	sysinfo_kernel_source(&w->b->ki, w->k->source);
	w->b->hello_s = since_start(w);
	bootmem_from_json(json_object_get(msg, "memory"), &w->b->mem);
	if (w->o->progress)
		fprintf(w->o->progress, "harness: %s: %s up in %.2f s (kernel %s, %ld-byte pages)\n",
			w->plan->target, w->plan->variant, w->b->hello_s, w->b->ki.release,
			w->b->ki.page_size);
	return 0;
}

static int on_run(struct watch *w, json_t *msg, struct herr *err)
{
	json_t *index = json_object_get(msg, "index");
	json_int_t i = json_integer_value(index);
	json_t *rec = json_object_get(msg, "record");
	struct run_record r;
	int rc;

	/* A non-integer index reads as 0: refuse it rather than file it there. */
	if (!json_is_integer(index) || !json_is_object(rec))
		return herr_set(err, EXIT_RUNTIME, "result stream: run message without an integer "
				"index and a record object");
	if (!w->b->hello || i < 0 || (size_t)i >= w->plan->ncells || w->b->got[i])
		return herr_set(err, EXIT_RUNTIME, "result stream: run for cell %lld out of place",
				(long long)i);
	record_init(&r);
	rc = record_from_json(rec, &r, err);
	if (!rc && strcmp(r.id, w->plan->cells[i].id))
		rc = herr_set(err, EXIT_RUNTIME, "result stream: cell %lld's run has id %s, not %s",
			      (long long)i, r.id, w->plan->cells[i].id);
	if (rc) {
		record_free(&r);
		return -1;
	}
	r.machine = &w->b->mi;
	r.kernel = &w->b->ki;
	w->b->got[i] = 1;
	w->b->nruns++;
	if (w->fn(w->user, (size_t)i, &r, w->err)) {
		w->host_failed = 1;
		r.machine = NULL;
		r.kernel = NULL;
		record_free(&r);
		return herr_set(err, EXIT_RUNTIME, "%s", w->err->msg);
	}
	r.machine = NULL;
	r.kernel = NULL;
	record_free(&r);
	return 0;
}

static int on_msg(void *user, const char *type, json_t *msg, struct herr *err)
{
	struct watch *w = user;

	w->last_msg = qemu_now_ns();
	if (!strcmp(type, "hello"))
		return check_hello(w, msg, err);
	if (!w->b->hello)
		return herr_set(err, EXIT_RUNTIME, "result stream: %s before hello", type);
	if (!strcmp(type, "cell")) {
		json_int_t i = json_integer_value(json_object_get(msg, "index"));

		/* Only names the cell a later hang or panic is blamed on. */
		w->current = i >= 0 && (size_t)i < w->plan->ncells ? (int)i : -1;
		if (w->b->first_cell_s < 0)
			w->b->first_cell_s = since_start(w);
		return 0;
	}
	if (!strcmp(type, "run"))
		return on_run(w, msg, err);
	if (!strcmp(type, "error")) {
		const char *why = json_string_value(json_object_get(msg, "reason"));

		snprintf(w->agent_error, sizeof(w->agent_error), "%s", why ? why : "no reason given");
	}
	return 0;
}

/* ---- reading ---- */

int qemu_find_panic(const char *text, size_t len, char *out, size_t n)
{
	const char *p = memmem(text, len, "Kernel panic", 12), *eol;

	if (!p)
		return 0;
	eol = memchr(p, '\n', len - (size_t)(p - text));
	snprintf(out, n, "%.*s", (int)((eol ? eol : text + len) - p), p);
	out[strcspn(out, "\r")] = '\0';
	return 1;
}

static void scan_panic(struct watch *w, size_t from)
{
	size_t start = from > 64 ? from - 64 : 0;

	if (w->panic[0] || !qemu_find_panic(w->b->console + start, w->b->console_len - start,
					    w->panic, sizeof(w->panic)))
		return;
	w->panic_at = qemu_now_ns();
	/* The line may still be arriving: verdict() reads it again whole. */
}

static void add_console(struct watch *w, const char *buf, size_t n)
{
	size_t from = w->b->console_len;

	if (w->b->console_len + n + 1 > w->con_cap) {
		size_t cap = w->con_cap ? w->con_cap * 2 : 65536;
		char *g;

		while (cap < w->b->console_len + n + 1)
			cap *= 2;
		if (cap > CONSOLE_MAX + 1 || !(g = realloc(w->b->console, cap)))
			return;	/* the log keeps its first 16 MiB */
		w->b->console = g;
		w->con_cap = cap;
	}
	memcpy(w->b->console + w->b->console_len, buf, n);
	w->b->console_len += n;
	w->b->console[w->b->console_len] = '\0';
	scan_panic(w, from);
}

static void on_result_data(struct watch *w, const char *buf, size_t n)
{
	struct herr e = { 0 };

	if (w->fail[0] || w->host_failed)
		return;
	if (stream_feed(&w->s, buf, n, &e)) {
		if (!w->host_failed)
			set_fail(w, "%s", e.msg);
		return;
	}
	if (w->s.done && !w->trailer_at) {
		w->trailer_at = qemu_now_ns();
		/* The receipt the agent waits for before powering off. */
		if (write(w->c->res_fd, "A", 1) < 0)
			return;
	}
}

/* Read what is there; -1 at EOF (the fd is closed then). */
static void drain(struct watch *w, int *fd, int which)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (which == 0) {
		on_result_data(w, buf, (size_t)n);
	} else if (which == 1) {
		add_console(w, buf, (size_t)n);
	} else {
		size_t room = sizeof(w->qemu_err) - 1 - w->qemu_err_len;

		if ((size_t)n > room)
			n = (ssize_t)room;
		memcpy(w->qemu_err + w->qemu_err_len, buf, (size_t)n);
		w->qemu_err_len += (size_t)n;
		w->qemu_err[w->qemu_err_len] = '\0';
	}
}

static void accept_port(struct watch *w)
{
	int fd = accept4(w->c->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	w->c->res_fd = fd;
	close(w->c->listen_fd);
	w->c->listen_fd = -1;
}

/* ---- clocks ---- */

static int64_t cell_limit_ns(const struct watch *w)
{
	unsigned t = 0;

	if (w->current >= 0 && (size_t)w->current < w->plan->ncells)
		t = w->plan->cells[w->current].timeout_s;
	/* The agent's runner kills a workload at its timeout; the grace
	 * covers storing samples and the emulator's slowness. */
	if (t)
		return ((int64_t)t + 30 + t / 10) * NS;
	return (int64_t)(w->o->hang_timeout_s ? w->o->hang_timeout_s : 1800) * NS;
}

static void kill_qemu(struct watch *w)
{
	if (!w->exited && !w->killed_at) {
		kill(w->c->pid, SIGKILL);
		w->killed_at = qemu_now_ns();
	}
}

static void check_clocks(struct watch *w, int64_t now)
{
	unsigned boot = w->o->boot_timeout_s ? w->o->boot_timeout_s : 60;

	if (w->fail[0] || w->host_failed)
		kill_qemu(w);
	else if (w->panic[0] && now - w->panic_at > 5 * NS)
		kill_qemu(w);	/* panic=-1 should have ended QEMU by now */
	else if (!w->b->hello && !w->panic[0] && now - w->c->t0 > (int64_t)boot * NS) {
		set_fail(w, "boot timeout: no hello from the guest's agent within %u s", boot);
		kill_qemu(w);
	} else if (w->b->hello && !w->trailer_at && !w->panic[0] && now - w->last_msg > cell_limit_ns(w)) {
		set_fail(w, "hang: no message from the guest for %lld s while %s",
			 (long long)(cell_limit_ns(w) / NS),
			 w->current >= 0 ? "a cell ran" : "it prepared the first cell");
		kill_qemu(w);
	} else if (w->trailer_at && now - w->trailer_at > 10 * NS) {
		kill_qemu(w);	/* the results are in; the guest would not power off */
	}
}

static void reap(struct watch *w)
{
	if (!w->exited && waitpid(w->c->pid, &w->wstatus, WNOHANG) == w->c->pid) {
		w->exited = 1;
		w->exited_at = qemu_now_ns();
		w->c->pid = 0;
	}
}

static int loop_done(const struct watch *w, int64_t now)
{
	if (!w->exited)
		return 0;
	/* After exit, read what the pipes still hold, briefly. */
	return (w->c->res_fd < 0 && w->c->con_fd < 0 && w->c->err_fd < 0) ||
	       now - w->exited_at > NS;
}

static int loop(struct watch *w)
{
	for (;;) {
		struct pollfd p[4] = {
			{ w->c->listen_fd, POLLIN, 0 }, { w->c->res_fd, POLLIN, 0 },
			{ w->c->con_fd, POLLIN, 0 }, { w->c->err_fd, POLLIN, 0 },
		};
		int64_t now = qemu_now_ns();

		if (signals_caught()) {
			kill_qemu(w);
			return herr_set(w->err, EXIT_RUNTIME, "interrupted by signal %d; the boot in "
					"progress was stopped", signals_caught());
		}
		reap(w);
		if (loop_done(w, now))
			return 0;
		check_clocks(w, now);
		if (poll(p, 4, 100) < 0 && errno != EINTR)
			return herr_errno(w->err, EXIT_RUNTIME, "poll");
		if (p[0].revents)
			accept_port(w);
		if (p[1].revents)
			drain(w, &w->c->res_fd, 0);
		if (p[2].revents)
			drain(w, &w->c->con_fd, 1);
		if (p[3].revents)
			drain(w, &w->c->err_fd, 2);
	}
}

/* ---- the verdict ---- */

static void first_line_of(const char *s, char *out, size_t n)
{
	s += strspn(s, " \n");
	snprintf(out, n, "%.*s", (int)strcspn(s, "\n"), s);
}

static void verdict(struct watch *w)
{
	struct qemu_boot *b = w->b;
	struct herr e = { 0 };
	char line[300];

	if (w->panic[0] && b->console)
		qemu_find_panic(b->console, b->console_len, w->panic, sizeof(w->panic));
	if (!w->fail[0] && w->panic[0])
		set_fail(w, "guest kernel panic%s: %s", b->hello ? "" : " before the agent started",
			 w->panic);
	if (!w->fail[0] && w->agent_error[0])
		set_fail(w, "agent: %s", w->agent_error);
	if (!w->fail[0] && w->exited && !b->hello && w->qemu_err_len &&
	    (!WIFEXITED(w->wstatus) || WEXITSTATUS(w->wstatus))) {
		first_line_of(w->qemu_err, line, sizeof(line));
		set_fail(w, "QEMU failed (exit %d): %s", WIFEXITED(w->wstatus) ? WEXITSTATUS(w->wstatus) : -1,
			 line);
	}
	if (!w->fail[0] && !b->hello)
		set_fail(w, "the guest stopped before its agent said hello");
	if (!w->fail[0] && stream_finish(&w->s, &e))
		set_fail(w, "%s (the guest stopped during cell %d)", e.msg, w->current);
	if (w->fail[0]) {
		snprintf(b->status, sizeof(b->status), "failed");
		snprintf(b->reason, sizeof(b->reason), "%s", w->fail);
	} else {
		snprintf(b->status, sizeof(b->status), "ok");
	}
	if (!b->console)
		b->console = strdup("");
}

int qemu_watch(const struct qemu_opts *o, const struct qemu_kernel *k,
	       const struct boot_plan *plan, struct qemu_child *c, qemu_run_fn fn, void *user,
	       struct qemu_boot *b, struct herr *err)
{
	struct watch w = { .o = o, .k = k, .plan = plan, .c = c, .b = b, .fn = fn, .user = user,
			   .err = err, .current = -1 };
	int rc;

	stream_init(&w.s, on_msg, &w);
	w.s.max_line = RESULT_MAX_LINE;
	w.last_msg = qemu_now_ns();
	rc = loop(&w);
	if (!rc && w.host_failed)
		rc = -1;
	if (!rc)
		verdict(&w);
	stream_free(&w.s);
	return rc;
}
