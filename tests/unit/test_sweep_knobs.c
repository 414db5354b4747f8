/* Knobs and their journal against a fake /sys and /proc under a temporary
 * root (knobs_set_root): the allow-list, plan-time checks, apply/restore,
 * and the replay after a SIGKILL, a live owner, a reboot or a damaged
 * journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine/knobs.h"

#define ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"
#define SWAPPINESS "/proc/sys/vm/swappiness"
#define GOVERNOR "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"

static char root[256], state_dir[300], journal[400];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void put(const char *path, const char *text, mode_t mode)
{
	char full[1024], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (slash = strchr(full + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(full, 0755);
		*slash = '/';
	}
	chmod(full, 0644);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(full, mode);
}

static char *get(const char *path)
{
	static char buf[256];
	char full[1024];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "r");
	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "%s/test_sweep_knobs.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(root))
		return -1;
	snprintf(state_dir, sizeof(state_dir), "%s/state", root);
	snprintf(journal, sizeof(journal), "%s/knobs.journal", state_dir);
	setenv("HARNESS_STATE", state_dir, 1);
	knobs_set_root(root);
	put(ENABLED, "always [madvise] never\n", 0644);
	put(SWAPPINESS, "60\n", 0644);
	put(GOVERNOR, "schedutil\n", 0644);
	put("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n", 0444);
	put("/proc/sys/vm/drop_caches", "0\n", 0200);
	put("/etc/hostname", "box\n", 0644);
	put("/run/lock/.keep", "", 0644);	/* where the machine's lock goes */
	return 0;
}

