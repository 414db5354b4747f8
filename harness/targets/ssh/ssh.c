/* The ssh target: kernel variants on lab machines reached over ssh.
 * open installs the agent bundle (the arm64 one the qemu target boots)
 * and every variant's kernel on its machine; start switches the machine
 * to the variant's kernel (kexec by the agent, or a one-shot reboot
 * command; a power-cycle command when it does not come back) and checks
 * the kernel that runs; a batch is one agent session over ssh, its
 * framed stream read and stored as the qemu target's (qemu_session with
 * this file's boot function). A session cut short (a lost connection, a
 * machine that rebooted) is recorded as a failed boot with its reason and
 * the cells it did not report run again, a bounded number of times; runs
 * are stored once each, so a killed controller resumes from the database
 * (harness sweep --resume) with nothing lost or twice. docs/lab.md. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/signals.h"
#include "kernel/bundle.h"
#include "kernel/fsutil.h"
#include "kernel/variant.h"
#include "targets/qemu/qemu_int.h"
#include "targets/qemu/qemu_run.h"
#include "targets/qemu/qemu_target.h"
#include "targets/ssh/ssh_host.h"
#include "targets/ssh/ssh_remote.h"
#include "targets/target.h"

#define WHOAMI_TIMEOUT_S 30
#define COPY_TIMEOUT_S 600

struct ssh_kernel_now {
	char release[128], version[256], cmdline[1024], boot_id[64];
	long page_size;
};

struct ssh_machine {
	const struct ssh_host *h;
	char bundle_dir[600];	/* "" until installed */
	char boot_id[64];	/* of the kernel running when last seen */
	unsigned switches;
};

struct ssh_var {
	struct qemu_session s;
	struct ssh_machine *m;
	struct target *t;
	char kdir[700], image[800], initrd[800];
	char *cmdline;		/* the command line it must run with */
	char workloads[700];
	char fail[512];		/* the switch failed: every run of the batch fails with this */
};

struct ssh_state {
	struct ssh_host *hosts;
	size_t nhosts;
	struct ssh_machine *m;
	struct ssh_var *v;
	size_t nv;
};

static const char *file_of(const struct target *t)
{
	return t->plan->spec.file;
}

/* ---- remote commands (argvs; ssh_argv.h quotes them) ---- */

static void agent_argv(const struct ssh_machine *m, char *libenv, size_t n1, char *harness, size_t n2,
		       const char **prefix)
{
	snprintf(libenv, n1, "LD_LIBRARY_PATH=%s/lib/aarch64-linux-gnu", m->bundle_dir);
	snprintf(harness, n2, "%s" GUEST_HARNESS, m->bundle_dir);
	prefix[0] = "env";
	prefix[1] = libenv;
	prefix[2] = harness;
	prefix[3] = "agent";
}

static int whoami(const struct ssh_machine *m, struct ssh_kernel_now *k, struct ssh_result *r,
		  struct herr *err)
{
	char libenv[700], harness[700];
	const char *argv[6];
	json_t *j;
	int rc;

	agent_argv(m, libenv, sizeof(libenv), harness, sizeof(harness), argv);
	argv[4] = "--whoami";
	argv[5] = NULL;
	if (ssh_exec(&m->h->dest, argv, NULL, WHOAMI_TIMEOUT_S, r, err))
		return -1;
	if (r->status)
		return 1;
	j = json_loads(r->out, 0, NULL);
	memset(k, 0, sizeof(*k));
	rc = json_unpack(j, "{s:s, s:s, s:I, s:s, s:s}", "release", &(const char *){ 0 }, "version",
			 &(const char *){ 0 }, "page_size", &(json_int_t){ 0 }, "cmdline",
			 &(const char *){ 0 }, "boot_id", &(const char *){ 0 });
	if (!j || rc) {
		json_decref(j);
		return herr_set(err, EXIT_RUNTIME, "%s: agent --whoami said '%.200s'", m->h->name, r->out);
	}
	snprintf(k->release, sizeof(k->release), "%s", json_string_value(json_object_get(j, "release")));
	snprintf(k->version, sizeof(k->version), "%s", json_string_value(json_object_get(j, "version")));
	snprintf(k->cmdline, sizeof(k->cmdline), "%s", json_string_value(json_object_get(j, "cmdline")));
	snprintf(k->boot_id, sizeof(k->boot_id), "%s", json_string_value(json_object_get(j, "boot_id")));
	k->page_size = (long)json_integer_value(json_object_get(j, "page_size"));
	json_decref(j);
	return 0;
}

