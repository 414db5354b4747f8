#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/signals.h"
#include "core/fileio.h"
#include "measure/bootmem.h"
#include "measure/sysinfo.h"
#include "core/record_json.h"
#include "core/runner.h"
#include "machine/knobs.h"
#include "agent/agent.h"
#include "agent/frame.h"
#include "kernel/bundle.h"

/* ---- knobs: applied before each run, put back after ---- */

/* The value in force: the bracketed word of a choice file
 * ("always [madvise] never" -> "madvise"), else the first line. */
static int knob_now(const char *path, char *out, size_t n)
{
	char line[512], *open, *close;

	if (file_read_line(path, line, sizeof(line)))
		return -1;
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close)
		snprintf(out, n, "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(out, n, "%s", line);
	return 0;
}

static int knobs_apply(const struct boot_plan *p, struct run_record *r, struct herr *err)
{
	char prev[512], now[512];

	r->knobs = calloc(p->nknobs + 1, sizeof(*r->knobs));
	if (!r->knobs)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < p->nknobs; i++) {
		const char *path = p->knob_paths[i];

		/* The sweep's allow-list holds here too: `harness agent` may run
		 * a plan on a machine that matters. */
		if (!knob_allowed(path))
			return herr_set(err, EXIT_USAGE, "knob %s: not under /sys/kernel/mm/ or /proc/sys/", path);
		if (knob_now(path, prev, sizeof(prev)))
			return herr_errno(err, EXIT_RUNTIME, "knob %s: cannot read it", path);
		if (file_write_text(path, p->knob_values[i]))
			return herr_errno(err, EXIT_RUNTIME, "knob %s=%s: cannot write it", path,
					  p->knob_values[i]);
		if (knob_now(path, now, sizeof(now)))
			snprintf(now, sizeof(now), "%s", p->knob_values[i]);
		r->knobs[i].path = strdup(path);
		r->knobs[i].value = strdup(now);
		r->knobs[i].previous = strdup(prev);
		r->nknobs++;
	}
	return 0;
}

/* In reverse, so a knob written twice ends at its first previous value. */
static void knobs_restore(const struct run_record *r)
{
	for (size_t i = r->nknobs; i-- > 0;)
		if (r->knobs[i].previous)
			file_write_text(r->knobs[i].path, r->knobs[i].previous);
}

/* ---- one cell ---- */

static void run_opts_of(const struct boot_plan *p, const struct boot_cell *c, struct run_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->path = c->program;
	ro->params = (const char *const *)c->params;
	ro->nparams = c->nparams;
	ro->seed = c->seed;
	ro->sample_ms = c->sample_ms ? c->sample_ms : 100;
	ro->timeout_s = c->timeout_s;
	ro->use_cgroup = c->use_cgroup;
	ro->events = c->nevents ? (const char *const *)c->events : NULL;
	ro->nevents = c->nevents;
	ro->aslr_off = c->aslr_off;
	ro->drop_caches = c->drop_caches;
	/* The runner fills {page_size} and {page_shift} for this kernel. */
	ro->launcher = (const char *const *)p->launcher;
	ro->nlauncher = p->nlauncher;
	ro->settings_extra = p->settings_json;
}

/* The plan's settings with the cell's own on top (caller frees). */
static char *merged_settings(const struct boot_plan *p, const struct boot_cell *c)
{
	json_t *j = json_loads(p->settings_json ? p->settings_json : "{}", 0, NULL);
	json_t *cj = c->settings_json ? json_loads(c->settings_json, 0, NULL) : NULL;
	char *out;

	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	if (json_is_object(cj))
		json_object_update(j, cj);
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	json_decref(cj);
	return out;
}

static void record_of(const struct boot_plan *p, const struct boot_cell *c, struct run_record *r)
{
	record_init(r);
	snprintf(r->id, sizeof(r->id), "%s", c->id);
	snprintf(r->sweep_id, sizeof(r->sweep_id), "%s", p->sweep_id);
	snprintf(r->variant, sizeof(r->variant), "%s", p->variant);
	snprintf(r->target, sizeof(r->target), "%s", p->target);
	snprintf(r->workload, sizeof(r->workload), "%s", c->workload);
	r->params_json = c->params_json ? strdup(c->params_json) : NULL;
	r->rep = c->rep;
	r->warmup = c->warmup;
}

