/* Sweep files: grids (lists, geometric and arithmetic ranges), the parser
 * (every error names file:line), and plans made against the real gups
 * workload (cells, fair order, optional variants, plan-time errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/grid.h"
#include "sweep/plan.h"
#include "sweep/spec.h"

/* ---- grids ---- */

static void expect_grid(const char *text, const char *joined)
{
	struct herr err = { 0 };
	struct grid g;
	char buf[2048] = "";

	if (grid_parse(text, &g, &err))
		fail_msg("'%s': %s", text, err.msg);
	for (size_t i = 0; i < g.n; i++)
		strcat(strcat(buf, i ? " " : ""), g.v[i]);
	if (strcmp(buf, joined))
		fail_msg("'%s' gave '%s', want '%s'", text, buf, joined);
	grid_free(&g);
}

static void expect_grid_error(const char *text, const char *want)
{
	struct herr err = { 0 };
	struct grid g;

	if (grid_parse(text, &g, &err) == 0)
		fail_msg("'%s' was accepted", text);
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, want);
}

static void test_grid_values(void **state)
{
	expect_grid("4m, 64m", "4m 64m");
	expect_grid("64m", "64m");
	expect_grid("16k..1g:x4", "16k 64k 256k 1m 4m 16m 64m 256m 1g");
	expect_grid("1..8:+1", "1 2 3 4 5 6 7 8");
	expect_grid("1..10:+4", "1 5 9");
	expect_grid("4k..16k:+4k", "4k 8k 12k 16k");
	expect_grid("1, 2..4:+1, 16", "1 2 3 4 16");
	expect_grid("3..3:x2", "3");
	expect_grid("1..1000:x10", "1 10 100 1000");
	expect_grid("default, thp , base", "default thp base");
	expect_grid("/var/tmp/../tmp", "/var/tmp/../tmp");	/* not a number: no range */
	expect_grid("\"16k,1m\", \"1k..1m\", 2m", "16k,1m 1k..1m 2m");	/* quoted: as written */
	expect_grid("1..18446744073709551615:+9223372036854775807",
		    "1 9223372036854775808 18446744073709551615");	/* no overflow */
}

static void test_grid_errors(void **state)
{
	expect_grid_error("16k..1g", "needs a step");
	expect_grid_error("16k..1g:x1", "never advances");
	expect_grid_error("0..8:x2", "never advances");
	expect_grid_error("1..8:+0", "never advances");
	expect_grid_error("1g..16k:x4", "start is above end");
	expect_grid_error("4m,,8m", "empty value");
	expect_grid_error("4m,", "empty value");
	expect_grid_error("1..x:+1", "ends must be");
	expect_grid_error("1..8:*2", "step");
	expect_grid_error("4m, 4m", "appears twice");
	expect_grid_error("1..100000:+1", "more than");
	expect_grid_error("\"16k,1m", "no closing quote");
	expect_grid_error("a\"b\"", "quote a whole value");
}

