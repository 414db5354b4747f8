#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subproc.h"

extern char **environ;

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
