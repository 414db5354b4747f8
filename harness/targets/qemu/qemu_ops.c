/* The qemu target: kernel variants booted in qemu-system-aarch64. open
 * makes every variant's kernel and the guest bundle (or finds them in the
 * cache) before the first boot, so a build failure stops before anything
 * runs; a batch is one boot running its runs in order. A failed boot
 * stores a failed run for each of its cells and the caller goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/build.h"
#include "kernel/variant.h"
#include "targets/qemu/qemu_run.h"
#include "targets/qemu/qemu_target.h"
#include "targets/target.h"

/* The command-line options (harness run, harness sweep). */
struct qemu_cli {
	const char *cpu, *mem, *scratch_fs, *tree_max;
	long long smp, boot_timeout;
	int keep;
};

static const struct opt_spec qemu_cli_opts[] = {
	OPT_STR("qemu-cpu", 0, struct qemu_cli, cpu, "MODEL", "neoverse-n1",
		"CPU model (-cpu); neoverse-n1 has a PMU libpfm4 knows"),
	OPT_STR("qemu-mem", 0, struct qemu_cli, mem, "SIZE", "3G",
		"guest memory (-m); 3G lets the 64k kernel find a free 512 MiB PMD folio"),
	OPT_NUM("qemu-smp", 0, struct qemu_cli, smp, "N", "2", 1, 8, "guest CPUs (-smp, 1 to 8)"),
	OPT_STR("scratch-fs", 0, struct qemu_cli, scratch_fs, "FS", "ext4",
		"file system of the scratch disk at /mnt/scratch: ext4, xfs or none"),
	OPT_STR("tree-disk-max", 0, struct qemu_cli, tree_max, "SIZE", "4G",
		"largest disk made from a host directory a workload reads (filetree tree=)"),
	OPT_NUM("boot-timeout", 0, struct qemu_cli, boot_timeout, "S", "60", 1, 86400,
		"a guest whose agent has not said hello after S seconds fails"),
	OPT_BOOL("keep-boot", 0, struct qemu_cli, keep,
		 "keep each boot's directory (initrd, disk image) and say where"),
};

struct qemu_state {
	struct qemu_session *sessions;	/* per variant; opened ones have kb.v set */
	struct boot_test test;
	double t_last;
};

void qemu_cli_opts_of(const void *cli, int quiet, struct qemu_opts *o)
{
	const struct qemu_cli *c = cli;

	memset(o, 0, sizeof(*o));
	if (!c)
		return;		/* the defaults of struct qemu_opts */
	o->cpu = c->cpu;
	o->mem = c->mem;
	o->smp = (int)c->smp;
	o->scratch_fs = c->scratch_fs;
	o->tree_max = c->tree_max;
	o->boot_timeout_s = (unsigned)c->boot_timeout;
	o->keep = c->keep;
	o->progress = quiet ? NULL : stderr;
}

static int qemu_check_cli(const void *opts, struct herr *err)
{
	struct qemu_opts o;

	qemu_cli_opts_of(opts, 1, &o);
	return qemu_check_opts(&o, err);
}

/* The sweep variant's name and knobs on top of the kernel variant's. */
static void set_extra_knobs(struct qemu_session *s, const struct target_variant *v)
{
	if (*v->name)
		snprintf(s->label, sizeof(s->label), "%s", v->name);
	s->nxknobs = v->nknobs;
	s->xknob_paths = v->knob_paths;
	s->xknob_values = v->knob_values;
}

int qemu_open_variant(const struct target_variant *v, const struct qemu_opts *o,
		      struct qemu_session *s, struct herr *err)
{
	if (qemu_session_open(v, o, s, err))
		return -1;
	set_extra_knobs(s, v);
	if (v->nlauncher && qemu_session_launcher(s, v->launcher, v->nlauncher, err)) {
		qemu_session_close(s);
		return -1;
	}
	return 0;
}

