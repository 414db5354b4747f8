#include <stdio.h>
#include <string.h>

#include "targets/qemu/qemu_cli.h"

void qemu_cli_opts(const struct cmd_ctx *ctx, struct qemu_opts *o)
{
	int quiet = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < ctx->cmd->nopts; i++)
		if (!strcmp(ctx->cmd->opts[i].name, "quiet"))
			quiet = cli_flag(ctx, "quiet");
	o->cpu = cli_str(ctx, "qemu-cpu");
	o->mem = cli_str(ctx, "qemu-mem");
	o->smp = (int)cli_num(ctx, "qemu-smp");
	o->scratch_fs = cli_str(ctx, "scratch-fs");
	o->boot_timeout_s = (unsigned)cli_num(ctx, "boot-timeout");
	o->keep = cli_flag(ctx, "keep-boot");
	o->progress = quiet ? NULL : stderr;
}