/* A harness failure inside the guest becomes the run's reason: the
 * controller stores it like any failed run. */
static void fail_record(struct run_record *r, const char *why)
{
	snprintf(r->status, sizeof(r->status), "failed");
	snprintf(r->reason, sizeof(r->reason), "agent: %s", why);
	mset_free(&r->metrics);
	mset_init(&r->metrics);
}

static int run_cell(const struct boot_plan *p, size_t i, struct run_record *r)
{
	struct run_opts ro;
	struct herr e = { 0 };

	char *settings = merged_settings(p, &p->cells[i]);

	record_of(p, &p->cells[i], r);
	run_opts_of(p, &p->cells[i], &ro);
	ro.settings_extra = settings;
	if (knobs_apply(p, r, &e)) {
		knobs_restore(r);
		fail_record(r, e.msg);
		free(settings);
		return 0;
	}
	if (runner_run(&ro, r, &e))
		fail_record(r, e.msg);
	knobs_restore(r);
	free(settings);
	return signals_caught() ? -1 : 0;
}

/* ---- the stream ---- */

static int send_type(struct frame_out *f, json_t *msg, const char *type, struct herr *err)
{
	int rc;

	json_object_set_new(msg, "type", json_string(type));
	rc = frame_send(f, msg, err);
	json_decref(msg);
	return rc;
}

/* First words of /proc/consoles: where the kernel's messages go. */
static json_t *consoles(void)
{
	char *text = file_read_all("/proc/consoles"), *save = NULL;
	json_t *a = json_array();

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, " \t")] = '\0';
		json_array_append_new(a, json_string(line));
	}
	free(text);
	return a;
}

/* Where the runs belong, so that a stream read back from a log
 * (`harness ingest`) is attributed without the plan beside it. */
static json_t *with_origin(json_t *msg, const struct boot_plan *p)
{
	json_t *sweep = p->sweep_json ? json_loads(p->sweep_json, 0, NULL) : NULL;

	json_object_set_new(msg, "variant", json_string(p->variant));
	json_object_set_new(msg, "target", json_string(p->target));
	json_object_set_new(msg, "sweep_id", json_string(p->sweep_id));
	if (p->boot_id[0])
		json_object_set_new(msg, "boot_id", json_string(p->boot_id));
	if (sweep)
		json_object_set_new(msg, "sweep", sweep);
	return msg;
}

static int send_hello(struct frame_out *f, const struct boot_plan *p, const struct machine_info *m,
		      const struct kernel_info *k, struct herr *err)
{
	json_t *msg = sysinfo_to_json(m, k);
	struct boot_memory mem;

	bootmem_collect(&mem);
	json_object_set_new(msg, "memory", bootmem_to_json(&mem));

	json_object_set_new(msg, "protocol", json_integer(BOOTPLAN_PROTOCOL));
	json_object_set_new(msg, "harness", json_string(HARNESS_VERSION));
	json_object_set_new(msg, "release", json_string(k->release));
	json_object_set_new(msg, "page_size", json_integer(k->page_size));
	json_object_set_new(msg, "consoles", consoles());
	return send_type(f, with_origin(msg, p), "hello", err);
}

static int send_run(struct frame_out *f, const struct boot_plan *p, size_t i,
		    const struct run_record *r, struct herr *err)
{
	json_t *msg = json_pack("{s:I, s:o}", "index", (json_int_t)i, "record", record_to_json(r));

	if (p->test.cut_at == (int)i) {
		/* Half a line, then nothing: a stream cut in the middle. */
		char *text = json_dumps(msg, JSON_COMPACT);
		size_t half = text ? strlen(text) / 2 : 10;

		free(text);
		json_object_set_new(msg, "type", json_string("run"));
		frame_send_cut(f, msg, half, err);
		json_decref(msg);
		return 1;
	}
	return send_type(f, msg, "run", err);
}

/* ---- LAVA test cases ---- */

