/* Declarative command and option tables. Each subcommand (cmd_*.c) defines
 * one struct cmd_spec; the table drives parsing, `--help` and the man page
 * (docs/harness.1 is generated from it by `harness help --man`). */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

enum opt_type {
	OPT_FLAG,	/* --name: an int set to 1 */
	OPT_STRING,	/* --name VALUE: a const char * */
	OPT_INT,	/* --name N: a long long within [min, max] */
	OPT_LIST,	/* --name VALUE, repeatable: a struct opt_list, in order */
};

struct opt_list {
	const char **v;
	size_t n;
};

/* One option, bound to a field of its command's (or target's) options
 * struct, as git's OPT_* and fio's offsetof entries are: the table drives
 * parsing, bounds, defaults, --help and the man page, and a command reads
 * plain fields (no lookup by name that could be misspelt). */
struct opt_spec {
	const char *name;	/* long name without "--" */
	int short_name;		/* 'p' for -p, 0 for none */
	enum opt_type type;
	const char *metavar;	/* VALUE shown in help */
	const char *def;	/* default as text, NULL for none */
	const char *help;
	size_t off;		/* offsetof the field */
	long long min, max;	/* OPT_INT: the accepted range */
};

#define OPT_BOOL(l, s, st, f, h) \
	{ .name = l, .short_name = s, .type = OPT_FLAG, .help = h, .off = offsetof(st, f) }
#define OPT_STR(l, s, st, f, mv, d, h) \
	{ .name = l, .short_name = s, .type = OPT_STRING, .metavar = mv, .def = d, .help = h, \
	  .off = offsetof(st, f) }
#define OPT_NUM(l, s, st, f, mv, d, lo, hi, h) \
	{ .name = l, .short_name = s, .type = OPT_INT, .metavar = mv, .def = d, .help = h, \
	  .off = offsetof(st, f), .min = lo, .max = hi }
#define OPT_MULTI(l, s, st, f, mv, h) \
	{ .name = l, .short_name = s, .type = OPT_LIST, .metavar = mv, .help = h, .off = offsetof(st, f) }

/* The --db option, shared by every command that opens the results store. */
#define OPT_DB(st) OPT_STR("db", 0, st, db, "PATH", "results/results.db", "results database (SQLite)")
#define OPT_JSON(st) OPT_BOOL("json", 0, st, json, "print JSON on stdout (diagnostics stay on stderr)")

struct cmd_ctx;

struct cmd_spec {
	const char *name;
	const char *synopsis;	/* positional part, e.g. "WORKLOAD" */
	const char *summary;	/* one line for `harness help` */
	const char *description; /* paragraphs for --help and the man page */
	const struct opt_spec *opts;
	size_t nopts;
	size_t opts_size;	/* sizeof the struct the options are bound to */
	int with_targets;	/* also every target's options (commands with a target) */
	int min_args, max_args;	/* positional arguments; max -1 = any */
	int (*run)(struct cmd_ctx *ctx, struct herr *err);
};

struct cmd_ctx {
	const struct cmd_spec *cmd;
	void *opts;		/* the command's options struct, filled in */
	unsigned char *given;	/* per entry of cmd->opts: given on the command line */
	void **target_opts;	/* with_targets: per entry of the target table */
	const char **target_given; /* per target: the first of its options given, or NULL */
	int argc;		/* positional arguments */
	char **argv;
};

/* Parse argv (argv[0] is the command name). Returns 0, 1 when --help was
 * printed, or -1 with err set (EXIT_USAGE). */
int cli_parse(const struct cmd_spec *cmd, int argc, char **argv,
	      struct cmd_ctx *ctx, struct herr *err);
void cli_free(struct cmd_ctx *ctx);
void cli_help(const struct cmd_spec *cmd, FILE *out);
struct target_ops;
/* The options struct of target t (with_targets commands). */
const void *cli_target_opts(const struct cmd_ctx *ctx, const struct target_ops *t);
/* With --target t: EXIT_USAGE when an option of another target was given
 * (it would be ignored). what names the command's choice ("this sweep's
 * target is local"). */
int cli_check_target_opts(const struct cmd_ctx *ctx, const struct target_ops *t,
			  const char *what, struct herr *err);
struct sweep_plan;
/* The options of a planned sweep's target (*opts), checked before anything
 * is written; another target's options would be ignored, so they are
 * refused naming the sweep file's target line. */
int cli_plan_target_opts(const struct cmd_ctx *ctx, const struct sweep_plan *p, const void **opts,
			 struct herr *err);

/* Parse and run one command; returns the exit code (main.c). */
int run_command(const struct cmd_spec *cmd, int argc, char **argv);

/* The command table (main.c). */
extern const struct cmd_spec *const harness_commands[];
extern const size_t harness_ncommands;

#endif
