/* The local target: the running kernel. A variant is a set of runtime
 * knobs (written through the sweep's journal before each run and restored
 * after it), a launcher and noise controls; a batch is one run, measured
 * here by the runner and stored in one transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/runner.h"
#include "measure/bootmem.h"
#include "core/signals.h"
#include "machine/knobs.h"
#include "machine/scratch.h"
#include "store/store.h"
#include "targets/local/local.h"
#include "targets/target.h"

struct local {
	struct machine_info mi;
	struct kernel_info ki;
	int have_info;
	char boot_id[37];	/* the running kernel's boot (boots row); "" unknown */
	struct knob *applied;	/* the started variant's knobs, as written */
	size_t napplied;
};

/* The governor, once for the whole sweep (switching it per run would put
 * a frequency transition in front of every run). */
static int set_governor(struct target *t, struct herr *err)
{
	const struct sweep_plan *p = t->plan;
	const char **values;
	struct knob *applied;
	size_t napplied;
	int rc;

	if (!p || !p->ngovernor || !t->journal)
		return 0;
	values = calloc(p->ngovernor, sizeof(*values));
	if (!values)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < p->ngovernor; i++)
		values[i] = p->spec.governor;
	rc = journal_apply(t->journal, (const char *const *)p->governor_paths, values, p->ngovernor,
			   1, &applied, &napplied, err);
	free(values);
	if (rc == 0)
		knobs_free(applied, napplied);
	return rc;
}

/* Scratch left in a cell's own dir= by a run killed with an earlier
 * harness (main() has cleaned the default one). */
static void clean_cell_dirs(const struct sweep_plan *p)
{
	for (size_t c = 0; p && c < p->ncells; c++)
		for (size_t k = 0; k < p->cells[c].nparams; k++)
			if (!strncmp(p->cells[c].params[k], "dir=", 4))
				scratch_clean(p->cells[c].params[k] + 4, stderr);
}

/* The running kernel's boot as a boots row (its boot_id, its memory
 * figures), so local runs have a boot as qemu runs do. */
static int record_boot(struct target *t, struct local *l, struct herr *err)
{
	struct boot_row row = { .started_ns = 0 };
	struct boot_memory mem;
	char *btime = file_read_all("/proc/stat"), *p = btime ? strstr(btime, "\nbtime ") : NULL;

	if (file_read_line("/proc/sys/kernel/random/boot_id", l->boot_id, sizeof(l->boot_id))) {
		free(btime);
		l->boot_id[0] = '\0';
		return 0;	/* no procfs boot id: runs keep boot_id NULL */
	}
	row.started_ns = p ? strtoll(p + 7, NULL, 10) * 1000000000LL : 0;
	free(btime);
	bootmem_collect(&mem);
	snprintf(row.id, sizeof(row.id), "%s", l->boot_id);
	snprintf(row.variant, sizeof(row.variant), "running");
	snprintf(row.kernel_id, sizeof(row.kernel_id), "%s", l->ki.id);
	snprintf(row.target, sizeof(row.target), "%s", t->ops->name);
	row.mem = &mem;
	return store_boot_local(t->st, &row, err);
}

static int local_open(struct target *t, const struct target_variant *v, size_t nv, struct herr *err)
{
	struct local *l = calloc(1, sizeof(*l));

	if (!l)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	t->priv = l;
	if (sysinfo_collect(&l->mi, &l->ki, err))
		return -1;
	l->have_info = 1;
	if (record_boot(t, l, err))
		return -1;
	clean_cell_dirs(t->plan);
	return set_governor(t, err);
}

static int local_start(struct target *t, size_t variant, struct herr *err)
{
	const struct target_variant *v = &t->variants[variant];
	struct local *l = t->priv;

	if (!v->nknobs)
		return 0;
	if (!t->journal)
		return herr_set(err, EXIT_RUNTIME, "variant %s sets knobs but no journal holds them", v->name);
	if (journal_apply(t->journal, v->knob_paths, v->knob_values, v->nknobs, 0, &l->applied,
			  &l->napplied, err))
		return herr_wrap(err, "variant %s", v->name);
	return 0;
}

