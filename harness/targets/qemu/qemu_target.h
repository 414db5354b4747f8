/* The qemu target's parts (targets/qemu/): sweep plans checked for it
 * (kernel variants instead of the running kernel, knobs applied in the
 * guest, no host-side binding) and what only its sweeps show after the
 * comparison table. */
#ifndef HARNESS_TARGETS_QEMU_TARGET_H
#define HARNESS_TARGETS_QEMU_TARGET_H

#include <stdio.h>

#include "core/error.h"
#include "store/store.h"
#include "sweep/plan.h"
#include "targets/qemu/qemu.h"

struct qemu_session;
struct target_variant;

/* The kernel variant a sweep variant boots: its `kernel =`, or, when it
 * names none, the variant's own name (kernels/variants/NAME.ini). */
const char *qemu_variant_kernel(const struct sweep_variant *v);
/* Plan-time checks for target qemu; fills p->skip. EXIT_USAGE naming
 * file:line. */
int qemu_plan_check(struct sweep_plan *p, struct herr *err);
/* Seconds of kernel builds the plan needs that the cache lacks (any
 * target that boots kernel variants: qemu, ssh). */
double qemu_prepare_estimate(const struct sweep_plan *p, const void *opts, int *guessed,
			     char *what, size_t n);

/* A sweep variant's session as the qemu target opens it: the kernel built
 * or found (from v->source when set), the bundle, the sweep variant's
 * name, knobs (on top of the kernel variant's) and launcher. A LAVA export
 * writes jobs from the same session. */
int qemu_open_variant(const struct target_variant *v, const struct qemu_opts *o,
		      struct qemu_session *s, struct herr *err);

/* The qemu target's command-line options (cli_target_opts of target_qemu)
 * as qemu_opts; progress on stderr unless quiet. */
void qemu_cli_opts_of(const void *cli, int quiet, struct qemu_opts *o);

#endif
