/* Running cells on the qemu target and storing them: a session prepares
 * one variant (its kernel built or found in the cache, the guest bundle,
 * the checks), and each qemu_session_boot() boots it once for a list of
 * cells, recording the boot and one run per cell — the agent's record when
 * it arrived complete, else a failed run with the boot's reason. */
#ifndef HARNESS_TARGET_QEMU_RUN_H
#define HARNESS_TARGET_QEMU_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "kernel/build.h"
#include "core/record.h"
#include "store/store.h"
#include "kernel/bundle.h"
#include "targets/qemu/qemu.h"
#include "targets/target.h"


struct qemu_session {
	struct qemu_opts opts;
	struct kbuild kb;		/* kb.v: the variant (knobs, cmdline, launcher) */
	struct qemu_kernel k;
	struct bundle bundle;
	char **launcher;		/* words, the kind first (core/launcher.h) */
	size_t nlauncher;
	char hostname[64];
	char *settings_json;		/* merged into every run's settings */
	/* Set by a sweep after qemu_session_open: the name its runs are
	 * stored under ("" = the kernel variant's) and knobs applied after
	 * the kernel variant's own. The strings stay the caller's. */
	char label[64];
	const char *const *xknob_paths, *const *xknob_values;
	size_t nxknobs;
	/* Another target that runs the agent elsewhere (ssh) sets these after
	 * qemu_session_prepare: its name for the records, where the workloads
	 * are on that machine, and the function that runs a plan there in
	 * place of a QEMU boot (filling b as qemu_boot_plan does). */
	const char *target;		/* NULL: "qemu" */
	const char *workloads_dir;	/* NULL: GUEST_WORKLOADS */
	int (*boot)(void *ctx, struct qemu_session *s, const struct boot_plan *p, qemu_run_fn fn,
		    void *user, struct qemu_boot *b, struct herr *err);
	void *boot_ctx;
	/* 1: a failed boot leaves the cells it did not report unstored (the
	 * caller retries them); got[i] says which cell's run was stored. */
	int defer_missing;
	unsigned char *got;		/* n entries, caller's; NULL: not wanted */
};

/* Check the options and the variant (v->kernel, built from v->source
 * when set), build its kernel when the cache does not have it, make or
 * find the bundle. Progress lines go to o->progress. */
int qemu_session_open(const struct target_variant *v, const struct qemu_opts *o,
		      struct qemu_session *s, struct herr *err);
/* The same without the emulator: the kernel built or found, the bundle,
 * the launcher (a target that runs them on a machine of its own). */
int qemu_session_prepare(const struct target_variant *v, const struct qemu_opts *o,
			 struct qemu_session *s, struct herr *err);
void qemu_session_close(struct qemu_session *s);
/* Start workloads with this launcher instead of the kernel variant's (a
 * sweep's [variant] launcher). EXIT_USAGE when its wrapper program or
 * preload library is not in the guest bundle. */
int qemu_session_launcher(struct qemu_session *s, const char *const *w, size_t n, struct herr *err);

/* After each run is stored (ok or failed); the callback may take r's
 * contents, leaving it zeroed. */
typedef void (*qemu_stored_fn)(void *user, struct run_record *r);

struct qemu_boot_summary {
	char boot_id[37];
	char status[16];
	char reason[512];
	double hello_s, first_cell_s;	/* < 0: not reached */
	size_t ok, failed;		/* runs stored */
};

/* Boot once and run cells in order. test: faults for the tests (NULL:
 * none). Returns -1 only when the host side failed (the runs stored
 * until then stay). */
int qemu_session_boot(struct qemu_session *s, struct store *st, const char *sweep_id,
		      const struct target_run *cells, size_t n, const struct boot_test *test,
		      qemu_stored_fn fn, void *user, struct qemu_boot_summary *sum,
		      struct herr *err);

/* The boot plan of cells (run ids chosen here) as qemu_session_boot
 * hands it to the guest; a LAVA export writes it into a job's initrd. */
int qemu_session_fill_plan(struct qemu_session *s, const char *sweep_id,
			   const struct target_run *cells, size_t n, const struct boot_test *test,
			   struct boot_plan *p, struct herr *err);
/* Tree disks for the cells that read host directories (qemu_trees.c):
 * made or found, added to the plan, the cells' parameters expanded. */
int qemu_plan_trees(struct qemu_session *s, struct boot_plan *p, struct herr *err);

/* HARNESS_QEMU_TEST ("panic=N", "cut=N", "hang=N", "hang_hello", comma
 * separated) as faults for the agent; EXIT_USAGE when malformed. */
int qemu_test_from_env(struct boot_test *t, struct herr *err);

#endif