static int qemu_open(struct target *t, const struct target_variant *v, size_t nv, struct herr *err)
{
	struct qemu_state *q = calloc(1, sizeof(*q));
	struct qemu_opts o;

	if (!q || !(q->sessions = calloc(nv + 1, sizeof(*q->sessions)))) {
		free(q);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	t->priv = q;
	if (qemu_test_from_env(&q->test, err))
		return -1;
	qemu_cli_opts_of(t->opts, t->quiet, &o);
	for (size_t i = 0; i < nv; i++) {
		struct qemu_session *s = &q->sessions[i];

		if (v[i].idle)
			continue;
		if (*v[i].name)
			target_note(t, "variant %s: kernel %s", v[i].name, v[i].kernel);
		if (qemu_open_variant(&v[i], &o, s, err))
			return *v[i].name ? herr_wrap(err, "variant %s", v[i].name) : -1;
		/* A redrawn progress bar and the session's lines would mix:
		 * with a bar, boots are announced through progress notes only. */
		if (t->progress_bar)
			s->opts.progress = NULL;
	}
	return 0;
}

static int qemu_start(struct target *t, size_t variant, struct herr *err)
{
	struct qemu_state *q = t->priv;

	if (!q->sessions[variant].kb.v)
		return herr_set(err, EXIT_RUNTIME, "variant %s was not prepared", t->variants[variant].name);
	return 0;
}

static void on_stored(void *user, struct run_record *r)
{
	struct target *t = user;

	if (t->ev.stored)
		t->ev.stored(t->ev.user, r);
}

static int qemu_run_boot(struct target *t, size_t variant, const struct target_run *runs, size_t n,
			 struct herr *err)
{
	struct qemu_state *q = t->priv;
	const char *name = *t->variants[variant].name ? t->variants[variant].name
						       : t->variants[variant].kernel;
	struct qemu_boot_summary sum;
	char round[40] = "";
	int one_rep = 1, rc;

	for (size_t i = 1; i < n; i++)
		one_rep &= runs[i].rep == runs[0].rep || runs[i].warmup != runs[0].warmup;
	if (one_rep && !runs[n - 1].warmup)
		snprintf(round, sizeof(round), ", repetition %d", runs[n - 1].rep + 1);
	target_note(t, "booting %s%s (%zu run%s)", name, round, n, n == 1 ? "" : "s");
	rc = qemu_session_boot(&q->sessions[variant], t->st, t->sweep_id, runs, n, &q->test,
			       on_stored, t, &sum, err);
	if (!rc && strcmp(sum.status, "ok"))
		target_note(t, "boot %.8s of %s failed: %s", sum.boot_id, name, sum.reason);
	return rc;
}

static void qemu_close(struct target *t)
{
	struct qemu_state *q = t->priv;

	if (!q)
		return;
	for (size_t v = 0; q->sessions && v < t->nvariants; v++)
		qemu_session_close(&q->sessions[v]);
	free(q->sessions);
	free(q);
	t->priv = NULL;
}

/* Kernels not in the cache, timed from the builds recorded in it; one
 * build per cache key (knob-only variants share their base's). */
double qemu_prepare_estimate(const struct sweep_plan *p, const void *opts, int *guessed,
			     char *what, size_t n)
{
	char (*keys)[17] = calloc(p->spec.nvariants + 1, sizeof(*keys));
	double total = 0;
	size_t missing = 0, o = 0;

	(void)opts;
	*guessed = 0;
	if (what && n)
		*what = '\0';
	for (size_t i = 0; keys && i < p->spec.nvariants; i++) {
		const struct sweep_variant *sv = &p->spec.variants[i];
		const char *k = qemu_variant_kernel(sv);
		struct kbuild_opts ko = { .source = sv->source, .ref = sv->ref };
		enum kbuild_estimate e;
		double s;
		int dup = 0;

		if (p->skip[i])
			continue;
		e = kbuild_estimate(k, &ko, &s, keys[i]);
		for (size_t j = 0; j < i; j++)
			dup |= keys[i][0] && !strcmp(keys[i], keys[j]);
		if (dup || e == KBUILD_CACHED)
			continue;
		if (e == KBUILD_TIMED)
			total += s;
		else
			*guessed = 1;
		missing++;
		if (what && o < n)
			o += (size_t)snprintf(what + o, n - o, "%s%s", o ? ", " : "", k);
	}
	free(keys);
	return missing ? total : 0;
}

const struct target_ops target_qemu = {
	.name = "qemu",
	.summary = "kernel variants booted in qemu-system-aarch64; times are emulated",
	.flags = TARGET_EMULATED | TARGET_BOOTS,
	.opts = qemu_cli_opts,
	.nopts = sizeof(qemu_cli_opts) / sizeof(qemu_cli_opts[0]),
	.opts_size = sizeof(struct qemu_cli),
	.check_opts = qemu_check_cli,
	.plan_check = qemu_plan_check,
	.prepare_estimate = qemu_prepare_estimate,
	.open = qemu_open,
	.start = qemu_start,
	.run = qemu_run_boot,
	.close = qemu_close,
};
