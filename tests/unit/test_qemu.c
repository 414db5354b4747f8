/* The qemu target's pure parts: cpio archives, readelf parsing, the kernel
 * command line, panic lines, boot plans and the agent's framing checked by
 * the controller's stream reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/record_json.h"
#include "core/stream.h"
#include "sweep/plan.h"
#include "targets/qemu/qemu_target.h"
#include "sweep/spec.h"
#include "agent/bootplan.h"
#include "kernel/bundle.h"
#include "kernel/cpio.h"
#include "agent/frame.h"
#include "targets/qemu/qemu.h"
#include "targets/qemu/qemu_run.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Header fields are 8 hex digits after the 6-byte magic. */
static unsigned field(const char *h, int i)
{
	char hex[9];

	memcpy(hex, h + 6 + 8 * i, 8);
	hex[8] = '\0';
	return (unsigned)strtoul(hex, NULL, 16);
}

static void test_cpio_newc(void **state)
{
	char path[] = "/tmp/test-cpio-XXXXXX";
	struct cpio_out c;
	struct herr err;
	size_t len;
	char *buf;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	assert_int_equal(cpio_open(&c, path, 0, &err), 0);
	assert_int_equal(cpio_dir(&c, "dev", 0755, &err), 0);
	assert_int_equal(cpio_data(&c, "plan.json", 0644, "{}\n", 3, &err), 0);
	assert_int_equal(cpio_symlink(&c, "init", "harness/harness", &err), 0);
	assert_int_equal(cpio_close(&c, &err), 0);
	buf = slurp(path, &len);
	assert_int_equal(len % 4, 0);
	assert_memory_equal(buf, "070701", 6);
	assert_int_equal(field(buf, 1), S_IFDIR | 0755);
	/* dev: header 110 + "dev\0" = 114, padded to 116; no data. */
	assert_memory_equal(buf + 116, "070701", 6);
	assert_int_equal(field(buf + 116, 1), S_IFREG | 0644);
	assert_int_equal(field(buf + 116, 6), 3);	/* file size */
	/* plan.json: 110 + 10 = 120; data 3 -> 4. */
	assert_memory_equal(buf + 116 + 120, "{}\n", 3);
	assert_non_null(memmem(buf, len, "TRAILER!!!", 10));
	assert_non_null(memmem(buf, len, "harness/harness", 15));
	free(buf);
	unlink(path);
}

static void test_readelf_parse(void **state)
{
	const char *out =
		"Program Headers:\n"
		"  INTERP         0x000238 0x0000000000000238\n"
		"      [Requesting program interpreter: /lib/ld-linux-aarch64.so.1]\n"
		"Dynamic section at offset 0x1f8 contains 30 entries:\n"
		" 0x0000000000000001 (NEEDED)             Shared library: [libjansson.so.4]\n"
		" 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]\n"
		" 0x000000000000000e (SONAME)             Library soname: [libx.so.1]\n";
	char **needed, *interp;
	size_t n;

	(void)state;
	assert_int_equal(bundle_parse_readelf(out, &needed, &n, &interp), 0);
	assert_int_equal(n, 2);
	assert_string_equal(needed[0], "libjansson.so.4");
	assert_string_equal(needed[1], "libc.so.6");
	assert_string_equal(interp, "/lib/ld-linux-aarch64.so.1");
	for (size_t i = 0; i < n; i++)
		free(needed[i]);
	free(needed);
	free(interp);
}

