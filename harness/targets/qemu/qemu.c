#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/fsutil.h"
#include "kernel/kconfig.h"
#include "core/proc.h"
#include "kernel/cpio.h"
#include "targets/qemu/qemu_int.h"
#include "targets/qemu/treedisk.h"

int64_t qemu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *opt_or(const char *v, const char *def)
{
	return v && *v ? v : def;
}

/* ---- the kernel as built ---- */

static long page_size_of_config(const char *config)
{
	static const struct { const char *opt; long size; } sizes[] = {
		{ "CONFIG_ARM64_4K_PAGES=y", 4096 }, { "CONFIG_ARM64_16K_PAGES=y", 16384 },
		{ "CONFIG_ARM64_64K_PAGES=y", 65536 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *p = strstr(config, sizes[i].opt);

		if (p && (p == config || p[-1] == '\n'))
			return sizes[i].size;
	}
	return 0;
}

/* uname -v as the kernel will report it: the part of its banner
 * ("Linux version REL (...) (...) #1 SMP ...") from the '#'. */
static void banner_version(const char *image, const char *release, char *out, size_t n)
{
	size_t len = 0;
	char *img = kfs_read(image, &len), *p = img, want[200];

	out[0] = '\0';
	snprintf(want, sizeof(want), "Linux version %s (", release);
	while (p && (p = memmem(p, len - (size_t)(p - img), want, strlen(want)))) {
		char *nl = memchr(p, '\n', len - (size_t)(p - img)), *hash;

		hash = nl ? memmem(p, (size_t)(nl - p), " #", 2) : NULL;
		if (hash) {
			snprintf(out, n, "%.*s", (int)(nl - hash - 1), hash + 1);
			break;
		}
		p += strlen(want);
	}
	free(img);
}

int qemu_kernel_from_build(const char *entry, const char *image, const char *cmdline,
			   struct qemu_kernel *k, struct herr *err)
{
	char *rel_path = kfs_join(entry, "kernel.release"), *cfg_path = kfs_join(entry, "config");
	char *rel = rel_path ? kfs_read(rel_path, NULL) : NULL;
	char *cfg = cfg_path ? kfs_read(cfg_path, NULL) : NULL;
	int rc = 0;

	memset(k, 0, sizeof(*k));
	k->image = image;
	k->cmdline = cmdline;
	if (!rel || !cfg)
		rc = herr_errno(err, EXIT_RUNTIME, "kernel build %s: cannot read kernel.release or config",
				entry);
	if (!rc) {
		rel[strcspn(rel, "\r\n")] = '\0';
		snprintf(k->release, sizeof(k->release), "%s", rel);
		k->page_size = page_size_of_config(cfg);
		if (!k->page_size)
			rc = herr_set(err, EXIT_RUNTIME, "kernel build %s: its config names no arm64 page size",
				      entry);
		banner_version(image, k->release, k->version, sizeof(k->version));
	}
	free(rel_path);
	free(cfg_path);
	free(rel);
	free(cfg);
	return rc;
}

static int has_word(const char *cmdline, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = cmdline; p && *p; p += strcspn(p, " \t")) {
		p += strspn(p, " \t");
		if (!strncmp(p, prefix, n))
			return 1;
	}
	return 0;
}

char *qemu_append(const char *cmdline)
{
	const char *c = cmdline ? cmdline + strspn(cmdline, " \t") : "";
	int con = has_word(c, "console="), panic = has_word(c, "panic=");

	return kfs_fmt("%s%s%s%s", con ? "" : "console=" QEMU_CONSOLE, con || !*c ? "" : " ", c,
		       panic ? "" : *c || !con ? " panic=-1" : "panic=-1");
}

/* ---- options ---- */

