#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kernel/build.h"
#include "kernel/fsutil.h"
#include "core/proc.h"
#include "kernel/sha256.h"
#include "kernel/bundle.h"
#include "core/launcher.h"
#include "kernel/cpio.h"

/* Bump when the layout changes what identical inputs produce. */
#define BUNDLE_RECIPE "harness guest bundle 1: newc, /init -> harness, multiarch libs"
#define GUEST_LIBDIR "lib/aarch64-linux-gnu"
#define EM_AARCH64_ 183

static const char *const default_libdirs = "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu";

/* Directories of the guest's root, made before anything is mounted. */
static const struct { const char *name; unsigned mode; } guest_dirs[] = {
	{ "dev", 0755 }, { "proc", 0555 }, { "sys", 0555 }, { "tmp", 01777 },
	{ "var", 0755 }, { "var/tmp", 01777 }, { "mnt", 0755 }, { "mnt/scratch", 0755 },
	{ "etc", 0755 }, { "lib", 0755 }, { GUEST_LIBDIR, 0755 }, { "harness", 0755 },
	{ "harness/workloads", 0755 }, { "harness/lib", 0755 }, { "harness/bin", 0755 },
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *cache_subdir(const char *name)
{
	char *k = kbuild_cache_dir(), *slash = k ? strrchr(k, '/') : NULL, *dir;

	if (!slash)
		return k;
	*slash = '\0';	/* <cache>/kernels -> <cache> */
	dir = kfs_join(k, name);
	free(k);
	return dir;
}

char *bundle_cache_dir(void)
{
	return cache_subdir("bundles");
}

static int usable_build(const char *dir)
{
	char *h = kfs_join(dir, "harness");
	int ok = h && kfs_is_file(h);

	free(h);
	return ok;
}

struct make_log {
	char tail[4][300];	/* the last lines, for the error */
	size_t n;
};

static void keep_line(void *arg, const char *line, size_t len)
{
	struct make_log *l = arg;

	snprintf(l->tail[l->n++ % 4], sizeof(l->tail[0]), "%.*s", (int)len, line);
}

/* A harness run from its source tree's build directory (SRC/build/harness)
 * makes the guest's arm64 build itself, as it builds missing kernels:
 * `make -C SRC O=build guest-arm64`. Returns 1 when it did, 0 when self
 * is not such a build, -1 when make failed. */
static int make_guest_build(const char *self, struct herr *err)
{
	const char *base = strrchr(self, '/') + 1;
	char *src = kfs_fmt("%.*s", (int)(base - self - 1), self);
	char *mk = src ? kfs_join(src, "Makefile") : NULL, *marker = src ? kfs_join(src, "harness/main.c") : NULL;
	char o_arg[300];
	const char *argv[] = { "make", "-C", src, o_arg, "guest-arm64", NULL };
	struct make_log log = { .n = 0 };
	struct proc_spec p = { .argv = argv, .out_fd = -1, .on_line = keep_line, .arg = &log,
			       .merge_stderr = 1, .own_group = 1 };
	int rc = 0;

	if (src && mk && marker && kfs_is_file(mk) && kfs_is_file(marker)) {
		snprintf(o_arg, sizeof(o_arg), "O=%s", base);
		fprintf(stderr, "harness: no arm64 build for the guest yet: make -C %s %s guest-arm64 "
			"(once; a few minutes)\n", src, o_arg);
		rc = proc_run(&p, err);
		if (rc > 0)
			herr_set(err, EXIT_RUNTIME, "make -C %s %s guest-arm64 failed (exit %d): %s", src,
				 o_arg, rc, log.n ? log.tail[(log.n - 1) % 4] : "no output");
		rc = rc == 0 ? 1 : -1;
	}
	free(src);
	free(mk);
	free(marker);
	return rc;
}

int bundle_guest_build(char **out, struct herr *err)
{
	const char *env = getenv("HARNESS_GUEST_BUILD");
	char self[4096], *cand, *installed;
	struct utsname u;
	ssize_t n;
	int made;

	*out = NULL;
	if (env && *env) {
		if (!usable_build(env))
			return herr_set(err, EXIT_USAGE, "HARNESS_GUEST_BUILD=%s: no harness binary there", env);
		return (*out = strdup(env)) ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot find the harness binary (/proc/self/exe)");
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (!uname(&u) && !strcmp(u.machine, "aarch64") && usable_build(self))
		return (*out = strdup(self)) ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
	/* Installed: PREFIX/bin/harness carries PREFIX/libexec/harness/arm64. */
	installed = kfs_fmt("%s/../libexec/harness/arm64", self);
	if (installed && usable_build(installed))
		return (*out = installed) ? 0 : -1;
	free(installed);
	cand = kfs_fmt("%s-arm64", self);
	if (cand && usable_build(cand))
		return (*out = cand) ? 0 : -1;
	if ((made = make_guest_build(self, err)) < 0) {
		free(cand);
		return -1;
	}
	if (made && cand && usable_build(cand))
		return (*out = cand) ? 0 : -1;
	herr_set(err, EXIT_USAGE,
		 "no arm64 build of the harness for the guest at %s: build it with "
		 "'make CONFIG=config-arm64.mk O=%s' (or 'make cross-arm64' for build-arm64), "
		 "or point HARNESS_GUEST_BUILD at one", cand ? cand : "?",
		 cand ? strrchr(cand, '/') + 1 : "?");
	free(cand);
	return -1;
}

/* An arm64 ELF file: the guest can run it. */
static int is_aarch64_elf(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, h, sizeof(h)) : -1;

	if (fd >= 0)
		close(fd);
	return got == (ssize_t)sizeof(h) && !memcmp(h, "\177ELF", 4) &&
	       (h[18] | h[19] << 8) == EM_AARCH64_;
}

static int add_file(struct bundle *b, const char *name, const char *src, unsigned mode)
{
	struct bundle_file *g = realloc(b->files, (b->nfiles + 1) * sizeof(*g));

	if (!g)
		return -1;
	b->files = g;
	g[b->nfiles].name = strdup(name);
	g[b->nfiles].src = strdup(src);
	g[b->nfiles].mode = mode;
	if (!g[b->nfiles].name || !g[b->nfiles].src) {
		free(g[b->nfiles].name);
		free(g[b->nfiles].src);
		return -1;
	}
	b->nfiles++;
	return 0;
}

static int has_name(const struct bundle *b, const char *name)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (!strcmp(b->files[i].name, name))
			return 1;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every arm64 file of one directory of the build, in name order, under
 * harness/<sub>/: the workloads (required), the launchers' preload
 * libraries (lib) and wrapper programs (bin), which an older build may
 * lack. */
static int add_dir(struct bundle *b, const char *gb, const char *sub, int required, struct herr *err)
{
	char *dir = kfs_join(gb, sub);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		rc = required || errno != ENOENT ? herr_errno(err, EXIT_USAGE, "cannot list the guest's %s in %s",
							      sub, dir ? dir : gb) : 0;
		free(dir);
		return rc;
	}
	while ((e = readdir(d))) {
		char **g;

		if (e->d_name[0] == '.')
			continue;
		g = realloc(names, (n + 1) * sizeof(*g));
		if (!g || !(g[n] = strdup(e->d_name))) {
			names = g ? g : names;
			rc = herr_set(err, EXIT_RUNTIME, "out of memory");
			break;
		}
		names = g;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *src = kfs_join(dir, names[i]), *name = kfs_fmt("harness/%s/%s", sub, names[i]);

		if (!rc && src && kfs_is_file(src) && access(src, strcmp(sub, "lib") ? X_OK : R_OK) == 0) {
			if (!is_aarch64_elf(src))
				rc = herr_set(err, EXIT_USAGE, "%s is not an arm64 program: the guest cannot run it", src);
			else if (add_file(b, name, src, 0755))
				rc = herr_set(err, EXIT_RUNTIME, "out of memory");
		}
		free(src);
		free(name);
		free(names[i]);
	}
	free(names);
	free(dir);
	return rc;
}