static int teardown(void **state)
{
	knobs_set_root(NULL);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void reset(void)
{
	put(ENABLED, "always [madvise] never\n", 0644);
	put(SWAPPINESS, "60\n", 0644);
	put(GOVERNOR, "schedutil\n", 0644);
	unlink(journal);
}

static void test_allowed(void **state)
{
	assert_true(knob_allowed(ENABLED));
	assert_true(knob_allowed("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan"));
	assert_true(knob_allowed(SWAPPINESS));
	assert_false(knob_allowed("/sys/kernel/mm/"));
	assert_false(knob_allowed("/sys/kernel/mm/../../../etc/passwd"));
	assert_false(knob_allowed("/sys/kernel/mm/transparent_hugepage/.."));
	assert_false(knob_allowed("/sys/kernel/mm//enabled"));
	assert_false(knob_allowed("/proc/sys/./vm/x"));
	assert_false(knob_allowed("/etc/hostname"));
	assert_false(knob_allowed("sys/kernel/mm/x"));
	assert_false(knob_allowed(GOVERNOR));	/* the harness sets it, never a sweep file */
}

static void check_knob(const char *path, const char *value, enum knob_status want, const char *why)
{
	char msg[700];
	enum knob_status st = knob_check(path, value, msg, sizeof(msg));

	if (st != want || (why && !strstr(msg, why)))
		fail_msg("%s=%s: status %d (want %d): %s", path, value, st, want,
			 st == KNOB_OK ? "ok" : msg);
}

static void test_check(void **state)
{
	char v[64];
	struct herr err = { 0 };

	reset();
	check_knob(ENABLED, "never", KNOB_OK, NULL);
	check_knob(ENABLED, "sometimes", KNOB_BAD, "always madvise never");
	check_knob(SWAPPINESS, "10", KNOB_OK, NULL);
	/* Issue 16: numeric knobs take numbers, in the kernel's range. */
	check_knob(SWAPPINESS, "banana", KNOB_BAD, "not an integer");
	check_knob(SWAPPINESS, "10 20", KNOB_BAD, "not an integer");
	check_knob(SWAPPINESS, "201", KNOB_BAD, "out of range");
	put("/proc/sys/vm/overcommit_memory", "0\n", 0644);
	check_knob("/proc/sys/vm/overcommit_memory", "7", KNOB_BAD, "0 to 2");
	check_knob("/proc/sys/vm/overcommit_memory", "2", KNOB_OK, NULL);
	put("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096\n", 0644);
	check_knob("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "banana", KNOB_BAD,
		   "not an integer");
	check_knob("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "0", KNOB_BAD,
		   "out of range");
	put("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "511\n", 0644);
	check_knob("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "511", KNOB_OK, NULL);
	check_knob("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "-1", KNOB_BAD,
		   "out of range");
	put("/proc/sys/vm/lowmem_reserve_ratio", "256 256 32 0\n", 0644);
	check_knob("/proc/sys/vm/lowmem_reserve_ratio", "256 256 32 0", KNOB_OK, NULL);
	check_knob("/proc/sys/vm/lowmem_reserve_ratio", "256", KNOB_BAD, "list of integers");
	check_knob("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", "always", KNOB_MISSING,
		     "this kernel has no");
	check_knob("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "1", KNOB_BAD, "read-only");
	check_knob("/proc/sys/vm/drop_caches", "3", KNOB_BAD, "write-only");
	check_knob("/etc/hostname", "x", KNOB_BAD, "not allowed");
	check_knob("/sys/kernel/mm/transparent_hugepage", "x", KNOB_BAD, "not a file");
	assert_int_equal(knob_read(ENABLED, v, sizeof(v), &err), 0);
	assert_string_equal(v, "madvise");
	assert_int_equal(knob_read(SWAPPINESS, v, sizeof(v), &err), 0);
	assert_string_equal(v, "60");
}

static void test_apply_restore(void **state)
{
	const char *paths[] = { ENABLED, SWAPPINESS };
	const char *values[] = { "never", "10" };
	struct knob_journal j;
	struct herr err = { 0 };
	struct knob *k;
	size_t n;

	reset();
	if (journal_begin(&j, paths, 2, -1, "test", &err))
		fail_msg("%s", err.msg);
	assert_int_equal(access(journal, F_OK), 0);
	assert_int_equal(journal_apply(&j, paths, values, 2, 0, &k, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(k[0].path, ENABLED);
	assert_string_equal(k[0].value, "never");
	assert_string_equal(k[0].previous, "madvise");
	assert_string_equal(k[1].value, "10");
	assert_string_equal(k[1].previous, "60");
	knobs_free(k, n);
	assert_string_equal(get(SWAPPINESS), "10");
	assert_int_equal(journal_restore(&j, &err), 0);
	assert_string_equal(get(SWAPPINESS), "60");
	assert_string_equal(get(ENABLED), "madvise");
	/* a knob outside the journal is refused: nothing is written unjournaled */
	paths[0] = "/proc/sys/vm/other";
	assert_int_equal(journal_apply(&j, paths, values, 1, 0, &k, &n, &err), -1);
	assert_int_equal(journal_apply(&j, paths + 1, values + 1, 1, 0, &k, &n, &err), 0);
	knobs_free(k, n);
	assert_int_equal(journal_end(&j, &err), 0);
	assert_string_equal(get(SWAPPINESS), "60");
	assert_int_not_equal(access(journal, F_OK), 0);
}

static void test_governor_paths(void **state)
{
	char **paths;
	size_t n = knob_governor_paths(&paths);

	assert_int_equal(n, 1);	/* the fake tree has cpu0 only */
	assert_string_equal(paths[0], GOVERNOR);
	free(paths[0]);
	free(paths);
}

static void test_sticky_until_end(void **state)
{
	const char *paths[] = { GOVERNOR, SWAPPINESS };
	const char *values[] = { "performance", "5" };
	struct knob_journal j;
	struct herr err = { 0 };
	struct knob *k;
	size_t n;

	reset();
	assert_int_equal(journal_begin(&j, paths, 2, -1, "test", &err), 0);
	assert_int_equal(journal_apply(&j, paths, values, 1, 1, &k, &n, &err), 0);
	knobs_free(k, n);
	assert_int_equal(journal_apply(&j, paths + 1, values + 1, 1, 0, &k, &n, &err), 0);
	knobs_free(k, n);
	assert_int_equal(journal_restore(&j, &err), 0);
	assert_string_equal(get(GOVERNOR), "performance");	/* kept for the sweep */
	assert_string_equal(get(SWAPPINESS), "60");
	assert_int_equal(journal_end(&j, &err), 0);
	assert_string_equal(get(GOVERNOR), "schedutil");
}

/* SIGKILL after the knobs changed: the next harness puts them back. */
static void test_replay_after_kill(void **state)
{
	const char *paths[] = { ENABLED, SWAPPINESS, GOVERNOR };
	const char *values[] = { "always", "1", "performance" };
	struct herr err = { 0 };
	char *msg = NULL;
	size_t msglen = 0;
	FILE *out;
	pid_t pid;
	int status;

	reset();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct knob_journal j;
		struct knob *k;
		size_t n;

		if (journal_begin(&j, paths, 3, -1, "test", &err) ||
		    journal_apply(&j, paths, values, 3, 0, &k, &n, &err))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_string_equal(get(ENABLED), "always");
	assert_string_equal(get(SWAPPINESS), "1");
	out = open_memstream(&msg, &msglen);
	assert_int_equal(knobs_replay(out, &err), 0);
	fclose(out);
	assert_string_equal(get(ENABLED), "madvise");
	assert_string_equal(get(SWAPPINESS), "60");
	assert_string_equal(get(GOVERNOR), "schedutil");
	assert_int_not_equal(access(journal, F_OK), 0);
	assert_non_null(strstr(msg, "restored"));
	assert_non_null(strstr(msg, ENABLED "=madvise"));
	free(msg);
	/* nothing left: a second replay is silent */
	out = open_memstream(&msg, &msglen);
	assert_int_equal(knobs_replay(out, &err), 0);
	fclose(out);
	assert_int_equal(msglen, 0);
	free(msg);
}

/* A journal whose harness is alive is left alone; a second sweep waits
 * for the machine's lock, even with a state directory of its own, and then
 * reads the values as they were before the first. */
static void test_live_owner(void **state)
{
	const char *paths[] = { SWAPPINESS };
	const char *values[] = { "7" };
	char other[400];
	struct knob_journal j;
	struct herr err = { 0 };
	int up[2], down[2], status;
	char c;
	pid_t pid, second;

	reset();
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	if (pid == 0) {
		struct knob *k;
		size_t n;

		if (journal_begin(&j, paths, 1, -1, "test", &err) || journal_apply(&j, paths, values, 1, 0, &k, &n, &err)) {
			fprintf(stderr, "child: %s\n", err.msg);
			_exit(1);
		}
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(journal_end(&j, &err) ? 1 : 0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);	/* EOF if the child failed */
	assert_int_equal(knobs_replay(stderr, &err), 0);
	assert_string_equal(get(SWAPPINESS), "7");	/* not touched */
	assert_int_equal(access(journal, F_OK), 0);

	snprintf(other, sizeof(other), "%s/other-state", root);
	second = fork();
	if (second == 0) {	/* another results directory, the same machine */
		struct knob *k;
		size_t n;

		setenv("HARNESS_STATE", other, 1);
		if (journal_begin(&j, paths, 1, -1, "test", &err))
			_exit(1);
		/* it saw the value from before the first sweep, not its "7" */
		if (strcmp(j.knobs[0].previous, "60") || journal_apply(&j, paths, values, 1, 0, &k, &n, &err))
			_exit(2);
		_exit(journal_end(&j, &err) ? 3 : 0);
	}
	usleep(300000);
	assert_int_equal(waitpid(second, &status, WNOHANG), 0);	/* still waiting */
	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(waitpid(second, &status, 0), second);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(get(SWAPPINESS), "60");
	assert_int_not_equal(access(journal, F_OK), 0);
}

static void write_journal(const char *text)
{
	FILE *f;

	mkdir(state_dir, 0755);
	f = fopen(journal, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_replay_odd_journals(void **state)
{
	struct herr err = { 0 };
	char bad[500], boot[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	char text[1024];

	assert_non_null(f);
	assert_non_null(fgets(boot, sizeof(boot), f));
	fclose(f);
	boot[strcspn(boot, "\n")] = '\0';

	reset();	/* from before the last boot: discarded, nothing written */
	write_journal("{\"pid\":1,\"boot_id\":\"another-boot\",\"knobs\":[{\"path\":\"" SWAPPINESS "\",\"previous\":\"1\"}]}");
	assert_int_equal(knobs_replay(stderr, &err), 0);
	assert_string_equal(get(SWAPPINESS), "60");
	assert_int_not_equal(access(journal, F_OK), 0);

	reset();	/* damaged: set aside */
	write_journal("{\"pid\": 1, \"kno");
	assert_int_equal(knobs_replay(stderr, &err), 0);
	snprintf(bad, sizeof(bad), "%s.bad", journal);
	assert_int_equal(access(bad, F_OK), 0);
	assert_int_not_equal(access(journal, F_OK), 0);
	unlink(bad);

	reset();	/* never writes where a sweep file could not */
	snprintf(text, sizeof(text), "{\"pid\":1,\"boot_id\":\"%s\",\"knobs\":["
		 "{\"path\":\"/etc/hostname\",\"previous\":\"evil\"},"
		 "{\"path\":\"" GOVERNOR "\",\"previous\":\"powersave\"}]}", boot);
	write_journal(text);
	assert_int_equal(knobs_replay(stderr, &err), 0);
	assert_string_equal(get("/etc/hostname"), "box");
	assert_string_equal(get(GOVERNOR), "powersave");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_apply_restore),
		cmocka_unit_test(test_governor_paths),
		cmocka_unit_test(test_sticky_until_end),
		cmocka_unit_test(test_replay_after_kill),
		cmocka_unit_test(test_live_owner),
		cmocka_unit_test(test_replay_odd_journals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
