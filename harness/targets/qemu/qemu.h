/* The qemu target's controller: boots one arm64 kernel in
 * qemu-system-aarch64 (-M virt, TCG) with the guest bundle and a boot
 * plan, reads the agent's framed stream from a virtio-serial port, and
 * hands each complete run record to a callback. The console goes to a log
 * kept with the boot, never mixed with results.
 *
 * Guest failures are results, not errors: no hello within the boot
 * timeout, no message within a cell's time (hang), "Kernel panic" on the
 * console, a kernel whose release or page size is not the variant's, a
 * console that is not the one captured, a stream cut short, a QEMU that
 * will not start — each ends the boot with status "failed" and a reason;
 * the runs already received stay valid, the rest are the caller's to
 * mark failed. qemu_boot_plan returns -1 only when the host side fails
 * (files, sockets, the callback, an interrupt). */
#ifndef HARNESS_TARGET_QEMU_H
#define HARNESS_TARGET_QEMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "measure/bootmem.h"
#include "measure/sysinfo.h"
#include "core/record.h"
#include "agent/bootplan.h"

#define QEMU_CONSOLE "ttyAMA0"
/* The scratch disk's -drive (a printf format for its file) and -device
 * values: the guest finds it by its serial, "scratch", not by probe order
 * (so tree disks can sit beside it). cache=unsafe: the disk is thrown
 * away after the boot, and host flushes would only add noise to the
 * guest's I/O. The qemu target and a LAVA job both boot with these. */
#define QEMU_SCRATCH_DRIVE "file=%s,format=raw,if=none,id=scratch,cache=unsafe"
#define QEMU_SCRATCH_DEVICE "virtio-blk-device,drive=scratch,serial=scratch"

struct qemu_opts {
	const char *qemu;		/* program; NULL: qemu-system-aarch64 */
	const char *cpu;		/* -cpu; NULL: neoverse-n1 (libpfm4 knows its PMU) */
	const char *mem;		/* -m; NULL: 3G */
	int smp;			/* -smp; 0: 2 */
	unsigned boot_timeout_s;	/* no hello within this: failed; 0: 60 */
	unsigned hang_timeout_s;	/* a cell without its own timeout; 0: 1800 */
	const char *scratch_fs;		/* ext4, xfs or none; NULL: ext4 */
	const char *scratch_size;	/* NULL: 1G (sparse) */
	const char *tree_max;		/* largest tree disk; NULL: TREEDISK_MAX_DEFAULT */
	int keep;			/* keep the boot directory (initrd, disk, console) */
	int any_console;		/* the kernel's console is not checked (a lab machine's own) */
	FILE *progress;			/* progress lines; NULL: quiet */
};

/* The kernel as built: what the booted one must match. */
struct qemu_kernel {
	const char *image;
	const char *cmdline;		/* the variant's */
	char release[128];		/* kernel.release of the build */
	long page_size;			/* from its .config */
	char version[256];		/* uname -v, from the Image's banner ("" unknown) */
	const char *expect_cmdline;	/* the booted command line must be this; NULL: not checked */
	const char *source;		/* what it was built from (kernels.source); NULL: unknown */
};

struct qemu_boot {
	char status[16];		/* ok, failed */
	char reason[512];
	char *console;			/* the console log */
	size_t console_len;
	char *append;			/* the kernel command line booted */
	char *command;			/* the QEMU command line, for the record */
	int hello;			/* mi/ki/mem below come from the guest */
	struct boot_memory mem;		/* the guest kernel's boot memory accounting */
	struct machine_info mi;
	struct kernel_info ki;
	int64_t started_ns, ended_ns;	/* wall clock, ns since the epoch */
	double hello_s;			/* QEMU start to hello; < 0: none */
	double first_cell_s;		/* QEMU start to the first cell starting; < 0: none */
	size_t nruns;			/* run records received */
	unsigned char *got;		/* per plan cell: its record arrived */
};

/* Called for each complete run record (r->machine/kernel point into the
 * boot; the callback may take r's contents, leaving r zeroed). */
typedef int (*qemu_run_fn)(void *user, size_t index, struct run_record *r, struct herr *err);

/* Fill release, page size and version of a build-cache entry directory
 * (kernel.release, config, Image). */
int qemu_kernel_from_build(const char *entry, const char *image, const char *cmdline,
			   struct qemu_kernel *k, struct herr *err);
/* The command line a variant boots with: its own, plus console= and
 * panic=-1 when it names none (a caller's console= is kept: a wrong one
 * is reported, not hidden). Caller frees. */
char *qemu_append(const char *cmdline);
/* "64", "3G", "512m": bytes (the suffixes qemu_check_opts accepts). */
unsigned long long qemu_size_bytes(const char *s);
/* Check the options (sizes, file system, CPU name); EXIT_USAGE. */
int qemu_check_opts(const struct qemu_opts *o, struct herr *err);

int qemu_boot_plan(const struct qemu_opts *o, const struct qemu_kernel *k, const char *bundle,
		   const struct boot_plan *plan, qemu_run_fn fn, void *user, struct qemu_boot *b,
		   struct herr *err);
void qemu_boot_free(struct qemu_boot *b);

/* The boot's initrd: the bundle, then a small archive holding
 * /plan.json (made in workdir and removed). */
int qemu_write_initrd(const char *initrd, const char *workdir, const char *bundle,
		      const struct boot_plan *plan, struct herr *err);
/* A fresh sparse scratch disk (o->scratch_size, default 1G) formatted with
 * o->scratch_fs; nothing for "none". */
int qemu_make_scratch(const struct qemu_opts *o, const char *path, struct herr *err);

/* Exposed for tests: the "Kernel panic" line in text, copied to out. */
int qemu_find_panic(const char *text, size_t len, char *out, size_t n);

#endif
