/* The ssh target's pure parts: the one quoting function every remote
 * command goes through (checked by handing its output to a real /bin/sh
 * and reading back the argv it parsed, with hostile strings), the local
 * ssh argv (its security options, a host that cannot become an option)
 * and the [host] sections' checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep/plan.h"
#include "sweep/spec.h"
#include "targets/ssh/ssh_argv.h"
#include "targets/ssh/ssh_host.h"

/* sh -c 'printf "%s\0" "$@"' sh QUOTED: what a remote shell makes of it. */
static char *shell_parse(const char *quoted, size_t *len)
{
	char *script = NULL, *buf = malloc(1 << 16);
	int fd[2];
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_true(asprintf(&script, "printf '%%s\\0' %s", quoted) > 0);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf + got, (1 << 16) - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	free(script);
	*len = got;
	return buf;
}

static void round_trip(const char *const *argv)
{
	char *q = ssh_quote_argv(argv), *out;
	size_t len, at = 0, i;

	assert_non_null(q);
	out = shell_parse(q, &len);
	for (i = 0; argv[i]; i++) {
		assert_true(at < len);
		assert_string_equal(out + at, argv[i]);
		at += strlen(argv[i]) + 1;
	}
	assert_int_equal(at, len);	/* no word more, none split */
	free(out);
	free(q);
}

static void test_quote_hostile(void **state)
{
	const char *const a[] = { "echo", "it's", "'", "''", "\\'", "$(touch /tmp/pwned)", "`id`",
				  "a b\tc", "new\nline", ";rm -rf /;", "&&", "|", ">x", "<y", "*", "?",
				  "[a]", "~", "$HOME", "${IFS}", "\"", "\\", "#comment", "-n", "", "!",
				  "%s%n", "x=y", NULL };

	round_trip(a);
}

static void test_quote_every_byte(void **state)
{
	char all[256];
	const char *a[] = { "x", all, NULL };
	size_t n = 0;

	for (int c = 1; c < 256; c++)
		all[n++] = (char)c;
	all[n] = '\0';
	round_trip(a);
}

static void test_quote_shape(void **state)
{
	const char *const a[] = { "ls", "it's", NULL };
	char *q = ssh_quote_argv(a);

	assert_string_equal(q, "'ls' 'it'\\''s'");
	free(q);
	assert_null(ssh_quote_argv((const char *const[]){ NULL }));
}

static int has(char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void test_ssh_argv(void **state)
{
	struct ssh_dest d = { "root", "lab-1", "/k/id", "/k/known", 2222 };
	const char *const remote[] = { "cat", "a b", NULL };
	char **v = ssh_argv(&d, remote);
	size_t n = 0;

	assert_non_null(v);
	while (v[n])
		n++;
	assert_string_equal(v[0], "ssh");
	assert_true(has(v, "StrictHostKeyChecking=yes"));
	assert_true(has(v, "BatchMode=yes"));
	assert_true(has(v, "PasswordAuthentication=no"));
	assert_true(has(v, "UserKnownHostsFile=/k/known"));
	assert_true(has(v, "GlobalKnownHostsFile=/dev/null"));
	/* The host comes after "--", the command is one quoted word. */
	assert_string_equal(v[n - 3], "--");
	assert_string_equal(v[n - 2], "lab-1");
	assert_string_equal(v[n - 1], "'cat' 'a b'");
	ssh_argv_free(v);
}

static int plan_of(const char *text, struct sweep_spec *s, struct herr *err)
{
	return spec_parse("lab.ini", text, s, err);
}

static int hosts_of(const char *text, struct herr *err)
{
	struct sweep_spec s;
	struct ssh_host *h = NULL;
	size_t n = 0;
	int rc;

	if (plan_of(text, &s, err))
		return -1;
	rc = ssh_hosts_parse(&s, &h, &n, err);
	ssh_hosts_free(h, n);
	spec_free(&s);
	return rc;
}

#define HEAD "[sweep]\ntarget = ssh\n[workload gups]\n"

static void test_hosts(void **state)
{
	struct herr e = { 0 };
	char text[2048];

	snprintf(text, sizeof(text), HEAD "[host a]\nuser = root\nhost = 10.0.0.1\nidentity = /dev/null\n"
		 "known_hosts = /dev/null\nport = 2222\nreboot = grub-reboot {kernel}\nswitch = reboot\n");
	assert_int_equal(hosts_of(text, &e), 0);

	assert_int_equal(hosts_of(HEAD "[host a]\nhost = x\nidentity = /dev/null\nknown_hosts = /dev/null\n", &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "lab.ini:4:"));
	assert_non_null(strstr(e.msg, "has no user"));

	assert_int_equal(hosts_of(HEAD "[host a]\nuser = root\nhost = x\nknown_hosts = /dev/null\n", &e), -1);
	assert_non_null(strstr(e.msg, "has no identity"));

	assert_int_equal(hosts_of(HEAD "[host a]\nuser = root\nhost = -oProxyCommand=x\n", &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:6: host = '-oProxyCommand=x'"));

	assert_int_equal(hosts_of(HEAD "[host a]\nuser = root\ncolour = red\n", &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:6: unknown key 'colour' in [host a]"));

	assert_int_equal(hosts_of(HEAD "[host a]\nport = 70000\n", &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:5: port = '70000'"));

	assert_int_equal(hosts_of(HEAD "[host a]\nidentity = /no/such/key\n", &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:5: identity = '/no/such/key': cannot read it"));

	assert_int_equal(hosts_of(HEAD "[host a]\ndir = /tmp/../etc\n", &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:5: dir"));

	assert_int_equal(hosts_of(HEAD "[host a]\nuser = root\nhost = x\nidentity = /dev/null\n"
				  "known_hosts = /dev/null\nswitch = reboot\n", &e), -1);
	assert_non_null(strstr(e.msg, "needs reboot = COMMAND"));

	assert_int_equal(hosts_of(HEAD, &e), -1);
	assert_non_null(strstr(e.msg, "lab.ini:2: target = ssh: name the machines"));

	assert_int_equal(plan_of(HEAD "[host a]\n[host a]\n", &(struct sweep_spec){ 0 }, &e), -1);
	assert_non_null(strstr(e.msg, "duplicate section [host a]"));
}

static void test_host_of(void **state)
{
	struct herr e = { 0 };
	struct sweep_spec s;
	struct ssh_host *h = NULL;
	size_t n = 0;
	const char *text = "[sweep]\ntarget = ssh\n[variant 4k]\n[variant 64k]\n[workload gups]\n"
			   "[host a]\nuser = u\nhost = a\nidentity = /dev/null\nknown_hosts = /dev/null\n"
			   "[host b]\nuser = u\nhost = b\nidentity = /dev/null\nknown_hosts = /dev/null\n"
			   "variants = 64k\n";

	assert_int_equal(plan_of(text, &s, &e), 0);
	assert_int_equal(ssh_hosts_parse(&s, &h, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ssh_host_of(h, n, "64k"), 1);
	assert_int_equal(ssh_host_of(h, n, "4k"), 0);
	ssh_hosts_free(h, n);
	spec_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_hostile),
		cmocka_unit_test(test_quote_every_byte),
		cmocka_unit_test(test_quote_shape),
		cmocka_unit_test(test_ssh_argv),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_host_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
