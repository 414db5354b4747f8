/* Declarative command and option tables. Each subcommand (cmd_*.c) defines
 * one struct cmd_spec; the table drives parsing, `--help` and the man page
 * (docs/harness.1 is generated from it by `harness help --man`). */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

enum opt_type {
	OPT_FLAG,	/* --name */
	OPT_STRING,	/* --name VALUE */
	OPT_INT,	/* --name N (non-negative integer) */
	OPT_LIST,	/* --name VALUE, repeatable; values kept in order */
};

struct opt_spec {
	const char *name;	/* long name without "--" */
	int short_name;		/* 'p' for -p, 0 for none */
	enum opt_type type;
	const char *metavar;	/* VALUE shown in help */
	const char *def;	/* default as text, NULL for none */
	const char *help;
};

/* The --db option, shared by every command that opens the results store. */
#define OPT_DB { "db", 0, OPT_STRING, "PATH", "results/results.db", \
		 "results database (SQLite)" }
#define OPT_JSON { "json", 0, OPT_FLAG, NULL, NULL, \
		   "print JSON on stdout (diagnostics stay on stderr)" }

struct opt_value {
	int set;		/* given on the command line */
	const char *str;	/* OPT_STRING/OPT_INT: the text (or default) */
	long long num;		/* OPT_INT: parsed value; OPT_FLAG: 0/1 */
	const char **list;	/* OPT_LIST */
	size_t nlist;
};

struct cmd_ctx;

struct cmd_spec {
	const char *name;
	const char *synopsis;	/* positional part, e.g. "WORKLOAD" */
	const char *summary;	/* one line for `harness help` */
	const char *description; /* paragraphs for --help and the man page */
	const struct opt_spec *opts;
	size_t nopts;
	int min_args, max_args;	/* positional arguments; max -1 = any */
	int (*run)(struct cmd_ctx *ctx, struct herr *err);
};

struct cmd_ctx {
	const struct cmd_spec *cmd;
	struct opt_value *vals;	/* one per cmd->opts entry */
	int argc;		/* positional arguments */
	char **argv;
};

/* Parse argv (argv[0] is the command name). Returns 0, 1 when --help was
 * printed, or -1 with err set (EXIT_USAGE). */
int cli_parse(const struct cmd_spec *cmd, int argc, char **argv,
	      struct cmd_ctx *ctx, struct herr *err);
void cli_free(struct cmd_ctx *ctx);
void cli_help(const struct cmd_spec *cmd, FILE *out);
/* Lookup by long name; aborts on a name the table lacks (a programming
 * error, caught by every test that runs the command). */
const struct opt_value *cli_opt(const struct cmd_ctx *ctx, const char *name);
const char *cli_str(const struct cmd_ctx *ctx, const char *name);
long long cli_num(const struct cmd_ctx *ctx, const char *name);
int cli_flag(const struct cmd_ctx *ctx, const char *name);

/* Parse and run one command; returns the exit code (main.c). */
int run_command(const struct cmd_spec *cmd, int argc, char **argv);

/* The command table (main.c). */
extern const struct cmd_spec *const harness_commands[];
extern const size_t harness_ncommands;

#endif
