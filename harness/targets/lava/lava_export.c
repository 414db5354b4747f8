/* harness lava export: one LAVA job per variant of a sweep. The job
 * boots what the qemu target would boot — the variant's kernel from the
 * build cache, the guest bundle and a boot plan appended to it — but the
 * plan tells the agent to write its framed stream on the console (the only
 * way back from a lab) and to say each metric as a lava-test-case line.
 * The agent is PID 1 and there is no shell, so the job's test action is a
 * `monitors` block: its pattern reads those lines, its start and end strings
 * are what the agent prints around the stream. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fsutil.h"
#include "measure/sysinfo.h"
#include "sweep/exec.h"
#include "targets/lava/lava.h"
#include "targets/qemu/qemu_run.h"
#include "targets/qemu/qemu_target.h"
#include "targets/target.h"

/* The lab's serial line is the only channel: a smaller disk than the
 * qemu target's 1 GiB keeps the job's download short (the footprint
 * figures do not depend on the disk's size). */
#define LAVA_SCRATCH_SIZE "256M"

/* The sweep's row, carried by every job's plan (and so by the hello in its
 * log): `harness ingest` creates it where it is missing. */
static char *sweep_row_json(const struct sweep_plan *p, const char *id, struct herr *err)
{
	struct machine_info mi;
	struct kernel_info ki;
	char *plan = plan_json(p), *out = NULL;
	json_t *j;

	if (sysinfo_collect(&mi, &ki, err)) {
		free(plan);
		return NULL;
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:s}", "id", id,
		      "name", p->spec.name, "target", p->spec.target, "file", p->spec.file,
		      "file_hash", p->spec.hash, "file_text", p->spec.text, "plan_json", plan,
		      "cells", (json_int_t)p->ncells, "planned_runs", (json_int_t)p->nmeasured,
		      "planned_warmups", (json_int_t)p->nwarmup, "machine_id", mi.id);
	sysinfo_free(&mi, &ki);
	free(plan);
	if (j)
		out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!out)
		herr_set(err, EXIT_RUNTIME, "out of memory");
	return out;
}

/* dir must be writable before a kernel is looked at: a bad -o is an input
 * error with nothing made. */
static int check_dir(const char *dir, struct herr *err)
{
	if (kfs_is_dir(dir))
		return access(dir, W_OK | X_OK) ? herr_errno(err, EXIT_USAGE, "%s: cannot write there", dir)
						: 0;
	if (!access(dir, F_OK))
		return herr_set(err, EXIT_USAGE, "%s: exists and is not a directory", dir);
	if (mkdir(dir, 0755))
		return herr_errno(err, EXIT_USAGE, "%s: cannot create it", dir);
	return 0;
}

struct job_files {
	char *dir, *image, *initrd, *scratch;	/* paths */
	char *url_image, *url_initrd, *url_scratch;
	char *append;
};

static void job_files_free(struct job_files *f)
{
	free(f->dir);
	free(f->image);
	free(f->initrd);
	free(f->scratch);
	free(f->url_image);
	free(f->url_initrd);
	free(f->url_scratch);
	free(f->append);
	memset(f, 0, sizeof(*f));
}

static char *url_of(const struct lava_export_opts *o, const char *absdir, const char *variant,
		    const char *file)
{
	if (o->url)
		return kfs_fmt("%s/%s/%s", o->url, variant, file);
	return kfs_fmt("file://%s/%s/%s", absdir, variant, file);
}

static int job_paths(const struct lava_export_opts *o, const char *absdir, const char *variant,
		     struct job_files *f, struct herr *err)
{
	f->dir = kfs_fmt("%s/%s", absdir, variant);
	f->image = kfs_fmt("%s/Image", f->dir);
	f->initrd = kfs_fmt("%s/initrd.cpio", f->dir);
	f->scratch = kfs_fmt("%s/scratch.img", f->dir);
	f->url_image = url_of(o, absdir, variant, "Image");
	f->url_initrd = url_of(o, absdir, variant, "initrd.cpio");
	f->url_scratch = url_of(o, absdir, variant, "scratch.img");
	if (!f->dir || !f->image || !f->initrd || !f->scratch || !f->url_image || !f->url_initrd ||
	    !f->url_scratch)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return kfs_mkdir_p(f->dir, err);
}

