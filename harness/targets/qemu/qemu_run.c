#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/fsutil.h"
#include "core/proc.h"
#include "measure/sysinfo.h"
#include "targets/qemu/qemu_run.h"

static const char *opt_or(const char *v, const char *def)
{
	return v && *v ? v : def;
}

static void say(const struct qemu_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct qemu_session *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->opts.progress)
		return;
	va_start(ap, fmt);
	fprintf(s->opts.progress, "harness: %s: ", opt_or(s->target, "qemu"));
	vfprintf(s->opts.progress, fmt, ap);
	fputc('\n', s->opts.progress);
	va_end(ap);
	fflush(s->opts.progress);
}

static int bundle_has(const struct bundle *b, const char *name)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (!strcmp(b->files[i].name, name))
			return 1;
	return 0;
}

/* A wrapper's program and a preload's library must be in the guest: the
 * guest has only the bundle. */
static int launcher_in_bundle(const struct qemu_session *s, const char *const *w, size_t n,
			      struct herr *err)
{
	char name[600];

	if (!bundle_launcher_file(w, n, name, sizeof(name)) || bundle_has(&s->bundle, name))
		return 0;
	return herr_set(err, EXIT_USAGE, "launcher %s %s: not in the guest bundle (/%s; the guest has "
			"only the harness, its workloads, launchers/ built into %s)", w[0], w[1],
			name, s->bundle.guest_build);
}

int qemu_session_launcher(struct qemu_session *s, const char *const *w, size_t n, struct herr *err)
{
	char **copy;

	if (launcher_in_bundle(s, w, n, err))
		return -1;
	if (!(copy = bootplan_strv(w, n)))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	launcher_free_words(s->launcher, s->nlauncher);
	s->launcher = copy;
	s->nlauncher = n;
	return 0;
}

/* The kernel variant's launcher, the sweep's may replace it. */
static int take_launcher(struct qemu_session *s, struct herr *err)
{
	size_t n;
	char **w = kvariant_launcher_words(s->kb.v, &n);
	int rc = w ? qemu_session_launcher(s, (const char *const *)w, n, err)
		   : herr_set(err, EXIT_RUNTIME, "out of memory");

	launcher_free_words(w, n);
	return rc ? herr_wrap(err, "variant %s", s->kb.v->name) : 0;
}

static int build_kernel(struct qemu_session *s, const struct kbuild_opts *ko, struct herr *err)
{
	if (s->kb.cached) {
		say(s, "kernel %s: cached (%s)", s->kb.v->name, s->kb.image);
		return 0;
	}
	char *log = kbuild_log_path(&s->kb);

	say(s, "kernel %s: building (the first time takes minutes; log in %s)", s->kb.v->name,
	    log ? log : "the cache's logs/");
	free(log);
	if (kbuild_run(&s->kb, ko, err))
		return herr_wrap(err, "building the kernel of %s", s->kb.v->name);
	say(s, "kernel %s: built in %.0f s", s->kb.v->name, s->kb.seconds);
	return 0;
}

static int make_bundle(struct qemu_session *s, struct herr *err)
{
	char *gb = NULL;
	int rc = bundle_guest_build(&gb, err);

	if (!rc)
		rc = bundle_ensure(gb, &s->bundle, err);
	free(gb);
	if (rc)
		return herr_wrap(err, "guest bundle");
	say(s, "bundle %s: %s (%zu files from %s, %.2f s)", s->bundle.key,
	    s->bundle.cached ? "cached" : "built", s->bundle.nfiles, s->bundle.guest_build,
	    s->bundle.seconds);
	return 0;
}

/* What every run of this target records beside the runner's settings:
 * its timing is emulated, and on which emulated machine. */
static int make_settings(struct qemu_session *s, struct herr *err)
{
	const struct qemu_opts *o = &s->opts;
	json_t *j = json_pack("{s:b, s:s, s:{s:s, s:s, s:i, s:s, s:s, s:s, s:s}}",
			      "emulated", 1, "target", "qemu", "qemu",
			      "machine", "virt", "cpu", opt_or(o->cpu, "neoverse-n1"),
			      "smp", o->smp ? o->smp : 2, "mem", opt_or(o->mem, "3G"),
			      "accel", "tcg", "scratch_fs", opt_or(o->scratch_fs, "ext4"),
			      "bundle", s->bundle.key);

	s->settings_json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	/* The hostname names the emulated machine, and through it the
	 * machines row its runs share. */
	snprintf(s->hostname, sizeof(s->hostname), "qemu-%s-%dcpu-%s", opt_or(o->cpu, "neoverse-n1"),
		 o->smp ? o->smp : 2, opt_or(o->mem, "3G"));
	return s->settings_json ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
}

