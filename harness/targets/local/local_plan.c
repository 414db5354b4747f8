/* Plan-time checks of a sweep on the local target: the sweep's noise
 * controls against this machine (CPUs, drop_caches, the governor) and each
 * variant's kernel (only the running one), launcher and knobs against this
 * kernel's files; an optional variant whose knobs this kernel lacks is
 * skipped with the reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/launcher.h"
#include "core/proc.h"
#include "core/runner.h"
#include "machine/knobs.h"
#include "sweep/plan.h"
#include "targets/local/local.h"

static int check_governor(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	char avail[1024] = "", padded[1100], word[80];

	if (!s->governor)
		return 0;
	p->ngovernor = knob_governor_paths(&p->governor_paths);
	if (!p->ngovernor)
		return plan_error(s, s->governor_line, err,
			  "governor = '%s': this machine has no cpufreq (no cpu*/cpufreq/scaling_governor); "
			  "remove the line (the governor is recorded either way)", s->governor);
	/* Blank-padded, so "performance" cannot match inside another name. */
	if (knob_read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors", avail,
		      sizeof(avail), &(struct herr){ 0 }))
		avail[0] = '\0';	/* unknown: writing it will tell */
	snprintf(padded, sizeof(padded), " %s ", avail);
	snprintf(word, sizeof(word), " %s ", s->governor);
	if (*avail && !strstr(padded, word))
		return plan_error(s, s->governor_line, err, "governor = '%s': not one of this machine's: %s",
			  s->governor, avail);
	return 0;
}

static int check_noise(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;

	if (s->cpus && runner_check_cpus(s->cpus, p->cpuset, sizeof(p->cpuset), err))
		return herr_wrap(err, "%s:%d", s->file, s->cpus_line);
	if (s->drop_caches && access("/proc/sys/vm/drop_caches", W_OK))
		return plan_error(s, s->line, err, "drop_caches = yes: cannot write /proc/sys/vm/drop_caches (%s; run as root)",
			  strerror(errno));
	return check_governor(p, err);
}

/* ---- variants ---- */

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A kernel variant file: kernels/variants/NAME.ini beside the working
 * directory or the sweep file's parent, or a path to an .ini. */
static int variant_file_exists(const struct sweep_spec *s, const char *kernel)
{
	char path[4200], dir[4096];
	const char *slash = strrchr(s->file, '/');

	if (strchr(kernel, '/') || strstr(kernel, ".ini"))
		return is_file(kernel);
	snprintf(path, sizeof(path), "kernels/variants/%s.ini", kernel);
	if (is_file(path))
		return 1;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - s->file) : 1, slash ? s->file : ".");
	snprintf(path, sizeof(path), "%s/../kernels/variants/%s.ini", dir, kernel);
	return is_file(path);
}

static int check_kernel(const struct sweep_spec *s, const struct sweep_variant *v, struct herr *err)
{
	if (v->source_line || v->ref_line)
		return plan_error(s, v->source_line ? v->source_line : v->ref_line, err,
			  "%s = '%s' in [variant %s]: a kernel source means a kernel the harness builds and "
			  "boots (target qemu); this sweep's target %s runs the running kernel",
			  v->source_line ? "source" : "ref", v->source_line ? v->source : v->ref, v->name,
			  s->target);
	if (!strcmp(v->kernel, "running"))
		return 0;
	if (variant_file_exists(s, v->kernel))
		return plan_error(s, v->kernel_line, err,
			  "kernel = '%s' in [variant %s]: booting kernels needs target qemu (this sweep's "
			  "target is %s); use kernel = running", v->kernel, v->name, s->target);
	return plan_error(s, v->kernel_line, err,
		  "kernel = '%s' in [variant %s]: no such kernel variant (kernels/variants/%s.ini); "
		  "use kernel = running", v->kernel, v->name, v->kernel);
}

/* A wrapper's program and a preload's library must be on this machine. */
static int check_launcher(const struct sweep_spec *s, const struct sweep_variant *v, struct herr *err)
{
	enum launch_kind k = launcher_kind((const char *const *)v->launcher, v->nlauncher);
	char *lib;

	if (k == LAUNCH_WRAPPER && !proc_on_path(v->launcher[1]))
		return plan_error(s, v->launcher_line, err, "launcher 'wrapper %s' in [variant %s]: no such "
			  "program in PATH", v->launcher[1], v->name);
	if (k != LAUNCH_PRELOAD)
		return 0;
	if (!(lib = launch_library(v->launcher[1])))
		return plan_error(s, v->launcher_line, err, "launcher 'preload %s' in [variant %s]: no such "
			  "library (a name is lib/NAME.so beside the harness binary)", v->launcher[1], v->name);
	free(lib);
	return 0;
}

/* 0 usable, 1 skipped (optional, reason in p->skip), -1 error. */
static int check_variant(struct sweep_plan *p, size_t vi, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;
	const struct sweep_variant *v = &s->variants[vi];

	if (check_kernel(s, v, err))
		return -1;
	if (check_launcher(s, v, err))
		return -1;
	for (size_t k = 0; k < v->nknobs; k++) {
		char why[700];
		enum knob_status st = knob_check(v->knobs[k].path, v->knobs[k].value, why, sizeof(why));

		if (st == KNOB_OK)
			continue;
		if (st == KNOB_MISSING && v->optional) {
			char reason[800];

			snprintf(reason, sizeof(reason), "optional variant skipped: %s", why);
			p->skip[vi] = strdup(reason);
			return p->skip[vi] ? 1 : herr_set(err, EXIT_RUNTIME, "out of memory");
		}
		return plan_error(s, v->knobs[k].line, err, "knob in [variant %s]: %s%s", v->name, why,
			  st == KNOB_MISSING ? " (mark the variant 'optional = yes' to skip it on such kernels)" : "");
	}
	return 0;
}

static int check_variants(struct sweep_plan *p, struct herr *err)
{
	size_t usable = 0;

	p->skip = calloc(p->spec.nvariants, sizeof(*p->skip));
	if (!p->skip)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < p->spec.nvariants; i++) {
		int rc = check_variant(p, i, err);

		if (rc < 0)
			return -1;
		usable += rc == 0;
	}
	if (!usable)
		return plan_error(&p->spec, p->spec.line, err, "every variant is skipped on this kernel: %s",
			  p->skip[0]);
	return 0;
}

int local_plan_check(struct sweep_plan *p, struct herr *err)
{
	return check_noise(p, err) || check_variants(p, err) ? -1 : 0;
}