/* A YAML single-quoted scalar: only the quote itself needs doubling. */
static void yq(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void write_monitors(FILE *f, const char *variant, unsigned minutes)
{
	fprintf(f, "- test:\n    timeout:\n      minutes: %u\n    monitors:\n    - name: ", minutes);
	yq(f, variant);
	fprintf(f, "\n      start: ");
	yq(f, LAVA_START_MARK);
	fprintf(f, "\n      end: ");
	yq(f, LAVA_END_MARK);
	/* The agent's lava-test-case lines; a skipped metric has no measurement.
	 * The line's end is part of the pattern: pexpect matches as output
	 * arrives, and the optional part would otherwise match half a line.
	 * One character of it: the console's pty makes a line end "\r\r\n". */
	fprintf(f, "\n      pattern: ");
	yq(f, "lava-test-case (?P<test_case_id>\\S+) --result (?P<result>pass|skip)"
	      "(?: --measurement (?P<measurement>\\S+) --units (?P<units>\\S+))?[\\r\\n]");
	fprintf(f, "\n");
}

static void write_head(FILE *f, const struct sweep_plan *p, const char *variant,
		       const char *device_type, unsigned minutes)
{
	fprintf(f, "# harness lava export: sweep %s, variant %s (docs/lava.md)\n", p->spec.name, variant);
	fprintf(f, "device_type: %s\njob_name: ", device_type);
	fprintf(f, "'harness %s %s'\n", p->spec.name, variant);
	fprintf(f, "priority: medium\nvisibility: public\n");
	fprintf(f, "timeouts:\n  job:\n    minutes: %u\n  action:\n    minutes: %u\n"
		   "  connection:\n    minutes: 2\n", minutes + 10, minutes + 5);
}

static int write_qemu_job(FILE *f, const struct sweep_plan *p, const struct lava_export_opts *o,
			  const char *variant, const struct job_files *jf, unsigned minutes)
{
	const struct qemu_opts *q = &o->qemu;

	write_head(f, p, variant, "qemu", minutes);
	/* What the qemu device type's template renders the qemu command from. */
	fprintf(f, "context:\n  arch: arm64\n  machine: virt\n  cpu: %s\n  memory: %s\n"
		   "  extra_options:\n  - -smp %d\n",
		q->cpu ? q->cpu : "neoverse-n1", q->mem ? q->mem : "3G", q->smp ? q->smp : 2);
	fprintf(f, "actions:\n- deploy:\n    to: tmpfs\n    timeout:\n      minutes: 5\n    images:\n");
	fprintf(f, "      kernel:\n        image_arg: ");
	{
		char *arg = kfs_fmt("-kernel {kernel} -append \"%s\"", jf->append);

		if (!arg)
			return -1;
		yq(f, arg);
		free(arg);
	}
	fprintf(f, "\n        url: ");
	yq(f, jf->url_image);
	fprintf(f, "\n      initrd:\n        image_arg: '-initrd {initrd}'\n        url: ");
	yq(f, jf->url_initrd);
	if (strcmp(q->scratch_fs ? q->scratch_fs : "ext4", "none")) {
		fprintf(f, "\n      scratch:\n        image_arg: ");
		char *disk = kfs_fmt("-drive " QEMU_SCRATCH_DRIVE " -device " QEMU_SCRATCH_DEVICE,
				     "{scratch}");

		if (!disk)
			return -1;
		yq(f, disk);
		free(disk);
		fprintf(f, "\n        url: ");
		yq(f, jf->url_scratch);
	}
	fprintf(f, "\n- boot:\n    method: qemu\n    media: tmpfs\n    timeout:\n      minutes: 5\n");
	write_monitors(f, variant, minutes);
	return 0;
}

/* A real arm64 board: kernel and ramdisk over TFTP, u-boot boots them
 * (LAVA adds the u-boot header to the ramdisk). The device type is the
 * lab's; the board needs no disk of its own, but the plan's file
 * workloads then have no /mnt/scratch (docs/lava.md). */
static int write_board_job(FILE *f, const struct sweep_plan *p, const struct lava_export_opts *o,
			   const char *variant, const struct job_files *jf, unsigned minutes)
{
	write_head(f, p, variant, o->device_type ? o->device_type : "ARM64-BOARD-DEVICE-TYPE", minutes);
	fprintf(f, "context:\n  extra_kernel_args: ");
	yq(f, jf->append);
	fprintf(f, "\nactions:\n- deploy:\n    to: tftp\n    timeout:\n      minutes: 10\n"
		   "    kernel:\n      url: ");
	yq(f, jf->url_image);
	fprintf(f, "\n      type: image\n    ramdisk:\n      url: ");
	yq(f, jf->url_initrd);
	fprintf(f, "\n      header: u-boot\n- boot:\n    method: u-boot\n    commands: ramdisk\n"
		   "    timeout:\n      minutes: 10\n");
	write_monitors(f, variant, minutes);
	return 0;
}

/* The device dictionary lava-run needs for a qemu job, as the qemu device
 * type's template renders it for arm64 with the job's context — except
 * the network: the qemu target's guest has none, so neither has this one
 * (the same machine, the same figures). */
static int write_device(const char *absdir, const struct qemu_opts *q, struct herr *err)
{
	char *path = kfs_fmt("%s/device-qemu.yaml", absdir);
	FILE *f = path ? fopen(path, "w") : NULL;
	int rc = 0;

	if (!f) {
		rc = herr_errno(err, EXIT_RUNTIME, "cannot create %s", path ? path : "device-qemu.yaml");
		free(path);
		return rc;
	}
	fprintf(f,
		"# A qemu (arm64 virt) device for lava-run, written by harness lava export.\n"
		"available_architectures: [arm64, aarch64]\n"
		"constants:\n"
		"  posix:\n    lava_test_sh_cmd: /bin/sh\n    lava_test_results_dir: /lava-%%s\n"
		"    lava_test_shell_file: ~/.bashrc\n"
		"  shutdown-message: 'The system is going down for reboot NOW'\n"
		"  kernel-start-message: 'Linux version [0-9]'\n"
		"  default-shell-prompt: 'lava-test: # '\n"
		"  spawn_maxread: '4092'\n"
		/* One attempt: a failed boot is a result, not something to hide. */
		"  failure_retry: 1\n  boot_retry: 1\n"
		"parameters:\n  pass:\n"
		"actions:\n"
		"  deploy:\n    connections:\n      serial:\n    methods:\n      image:\n"
		"        parameters:\n          guest:\n            size: 512\n"
		"            interface: ide\n            driveid: lavatest\n"
		"  boot:\n    connections:\n      serial:\n    methods:\n      qemu:\n"
		"        parameters:\n          command: qemu-system-aarch64\n"
		"          boot_options:\n            root: '/dev/vda2 rw rootwait'\n"
		"            console: 'ttyAMA0 115200'\n            ip: dhcp\n            mem: 1024M\n"
		"          options:\n          - -cpu %s\n          - -machine virt\n"
		"          - -nodefaults\n          - -display none\n          - -serial stdio\n"
		"          - -no-reboot\n          - -m %s\n          - -smp %d\n"
		"          - -monitor none\n"
		"timeouts:\n  actions:\n    boot-qemu-image:\n      minutes: 2\n"
		"    http-download:\n      minutes: 5\n  connections:\n    lava-test-shell:\n"
		"      seconds: 10\n",
		q->cpu ? q->cpu : "neoverse-n1", q->mem ? q->mem : "3G", q->smp ? q->smp : 2);
	if (fclose(f))
		rc = herr_errno(err, EXIT_RUNTIME, "cannot write %s", path);
	free(path);
	return rc;
}

struct one_job {
	const struct sweep_plan *p;
	const struct lava_export_opts *o;
	const char *absdir, *sweep_id, *sweep_json;
	size_t variant;
};

/* The order's entries of one variant, as the sweep would run them: one
 * boot for all of them (warm-ups first, in the seeded order). */
static int variant_runs(const struct one_job *j, struct target_run **runs, char ***settings,
			size_t *n, struct herr *err)
{
	struct sweep_exec x = { .plan = (struct sweep_plan *)j->p, .sweep_id = j->sweep_id };
	const struct sweep_plan *p = j->p;

	*n = 0;
	*runs = calloc(p->norder + 1, sizeof(**runs));
	*settings = calloc(p->norder + 1, sizeof(**settings));
	if (!*runs || !*settings)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < p->norder; i++) {
		if (p->cells[p->order[i].cell].variant != j->variant)
			continue;
		if (!((*settings)[*n] = sweep_run_settings(&x, i)))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		sweep_fill_run(&x, i, (*settings)[*n], &(*runs)[*n]);
		(*n)++;
	}
	return 0;
}

