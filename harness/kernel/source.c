#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "core/proc.h"
#include "sha256.h"
#include "source.h"

int ksource_is_kernel_tree(const char *dir)
{
	char *mk = kfs_join(dir, "Makefile"), *arch = kfs_join(dir, "arch/arm64");
	char *text = mk ? kfs_read(mk, NULL) : NULL;
	int ok = text && arch && kfs_is_dir(arch) &&
		 (!strncmp(text, "VERSION =", 9) || strstr(text, "\nVERSION ="));

	free(mk);
	free(arch);
	free(text);
	return ok;
}

static int tarball_identity(struct ksource *s, struct herr *err)
{
	struct stat st;
	char key[17];

	if (stat(s->path, &st))
		return herr_errno(err, EXIT_USAGE, "kernel source %s", s->path);
	/* Path, size and mtime, not content: hashing 150 MB would cost more
	 * than the whole cache lookup is allowed to. */
	s->identity = kfs_fmt("tarball %s %lld %lld.%09ld", s->path, (long long)st.st_size,
			      (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ksha256_hex16(s->identity, key);
	s->srckey = strdup(key);
	if (!s->describe)
		s->describe = kfs_fmt("tarball %s", s->path);
	return 0;
}

/* git HEAD plus, when the tree is dirty, a hash of the status and the diff. */
static int git_identity(struct ksource *s, struct herr *err)
{
	const char *head_argv[] = { "git", "-c", "safe.directory=*", "-C", s->path,
				    "rev-parse", "HEAD", NULL };
	const char *status_argv[] = { "git", "-c", "safe.directory=*", "-C", s->path,
				      "status", "--porcelain", NULL };
	const char *diff_argv[] = { "git", "-c", "safe.directory=*", "-C", s->path,
				    "diff", "HEAD", "--binary", NULL };
	char *head = NULL, *status = NULL, *diff = NULL;
	char key[17];
	int rc = -1;

	if (proc_capture(head_argv, NULL, &head, err) != 0 ||
	    proc_capture(status_argv, NULL, &status, err) != 0) {
		if (err->code == EXIT_OK || !err->msg[0])
			herr_set(err, EXIT_USAGE, "kernel source %s: git cannot read it", s->path);
		goto out;
	}
	if (!*status) {
		s->identity = kfs_fmt("git %s clean", head);
		s->describe = kfs_fmt("git %s %s", s->path, head);
	} else if (proc_capture(diff_argv, NULL, &diff, err) == 0) {
		char *both = kfs_fmt("%s\n%s", status, diff);

		ksha256_hex16(both ? both : "", key);
		free(both);
		s->identity = kfs_fmt("git %s dirty %s", head, key);
		s->describe = kfs_fmt("git %s %s dirty %s", s->path, head, key);
	} else {
		goto out;
	}
	rc = 0;
out:
	free(head);
	free(status);
	free(diff);
	return rc;
}

/* Plain directory: the Makefile's content and a listing of every file
 * with size and mtime, sorted so readdir order does not matter. */
static char **listing;
static size_t nlisting, caplisting;
static size_t root_len;

static int list_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F && type != FTW_SL)
		return 0;
	if (nlisting == caplisting) {
		char **grown = realloc(listing, (caplisting = caplisting * 2 + 1024) * sizeof(*grown));

		if (!grown)
			return -1;
		listing = grown;
	}
	listing[nlisting++] = kfs_fmt("%s %lld %lld.%09ld", path + root_len, (long long)st->st_size,
				      (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dir_identity(struct ksource *s, struct herr *err)
{
	struct ksha256 h;
	char hex[65], mkhash[65];
	char *mk = kfs_join(s->path, "Makefile");
	int rc;

	if (!mk || ksha256_file(mk, mkhash)) {
		free(mk);
		return herr_errno(err, EXIT_USAGE, "kernel source %s: Makefile", s->path);
	}
	free(mk);
	nlisting = 0;
	root_len = strlen(s->path);
	rc = nftw(s->path, list_one, 64, FTW_PHYS);
	if (nlisting)
		qsort(listing, nlisting, sizeof(*listing), cmp_str);
	ksha256_init(&h);
	for (size_t i = 0; i < nlisting; i++) {
		if (listing[i])
			ksha256_str(&h, listing[i]);
		ksha256_str(&h, "\n");
		free(listing[i]);
	}
	free(listing);
	listing = NULL;
	caplisting = nlisting = 0;
	if (rc)
		return herr_errno(err, EXIT_USAGE, "kernel source %s: cannot list it", s->path);
	ksha256_hex(&h, hex);
	s->identity = kfs_fmt("dir makefile %s files %s", mkhash, hex);
	s->describe = kfs_fmt("dir %s", s->path);
	return 0;
}

/* One commit of a git repository (a work tree or a bare one): the ref is
 * resolved now, the tree archived from the commit when prepared. The
 * identity is the one a clean checkout of that commit has. */
static int gitref_identity(struct ksource *s, const char *ref, struct herr *err)
{
	char *spec = kfs_fmt("%s^{commit}", ref);
	const char *argv[] = { "git", "-c", "safe.directory=*", "-C", s->path, "rev-parse",
			       "--verify", "--quiet", spec, NULL };
	char *commit = NULL, key[17];
	int rc;

	if (!spec)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!proc_on_path("git")) {
		free(spec);
		return herr_set(err, EXIT_USAGE, "ref '%s': git not found on PATH (Debian package git)", ref);
	}
	rc = proc_capture(argv, NULL, &commit, err);
	free(spec);
	if (rc != 0 || !commit || !*commit) {
		free(commit);
		if (rc < 0)
			return -1;
		return herr_set(err, EXIT_USAGE, "ref '%s' is not a commit of the git repository %s",
				ref, s->path);
	}
	s->kind = KSOURCE_GITREF;
	s->commit = commit;
	s->identity = kfs_fmt("git %s clean", commit);
	s->describe = kfs_fmt("git %s %s %s", s->path, ref, commit);
	ksha256_hex16(s->identity, key);
	s->srckey = strdup(key);
	return s->identity && s->describe && s->srckey ? 0 : herr_set(err, EXIT_RUNTIME, "out of memory");
}

int ksource_is_package_name(const char *name)
{
	const char *p = "linux-source-";
	size_t n = strlen(p);

	if (strncmp(name, p, n) || !name[n])
		return 0;
	for (name += n; *name; name++)
		if (!strchr("0123456789.", *name))
			return 0;
	return 1;
}

static int install_default(struct herr *err)
{
	const char *argv[] = { "apt-get", "install", "-y", "-q", "--no-install-recommends",
			       KSOURCE_PACKAGE, NULL };
	struct proc_spec p = { .argv = argv, .out_fd = 2, .merge_stderr = 1 };
	int rc;

	if (geteuid() != 0 || !proc_on_path("apt-get"))
		return herr_set(err, EXIT_USAGE, "kernel source %s is missing: install it with "
				"'apt-get install %s' (or scripts/install-deps kernel) as root, or "
				"name a source with --source", KSOURCE_DEFAULT, KSOURCE_PACKAGE);
	fprintf(stderr, "harness: installing %s (the default kernel source)\n", KSOURCE_PACKAGE);
	rc = proc_run(&p, err);
	if (rc < 0)
		return -1;
	if (rc || !kfs_is_file(KSOURCE_DEFAULT))
		return herr_set(err, EXIT_RUNTIME, "apt-get install %s failed (exit %d)",
				KSOURCE_PACKAGE, rc);
	return 0;
}

/* The installed package's version (dpkg-query), or the one install-deps
 * wrote beside a fetched tarball; "" when neither says. */
static char *package_version(const char *pkg, const char *version_file)
{
	char *v = NULL;

	if (version_file) {
		v = kfs_read(version_file, NULL);
	} else if (proc_on_path("dpkg-query")) {
		const char *argv[] = { "dpkg-query", "-W", "-f=${Version}", pkg, NULL };
		struct herr ignored = { 0 };

		if (proc_capture(argv, NULL, &v, &ignored) != 0) {
			free(v);
			v = NULL;
		}
	}
	if (v)
		v[strcspn(v, " \t\r\n")] = '\0';
	return v ? v : strdup("");
}

/* A Debian source package: installed in /usr/src, or fetched by
 * scripts/install-deps into the cache (other suites: unstable's
 * linux-source-7.N). The default package is installed when missing. */
static char *package_tarball(const char *pkg, int install, const char *kcache, char **version,
			     struct herr *err)
{
	char *sys = kfs_fmt("/usr/src/%s.tar.xz", pkg);
	char *fetched = kcache ? kfs_fmt("%s/" KSOURCE_FETCHED "/%s.tar.xz", kcache, pkg) : NULL;
	char *vfile = kcache ? kfs_fmt("%s/" KSOURCE_FETCHED "/%s.version", kcache, pkg) : NULL;
	char *found = NULL;
	int failed = 0;

	/* Only the default package comes from this system's own suites. */
	if (sys && !kfs_is_file(sys) && (!fetched || !kfs_is_file(fetched)) && install &&
	    !strcmp(pkg, KSOURCE_PACKAGE))
		failed = install_default(err) != 0;
	if (failed) {
		/* err says what to do */
	} else if (sys && kfs_is_file(sys)) {
		found = sys;
		sys = NULL;
		*version = package_version(pkg, NULL);
	} else if (fetched && kfs_is_file(fetched)) {
		/* The real path: a cache that links another's sources/ (the
		 * long tests' fresh caches) builds under the same key. */
		found = realpath(fetched, NULL);
		*version = package_version(pkg, vfile);
	} else {
		herr_set(err, EXIT_USAGE, "Debian package %s is not here (no /usr/src/%s.tar.xz, no %s): "
			 "%s", pkg, pkg, fetched ? fetched : "fetched copy",
			 !strcmp(pkg, KSOURCE_PACKAGE) ? "apt-get install " KSOURCE_PACKAGE " as root "
			 "(or scripts/install-deps kernel)" : "scripts/install-deps kernel fetches the newest "
			 "linux-source-7.N from Debian unstable into the cache; or name a tarball or tree");
	}
	free(sys);
	free(fetched);
	free(vfile);
	return found;
}

static int resolve_package(const char *pkg, int install, const char *kcache, struct ksource *s,
			   struct herr *err)
{
	char *version = NULL, *tarball = package_tarball(pkg, install, kcache, &version, err);

	if (!tarball)
		return -1;
	s->package = strdup(pkg);
	s->describe = *version ? kfs_fmt("%s %s", pkg, version) : kfs_fmt("%s (version unknown)", pkg);
	free(version);
	s->path = tarball;
	s->kind = KSOURCE_TARBALL;
	return tarball_identity(s, err);
}

int ksource_resolve(const char *given, const char *ref, int install, const char *kcache,
		    struct ksource *s, struct herr *err)
{
	char real[PATH_MAX];
	char *git;
	int rc;

	memset(s, 0, sizeof(*s));
	if (ref && !*ref)
		ref = NULL;
	if (!given || !*given)
		given = getenv("HARNESS_KERNEL_SOURCE");
	if (!given || !*given)
		given = KSOURCE_PACKAGE;
	if (ksource_is_package_name(given) && !strchr(given, '/')) {
		if (ref)
			return herr_set(err, EXIT_USAGE, "ref '%s': %s is a Debian package, not a git "
					"repository", ref, given);
		return resolve_package(given, install, kcache, s, err);
	}
	if (!realpath(given, real))
		return herr_errno(err, EXIT_USAGE, "kernel source %s", given);
	s->path = strdup(real);
	if (kfs_is_file(real)) {
		if (ref)
			return herr_set(err, EXIT_USAGE, "ref '%s': %s is a tarball, not a git repository",
					ref, given);
		s->kind = KSOURCE_TARBALL;
		return tarball_identity(s, err);
	}
	if (!kfs_is_dir(real))
		return herr_set(err, EXIT_USAGE, "kernel source %s: not a file or directory", given);
	if (ref)
		return gitref_identity(s, ref, err);
	if (!ksource_is_kernel_tree(real))
		return herr_set(err, EXIT_USAGE, "kernel source %s is not a kernel tree "
				"(no Makefile with 'VERSION =' or no arch/arm64)", given);
	s->tree = strdup(real);
	git = kfs_join(real, ".git");
	s->kind = git && access(git, F_OK) == 0 && proc_on_path("git") ? KSOURCE_GIT : KSOURCE_DIR;
	free(git);
	rc = s->kind == KSOURCE_GIT ? git_identity(s, err) : dir_identity(s, err);
	return rc;
}

/* The single top-level directory of an extracted tarball, or the
 * extraction directory itself when the tree was archived without one. */
static char *top_dir(const char *x)
{
	DIR *d = opendir(x);
	struct dirent *de;
	char *only = NULL;
	int n = 0;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!n++)
			only = kfs_join(x, de->d_name);
	}
	closedir(d);
	if (n == 1 && only && kfs_is_dir(only))
		return only;
	free(only);
	return strdup(x);
}

