/* Kernel variant files (kernels/variants/NAME.ini), series resolution and
 * config fragments: every error names file:line and the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fsutil.h"
#include "kernel/kconfig.h"
#include "kernel/variant.h"

static char root[64];	/* a temporary kernels directory */

static void put(const char *rel, const char *text)
{
	char path[512];
	struct herr err;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	*strrchr(path, '/') = '\0';
	assert_int_equal(kfs_mkdir_p(path, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(kfs_write(path, text, &err), 0);
}

static char *path_of(const char *rel)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/harness-kvariant-XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("HARNESS_KERNELS", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kfs_rm_rf(root);
	return 0;
}

/* Parse text as variants/NAME.ini; returns the parse result. */
static int parse_text(const char *name, const char *text, struct kvariant *v, struct herr *err)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "variants/%s.ini", name);
	put(rel, text);
	herr_clear(err);
	return kvariant_parse(path_of(rel), v, err);
}

/* The error must be EXIT_USAGE and contain every given piece. */
static void expect_error(const char *text, int line, const char *piece)
{
	struct kvariant v;
	struct herr err;
	char where[64];

	if (parse_text("bad", text, &v, &err) != -1)
		fail_msg("parsed without error: %s", text);
	assert_int_equal(err.code, EXIT_USAGE);
	snprintf(where, sizeof(where), "bad.ini:%d: ", line);
	if (!strstr(err.msg, where) || !strstr(err.msg, piece))
		fail_msg("want '%s' and '%s' in: %s", where, piece, err.msg);
}

static void test_parse_full(void **state)
{
	struct kvariant v;
	struct herr err;

	(void)state;
	assert_int_equal(parse_text("full",
		"# comment\n[variant]\nname = full\ndescription = a test\n"
		"fragments = base  virt pages-4k\npatches = series/x\npatches_env = X_SERIES\n"
		"patches_about = the x series\ncmdline = console=ttyAMA0 panic=-1\n"
		"knob = /sys/kernel/mm/transparent_hugepage/enabled=always\n"
		"knob = /proc/sys/vm/overcommit_memory=1\n"
		"launcher = prctl 0x1234 {page_size} 0\npage_sizes = 4k 64k\n", &v, &err), 0);
	assert_string_equal(v.name, "full");
	assert_string_equal(v.description, "a test");
	assert_int_equal(v.nfragments, 3);
	assert_string_equal(v.fragments[2], "pages-4k");
	assert_int_equal(v.fragments_line, 5);
	assert_string_equal(v.patches, "series/x");
	assert_string_equal(v.patches_env, "X_SERIES");
	assert_string_equal(v.cmdline, "console=ttyAMA0 panic=-1");
	assert_int_equal(v.nknobs, 2);
	assert_string_equal(v.knobs[0].path, "/sys/kernel/mm/transparent_hugepage/enabled");
	assert_string_equal(v.knobs[0].value, "always");
	assert_string_equal(v.knobs[1].value, "1");
	assert_int_equal(v.launcher.kind, LAUNCH_PRCTL);
	assert_int_equal(v.launcher.nargs, 3);
	assert_string_equal(v.launcher.args[1], "{page_size}");
	assert_null(v.launcher.args[3]);
	assert_int_equal(v.npage_sizes, 2);
	assert_null(v.kernel);
	assert_string_equal(v.kdir, root);
	kvariant_free(&v);
}