/* The emulator is there and knows the CPU model: a typo is an input
 * error now, not a failed run for every cell later. */
static int check_emulator(const struct qemu_opts *o, struct herr *err)
{
	const char *qemu = opt_or(o->qemu, "qemu-system-aarch64"), *cpu = opt_or(o->cpu, "neoverse-n1");
	const char *argv[] = { qemu, "-M", "virt", "-cpu", "help", NULL };
	size_t len = strcspn(cpu, ",");
	char *out = NULL;
	int found = 0;

	if (!proc_on_path(qemu))
		return herr_set(err, EXIT_USAGE, "%s not found: the qemu target needs it "
				"(scripts/install-deps qemu installs qemu-system-arm)", qemu);
	if (proc_capture(argv, NULL, &out, err) < 0)
		return -1;
	for (const char *p = out; p && *p; p += strcspn(p, "\n"), p += *p == '\n') {
		p += strspn(p, " \t");
		found |= strlen(p) >= len && !strncmp(p, cpu, len) &&
			 (p[len] == '\n' || p[len] == '\0' || p[len] == ' ');
	}
	free(out);
	if (!found)
		return herr_set(err, EXIT_USAGE, "qemu: %s knows no CPU model '%.*s' (%s -M virt -cpu help "
				"lists them; neoverse-n1 is one libpfm4 knows)", qemu, (int)len, cpu, qemu);
	return 0;
}

int qemu_session_open(const struct target_variant *v, const struct qemu_opts *o,
		      struct qemu_session *s, struct herr *err)
{
	memset(s, 0, sizeof(*s));
	if (qemu_check_opts(o, err) || check_emulator(o, err))
		return -1;
	return qemu_session_prepare(v, o, s, err);
}

int qemu_session_prepare(const struct target_variant *v, const struct qemu_opts *o, struct qemu_session *s,
			 struct herr *err)
{
	struct kbuild_opts ko = { .progress = o->progress && isatty(2), .install = 1,
				  .source = v->source, .ref = v->ref, .source_where = v->source_where };
	int rc;

	memset(s, 0, sizeof(*s));
	s->opts = *o;
	rc = kbuild_plan(v->kernel, &ko, &s->kb, err);
	/* The bundle first: it is cheap, and a launcher it lacks stops the
	 * variant before its kernel is built. */
	if (!rc)
		rc = make_bundle(s, err);
	if (!rc)
		rc = take_launcher(s, err);
	if (!rc)
		rc = build_kernel(s, &ko, err);
	if (!rc)
		rc = qemu_kernel_from_build(s->kb.entry, s->kb.image, s->kb.v->cmdline, &s->k, err);
	if (!rc)
		s->k.source = s->kb.src.describe;
	if (!rc)
		rc = make_settings(s, err);
	if (rc)
		qemu_session_close(s);
	return rc;
}

void qemu_session_close(struct qemu_session *s)
{
	kbuild_free(&s->kb);
	bundle_free(&s->bundle);
	launcher_free_words(s->launcher, s->nlauncher);
	free(s->settings_json);
	memset(s, 0, sizeof(*s));
}

/* ---- one boot ---- */

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct boot_ctx {
	struct qemu_session *s;
	struct store *st;
	const struct target_run *cells;
	const char *boot_id;
	qemu_stored_fn fn;
	void *user;
	struct qemu_boot_summary *sum;
};

/* One cell of the boot plan, with the run id chosen here: the record the
 * guest sends back must carry it. -1 when out of memory. */