static void keep_first(void *arg, const char *line, size_t len)
{
	char *first = arg;

	if (!first[0])
		snprintf(first, 256, "%.*s", (int)len, line);
}

/* Unpack tarball into tmp/linux, checking it is a kernel tree; what
 * names the source in messages. */
static int extract(const char *what, const char *tarball, const char *tmp, struct herr *err)
{
	char *x = kfs_join(tmp, "x"), *tree = kfs_join(tmp, "linux"), *top = NULL;
	const char *argv[] = { "tar", "-xf", tarball, "-C", x, "--no-same-owner", NULL };
	char first[256] = "";
	struct proc_spec p = { .argv = argv, .out_fd = -1, .on_line = keep_first, .arg = first,
			   .merge_stderr = 1 };
	int rc = -1;

	if (!x || !tree || kfs_mkdir_p(x, err))
		goto out;
	rc = proc_run(&p, err);
	if (rc > 0)
		herr_set(err, EXIT_USAGE, "kernel source %s: tar cannot extract it: %s", what, first);
	if (rc)
		goto out;
	top = top_dir(x);
	rc = -1;
	if (!top || !ksource_is_kernel_tree(top))
		herr_set(err, EXIT_USAGE, "kernel source %s is not a kernel %s (no Makefile "
			 "with 'VERSION =' or no arch/arm64 at its top)", what, strcmp(what, tarball) ?
			 "tree" : "tarball");
	else if (rename(top, tree))
		herr_errno(err, EXIT_RUNTIME, "cannot rename %s", top);
	else
		rc = 0;
	rmdir(x);
out:
	free(x);
	free(tree);
	free(top);
	return rc;
}