static unsigned job_minutes(const struct target_run *runs, size_t n)
{
	unsigned long s = 120;

	for (size_t i = 0; i < n; i++)
		s += runs[i].timeout_s ? runs[i].timeout_s : 300;
	return (unsigned)(s / 60 + 1);
}

static int plan_for_lava(const struct one_job *j, struct boot_plan *bp, struct herr *err)
{
	uuid_v4(bp->boot_id);
	bp->console = 1;
	bp->lava = 1;
	if (!(bp->sweep_json = strdup(j->sweep_json)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (j->o->device == LAVA_BOARD) {
		/* A board is no emulator: its runs are the lava target's, named
		 * by the board's own hostname, with no scratch disk. */
		snprintf(bp->target, sizeof(bp->target), "lava");
		bp->hostname[0] = '\0';
		free(bp->scratch_fs);
		free(bp->scratch_dir);
		bp->scratch_fs = bp->scratch_dir = NULL;
	}
	return 0;
}

static int write_job(const struct one_job *j, struct qemu_session *s, const struct job_files *jf,
		     const struct target_run *runs, size_t n, FILE *out, struct herr *err)
{
	char *path = kfs_fmt("%s/job.yaml", jf->dir);
	FILE *f = path ? fopen(path, "w") : NULL;
	unsigned minutes = job_minutes(runs, n);
	int rc;

	if (!f) {
		rc = herr_errno(err, EXIT_RUNTIME, "cannot create %s", path ? path : "job.yaml");
		free(path);
		return rc;
	}
	rc = j->o->device == LAVA_BOARD ? write_board_job(f, j->p, j->o, s->label, jf, minutes)
					: write_qemu_job(f, j->p, j->o, s->label, jf, minutes);
	if (fclose(f) && !rc)
		rc = herr_errno(err, EXIT_RUNTIME, "cannot write %s", path);
	else if (rc)
		herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		fprintf(out, "%s\t%s\t%zu runs\n", path, s->label, n);
	free(path);
	return rc;
}

static int export_files(const struct one_job *j, struct qemu_session *s, const struct target_run *runs,
			size_t n, FILE *out, struct herr *err)
{
	struct qemu_opts q = j->o->qemu;
	struct job_files jf = { 0 };
	struct boot_plan bp;
	int rc;

	bootplan_init(&bp);
	q.scratch_size = LAVA_SCRATCH_SIZE;
	rc = job_paths(j->o, j->absdir, s->label, &jf, err);
	if (!rc && !(jf.append = qemu_append(s->kb.v->cmdline)))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		rc = qemu_session_fill_plan(s, j->sweep_id, runs, n, NULL, &bp, err);
	if (!rc)
		rc = plan_for_lava(j, &bp, err);
	if (!rc)
		rc = kfs_copy(s->k.image, jf.image, err);
	if (!rc)
		rc = qemu_write_initrd(jf.initrd, jf.dir, s->bundle.path, &bp, err);
	if (!rc && j->o->device == LAVA_QEMU)
		rc = qemu_make_scratch(&q, jf.scratch, err);
	if (!rc)
		rc = write_job(j, s, &jf, runs, n, out, err);
	bootplan_free(&bp);
	job_files_free(&jf);
	return rc;
}

static int export_variant(const struct one_job *j, FILE *out, struct herr *err)
{
	const struct sweep_variant *v = &j->p->spec.variants[j->variant];
	struct target_variant tv;
	struct target_run *runs = NULL;
	char **settings = NULL;
	struct qemu_session s;
	size_t n = 0;
	int rc = sweep_target_variant(j->p, j->variant, &tv) ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;

	if (!rc)
		rc = variant_runs(j, &runs, &settings, &n, err);
	tv.kernel = qemu_variant_kernel(v);
	/* The session the qemu target would boot this variant with. */
	if (!rc && n && qemu_open_variant(&tv, &j->o->qemu, &s, err) == 0) {
		rc = export_files(j, &s, runs, n, out, err);
		qemu_session_close(&s);
	} else if (!rc && n) {
		rc = -1;
	}
	if (rc)
		herr_wrap(err, "variant %s", v->name);
	for (size_t i = 0; settings && i < n; i++)
		free(settings[i]);
	free(settings);
	free(runs);
	sweep_target_variant_free(&tv);
	return rc;
}

int lava_export(struct sweep_plan *p, const struct lava_export_opts *o, FILE *out,
		struct herr *err)
{
	struct one_job j = { .p = p, .o = o };
	char id[37], *absdir = NULL, *sweep = NULL;
	int rc;

	if (!target_boots(p->target))
		return herr_set(err, EXIT_USAGE, "%s: a LAVA job boots a kernel variant: the sweep's target "
				"must be one that boots kernels (target = qemu), not %s", p->spec.file,
				p->target->name);
	if (qemu_check_opts(&o->qemu, err) || check_dir(o->dir, err))
		return -1;
	if (!(absdir = realpath(o->dir, NULL)))
		return herr_errno(err, EXIT_USAGE, "%s", o->dir);
	uuid_v4(id);
	rc = (sweep = sweep_row_json(p, id, err)) ? 0 : -1;
	j.absdir = absdir;
	j.sweep_id = id;
	j.sweep_json = sweep;
	if (!rc && o->device == LAVA_QEMU)
		rc = write_device(absdir, &o->qemu, err);
	for (size_t v = 0; !rc && v < p->spec.nvariants; v++) {
		if (p->skip[v])
			continue;
		j.variant = v;
		rc = export_variant(&j, out, err);
	}
	if (!rc && o->progress)
		fprintf(o->progress, "harness: lava: sweep %s exported as %s (id %s)\n", p->spec.name,
			absdir, id);
	free(sweep);
	free(absdir);
	return rc;
}
