/* Running commands on a lab machine over ssh: to completion with their
 * output (ssh_exec) or as a stream (ssh_spawn, the agent's results on
 * stdout, its log on stderr). Remote commands are argvs (ssh_argv.h). */
#ifndef HARNESS_TARGETS_SSH_REMOTE_H
#define HARNESS_TARGETS_SSH_REMOTE_H

#include <sys/types.h>

#include "core/error.h"
#include "targets/ssh/ssh_argv.h"

struct ssh_result {
	int status;		/* the remote exit status; 255: ssh's own failure; -1: timed out */
	char *out, *err;	/* NUL-terminated, "" when nothing */
};

/* stdin_path: a local file for the command's stdin (NULL: /dev/null). */
int ssh_exec(const struct ssh_dest *d, const char *const *remote, const char *stdin_path,
	     unsigned timeout_s, struct ssh_result *r, struct herr *err);
void ssh_result_free(struct ssh_result *r);

/* ssh's reason for a failed connection (exit 255), from its stderr:
 * EXIT_USAGE for what the sweep file decides (the host key, the key,
 * the address), with the host's section line. Returns -1. */
int ssh_refused(const struct ssh_dest *d, const char *file, int line, const struct ssh_result *r,
		struct herr *err);
/* 1 when r says the host key was refused (unknown or changed). */
int ssh_host_key_refused(const struct ssh_result *r);

/* Start ssh with the remote command; *out_fd its stdout, *err_fd its
 * stderr. The child dies with the harness. */
int ssh_spawn(const struct ssh_dest *d, const char *const *remote, pid_t *pid, int *out_fd,
	      int *err_fd, char **command, struct herr *err);

#endif
