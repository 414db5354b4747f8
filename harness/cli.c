#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_int(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || end == s || *end || *out < 0) ? -1 : 0;
}

static int set_defaults(const struct cmd_spec *cmd, struct cmd_ctx *ctx)
{
	ctx->vals = calloc(cmd->nopts ? cmd->nopts : 1, sizeof(*ctx->vals));
	if (!ctx->vals)
		return -1;
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct opt_spec *o = &cmd->opts[i];

		ctx->vals[i].str = o->def;
		if (o->type == OPT_INT && o->def)
			parse_int(o->def, &ctx->vals[i].num);
	}
	return 0;
}

static int store_value(const struct opt_spec *o, struct opt_value *v,
		       const char *arg, struct herr *err)
{
	v->set = 1;
	switch (o->type) {
	case OPT_FLAG:
		v->num = 1;
		return 0;
	case OPT_INT:
		if (parse_int(arg, &v->num))
			return herr_set(err, EXIT_USAGE,
					"--%s: '%s' is not a non-negative integer",
					o->name, arg);
		v->str = arg;
		return 0;
	case OPT_STRING:
		v->str = arg;
		return 0;
	case OPT_LIST: {
		const char **grown = realloc(v->list, (v->nlist + 1) * sizeof(*grown));

		if (!grown)
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		v->list = grown;
		v->list[v->nlist++] = arg;
		return 0;
	}
	}
	return 0;
}

int cli_parse(const struct cmd_spec *cmd, int argc, char **argv,
	      struct cmd_ctx *ctx, struct herr *err)
{
	size_t n = cmd->nopts;
	struct option *lopts = calloc(n + 2, sizeof(*lopts));
	char shorts[2 * 64 + 4] = ":h";
	size_t sl = 2;
	int ret = 0;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cmd = cmd;
	if (!lopts || set_defaults(cmd, ctx)) {
		free(lopts);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *o = &cmd->opts[i];

		lopts[i].name = o->name;
		lopts[i].has_arg = o->type == OPT_FLAG ? no_argument : required_argument;
		lopts[i].val = 256 + (int)i;
		if (o->short_name && sl + 2 < sizeof(shorts)) {
			shorts[sl++] = (char)o->short_name;
			if (o->type != OPT_FLAG)
				shorts[sl++] = ':';
		}
	}
	lopts[n].name = "help";
	lopts[n].val = 'h';
	shorts[sl] = '\0';

	optind = 0;	/* full reinitialisation: parse may run more than once */
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, lopts, NULL);
		size_t idx = n;

		if (c == -1)
			break;
		if (c == 'h') {
			cli_help(cmd, stdout);
			ret = 1;
			goto out;
		}
		if (c == ':') {
			ret = herr_set(err, EXIT_USAGE, "%s: option '%s' needs a value",
				       cmd->name, argv[optind - 1]);
			goto out;
		}
		if (c == '?') {
			if (optopt > 0 && optopt < 256)
				ret = herr_set(err, EXIT_USAGE, "%s: unknown option '-%c' (see 'harness %s --help')",
					       cmd->name, optopt, cmd->name);
			else
				ret = herr_set(err, EXIT_USAGE, "%s: unknown option '%s' (see 'harness %s --help')",
					       cmd->name, argv[optind - 1], cmd->name);
			goto out;
		}
		if (c >= 256)
			idx = (size_t)(c - 256);
		else
			for (size_t i = 0; i < n; i++)
				if (cmd->opts[i].short_name == c)
					idx = i;
		if (idx >= n) {
			ret = herr_set(err, EXIT_USAGE, "%s: unexpected option", cmd->name);
			goto out;
		}
		if (store_value(&cmd->opts[idx], &ctx->vals[idx], optarg, err)) {
			ret = herr_wrap(err, "%s", cmd->name);
			goto out;
		}
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	if (ctx->argc < cmd->min_args ||
	    (cmd->max_args >= 0 && ctx->argc > cmd->max_args))
		ret = herr_set(err, EXIT_USAGE, "%s: expected %s%s (see 'harness %s --help')",
			       cmd->name, cmd->synopsis && *cmd->synopsis ? cmd->synopsis : "no arguments",
			       ctx->argc > cmd->max_args && cmd->max_args >= 0 ? ", got extra arguments" : "",
			       cmd->name);
out:
	free(lopts);
	return ret;
}

void cli_free(struct cmd_ctx *ctx)
{
	if (!ctx->vals)
		return;
	for (size_t i = 0; i < ctx->cmd->nopts; i++)
		free(ctx->vals[i].list);
	free(ctx->vals);
	ctx->vals = NULL;
}

void cli_help(const struct cmd_spec *cmd, FILE *out)
{
	fprintf(out, "usage: harness %s [OPTION]...%s%s\n\n%s\n", cmd->name,
		cmd->synopsis && *cmd->synopsis ? " " : "",
		cmd->synopsis ? cmd->synopsis : "", cmd->summary);
	if (cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct opt_spec *o = &cmd->opts[i];
		char left[64];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
			 o->short_name ? "-" : "", o->short_name ? o->short_name : ' ',
			 o->short_name ? ", " : "  ", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(out, "  %-24s %s", o->short_name ? left : left + 2, o->help);
		if (o->def)
			fprintf(out, " (default %s)", o->def);
		if (o->type == OPT_LIST)
			fprintf(out, " (repeatable)");
		fputc('\n', out);
	}
	fprintf(out, "  %-24s %s\n", "-h, --help", "show this help");
	fprintf(out, "\nExit status: 0 ok, 1 a finding (e.g. a regression), 2 usage or input error,\n"
		     "3 runtime failure.\n");
}

static size_t opt_index(const struct cmd_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->cmd->nopts; i++)
		if (!strcmp(ctx->cmd->opts[i].name, name))
			return i;
	fprintf(stderr, "harness: internal error: command %s has no option --%s\n",
		ctx->cmd->name, name);
	abort();
}

const struct opt_value *cli_opt(const struct cmd_ctx *ctx, const char *name)
{
	return &ctx->vals[opt_index(ctx, name)];
}

const char *cli_str(const struct cmd_ctx *ctx, const char *name)
{
	return cli_opt(ctx, name)->str;
}

long long cli_num(const struct cmd_ctx *ctx, const char *name)
{
	return cli_opt(ctx, name)->num;
}

int cli_flag(const struct cmd_ctx *ctx, const char *name)
{
	return cli_opt(ctx, name)->set;
}