/* Copy a local file to path on the machine (through a temporary name,
 * so a cut copy is never taken for a whole one). */
static int put_file(const struct ssh_machine *m, const char *local, const char *path,
		    struct herr *err)
{
	const char *argv[] = { "sh", "-c", "mkdir -p \"${1%/*}\" && cat > \"$1.part\" && mv \"$1.part\" \"$1\"",
			       "sh", path, NULL };
	struct ssh_result r;
	int rc;

	if (ssh_exec(&m->h->dest, argv, local, COPY_TIMEOUT_S, &r, err))
		return -1;
	rc = r.status ? herr_set(err, EXIT_RUNTIME, "%s: copying %s to %s failed (exit %d): %.300s",
				 m->h->name, local, path, r.status, r.err) : 0;
	ssh_result_free(&r);
	return rc;
}

static int remote_exists(const struct ssh_machine *m, const char *path, struct herr *err)
{
	const char *argv[] = { "test", "-e", path, NULL };
	struct ssh_result r;
	int rc;

	if (ssh_exec(&m->h->dest, argv, NULL, WHOAMI_TIMEOUT_S, &r, err))
		return -1;
	rc = r.status == 0 ? 1 : r.status == 1 ? 0
	     : herr_set(err, EXIT_RUNTIME, "%s: test -e %s: exit %d: %.300s", m->h->name, path,
			r.status, r.err);
	ssh_result_free(&r);
	return rc;
}

/* The bundle unpacked in DIR/bundles/KEY (cpio on the machine). */
static int install_bundle(struct target *t, struct ssh_machine *m, const struct bundle *b,
			  struct herr *err)
{
	const char *argv[] = { "sh", "-c", "rm -rf \"$1.part\" && mkdir -p \"$1.part\" && cd \"$1.part\" && "
			       "cpio -idmu < \"$1.cpio\" && touch .complete && cd / && rm -rf \"$1\" && "
			       "mv \"$1.part\" \"$1\" && rm -f \"$1.cpio\"", "sh", NULL, NULL };
	char dir[600], done[700], cpio[700];
	struct ssh_result r;
	int rc;

	snprintf(dir, sizeof(dir), "%s/bundles/%s", m->h->dir, b->key);
	snprintf(done, sizeof(done), "%s/.complete", dir);
	snprintf(cpio, sizeof(cpio), "%s.cpio", dir);
	if ((rc = remote_exists(m, done, err)) < 0)
		return -1;
	if (!rc) {
		target_note(t, "%s: installing the agent bundle %s in %s", m->h->name, b->key, dir);
		if (put_file(m, b->path, cpio, err))
			return -1;
		argv[4] = dir;
		if (ssh_exec(&m->h->dest, argv, NULL, COPY_TIMEOUT_S, &r, err))
			return -1;
		rc = r.status ? herr_set(err, EXIT_RUNTIME, "%s: unpacking the bundle in %s failed (exit %d; "
					 "the machine needs cpio): %.300s", m->h->name, dir, r.status, r.err) : 0;
		ssh_result_free(&r);
		if (rc)
			return -1;
	}
	snprintf(m->bundle_dir, sizeof(m->bundle_dir), "%s", dir);
	return 0;
}

static int put_once(struct target *t, const struct ssh_machine *m, const char *local,
		    const char *path, struct herr *err)
{
	int rc = remote_exists(m, path, err);

	if (rc)
		return rc < 0 ? -1 : 0;
	target_note(t, "%s: copying %s to %s", m->h->name, local, path);
	return put_file(m, local, path, err);
}

/* The variant's Image (and the machine's initramfs) in DIR/kernels/KEY. */
static int install_kernel(struct target *t, struct ssh_var *v, struct herr *err)
{
	const struct ssh_host *h = v->m->h;
	struct stat st;

	snprintf(v->kdir, sizeof(v->kdir), "%s/kernels/%s", h->dir, v->s.kb.key);
	snprintf(v->image, sizeof(v->image), "%s/Image", v->kdir);
	if (put_once(t, v->m, v->s.kb.image, v->image, err))
		return -1;
	v->initrd[0] = '\0';
	if (!h->initrd)
		return 0;
	if (stat(h->initrd, &st))
		return herr_errno(err, EXIT_USAGE, "%s: initrd %s", h->name, h->initrd);
	/* Named by size and time: a changed file is copied again. */
	snprintf(v->initrd, sizeof(v->initrd), "%s/initrd/%lld-%lld.img", h->dir, (long long)st.st_size,
		 (long long)st.st_mtime);
	return put_once(t, v->m, h->initrd, v->initrd, err);
}

