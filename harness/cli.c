#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sweep/plan.h"
#include "targets/target.h"

/* Every option a command takes: its own, then (with_targets) each
 * target's, each bound to the struct it fills. */
struct bound {
	const struct opt_spec *spec;
	void *base;
	size_t target;		/* index in the target table; ntargets: the command's */
};

static int parse_int(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || end == s || *end) ? -1 : 0;
}

static void *field(const struct bound *b)
{
	return (char *)b->base + b->spec->off;
}

static void set_default(const struct bound *b)
{
	const struct opt_spec *o = b->spec;

	if (o->type == OPT_STRING)
		*(const char **)field(b) = o->def;
	else if (o->type == OPT_INT && o->def)
		parse_int(o->def, (long long *)field(b));
}

static int store_value(const struct bound *b, const char *arg, struct herr *err)
{
	const struct opt_spec *o = b->spec;
	struct opt_list *l;
	long long v;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)field(b) = 1;
		return 0;
	case OPT_INT:
		if (parse_int(arg, &v))
			return herr_set(err, EXIT_USAGE, "--%s: '%s' is not an integer", o->name, arg);
		if (v < o->min || v > o->max)
			return herr_set(err, EXIT_USAGE, "--%s: %s is out of range (%lld to %lld)", o->name,
					arg, o->min, o->max);
		*(long long *)field(b) = v;
		return 0;
	case OPT_STRING:
		*(const char **)field(b) = arg;
		return 0;
	case OPT_LIST: {
		const char **grown;

		l = field(b);
		if (!(grown = realloc(l->v, (l->n + 2) * sizeof(*grown))))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		l->v = grown;
		l->v[l->n++] = arg;
		l->v[l->n] = NULL;
		return 0;
	}
	}
	return 0;
}

static size_t count_bound(const struct cmd_spec *cmd)
{
	size_t n = cmd->nopts;

	for (size_t t = 0; cmd->with_targets && t < ntargets; t++)
		n += targets[t]->nopts;
	return n;
}

/* The command's options struct and every target's, zeroed then defaulted. */
static struct bound *bind_all(const struct cmd_spec *cmd, struct cmd_ctx *ctx, size_t *nb)
{
	struct bound *b = calloc(count_bound(cmd) + 1, sizeof(*b));
	size_t n = 0;

	ctx->opts = calloc(1, cmd->opts_size ? cmd->opts_size : 1);
	ctx->given = calloc(cmd->nopts + 1, 1);
	if (cmd->with_targets) {
		ctx->target_opts = calloc(ntargets + 1, sizeof(*ctx->target_opts));
		ctx->target_given = calloc(ntargets + 1, sizeof(*ctx->target_given));
	}
	if (!b || !ctx->opts || !ctx->given || (cmd->with_targets && (!ctx->target_opts || !ctx->target_given))) {
		free(b);
		return NULL;
	}
	for (size_t i = 0; i < cmd->nopts; i++)
		b[n++] = (struct bound){ &cmd->opts[i], ctx->opts, ntargets };
	for (size_t t = 0; cmd->with_targets && t < ntargets; t++) {
		if (!(ctx->target_opts[t] = calloc(1, targets[t]->opts_size ? targets[t]->opts_size : 1))) {
			free(b);
			return NULL;
		}
		for (size_t i = 0; i < targets[t]->nopts; i++)
			b[n++] = (struct bound){ &targets[t]->opts[i], ctx->target_opts[t], t };
	}
	for (size_t i = 0; i < n; i++)
		set_default(&b[i]);
	*nb = n;
	return b;
}

static struct option *getopt_table(const struct bound *b, size_t n, char *shorts, size_t cap)
{
	struct option *lopts = calloc(n + 2, sizeof(*lopts));
	size_t sl = 2;

	if (!lopts)
		return NULL;
	memcpy(shorts, ":h", 3);
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *o = b[i].spec;

		lopts[i].name = o->name;
		lopts[i].has_arg = o->type == OPT_FLAG ? no_argument : required_argument;
		lopts[i].val = 256 + (int)i;
		if (o->short_name && sl + 3 < cap) {
			shorts[sl++] = (char)o->short_name;
			if (o->type != OPT_FLAG)
				shorts[sl++] = ':';
		}
	}
	shorts[sl] = '\0';
	lopts[n].name = "help";
	lopts[n].val = 'h';
	return lopts;
}

static int unknown_option(const struct cmd_spec *cmd, char **argv, struct herr *err)
{
	if (optopt > 0 && optopt < 256)
		return herr_set(err, EXIT_USAGE, "%s: unknown option '-%c' (see 'harness %s --help')",
				cmd->name, optopt, cmd->name);
	return herr_set(err, EXIT_USAGE, "%s: unknown option '%s' (see 'harness %s --help')",
			cmd->name, argv[optind - 1], cmd->name);
}

static size_t short_index(const struct bound *b, size_t n, int c)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].spec->short_name == c)
			return i;
	return n;
}

