/* Kernel build cache: SHA-256, key stability and what changes the key,
 * source identities, the Image check, cache lookup and stale entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/build.h"
#include "kernel/fsutil.h"
#include "core/signals.h"
#include "core/proc.h"
#include "kernel/sha256.h"
#include "kernel/source.h"

static char root[64];

static char *at(const char *rel)
{
	return kfs_fmt("%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
	char *path = at(rel);
	struct herr err;

	*strrchr(path, '/') = '\0';
	assert_int_equal(kfs_mkdir_p(path, &err), 0);
	path[strlen(path)] = '/';
	assert_int_equal(kfs_write(path, text, &err), 0);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/harness-kcache-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kfs_rm_rf(root);
	return 0;
}

static void test_sha256(void **state)
{
	struct ksha256 s;
	char hex[65];
	char big[1000];

	(void)state;
	ksha256_init(&s);
	ksha256_hex(&s, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ksha256_init(&s);
	ksha256_str(&s, "abc");
	ksha256_hex(&s, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the padding spills into a second block. */
	ksha256_init(&s);
	ksha256_str(&s, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
	ksha256_hex(&s, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* Fed in odd pieces, the same as in one go. */
	memset(big, 'a', sizeof(big));
	ksha256_init(&s);
	for (size_t i = 0; i < sizeof(big); i += 37)
		ksha256_update(&s, big + i, sizeof(big) - i < 37 ? sizeof(big) - i : 37);
	ksha256_hex(&s, hex);
	assert_string_equal(hex, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

struct inputs {
	char *frags[3];
	struct kpatch patches[2];
};

static void make_inputs(struct inputs *in)
{
	put("k/fragments/a.config", "CONFIG_A=y\n");
	put("k/fragments/b.config", "CONFIG_B=y\n");
	put("k/series/1.patch", "--- a/x\n+++ b/x\n");
	in->frags[0] = at("k/fragments/a.config");
	in->frags[1] = at("k/fragments/b.config");
	in->frags[2] = NULL;
	in->patches[0].path = at("k/series/1.patch");
	in->patches[0].strip = 1;
}

static void free_inputs(struct inputs *in)
{
	free(in->frags[0]);
	free(in->frags[1]);
	free(in->patches[0].path);
}

static void key_of(struct inputs *in, const char *source, const char *tc, size_t npatches,
		   char out[17])
{
	struct herr err;
	char *text = kbuild_key_text(source, tc, in->frags, 2, in->patches, npatches, &err);

	assert_non_null(text);
	kbuild_key(text, out);
	free(text);
}

static void test_key_stability(void **state)
{
	struct inputs in;
	char k1[17], k2[17], k[17];
	char *text;
	struct herr err;

	(void)state;
	make_inputs(&in);
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k1);
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k2);
	assert_string_equal(k1, k2);
	assert_int_equal(strlen(k1), 16);
	/* The key is a contract with every existing cache: this value changes
	 * only when the recipe or key format changes on purpose. */
	text = kbuild_key_text("tarball /x 1 2.0", "gcc 12", in.frags, 2, in.patches, 1, &err);
	assert_non_null(strstr(text, "toolchain gcc 12\n"));
	assert_non_null(strstr(text, "source tarball /x 1 2.0\n"));
	assert_non_null(strstr(text, "patch -p1 "));
	assert_null(strstr(text, "a.config"));	/* contents, not names */
	free(text);
	assert_string_equal(k1, "a641e137dd141061");

	/* Renaming or moving a fragment with the same content: same key. */
	put("elsewhere/renamed.config", "CONFIG_A=y\n");
	free(in.frags[0]);
	in.frags[0] = at("elsewhere/renamed.config");
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_equal(k, k1);
	free_inputs(&in);
}

static void test_key_changes(void **state)
{
	struct inputs in;
	char base[17], k[17];
	char *tmp;

	(void)state;
	make_inputs(&in);
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, base);

	key_of(&in, "tarball /x 1 3.0", "gcc 12", 1, k);	/* source mtime */
	assert_string_not_equal(k, base);
	key_of(&in, "tarball /x 1 2.0", "gcc 13", 1, k);	/* toolchain */
	assert_string_not_equal(k, base);
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 0, k);	/* no patches */
	assert_string_not_equal(k, base);

	in.patches[0].strip = 0;				/* strip level */
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_not_equal(k, base);
	in.patches[0].strip = 1;

	put("k/series/1.patch", "--- a/x\n+++ b/x\n@@\n");		/* patch content */
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_not_equal(k, base);
	put("k/series/1.patch", "--- a/x\n+++ b/x\n");
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_equal(k, base);

	put("k/fragments/b.config", "CONFIG_B=n\n");			/* fragment content */
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_not_equal(k, base);
	put("k/fragments/b.config", "CONFIG_B=y\n");

	tmp = in.frags[0];						/* fragment order */
	in.frags[0] = in.frags[1];
	in.frags[1] = tmp;
	key_of(&in, "tarball /x 1 2.0", "gcc 12", 1, k);
	assert_string_not_equal(k, base);
	free_inputs(&in);
}

