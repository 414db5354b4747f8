/* Plan-time checks of a sweep on target qemu. The host is only the
 * controller: knobs are written in the guest (so they are checked against
 * the allow-list, not against the host's files), CPU binding and the
 * governor have no meaning for an emulated CPU. A [variant] launcher
 * replaces the kernel variant's; its wrapper program or preload library
 * must be in the guest build the bundle is made from. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/bundle.h"
#include "kernel/build.h"
#include "kernel/variant.h"
#include "machine/knobs.h"
#include "targets/qemu/qemu_target.h"

const char *qemu_variant_kernel(const struct sweep_variant *v)
{
	return v->kernel_line ? v->kernel : v->name;
}

static int check_sweep_keys(const struct sweep_spec *s, struct herr *err)
{
	if (s->cpus)
		return plan_error(s, s->cpus_line, err, "cpus = '%s': not on target qemu (the guest's CPUs are "
			  "emulated; --qemu-smp sets how many)", s->cpus);
	if (s->governor)
		return plan_error(s, s->governor_line, err, "governor = '%s': not on target qemu (an emulated CPU "
			  "has no cpufreq)", s->governor);
	return 0;
}

/* The launcher's program or library in the guest build the bundle will
 * be made from, so that a missing one stops the sweep at its line, before
 * any kernel is built. Without a guest build the bundle reports it. */
static int check_launcher(const struct sweep_spec *s, const struct sweep_variant *v,
			  const struct kvariant *kv, struct herr *err)
{
	size_t n = v->nlauncher;
	char **w = n ? v->launcher : kvariant_launcher_words(kv, &n), *gb = NULL, *host = NULL, name[600];
	int line = v->nlauncher ? v->launcher_line : v->kernel_line ? v->kernel_line : v->line, rc = 0;
	struct herr e = { 0 };

	if (!w)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (bundle_launcher_file((const char *const *)w, n, name, sizeof(name)) && !bundle_guest_build(&gb, &e)) {
		host = bundle_host_file(gb, name);
		if (!host || access(host, strncmp(name, "harness/lib/", 12) ? X_OK : R_OK))
			rc = plan_error(s, line, err, "launcher '%s %s' in [variant %s]: the guest has no /%s "
				  "(%s; its programs are the bundle's: launchers/ built into %s/bin and /lib)",
				  w[0], w[1], v->name, name, host ? "not in the guest build" : "not a bundle path",
				  gb);
	}
	free(host);
	free(gb);
	if (!v->nlauncher)
		launcher_free_words(w, n);
	return rc;
}

/* The kernel's source is there and has what the variant requires, before
 * any kernel is built: a sweep that cannot build its last variant must
 * not spend half an hour building the first. A tarball the variant's
 * requirement must look into is extracted into the cache (once; the
 * build would extract it anyway). The message names the sweep's line. */
static int check_source(const struct sweep_spec *s, const struct sweep_variant *v, const char *k,
			struct herr *err)
{
	char where[300];
	struct kbuild_opts o = { .source = v->source, .ref = v->ref, .install = 1 };
	struct kbuild b;
	int rc;

	snprintf(where, sizeof(where), "%s:%d", s->file, v->source_line);
	o.source_where = v->source ? where : NULL;
	rc = kbuild_plan(k, &o, &b, err);
	if (!rc)
		rc = kbuild_check_requires(&b, isatty(2), err);
	kbuild_free(&b);
	if (rc && !v->source)
		herr_wrap(err, "%s:%d: [variant %s]", s->file, v->kernel_line ? v->kernel_line : v->line,
			  v->name);
	return rc;
}

static int check_kernel_variant(const struct sweep_spec *s, const struct sweep_variant *v,
				struct herr *err)
{
	const char *k = qemu_variant_kernel(v);
	struct kvariant *kv;
	struct herr e = { 0 };
	int rc;

	if (v->kernel_line && !strcmp(k, "running"))
		return plan_error(s, v->kernel_line, err, "kernel = running in [variant %s]: target qemu boots "
			  "kernel variants (kernels/variants/NAME.ini); name one, or leave kernel out to "
			  "boot the variant named like the section", v->name);
	kv = kvariant_load(k, &e);
	if (!kv)
		return plan_error(s, v->kernel_line ? v->kernel_line : v->line, err, "[variant %s]: %s%s",
			  v->name, e.msg, v->kernel_line ? ""
			  : " (without kernel =, the section's name is the kernel variant)");
	if (v->ref && !v->source) {
		kvariant_free(kv);
		free(kv);
		return plan_error(s, v->ref_line, err, "ref = '%s' in [variant %s] without source = "
			  "(the git repository it is a ref of)", v->ref, v->name);
	}
	rc = check_launcher(s, v, kv, err);
	kvariant_free(kv);
	free(kv);
	return rc ? rc : check_source(s, v, k, err);
}

static int check_variant(const struct sweep_spec *s, const struct sweep_variant *v,
			 struct herr *err)
{
	if (check_kernel_variant(s, v, err))
		return -1;
	for (size_t k = 0; k < v->nknobs; k++)
		if (!knob_allowed(v->knobs[k].path))
			return plan_error(s, v->knobs[k].line, err, "knob in [variant %s]: %s is not under "
				  "/sys/kernel/mm/ or /proc/sys/", v->name, v->knobs[k].path);
	return 0;
}

int qemu_plan_check(struct sweep_plan *p, struct herr *err)
{
	const struct sweep_spec *s = &p->spec;

	p->skip = calloc(s->nvariants + 1, sizeof(*p->skip));
	if (!p->skip)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (check_sweep_keys(s, err))
		return -1;
	for (size_t i = 0; i < s->nvariants; i++) {
		struct sweep_variant *v = &p->spec.variants[i];
		char *k;

		if (check_variant(s, v, err))
			return -1;
		/* The plan (and --dry-run) name the kernel actually booted. */
		if (!v->kernel_line) {
			if (!(k = strdup(v->name)))
				return herr_set(err, EXIT_RUNTIME, "out of memory");
			free(v->kernel);
			v->kernel = k;
		}
	}
	return 0;
}
