/* The machines of an ssh sweep: its [host NAME] sections, checked (every
 * error names file:line and the value, EXIT_USAGE). docs/lab.md lists
 * the keys. */
#ifndef HARNESS_TARGETS_SSH_HOST_H
#define HARNESS_TARGETS_SSH_HOST_H

#include <stddef.h>

#include "core/error.h"
#include "sweep/plan.h"
#include "targets/ssh/ssh_argv.h"

enum ssh_switch { SSH_SWITCH_KEXEC, SSH_SWITCH_REBOOT };

struct ssh_host {
	const char *name;	/* the section's (strings point into the spec) */
	int line;
	struct ssh_dest dest;
	const char *dir;	/* the agent's directory on the machine */
	enum ssh_switch sw;
	char **reboot;		/* remote argv; {kernel} {initrd} {cmdline} filled in */
	char **power;		/* local argv: power-cycles the machine */
	const char *initrd;	/* local file installed with every kernel; NULL: none */
	const char *cmdline;	/* the machine's own words before the variant's */
	unsigned boot_timeout_s;
	unsigned retries;
	char **variants;	/* the variants it runs; NULL: those no other host names */
	int known_hosts_line, power_line;
};

/* Parse and check every [host] section; at least one. */
int ssh_hosts_parse(const struct sweep_spec *s, struct ssh_host **hosts, size_t *n,
		    struct herr *err);
void ssh_hosts_free(struct ssh_host *hosts, size_t n);
/* The host that runs variant v (an index into hosts). */
size_t ssh_host_of(const struct ssh_host *hosts, size_t n, const char *variant);

#endif