/* LAVA takes [-_.a-zA-Z0-9] in a test case's name and unit. */
static void lava_word(char *out, size_t n, const char *in)
{
	size_t o = 0;

	for (; *in && o + 1 < n; in++)
		out[o++] = isalnum((unsigned char)*in) || strchr("-_.", *in) ? *in : '_';
	out[o] = '\0';
}

/* One test case per metric of a measured run: `lava-test-case NAME
 * --result pass --measurement V --units U`, or `--result skip` after a
 * line with the reason when it was not measured. Inside a LAVA test
 * shell the real lava-test-case is run (argv, no shell); elsewhere (PID 1
 * of a LAVA qemu or board job, watched by a monitors test action) the same
 * line goes to the console, where the job's pattern reads it. The stream
 * carries every figure; these are LAVA's own view of them. */
static void lava_cases(const struct run_record *r, size_t index, FILE *log)
{
	int spawn = getpid() != 1 && proc_on_path("lava-test-case");

	for (size_t i = 0; i < r->metrics.n; i++) {
		const struct metric *m = &r->metrics.v[i];
		int ok = m->status == MS_OK || m->status == MS_SCALED;
		char name[200], word[120], unit[40], value[40];

		lava_word(word, sizeof(word), m->name);
		snprintf(name, sizeof(name), "%s.%zu.r%d.%s.%s", r->workload, index, r->rep,
			 metric_scope_name(m->scope), word);
		lava_word(unit, sizeof(unit), *m->unit ? m->unit : "none");
		snprintf(value, sizeof(value), "%.17g", m->value);
		if (!ok)
			fprintf(log, "harness-agent: %s not measured: %s\n", name, m->reason);
		if (spawn) {
			const char *pass[] = { "lava-test-case", name, "--result", "pass", "--measurement",
					       value, "--units", unit, NULL };
			const char *skip[] = { "lava-test-case", name, "--result", "skip", NULL };
			struct proc_spec ps = { .argv = ok ? pass : skip, .out_fd = 1 };
			struct herr e;

			fflush(log);
			if (proc_run(&ps, &e) < 0)
				fprintf(log, "harness-agent: lava-test-case: %s\n", e.msg);
		} else if (ok) {
			fprintf(log, "lava-test-case %s --result pass --measurement %s --units %s\n", name,
				value, unit);
		} else {
			fprintf(log, "lava-test-case %s --result skip\n", name);
		}
	}
	fflush(log);
}

static void sleep_forever(FILE *log, const char *why)
{
	fprintf(log, "harness-agent: test: %s: sleeping forever\n", why);
	fflush(log);
	for (;;)
		pause();
}

static int test_faults(const struct boot_plan *p, size_t i, int pid1, FILE *log,
		       struct herr *err)
{
	if (p->test.hang_at == (int)i)
		sleep_forever(log, "hang_at");
	if (p->test.panic_at != (int)i)
		return 0;
	if (!pid1)
		return herr_set(err, EXIT_USAGE, "test: panic_at needs the agent to be PID 1");
	fprintf(log, "harness-agent: test: PID 1 exits at cell %zu, the kernel panics\n", i);
	fflush(log);
	_exit(1);
}

static void wait_ack(int fd)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	char c;

	if (poll(&pf, 1, 10000) > 0 && read(fd, &c, 1) < 0)
		return;
}

static int run_cells(const struct boot_plan *p, struct frame_out *f, int pid1, FILE *log,
		     struct herr *err)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < p->ncells; i++) {
		const struct boot_cell *c = &p->cells[i];
		struct run_record r;

		fprintf(log, "harness-agent: cell %zu/%zu %s rep %d%s\n", i + 1, p->ncells,
			c->workload, c->rep, c->warmup ? " (warm-up)" : "");
		fflush(log);
		rc = send_type(f, json_pack("{s:I, s:s}", "index", (json_int_t)i, "id", c->id), "cell", err);
		if (!rc)
			rc = test_faults(p, i, pid1, log, err);
		if (rc)
			break;
		if (run_cell(p, i, &r))
			rc = herr_set(err, EXIT_RUNTIME, "interrupted by a signal");
		else
			rc = send_run(f, p, i, &r, err);
		if (!rc && p->lava && !c->warmup)
			lava_cases(&r, i, log);
		record_free(&r);
	}
	return rc;
}