static int copy_knobs(const struct local *l, struct run_record *r)
{
	if (!l->napplied)
		return 0;
	if (!(r->knobs = calloc(l->napplied, sizeof(*r->knobs))))
		return -1;
	for (size_t k = 0; k < l->napplied; k++, r->nknobs++) {
		r->knobs[k].path = strdup(l->applied[k].path);
		r->knobs[k].value = strdup(l->applied[k].value ? l->applied[k].value : "");
		r->knobs[k].previous = strdup(l->applied[k].previous ? l->applied[k].previous : "");
		if (!r->knobs[k].path || !r->knobs[k].value || !r->knobs[k].previous)
			return -1;
	}
	return 0;
}

static void run_opts_of(const struct target_variant *v, const struct target_run *run,
			struct run_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->path = run->program;
	ro->params = run->params;
	ro->nparams = run->nparams;
	ro->seed = run->seed;
	ro->sample_ms = run->sample_ms;
	ro->timeout_s = run->timeout_s;
	ro->use_cgroup = run->use_cgroup;
	ro->events = run->events;
	ro->nevents = run->nevents;
	ro->aslr_off = run->aslr_off;
	ro->drop_caches = run->drop_caches;
	ro->cpus = run->cpus;
	ro->membind = run->membind;
	ro->launcher = v->launcher;
	ro->nlauncher = v->nlauncher;
	ro->settings_extra = run->settings_json;
}

static int fill_record(const struct target *t, const struct target_variant *v,
		       const struct target_run *run, struct run_record *r)
{
	const struct local *l = t->priv;

	snprintf(r->sweep_id, sizeof(r->sweep_id), "%s", t->sweep_id ? t->sweep_id : "");
	if (*v->name)
		snprintf(r->variant, sizeof(r->variant), "%s", v->name);
	snprintf(r->target, sizeof(r->target), "%s", t->ops->name);
	snprintf(r->workload, sizeof(r->workload), "%s", run->workload);
	r->params_json = strdup(run->params_json);
	r->rep = run->rep;
	r->warmup = run->warmup;
	r->cell = run->cell;
	r->seq = run->seq;
	r->machine = &l->mi;
	r->kernel = &l->ki;
	snprintf(r->boot_id, sizeof(r->boot_id), "%s", l->boot_id);
	return r->params_json && copy_knobs(l, r) == 0 ? 0 : -1;
}

static int run_one(struct target *t, const struct target_variant *v, const struct target_run *run,
		   struct herr *err)
{
	struct run_record r;
	struct run_opts ro;
	int rc;

	record_init(&r);
	rc = fill_record(t, v, run, &r) ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
	run_opts_of(v, run, &ro);
	if (rc == 0 && t->ev.starting)
		t->ev.starting(t->ev.user, run);
	if (rc == 0)
		rc = runner_run(&ro, &r, err);
	if (rc == 0)
		rc = store_save_run(t->st, &r, err);
	if (rc == 0 && t->ev.stored)
		t->ev.stored(t->ev.user, &r);
	r.machine = NULL;
	r.kernel = NULL;
	record_free(&r);
	return rc;
}

static int local_run(struct target *t, size_t variant, const struct target_run *runs, size_t n,
		     struct herr *err)
{
	for (size_t i = 0; i < n; i++) {
		if (signals_caught())
			return herr_set(err, EXIT_RUNTIME, "interrupted by signal %d", signals_caught());
		if (run_one(t, &t->variants[variant], &runs[i], err))
			return -1;
	}
	return 0;
}

static int local_stop(struct target *t, size_t variant, struct herr *err)
{
	struct local *l = t->priv;

	knobs_free(l->applied, l->napplied);
	l->applied = NULL;
	l->napplied = 0;
	return t->journal ? journal_restore(t->journal, err) : 0;
}

static void local_close(struct target *t)
{
	struct local *l = t->priv;

	if (!l)
		return;
	knobs_free(l->applied, l->napplied);
	if (l->have_info)
		sysinfo_free(&l->mi, &l->ki);
	free(l);
	t->priv = NULL;
}

const struct target_ops target_local = {
	.name = "local",
	.summary = "the running kernel; variants differ by runtime knobs",
	.flags = TARGET_HOST_KERNEL,
	.plan_check = local_plan_check,
	.open = local_open,
	.start = local_start,
	.run = local_run,
	.stop = local_stop,
	.close = local_close,
};