static void test_parse_defaults(void **state)
{
	struct kvariant v;
	struct herr err;

	(void)state;
	assert_int_equal(parse_text("min", "[variant]\nfragments = base\n", &v, &err), 0);
	assert_int_equal(v.launcher.kind, LAUNCH_EXEC);
	assert_int_equal(v.launcher.nargs, 0);
	assert_null(v.patches);
	assert_null(v.cmdline);
	assert_int_equal(v.nknobs, 0);
	kvariant_free(&v);
	assert_int_equal(parse_text("w", "[variant]\nkernel = min\n"
				    "launcher = wrapper /usr/bin/env FOO=1 --\n", &v, &err), 0);
	assert_int_equal(v.launcher.kind, LAUNCH_WRAPPER);
	assert_int_equal(v.launcher.nargs, 3);
	assert_string_equal(v.kernel, "min");
	kvariant_free(&v);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("[variant]\nfragments = base\n\nfrobnicate = 7\n", 4, "unknown key 'frobnicate' (value '7')");
	expect_error("description = x\n[variant]\nfragments = a\n", 1, "outside the [variant] section");
	expect_error("[variant]\nfragments = a\n[other]\ncmdline = x\n", 4, "(in [other])");
	expect_error("[variant]\nfragments = a\nthis line has no equals\n", 3, "not 'key = value'");
	expect_error("[variant]\ncmdline = a\nfragments = a\ncmdline = b\n", 4,
		     "'cmdline' given twice (first on line 2)");
	expect_error("[variant]\nfragments = a\nknob = /sys/kernel/x\n", 3,
		     "knob '/sys/kernel/x': expected PATH=VALUE");
	expect_error("[variant]\nfragments = a\nknob = /etc/passwd=x\n", 3,
		     "must be under /sys/ or /proc/sys/");
	expect_error("[variant]\nfragments = a\nknob = /sys/../etc/x=1\n", 3, "'..'");
	expect_error("[variant]\nfragments = a\nlauncher = chroot /x\n", 3,
		     "launcher 'chroot /x': unknown kind (one of: exec, wrapper CMD");
	expect_error("[variant]\nfragments = a\nlauncher = preload lib NOT-AN-ASSIGNMENT\n", 3,
		     "'NOT-AN-ASSIGNMENT' is not VAR=VALUE");
	expect_error("[variant]\nfragments = a\nlauncher = prctl 1 2 3 4 5 6\n", 3,
		     "prctl takes 1 to 5 arguments");
	expect_error("[variant]\nfragments = a\nlauncher = prctl 0x10 size\n", 3,
		     "'size' is not a number");
	expect_error("[variant]\nfragments = a\nlauncher = personality\n", 3,
		     "personality takes 1 to 1 arguments");
	expect_error("[variant]\nfragments = a\npage_sizes = 4k 8k\n", 3, "'8k' is not 4k, 16k or 64k");
	expect_error("[variant]\nfragments = a b!\n", 2, "'b!' is not a fragment name");
	expect_error("[variant]\nkernel = 4k\n\nfragments = a\n", 2, "'kernel = 4k' reuses");
	expect_error("[variant]\ndescription = nothing to build\n", 2, "no 'fragments'");
	expect_error("[variant]\nname = other\nfragments = a\n", 2, "name 'other' differs from the file name 'bad'");
	expect_error("[variant]\nkernel = bad\n", 2, "names the variant itself");
	expect_error("[variant]\nkernel = ../4k\n", 2, "kernel '../4k': not a variant name");
	expect_error("[variant]\nfragments = a\npatches_env = 1BAD\n", 3, "patches_env '1BAD'");
	expect_error("[variant]\nfragments = a\ndescription =\n", 3, "'description' is empty");
}

static void test_long_line(void **state)
{
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "[variant]\nfragments = a\ncmdline = %0600d\nfoo = 1\n", 0);
	expect_error(text, 3, "line longer than");
}

static void test_missing_file(void **state)
{
	struct kvariant *v;
	struct herr err = { 0 };

	(void)state;
	v = kvariant_load("nosuch", &err);
	assert_null(v);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "no variant file"));
	assert_non_null(strstr(err.msg, "nosuch.ini"));
	assert_null(kvariant_load("../etc", &err));
	assert_int_equal(err.code, EXIT_USAGE);
}

static void test_reuse(void **state)
{
	struct kvariant *v;
	struct herr err = { 0 };

	(void)state;
	put("variants/base4.ini", "[variant]\nfragments = base pages-4k\ncmdline = console=ttyAMA0\n"
	    "knob = /sys/a=1\nlauncher = personality 0x400000\n");
	put("variants/top.ini", "[variant]\nkernel = base4\nknob = /sys/b=2\n");
	v = kvariant_load("top", &err);
	assert_non_null(v);
	assert_non_null(v->base);
	assert_string_equal(v->base->name, "base4");
	assert_int_equal(v->nknobs, 2);
	assert_string_equal(v->knobs[0].path, "/sys/a");	/* the base's first */
	assert_string_equal(v->knobs[1].path, "/sys/b");
	assert_string_equal(v->cmdline, "console=ttyAMA0");
	assert_int_equal(v->launcher.kind, LAUNCH_PERSONALITY);
	assert_string_equal(v->launcher.args[0], "0x400000");
	kvariant_free(v);
	free(v);

	/* The variant file named by path resolves its base beside it. */
	v = kvariant_load(path_of("variants/top.ini"), &err);
	assert_non_null(v);
	assert_string_equal(v->base->name, "base4");
	kvariant_free(v);
	free(v);

	/* A variant file outside the kernels directory finds its base and
	 * the standard fragments in the default one ($HARNESS_KERNELS). */
	put("elsewhere/deep/mine.ini", "[variant]\nkernel = base4\n");
	v = kvariant_load(path_of("elsewhere/deep/mine.ini"), &err);
	assert_non_null(v);
	assert_string_equal(v->base->name, "base4");
	kvariant_free(v);
	free(v);
	put("fragments/std.config", "CONFIG_A=y\n");
	put("elsewhere/deep/frag.ini", "[variant]\nfragments = std\n");
	v = kvariant_load(path_of("elsewhere/deep/frag.ini"), &err);
	assert_non_null(v);
	{
		char *p = kvariant_fragment_path(v, "std");

		assert_string_equal(p, path_of("fragments/std.config"));
		free(p);
	}
	kvariant_free(v);
	free(v);

	put("variants/loop1.ini", "[variant]\nkernel = loop2\n");
	put("variants/loop2.ini", "[variant]\nkernel = loop1\n");
	assert_null(kvariant_load("loop1", &err));
	assert_non_null(strstr(err.msg, "a cycle?"));

	put("variants/orphan.ini", "[variant]\ndescription = x\nkernel = gone\n");
	assert_null(kvariant_load("orphan", &err));
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.msg, "orphan.ini:3: 'kernel = gone'") || !strstr(err.msg, "gone.ini"))
		fail_msg("%s", err.msg);
}

