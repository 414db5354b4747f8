#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/signals.h"

extern char **environ;

static int setup_actions(posix_spawn_file_actions_t *fa, const struct proc_spec *p, int pipe_w)
{
	int out = p->out_fd >= 0 ? p->out_fd : pipe_w;

	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(fa, out, 1);
	else
		posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
	if (p->merge_stderr && out >= 0)
		posix_spawn_file_actions_adddup2(fa, out, 2);
	else
		posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
	if (p->cwd)
		return posix_spawn_file_actions_addchdir_np(fa, p->cwd);
	return 0;
}

/* Split the child's output into lines for on_line; a line longer than the
 * buffer is delivered in pieces, which is fine for logs and progress. */
static void pump_lines(int fd, proc_line_fn fn, void *arg)
{
	char buf[8192];
	size_t n = 0;
	ssize_t got;

	while ((got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)got;
		char *start = buf, *nl;

		while ((nl = memchr(start, '\n', n - (size_t)(start - buf)))) {
			if (fn)
				fn(arg, start, (size_t)(nl - start));
			start = nl + 1;
		}
		n -= (size_t)(start - buf);
		memmove(buf, start, n);
		if (n == sizeof(buf)) {
			if (fn)
				fn(arg, buf, n);
			n = 0;
		}
	}
	if (n && fn)
		fn(arg, buf, n);
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 128;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int proc_run(const struct proc_spec *p, struct herr *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pfd[2] = { -1, -1 };
	int use_pipe = p->out_fd < 0 && p->on_line;
	pid_t pid;
	int rc;

	if (use_pipe && pipe2(pfd, O_CLOEXEC))
		return herr_errno(err, EXIT_RUNTIME, "pipe");
	rc = setup_actions(&fa, p, pfd[1]);
	posix_spawnattr_init(&attr);
	if (p->own_group) {
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	}
	if (!rc)
		rc = posix_spawnp(&pid, p->argv[0], &fa, &attr, (char *const *)p->argv,
				  p->envp ? p->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (!rc && p->own_group) {
		signals_forward_to(pid);
	}
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (rc) {
		if (pfd[0] >= 0)
			close(pfd[0]);
		errno = rc;
		return herr_errno(err, EXIT_RUNTIME, "cannot run %s", p->argv[0]);
	}
	if (use_pipe) {
		pump_lines(pfd[0], p->on_line, p->arg);
		close(pfd[0]);
	}
	rc = wait_status(pid);
	if (p->own_group)
		signals_forward_to(0);
	return rc;
}

struct capture {
	char *buf;
	size_t len;
	int oom;
};

static void capture_line(void *arg, const char *line, size_t len)
{
	struct capture *c = arg;
	char *grown = realloc(c->buf, c->len + len + 2);

	if (!grown) {
		c->oom = 1;
		return;
	}
	c->buf = grown;
	memcpy(c->buf + c->len, line, len);
	c->len += len;
	c->buf[c->len++] = '\n';
	c->buf[c->len] = '\0';
}

int proc_capture(const char *const *argv, const char *cwd, char **out, struct herr *err)
{
	struct capture c = { 0 };
	struct proc_spec p = { .argv = argv, .cwd = cwd, .out_fd = -1,
			   .on_line = capture_line, .arg = &c };
	int rc = proc_run(&p, err);

	if (rc < 0 || c.oom) {
		free(c.buf);
		*out = NULL;
		return rc < 0 ? rc : herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	if (!c.buf)
		c.buf = strdup("");
	else if (c.len)
		c.buf[c.len - 1] = '\0';
	*out = c.buf;
	return rc;
}

static int listed(const char *entry, const char *const *names, int assignments)
{
	for (; names && *names; names++) {
		size_t n = assignments ? strcspn(*names, "=") : strlen(*names);

		if (!strncmp(entry, *names, n) && entry[n] == '=')
			return 1;
	}
	return 0;
}

char **proc_env(const char *const *unset, const char *const *set)
{
	size_t n = 0, k = 0;

	for (char **e = environ; *e; e++)
		n++;
	for (const char *const *s = set; s && *s; s++)
		n++;
	char **env = calloc(n + 1, sizeof(*env));

	if (!env)
		return NULL;
	for (char **e = environ; *e; e++)
		if (!listed(*e, unset, 0) && !listed(*e, set, 1))
			env[k++] = *e;
	for (const char *const *s = set; s && *s; s++)
		env[k++] = (char *)*s;
	env[k] = NULL;
	return env;
}

int proc_on_path(const char *prog)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		return 0;
	for (const char *p = path; ; ) {
		size_t n = strcspn(p, ":");
		char buf[4096];

		if (n && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* ---- both streams apart (spawn_capture) ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_read(int fd, struct buf *b)
{
	char tmp[8192];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16384;
		char *p;

		while (ncap < b->len + (size_t)n + 1)
			ncap *= 2;
		p = realloc(b->p, ncap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->p[b->len] = '\0';
	return 1;
}

/* Read both pipes to EOF without letting either fill up and block the child. */
static void drain(int out_fd, int err_fd, struct buf *out, struct buf *errb)
{
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	int open_fds = 2;

	while (open_fds > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (!buf_read(p[i].fd, i ? errb : out)) {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
}

int spawn_capture(char *const argv[], struct spawn_result *res, struct herr *err)
{
	posix_spawn_file_actions_t fa;
	int out_pipe[2], err_pipe[2], wstatus, rc;
	struct buf out = { 0 }, errb = { 0 };
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(out_pipe, O_CLOEXEC))
		return herr_errno(err, EXIT_RUNTIME, "pipe");
	if (pipe2(err_pipe, O_CLOEXEC)) {
		close(out_pipe[0]);
		close(out_pipe[1]);
		return herr_errno(err, EXIT_RUNTIME, "pipe");
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (rc) {
		close(out_pipe[0]);
		close(err_pipe[0]);
		errno = rc;
		return herr_errno(err, EXIT_RUNTIME, "cannot run %s", argv[0]);
	}
	drain(out_pipe[0], err_pipe[0], &out, &errb);
	close(out_pipe[0]);
	close(err_pipe[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	res->exited = WIFEXITED(wstatus);
	res->status = res->exited ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
	res->out = out.p ? out.p : strdup("");
	res->out_len = out.len;
	res->err = errb.p ? errb.p : strdup("");
	res->err_len = errb.len;
	return 0;
}

void spawn_result_free(struct spawn_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

void first_line(const char *s, char *out, size_t n)
{
	size_t i = 0;

	while (s && s[i] && s[i] != '\n' && i + 1 < n) {
		out[i] = s[i];
		i++;
	}
	out[i] = '\0';
}

void proc_keep_first_line(void *arg, const char *line, size_t len)
{
	struct proc_first_line *m = arg;

	if (len && !m->line[0])
		snprintf(m->line, sizeof(m->line), "%.*s", (int)len, line);
}
