/* Sweeps on target qemu: the plan's checks (kernel variants instead of
 * the running kernel, knobs applied in the guest, no host-side binding)
 * and the execution as boots — order interleaved: each boot runs one
 * repetition of every cell of its variant (warm-ups in the first);
 * grouped: one boot per variant running all its repetitions. */
#ifndef HARNESS_SWEEP_QEMU_H
#define HARNESS_SWEEP_QEMU_H

#include <stdio.h>

#include "core/error.h"
#include "sweep/exec.h"
#include "sweep/plan.h"
#include "targets/qemu/qemu.h"

/* The kernel variant a sweep variant boots: its `kernel =`, or, when it
 * names none, the variant's own name (kernels/variants/NAME.ini). */
const char *sweep_qemu_kernel(const struct sweep_variant *v);
/* Plan-time checks for target qemu (in place of the local target's knob,
 * CPU and launcher checks); fills p->skip. EXIT_USAGE naming file:line. */
int plan_check_qemu(struct sweep_plan *p, struct herr *err);
/* The emulated machine's options (cmd_sweep's --qemu-* options). */
void sweep_qemu_set_opts(const struct qemu_opts *o);
/* Build what is missing, then boot and run every entry not done. */
int sweep_execute_qemu(struct sweep_exec *x, struct herr *err);
/* After the comparison table: what only a qemu sweep's kernels show (mTHP
 * allocations per size, the page size booted), and that its times are
 * emulated. */
int sweep_summary_qemu(struct store *st, const struct sweep_plan *p, const char *sweep_id,
		       FILE *out, struct herr *err);

#endif
