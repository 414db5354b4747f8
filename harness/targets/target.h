/* Where runs happen, behind one interface. A target is a table of
 * operations (struct target_ops) in a folder of its own (targets/NAME/),
 * listed once in targets/targets.c. Sweeps (sweep/exec.c) and `harness run
 * --target` call only these operations and the predicates below: no code
 * outside a target's folder compares a target's name.
 *
 * The life of a target in a sweep or a `harness run`:
 *   check_opts    its command-line options, before anything is written
 *   plan_check    the sweep's variants, knobs, CPUs... (file:line errors)
 *   open          everything the variants need before the first run
 *                 (local: the governor; qemu: kernels built, guest bundle)
 *   start         a variant (local: its knobs written; qemu: nothing, the
 *                 boot is the batch; ssh: a kexec)
 *   run           a batch of repetitions of that variant's cells: each one
 *                 is stored and handed back complete, or failed with its
 *                 reason (local: one run per batch; qemu: one boot)
 *   stop          the variant (local: knobs restored); optional: a target
 *                 whose batch leaves nothing behind (qemu, ssh) has none
 *   close
 * Adding a target is one folder and one line in targets/targets.c; see
 * docs/targets.md. */
#ifndef HARNESS_TARGETS_TARGET_H
#define HARNESS_TARGETS_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "core/error.h"
#include "core/record.h"

struct sweep_plan;
struct store;
struct knob_journal;

enum target_flags {
	/* Times and PMU counts come from an emulator: every table says so. */
	TARGET_EMULATED = 1 << 0,
	/* Runs on this machine's own kernel: the sweep depends on the
	 * host's knobs (it takes the machine's knob lock) and its identity
	 * includes the running kernel. */
	TARGET_HOST_KERNEL = 1 << 1,
	/* Variants are kernels that are booted: runs are batched per boot
	 * (one repetition of every cell of a variant, or all of them). */
	TARGET_BOOTS = 1 << 2,
	/* Runs on machines the sweep names in [host NAME] sections, reached
	 * over the network. */
	TARGET_REMOTE = 1 << 3,
};

/* One repetition of a cell, as a target is asked to run it. */
struct target_run {
	const char *workload;		/* its name */
	const char *program;		/* its path on this machine */
	const char *const *params;	/* key=value, already checked */
	size_t nparams;
	const char *params_json;	/* every effective parameter */
	uint64_t seed;
	int rep, warmup;
	int cell, seq;			/* sweeps: stored with the run; -1 outside */
	unsigned sample_ms, timeout_s;
	const char *const *events;	/* portable counter names; NULL: all */
	size_t nevents;
	int use_cgroup, aslr_off, drop_caches;
	const char *cpus;		/* host CPU binding (local) */
	int membind;
	const char *settings_json;	/* merged into the run's settings; NULL: none */
};

/* A variant as a target starts it. */
struct target_variant {
	const char *name;		/* stored with its runs; "" = the kernel variant's */
	const char *kernel;		/* "running" or a kernel variant (kernels/variants) */
	const char *source, *ref;	/* the kernel's source instead of the variant's; NULL: its own */
	const char *source_where;	/* "FILE:LINE" of the sweep's source =, for messages */
	const char *const *knob_paths, *const *knob_values;
	size_t nknobs;
	const char *const *launcher;	/* launcher words, the kind first (core/launcher.h); NULL: none */
	size_t nlauncher;
	int idle;			/* nothing left to run: open need not prepare it */
};

struct target;

/* Each run as it starts and once stored (r may be taken: leave it zeroed). */
struct target_events {
	void (*starting)(void *user, const struct target_run *run);
	void (*stored)(void *user, struct run_record *r);
	/* A line about the target's own work (a boot, a build): progress. */
	void (*note)(void *user, const char *line);
	void *user;
};

struct target_ops {
	const char *name;
	const char *summary;		/* one line: what runs where */
	unsigned flags;
	/* Options of this target (harness run, harness sweep): bound to the
	 * fields of a struct of opts_size bytes, given to every operation. */
	const struct opt_spec *opts;
	size_t nopts, opts_size;

	int (*check_opts)(const void *opts, struct herr *err);
	/* Fills p->skip; EXIT_USAGE naming the sweep file's line. */
	int (*plan_check)(struct sweep_plan *p, struct herr *err);
	/* Seconds of preparation the plan needs that no cache holds yet
	 * (kernel builds); *guessed when some have no recorded time. */
	double (*prepare_estimate)(const struct sweep_plan *p, const void *opts, int *guessed,
				   char *what, size_t n);
	int (*open)(struct target *t, const struct target_variant *v, size_t nv, struct herr *err);
	int (*start)(struct target *t, size_t variant, struct herr *err);
	int (*run)(struct target *t, size_t variant, const struct target_run *runs, size_t n,
		   struct herr *err);
	int (*stop)(struct target *t, size_t variant, struct herr *err);	/* NULL: nothing to undo */
	void (*close)(struct target *t);
	/* No table of its own: a sweep ends with the report's (analysis/
	 * report.h), which shows the page size booted, mTHP allocations per
	 * size and marks emulated times from what the runs stored. */
};

/* A target at work. */
struct target {
	const struct target_ops *ops;
	const void *opts;		/* its options struct */
	struct store *st;
	const struct sweep_plan *plan;	/* NULL outside a sweep */
	const char *sweep_id;		/* NULL outside a sweep */
	struct knob_journal *journal;	/* the sweep's (TARGET_HOST_KERNEL); NULL: no knobs */
	int quiet;			/* no progress lines of its own */
	int progress_bar;		/* a bar is drawn: lines only through ev.note */
	struct target_events ev;
	const struct target_variant *variants;
	size_t nvariants;
	void *priv;			/* the target's own state */
};

/* The table (targets/targets.c), in the order --help lists them. */
extern const struct target_ops *const targets[];
extern const size_t ntargets;

/* NULL when there is no such target. */
const struct target_ops *target_find(const char *name);
/* 1 for a target the design names but this harness does not have yet. */
int target_planned(const char *name);
/* "local, qemu": for messages and help. */
const char *target_names(void);

/* After each batch, whatever happened in it: the target's stop, if any. */
static inline int target_stop(struct target *t, size_t variant, struct herr *err)
{
	return t->ops->stop ? t->ops->stop(t, variant, err) : 0;
}

static inline int target_emulated(const struct target_ops *t)
{
	return (t->flags & TARGET_EMULATED) != 0;
}

static inline int target_on_host_kernel(const struct target_ops *t)
{
	return (t->flags & TARGET_HOST_KERNEL) != 0;
}

static inline int target_boots(const struct target_ops *t)
{
	return (t->flags & TARGET_BOOTS) != 0;
}

static inline int target_remote(const struct target_ops *t)
{
	return (t->flags & TARGET_REMOTE) != 0;
}

/* For stored runs, which carry their target's name: 1 when that target's
 * times are emulated (unknown names: 0). */
int target_name_emulated(const char *name);

/* Helpers for implementations. */
void target_note(struct target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