/* ---- reaching the machine ---- */

static void sleep_s(unsigned s)
{
	struct timespec ts = { s, 0 };

	nanosleep(&ts, NULL);
}

/* Log in (the command: true) until it works or timeout_s passes; a
 * refused host key refuses the host at once. 1 when it never answered. */
static int reach(const char *file, const struct ssh_host *h, unsigned timeout_s,
		 struct herr *err)
{
	const char *argv[] = { "true", NULL };
	time_t t0 = time(NULL);

	for (;;) {
		struct ssh_result r;
		int ok;

		if (ssh_exec(&h->dest, argv, NULL, WHOAMI_TIMEOUT_S, &r, err))
			return -1;
		ok = r.status == 0;
		if (!ok && (ssh_host_key_refused(&r) || time(NULL) - t0 >= timeout_s)) {
			ssh_refused(&h->dest, file, ssh_host_key_refused(&r) ? h->known_hosts_line
						   : h->line, &r, err);
			ssh_result_free(&r);
			return 1;
		}
		ssh_result_free(&r);
		if (ok)
			return 0;
		sleep_s(2);
	}
}

/* Wait for the machine to answer --whoami from a boot other than
 * old_boot_id. 0: up (k filled), 1: not within timeout_s. */
static int wait_up(const struct ssh_machine *m, const char *old_boot_id, unsigned timeout_s,
		   struct ssh_kernel_now *k, struct herr *err)
{
	time_t t0 = time(NULL);
	char old[sizeof(k->boot_id)];

	snprintf(old, sizeof(old), "%s", old_boot_id);	/* it may be k's own */

	for (int first = 1; time(NULL) - t0 < timeout_s; first = 0) {
		struct ssh_result r;
		int rc;

		if (!first)
			sleep_s(2);
		rc = whoami(m, k, &r, err);
		ssh_result_free(&r);
		if (rc == 0 && strcmp(k->boot_id, old))
			return 0;
		if (signals_caught())
			return herr_set(err, EXIT_RUNTIME, "interrupted by signal %d", signals_caught());
	}
	return 1;
}

static int kernel_is(const struct ssh_var *v, const struct ssh_kernel_now *k)
{
	return !strcmp(k->release, v->s.k.release) && k->page_size == v->s.k.page_size &&
	       !strcmp(k->cmdline, v->cmdline);
}

static void describe(const struct ssh_kernel_now *k, char *out, size_t n)
{
	snprintf(out, n, "%s %s, %ld-byte pages, command line '%s'", k->release, k->version,
		 k->page_size, k->cmdline);
}

/* ---- switching kernels ---- */