static void test_grid_numbers(void **state)
{
	uint64_t v;
	int sfx;
	char buf[32];

	assert_int_equal(grid_number("1k", &v, &sfx), 0);
	assert_int_equal(v, 1024);
	assert_true(sfx);
	assert_int_equal(grid_number("2G", &v, &sfx), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(grid_number("7b", &v, &sfx), 0);
	assert_int_equal(v, 7);
	assert_false(sfx);
	assert_int_equal(grid_number("-1", &v, &sfx), -1);
	assert_int_equal(grid_number("0x10", &v, &sfx), -1);
	assert_int_equal(grid_number("1.5m", &v, &sfx), -1);
	assert_int_equal(grid_number("99999999999t", &v, &sfx), -1);
	grid_format(3ULL << 20, 1, buf, sizeof(buf));
	assert_string_equal(buf, "3m");
	grid_format(1536, 1, buf, sizeof(buf));
	assert_string_equal(buf, "1536");
	grid_format(1024, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1024");
}

/* ---- the parser ---- */

static const char good[] =
	"; a comment\n"
	"# another\n"
	"[sweep]\n"
	"name = demo\n"
	"repetitions = 5\n"
	"warmup = 2\n"
	"order = grouped\n"
	"seed = 42\n"
	"aslr = on\n"
	"drop_caches = yes\n"
	"interval = 50\n"
	"timeout = 30   ; inline comment\n"
	"\n"
	"  [variant base]\n"
	"  description = nothing set\n"
	"[variant thp]\n"
	"knob = /sys/kernel/mm/transparent_hugepage/enabled = always\n"
	"knob = /proc/sys/vm/swappiness=10\n"
	"optional = yes\n"
	"launcher = wrapper taskset -c 0\n"
	"[workload big]\n"
	"program = gups\n"
	"size = 4m, 16m\n"
	"threads = 1..2:+1\n";

static void test_parse_good(void **state)
{
	struct herr err = { 0 };
	struct sweep_spec s;
	const struct sweep_variant *v;

	if (spec_parse("demo.ini", good, &s, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(s.name, "demo");
	assert_string_equal(s.target, "local");
	assert_int_equal(s.reps, 5);
	assert_int_equal(s.warmup, 2);
	assert_int_equal(s.order, ORDER_GROUPED);
	assert_int_equal(s.seed, 42);
	assert_false(s.aslr_off);
	assert_true(s.drop_caches);
	assert_int_equal(s.interval_ms, 50);
	assert_int_equal(s.timeout_s, 30);
	assert_int_equal(s.nvariants, 2);
	assert_string_equal(s.variants[0].name, "base");	/* a section without knobs */
	assert_int_equal(s.variants[0].nknobs, 0);
	assert_int_equal(s.variants[0].line, 14);
	v = &s.variants[1];
	assert_string_equal(v->kernel, "running");
	assert_int_equal(v->nknobs, 2);
	assert_string_equal(v->knobs[0].path, "/sys/kernel/mm/transparent_hugepage/enabled");
	assert_string_equal(v->knobs[0].value, "always");
	assert_int_equal(v->knobs[0].line, 17);
	assert_string_equal(v->knobs[1].value, "10");
	assert_true(v->optional);
	assert_int_equal(v->nlauncher, 4);
	assert_string_equal(v->launcher[0], "wrapper");
	assert_string_equal(v->launcher[3], "0");
	assert_null(v->launcher[4]);
	assert_int_equal(s.nworkloads, 1);
	assert_string_equal(s.workloads[0].label, "big");
	assert_string_equal(s.workloads[0].program, "gups");
	assert_int_equal(s.workloads[0].nparams, 2);
	assert_int_equal(s.workloads[0].params[1].grid.n, 2);
	assert_int_equal(s.workloads[0].params[1].line, 24);
	spec_free(&s);
}

static void test_parse_defaults(void **state)
{
	struct herr err = { 0 };
	struct sweep_spec s, t, u;

	if (spec_parse("dir/my-sweep.ini", "\xEF\xBB\xBF[sweep]\n[workload gups]\n", &s, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(s.name, "my-sweep");
	assert_int_equal(s.reps, 3);
	assert_int_equal(s.warmup, 1);
	assert_int_equal(s.order, ORDER_INTERLEAVED);
	assert_true(s.aslr_off);
	assert_int_equal(s.nvariants, 1);	/* no variants: the running kernel as it is */
	assert_string_equal(s.variants[0].name, "running");
	assert_string_equal(s.workloads[0].program, "gups");
	assert_int_equal(spec_parse("x.ini", "[sweep]\n[workload gups]\n", &t, &err), 0);
	assert_int_equal(spec_parse("y.ini", "[sweep]\n[workload gups]\n", &u, &err), 0);
	assert_string_not_equal(s.hash, t.hash);	/* the BOM is content */
	assert_string_equal(t.hash, u.hash);		/* the file name is not */
	spec_free(&s);
	spec_free(&t);
	spec_free(&u);
}

static void expect_parse_error(const char *text, const char *want)
{
	struct herr err = { 0 };
	struct sweep_spec s;

	if (spec_parse("bad.ini", text, &s, &err) == 0)
		fail_msg("accepted:\n%s", text);
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_parse_errors(void **state)
{
	expect_parse_error("[sweep]\nfoo = 1\n[workload gups]\n", "bad.ini:2: unknown key 'foo'");
	expect_parse_error("[sweep]\n[workload gups]\nsize = 16k..1g\n", "bad.ini:3: size = '16k..1g'");
	expect_parse_error("[sweep]\n[variant a]\n\n[variant a]\n[workload gups]\n",
			   "bad.ini:4: duplicate section [variant a] (first at line 2)");
	expect_parse_error("[sweep]\n[workload g]\n[workload g]\n", "bad.ini:3: duplicate section [workload g]");
	expect_parse_error("[sweep]\n[sweep]\n[workload g]\n", "bad.ini:2: duplicate section [sweep]");
	expect_parse_error("[sweep]\nseed = 1\nseed = 2\n[workload g]\n", "bad.ini:3: duplicate key 'seed' (first at line 2)");
	expect_parse_error("[sweep]\n[workload g]\nsize = 1m\nsize = 2m\n", "bad.ini:4: duplicate key 'size'");
	expect_parse_error("[sweep]\n[variant a]\nknob = /proc/sys/vm/x=1\nknob = /proc/sys/vm/x=2\n[workload g]\n",
			   "bad.ini:4: knob '/proc/sys/vm/x' set twice");
	expect_parse_error("[sweep]\n[variant a]\nknob = novalue\n[workload g]\n", "bad.ini:3: knob = 'novalue'");
	expect_parse_error("x = 1\n[sweep]\n", "bad.ini:1: 'x' is outside any section");
	expect_parse_error("[sweep]\njunk\n[workload g]\n", "bad.ini:2: not a key = value line");
	expect_parse_error("[sweeps]\n", "bad.ini:1: unknown section [sweeps]");
	expect_parse_error("[variant]\n", "bad.ini:1: unknown section [variant]");
	expect_parse_error("[variant a b]\n", "bad.ini:1: unknown section");
	expect_parse_error("[variant a/b]\n", "bad.ini:1: [variant a/b]: a name is");
	expect_parse_error("[sweep] x\n", "bad.ini:1: text after the section header");
	expect_parse_error("[sweep\n", "bad.ini:1: section header '[sweep' has no closing ']'");
	expect_parse_error("[workload g]\n", "no [sweep] section");
	expect_parse_error("[sweep]\nname = t\n", "bad.ini:1: no [workload NAME] section");
	expect_parse_error("[sweep]\nrepetitions = lots\n", "bad.ini:2: repetitions = 'lots'");
	expect_parse_error("[sweep]\norder = random\n", "bad.ini:2: order = 'random'");
	expect_parse_error("[sweep]\naslr = maybe\n", "bad.ini:2: aslr = 'maybe'");
	expect_parse_error("[sweep]\ndrop_caches = perhaps\n", "bad.ini:2: drop_caches = 'perhaps'");
	expect_parse_error("[sweep]\nname =\n", "bad.ini:2: name has no value");
	expect_parse_error("[sweep]\n[variant a]\ncolour = red\n", "bad.ini:3: unknown key 'colour' in [variant a]");
	expect_parse_error("[sweep]\n[variant a]\nlauncher = taskset -c 0\n",
			   "bad.ini:3: launcher 'taskset -c 0': unknown kind (one of: exec, wrapper CMD [ARG]...");
	expect_parse_error("[sweep]\n[variant a]\nlauncher = exec\nlauncher = exec\n",
			   "bad.ini:4: duplicate key 'launcher' (first at line 3)");
	expect_parse_error("[sweep]\n[workload g]\nbad.key = 1\n", "bad.ini:3: 'bad.key' is not a parameter name");
	expect_parse_error("[sweep]\n[workload g]\nprogram = ../x\n", "bad.ini:3: program = '../x'");
}

static void test_parse_long_line(void **state)
{
	char text[600];

	snprintf(text, sizeof(text), "[sweep]\ndescription = %0400d\n", 0);
	expect_parse_error(text, "bad.ini:2: line longer than");
}

static void test_load_missing(void **state)
{
	struct herr err = { 0 };
	struct sweep_spec s;

	assert_int_equal(spec_load("/nonexistent/x.ini", &s, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/nonexistent/x.ini"));
}

/* ---- plans (need the built gups) ---- */

static int make_plan(const char *text, struct sweep_plan *p, struct herr *err)
{
	struct sweep_spec s;

	if (spec_parse("plan.ini", text, &s, err))
		return -1;
	return plan_make(&s, p, err);
}

static void plan_ok(const char *text, struct sweep_plan *p)
{
	struct herr err = { 0 };

	if (make_plan(text, p, &err))
		fail_msg("%s", err.msg);
}

static void expect_plan_error(const char *text, const char *want)
{
	struct herr err = { 0 };
	struct sweep_plan p;

	if (make_plan(text, &p, &err) == 0) {
		plan_free(&p);
		fail_msg("accepted:\n%s", text);
	}
	assert_int_equal(err.code, EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static const char three_variants[] =
	"[sweep]\nrepetitions = 3\nwarmup = 1\nseed = 9\n"
	"[variant a]\n[variant b]\n[variant c]\n"
	"[workload gups]\nsize = 1m, 2m\nupdates = 10, 20\n";

static void test_plan_cells(void **state)
{
	struct sweep_plan p;

	plan_ok(three_variants, &p);
	assert_int_equal(p.ncells, 12);
	assert_int_equal(p.ngroups, 4);
	/* the last key varies fastest, variants outermost */
	assert_string_equal(p.cells[0].desc, "size=1m updates=10");
	assert_string_equal(p.cells[1].desc, "size=1m updates=20");
	assert_string_equal(p.cells[2].desc, "size=2m updates=10");
	assert_int_equal(p.cells[5].variant, 1);
	assert_int_equal(p.cells[5].group, 1);
	assert_non_null(strstr(p.cells[5].params_json, "\"size\": 1048576") ?: strstr(p.cells[5].params_json, "\"size\":1048576"));
	assert_int_equal(p.nmeasured, 36);
	assert_int_equal(p.nwarmup, 12);
	assert_int_equal(p.norder, 48);
	plan_free(&p);
}

/* Every (cell, rep) once; warm-ups first; round r complete before r+1. */
static void test_plan_order_fair(void **state)
{
	struct sweep_plan p, q;
	int seen[12][3] = { { 0 } }, warm[12] = { 0 }, differs = 0, by_variant[3][3] = { { 0 } };

	plan_ok(three_variants, &p);
	for (size_t i = 0; i < p.norder; i++) {
		const struct plan_entry *e = &p.order[i];

		if (e->warmup) {
			assert_true(i < 12);
			warm[e->cell]++;
			continue;
		}
		assert_true(i >= 12);
		assert_int_equal((i - 12) / 12, e->rep);	/* rounds */
		seen[e->cell][e->rep]++;
		/* each variant equally often in each third of the run */
		by_variant[p.cells[e->cell].variant][(i - 12) / 12]++;
	}
	for (int c = 0; c < 12; c++) {
		assert_int_equal(warm[c], 1);
		for (int r = 0; r < 3; r++)
			assert_int_equal(seen[c][r], 1);
	}
	for (int v = 0; v < 3; v++)
		for (int r = 0; r < 3; r++)
			assert_int_equal(by_variant[v][r], 4);
	/* seeded: the same file gives the same order */
	plan_ok(three_variants, &q);
	assert_memory_equal(p.order, q.order, p.norder * sizeof(*p.order));
	plan_free(&q);
	/* and interleaved means not grouped by variant */
	for (size_t i = 13; i < 24; i++)
		differs |= p.cells[p.order[i].cell].variant != p.cells[p.order[12].cell].variant;
	assert_true(differs);
	plan_free(&p);
}

static void test_plan_order_grouped_and_seed(void **state)
{
	struct sweep_plan p, q;
	char text[512];
	int differs = 0;

	plan_ok("[sweep]\norder = grouped\nwarmup = 0\nrepetitions = 2\n[variant a]\n[variant b]\n"
		"[workload gups]\nsize = 1m, 2m\n", &p);
	assert_int_equal(p.norder, 8);
	for (size_t i = 0; i < p.norder; i++) {
		assert_int_equal(p.order[i].cell, i / 2);
		assert_int_equal(p.order[i].rep, (int)(i % 2));
		assert_false(p.order[i].warmup);
	}
	plan_free(&p);
	plan_ok(three_variants, &p);
	snprintf(text, sizeof(text), "%s", three_variants);
	*strstr(text, "seed = 9") = '#';	/* default seed 1 */
	plan_ok(text, &q);
	for (size_t i = 0; i < p.norder; i++)
		differs |= p.order[i].cell != q.order[i].cell;
	assert_true(differs);
	plan_free(&p);
	plan_free(&q);
}

static void test_plan_optional_variant(void **state)
{
	struct sweep_plan p;
	char *json;
	json_t *o;

	plan_ok("[sweep]\nrepetitions = 2\nwarmup = 0\n[variant a]\n"
		"[variant gone]\noptional = yes\nknob = /sys/kernel/mm/transparent_hugepage/hugepages-3kB/enabled=always\n"
		"[workload gups]\nsize = 1m\n", &p);
	assert_null(p.skip[0]);
	assert_non_null(p.skip[1]);
	assert_non_null(strstr(p.skip[1], "hugepages-3kB"));
	assert_int_equal(p.ncells, 2);	/* indices stay stable */
	assert_int_equal(p.nskipped_cells, 1);
	assert_int_equal(p.norder, 2);
	for (size_t i = 0; i < p.norder; i++)
		assert_int_equal(p.order[i].cell, 0);
	json = plan_json(&p);
	o = json_loads(json, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_string(json_object_get(json_array_get(json_object_get(o, "variants"), 1), "skipped")));
	assert_int_equal(json_array_size(json_object_get(o, "order")), 2);
	assert_int_equal(json_array_size(json_object_get(o, "cells")), 2);
	assert_true(plan_same_cells(&p, json));
	assert_false(plan_same_cells(&p, "{\"cells\":[]}"));
	json_decref(o);
	free(json);
	plan_free(&p);
}

static void test_plan_errors(void **state)
{
	expect_plan_error("[sweep]\ntarget = lava\n[workload gups]\n", "plan.ini:2: target = 'lava': not available yet");
	expect_plan_error("[sweep]\ntarget = ssh\n[workload gups]\n", "plan.ini:2: target = ssh: name the machines");
	expect_plan_error("[sweep]\n[workload gups]\n[host a]\nuser = u\n", "plan.ini:3: [host a]: target local runs on no named machine");
	expect_plan_error("[sweep]\ntarget = mars\n[workload gups]\n", "plan.ini:2: target = 'mars': unknown target");
	expect_plan_error("[sweep]\n[workload nosuch]\n", "plan.ini:2: [workload nosuch]: unknown workload 'nosuch'");
	expect_plan_error("[sweep]\n[workload x]\nprogram = nosuch\n", "plan.ini:3: [workload x]: unknown workload");
	expect_plan_error("[sweep]\n[workload gups]\nsize = 1m\ncolour = red\n",
			  "plan.ini:4: [workload gups]: gups has no parameter 'colour'");
	expect_plan_error("[sweep]\n[workload gups]\nupdates = 1\nsize = 1m, 1x\n",
			  "plan.ini:4: [workload gups] with updates=1 size=1x: gups: parameter size");
	expect_plan_error("[sweep]\n[variant v]\nknob = /sys/kernel/mm/transparent_hugepage/nosuch=1\n[workload gups]\n",
			  "plan.ini:3: knob in [variant v]: this kernel has no");
	expect_plan_error("[sweep]\n[variant v]\nknob = /etc/hostname=x\n[workload gups]\n",
			  "plan.ini:3: knob in [variant v]: '/etc/hostname' is not allowed");
	expect_plan_error("[sweep]\n[variant v]\nknob = /sys/kernel/mm/../../etc/x=1\n[workload gups]\n",
			  "is not allowed");
	expect_plan_error("[sweep]\n[variant v]\nknob = /sys/kernel/mm/transparent_hugepage/enabled=sometimes\n[workload gups]\n",
			  "plan.ini:3: knob in [variant v]: 'sometimes' is not one of the choices");
	expect_plan_error("[sweep]\n[variant v]\nknob = /sys/kernel/mm/transparent_hugepage/hpage_pmd_size=1\n[workload gups]\n",
			  "read-only");
	expect_plan_error("[sweep]\n[variant v]\nkernel = nosuch-kernel\n[workload gups]\n",
			  "plan.ini:3: kernel = 'nosuch-kernel' in [variant v]: no such kernel variant");
	expect_plan_error("[sweep]\n[variant v]\nlauncher = wrapper no-such-launcher\n[workload gups]\n",
			  "plan.ini:3: launcher 'wrapper no-such-launcher'");
	expect_plan_error("[sweep]\n[variant v]\nlauncher = preload no-such-lib\n[workload gups]\n",
			  "plan.ini:3: launcher 'preload no-such-lib' in [variant v]: no such library");
	expect_plan_error("[sweep]\ncpus = 4096\n[workload gups]\n", "plan.ini:2: cpus = '4096'");
	expect_plan_error("[sweep]\ncpus = bogus:0\n[workload gups]\n", "plan.ini:2: cpus = 'bogus:0'");
	expect_plan_error("[sweep]\n[variant v]\noptional = yes\nknob = /sys/kernel/mm/transparent_hugepage/nosuch=1\n"
			  "[workload gups]\n", "every variant is skipped");
	/* Issue 16: equal once read, so two identical cells. */
	expect_plan_error("[sweep]\n[workload gups]\nupdates = 1\nsize = 1m, 1024k\n",
			  "plan.ini:4: [workload gups]: size=1m and size=1024k are the same value");
	expect_plan_error("[sweep]\n[workload gups]\nsize = 1m\nupdates = 10, 5, 010\n",
			  "plan.ini:4: [workload gups]: updates=10 and updates=010");
	/* Issue 16: numeric knobs are checked at plan time. */
	expect_plan_error("[sweep]\n[variant v]\nknob = /proc/sys/vm/overcommit_memory=7\n[workload gups]\n",
			  "plan.ini:3: knob in [variant v]: '7' is out of range");
	expect_plan_error("[sweep]\n[variant v]\nknob = /sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan=banana\n"
			  "[workload gups]\n", "plan.ini:3: knob in [variant v]: 'banana' is not an integer");
}

/* A variant file for another target: the message says what is needed. */
static void test_plan_kernel_file(void **state)
{
	char dir[] = "/tmp/test_sweep.XXXXXX", path[256], text[512];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.ini", dir);
	fclose(fopen(path, "w"));
	snprintf(text, sizeof(text), "[sweep]\n[variant v]\nkernel = %s\n[workload gups]\n", path);
	expect_plan_error(text, "plan.ini:3: kernel = '");
	expect_plan_error(text, "booting kernels needs target qemu");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid_values),
		cmocka_unit_test(test_grid_errors),
		cmocka_unit_test(test_grid_numbers),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_plan_cells),
		cmocka_unit_test(test_plan_order_fair),
		cmocka_unit_test(test_plan_order_grouped_and_seed),
		cmocka_unit_test(test_plan_optional_variant),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_plan_kernel_file),
	};
	char exe[4096], wl[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* The workloads of this build: <build>/tests/../workloads. */
	if (n > 0 && !getenv("HARNESS_WORKLOAD_DIR")) {
		exe[n] = '\0';
		snprintf(wl, sizeof(wl), "%s/../workloads", dirname(exe));
		setenv("HARNESS_WORKLOAD_DIR", wl, 1);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