static int fill_cell(const struct qemu_session *s, const struct target_run *c, struct boot_cell *b)
{
	uuid_v4(b->id);
	b->workload = strdup(c->workload);
	b->program = kfs_fmt("%s/%s", opt_or(s->workloads_dir, GUEST_WORKLOADS), c->workload);
	b->params = bootplan_strv(c->params, c->nparams);
	b->nparams = c->nparams;
	b->params_json = c->params_json ? strdup(c->params_json) : NULL;
	b->events = bootplan_strv(c->events, c->nevents);
	b->nevents = c->nevents;
	b->seed = c->seed;
	b->rep = c->rep;
	b->warmup = c->warmup;
	b->sample_ms = c->sample_ms;
	b->timeout_s = c->timeout_s;
	b->use_cgroup = c->use_cgroup;
	b->aslr_off = c->aslr_off;
	b->drop_caches = c->drop_caches;
	b->settings_json = c->settings_json ? strdup(c->settings_json) : NULL;
	return b->workload && b->program && b->params && b->events ? 0 : -1;
}

int qemu_session_fill_plan(struct qemu_session *s, const char *sweep_id,
			   const struct target_run *cells, size_t n, const struct boot_test *test,
			   struct boot_plan *p, struct herr *err)
{
	const struct kvariant *v = s->kb.v;

	snprintf(p->variant, sizeof(p->variant), "%s", s->label[0] ? s->label : v->name);
	snprintf(p->target, sizeof(p->target), "%s", opt_or(s->target, "qemu"));
	snprintf(p->sweep_id, sizeof(p->sweep_id), "%s", sweep_id ? sweep_id : "");
	snprintf(p->hostname, sizeof(p->hostname), "%s", s->hostname);
	if (strcmp(opt_or(s->opts.scratch_fs, "ext4"), "none")) {
		p->scratch_fs = strdup(opt_or(s->opts.scratch_fs, "ext4"));
		p->scratch_dir = strdup("/mnt/scratch");
	}
	p->settings_json = strdup(s->settings_json);
	p->knob_paths = calloc(v->nknobs + s->nxknobs + 1, sizeof(char *));
	p->knob_values = calloc(v->nknobs + s->nxknobs + 1, sizeof(char *));
	if (!p->knob_paths || !p->knob_values)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < v->nknobs + s->nxknobs; i++, p->nknobs++) {
		int own = i < v->nknobs;

		p->knob_paths[i] = strdup(own ? v->knobs[i].path : s->xknob_paths[i - v->nknobs]);
		p->knob_values[i] = strdup(own ? v->knobs[i].value : s->xknob_values[i - v->nknobs]);
	}
	p->launcher = bootplan_strv((const char *const *)s->launcher, s->nlauncher);
	p->nlauncher = s->nlauncher;
	if (test)
		p->test = *test;
	for (size_t i = 0; i < n; i++) {
		struct boot_cell *b = bootplan_add_cell(p);

		if (!b || fill_cell(s, &cells[i], b))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	if (qemu_plan_trees(s, p, err))
		return -1;
	return p->settings_json && p->launcher ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
}

static int store_run(struct boot_ctx *c, size_t i, struct run_record *r, struct herr *err)
{
	snprintf(r->boot_id, sizeof(r->boot_id), "%s", c->boot_id);
	r->cell = c->cells[i].cell;
	r->seq = c->cells[i].seq;
	if (store_save_run(c->st, r, err))
		return -1;
	if (!strcmp(r->status, "ok"))
		c->sum->ok++;
	else
		c->sum->failed++;
	if (c->fn)
		c->fn(c->user, r);
	return 0;
}

static int on_run(void *user, size_t index, struct run_record *r, struct herr *err)
{
	return store_run(user, index, r, err);
}

/* The emulated machine and the kernel as built, for the runs of a boot
 * that never reached its agent. The kernel's id is kept apart from the
 * one the guest reports (different facts: no PMD size, no cachestat
 * probe), so the row of a booted kernel is never the guessed one. */
static void describe_unbooted(const struct qemu_session *s, const struct qemu_boot *b,
			      struct machine_info *m, struct kernel_info *k)
{
	char *idtext = NULL;

