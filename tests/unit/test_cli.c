/* The option-table parser shared by every command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "targets/target.h"

static int ran;
static int fake_run(struct cmd_ctx *ctx, struct herr *err)
{
	(void)ctx;
	(void)err;
	ran++;
	return 0;
}

struct t_opts {
	struct opt_list param;
	long long reps, big;
	const char *name;
	int json;
};

static const struct opt_spec opts[] = {
	OPT_MULTI("param", 'p', struct t_opts, param, "K=V", "a parameter"),
	OPT_NUM("reps", 'r', struct t_opts, reps, "N", "1", 1, 100, "repetitions"),
	OPT_NUM("big", 0, struct t_opts, big, "N", "0", 0, INT64_MAX, "no 32-bit truncation"),
	OPT_STR("name", 0, struct t_opts, name, "S", "dflt", "a name"),
	OPT_BOOL("json", 0, struct t_opts, json, "json"),
};

static const struct cmd_spec cmd = {
	.name = "t", .synopsis = "ARG", .summary = "test", .opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]), .opts_size = sizeof(struct t_opts),
	.min_args = 1, .max_args = 1, .run = fake_run,
};

static const struct cmd_spec cmd_targets = {
	.name = "tt", .synopsis = "ARG", .summary = "test", .opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]), .opts_size = sizeof(struct t_opts),
	.with_targets = 1, .min_args = 0, .max_args = 1, .run = fake_run,
};

#define O(ctx) ((const struct t_opts *)(ctx).opts)

static int parse(struct cmd_ctx *ctx, struct herr *err, int argc, ...)
{
	static char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	return cli_parse(&cmd, argc, argv, ctx, err);
}

static void test_defaults_and_values(void **state)
{
	struct cmd_ctx ctx;
	struct herr err;

	(void)state;
	assert_int_equal(parse(&ctx, &err, 2, "t", "x"), 0);
	assert_int_equal(O(ctx)->reps, 1);
	assert_string_equal(O(ctx)->name, "dflt");
	assert_false(O(ctx)->json);
	assert_int_equal(O(ctx)->param.n, 0);
	assert_false(ctx.given[1]);
	cli_free(&ctx);

	assert_int_equal(parse(&ctx, &err, 9, "t", "-p", "a=1", "--param", "b=2", "-r", "5",
			       "--json", "x"), 0);
	assert_int_equal(O(ctx)->param.n, 2);
	assert_string_equal(O(ctx)->param.v[1], "b=2");
	assert_null(O(ctx)->param.v[2]);
	assert_int_equal(O(ctx)->reps, 5);
	assert_true(O(ctx)->json);
	assert_true(ctx.given[1]);
	assert_int_equal(ctx.argc, 1);
	assert_string_equal(ctx.argv[0], "x");
	cli_free(&ctx);

	/* Options may follow the positional argument: `harness run gups -p size=1g`. */
	assert_int_equal(parse(&ctx, &err, 4, "t", "x", "-r", "3"), 0);
	assert_int_equal(O(ctx)->reps, 3);
	assert_int_equal(ctx.argc, 1);
	cli_free(&ctx);

	/* 64 bits all the way: 2^32 + 1 is not 1. */
	assert_int_equal(parse(&ctx, &err, 4, "t", "x", "--big", "4294967297"), 0);
	assert_true(O(ctx)->big == 4294967297LL);
	cli_free(&ctx);
}

static void test_bounds(void **state)
{
	struct cmd_ctx ctx;
	struct herr err;

	(void)state;
	assert_int_equal(parse(&ctx, &err, 4, "t", "-r", "0", "x"), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "--reps: 0 is out of range (1 to 100)"));
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 4, "t", "-r", "101", "x"), -1);
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 4, "t", "-r", "-1", "x"), -1);
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 4, "t", "--big", "99999999999999999999", "x"), -1);
	assert_non_null(strstr(err.msg, "not an integer"));
	cli_free(&ctx);
}

/* Each target's options are bound to its own struct; one given for a
 * target that is not the one in use is refused, not ignored. */
static void test_target_options(void **state)
{
	const struct target_ops *qemu = target_find("qemu"), *local = target_find("local");
	char *argv[] = { "tt", "--qemu-smp", "4", NULL };
	struct cmd_ctx ctx;
	struct herr err;

	(void)state;
	assert_non_null(qemu);
	assert_non_null(local);
	assert_int_equal(cli_parse(&cmd_targets, 3, argv, &ctx, &err), 0);
	assert_non_null(cli_target_opts(&ctx, qemu));
	assert_int_equal(cli_check_target_opts(&ctx, qemu, "ok", &err), 0);
	assert_int_equal(cli_check_target_opts(&ctx, local, "this sweep's target is local", &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "--qemu-smp is an option of target qemu; this sweep's target is local"));
	cli_free(&ctx);
	argv[2] = "9";	/* bounds come from the target's table too */
	assert_int_equal(cli_parse(&cmd_targets, 3, argv, &ctx, &err), -1);
	assert_non_null(strstr(err.msg, "--qemu-smp: 9 is out of range (1 to 8)"));
	cli_free(&ctx);
}

static void test_errors(void **state)
{
	struct cmd_ctx ctx;
	struct herr err;

	(void)state;
	assert_int_equal(parse(&ctx, &err, 4, "t", "-r", "abc", "x"), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "'abc'"));
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 3, "t", "--nope", "x"), -1);
	assert_non_null(strstr(err.msg, "--nope"));
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 1, "t"), -1);
	assert_non_null(strstr(err.msg, "expected ARG"));
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 3, "t", "x", "y"), -1);
	assert_non_null(strstr(err.msg, "extra"));
	cli_free(&ctx);
	assert_int_equal(parse(&ctx, &err, 3, "t", "x", "--name"), -1);
	assert_non_null(strstr(err.msg, "needs a value"));
	cli_free(&ctx);
}

static void test_help_lists_every_option(void **state)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	cli_help(&cmd, f);
	fclose(f);
	for (size_t i = 0; i < cmd.nopts; i++)
		assert_non_null(strstr(buf, opts[i].name));
	assert_non_null(strstr(buf, "(default 1)"));
	assert_non_null(strstr(buf, "(repeatable)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_target_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