static int size_ok(const char *s, int allow_suffix)
{
	if (!s || !isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (allow_suffix && *s && strchr("KkMmGgTt", *s))
		s++;
	return *s == '\0';
}

int qemu_check_opts(const struct qemu_opts *o, struct herr *err)
{
	const char *fs = opt_or(o->scratch_fs, "ext4"), *cpu = opt_or(o->cpu, "neoverse-n1");

	if (!size_ok(opt_or(o->mem, "3G"), 1))
		return herr_set(err, EXIT_USAGE, "qemu: memory size '%s' is not a number with an optional "
				"K/M/G suffix", o->mem);
	if (!size_ok(opt_or(o->tree_max, TREEDISK_MAX_DEFAULT), 1))
		return herr_set(err, EXIT_USAGE, "qemu: tree disk limit '%s' is not a number with an "
				"optional K/M/G suffix", o->tree_max);
	if (!size_ok(opt_or(o->scratch_size, "1G"), 1))
		return herr_set(err, EXIT_USAGE, "qemu: scratch disk size '%s' is not a number with an "
				"optional K/M/G suffix", o->scratch_size);
	if (o->smp < 0 || o->smp > 8)
		return herr_set(err, EXIT_USAGE, "qemu: %d CPUs: the kernels are built for 1 to 8 "
				"(NR_CPUS=8)", o->smp);
	if (o->boot_timeout_s > 86400)
		return herr_set(err, EXIT_USAGE, "qemu: boot timeout %u s: at most 86400 (a day)",
				o->boot_timeout_s);
	if (strcmp(fs, "ext4") && strcmp(fs, "xfs") && strcmp(fs, "none"))
		return herr_set(err, EXIT_USAGE, "qemu: scratch file system '%s': ext4, xfs or none", fs);
	for (const char *p = cpu; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.,=", *p))
			return herr_set(err, EXIT_USAGE, "qemu: CPU model '%s' has a character QEMU "
					"names never have ('%c')", cpu, *p);
	return 0;
}

/* ---- the boot directory ---- */

static int append_file(int out, const char *src, struct herr *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	char buf[1 << 16];
	ssize_t got;

	if (in < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot read %s", src);
	while ((got = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)got) != got) {
			close(in);
			return herr_errno(err, EXIT_RUNTIME, "cannot write the boot's initrd");
		}
	close(in);
	return got < 0 ? herr_errno(err, EXIT_RUNTIME, "cannot read %s", src) : 0;
}

/* The bundle, then a small archive holding /plan.json: the kernel unpacks
 * both, in order, into one root. */
int qemu_write_initrd(const char *initrd, const char *workdir, const char *bundle,
		      const struct boot_plan *plan, struct herr *err)
{
	char plan_cpio[256];
	struct cpio_out c;
	char *text = NULL;
	json_t *j = bootplan_to_json(plan);
	int out, rc;

	snprintf(plan_cpio, sizeof(plan_cpio), "%s/plan.cpio", workdir);
	text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	json_decref(j);
	if (!text)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = cpio_open(&c, plan_cpio, 0, err);
	if (!rc && cpio_data(&c, "plan.json", 0644, text, strlen(text), err)) {
		cpio_abort(&c);
		rc = -1;
	} else if (!rc) {
		rc = cpio_close(&c, err);
	}
	free(text);
	if (rc)
		return -1;
	out = open(initrd, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		unlink(plan_cpio);
		return herr_errno(err, EXIT_RUNTIME, "cannot create %s", initrd);
	}
	rc = append_file(out, bundle, err);
	if (!rc)
		rc = append_file(out, plan_cpio, err);
	if (close(out) && !rc)
		rc = herr_errno(err, EXIT_RUNTIME, "cannot write %s", initrd);
	unlink(plan_cpio);
	return rc;
}

unsigned long long qemu_size_bytes(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'T': case 't': v <<= 10; /* fall through */
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; break;
	}
	return v;
}

/* A fresh file system per boot: every boot starts from the same disk. */
int qemu_make_scratch(const struct qemu_opts *o, const char *path, struct herr *err)
{
	const char *fs = opt_or(o->scratch_fs, "ext4");
	const char *ext4[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-L", "scratch", path, NULL };
	const char *xfs[] = { "mkfs.xfs", "-q", "-f", "-L", "scratch", path, NULL };
	struct proc_first_line m = { "" };
	struct proc_spec p = { .out_fd = -1, .on_line = proc_keep_first_line, .arg = &m,
			       .merge_stderr = 1 };
	int fd, rc;

	if (!strcmp(fs, "none"))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)qemu_size_bytes(opt_or(o->scratch_size, "1G")))) {
		if (fd >= 0)
			close(fd);
		return herr_errno(err, EXIT_RUNTIME, "cannot create the scratch disk %s", path);
	}
	close(fd);
	p.argv = !strcmp(fs, "xfs") ? xfs : ext4;
	rc = proc_run(&p, err);
	if (rc < 0)
		return herr_wrap(err, "making the %s scratch disk (%s)", fs,
				 !strcmp(fs, "xfs") ? "xfsprogs" : "e2fsprogs");
	if (rc)
		return herr_set(err, EXIT_RUNTIME, "%s failed (exit %d): %s", p.argv[0], rc, m.line);
	return 0;
}