static int check_args(const struct cmd_spec *cmd, struct cmd_ctx *ctx, struct herr *err)
{
	if (ctx->argc >= cmd->min_args && (cmd->max_args < 0 || ctx->argc <= cmd->max_args))
		return 0;
	return herr_set(err, EXIT_USAGE, "%s: expected %s%s (see 'harness %s --help')",
			cmd->name, cmd->synopsis && *cmd->synopsis ? cmd->synopsis : "no arguments",
			ctx->argc > cmd->max_args && cmd->max_args >= 0 ? ", got extra arguments" : "",
			cmd->name);
}

int cli_parse(const struct cmd_spec *cmd, int argc, char **argv,
	      struct cmd_ctx *ctx, struct herr *err)
{
	char shorts[2 * 64 + 4];
	struct option *lopts = NULL;
	struct bound *b;
	size_t n = 0;
	int ret = 0;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cmd = cmd;
	if (!(b = bind_all(cmd, ctx, &n)) || !(lopts = getopt_table(b, n, shorts, sizeof(shorts)))) {
		free(b);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	optind = 0;	/* full reinitialisation: parse may run more than once */
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, lopts, NULL);
		size_t idx;

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
			ret = unknown_option(cmd, argv, err);
			goto out;
		}
		idx = c >= 256 ? (size_t)(c - 256) : short_index(b, n, c);
		if (idx >= n) {
			ret = herr_set(err, EXIT_USAGE, "%s: unexpected option", cmd->name);
			goto out;
		}
		if (store_value(&b[idx], optarg, err)) {
			ret = herr_wrap(err, "%s", cmd->name);
			goto out;
		}
		if (b[idx].target == ntargets)
			ctx->given[idx] = 1;
		else if (!ctx->target_given[b[idx].target])
			ctx->target_given[b[idx].target] = b[idx].spec->name;
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	ret = check_args(cmd, ctx, err);
out:
	free(lopts);
	free(b);
	return ret;
}

static void free_lists(const struct opt_spec *opts, size_t n, void *base)
{
	for (size_t i = 0; base && i < n; i++)
		if (opts[i].type == OPT_LIST)
			free(((struct opt_list *)((char *)base + opts[i].off))->v);
}

void cli_free(struct cmd_ctx *ctx)
{
	if (!ctx->cmd)
		return;
	free_lists(ctx->cmd->opts, ctx->cmd->nopts, ctx->opts);
	free(ctx->opts);
	free(ctx->given);
	for (size_t t = 0; ctx->target_opts && t < ntargets; t++) {
		free_lists(targets[t]->opts, targets[t]->nopts, ctx->target_opts[t]);
		free(ctx->target_opts[t]);
	}
	free(ctx->target_opts);
	free(ctx->target_given);
	memset(ctx, 0, sizeof(*ctx));
}

const void *cli_target_opts(const struct cmd_ctx *ctx, const struct target_ops *t)
{
	for (size_t i = 0; ctx->target_opts && i < ntargets; i++)
		if (targets[i] == t)
			return ctx->target_opts[i];
	return NULL;
}

int cli_check_target_opts(const struct cmd_ctx *ctx, const struct target_ops *t,
			  const char *what, struct herr *err)
{
	for (size_t i = 0; ctx->target_given && i < ntargets; i++)
		if (targets[i] != t && ctx->target_given[i])
			return herr_set(err, EXIT_USAGE, "%s: --%s is an option of target %s; %s",
					ctx->cmd->name, ctx->target_given[i], targets[i]->name, what);
	return 0;
}

int cli_plan_target_opts(const struct cmd_ctx *ctx, const struct sweep_plan *p, const void **opts,
			 struct herr *err)
{
	char what[200];

	if (p->spec.target_line)
		snprintf(what, sizeof(what), "this sweep's target is %s (%s:%d)", p->target->name,
			 p->spec.file, p->spec.target_line);
	else
		snprintf(what, sizeof(what), "this sweep's target is %s (%s names none)", p->target->name,
			 p->spec.file);
	if (cli_check_target_opts(ctx, p->target, what, err))
		return -1;
	*opts = cli_target_opts(ctx, p->target);
	return p->target->check_opts ? p->target->check_opts(*opts, err) : 0;
}

static void help_options(const struct opt_spec *opts, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *o = &opts[i];
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
}

void cli_help(const struct cmd_spec *cmd, FILE *out)
{
	fprintf(out, "usage: harness %s [OPTION]...%s%s\n\n%s\n", cmd->name,
		cmd->synopsis && *cmd->synopsis ? " " : "",
		cmd->synopsis ? cmd->synopsis : "", cmd->summary);
	if (cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	fprintf(out, "\nOptions:\n");
	help_options(cmd->opts, cmd->nopts, out);
	fprintf(out, "  %-24s %s\n", "-h, --help", "show this help");
	if (cmd->with_targets)
		fprintf(out, "\nTargets (docs/targets.md):\n");
	for (size_t t = 0; cmd->with_targets && t < ntargets; t++)
		fprintf(out, "  %-24s %s\n", targets[t]->name, targets[t]->summary);
	for (size_t t = 0; cmd->with_targets && t < ntargets; t++) {
		if (!targets[t]->nopts)
			continue;
		fprintf(out, "\nOptions of target %s:\n", targets[t]->name);
		help_options(targets[t]->opts, targets[t]->nopts, out);
	}
	fprintf(out, "\nExit status: 0 ok, 1 a finding (e.g. a regression), 2 usage or input error,\n"
		     "3 runtime failure.\n");
}