static void expect_append(const char *in, const char *want)
{
	char *got = qemu_append(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_append(void **state)
{
	(void)state;
	expect_append(NULL, "console=ttyAMA0 panic=-1");
	expect_append("", "console=ttyAMA0 panic=-1");
	expect_append("console=ttyAMA0 panic=-1", "console=ttyAMA0 panic=-1");
	expect_append("quiet", "console=ttyAMA0 quiet panic=-1");
	/* A console the variant names is kept: a wrong one must show. */
	expect_append("console=ttyS0", "console=ttyS0 panic=-1");
	expect_append("panic=5 loglevel=3", "console=ttyAMA0 panic=5 loglevel=3");
}

static void test_panic_line(void **state)
{
	const char *log = "[    1.0] ok\r\n[    1.2] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r\n[ 1.3] ---[ end";
	char line[200];

	(void)state;
	assert_int_equal(qemu_find_panic(log, strlen(log), line, sizeof(line)), 1);
	assert_string_equal(line, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100");
	assert_int_equal(qemu_find_panic("all fine\n", 9, line, sizeof(line)), 0);
}

static void test_plan_round_trip(void **state)
{
	struct boot_plan p, q;
	struct boot_cell *c;
	const char *params[] = { "size=64m", "threads=1" };
	struct herr err;
	json_t *j;

	(void)state;
	bootplan_init(&p);
	snprintf(p.variant, sizeof(p.variant), "64k");
	snprintf(p.hostname, sizeof(p.hostname), "qemu-x");
	p.scratch_fs = strdup("xfs");
	p.scratch_dir = strdup("/mnt/scratch");
	p.settings_json = strdup("{\"emulated\":true}");
	p.test.cut_at = 1;
	c = bootplan_add_cell(&p);
	snprintf(c->id, sizeof(c->id), "11111111-2222-4333-8444-555555555555");
	c->workload = strdup("gups");
	c->program = strdup("/harness/workloads/gups");
	c->params = bootplan_strv(params, 2);
	c->nparams = 2;
	c->params_json = strdup("{\"size\":67108864}");
	c->events = bootplan_strv(NULL, 0);
	c->seed = 7;
	c->rep = 3;
	c->timeout_s = 60;
	j = bootplan_to_json(&p);
	bootplan_init(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), 0);
	assert_string_equal(q.variant, "64k");
	assert_string_equal(q.scratch_fs, "xfs");
	assert_int_equal(q.test.cut_at, 1);
	assert_int_equal(q.test.panic_at, -1);
	assert_int_equal(q.ncells, 1);
	assert_string_equal(q.cells[0].params[1], "threads=1");
	assert_int_equal(q.cells[0].seed, 7);
	assert_int_equal(q.cells[0].rep, 3);
	assert_int_equal(q.cells[0].timeout_s, 60);
	assert_string_equal(q.cells[0].params_json, "{\"size\":67108864}");
	/* No LAVA fields: the stream goes to the port, as before them. */
	assert_int_equal(q.console, 0);
	assert_int_equal(q.lava, 0);
	assert_string_equal(q.boot_id, "");
	assert_null(q.sweep_json);
	/* A LAVA export's plan: console, test cases, its boot and sweep. */
	bootplan_free(&q);
	json_decref(j);
	p.console = p.lava = 1;
	snprintf(p.boot_id, sizeof(p.boot_id), "aaaaaaaa-2222-4333-8444-555555555555");
	p.sweep_json = strdup("{\"id\":\"s\"}");
	j = bootplan_to_json(&p);
	assert_int_equal(bootplan_from_json(j, &q, &err), 0);
	assert_int_equal(q.console, 1);
	assert_int_equal(q.lava, 1);
	assert_string_equal(q.boot_id, "aaaaaaaa-2222-4333-8444-555555555555");
	assert_string_equal(q.sweep_json, "{\"id\":\"s\"}");
	json_object_set_new(j, "output", json_string("serial"));
	bootplan_free(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "output 'serial'"));
	json_object_set_new(j, "output", json_string("console"));
	bootplan_free(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), 0);
	/* A plan from another protocol version is refused, saying why. */
	json_object_set_new(j, "protocol", json_integer(99));
	bootplan_free(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), -1);
	assert_non_null(strstr(err.msg, "protocol 99"));
	assert_int_equal(err.code, EXIT_USAGE);
	/* Issue 16: a malformed plan is bad input (exit 2) naming the field. */
	json_object_set_new(j, "protocol", json_integer(BOOTPLAN_PROTOCOL));
	json_object_set_new(json_array_get(json_object_get(j, "cells"), 0), "rep",
			    json_integer(1LL << 40));
	bootplan_free(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "rep 1099511627776"));
	json_object_set_new(json_array_get(json_object_get(j, "cells"), 0), "rep", json_string("x"));
	bootplan_free(&q);
	assert_int_equal(bootplan_from_json(j, &q, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "cell 0: Expected integer"));
	bootplan_free(&q);
	assert_int_equal(bootplan_load("/nonexistent/plan.json", &q, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/nonexistent/plan.json"));
	assert_null(strstr(err.msg, "line -1"));
	json_decref(j);
	bootplan_free(&q);
	bootplan_free(&p);
}

static int count_msgs(void *user, const char *type, json_t *msg, struct herr *err)
{
	(void)type;
	(void)msg;
	(void)err;
	(*(int *)user)++;
	return 0;
}

/* What the agent frames, the controller's reader accepts; a cut line does
 * not pass. */
static void test_frame_and_stream(void **state)
{
	char path[] = "/tmp/test-frame-XXXXXX";
	int fd = mkstemp(path), n = 0;
	struct frame_out f;
	struct stream s;
	struct herr err;
	size_t len;
	char *buf;

	(void)state;
	frame_init(&f, fd);
	for (int i = 0; i < 3; i++) {
		json_t *msg = json_pack("{s:s, s:i}", "type", "cell", "index", i);

		assert_int_equal(frame_send(&f, msg, &err), 0);
		json_decref(msg);
	}
	assert_int_equal(frame_end(&f, &err), 0);
	close(fd);
	buf = slurp(path, &len);
	stream_init(&s, count_msgs, &n);
	assert_int_equal(stream_feed(&s, buf, len, &err), 0);
	assert_int_equal(stream_finish(&s, &err), 0);
	assert_int_equal(n, 3);
	stream_free(&s);
	/* Cut in the middle of the second line. */
	stream_init(&s, count_msgs, &n);
	assert_int_equal(stream_feed(&s, buf, (size_t)(strchr(buf, '\n') - buf) + 10, &err), 0);
	assert_int_equal(stream_finish(&s, &err), -1);
	assert_non_null(strstr(err.msg, "cut short"));
	stream_free(&s);
	free(buf);
	unlink(path);
}

static void test_env_faults(void **state)
{
	struct boot_test t;
	struct herr err;

	(void)state;
	setenv("HARNESS_QEMU_TEST", "panic=2,hang_hello", 1);
	assert_int_equal(qemu_test_from_env(&t, &err), 0);
	assert_int_equal(t.panic_at, 2);
	assert_int_equal(t.hang_hello, 1);
	assert_int_equal(t.cut_at, -1);
	setenv("HARNESS_QEMU_TEST", "explode=1", 1);
	assert_int_equal(qemu_test_from_env(&t, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	unsetenv("HARNESS_QEMU_TEST");
}

static void test_opts(void **state)
{
	struct qemu_opts o = { .mem = "2G", .scratch_fs = "btrfs" };
	struct herr err;

	(void)state;
	assert_int_equal(qemu_check_opts(&o, &err), -1);
	assert_non_null(strstr(err.msg, "btrfs"));
	o.scratch_fs = "xfs";
	o.mem = "2 G";
	assert_int_equal(qemu_check_opts(&o, &err), -1);
	o.mem = "512M";
	o.smp = 9;
	assert_int_equal(qemu_check_opts(&o, &err), -1);
	o.smp = 4;
	o.cpu = "max;rm";
	assert_int_equal(qemu_check_opts(&o, &err), -1);
	o.cpu = "cortex-a57";
	assert_int_equal(qemu_check_opts(&o, &err), 0);
}

/* A guest's run whose workload wrote nothing on stderr crosses the
 * stream as null and comes back as no tail. */
static void test_record_without_stderr(void **state)
{
	struct run_record r, back;
	struct herr err;
	json_t *j;

	(void)state;
	record_init(&r);
	snprintf(r.workload, sizeof(r.workload), "gups");
	r.params_json = strdup("{}");
	j = record_to_json(&r);
	record_init(&back);
	assert_int_equal(record_from_json(j, &back, &err), 0);
	assert_null(back.stderr_tail);
	assert_string_equal(back.id, r.id);
	json_decref(j);
	record_free(&back);
	record_free(&r);
}

/* ---- sweep plans on target qemu (need the built gups and ./kernels) ---- */

static int make_plan(const char *text, struct sweep_plan *p, struct herr *err)
{
	struct sweep_spec s;

	if (spec_parse("plan.ini", text, &s, err))
		return -1;
	return plan_make(&s, p, err);
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

static void test_qemu_plan(void **state)
{
	struct herr err = { 0 };
	struct sweep_plan p;

	(void)state;
	/* Without kernel =, a variant boots the kernel variant of its name;
	 * knobs are the guest's, so a file this host lacks is fine. */
	if (make_plan("[sweep]\ntarget = qemu\n[variant 64k]\n[variant m]\nkernel = mthp-64k\n"
		      "knob = /sys/kernel/mm/transparent_hugepage/hugepages-12345kB/enabled=always\n"
		      "[workload gups]\nsize = 1m\n", &p, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(p.spec.variants[0].kernel, "64k");
	assert_string_equal(qemu_variant_kernel(&p.spec.variants[1]), "mthp-64k");
	assert_null(p.skip[0]);
	plan_free(&p);
	expect_plan_error("[sweep]\ntarget = qemu\n[variant nosuch]\n[workload gups]\n",
			  "plan.ini:3: [variant nosuch]");
	expect_plan_error("[sweep]\ntarget = qemu\n[variant v]\nkernel = running\n[workload gups]\n",
			  "plan.ini:4: kernel = running in [variant v]: target qemu boots kernel variants");
	expect_plan_error("[sweep]\ntarget = qemu\ncpus = 0\n[variant 4k]\n[workload gups]\n",
			  "plan.ini:3: cpus = '0': not on target qemu");
	expect_plan_error("[sweep]\ntarget = qemu\n[variant 4k]\nlauncher = chroot /x\n[workload gups]\n",
			  "plan.ini:4: launcher 'chroot /x': unknown kind");
	expect_plan_error("[sweep]\ntarget = qemu\n[variant 4k]\nknob = /etc/passwd=x\n[workload gups]\n",
			  "plan.ini:4:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpio_newc),
		cmocka_unit_test(test_readelf_parse),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_panic_line),
		cmocka_unit_test(test_plan_round_trip),
		cmocka_unit_test(test_frame_and_stream),
		cmocka_unit_test(test_env_faults),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_record_without_stderr),
		cmocka_unit_test(test_qemu_plan),
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
