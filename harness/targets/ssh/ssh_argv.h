/* Remote commands of the ssh target. ssh hands the remote side one
 * string that the user's shell there parses; every remote command is an
 * argv turned into that string by ssh_quote_argv, the one place quoting
 * happens (unit-tested with hostile strings), never text pasted together
 * from a sweep file's values. */
#ifndef HARNESS_TARGETS_SSH_ARGV_H
#define HARNESS_TARGETS_SSH_ARGV_H

#include <stddef.h>

/* Each element in single quotes (a ' inside as '\''), separated by
 * blanks: a POSIX shell gives back exactly argv. NULL when out of memory
 * or argv is empty. Caller frees. */
char *ssh_quote_argv(const char *const *argv);

/* How to reach a machine. The options are not the user's to loosen: the
 * host key must be in known_hosts (unknown or changed keys refuse the
 * host), authentication is by key only, ~/.ssh/config is not read. */
struct ssh_dest {
	const char *user, *host, *identity, *known_hosts;
	int port;
};

/* The local argv: ssh, its options, the destination, and remote quoted
 * as one argument. Free with ssh_argv_free. NULL when out of memory. */
char **ssh_argv(const struct ssh_dest *d, const char *const *remote);
void ssh_argv_free(char **v);

#endif
