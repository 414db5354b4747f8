#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "targets/ssh/ssh_remote.h"

#define OUT_MAX (4u << 20)

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fork+exec: the child must die with us (PR_SET_PDEATHSIG). */
static pid_t start(char **argv, int in_fd, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_DFL);
		dup2(in_fd, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int ssh_spawn(const struct ssh_dest *d, const char *const *remote, pid_t *pid, int *out_fd,
	      int *err_fd, char **command, struct herr *err)
{
	char **argv = ssh_argv(d, remote);
	int o[2] = { -1, -1 }, e[2] = { -1, -1 }, in = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (!argv || in < 0 || pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC)) {
		int rc = argv ? herr_errno(err, EXIT_RUNTIME, "ssh: pipe") : herr_set(err, EXIT_RUNTIME,
										    "out of memory");
		int fds[] = { in, o[0], o[1], e[0], e[1] };

		for (size_t i = 0; i < 5; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		ssh_argv_free(argv);
		return rc;
	}
	if (command)
		*command = ssh_quote_argv(remote);
	*pid = start(argv, in, o[1], e[1]);
	close(in);
	close(o[1]);
	close(e[1]);
	ssh_argv_free(argv);
	if (*pid < 0) {
		close(o[0]);
		close(e[0]);
		return herr_errno(err, EXIT_RUNTIME, "fork");
	}
	*out_fd = o[0];
	*err_fd = e[0];
	return 0;
}

struct collect {
	char *buf;
	size_t len, cap;
};

static void keep(struct collect *c, const char *b, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		char *g;

		while (cap < c->len + n + 1)
			cap *= 2;
		if (cap > OUT_MAX || !(g = realloc(c->buf, cap)))
			return;
		c->buf = g;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, b, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static void drain(int *fd, struct collect *c)
{
	char b[8192];
	ssize_t n = read(*fd, b, sizeof(b));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	keep(c, b, (size_t)n);
}

int ssh_exec(const struct ssh_dest *d, const char *const *remote, const char *stdin_path,
	     unsigned timeout_s, struct ssh_result *r, struct herr *err)
{
	char **argv = ssh_argv(d, remote);
	int o[2] = { -1, -1 }, e[2] = { -1, -1 }, in, ws = 0, killed = 0;
	struct collect co = { 0 }, ce = { 0 };
	int64_t t0 = mono_ms();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!argv)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ssh_argv_free(argv);
		return herr_errno(err, EXIT_RUNTIME, "cannot read %s", stdin_path);
	}
	if (pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC)) {
		close(in);
		ssh_argv_free(argv);
		return herr_errno(err, EXIT_RUNTIME, "ssh: pipe");
	}
	pid = start(argv, in, o[1], e[1]);
	close(in);
	close(o[1]);
	close(e[1]);
	ssh_argv_free(argv);
	if (pid < 0) {
		close(o[0]);
		close(e[0]);
		return herr_errno(err, EXIT_RUNTIME, "fork");
	}
	while (o[0] >= 0 || e[0] >= 0) {
		struct pollfd p[2] = { { o[0], POLLIN, 0 }, { e[0], POLLIN, 0 } };

		if (!killed && timeout_s && mono_ms() - t0 > (int64_t)timeout_s * 1000) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (poll(p, 2, 200) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			drain(&o[0], &co);
		if (p[1].revents)
			drain(&e[0], &ce);
	}
	if (o[0] >= 0)
		close(o[0]);
	if (e[0] >= 0)
		close(e[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	r->status = killed ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 255;
	r->out = co.buf ? co.buf : strdup("");
	r->err = ce.buf ? ce.buf : strdup("");
	if (!r->out || !r->err) {
		ssh_result_free(r);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

void ssh_result_free(struct ssh_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

int ssh_host_key_refused(const struct ssh_result *r)
{
	return r->status == 255 && r->err &&
	       (strstr(r->err, "Host key verification failed") ||
		strstr(r->err, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
		strstr(r->err, "No ED25519 host key is known") || strstr(r->err, "host key is known"));
}

static void last_line(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	size_t b = len;

	while (b && s[b - 1] != '\n')
		b--;
	snprintf(out, n, "%.*s", (int)(len - b), s + b);
}

int ssh_refused(const struct ssh_dest *d, const char *file, int line, const struct ssh_result *r,
		struct herr *err)
{
	char why[400];

	last_line(r->err ? r->err : "", why, sizeof(why));
	if (ssh_host_key_refused(r))
		return herr_set(err, EXIT_USAGE, "%s:%d: %s@%s port %d: host key refused: it is not the one "
				"%s holds for this host (unknown or changed): %s", file, line, d->user, d->host,
				d->port ? d->port : 22, d->known_hosts, why);
	if (r->status == -1)
		return herr_set(err, EXIT_USAGE, "%s:%d: %s@%s port %d: no answer (timed out)", file, line,
				d->user, d->host, d->port ? d->port : 22);
	return herr_set(err, EXIT_USAGE, "%s:%d: %s@%s port %d: cannot log in: %s", file, line, d->user,
			d->host, d->port ? d->port : 22, *why ? why : "ssh failed without a message");
}