	memset(m, 0, sizeof(*m));
	memset(k, 0, sizeof(*k));
	snprintf(m->hostname, sizeof(m->hostname), "%s", s->hostname);
	sysinfo_hash_hex(m->hostname, m->id);
	snprintf(m->arch, sizeof(m->arch), "aarch64");
	if (!s->boot)
		snprintf(m->cpu_model, sizeof(m->cpu_model), "qemu %s", opt_or(s->opts.cpu, "neoverse-n1"));
	m->midr_implementer = m->midr_part = -1;
	m->packages = m->numa_nodes = 1;
	m->cores = m->pus = s->opts.smp ? s->opts.smp : 2;
	snprintf(k->release, sizeof(k->release), "%s", s->k.release);
	snprintf(k->version, sizeof(k->version), "%s", s->k.version);
	snprintf(k->arch, sizeof(k->arch), "aarch64");
	k->cmdline = b->append;
	k->page_size = s->k.page_size;
	k->mthp_sizes = "[]";
	if (asprintf(&idtext, "%s\n%s\n%s\n%s\n%ld\nnot booted", k->release, k->version, k->arch,
		     k->cmdline ? k->cmdline : "", k->page_size) >= 0)
		sysinfo_hash_hex(idtext, k->id);
	free(idtext);
	sysinfo_kernel_source(k, s->k.source);
}

static const char *tail_of(const char *s, size_t len, size_t max)
{
	const char *t = len > max ? s + len - max : s;
	const char *nl = len > max ? strchr(t, '\n') : NULL;

	return nl ? nl + 1 : t;
}

/* A failed run for each cell the boot did not report: the reason, the
 * console's last lines, no numbers. */
static int store_missing(struct boot_ctx *c, const struct boot_plan *p, const struct qemu_boot *b,
			 struct herr *err)
{
	struct machine_info m;
	struct kernel_info k;
	int rc = 0;

	describe_unbooted(c->s, b, &m, &k);
	for (size_t i = 0; i < p->ncells && !rc; i++) {
		struct run_record r;

		if (b->got[i])
			continue;
		record_init(&r);
		snprintf(r.id, sizeof(r.id), "%s", p->cells[i].id);
		snprintf(r.sweep_id, sizeof(r.sweep_id), "%s", p->sweep_id);
		snprintf(r.variant, sizeof(r.variant), "%s", p->variant);
		snprintf(r.target, sizeof(r.target), "%s", p->target);
		snprintf(r.workload, sizeof(r.workload), "%s", p->cells[i].workload);
		snprintf(r.status, sizeof(r.status), "failed");
		snprintf(r.reason, sizeof(r.reason), "%s", b->reason[0] ? b->reason
			 : "the boot ended before this cell ran");
		r.params_json = p->cells[i].params_json ? strdup(p->cells[i].params_json) : NULL;
		r.settings_json = strdup(p->settings_json);
		r.stderr_tail = strdup(tail_of(b->console ? b->console : "", b->console_len, 4000));
		r.rep = p->cells[i].rep;
		r.warmup = p->cells[i].warmup;
		r.started_ns = b->started_ns;
		r.ended_ns = b->ended_ns;
		r.exit_code = -1;
		r.machine = b->hello ? &b->mi : &m;
		r.kernel = b->hello ? &b->ki : &k;
		rc = store_run(c, i, &r, err);
		r.machine = NULL;
		r.kernel = NULL;
		record_free(&r);
	}
	return rc;
}

