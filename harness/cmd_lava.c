/* harness lava export SWEEP -o DIR: LAVA job definitions for a sweep of
 * kernel variants (harness/targets/lava/, docs/lava.md). What they produce
 * comes back with `harness ingest`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "targets/lava/lava.h"
#include "targets/qemu/qemu_target.h"
#include "targets/target.h"

struct lava_opts {
	const char *out, *device, *device_type, *url;
	int quiet;
};

static const struct opt_spec lava_opts[] = {
	OPT_STR("output", 'o', struct lava_opts, out, "DIR", NULL,
		"directory for the jobs (created): DIR/VARIANT/job.yaml with its kernel and initrd"),
	OPT_STR("device", 0, struct lava_opts, device, "qemu|board", "qemu",
		"qemu: LAVA's qemu device type (arm64 virt, with a scratch disk); board: a real "
		"arm64 board, kernel and ramdisk over TFTP booted by u-boot"),
	OPT_STR("device-type", 0, struct lava_opts, device_type, "NAME", NULL,
		"--device board: the lab's device type (default: a placeholder to replace)"),
	OPT_STR("url", 0, struct lava_opts, url, "URL", NULL,
		"where DIR will be served (http://host/path): the jobs' download URLs (default "
		"file:// of DIR, for lava-run on this machine)"),
	OPT_BOOL("quiet", 'q', struct lava_opts, quiet, "no progress lines on stderr"),
};

static const struct lava_opts *O(const struct cmd_ctx *ctx)
{
	return ctx->opts;
}

static int device_of(const char *name, enum lava_device *d, struct herr *err)
{
	if (!strcmp(name, "qemu"))
		*d = LAVA_QEMU;
	else if (!strcmp(name, "board"))
		*d = LAVA_BOARD;
	else
		return herr_set(err, EXIT_USAGE, "lava export: --device %s: qemu or board", name);
	return 0;
}

static int export_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct target_ops *qemu = target_find("qemu");
	struct lava_export_opts o = { .dir = O(ctx)->out, .url = O(ctx)->url,
				      .device_type = O(ctx)->device_type };
	struct sweep_spec spec;
	struct sweep_plan plan;
	int rc;

	if (!o.dir)
		return herr_set(err, EXIT_USAGE, "lava export: -o DIR is required");
	if (device_of(O(ctx)->device, &o.device, err) ||
	    cli_check_target_opts(ctx, qemu, "lava export boots kernels as the qemu target does", err))
		return -1;
	qemu_cli_opts_of(cli_target_opts(ctx, qemu), O(ctx)->quiet, &o.qemu);
	o.progress = o.qemu.progress;
	if (spec_load(ctx->argv[1], &spec, err) || plan_make(&spec, &plan, err))
		return -1;
	rc = lava_export(&plan, &o, stdout, err);
	plan_free(&plan);
	return rc;
}

static int lava_run(struct cmd_ctx *ctx, struct herr *err)
{
	if (strcmp(ctx->argv[0], "export"))
		return herr_set(err, EXIT_USAGE, "lava: unknown subcommand '%s' (export; see 'harness "
				"lava --help')", ctx->argv[0]);
	if (ctx->argc != 2)
		return herr_set(err, EXIT_USAGE, "lava export: expected 'harness lava export SWEEP -o DIR'");
	return export_run(ctx, err);
}

const struct cmd_spec cmd_lava = {
	.name = "lava",
	.synopsis = "export SWEEP -o DIR",
	.summary = "export a sweep of kernel variants as LAVA job definitions (one job per variant)",
	.description =
		"harness lava export SWEEP -o DIR [--device qemu|board] [--url URL]\n"
		"    Plans SWEEP (a sweep file of kernel variants, target = qemu) exactly as\n"
		"    `harness sweep` would, builds or finds each variant's kernel and the guest\n"
		"    bundle, and writes one LAVA job per variant: DIR/VARIANT/job.yaml, its\n"
		"    Image and initrd.cpio (bundle + boot plan; a scratch.img for qemu), and\n"
		"    DIR/device-qemu.yaml, a qemu device dictionary for lava-run. The job\n"
		"    boots the kernel with the agent as init; the agent runs every cell of the\n"
		"    variant (warm-ups first, the sweep's seeded order), writes its framed\n"
		"    result stream on the console (kept whole in the job's log) and reports\n"
		"    each metric as `lava-test-case NAME --result pass --measurement V --units\n"
		"    U` (skip, after a line with the reason, when not measured), read by the\n"
		"    job's monitors test action. Each line of stdout names a job: path,\n"
		"    variant, runs. Run the jobs on a lab (lavacli jobs submit) or here\n"
		"    (lava-run --device DIR/device-qemu.yaml DIR/VARIANT/job.yaml), then\n"
		"    `harness ingest LOG...` stores their runs; docs/lava.md.",
	.opts = lava_opts,
	.nopts = sizeof(lava_opts) / sizeof(lava_opts[0]),
	.opts_size = sizeof(struct lava_opts),
	.with_targets = 1,
	.min_args = 1,
	.max_args = 2,
	.run = lava_run,
};