/* {kernel}, {initrd} and {cmdline} of a reboot command's words. */
static char **fill_reboot(const struct ssh_var *v)
{
	char **const src = v->m->h->reboot;
	size_t n = 0;
	char **out;

	while (src[n])
		n++;
	if (!(out = calloc(n + 1, sizeof(*out))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *w = !strcmp(src[i], "{kernel}") ? v->image : !strcmp(src[i], "{initrd}")
				? v->initrd : !strcmp(src[i], "{cmdline}") ? v->cmdline : src[i];

		if (!(out[i] = strdup(w))) {
			ssh_argv_free(out);
			return NULL;
		}
	}
	return out;
}

/* Ask the machine to switch: the agent's kexec, or the reboot command.
 * The connection may drop as the switch happens: only a clear refusal
 * (an exit status other than ssh's 255) is a failure. */
static int ask_switch(struct ssh_var *v, struct herr *err)
{
	char libenv[700], harness[700], **reboot = NULL;
	const char *argv[12];
	struct ssh_result r;
	int rc;

	if (v->m->h->sw == SSH_SWITCH_KEXEC) {
		size_t n = 4;

		agent_argv(v->m, libenv, sizeof(libenv), harness, sizeof(harness), argv);
		argv[n++] = "--kexec";
		argv[n++] = v->image;
		if (v->initrd[0]) {
			argv[n++] = "--initrd";
			argv[n++] = v->initrd;
		}
		argv[n++] = "--cmdline";
		argv[n++] = v->cmdline;
		argv[n] = NULL;
	} else if (!(reboot = fill_reboot(v))) {
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	rc = ssh_exec(&v->m->h->dest, reboot ? (const char *const *)reboot : argv, NULL,
		      WHOAMI_TIMEOUT_S * 2, &r, err);
	ssh_argv_free(reboot);
	if (rc)
		return -1;
	if (r.status && r.status != 255 && r.status != -1)
		snprintf(v->fail, sizeof(v->fail), "%s: switching to %s failed (exit %d): %.300s",
			 v->m->h->name, v->s.kb.v->name, r.status, r.err);
	ssh_result_free(&r);
	return 0;
}

static int power_cycle(struct target *t, const struct ssh_host *h, struct herr *err)
{
	struct proc_spec p = { .argv = (const char *const *)h->power, .out_fd = -1, .merge_stderr = 1 };
	int rc;

	target_note(t, "%s: no answer within %u s: power-cycling it (%s)", h->name, h->boot_timeout_s,
		    h->power[0]);
	rc = proc_run(&p, err);
	if (rc < 0)
		return herr_wrap(err, "%s:%d: power", file_of(t), h->power_line);
	if (rc)
		target_note(t, "%s: the power command exited %d", h->name, rc);
	return 0;
}

/* What every run on this machine records (and its boot id: a run knows
 * which boot of the machine it ran in). */
static int make_settings(struct ssh_var *v, const char *boot_id, struct herr *err)
{
	const struct ssh_host *h = v->m->h;
	json_t *j = json_pack("{s:b, s:s, s:{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I}}", "emulated", 0,
			      "target", "ssh", "ssh", "host", h->name, "address", h->dest.host, "user",
			      h->dest.user, "port", h->dest.port ? h->dest.port : 22, "switch",
			      h->sw == SSH_SWITCH_KEXEC ? "kexec" : "reboot", "bundle", v->s.bundle.key,
			      "boot_id", boot_id, "switches", (json_int_t)v->m->switches);

	free(v->s.settings_json);
	v->s.settings_json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return v->s.settings_json ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
}

/* The machine runs the variant's kernel with its command line, or
 * v->fail says why not (the batch's runs then fail with it). */
static int ensure_kernel(struct target *t, struct ssh_var *v, struct herr *err)
{
	struct ssh_machine *m = v->m;
	const struct ssh_host *h = m->h;
	struct ssh_kernel_now k;
	char now[1400];
	int rc;

	v->fail[0] = '\0';
	if ((rc = wait_up(m, "", h->boot_timeout_s, &k, err)) < 0)
		return -1;
	if (rc && h->power && (power_cycle(t, h, err) || (rc = wait_up(m, "", h->boot_timeout_s, &k, err)) < 0))
		return -1;
	if (rc) {
		snprintf(v->fail, sizeof(v->fail), "%s does not answer over ssh (waited %u s%s)", h->name,
			 h->boot_timeout_s, h->power ? " twice, power-cycled between" : "");
		return 0;
	}
	if (!kernel_is(v, &k)) {
		target_note(t, "%s: switching to %s (%s)", h->name, v->s.kb.v->name,
			    h->sw == SSH_SWITCH_KEXEC ? "kexec" : "reboot");
		if (ask_switch(v, err))
			return -1;
		if (v->fail[0])
			return 0;
		m->switches++;
		if ((rc = wait_up(m, k.boot_id, h->boot_timeout_s, &k, err)) < 0)
			return -1;
		if (rc && h->power) {
			if (power_cycle(t, h, err) || (rc = wait_up(m, k.boot_id, h->boot_timeout_s, &k, err)) < 0)
				return -1;
			if (!rc) {
				describe(&k, now, sizeof(now));
				snprintf(v->fail, sizeof(v->fail), "%s did not come back within %u s after the "
					 "switch to %s; power-cycled, it runs %s", h->name, h->boot_timeout_s,
					 v->s.kb.v->name, now);
				snprintf(m->boot_id, sizeof(m->boot_id), "%s", k.boot_id);
				return 0;
			}
		}
		if (rc) {
			snprintf(v->fail, sizeof(v->fail), "%s did not come back within %u s after the switch "
				 "to %s%s", h->name, h->boot_timeout_s, v->s.kb.v->name,
				 h->power ? " nor after a power cycle" : " (no power command)");
			return 0;
		}
	}
	snprintf(m->boot_id, sizeof(m->boot_id), "%s", k.boot_id);
	if (!kernel_is(v, &k)) {
		describe(&k, now, sizeof(now));
		snprintf(v->fail, sizeof(v->fail), "after the switch %s runs %s, not %s's %s, %ld-byte "
			 "pages, command line '%s'", h->name, now, v->s.kb.v->name, v->s.k.release,
			 v->s.k.page_size, v->cmdline);
		return 0;
	}
	target_note(t, "%s: runs %s (%s, %ld-byte pages, boot %.8s)", h->name, v->s.kb.v->name,
		    k.release, k.page_size, k.boot_id);
	return make_settings(v, k.boot_id, err);
}

/* ---- one agent session: the boot function of the variant's qemu_session ---- */

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_plan(const struct boot_plan *p, char *path, size_t n, struct herr *err)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	json_t *j = bootplan_to_json(p);
	char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	int fd, rc = 0;

	json_decref(j);
	snprintf(path, n, "%s/harness-ssh-plan-XXXXXX", tmp);
	if (!text)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if ((fd = mkstemp(path)) < 0)
		rc = herr_errno(err, EXIT_RUNTIME, "cannot create %s", path);
	else if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd))
		rc = herr_errno(err, EXIT_RUNTIME, "cannot write %s", path);
	free(text);
	return rc;
}

