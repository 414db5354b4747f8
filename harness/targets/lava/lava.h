/* LAVA (docs/lava.md): a sweep of kernel variants exported as LAVA job
 * definitions, one job per variant, each booting the variant's kernel with
 * the guest bundle and a boot plan whose agent writes the framed result
 * stream on the console, so that the job's log carries it whole (`harness
 * ingest` reads it back) and every metric as a lava-test-case line LAVA
 * records. LAVA runs the jobs; the harness makes them and takes back what
 * they produce. */
#ifndef HARNESS_TARGETS_LAVA_H
#define HARNESS_TARGETS_LAVA_H

#include <stdio.h>

#include "core/error.h"
#include "sweep/plan.h"
#include "targets/qemu/qemu.h"

enum lava_device {
	LAVA_QEMU,		/* device type qemu: arm64 virt, the lab's emulator */
	LAVA_BOARD,		/* a real arm64 board: tftp + u-boot (template) */
};

struct lava_export_opts {
	const char *dir;		/* where the jobs go (created) */
	enum lava_device device;
	const char *url;		/* where dir is served; NULL: file:// of dir */
	const char *device_type;	/* LAVA device type of a board; NULL: a placeholder */
	struct qemu_opts qemu;		/* cpu, mem, smp, scratch file system */
	FILE *progress;			/* kernel/bundle lines; NULL quiet */
};

/* Write dir/VARIANT/{job.yaml, Image, initrd.cpio[, scratch.img]} for every
 * variant of the plan not skipped, and dir/device-qemu.yaml (the device
 * dictionary lava-run needs for a qemu job). Each job's path is printed on
 * out. EXIT_USAGE: the sweep's target does not boot kernels, dir cannot be
 * written (nothing is created then). */
int lava_export(struct sweep_plan *p, const struct lava_export_opts *o, FILE *out,
		struct herr *err);

/* What the agent says on the console around its stream in a LAVA job:
 * the start and end strings of the job's monitors test action. */
#define LAVA_START_MARK "harness-agent: lava: start"
#define LAVA_END_MARK "harness-agent: lava: end"

#endif
