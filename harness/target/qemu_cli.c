#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "target/qemu_cli.h"

void qemu_cli_opts(const struct cmd_ctx *ctx, struct qemu_opts *o)
{
	int quiet = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < ctx->cmd->nopts; i++)
		if (!strcmp(ctx->cmd->opts[i].name, "quiet"))
			quiet = cli_flag(ctx, "quiet");
	o->cpu = cli_str(ctx, "qemu-cpu");
	o->mem = cli_str(ctx, "qemu-mem");
	/* Saturated, not cut: qemu_check_opts then refuses what is too big. */
	o->smp = cli_num(ctx, "qemu-smp") > INT_MAX ? INT_MAX : (int)cli_num(ctx, "qemu-smp");
	o->scratch_fs = cli_str(ctx, "scratch-fs");
	o->boot_timeout_s = cli_num(ctx, "boot-timeout") > UINT_MAX ? UINT_MAX
			    : (unsigned)cli_num(ctx, "boot-timeout");
	o->keep = cli_flag(ctx, "keep-boot");
	o->progress = quiet ? NULL : stderr;
}

static const char *const qemu_opt_names[] = {
	"qemu-cpu", "qemu-mem", "qemu-smp", "scratch-fs", "boot-timeout", "keep-boot",
};

int qemu_cli_check(const struct cmd_ctx *ctx, int qemu, const char *what, struct qemu_opts *o,
		   struct herr *err)
{
	qemu_cli_opts(ctx, o);
	if (qemu)
		return qemu_check_opts(o, err);
	/* Accepted and ignored would be a silent lie about what ran. */
	for (size_t i = 0; i < sizeof(qemu_opt_names) / sizeof(qemu_opt_names[0]); i++)
		if (cli_opt(ctx, qemu_opt_names[i])->set)
			return herr_set(err, EXIT_USAGE, "%s: --%s applies to target qemu only", what,
					qemu_opt_names[i]);
	return 0;
}