int bundle_launcher_file(const char *const *w, size_t n, char *name, size_t len)
{
	enum launch_kind k = launcher_kind(w, n);
	const char *arg = n > 1 ? w[1] : "";

	if (k != LAUNCH_WRAPPER && k != LAUNCH_PRELOAD)
		return 0;
	if (strchr(arg, '/'))
		snprintf(name, len, "%s", arg + (arg[0] == '/'));
	else
		snprintf(name, len, k == LAUNCH_WRAPPER ? "harness/bin/%s" : "harness/lib/%s.so", arg);
	return 1;
}

char *bundle_host_file(const char *guest_build, const char *name)
{
	static const char prefix[] = "harness/";

	if (strncmp(name, prefix, sizeof(prefix) - 1) || strstr(name, "/../"))
		return NULL;
	return kfs_join(guest_build, name + sizeof(prefix) - 1);
}

int bundle_parse_readelf(const char *text, char ***needed, size_t *n, char **interp)
{
	static const char lib_tag[] = "Shared library: [", interp_tag[] = "program interpreter: ";
	const char *p;

	*needed = NULL;
	*n = 0;
	*interp = NULL;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *eol = strchr(p, '\n'), *t, *end;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if ((t = memmem(p, len, lib_tag, sizeof(lib_tag) - 1)) &&
		    (end = memchr(t, ']', len - (size_t)(t - p)))) {
			char **g = realloc(*needed, (*n + 1) * sizeof(*g));

			if (!g)
				return -1;
			*needed = g;
			t += sizeof(lib_tag) - 1;
			if (!(g[(*n)++] = strndup(t, (size_t)(end - t))))
				return -1;
		} else if ((t = memmem(p, len, interp_tag, sizeof(interp_tag) - 1)) &&
			   (end = memchr(t, ']', len - (size_t)(t - p)))) {
			t += sizeof(interp_tag) - 1;
			free(*interp);
			if (!(*interp = strndup(t, (size_t)(end - t))))
				return -1;
		}
	}
	return 0;
}

