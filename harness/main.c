/* harness: entry point and the command table. One file per subcommand
 * (cmd_NAME.c) defines `const struct cmd_spec cmd_NAME`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine/knobs.h"
#include "machine/scratch.h"
#include "agent/agent.h"

extern const struct cmd_spec cmd_help;
extern const struct cmd_spec cmd_run;
extern const struct cmd_spec cmd_show;
extern const struct cmd_spec cmd_events;
extern const struct cmd_spec cmd_sweep;
extern const struct cmd_spec cmd_sweeps;
extern const struct cmd_spec cmd_report;
extern const struct cmd_spec cmd_tag;
extern const struct cmd_spec cmd_check;
extern const struct cmd_spec cmd_history;
extern const struct cmd_spec cmd_lava;
extern const struct cmd_spec cmd_ingest;
extern const struct cmd_spec cmd_merge;
extern const struct cmd_spec cmd_kernel;
extern const struct cmd_spec cmd_agent;

const struct cmd_spec *const harness_commands[] = {
	&cmd_help,
	&cmd_run,
	&cmd_show,
	&cmd_events,
	&cmd_sweep,
	&cmd_sweeps,
	&cmd_report,
	&cmd_tag,
	&cmd_check,
	&cmd_history,
	&cmd_kernel,
	&cmd_agent,
	&cmd_lava,
	&cmd_ingest,
	&cmd_merge,
};
const size_t harness_ncommands = sizeof(harness_commands) / sizeof(harness_commands[0]);

static const struct cmd_spec *find_command(const char *name)
{
	for (size_t i = 0; i < harness_ncommands; i++)
		if (!strcmp(harness_commands[i]->name, name))
			return harness_commands[i];
	return NULL;
}

int run_command(const struct cmd_spec *cmd, int argc, char **argv)
{
	struct herr err = { 0 };
	struct cmd_ctx ctx;
	int rc = cli_parse(cmd, argc, argv, &ctx, &err);

	if (rc == 0)
		rc = cmd->run(&ctx, &err);
	cli_free(&ctx);
	if (rc == 1 && err.code == EXIT_OK)
		return EXIT_OK;	/* --help printed */
	if (rc < 0) {
		fprintf(stderr, "harness: %s\n", err.msg);
		return err.code ? err.code : EXIT_RUNTIME;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cmd_spec *cmd;
	struct herr kerr = { 0 };

	/* PID 1 of a qemu guest: the bundle's /init is this binary. */
	if (getpid() == 1)
		agent_init();
	/* Knobs a killed sweep left changed are put back before anything
	 * else, whatever the command (machine/knobs.h). */
	if (knobs_replay(stderr, &kerr))
		fprintf(stderr, "harness: %s\n", kerr.msg);
	/* And the scratch space of workloads killed with it (machine/scratch.h). */
	if (getpid() != 1)
		scratch_clean(SCRATCH_DEFAULT_DIR, stderr);
	if (argc < 2) {
		fprintf(stderr, "usage: harness COMMAND [OPTION]... (see 'harness help')\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("harness %s\n", HARNESS_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		argv[1] = "help";
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "harness: unknown command '%s' (see 'harness help')\n", argv[1]);
		return EXIT_USAGE;
	}
	return run_command(cmd, argc - 1, argv + 1);
}
