/* harness help [COMMAND] [--man] [--metrics]: the command list, one
 * command's help, the man page source generated from the command table, or
 * docs/metrics.md's table generated from the metric table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "measure/metric_table.h"
#include "targets/target.h"

static void print_list(void)
{
	printf("usage: harness COMMAND [OPTION]... [ARG]...\n\nCommands:\n");
	for (size_t i = 0; i < harness_ncommands; i++)
		printf("  %-10s %s\n", harness_commands[i]->name, harness_commands[i]->summary);
	printf("\n'harness COMMAND --help' describes one command; 'harness --version'.\n"
	       "Exit status: 0 ok, 1 a finding (e.g. a regression), 2 usage or input error,\n"
	       "3 runtime failure.\n");
}

/* troff escapes: a leading '.' or '\'' and every backslash. */
static void man_text(const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
		bol = *s == '\n';
	}
}

static void man_options(const struct opt_spec *opts, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		const struct opt_spec *o = &opts[j];

		printf(".TP\n.B \\-\\-%s", o->name);
		if (o->metavar)
			printf(" \\fI%s\\fR", o->metavar);
		putchar('\n');
		man_text(o->help);
		if (o->def) {
			printf(" (default ");
			man_text(o->def);
			putchar(')');
		}
		putchar('\n');
	}
}

static void print_man(void)
{
	printf(".TH HARNESS 1 \"\" \"harness %s\" \"User Commands\"\n", HARNESS_VERSION);
	printf(".SH NAME\nharness \\- arm64 memory-management benchmark and characterization suite\n");
	printf(".SH SYNOPSIS\n.B harness\n.I COMMAND\n[\\fIOPTION\\fR]... [\\fIARG\\fR]...\n");
	printf(".SH COMMANDS\n");
	for (size_t i = 0; i < harness_ncommands; i++) {
		const struct cmd_spec *c = harness_commands[i];

		printf(".SS \"harness %s %s\"\n", c->name, c->synopsis ? c->synopsis : "");
		man_text(c->summary);
		putchar('\n');
		if (c->description) {
			printf(".PP\n");
			man_text(c->description);
			putchar('\n');
		}
		man_options(c->opts, c->nopts);
		for (size_t t = 0; c->with_targets && t < ntargets; t++)
			man_options(targets[t]->opts, targets[t]->nopts);
	}
	printf(".SH EXIT STATUS\n0 ok, 1 a finding (e.g. a regression), 2 usage or input error, 3 runtime failure.\n");
	printf(".SH FILES\n.I results/results.db\nthe default results database; see docs/schema.md.\n");
}

struct help_opts {
	int man;
	int metrics;
};

static const struct opt_spec help_opts[] = {
	OPT_BOOL("man", 0, struct help_opts, man, "print the man page source (troff) for all commands"),
	OPT_BOOL("metrics", 0, struct help_opts, metrics,
		 "print every metric's unit, kind, better direction, source and meaning (markdown: "
		 "docs/metrics.md's generated section)"),
};

static int help_run(struct cmd_ctx *ctx, struct herr *err)
{
	const struct help_opts *o = ctx->opts;

	if (o->man) {
		print_man();
		return 0;
	}
	if (o->metrics) {
		if (metric_table_markdown(stdout))
			return herr_errno(err, EXIT_RUNTIME, "writing the metric table");
		return 0;
	}
	if (ctx->argc == 1) {
		char *argv[] = { ctx->argv[0], "--help", NULL };

		for (size_t i = 0; i < harness_ncommands; i++)
			if (!strcmp(harness_commands[i]->name, ctx->argv[0]))
				return run_command(harness_commands[i], 2, argv);
		return herr_set(err, EXIT_USAGE, "help: unknown command '%s'", ctx->argv[0]);
	}
	print_list();
	return 0;
}

const struct cmd_spec cmd_help = {
	.name = "help",
	.synopsis = "[COMMAND]",
	.summary = "list the commands, or describe one",
	.opts = help_opts,
	.nopts = sizeof(help_opts) / sizeof(help_opts[0]),
	.opts_size = sizeof(struct help_opts),
	.min_args = 0,
	.max_args = 1,
	.run = help_run,
};