static const char *readelf_prog(void)
{
	return proc_on_path("aarch64-linux-gnu-readelf") ? "aarch64-linux-gnu-readelf" : "readelf";
}

/* The library on the host, from the multiarch directories (or
 * $HARNESS_GUEST_LIBDIRS); NULL when none has it. */
static char *find_lib(const char *soname)
{
	const char *dirs = getenv("HARNESS_GUEST_LIBDIRS");

	if (!dirs || !*dirs)
		dirs = default_libdirs;
	for (const char *p = dirs; *p; ) {
		size_t len = strcspn(p, ":");
		char *cand = kfs_fmt("%.*s/%s", (int)len, p, soname);

		if (cand && kfs_is_file(cand) && is_aarch64_elf(cand))
			return cand;
		free(cand);
		p += len + (p[len] == ':');
	}
	return NULL;
}

/* Add the NEEDED libraries and interpreter of one file. */
static int resolve_one(struct bundle *b, const char *src, struct herr *err)
{
	const char *argv[] = { readelf_prog(), "-d", "-l", "-W", src, NULL };
	char *out = NULL, **needed = NULL, *interp = NULL;
	size_t n = 0;
	int rc = proc_capture(argv, NULL, &out, err);

	if (rc < 0)
		return herr_wrap(err, "resolving the libraries of %s (binutils-aarch64-linux-gnu)", src);
	if (rc != 0 || bundle_parse_readelf(out, &needed, &n, &interp))
		rc = herr_set(err, EXIT_RUNTIME, "%s -d -l %s failed (exit %d)", argv[0], src, rc);
	if (!rc && interp && !has_name(b, interp + (*interp == '/')) && kfs_is_file(interp) &&
	    add_file(b, interp + (*interp == '/'), interp, 0755))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc && interp && !kfs_is_file(interp))
		rc = herr_set(err, EXIT_USAGE, "%s needs the dynamic loader %s, which this host lacks "
			      "(libc6:arm64; scripts/install-deps cross)", src, interp);
	for (size_t i = 0; i < n; i++) {
		char *name = kfs_fmt(GUEST_LIBDIR "/%s", needed[i]), *lib;

		if (!rc && name && !has_name(b, name)) {
			lib = find_lib(needed[i]);
			if (!lib)
				rc = herr_set(err, EXIT_USAGE,
					      "%s needs %s, which is in none of %s: install its arm64 "
					      "package (scripts/install-deps cross) or set HARNESS_GUEST_LIBDIRS",
					      src, needed[i], getenv("HARNESS_GUEST_LIBDIRS") ? getenv("HARNESS_GUEST_LIBDIRS")
											      : default_libdirs);
			else if (add_file(b, name, lib, 0755))
				rc = herr_set(err, EXIT_RUNTIME, "out of memory");
			free(lib);
		}
		free(name);
		free(needed[i]);
	}
	free(needed);
	free(interp);
	free(out);
	return rc;
}

/* Worklist: files added while resolving are resolved in turn. */
static int resolve_libs(struct bundle *b, struct herr *err)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (resolve_one(b, b->files[i].src, err))
			return -1;
	return 0;
}

static int collect(struct bundle *b, const char *gb, struct herr *err)
{
	char *h = kfs_join(gb, "harness");
	int rc = 0;

	if (!h)
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	else if (!is_aarch64_elf(h))
		rc = herr_set(err, EXIT_USAGE, "%s is not an arm64 program: the guest cannot run it "
			      "(the guest build must be made with CONFIG=config-arm64.mk)", h);
	else if (add_file(b, "harness/harness", h, 0755))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		rc = add_dir(b, gb, "workloads", 1, err);
	if (!rc)
		rc = add_dir(b, gb, "lib", 0, err);
	if (!rc)
		rc = add_dir(b, gb, "bin", 0, err);
	if (!rc)
		rc = resolve_libs(b, err);
	free(h);
	return rc;
}

