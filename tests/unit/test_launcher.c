/* The launcher table (core/launcher.c): words checked against it, made
 * ready for a child (placeholders, numbers, the preload library) and
 * applied in a real forked child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/launcher.h"

static void parse_ok(const char *text, enum launch_kind want, size_t nwords)
{
	struct herr err = { 0 };
	enum launch_kind k;
	char **w;
	size_t n;

	assert_int_equal(launcher_parse(text, &w, &n, &k, &err), 0);
	assert_int_equal(k, want);
	assert_int_equal(n, nwords);
	assert_null(w[n]);
	assert_int_equal(launcher_kind((const char *const *)w, n), want);
	launcher_free_words(w, n);
}

static void parse_bad(const char *text, const char *want)
{
	struct herr err = { 0 };
	char **w = (char **)1;
	size_t n = 1;

	assert_int_equal(launcher_parse(text, &w, &n, NULL, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_null(w);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_parse(void **state)
{
	(void)state;
	parse_ok("exec", LAUNCH_EXEC, 1);
	parse_ok("  wrapper  taskset -c 0 ", LAUNCH_WRAPPER, 4);
	parse_ok("prctl 0x70707301 {page_size}", LAUNCH_PRCTL, 3);
	parse_ok("prctl 38 1 0 0 0", LAUNCH_PRCTL, 6);
	parse_ok("personality 0x0040000", LAUNCH_PERSONALITY, 2);
	parse_ok("preload thp-advise GLIBC_TUNABLES=glibc.malloc.hugetlb=1 A_B=", LAUNCH_PRELOAD, 4);
	assert_int_equal(launcher_kind(NULL, 0), LAUNCH_EXEC);
	assert_int_equal(nlaunch_kinds, 5);
	assert_string_equal(launch_kinds[LAUNCH_PRELOAD].name, "preload");
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("chroot /x", "launcher 'chroot /x': unknown kind (one of: exec, wrapper CMD [ARG]..., "
		  "prctl OPTION [ARG]..., personality FLAGS, preload LIB [VAR=VALUE]...)");
	parse_bad("", "launcher '': empty");
	parse_bad("exec now", "exec takes 0 to 0 arguments");
	parse_bad("wrapper", "wrapper takes 1 to 64 arguments");
	parse_bad("prctl", "prctl takes 1 to 5 arguments");
	parse_bad("prctl 1 2 3 4 5 6", "prctl takes 1 to 5 arguments");
	parse_bad("prctl 0x10 size", "'size' is not a number, {page_size} or {page_shift}");
	parse_bad("prctl -1", "'-1' is not a number");
	parse_bad("personality 1 2", "personality takes 1 to 1 arguments");
	parse_bad("personality ADDR_NO_RANDOMIZE", "'ADDR_NO_RANDOMIZE' is not a number");
	parse_bad("preload", "preload takes 1 to 16 arguments");
	parse_bad("preload lib FOO", "'FOO' is not VAR=VALUE");
	parse_bad("preload lib 1X=2", "'1X=2' is not VAR=VALUE");
	parse_bad("preload lib =2", "'=2' is not VAR=VALUE");
}

static void test_prepare(void **state)
{
	const char *pr[] = { "prctl", "0x70707301", "{page_size}" };
	const char *wr[] = { "wrapper", "env", "P={page_shift}x" };
	const char *pl[] = { "preload", "/no/such/lib.so" };
	const char *self[] = { "preload", "/proc/self/exe", "A=1" };
	struct herr err = { 0 };
	struct launch l;
	char shift[16];
	long ps = sysconf(_SC_PAGESIZE);
	int s = 0;

	(void)state;
	while ((1L << s) < ps)
		s++;
	assert_int_equal(launch_prepare(pr, 3, &l, &err), 0);
	assert_int_equal(l.kind, LAUNCH_PRCTL);
	assert_int_equal(l.nnum, 2);
	assert_int_equal(l.num[0], 0x70707301);
	assert_int_equal(l.num[1], (unsigned long)ps);
	launch_free(&l);
	assert_int_equal(launch_prepare(wr, 3, &l, &err), 0);
	assert_int_equal(l.nargv, 2);
	assert_string_equal(l.argv[0], "env");
	snprintf(shift, sizeof(shift), "P=%dx", s);
	assert_string_equal(l.argv[1], shift);
	assert_null(l.argv[2]);
	launch_free(&l);
	assert_int_equal(launch_prepare(pl, 2, &l, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "launcher preload /no/such/lib.so: no such library"));
	assert_int_equal(launch_prepare(self, 3, &l, &err), 0);
	assert_string_equal(l.preload, "/proc/self/exe");
	assert_int_equal(l.nenv, 1);
	assert_string_equal(l.env[0], "A=1");
	launch_free(&l);
	assert_int_equal(launch_prepare(NULL, 0, &l, &err), 0);
	assert_int_equal(l.kind, LAUNCH_EXEC);
	assert_int_equal(launch_apply(&l), 0);
	launch_free(&l);
}

/* In a forked child, as the runner does: the child reports what it sees. */
static int in_child(const char *const *w, size_t n, int (*probe)(void))
{
	struct herr err = { 0 };
	struct launch l;
	int status;
	pid_t pid;

	assert_int_equal(launch_prepare(w, n, &l, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(launch_apply(&l) ? 100 : probe());
	launch_free(&l);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int probe_personality(void)
{
	return (personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? 1 : 0;
}

static int probe_no_new_privs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static int probe_env(void)
{
	const char *p = getenv("LD_PRELOAD"), *a = getenv("A");

	return p && !strcmp(p, "/proc/self/exe") && a && !strcmp(a, "1") ? 1 : 0;
}

static void test_apply(void **state)
{
	const char *pers[] = { "personality", "0x0040000" };
	const char *nnp[] = { "prctl", "38", "1" };
	const char *bad[] = { "prctl", "0x70707301", "3" };
	const char *env[] = { "preload", "/proc/self/exe", "A=1" };

	(void)state;
	assert_int_equal(in_child(pers, 2, probe_personality), 1);
	assert_int_equal(in_child(nnp, 3, probe_no_new_privs), 1);
	assert_int_equal(probe_no_new_privs(), 0);	/* the parent is untouched */
	/* An option the kernel does not have fails in the child (EINVAL). */
	assert_int_equal(in_child(bad, 3, probe_no_new_privs), 100);
	assert_int_equal(in_child(env, 3, probe_env), 1);
	assert_null(getenv("A"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