static int listen_socket(const struct boot_dir *d, struct herr *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(d->sock) >= sizeof(a.sun_path)) {
		if (fd >= 0)
			close(fd);
		return herr_set(err, EXIT_RUNTIME, "socket path %s is too long (set TMPDIR shorter)",
				d->sock);
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", d->sock);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		herr_errno(err, EXIT_RUNTIME, "cannot listen on %s", d->sock);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int boot_dir_make(const struct qemu_opts *o, const char *bundle,
			 const struct boot_plan *plan, struct boot_dir *d, struct herr *err)
{
	const char *tmp = opt_or(getenv("TMPDIR"), "/tmp");

	snprintf(d->path, sizeof(d->path), "%s/harness-qemu-XXXXXX", tmp);
	if (!mkdtemp(d->path))
		return herr_errno(err, EXIT_RUNTIME, "cannot create a boot directory in %s", tmp);
	snprintf(d->initrd, sizeof(d->initrd), "%s/initrd.cpio", d->path);
	snprintf(d->scratch, sizeof(d->scratch), "%s/scratch.img", d->path);
	snprintf(d->sock, sizeof(d->sock), "%s/results.sock", d->path);
	if (qemu_write_initrd(d->initrd, d->path, bundle, plan, err) ||
	    qemu_make_scratch(o, d->scratch, err))
		return -1;
	if (!strcmp(opt_or(o->scratch_fs, "ext4"), "none"))
		d->scratch[0] = '\0';
	return 0;
}

/* ---- QEMU ---- */

struct argv_b {
	char **v;
	size_t n;
	int oom;
};

static void arg(struct argv_b *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_b *a, const char *fmt, ...)
{
	char **g = realloc(a->v, (a->n + 2) * sizeof(*g));
	va_list ap;

	if (!g) {
		a->oom = 1;
		return;
	}
	a->v = g;
	va_start(ap, fmt);
	if (vasprintf(&g[a->n], fmt, ap) < 0) {
		a->oom = 1;
		g[a->n] = NULL;
	} else {
		a->n++;
	}
	va_end(ap);
	g[a->n] = NULL;
}

static void argv_free(struct argv_b *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* One argv element per value: a path or a command line is never split or
 * parsed by a shell. */
static void build_argv(const struct qemu_opts *o, const struct qemu_kernel *k,
		       const struct boot_dir *d, const struct boot_plan *plan, const char *append,
		       struct argv_b *a)
{
	arg(a, "%s", opt_or(o->qemu, "qemu-system-aarch64"));
	arg(a, "-M"); arg(a, "virt");
	arg(a, "-cpu"); arg(a, "%s", opt_or(o->cpu, "neoverse-n1"));
	arg(a, "-m"); arg(a, "%s", opt_or(o->mem, "3G"));
	arg(a, "-smp"); arg(a, "%d", o->smp ? o->smp : 2);
	arg(a, "-nodefaults"); arg(a, "-display"); arg(a, "none"); arg(a, "-no-reboot");
	arg(a, "-serial"); arg(a, "stdio");
	arg(a, "-kernel"); arg(a, "%s", k->image);
	arg(a, "-initrd"); arg(a, "%s", d->initrd);
	arg(a, "-append"); arg(a, "%s", append);
	arg(a, "-device"); arg(a, "virtio-serial-device");
	arg(a, "-chardev"); arg(a, "socket,id=res,path=%s", d->sock);
	arg(a, "-device"); arg(a, "virtserialport,chardev=res,name=harness.results");
	if (d->scratch[0]) {
		arg(a, "-drive"); arg(a, QEMU_SCRATCH_DRIVE, d->scratch);
		arg(a, "-device"); arg(a, QEMU_SCRATCH_DEVICE);
	}
	/* The guest finds each disk by its serial (/sys/block/vdX/serial),
	 * not by probe order. Read-only: the cached image is shared by every
	 * boot, even concurrent ones. */
	for (size_t i = 0; i < plan->ntrees; i++) {
		arg(a, "-drive"); arg(a, "file=%s,format=raw,if=none,id=tree%zu,readonly=on",
				      plan->tree_images[i], i);
		arg(a, "-device"); arg(a, "virtio-blk-device,drive=tree%zu,serial=tree%zu", i, i);
	}
}

static char *argv_text(char *const *v)
{
	size_t n = 1;
	char *s;

	for (size_t i = 0; v[i]; i++)
		n += strlen(v[i]) + 3;
	s = malloc(n);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; v[i]; i++) {
		int quote = strchr(v[i], ' ') != NULL;

		strcat(s, i ? " " : "");
		strcat(s, quote ? "'" : "");
		strcat(s, v[i]);
		strcat(s, quote ? "'" : "");
	}
	return s;
}