static int compute_key(struct bundle *b, struct herr *err)
{
	struct ksha256 s;
	char hex[65], line[160];

	ksha256_init(&s);
	ksha256_str(&s, BUNDLE_RECIPE "\n");
	for (size_t i = 0; i < b->nfiles; i++) {
		if (ksha256_file(b->files[i].src, hex))
			return herr_errno(err, EXIT_RUNTIME, "cannot read %s", b->files[i].src);
		snprintf(line, sizeof(line), " %o %s\n", b->files[i].mode, hex);
		ksha256_str(&s, b->files[i].name);
		ksha256_str(&s, line);
	}
	ksha256_hex(&s, hex);
	memcpy(b->key, hex, 16);
	b->key[16] = '\0';
	return 0;
}

static int write_archive(const struct bundle *b, const char *path, struct herr *err)
{
	struct cpio_out c;
	int rc = 0;

	/* Uncompressed: the guest inflating gzip under TCG costs more than
	 * QEMU copying 6 MB more into its memory (1.32 s against 1.19 s from
	 * QEMU start to the first workload; docs/qemu.md). */
	if (cpio_open(&c, path, 0, err))
		return -1;
	for (size_t i = 0; !rc && i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
		rc = cpio_dir(&c, guest_dirs[i].name, guest_dirs[i].mode, err);
	if (!rc)
		rc = cpio_chardev(&c, "dev/console", 0600, 5, 1, err);
	for (size_t i = 0; !rc && i < b->nfiles; i++)
		rc = cpio_file(&c, b->files[i].name, b->files[i].mode, b->files[i].src, err);
	if (!rc)
		rc = cpio_symlink(&c, "init", "harness/harness", err);
	if (rc) {
		cpio_abort(&c);
		return -1;
	}
	return cpio_close(&c, err);
}

/* Every rebuild of the harness makes a new bundle (about 11 MB): keep
 * the newest few, so switching between two builds stays a cache hit. */
#define BUNDLES_KEPT 4

struct aged {
	char *path;
	time_t mtime;
};

static int newer_first(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

void cache_prune(const char *dir, const char *suffix, size_t keep)
{
	size_t slen = strlen(suffix);
	DIR *d = opendir(dir);
	struct aged *v = NULL;
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct aged *g;
		struct stat st;
		char *path;

		if (len <= slen || strcmp(e->d_name + len - slen, suffix) || e->d_name[0] == '.')
			continue;
		path = kfs_join(dir, e->d_name);
		g = path && !stat(path, &st) ? realloc(v, (n + 1) * sizeof(*v)) : NULL;
		if (!g) {
			free(path);
			continue;
		}
		v = g;
		v[n].path = path;
		v[n++].mtime = st.st_mtime;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), newer_first);
	for (size_t i = 0; i < n; i++) {
		if (i >= keep)
			unlink(v[i].path);
		free(v[i].path);
	}
	free(v);
}

static int store_archive(struct bundle *b, const char *dir, struct herr *err)
{
	char *tmp;
	int rc;

	if (kfs_mkdir_p(dir, err))
		return -1;
	kfs_clean_stale(dir, ".tmp-");
	tmp = kfs_tmpname(dir, ".tmp-");
	if (!tmp)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = write_archive(b, tmp, err);
	/* Appears by rename only when complete: a killed build leaves no
	 * half archive under the final name. */
	if (!rc && rename(tmp, b->path))
		rc = herr_errno(err, EXIT_RUNTIME, "cannot rename %s to %s", tmp, b->path);
	if (rc)
		unlink(tmp);
	else
		cache_prune(dir, ".cpio", BUNDLES_KEPT);
	free(tmp);
	return rc;
}

int bundle_ensure(const char *guest_build, struct bundle *b, struct herr *err)
{
	double t0 = now_s();
	char *dir = NULL;
	int rc;

	memset(b, 0, sizeof(*b));
	b->guest_build = strdup(guest_build);
	rc = b->guest_build ? collect(b, guest_build, err) : herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		rc = compute_key(b, err);
	if (!rc) {
		dir = bundle_cache_dir();
		b->path = dir ? kfs_fmt("%s/%s.cpio", dir, b->key) : NULL;
		if (!b->path)
			rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	if (!rc) {
		b->cached = kfs_is_file(b->path);
		if (!b->cached)
			rc = store_archive(b, dir, err);
		else
			utimensat(AT_FDCWD, b->path, NULL, 0);	/* recently used: pruned last */
	}
	free(dir);
	b->seconds = now_s() - t0;
	if (rc)
		bundle_free(b);
	return rc;
}

void bundle_free(struct bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		free(b->files[i].name);
		free(b->files[i].src);
	}
	free(b->files);
	free(b->guest_build);
	free(b->path);
	memset(b, 0, sizeof(*b));
}