static void test_names_and_fragments(void **state)
{
	char **names;
	size_t n;
	struct herr err;
	struct kvariant v;
	char *p;

	(void)state;
	put("variants/b.ini", "[variant]\nfragments = x\n");
	put("variants/a.ini", "[variant]\nfragments = x\n");
	put("variants/notes.txt", "not a variant\n");
	assert_int_equal(kvariant_names(root, &names, &n, &err), 0);
	assert_true(n >= 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	kvariant_free_names(names, n);

	assert_int_equal(parse_text("f", "[variant]\nfragments = x\n", &v, &err), 0);
	p = kvariant_fragment_path(&v, "pages-4k");
	assert_string_equal(p + strlen(root), "/fragments/pages-4k.config");
	free(p);
	p = kvariant_fragment_path(&v, "extra/my.config");
	assert_string_equal(p + strlen(root), "/extra/my.config");
	free(p);
	p = kvariant_fragment_path(&v, "/abs/x.config");
	assert_string_equal(p, "/abs/x.config");
	free(p);
	kvariant_free(&v);
}

static void test_series(void **state)
{
	struct kpatch *p;
	size_t n;
	struct herr err = { 0 };
	struct kvariant v;

	(void)state;
	put("s1/0002-b.patch", "b\n");
	put("s1/0001-a.patch", "a\n");
	put("s1/README", "ignored\n");
	put("s1/0003-c.diff", "c\n");
	assert_int_equal(kseries_read(path_of("s1"), &p, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_non_null(strstr(p[0].path, "0001-a.patch"));
	assert_non_null(strstr(p[2].path, "0003-c.diff"));
	assert_int_equal(p[0].strip, 1);
	kseries_free(p, n);

	/* A quilt series file decides the order and the strip level. */
	put("s2/series", "# quilt\nsecond.patch -p0\n\nfirst.patch\n");
	put("s2/first.patch", "1\n");
	put("s2/second.patch", "2\n");
	assert_int_equal(kseries_read(path_of("s2"), &p, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(p[0].path, "second.patch"));
	assert_int_equal(p[0].strip, 0);
	assert_int_equal(p[1].strip, 1);
	kseries_free(p, n);

	put("s3/series", "a.patch\nmissing.patch\n");
	put("s3/a.patch", "a\n");
	assert_int_equal(kseries_read(path_of("s3"), &p, &n, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "series:2: patch 'missing.patch' not found"));

	put("s4/series", "a.patch -x\n");
	assert_int_equal(kseries_read(path_of("s4/series"), &p, &n, &err), -1);
	assert_non_null(strstr(err.msg, "series:1:"));

	put("s5/notes.txt", "no patches\n");
	assert_int_equal(kseries_read(path_of("s5"), &p, &n, &err), -1);
	assert_non_null(strstr(err.msg, "lists no patches"));

	assert_int_equal(kseries_read(path_of("s1/0001-a.patch"), &p, &n, &err), 0);
	assert_int_equal(n, 1);
	kseries_free(p, n);

	/* The variant's own location missing: what to supply and where. */
	unsetenv("T_SERIES");
	assert_int_equal(parse_text("needs", "[variant]\nfragments = x\npatches = series/needs\n"
				    "patches_env = T_SERIES\npatches_about = the T series\n", &v, &err), 0);
	assert_int_equal(kvariant_series(&v, NULL, &p, &n, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.msg, "variant needs needs the T series") ||
	    !strstr(err.msg, "series/needs") || !strstr(err.msg, "T_SERIES=PATH") ||
	    !strstr(err.msg, "--patches PATH"))
		fail_msg("%s", err.msg);
	/* The environment variable and --patches override the location. */
	setenv("T_SERIES", path_of("s2"), 1);
	assert_int_equal(kvariant_series(&v, NULL, &p, &n, &err), 0);
	assert_int_equal(n, 2);
	kseries_free(p, n);
	assert_int_equal(kvariant_series(&v, path_of("s1"), &p, &n, &err), 0);
	assert_int_equal(n, 3);
	kseries_free(p, n);
	assert_int_equal(kvariant_series(&v, "/nonexistent/series", &p, &n, &err), -1);
	assert_non_null(strstr(err.msg, "--patches"));
	assert_non_null(strstr(err.msg, "/nonexistent/series"));
	unsetenv("T_SERIES");
	kvariant_free(&v);

	assert_int_equal(parse_text("none", "[variant]\nfragments = x\n", &v, &err), 0);
	assert_int_equal(kvariant_series(&v, NULL, &p, &n, &err), 0);
	assert_int_equal(n, 0);
	kvariant_free(&v);
}

static void test_fragments(void **state)
{
	struct kopts o = { 0 };
	struct herr err = { 0 };

	(void)state;
	put("fragments/one.config", "# about\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_N=8\n"
	    "CONFIG_S=\"text\"\n\n");
	put("fragments/two.config", "CONFIG_A=n\nCONFIG_C=y\n");
	put("fragments/bad.config", "CONFIG_A=y\nA=y\n");
	assert_int_equal(kconfig_read_fragment(path_of("fragments/one.config"), &o, &err), 0);
	assert_int_equal(o.n, 4);
	assert_string_equal(o.v[2].sym, "N");
	assert_string_equal(o.v[2].val, "8");
	assert_null(o.v[1].val);
	assert_int_equal(o.v[3].line, 5);
	/* A later fragment overrides: A becomes "not set", from two.config:1. */
	assert_int_equal(kconfig_read_fragment(path_of("fragments/two.config"), &o, &err), 0);
	assert_int_equal(o.n, 5);
	assert_null(o.v[0].val);
	assert_int_equal(o.v[0].line, 1);
	assert_non_null(strstr(o.v[0].frag, "two.config"));
	assert_int_equal(kconfig_read_fragment(path_of("fragments/bad.config"), &o, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "bad.config:2: 'A=y'"));
	kconfig_free(&o);
}

static void want_check(const char *frag, int rc, const char *piece)
{
	struct kopts o = { 0 };
	struct herr err = { 0 };

	put("fragments/check.config", frag);
	assert_int_equal(kconfig_read_fragment(path_of("fragments/check.config"), &o, &err), 0);
	char src[512];

	snprintf(src, sizeof(src), "%s/src", root);
	assert_int_equal(kconfig_check(path_of("obj/.config"), &o, src, NULL, &err), rc);
	if (rc && (err.code != EXIT_USAGE || !strstr(err.msg, piece)))
		fail_msg("want '%s' in: %s", piece, err.msg);
	kconfig_free(&o);
}

static void test_config_check(void **state)
{
	(void)state;
	put("src/Kconfig", "source \"mm/Kconfig\"\n");
	put("src/mm/Kconfig", "menuconfig THP\n\tbool \"thp\"\nconfig NEEDS_DEP\n\tbool\n"
	    "config CPUS\n\tint\nconfig GONE\n\tbool\n");
	put("obj/.config", "CONFIG_THP=y\n# CONFIG_NEEDS_DEP is not set\nCONFIG_CPUS=8\n"
	    "CONFIG_SELECTED=y\n");
	want_check("CONFIG_THP=y\nCONFIG_CPUS=8\n# CONFIG_GONE is not set\n", 0, NULL);
	want_check("CONFIG_THP=y\nCONFIG_NOSUCH=y\n", -1,
		     "CONFIG_NOSUCH=y (fragment check.config:2): unknown option");
	want_check("CONFIG_NEEDS_DEP=y\n", -1,
		     "CONFIG_NEEDS_DEP=y (fragment check.config:1) was dropped by olddefconfig");
	want_check("CONFIG_CPUS=4\n", -1, "became CONFIG_CPUS=8");
	want_check("# CONFIG_SELECTED is not set\n", -1, "final .config has CONFIG_SELECTED=y");
	want_check("CONFIG_NOSUCH=y\nCONFIG_GONE=y\n", -1, "(and 1 more, see the build log)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_names_and_fragments),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_config_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