/* fork+exec rather than posix_spawn: the child must die with us
 * (PR_SET_PDEATHSIG), or a killed harness would leave guests running. */
static int spawn(char *const *argv, struct qemu_child *c, struct herr *err)
{
	int con[2], er[2];

	if (pipe2(con, O_CLOEXEC))
		return herr_errno(err, EXIT_RUNTIME, "pipe");
	if (pipe2(er, O_CLOEXEC)) {
		close(con[0]);
		close(con[1]);
		return herr_errno(err, EXIT_RUNTIME, "pipe");
	}
	c->t0 = qemu_now_ns();
	c->pid = fork();
	if (c->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_DFL);
		dup2(devnull, 0);
		dup2(con[1], 1);
		dup2(er[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(con[1]);
	close(er[1]);
	if (c->pid < 0) {
		close(con[0]);
		close(er[0]);
		return herr_errno(err, EXIT_RUNTIME, "fork");
	}
	c->con_fd = con[0];
	c->err_fd = er[0];
	return 0;
}

static void child_close(struct qemu_child *c)
{
	int *fds[] = { &c->listen_fd, &c->res_fd, &c->con_fd, &c->err_fd };

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void boot_init(struct qemu_boot *b, size_t ncells)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->status, sizeof(b->status), "failed");
	b->hello_s = b->first_cell_s = -1;
	b->got = calloc(ncells + 1, 1);
}

int qemu_boot_plan(const struct qemu_opts *o, const struct qemu_kernel *k, const char *bundle,
		   const struct boot_plan *plan, qemu_run_fn fn, void *user, struct qemu_boot *b,
		   struct herr *err)
{
	struct boot_dir d = { 0 };
	struct qemu_child c = { .pid = 0, .listen_fd = -1, .res_fd = -1, .con_fd = -1, .err_fd = -1 };
	struct argv_b a = { 0 };
	int rc;

	boot_init(b, plan->ncells);
	b->append = qemu_append(k->cmdline);
	b->started_ns = wall_ns();
	if (!b->got || !b->append)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = boot_dir_make(o, bundle, plan, &d, err);
	if (!rc && (c.listen_fd = listen_socket(&d, err)) < 0)
		rc = -1;
	if (!rc) {
		build_argv(o, k, &d, plan, b->append, &a);
		b->command = a.oom ? NULL : argv_text(a.v);
		rc = a.oom || !b->command ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
	}
	if (!rc)
		rc = spawn(a.v, &c, err);
	if (!rc)
		rc = qemu_watch(o, k, plan, &c, fn, user, b, err);
	child_close(&c);
	b->ended_ns = wall_ns();
	argv_free(&a);
	if (d.path[0] && !o->keep)
		kfs_rm_rf(d.path);
	else if (d.path[0] && o->progress)
		fprintf(o->progress, "harness: qemu: boot directory kept in %s\n", d.path);
	return rc;
}

void qemu_boot_free(struct qemu_boot *b)
{
	free(b->console);
	free(b->append);
	free(b->command);
	free(b->got);
	if (b->hello)
		sysinfo_free(&b->mi, &b->ki);
	memset(b, 0, sizeof(*b));
}
