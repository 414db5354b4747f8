/* What the agent does for a controller that reaches a lab machine over
 * ssh (targets/ssh/) besides running a plan: say which kernel runs here,
 * load a variant's kernel with kexec_file_load(2) and switch to it, and
 * hold the agent's lock so that a plan left running by a lost connection
 * never overlaps the one that retries it. */
#ifndef HARNESS_AGENT_LAB_H
#define HARNESS_AGENT_LAB_H

#include <stdio.h>

#include "core/error.h"

/* One JSON object on out: release, version, machine, page_size, cmdline,
 * boot_id (/proc/sys/kernel/random/boot_id: a fresh one after every boot
 * or kexec). */
int agent_whoami(FILE *out, struct herr *err);
/* Load image (and initrd; NULL: none) with cmdline, then switch to it
 * about a second after returning 0, from a child of its own session, so
 * the controller reads the answer before the connection drops. */
int agent_kexec(const char *image, const char *initrd, const char *cmdline, FILE *log,
		struct herr *err);
/* Take the lock file at path (created); an agent holding it is sent
 * SIGTERM and waited for up to wait_s seconds. The fd stays open (and
 * the lock held) until the process ends. */
int agent_lock(const char *path, unsigned wait_s, struct herr *err);

#endif