/* The commit's tree as a tar file beside the extraction (git archive
 * reads the object store only: the repository's work tree and index are
 * not touched), then unpacked like any tarball. */
static int unpack(const struct ksource *s, const char *tmp, struct herr *err)
{
	char *tar, *what;
	int rc;

	if (s->kind == KSOURCE_TARBALL)
		return extract(s->path, s->path, tmp, err);
	tar = kfs_join(tmp, "src.tar");
	what = kfs_fmt("%s at %s", s->path, s->commit);
	if (!tar || !what || kfs_mkdir_p(tmp, err)) {
		rc = tar && what ? -1 : herr_set(err, EXIT_RUNTIME, "out of memory");
	} else {
		const char *argv[] = { "git", "-c", "safe.directory=*", "-C", s->path, "archive",
				       "--format=tar", "-o", tar, s->commit, NULL };
		struct proc_spec p = { .argv = argv, .out_fd = -1, .merge_stderr = 1 };

		rc = proc_run(&p, err);
		if (rc > 0)
			rc = herr_set(err, EXIT_RUNTIME, "git archive %s of %s failed (exit %d)",
				      s->commit, s->path, rc);
		if (!rc)
			rc = extract(what, tar, tmp, err);
		unlink(tar);
	}
	free(tar);
	free(what);
	return rc;
}

