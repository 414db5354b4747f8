/* Internal to the qemu controller: the boot directory and the QEMU child,
 * shared by qemu.c (preparing and starting a boot) and qemu_watch.c
 * (following it). */
#ifndef HARNESS_TARGET_QEMU_INT_H
#define HARNESS_TARGET_QEMU_INT_H

#include <sys/types.h>

#include "targets/qemu/qemu.h"

struct boot_dir {
	char path[200];		/* mkdtemp directory */
	char initrd[256];	/* bundle + plan archive */
	char scratch[256];	/* raw disk image, "" without one */
	char sock[256];		/* the results port's socket (QEMU connects) */
};

struct qemu_child {
	pid_t pid;
	int listen_fd;		/* until QEMU connects */
	int res_fd;		/* the results port */
	int con_fd;		/* QEMU's stdout: the guest console */
	int err_fd;		/* QEMU's stderr: its own complaints */
	int64_t t0;		/* CLOCK_MONOTONIC at start */
};

/* Follow a started boot to its end (qemu_watch.c). */
int qemu_watch(const struct qemu_opts *o, const struct qemu_kernel *k,
	       const struct boot_plan *plan, struct qemu_child *c, qemu_run_fn fn, void *user,
	       struct qemu_boot *b, struct herr *err);
int64_t qemu_now_ns(void);

#endif