static void test_key_missing_input(void **state)
{
	char *frags[] = { "/nonexistent/x.config", NULL };
	struct herr err = { 0 };

	(void)state;
	assert_null(kbuild_key_text("s", "t", frags, 1, NULL, 0, &err));
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/nonexistent/x.config"));
}

static void fake_tree(const char *rel)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s/Makefile", rel);
	put(buf, "# SPDX\nVERSION = 6\nPATCHLEVEL = 12\n");
	snprintf(buf, sizeof(buf), "%s/arch/arm64/Kconfig", rel);
	put(buf, "config ARM64\n\tdef_bool y\n");
	snprintf(buf, sizeof(buf), "%s/mm/Kconfig", rel);
	put(buf, "config MMU\n\tdef_bool y\n");
}

static void test_source_dir(void **state)
{
	struct ksource s;
	struct herr err = { 0 };
	char *tree = at("tree"), *notk = at("notkernel"), *id1;

	(void)state;
	put("notkernel/README", "hello\n");
	assert_int_equal(ksource_resolve(notk, NULL, 0, NULL, &s, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "is not a kernel tree"));
	assert_null(strchr(err.msg, '\n'));
	ksource_free(&s);

	assert_int_equal(ksource_resolve("/nonexistent/linux", NULL, 0, NULL, &s, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	ksource_free(&s);

	fake_tree("tree");
	assert_int_equal(ksource_resolve(tree, NULL, 0, NULL, &s, &err), 0);
	assert_int_equal(s.kind, KSOURCE_DIR);
	assert_string_equal(s.tree, s.path);
	id1 = strdup(s.identity);
	ksource_free(&s);
	assert_int_equal(ksource_resolve(tree, NULL, 0, NULL, &s, &err), 0);
	assert_string_equal(s.identity, id1);			/* stable */
	ksource_free(&s);
	put("tree/mm/new.c", "int x;\n");				/* a new file */
	assert_int_equal(ksource_resolve(tree, NULL, 0, NULL, &s, &err), 0);
	assert_string_not_equal(s.identity, id1);
	ksource_free(&s);
	free(id1);
	free(tree);
	free(notk);
}

static void test_source_tarball(void **state)
{
	struct ksource s;
	struct herr err = { 0 };
	char *tar = at("linux.tar"), *id1;
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

	(void)state;
	put("linux.tar", "not really a tarball");
	assert_int_equal(ksource_resolve(tar, NULL, 0, NULL, &s, &err), 0);
	assert_int_equal(s.kind, KSOURCE_TARBALL);
	assert_non_null(strstr(s.identity, "tarball "));
	assert_int_equal(strlen(s.srckey), 16);
	id1 = strdup(s.identity);
	ksource_free(&s);
	assert_int_equal(utimensat(AT_FDCWD, tar, times, 0), 0);	/* touched */
	assert_int_equal(ksource_resolve(tar, NULL, 0, NULL, &s, &err), 0);
	assert_string_not_equal(s.identity, id1);
	ksource_free(&s);
	free(id1);
	free(tar);
}

static int git(const char *dir, const char *a, const char *b, const char *c)
{
	const char *argv[] = { "git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", dir,
			       a, b, c, NULL };
	struct proc_spec p = { .argv = argv, .out_fd = -1 };
	struct herr err;

	return proc_run(&p, &err);
}

static void test_source_git(void **state)
{
	struct ksource s;
	struct herr err = { 0 };
	char *tree = at("gtree"), *clean;

	(void)state;
	if (!proc_on_path("git"))
		skip();
	fake_tree("gtree");
	assert_int_equal(git(tree, "init", "-q", NULL), 0);
	assert_int_equal(git(tree, "add", ".", NULL), 0);
	assert_int_equal(git(tree, "commit", "-qm", "x"), 0);
	assert_int_equal(ksource_resolve(tree, NULL, 0, NULL, &s, &err), 0);
	assert_int_equal(s.kind, KSOURCE_GIT);
	assert_non_null(strstr(s.identity, " clean"));
	clean = strdup(s.identity);
	ksource_free(&s);
	put("gtree/mm/Kconfig", "config MMU\n\tdef_bool n\n");
	assert_int_equal(ksource_resolve(tree, NULL, 0, NULL, &s, &err), 0);
	assert_non_null(strstr(s.identity, " dirty "));
	assert_string_not_equal(s.identity, clean);
	ksource_free(&s);
	free(clean);
	free(tree);
}

static void test_arm64_image(void **state)
{
	char img[64] = { 0 };
	char *path = at("Image");
	FILE *f;

	(void)state;
	memcpy(img + 56, "ARM\x64", 4);
	f = fopen(path, "w");
	fwrite(img, 1, sizeof(img), f);
	fclose(f);
	assert_true(kbuild_is_arm64_image(path));
	img[59] = 0;
	f = fopen(path, "w");
	fwrite(img, 1, sizeof(img), f);
	fclose(f);
	assert_false(kbuild_is_arm64_image(path));
	assert_false(kbuild_is_arm64_image("/nonexistent"));
	free(path);
}

/* A kernels directory, a fake source tree and a cache of our own. */
static void plan_env(void)
{
	char *k = at("plan/kernels"), *c = at("plan/cache");

	put("plan/kernels/variants/v4.ini", "[variant]\nfragments = one\n");
	put("plan/kernels/variants/reuse.ini", "[variant]\nkernel = v4\nknob = /sys/x=1\n");
	put("plan/kernels/variants/needs.ini", "[variant]\nfragments = one\npatches = series/needs\n");
	put("plan/kernels/fragments/one.config", "CONFIG_MMU=y\n");
	fake_tree("plan/src");
	setenv("HARNESS_KERNELS", k, 1);
	setenv("HARNESS_CACHE", c, 1);
	free(k);
	free(c);
}

static void test_plan_and_hit(void **state)
{
	char *src = at("plan/src");
	struct kbuild_opts o = { .source = src };
	struct kbuild b, r;
	struct herr err = { 0 };
	struct timespec t0, t1;
	char img[64] = { 0 };

	(void)state;
	if (!proc_on_path("aarch64-linux-gnu-gcc") && !proc_on_path("gcc"))
		skip();
	plan_env();
	if (kbuild_plan("v4", &o, &b, &err)) {
		if (strstr(err.msg, "not found on PATH"))
			skip();		/* no cross compiler here */
		fail_msg("%s", err.msg);
	}
	assert_false(b.cached);
	assert_non_null(strstr(b.entry, "/plan/cache/kernels/builds/"));
	assert_string_equal(b.entry + strlen(b.entry) - 16, b.key);

	/* A variant reusing v4's kernel has the same key and entry. */
	assert_int_equal(kbuild_plan("reuse", &o, &r, &err), 0);
	assert_string_equal(r.key, b.key);
	assert_string_equal(r.v->base->name, "v4");

	/* A finished entry is a hit, found quickly. */
	memcpy(img + 56, "ARM\x64", 4);
	assert_int_equal(kfs_mkdir_p(b.entry, &err), 0);
	assert_int_equal(kfs_write(b.image, "x", &err), 0);
	kbuild_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(kbuild_plan("reuse", &o, &r, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(r.cached);
	assert_true((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 1.0);
	/* kbuild_run on a hit does nothing. */
	assert_int_equal(kbuild_run(&r, &o, &err), 0);
	kbuild_free(&r);
	kbuild_free(&b);

	/* A missing series refuses before anything else. */
	assert_int_equal(kbuild_plan("needs", &o, &b, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "series/needs"));
	kbuild_free(&b);
	free(src);
}

static void test_missing_cross_compiler(void **state)
{
	char *src = at("plan/src");
	struct kbuild_opts o = { .source = src };
	struct kbuild b;
	struct herr err = { 0 };
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	int arm64 = !strcmp(
#if defined(__aarch64__)
		"aarch64"
#else
		"other"
#endif
		, "aarch64");

	(void)state;
	plan_env();
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(kbuild_plan("v4", &o, &b, &err), -1);
	if (path)
		setenv("PATH", path, 1);
	free(path);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "not found on PATH"));
	if (!arm64)
		assert_non_null(strstr(err.msg, "gcc-aarch64-linux-gnu"));
	assert_null(strchr(err.msg, '\n'));
	kbuild_free(&b);
	free(src);
}

static void test_stale_entries(void **state)
{
	char *dir = at("stale"), *live, *dead, *other;
	struct herr err;
	pid_t child = fork();

	(void)state;
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);	/* a pid that is certainly gone */
	live = kfs_fmt("%s/.tmp-%ld-0", dir, (long)getpid());
	dead = kfs_fmt("%s/.tmp-%ld-0", dir, (long)child);
	other = kfs_fmt("%s/0123456789abcdef", dir);
	assert_int_equal(kfs_mkdir_p(live, &err), 0);
	assert_int_equal(kfs_mkdir_p(dead, &err), 0);
	assert_int_equal(kfs_mkdir_p(other, &err), 0);
	assert_int_equal(kfs_clean_stale(dir, ".tmp-"), 1);
	assert_true(kfs_is_dir(live));
	assert_false(kfs_is_dir(dead));
	assert_true(kfs_is_dir(other));
	free(dir);
	free(live);
	free(dead);
	free(other);
}

static void test_proc(void **state)
{
	const char *echo_argv[] = { "sh", "-c", "echo one; echo two >&2; echo three", NULL };
	const char *fail_argv[] = { "sh", "-c", "exit 7", NULL };
	const char *none_argv[] = { "/nonexistent/prog", NULL };
	const char *unset[] = { "HARNESS_T_GONE", NULL };
	const char *set[] = { "HARNESS_T_NEW=1", "HARNESS_T_KEEP=new", NULL };
	struct herr err = { 0 };
	char *out;
	char **env;
	int gone = 0, added = 0, keep = 0;

	(void)state;
	/* stdout only; stderr is dropped; the last newline removed */
	assert_int_equal(proc_capture(echo_argv, NULL, &out, &err), 0);
	assert_string_equal(out, "one\nthree");
	free(out);
	assert_int_equal(proc_capture(fail_argv, NULL, &out, &err), 7);
	free(out);
	assert_int_equal(proc_capture(none_argv, NULL, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.msg, "/nonexistent/prog"));

	setenv("HARNESS_T_GONE", "x", 1);
	setenv("HARNESS_T_KEEP", "old", 1);
	env = proc_env(unset, set);
	for (char **e = env; *e; e++) {
		gone += !strncmp(*e, "HARNESS_T_GONE=", 15);
		added += !strcmp(*e, "HARNESS_T_NEW=1");
		keep += !strncmp(*e, "HARNESS_T_KEEP=", 15);
		if (!strncmp(*e, "HARNESS_T_KEEP=", 15))
			assert_string_equal(*e, "HARNESS_T_KEEP=new");
	}
	free(env);
	assert_int_equal(gone, 0);
	assert_int_equal(added, 1);
	assert_int_equal(keep, 1);
	assert_true(proc_on_path("sh"));
	assert_false(proc_on_path("harness-no-such-program"));
}

/* A SIGTERM to the harness during a child in its own group stops the
 * child (the whole group) and is recorded instead of killing us. */
static void test_signal_forwarding(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30; wait", NULL };
	struct proc_spec p = { .argv = argv, .out_fd = -1, .own_group = 1 };
	struct herr err;
	struct timespec t0, t1;
	pid_t me = getpid(), killer;
	int rc;

	(void)state;
	signals_catch();
	killer = fork();
	if (killer == 0) {
		usleep(300000);
		kill(me, SIGTERM);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = proc_run(&p, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(killer, NULL, 0);
	assert_int_equal(signals_caught(), SIGTERM);
	signals_release();
	assert_int_equal(rc, 128 + SIGTERM);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_key_stability),
		cmocka_unit_test(test_key_changes),
		cmocka_unit_test(test_key_missing_input),
		cmocka_unit_test(test_source_dir),
		cmocka_unit_test(test_source_tarball),
		cmocka_unit_test(test_source_git),
		cmocka_unit_test(test_arm64_image),
		cmocka_unit_test(test_plan_and_hit),
		cmocka_unit_test(test_missing_cross_compiler),
		cmocka_unit_test(test_stale_entries),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_signal_forwarding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