int ksource_prepare(struct ksource *s, const char *kcache, void (*status)(const char *msg),
		    struct herr *err)
{
	char *srcdir = NULL, *final = NULL, *tmp = NULL, *origin = NULL, *text = NULL;
	int rc = -1;

	if (s->kind != KSOURCE_TARBALL && s->kind != KSOURCE_GITREF)
		return 0;
	if (s->tree && kfs_is_dir(s->tree))
		return 0;	/* prepared before (a plan's check, then the build) */
	free(s->tree);
	srcdir = kfs_join(kcache, "src");
	final = srcdir ? kfs_join(srcdir, s->srckey) : NULL;
	s->tree = final ? kfs_join(final, "linux") : NULL;
	if (!s->tree)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (kfs_is_dir(s->tree)) {
		rc = 0;
		goto out;
	}
	if (kfs_mkdir_p(srcdir, err))
		goto out;
	kfs_clean_stale(srcdir, ".tmp-");
	tmp = kfs_tmpname(srcdir, ".tmp-");
	if (status) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof(msg), "extracting %s%s%.12s (once)", s->path,
			 s->commit ? " at " : "", s->commit ? s->commit : "");
		status(msg);
	}
	/* Extract beside the final place and rename: a killed extraction
	 * leaves only a .tmp- directory that the next run removes. */
	if (unpack(s, tmp, err))
		goto out;
	origin = kfs_join(tmp, "origin");
	text = kfs_fmt("%s\n%s\n", s->path, s->identity);
	if (kfs_write(origin, text, err))
		goto out;
	if (rename(tmp, final) && !kfs_is_dir(s->tree)) {
		herr_errno(err, EXIT_RUNTIME, "cannot rename %s to %s", tmp, final);
		goto out;
	}
	rc = 0;
out:
	if (tmp)
		kfs_rm_rf(tmp);	/* gone after a rename; otherwise a failed or lost race */
	free(srcdir);
	free(final);
	free(tmp);
	free(origin);
	free(text);
	return rc;
}

int ksource_has(const struct ksource *s, const char *rel, const char *text, struct herr *err)
{
	char *path = s->tree ? kfs_join(s->tree, rel) : NULL;
	char *body;
	int found;

	if (!path)
		return herr_set(err, EXIT_RUNTIME, "kernel source %s: not prepared", s->path);
	body = kfs_read(path, NULL);
	if (!body && errno != ENOENT) {
		herr_errno(err, EXIT_RUNTIME, "kernel source: cannot read %s", path);
		free(path);
		return -1;
	}
	found = body && strstr(body, text) != NULL;
	free(body);
	free(path);
	return found;
}

void ksource_free(struct ksource *s)
{
	free(s->path);
	free(s->identity);
	free(s->describe);
	free(s->package);
	free(s->commit);
	free(s->srckey);
	free(s->tree);
	memset(s, 0, sizeof(*s));
}