static char *boot_settings(const struct qemu_session *s, const struct qemu_boot *b)
{
	json_t *j = json_loads(s->settings_json, 0, NULL);
	char *out;

	if (!j)
		return NULL;
	json_object_set_new(j, "image", json_string(s->k.image));
	json_object_set_new(j, "append", json_string(b->append ? b->append : ""));
	json_object_set_new(j, "command", b->command ? json_string(b->command) : json_null());
	json_object_set_new(j, "hello_s", b->hello_s >= 0 ? json_real(b->hello_s) : json_null());
	json_object_set_new(j, "first_cell_s",
			    b->first_cell_s >= 0 ? json_real(b->first_cell_s) : json_null());
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

static int end_boot(struct boot_ctx *c, const struct qemu_boot *b, struct boot_row *row,
		    struct herr *err)
{
	char *settings = boot_settings(c->s, b);
	int rc;

	snprintf(row->status, sizeof(row->status), "%s", b->status);
	snprintf(row->kernel_id, sizeof(row->kernel_id), "%s", b->hello ? b->ki.id : "");
	row->reason = b->reason[0] ? b->reason : NULL;
	row->console_log = b->console;
	row->ended_ns = b->ended_ns;
	row->settings_json = settings;
	row->mem = b->hello ? &b->mem : NULL;
	rc = store_boot_end(c->st, row, err);
	free(settings);
	return rc;
}

static void summarize(struct qemu_boot_summary *sum, const struct qemu_boot *b)
{
	snprintf(sum->status, sizeof(sum->status), "%s", b->status);
	snprintf(sum->reason, sizeof(sum->reason), "%s", b->reason);
	sum->hello_s = b->hello_s;
	sum->first_cell_s = b->first_cell_s;
}

int qemu_session_boot(struct qemu_session *s, struct store *st, const char *sweep_id,
		      const struct target_run *cells, size_t n, const struct boot_test *test,
		      qemu_stored_fn fn, void *user, struct qemu_boot_summary *sum,
		      struct herr *err)
{
	struct boot_row row = { .started_ns = 0 };
	struct boot_ctx c = { s, st, cells, row.id, fn, user, sum };
	struct boot_plan p;
	struct qemu_boot b;
	int rc;

	memset(sum, 0, sizeof(*sum));
	memset(&b, 0, sizeof(b));
	bootplan_init(&p);
	uuid_v4(row.id);
	snprintf(sum->boot_id, sizeof(sum->boot_id), "%s", row.id);
	snprintf(row.sweep_id, sizeof(row.sweep_id), "%s", sweep_id ? sweep_id : "");
	snprintf(row.variant, sizeof(row.variant), "%s", s->label[0] ? s->label : s->kb.v->name);
	snprintf(row.target, sizeof(row.target), "%s", opt_or(s->target, "qemu"));
	row.started_ns = wall_ns();
	row.settings_json = s->settings_json;
	rc = qemu_session_fill_plan(s, sweep_id, cells, n, test, &p, err);
	if (!rc)
		rc = store_boot_begin(st, &row, err);
	if (!rc) {
		say(s, "%s %s (%zu cell%s, boot %.8s)", s->boot ? "running" : "booting", row.variant, n, n == 1 ? "" : "s", row.id);
		rc = s->boot ? s->boot(s->boot_ctx, s, &p, on_run, &c, &b, err)
			     : qemu_boot_plan(&s->opts, &s->k, s->bundle.path, &p, on_run, &c, &b, err);
		if (rc) {
			/* The host failed: the boot still gets an end, saying so. */
			snprintf(b.status, sizeof(b.status), "failed");
			snprintf(b.reason, sizeof(b.reason), "controller: %s", err->msg);
		} else if (!s->defer_missing || !strcmp(b.status, "ok")) {
			rc = store_missing(&c, &p, &b, err);
		}
		for (size_t i = 0; s->got && b.got && i < n; i++)
			s->got[i] |= b.got[i];
		summarize(sum, &b);
		if (end_boot(&c, &b, &row, rc ? &(struct herr){ 0 } : err) && !rc)
			rc = -1;
		if (!strcmp(b.status, "ok"))
			say(s, "%s: boot done, %zu run%s (QEMU start to first workload %.2f s)",
			    row.variant, sum->ok + sum->failed, sum->ok + sum->failed == 1 ? "" : "s",
			    b.first_cell_s);
		else
			say(s, "%s: boot failed: %s", row.variant, b.reason);
	}
	qemu_boot_free(&b);
	bootplan_free(&p);
	return rc;
}

int qemu_test_from_env(struct boot_test *t, struct herr *err)
{
	const char *env = getenv("HARNESS_QEMU_TEST");
	char buf[256], *save = NULL;

	t->panic_at = t->cut_at = t->hang_at = -1;
	t->hang_hello = 0;
	if (!env || !*env)
		return 0;
	snprintf(buf, sizeof(buf), "%s", env);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int n = -1;
		char extra;

		if (!strcmp(w, "hang_hello"))
			t->hang_hello = 1;
		else if (sscanf(w, "panic=%d%c", &n, &extra) == 1 && n >= 0)
			t->panic_at = n;
		else if (sscanf(w, "cut=%d%c", &n, &extra) == 1 && n >= 0)
			t->cut_at = n;
		else if (sscanf(w, "hang=%d%c", &n, &extra) == 1 && n >= 0)
			t->hang_at = n;
		else
			return herr_set(err, EXIT_USAGE, "HARNESS_QEMU_TEST: '%s' is not panic=N, cut=N, "
					"hang=N or hang_hello", w);
	}
	return 0;
}
