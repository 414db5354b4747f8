/* The qemu target's command-line options, shared by `harness run
 * --target qemu` and `harness sweep` (its sweep file may set the same in
 * [qemu]; the command line wins). */
#ifndef HARNESS_TARGET_QEMU_CLI_H
#define HARNESS_TARGET_QEMU_CLI_H

#include "cli.h"
#include "target/qemu.h"
#include "target/qemu_run.h"

#define QEMU_OPTS \
	{ "qemu-cpu", 0, OPT_STRING, "MODEL", "neoverse-n1", "qemu: CPU model (-cpu); neoverse-n1 has a PMU libpfm4 knows" }, \
	{ "qemu-mem", 0, OPT_STRING, "SIZE", "3G", "qemu: guest memory (-m); 3G lets the 64k kernel find a free 512 MiB PMD folio" }, \
	{ "qemu-smp", 0, OPT_INT, "N", "2", "qemu: guest CPUs (-smp, 1 to 8)" }, \
	{ "scratch-fs", 0, OPT_STRING, "FS", "ext4", "qemu: file system of the scratch disk at /mnt/scratch: ext4, xfs or none" }, \
	{ "boot-timeout", 0, OPT_INT, "S", "60", "qemu: a guest whose agent has not said hello after S seconds fails" }, \
	{ "keep-boot", 0, OPT_FLAG, NULL, NULL, "qemu: keep each boot's directory (initrd, disk image) and say where" }

/* Fill o from the options above (and --quiet when the command has it). */
void qemu_cli_opts(const struct cmd_ctx *ctx, struct qemu_opts *o);
/* qemu_cli_opts, then: on target qemu (qemu != 0) the values checked
 * (qemu_check_opts), elsewhere EXIT_USAGE when any of them was given.
 * WHAT starts the message ("run", "sweep FILE"). */
int qemu_cli_check(const struct cmd_ctx *ctx, int qemu, const char *what, struct qemu_opts *o,
		   struct herr *err);

#endif