static void end_child(struct qemu_child *c)
{
	int *fds[] = { &c->res_fd, &c->con_fd };

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (size_t i = 0; i < 2; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

/* The agent's log ends with ssh's own word on a lost connection. */
static void add_last_line(struct qemu_boot *b)
{
	const char *s = b->console ? b->console : "";
	size_t len = strlen(s), at, used = strlen(b->reason);

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	for (at = len; at && s[at - 1] != '\n'; at--)
		;
	if (len > at && used + 8 < sizeof(b->reason))
		snprintf(b->reason + used, sizeof(b->reason) - used, " (last words: %.*s)",
			 (int)(len - at), s + at);
}

static int run_session(struct ssh_var *v, const struct boot_plan *p, qemu_run_fn fn, void *user,
		       struct qemu_boot *b, struct herr *err)
{
	char local[300], remote[800], lock[700], libenv[700], harness[700];
	const char *argv[10];
	struct qemu_child c = { .pid = 0, .listen_fd = -1, .res_fd = -1, .con_fd = -1, .err_fd = -1 };
	int rc;

	if (write_plan(p, local, sizeof(local), err))
		return -1;
	snprintf(remote, sizeof(remote), "%s/plans/%s.json", v->m->h->dir, p->cells[0].id);
	snprintf(lock, sizeof(lock), "%s/agent.lock", v->m->h->dir);
	rc = put_file(v->m, local, remote, err);
	unlink(local);
	if (rc) {
		/* The machine went away before the session: a failed boot. */
		snprintf(b->reason, sizeof(b->reason), "%s", err->msg);
		return 0;
	}
	agent_argv(v->m, libenv, sizeof(libenv), harness, sizeof(harness), argv);
	argv[4] = "--plan";
	argv[5] = remote;
	argv[6] = "--lock";
	argv[7] = lock;
	argv[8] = NULL;
	if (ssh_spawn(&v->m->h->dest, argv, &c.pid, &c.res_fd, &c.con_fd, &b->command, err))
		return -1;
	c.t0 = qemu_now_ns();
	rc = qemu_watch(&v->s.opts, &v->s.k, p, &c, fn, user, b, err);
	end_child(&c);
	if (!rc && strcmp(b->status, "ok"))
		add_last_line(b);
	return rc;
}

static int ssh_boot(void *ctx, struct qemu_session *s, const struct boot_plan *p, qemu_run_fn fn,
		    void *user, struct qemu_boot *b, struct herr *err)
{
	struct ssh_var *v = ctx;
	int rc = 0;

	(void)s;
	memset(b, 0, sizeof(*b));
	snprintf(b->status, sizeof(b->status), "failed");
	b->hello_s = b->first_cell_s = -1;
	b->got = calloc(p->ncells + 1, 1);
	b->append = strdup(v->cmdline);
	b->started_ns = wall_ns();
	if (!b->got || !b->append)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (v->fail[0])
		snprintf(b->reason, sizeof(b->reason), "%s", v->fail);
	else
		rc = run_session(v, p, fn, user, b, err);
	if (!b->console)
		b->console = strdup("");
	b->ended_ns = wall_ns();
	return rc;
}

/* ---- the target's operations ---- */

static int ssh_plan_check(struct sweep_plan *p, struct herr *err)
{
	struct ssh_host *hosts = NULL;
	size_t n = 0;
	int rc;

	/* The variants are kernel variants, as on qemu; knobs are written
	 * on the machine by the agent (allow-listed there too). */
	rc = ssh_hosts_parse(&p->spec, &hosts, &n, err);
	if (!rc && qemu_plan_check(p, err))
		rc = -1;
	/* Each machine is reached now, before the database is touched: a
	 * refused host key or an unreachable machine is the sweep file's
	 * error (exit 2), and nothing has run or been written. */
	for (size_t i = 0; !rc && i < n; i++)
		if (reach(p->spec.file, &hosts[i], hosts[i].boot_timeout_s, err))
			rc = -1;
	ssh_hosts_free(hosts, n);
	return rc;
}

static char *join_cmdline(const char *a, const char *b)
{
	char *s = kfs_fmt("%s %s", a ? a : "", b ? b : ""), *p, *o;

	if (!s)
		return NULL;
	/* One blank between words, none at the ends: as /proc/cmdline. */
	for (p = o = s; *p; p++)
		if (*p != ' ' || (o > s && o[-1] != ' '))
			*o++ = *p;
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
	return s;
}

static int open_variant(struct target *t, struct ssh_state *st, size_t i, struct herr *err)
{
	const struct target_variant *tv = &t->variants[i];
	struct ssh_var *v = &st->v[i];
	struct qemu_opts o = { .boot_timeout_s = 60, .any_console = 1, .scratch_fs = "none" };
	char key[64], *words;

	o.progress = t->quiet || t->progress_bar ? NULL : stderr;
	v->t = t;
	v->m = &st->m[ssh_host_of(st->hosts, st->nhosts, tv->name)];
	if (qemu_session_prepare(tv, &o, &v->s, err))
		return *tv->name ? herr_wrap(err, "variant %s", tv->name) : -1;
	if (*tv->name)
		snprintf(v->s.label, sizeof(v->s.label), "%s", tv->name);
	v->s.nxknobs = tv->nknobs;
	v->s.xknob_paths = tv->knob_paths;
	v->s.xknob_values = tv->knob_values;
	v->s.target = "ssh";
	v->s.boot = ssh_boot;
	v->s.boot_ctx = v;
	snprintf(v->s.hostname, sizeof(v->s.hostname), "%s", v->m->h->name);
	/* Builds of one release with the same page size differ only by
	 * their key: the command line carries it, so the kernel that runs
	 * tells which build it is (the kernel ignores the word). */
	snprintf(key, sizeof(key), "harness.kernel=%s", v->s.kb.key);
	if (!(words = join_cmdline(v->m->h->cmdline, v->s.kb.v->cmdline)) ||
	    !(v->cmdline = join_cmdline(words, key))) {
		free(words);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	free(words);
	/* The expected command line is checked again in the agent's hello. */
	v->s.k.expect_cmdline = v->cmdline;
	return make_settings(v, "", err);
}

static int open_machine(struct target *t, struct ssh_state *st, struct ssh_machine *m,
			struct herr *err)
{
	int rc;

	target_note(t, "%s: logging in as %s@%s port %d", m->h->name, m->h->dest.user, m->h->dest.host,
		    m->h->dest.port ? m->h->dest.port : 22);
	/* It may be rebooting (a sweep resumed after its controller died). */
	if ((rc = reach(file_of(t), m->h, m->h->boot_timeout_s, err)))
		return -1;
	for (size_t i = 0; i < st->nv; i++) {
		struct ssh_var *v = &st->v[i];

		if (!v->s.kb.v || v->m != m)
			continue;
		if (!m->bundle_dir[0] && install_bundle(t, m, &v->s.bundle, err))
			return -1;
		snprintf(v->workloads, sizeof(v->workloads), "%s/harness/workloads", m->bundle_dir);
		v->s.workloads_dir = v->workloads;
		if (install_kernel(t, v, err))
			return herr_wrap(err, "variant %s", v->s.kb.v->name);
	}
	return 0;
}

static int ssh_open(struct target *t, const struct target_variant *tv, size_t nv, struct herr *err)
{
	struct ssh_state *st = calloc(1, sizeof(*st));

	if (!st)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	t->priv = st;
	if (!t->plan)
		return herr_set(err, EXIT_USAGE, "target ssh runs sweeps: its machines are the sweep "
				"file's [host NAME] sections (docs/lab.md)");
	if (ssh_hosts_parse(&t->plan->spec, &st->hosts, &st->nhosts, err))
		return -1;
	st->m = calloc(st->nhosts, sizeof(*st->m));
	st->v = calloc(nv + 1, sizeof(*st->v));
	st->nv = nv;
	if (!st->m || !st->v)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < st->nhosts; i++)
		st->m[i].h = &st->hosts[i];
	for (size_t i = 0; i < nv; i++)
		if (!tv[i].idle && open_variant(t, st, i, err))
			return -1;
	for (size_t i = 0; i < st->nhosts; i++)
		for (size_t k = 0; k < nv; k++)
			if (st->v[k].m == &st->m[i] && st->v[k].s.kb.v) {
				if (open_machine(t, st, &st->m[i], err))
					return -1;
				break;
			}
	return 0;
}

static int ssh_start(struct target *t, size_t variant, struct herr *err)
{
	struct ssh_state *st = t->priv;

	if (!st->v[variant].s.kb.v)
		return herr_set(err, EXIT_RUNTIME, "variant %s was not prepared", t->variants[variant].name);
	return ensure_kernel(t, &st->v[variant], err);
}

static void on_stored(void *user, struct run_record *r)
{
	struct target *t = user;

	if (t->ev.stored)
		t->ev.stored(t->ev.user, r);
}

/* Drop the runs stored: the rest are retried. */
static size_t keep_unstored(struct target_run *runs, size_t n, const unsigned char *got)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (!got[i])
			runs[kept++] = runs[i];
	return kept;
}

static int ssh_run(struct target *t, size_t variant, const struct target_run *runs, size_t n,
		   struct herr *err)
{
	struct ssh_var *v = &((struct ssh_state *)t->priv)->v[variant];
	struct target_run *left = calloc(n + 1, sizeof(*left));
	unsigned char *got = calloc(n + 1, 1);
	unsigned retries = v->m->h->retries;
	int rc = left && got ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");

	if (!rc)
		memcpy(left, runs, n * sizeof(*left));
	for (unsigned attempt = 0; !rc && n; attempt++) {
		struct qemu_boot_summary sum;
		int last = attempt >= retries || v->fail[0];

		target_note(t, "%s: running %zu run%s of %s%s", v->m->h->name, n, n == 1 ? "" : "s",
			    v->s.label[0] ? v->s.label : v->s.kb.v->name, attempt ? " again" : "");
		memset(got, 0, n);
		v->s.got = got;
		v->s.defer_missing = !last;
		rc = qemu_session_boot(&v->s, t->st, t->sweep_id, left, n, NULL, on_stored, t, &sum, err);
		if (rc || !strcmp(sum.status, "ok"))
			break;
		target_note(t, "%s: session %.8s failed: %s", v->m->h->name, sum.boot_id, sum.reason);
		if (last)
			break;
		n = keep_unstored(left, n, got);
		/* Reconnect; a machine that rebooted is switched back. */
		if (n && ensure_kernel(t, v, err))
			rc = -1;
	}
	v->s.got = NULL;
	free(left);
	free(got);
	return rc;
}

static void ssh_close(struct target *t)
{
	struct ssh_state *st = t->priv;

	if (!st)
		return;
	for (size_t i = 0; st->v && i < st->nv; i++) {
		free(st->v[i].cmdline);
		qemu_session_close(&st->v[i].s);
	}
	free(st->v);
	free(st->m);
	ssh_hosts_free(st->hosts, st->nhosts);
	free(st);
	t->priv = NULL;
}

const struct target_ops target_ssh = {
	.name = "ssh",
	.summary = "kernel variants on lab machines over ssh, switched by kexec or reboot (docs/lab.md)",
	.flags = TARGET_BOOTS | TARGET_REMOTE,
	.check_opts = NULL,
	.plan_check = ssh_plan_check,
	.prepare_estimate = qemu_prepare_estimate,
	.open = ssh_open,
	.start = ssh_start,
	.run = ssh_run,
	.close = ssh_close,
};
