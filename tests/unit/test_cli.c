/* The option-table parser shared by every command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int ran;
static int fake_run(struct cmd_ctx *ctx, struct herr *err)
{
	(void)ctx;
	(void)err;
	ran++;
	return 0;
}

static const struct opt_spec opts[] = {
	{ "param", 'p', OPT_LIST, "K=V", NULL, "a parameter" },
	{ "reps", 'r', OPT_INT, "N", "1", "repetitions" },
	{ "name", 0, OPT_STRING, "S", "dflt", "a name" },
	{ "json", 0, OPT_FLAG, NULL, NULL, "json" },
};

static const struct cmd_spec cmd = {
	.name = "t", .synopsis = "ARG", .summary = "test", .opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]), .min_args = 1, .max_args = 1, .run = fake_run,
};

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
	assert_int_equal(cli_num(&ctx, "reps"), 1);
	assert_string_equal(cli_str(&ctx, "name"), "dflt");
	assert_false(cli_flag(&ctx, "json"));
	assert_int_equal(cli_opt(&ctx, "param")->nlist, 0);
	cli_free(&ctx);

	assert_int_equal(parse(&ctx, &err, 9, "t", "-p", "a=1", "--param", "b=2", "-r", "5",
			       "--json", "x"), 0);
	assert_int_equal(cli_opt(&ctx, "param")->nlist, 2);
	assert_string_equal(cli_opt(&ctx, "param")->list[1], "b=2");
	assert_int_equal(cli_num(&ctx, "reps"), 5);
	assert_true(cli_flag(&ctx, "json"));
	assert_int_equal(ctx.argc, 1);
	assert_string_equal(ctx.argv[0], "x");
	cli_free(&ctx);

	/* Options may follow the positional argument: `harness run gups -p size=1g`. */
	assert_int_equal(parse(&ctx, &err, 4, "t", "x", "-r", "3"), 0);
	assert_int_equal(cli_num(&ctx, "reps"), 3);
	assert_int_equal(ctx.argc, 1);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