int agent_run(const struct boot_plan *p, struct frame_out *f, int ack_fd, int pid1, FILE *log,
	      struct herr *err)
{
	struct machine_info m;
	struct kernel_info k;
	int rc;

	if (p->test.hang_hello)
		sleep_forever(log, "hang_hello");
	if (sysinfo_collect(&m, &k, err))
		return -1;
	signals_catch();
	rc = send_hello(f, p, &m, &k, err);
	if (!rc)
		rc = run_cells(p, f, pid1, log, err);
	sysinfo_free(&m, &k);
	if (rc)
		return rc;
	if (frame_end(f, err))
		return -1;
	if (ack_fd >= 0)
		wait_ack(ack_fd);
	return 0;
}

/* ---- PID 1 ---- */

static void say(const char *fmt, const char *arg)
{
	fprintf(stderr, "harness-agent: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
}

static void power_off(void) __attribute__((noreturn));
static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);	/* reboot failed: PID 1 exiting panics the kernel, which ends qemu too */
}

static void mount_one(const char *src, const char *dir, const char *type, const char *data)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, data) && errno != EBUSY)
		fprintf(stderr, "harness-agent: mount %s on %s: %s\n", type, dir, strerror(errno));
}

/* The kernel gave PID 1 /dev/console as fds 0-2, or nothing when the
 * console could not be opened: then anything written there goes nowhere. */
static void init_mounts(void)
{
	mount_one("proc", "/proc", "proc", NULL);
	mount_one("sysfs", "/sys", "sysfs", NULL);
	mount_one("devtmpfs", "/dev", "devtmpfs", NULL);
	mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", NULL);
	/* Per-run cgroups need the memory controller in the root's subtree. */
	if (file_write_text("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		fprintf(stderr, "harness-agent: cannot enable the memory controller: %s\n",
			strerror(errno));
}

static int sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	return nanosleep(&ts, NULL);
}

/* /dev/vportNpM whose name the host set to harness.results. The name
 * arrives from the host after the port appears, so look for a while. */
static int find_port(char *dev, size_t n)
{
	for (int tries = 0; tries < 500; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char path[600], name[128];

			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
			if (e->d_name[0] != '.' && !file_read_line(path, name, sizeof(name)) &&
			    !strcmp(name, AGENT_PORT_NAME)) {
				snprintf(dev, n, "/dev/%s", e->d_name);
				closedir(d);
				return 0;
			}
		}
		if (d)
			closedir(d);
		sleep_ms(10);
	}
	return -1;
}

/* /dev/vdX whose virtio serial the host set (-device ...,serial=NAME):
 * disks appear in probe order, which says nothing about which is which.
 * Without a serial attribute (an older kernel), the first disk. */
static int find_disk(const char *serial, char *dev, size_t n)
{
	for (int tries = 0; tries < 200; tries++) {
		DIR *d = opendir("/sys/block");
		struct dirent *e;
		int any = 0;

		while (d && (e = readdir(d))) {
			char path[600], name[128];

			if (strncmp(e->d_name, "vd", 2))
				continue;
			any = 1;
			snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
			if (!file_read_line(path, name, sizeof(name)) && !strcmp(name, serial)) {
				snprintf(dev, n, "/dev/%s", e->d_name);
				closedir(d);
				return 0;
			}
		}
		if (d)
			closedir(d);
		if (any && !strcmp(serial, "scratch") && access("/sys/block/vda/serial", F_OK)) {
			snprintf(dev, n, "/dev/vda");
			return 0;
		}
		sleep_ms(10);
	}
	return -1;
}

static int wait_dev(const char *dev)
{
	struct stat st;

	for (int i = 0; i < 200 && stat(dev, &st); i++)
		sleep_ms(10);
	return stat(dev, &st);
}

