/* harness agent: run a boot plan here and write the framed result stream.
 * The qemu guest runs the same code as PID 1 (agent/agent.c); this
 * command is how another controller (ssh, tests) drives it. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "agent/agent.h"
#include "agent/lab.h"

struct agent_opts {
	const char *plan, *out, *lock, *kexec, *initrd, *cmdline;
	int whoami, lava;
};

static const struct opt_spec agent_opts[] = {
	OPT_STR("plan", 0, struct agent_opts, plan, "FILE", AGENT_PLAN_PATH, "the boot plan (JSON, docs/qemu.md)"),
	OPT_STR("out", 'o', struct agent_opts, out, "FILE", "-", "where the framed result stream goes ('-': stdout)"),
	OPT_BOOL("lava", 0, struct agent_opts, lava,
		 "also report each metric with lava-test-case (in a LAVA test shell; docs/lava.md)"),
	OPT_STR("lock", 0, struct agent_opts, lock, "FILE", NULL,
		"hold this lock file while the plan runs; an agent holding it is stopped first"),
	OPT_BOOL("whoami", 0, struct agent_opts, whoami,
		 "print the running kernel (release, page size, command line, boot id) as JSON and exit"),
	OPT_STR("kexec", 0, struct agent_opts, kexec, "IMAGE", NULL,
		"load this kernel with kexec_file_load(2) and switch to it (lab machines)"),
	OPT_STR("initrd", 0, struct agent_opts, initrd, "FILE", NULL, "with --kexec: the initramfs"),
	OPT_STR("cmdline", 0, struct agent_opts, cmdline, "TEXT", "", "with --kexec: the command line"),
};

/* The lab machine's operations (ssh target): one a call. */
static int run_lab_op(const struct agent_opts *o, struct herr *err)
{
	if (o->whoami)
		return agent_whoami(stdout, err);
	return agent_kexec(o->kexec, o->initrd, o->cmdline, stderr, err);
}

static int run_agent(struct cmd_ctx *ctx, struct herr *err)
{
	const struct agent_opts *o = ctx->opts;
	const char *out = o->out;
	struct boot_plan p;
	struct frame_out f;
	int fd = 1, rc;

	if (o->whoami || o->kexec)
		return run_lab_op(o, err);
	if (o->initrd)
		return herr_set(err, EXIT_USAGE, "agent: --initrd goes with --kexec");
	if (o->lock && agent_lock(o->lock, 60, err))
		return -1;
	bootplan_init(&p);
	if (bootplan_load(o->plan, &p, err)) {
		bootplan_free(&p);
		return -1;
	}
	if (strcmp(out, "-") && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		bootplan_free(&p);
		return herr_errno(err, EXIT_USAGE, "cannot create %s", out);
	}
	p.lava |= o->lava;
	frame_init(&f, fd);
	/* Progress to stderr: stdout may be the stream. */
	rc = agent_run(&p, &f, -1, 0, stderr, err);
	if (fd != 1)
		close(fd);
	bootplan_free(&p);
	return rc < 0 ? -1 : 0;
}

const struct cmd_spec cmd_agent = {
	.name = "agent",
	.synopsis = "",
	.summary = "run a boot plan here and stream the runs (the qemu guest's init)",
	.description =
		"Runs the cells of a boot plan (written by the qemu target's controller) on\n"
		"this machine with full measurement, applying the plan's knobs around each\n"
		"run, and writes hello, one record per run and a trailer as framed JSON lines\n"
		"(docs/qemu.md). In a qemu guest the harness binary is PID 1 and does this\n"
		"by itself: it mounts /proc, /sys, /dev and cgroup2, finds the virtio port\n"
		"named harness.results, runs /plan.json and powers the guest off.\n"
		"\n"
		"On a lab machine (target ssh, docs/lab.md) the controller also runs\n"
		"--whoami after each kernel switch and --kexec to switch kernels.",
	.opts = agent_opts,
	.nopts = sizeof(agent_opts) / sizeof(agent_opts[0]),
	.opts_size = sizeof(struct agent_opts),
	.min_args = 0,
	.max_args = 0,
	.run = run_agent,
};
