/* The kernel build driver: plan (key and cache lookup), then the build in
 * a temporary workspace, renamed into the cache only when complete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "fsutil.h"
#include "kconfig.h"
#include "core/signals.h"
#include "core/proc.h"
#include "sha256.h"

/* Bump when the build recipe changes what an identical input produces. */
#define RECIPE "harness kernel build 1: allnoconfig, merge_config.sh -m, olddefconfig, make Image"

char *kbuild_cache_dir(void)
{
	const char *c = getenv("HARNESS_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char cwd[4096];
	char *dir;

	if (c && *c)
		dir = kfs_join(c, "kernels");
	else if (xdg && *xdg)
		dir = kfs_join(xdg, "harness/kernels");
	else
		dir = kfs_fmt("%s/.cache/harness/kernels", home && *home ? home : "/tmp");
	/* make -C changes directory: O= and the log paths must be absolute. */
	if (dir && dir[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		char *abs = kfs_join(cwd, dir);

		free(dir);
		dir = abs;
	}
	return dir;
}

void kbuild_key(const char *text, char out[17])
{
	ksha256_hex16(text, out);
}

static int append(char **text, const char *fmt, const char *a, const char *b)
{
	char *line = kfs_fmt(fmt, a, b);
	char *joined = line ? kfs_fmt("%s%s", *text, line) : NULL;

	free(line);
	if (!joined)
		return -1;
	free(*text);
	*text = joined;
	return 0;
}

/* Contents, not paths or names: the same fragment text moved or renamed
 * builds the same kernel. Order matters (later fragments override). */
char *kbuild_key_text(const char *source_identity, const char *toolchain,
		      char *const *frags, size_t nfrags, const struct kpatch *patches,
		      size_t npatches, struct herr *err)
{
	char *text = kfs_fmt("%s\narch arm64\ntoolchain %s\nsource %s\n", RECIPE, toolchain,
			     source_identity);
	char hex[65], strip[16];

	for (size_t i = 0; text && i < npatches; i++) {
		if (ksha256_file(patches[i].path, hex)) {
			free(text);
			herr_errno(err, EXIT_USAGE, "patch %s", patches[i].path);
			return NULL;
		}
		snprintf(strip, sizeof(strip), "-p%d", patches[i].strip);
		if (append(&text, "patch %s %s\n", strip, hex))
			break;
	}
	for (size_t i = 0; text && i < nfrags; i++) {
		if (ksha256_file(frags[i], hex)) {
			free(text);
			herr_errno(err, EXIT_USAGE, "fragment %s", frags[i]);
			return NULL;
		}
		if (append(&text, "fragment %s%s\n", hex, ""))
			break;
	}
	if (!text)
		herr_set(err, EXIT_RUNTIME, "out of memory");
	return text;
}

int kbuild_is_arm64_image(const char *path)
{
	unsigned char h[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, h, sizeof(h)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(h) && !memcmp(h + 56, "ARM\x64", 4);
}

/* Host programs the build runs, and the Debian package providing each. */
static int need_program(const char *prog, const char *package, struct herr *err)
{
	if (proc_on_path(prog))
		return 0;
	return herr_set(err, EXIT_USAGE, "%s not found on PATH: install the Debian package %s "
			"(scripts/install-deps kernel)", prog, package);
}

static int check_tools(struct kbuild *b, struct herr *err)
{
	static const char *const tools[][2] = {
		{ "make", "make" }, { "gcc", "gcc" }, { "flex", "flex" }, { "bison", "bison" },
		{ "bc", "bc" }, { "tar", "tar" }, { "cp", "coreutils" },
	};
	struct utsname u;
	char cc[64];

	b->cross = strdup(uname(&u) == 0 && !strcmp(u.machine, "aarch64") ? "" : "aarch64-linux-gnu-");
	snprintf(cc, sizeof(cc), "%sgcc", b->cross);
	if (*b->cross && need_program(cc, "gcc-aarch64-linux-gnu", err))
		return -1;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (need_program(tools[i][0], tools[i][1], err))
			return -1;
	if (b->npatches && need_program("patch", "patch", err))
		return -1;
	return 0;
}

static int toolchain_version(struct kbuild *b, struct herr *err)
{
	char cc[64];
	const char *argv[] = { cc, "--version", NULL };
	char *out = NULL;

	snprintf(cc, sizeof(cc), "%sgcc", b->cross);
	if (proc_capture(argv, NULL, &out, err) != 0) {
		free(out);
		if (!err->msg[0])
			herr_set(err, EXIT_RUNTIME, "%s --version failed", cc);
		return -1;
	}
	out[strcspn(out, "\n")] = '\0';
	b->toolchain = out;
	return 0;
}

static int resolve_fragments(struct kbuild *b, struct herr *err)
{
	const struct kvariant *base = b->v->base;

	b->frags = calloc(base->nfragments + 1, sizeof(*b->frags));
	if (!b->frags)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < base->nfragments; i++) {
		char *p = kvariant_fragment_path(base, base->fragments[i]);
		/* Absolute: merge_config.sh runs in the object tree. */
		char *abs = p && kfs_is_file(p) ? realpath(p, NULL) : NULL;

		if (!abs) {
			herr_set(err, EXIT_USAGE, "%s:%d: fragment '%s': no such file %s", base->file,
				 base->fragments_line, base->fragments[i], p ? p : "");
			free(p);
			return -1;
		}
		free(p);
		b->frags[b->nfrags++] = abs;
	}
	return 0;
}

/* patch -d changes directory before it opens -i. */
static int absolute_patches(struct kbuild *b, struct herr *err)
{
	for (size_t i = 0; i < b->npatches; i++) {
		char *abs = realpath(b->patches[i].path, NULL);

		if (!abs)
			return herr_errno(err, EXIT_USAGE, "patch %s", b->patches[i].path);
		free(b->patches[i].path);
		b->patches[i].path = abs;
	}
	return 0;
}

/* The source to build: the caller's (--source, a sweep's), else the
 * variant's own or its base's (a path there is relative to the kernels
 * directory), else the default. Errors name where the source was named. */
static int resolve_source(struct kbuild *b, const struct kbuild_opts *o, struct herr *err)
{
	const struct kvariant *v = b->v;
	const char *given = o->source, *ref = o->ref;
	char *rel = NULL;
	int rc;

	if (given) {
		b->source_where = o->source_where ? kfs_fmt("%s: source = '%s'", o->source_where, given)
						  : kfs_fmt("--source %s", given);
	} else if (v->source) {
		given = v->source;
		ref = v->ref;
		if (given[0] != '/' && !ksource_is_package_name(given))
			given = rel = kfs_join(v->kdir, given);
		b->source_where = kfs_fmt("%s:%d: source = '%s'", v->source_file, v->source_line,
					  v->source);
	}
	rc = ksource_resolve(given, ref, o->install, b->kcache, &b->src, err);
	if (rc && b->source_where)
		herr_wrap(err, "%s", b->source_where);
	free(rel);
	return rc;
}

int kbuild_plan(const char *variant, const struct kbuild_opts *o, struct kbuild *b,
		struct herr *err)
{
	memset(b, 0, sizeof(*b));
	b->v = kvariant_load(variant, err);
	if (!b->v)
		return -1;
	b->kcache = kbuild_cache_dir();
	if (!b->kcache)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (kvariant_series(b->v->base, o->patches, &b->patches, &b->npatches, err) ||
	    absolute_patches(b, err) || resolve_fragments(b, err) || check_tools(b, err) || toolchain_version(b, err) ||
	    resolve_source(b, o, err))
		return -1;
	b->key_text = kbuild_key_text(b->src.identity, b->toolchain, b->frags, b->nfrags,
				      b->patches, b->npatches, err);
	if (!b->key_text)
		return -1;
	kbuild_key(b->key_text, b->key);
	b->entry = b->kcache ? kfs_fmt("%s/builds/%s", b->kcache, b->key) : NULL;
	b->image = b->entry ? kfs_join(b->entry, "Image") : NULL;
	if (!b->image)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	b->cached = kfs_is_file(b->image);
	return 0;
}

void kbuild_free(struct kbuild *b)
{
	if (b->v) {
		kvariant_free(b->v);
		free(b->v);
	}
	for (size_t i = 0; i < b->nfrags; i++)
		free(b->frags[i]);
	free(b->frags);
	kseries_free(b->patches, b->npatches);
	ksource_free(&b->src);
	free(b->source_where);
	free(b->cross);
	free(b->toolchain);
	free(b->key_text);
	free(b->kcache);
	free(b->entry);
	free(b->image);
	memset(b, 0, sizeof(*b));
}

/* ---- running a build ---- */

struct bctx {
	struct kbuild *b;
	const struct kbuild_opts *o;
	char *tmp;		/* builds/.tmp-<pid>-<n>: everything of this build */
	char *stage;		/* tmp/entry: becomes builds/<key> */
	char *srcdir;		/* the tree make compiles */
	char *objdir;		/* make O= */
	char *failed_log;	/* where the log goes when the build fails */
	FILE *log;
	char **env;
	int jobs, ccache;
	struct timespec start, shown;
	long compiled;
	char patching[256];	/* the file patch is working on */
	char first_error[300];
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* One status line on a terminal, rewritten in place. */
static void status(struct bctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void status(struct bctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->o->progress)
		return;
	fprintf(stderr, "\r\033[Kkernel %s: ", c->b->v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void status_end(struct bctx *c)
{
	if (c->o->progress)
		fputs("\r\033[K", stderr);
}

static int starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(line, prefix, n);
}

static int contains(const char *line, size_t len, const char *what)
{
	return memmem(line, len, what, strlen(what)) != NULL;
}

/* Kbuild's quiet output has one "  CC      path.o" line per compiled file. */
static void progress_line(struct bctx *c, const char *line, size_t len)
{
	if (!starts(line, len, "  CC ") && !starts(line, len, "  AS "))
		return;
	c->compiled++;
	if (!c->o->progress || since(&c->shown) < 0.25)
		return;
	clock_gettime(CLOCK_MONOTONIC, &c->shown);
	int s = (int)since(&c->start);

	status(c, "make Image: %ld files compiled, %dm%02ds", c->compiled, s / 60, s % 60);
}

static void on_line(void *arg, const char *line, size_t len)
{
	struct bctx *c = arg;

	fwrite(line, 1, len, c->log);
	fputc('\n', c->log);
	progress_line(c, line, len);
	if (starts(line, len, "patching file "))
		snprintf(c->patching, sizeof(c->patching), "%.*s", (int)(len - 14), line + 14);
	if (c->first_error[0])
		return;
	if (contains(line, len, "error:") || contains(line, len, "FAILED") ||
	    contains(line, len, "can't find file") || contains(line, len, "malformed") ||
	    contains(line, len, "Reversed") || contains(line, len, "*** "))
		snprintf(c->first_error, sizeof(c->first_error), "%.*s", (int)len, line);
}

static void log_argv(struct bctx *c, const char *what, const char *const *argv)
{
	fprintf(c->log, "\n### %s:", what);
	for (; *argv; argv++)
		fprintf(c->log, strpbrk(*argv, " \t'\"") ? " '%s'" : " %s", *argv);
	fputc('\n', c->log);
	fflush(c->log);
}

static int interrupted(struct herr *err)
{
	return herr_set(err, EXIT_RUNTIME, "interrupted by signal %d; nothing was cached",
			signals_caught());
}

/* Run one program of the build; its output goes to the log. Returns its
 * exit status (0 ok), or -1 when it could not be started or the harness
 * was interrupted meanwhile. */
static int run(struct bctx *c, const char *what, const char *const *argv, const char *cwd,
	       struct herr *err)
{
	struct proc_spec p = { .argv = argv, .cwd = cwd, .envp = c->env, .out_fd = -1,
			   .on_line = on_line, .arg = c, .merge_stderr = 1, .own_group = 1 };
	int rc;

	if (signals_caught())
		return interrupted(err);
	log_argv(c, what, argv);
	c->first_error[0] = '\0';
	rc = proc_run(&p, err);
	fflush(c->log);
	if (rc >= 0 && signals_caught())
		return interrupted(err);
	return rc;
}

static int step_failed(struct bctx *c, const char *what, int rc, struct herr *err)
{
	if (rc < 0)
		return herr_wrap(err, "%s", what);
	return herr_set(err, EXIT_RUNTIME, "%s failed (exit %d)%s%s; log: %s", what, rc,
			c->first_error[0] ? ": " : "", c->first_error, c->failed_log);
}

/* make -C SRC O=OBJ ARCH=arm64 ... TARGET, with the compiler settings
 * every step must agree on (Kconfig records the compiler it saw). */
static int make(struct bctx *c, const char *target, struct herr *err)
{
	char o_arg[4200], cross[96], cc[160], hostcc[64], jobs[32];
	const char *argv[16];
	int n = 0, rc;

	snprintf(o_arg, sizeof(o_arg), "O=%s", c->objdir);
	snprintf(cross, sizeof(cross), "CROSS_COMPILE=%s", c->b->cross);
	snprintf(cc, sizeof(cc), "CC=%s%sgcc", c->ccache ? "ccache " : "", c->b->cross);
	snprintf(hostcc, sizeof(hostcc), "HOSTCC=%sgcc", c->ccache ? "ccache " : "");
	snprintf(jobs, sizeof(jobs), "-j%d", c->jobs);
	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = c->srcdir;
	argv[n++] = o_arg;
	argv[n++] = "ARCH=arm64";
	if (*c->b->cross)
		argv[n++] = cross;
	argv[n++] = cc;
	argv[n++] = hostcc;
	argv[n++] = jobs;
	argv[n++] = target;
	argv[n] = NULL;
	rc = run(c, target, argv, NULL, err);
	if (rc) {
		char what[64];

		snprintf(what, sizeof(what), "make %s", target);
		return step_failed(c, what, rc, err);
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int copy_tree(struct bctx *c, struct herr *err)
{
	/* Hard links make the copy cheap; GNU patch replaces a file it
	 * changes (new inode) instead of writing through the link, so the
	 * shared tree stays pristine. Another file system: a real copy. */
	const char *link_argv[] = { "cp", "-al", c->b->src.tree, c->srcdir, NULL };
	const char *copy_argv[] = { "cp", "-a", c->b->src.tree, c->srcdir, NULL };
	int rc;

	status(c, "copying the source tree for %zu patch%s", c->b->npatches,
	       c->b->npatches == 1 ? "" : "es");
	rc = run(c, "copy source (hard links)", link_argv, NULL, err);
	if (rc > 0) {
		kfs_rm_rf(c->srcdir);
		rc = run(c, "copy source", copy_argv, NULL, err);
	}
	return rc ? step_failed(c, "copying the kernel source", rc, err) : 0;
}

static int apply_patches(struct bctx *c, struct herr *err)
{
	for (size_t i = 0; i < c->b->npatches; i++) {
		const struct kpatch *p = &c->b->patches[i];
		char strip[16];
		/* No fuzz: a hunk whose context does not match exactly could
		 * land in the wrong place and build a different kernel than the
		 * series meant. Line offsets are still accepted. */
		const char *argv[] = { "patch", strip, "--forward", "--batch", "--fuzz=0",
				       "--no-backup-if-mismatch", "-d", c->srcdir, "-i", p->path, NULL };
		int rc;

		snprintf(strip, sizeof(strip), "-p%d", p->strip);
		status(c, "applying patch %zu/%zu %s", i + 1, c->b->npatches, base_name(p->path));
		c->patching[0] = '\0';
		rc = run(c, "patch", argv, NULL, err);
		if (rc < 0)
			return -1;
		if (rc)
			return herr_set(err, EXIT_USAGE, "patch %s does not apply%s%s%s%s; log: %s",
					p->path, c->patching[0] ? " to " : "", c->patching,
					c->first_error[0] ? ": " : "", c->first_error, c->failed_log);
	}
	return 0;
}

static int configure(struct bctx *c, struct herr *err)
{
	char *script = kfs_join(c->srcdir, "scripts/kconfig/merge_config.sh");
	char *dotconfig = kfs_join(c->objdir, ".config");
	const char **argv = calloc(c->b->nfrags + 8, sizeof(*argv));
	struct kopts want = { 0 };
	int n = 0, rc = -1;

	if (!script || !dotconfig || !argv) {
		herr_set(err, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	status(c, "configuring (allnoconfig + %zu fragments)", c->b->nfrags);
	if (make(c, "allnoconfig", err))
		goto out;
	/* merge_config.sh is a shell script, run as a program with an argv;
	 * -m only merges (olddefconfig below fills in the rest). It writes
	 * temporary files into its working directory: the object tree. */
	argv[n++] = "sh";
	argv[n++] = script;
	argv[n++] = "-m";
	argv[n++] = "-O";
	argv[n++] = c->objdir;
	argv[n++] = dotconfig;
	for (size_t i = 0; i < c->b->nfrags; i++)
		argv[n++] = c->b->frags[i];
	rc = run(c, "merge_config.sh", argv, c->objdir, err);
	if (rc) {
		rc = step_failed(c, "merge_config.sh", rc, err);
		goto out;
	}
	rc = -1;
	if (make(c, "olddefconfig", err))
		goto out;
	for (size_t i = 0; i < c->b->nfrags; i++)
		if (kconfig_read_fragment(c->b->frags[i], &want, err))
			goto out;
	rc = kconfig_check(dotconfig, &want, c->srcdir, c->log, err);
out:
	kconfig_free(&want);
	free(script);
	free(dotconfig);
	free(argv);
	return rc;
}

static int compile(struct bctx *c, struct herr *err)
{
	char *image = kfs_join(c->objdir, "arch/arm64/boot/Image");
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &c->shown);
	status(c, "make Image (-j%d%s)", c->jobs, c->ccache ? ", ccache" : "");
	rc = make(c, "Image", err);
	if (!rc && (!image || !kbuild_is_arm64_image(image)))
		rc = herr_set(err, EXIT_RUNTIME, "make Image succeeded but %s is not an arm64 Image; "
			      "log: %s", image ? image : "Image", c->failed_log);
	free(image);
	return rc;
}

static char *utc_now(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

static int write_info(struct bctx *c, const char *release, struct herr *err)
{
	struct kbuild *b = c->b;
	char *frags = strdup(""), *patches = strdup(""), *when = utc_now(), *text, *path;
	int rc;

	for (size_t i = 0; frags && i < b->nfrags; i++)
		append(&frags, "%s%s", i ? " " : "", b->frags[i]);
	for (size_t i = 0; patches && i < b->npatches; i++)
		append(&patches, "%s%s", i ? " " : "", b->patches[i].path);
	text = kfs_fmt("# written by harness kernel build\n[build]\nkey = %s\nvariant = %s\n"
		       "kernel_release = %s\nsource = %s\nsource_describe = %s\nfragments = %s\npatches = %s\n"
		       "toolchain = %s\nccache = %s\njobs = %d\nseconds = %.0f\nbuilt = %s\n",
		       b->key, b->v->base->name, release, b->src.path, b->src.describe, frags ? frags : "",
		       patches ? patches : "", b->toolchain, c->ccache ? "yes" : "no", c->jobs,
		       since(&c->start), when ? when : "");
	path = kfs_join(c->stage, "build.ini");
	rc = text && path ? kfs_write(path, text, err) : herr_set(err, EXIT_RUNTIME, "out of memory");
	free(frags);
	free(patches);
	free(when);
	free(text);
	free(path);
	return rc;
}

/* The entry keeps the log of the build that made it. */
static int link_log(struct bctx *c, struct herr *err)
{
	char *from = kbuild_log_path(c->b), *to = kfs_join(c->stage, "build.log");
	int rc = 0;

	fflush(c->log);
	if (!from || !to)
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	else if (link(from, to) && kfs_copy(from, to, err))
		rc = -1;
	free(from);
	free(to);
	return rc;
}

static int stage_artifacts(struct bctx *c, struct herr *err)
{
	static const char *const files[][2] = {
		{ "arch/arm64/boot/Image", "Image" }, { ".config", "config" },
		{ "System.map", "System.map" }, { "include/config/kernel.release", "kernel.release" },
	};
	char *release_file, *release, *key;
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(files) / sizeof(files[0]); i++) {
		char *from = kfs_join(c->objdir, files[i][0]), *to = kfs_join(c->stage, files[i][1]);

		rc = from && to ? kfs_copy(from, to, err) : herr_set(err, EXIT_RUNTIME, "out of memory");
		free(from);
		free(to);
	}
	if (rc)
		return rc;
	release_file = kfs_join(c->stage, "kernel.release");
	release = release_file ? kfs_read(release_file, NULL) : NULL;
	if (release)
		release[strcspn(release, "\n")] = '\0';
	key = kfs_join(c->stage, "key");
	rc = key ? kfs_write(key, c->b->key_text, err) : -1;
	if (!rc)
		rc = link_log(c, err);
	if (!rc)
		rc = write_info(c, release ? release : "", err);
	free(release_file);
	free(release);
	free(key);
	return rc;
}

/* rename() makes the entry appear complete or not at all. A --force
 * rebuild moves the old entry aside first; a concurrent build of the same
 * key that finished first wins, and ours is dropped. */
static int publish(struct bctx *c, struct herr *err)
{
	char *old = kfs_join(c->tmp, "old");

	if (c->o->force && kfs_is_dir(c->b->entry) && old)
		rename(c->b->entry, old);
	free(old);
	if (rename(c->stage, c->b->entry) && !kfs_is_file(c->b->image))
		return herr_errno(err, EXIT_RUNTIME, "cannot rename %s to %s", c->stage, c->b->entry);
	return 0;
}

/* Variables that would change the build behind the cache key's back
 * (an outer make's flags, kbuild overrides), and fixed build identity so
 * that identical inputs give identical objects (and ccache hits). */
static char **build_env(const char *kcache)
{
	static const char *const unset[] = {
		"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES", "MAKEOVERRIDES", "GNUMAKEFLAGS",
		"KBUILD_OUTPUT", "KCONFIG_CONFIG", "CONFIG_", "KCFLAGS", "KCPPFLAGS", "KAFLAGS",
		"KRUSTFLAGS", "ARCH", "CROSS_COMPILE", "LLVM", "KBUILD_BUILD_TIMESTAMP", NULL,
	};
	static char basedir[4200];
	const char *set[] = { "KBUILD_BUILD_USER=harness", "KBUILD_BUILD_HOST=harness",
			      "LC_ALL=C", NULL, NULL };

	/* Relative paths under the cache let a patched copy of the tree hit
	 * the objects ccache stored for the pristine one. */
	if (!getenv("CCACHE_BASEDIR")) {
		snprintf(basedir, sizeof(basedir), "CCACHE_BASEDIR=%s", kcache);
		set[3] = basedir;
	}
	return proc_env(unset, set);
}

static struct bctx *current;

static void extract_status(const char *msg)
{
	if (current)
		status(current, "%s", msg);
}

/* The object tree sits beside the source tree it compiles (src/KEY/obj-N
 * beside src/KEY/linux, or .tmp-N/obj beside .tmp-N/linux), so that every
 * build sees the source as ../linux: with CCACHE_BASEDIR that makes patched and pristine builds
 * share ccache entries. */
static int setup(struct bctx *c, struct herr *err)
{
	struct kbuild *b = c->b;
	char *builds = kfs_join(b->kcache, "builds"), *logpath = NULL, *logs = NULL;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = -1;

	if (!builds || kfs_mkdir_p(builds, err))
		goto out;
	kfs_clean_stale(builds, ".tmp-");
	c->tmp = kfs_tmpname(builds, ".tmp-");
	c->stage = c->tmp ? kfs_join(c->tmp, "entry") : NULL;
	if (!c->stage || kfs_mkdir_p(c->stage, err))
		goto out;
	/* The log is where the progress line says from the first line on;
	 * a fresh inode each time, since a finished entry links the last one. */
	logs = kfs_join(b->kcache, "logs");
	logpath = kbuild_log_path(b);
	if (!logs || !logpath || kfs_mkdir_p(logs, err))
		goto out;
	unlink(logpath);
	c->log = fopen(logpath, "we");
	if (!c->log) {
		herr_errno(err, EXIT_RUNTIME, "cannot write %s", logpath ? logpath : "build.log");
		goto out;
	}
	if (b->npatches) {
		c->srcdir = kfs_join(c->tmp, "linux");
		c->objdir = kfs_join(c->tmp, "obj");
	} else if (b->src.kind == KSOURCE_TARBALL) {
		char *parent = kfs_fmt("%s/src/%s", b->kcache, b->src.srckey);

		kfs_clean_stale(parent, "obj-");
		c->srcdir = strdup(b->src.tree);
		c->objdir = parent ? kfs_tmpname(parent, "obj-") : NULL;
		free(parent);
	} else {
		c->srcdir = strdup(b->src.tree);
		c->objdir = kfs_join(c->tmp, "obj");
	}
	if (!c->srcdir || !c->objdir || kfs_mkdir_p(c->objdir, err))
		goto out;
	c->env = build_env(b->kcache);
	c->jobs = c->o->jobs > 0 ? c->o->jobs : n > 0 ? (int)n : 1;
	c->ccache = proc_on_path("ccache") && !getenv("HARNESS_NO_CCACHE");
	fprintf(c->log, "harness: building variant %s (key %s)\n%s", b->v->base->name, b->key,
		b->key_text);
	rc = c->env ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
out:
	free(builds);
	free(logs);
	free(logpath);
	return rc;
}

/* seconds = N of a build.ini whose variant = name. */
static int recorded_seconds(const char *ini, const char *name, double *out)
{
	char *text = kfs_read(ini, NULL), *v, *sec;
	char want[160];
	int found = 0;

	snprintf(want, sizeof(want), "\nvariant = %s\n", name);
	if (text && (v = strstr(text, want)) && (sec = strstr(text, "\nseconds = ")))
		found = sscanf(sec + 11, "%lf", out) == 1;
	(void)v;
	free(text);
	return found;
}

enum kbuild_estimate kbuild_estimate(const char *variant, const struct kbuild_opts *opts,
				     double *seconds, char key[17])
{
	struct kbuild_opts o = { 0 };
	struct kbuild b;
	struct herr e = { 0 };
	enum kbuild_estimate rc = KBUILD_UNTIMED;
	char *builds;
	DIR *d;
	struct dirent *de;

	*seconds = 0;
	if (opts) {
		o.source = opts->source;
		o.ref = opts->ref;
		o.source_where = opts->source_where;
	}
	if (key)
		*key = '\0';
	if (kbuild_plan(variant, &o, &b, &e)) {
		kbuild_free(&b);
		return KBUILD_UNTIMED;
	}
	if (key)
		memcpy(key, b.key, 17);
	if (b.cached) {
		kbuild_free(&b);
		return KBUILD_CACHED;
	}
	builds = kfs_join(b.kcache, "builds");
	d = builds ? opendir(builds) : NULL;
	while (d && (de = readdir(d))) {
		char *ini = de->d_name[0] != '.' ? kfs_fmt("%s/%s/build.ini", builds, de->d_name) : NULL;
		double sec;

		if (ini && recorded_seconds(ini, b.v->base->name, &sec) && sec > *seconds) {
			*seconds = sec;
			rc = KBUILD_TIMED;
		}
		free(ini);
	}
	if (d)
		closedir(d);
	free(builds);
	kbuild_free(&b);
	return rc;
}

/* Per variant and key: two builds of one variant from two sources (or
 * two sessions) at once must not unlink each other's log. */
char *kbuild_log_path(const struct kbuild *b)
{
	return kfs_fmt("%s/logs/%s-%s.log", b->kcache, b->v->name, b->key);
}

/* Remove everything of this build but a published entry; keep the log of
 * a failed build in failed/<variant>.log. */
static void finish(struct bctx *c, int failed)
{
	if (c->log)
		fclose(c->log);
	if (failed && c->log) {
		char *dir = kfs_join(c->b->kcache, "failed"), *log = kbuild_log_path(c->b);
		struct herr ignored;

		if (dir && log && kfs_mkdir_p(dir, &ignored) == 0)
			rename(log, c->failed_log);
		free(dir);
		free(log);
	}
	if (c->objdir)
		kfs_rm_rf(c->objdir);
	if (c->tmp)
		kfs_rm_rf(c->tmp);
	free(c->tmp);
	free(c->stage);
	free(c->srcdir);
	free(c->objdir);
	free(c->failed_log);
	free(c->env);
}

static int build_steps(struct bctx *c, struct herr *err)
{
	if (ksource_prepare(&c->b->src, c->b->kcache, extract_status, err) || setup(c, err))
		return -1;
	if (c->b->npatches && (copy_tree(c, err) || apply_patches(c, err)))
		return -1;
	if (configure(c, err) || compile(c, err) || stage_artifacts(c, err) || publish(c, err))
		return -1;
	return 0;
}

static void requires_status(const char *msg)
{
	fprintf(stderr, "harness: %s\n", msg);
}

int kbuild_check_requires(struct kbuild *b, int progress, struct herr *err)
{
	const struct kvariant *v = b->v;
	int has;

	if (!v->requires_file)
		return 0;
	if (ksource_prepare(&b->src, b->kcache, progress ? requires_status : NULL, err))
		return -1;
	has = ksource_has(&b->src, v->requires_file, v->requires_text, err);
	if (has < 0)
		return -1;
	if (has)
		return 0;
	return herr_set(err, EXIT_USAGE, "%s:%d: variant %s requires %s ('%s' in %s), which the source "
			"%s does not have%s%s%s", v->file, v->requires_line, v->name,
			v->requires_about ? v->requires_about : "a feature", v->requires_text,
			v->requires_file, b->src.describe, b->source_where ? " (" : " (the default source",
			b->source_where ? b->source_where : "", ")");
}

int kbuild_run(struct kbuild *b, const struct kbuild_opts *o, struct herr *err)
{
	struct bctx c = { .b = b, .o = o };
	int rc;

	/* Before the cache: a knob-only variant's kernel may well be built
	 * (the 4k one) from a source its knobs mean nothing on. */
	if (kbuild_check_requires(b, o->progress, err))
		return -1;
	if (b->cached && !o->force)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &c.start);
	c.failed_log = kfs_fmt("%s/failed/%s.log", b->kcache, b->v->name);
	if (!c.failed_log)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	current = &c;
	/* An interrupted build stops its make and cleans up like a failed one:
	 * no temporary trees left behind for the next build to remove. */
	signals_catch();
	rc = build_steps(&c, err);
	current = NULL;
	status_end(&c);
	b->seconds = since(&c.start);
	finish(&c, rc != 0);
	signals_release();
	b->cached = rc == 0;
	return rc;
}