static int mount_scratch(const struct boot_plan *p, struct herr *err)
{
	char dev[300];

	if (!p->scratch_fs)
		return 0;
	if (find_disk("scratch", dev, sizeof(dev)) || wait_dev(dev))
		return herr_set(err, EXIT_RUNTIME, "no scratch disk (no virtio disk with serial scratch)");
	mkdir(p->scratch_dir, 0755);
	if (mount(dev, p->scratch_dir, p->scratch_fs, 0, NULL))
		return herr_errno(err, EXIT_RUNTIME, "cannot mount the scratch disk %s (%s) on %s",
				  dev, p->scratch_fs, p->scratch_dir);
	return 0;
}

/* mkdir -p inside the initramfs root. */
static void make_dirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* Tree disks, read-only at the host paths they were made from. */
static int mount_trees(const struct boot_plan *p, struct herr *err)
{
	for (size_t i = 0; i < p->ntrees; i++) {
		char serial[32], dev[300];

		snprintf(serial, sizeof(serial), "tree%zu", i);
		if (find_disk(serial, dev, sizeof(dev)) || wait_dev(dev))
			return herr_set(err, EXIT_RUNTIME, "no disk with serial %s for tree %s", serial,
					p->tree_dirs[i]);
		make_dirs(p->tree_dirs[i]);
		if (mount(dev, p->tree_dirs[i], "ext4", MS_RDONLY, NULL))
			return herr_errno(err, EXIT_RUNTIME, "cannot mount tree disk %s on %s", dev,
					  p->tree_dirs[i]);
		snprintf(serial, sizeof(serial), "%.20s", dev);
		say("tree mounted read-only from %s", serial);
	}
	return 0;
}

static void umount_trees(const struct boot_plan *p)
{
	for (size_t i = p->ntrees; i-- > 0;)
		umount(p->tree_dirs[i]);
}

/* The reason goes on in the same frame, so the controller reads it as
 * a valid message of the stream it was following. */
static void report_fatal(struct frame_out *f, const char *reason)
{
	struct herr e;

	say("%s", reason);
	if (f->fd >= 0)
		send_type(f, json_pack("{s:s}", "reason", reason), "error", &e);
}

/* The results port, or the console when the plan says so (a LAVA job:
 * the job's log is the only way back). */
static int open_output(const struct boot_plan *p, int *fd, struct herr *err)
{
	char dev[300];

	if (p->console) {
		*fd = dup(1);
		return *fd < 0 ? herr_errno(err, EXIT_RUNTIME, "no console on fd 1") : 0;
	}
	if (find_port(dev, sizeof(dev)))
		return herr_set(err, EXIT_RUNTIME, "no virtio port named " AGENT_PORT_NAME
				" (is VIRTIO_CONSOLE in the kernel?)");
	if ((*fd = open(dev, O_RDWR | O_CLOEXEC)) < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot open %s", dev);
	return 0;
}

void agent_init(void)
{
	struct boot_plan p;
	struct frame_out f;
	struct herr err = { 0 };
	int fd = -1, rc;

	init_mounts();
	/* The kernel starts init without PATH: wrapper launchers name the
	 * bundle's programs by name. */
	setenv("PATH", GUEST_BIN ":/bin:/usr/bin", 1);
	bootplan_init(&p);
	rc = bootplan_load(AGENT_PLAN_PATH, &p, &err);
	if (open_output(&p, &fd, rc ? &(struct herr){ 0 } : &err) && !rc)
		rc = -1;
	if (!rc && p.hostname[0] && sethostname(p.hostname, strlen(p.hostname)))
		say("sethostname: %s", strerror(errno));
	if (!rc)
		rc = mount_scratch(&p, &err);
	if (!rc)
		rc = mount_trees(&p, &err);
	frame_init(&f, fd);
	if (p.lava)
		say("%s", "lava: start");
	if (!rc)
		rc = agent_run(&p, &f, p.console ? -1 : fd, 1, stderr, &err);
	if (rc < 0)
		report_fatal(&f, err.msg);
	if (p.lava)
		say("%s", "lava: end");
	if (p.scratch_fs)
		umount(p.scratch_dir);
	umount_trees(&p);
	bootplan_free(&p);
	power_off();
}
