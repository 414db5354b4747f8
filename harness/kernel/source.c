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
	} else if (proc_capture(diff_argv, NULL, &diff, err) == 0) {
		char *both = kfs_fmt("%s\n%s", status, diff);

		ksha256_hex16(both ? both : "", key);
		free(both);
		s->identity = kfs_fmt("git %s dirty %s", head, key);
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
	return 0;
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

int ksource_resolve(const char *given, int install, struct ksource *s, struct herr *err)
{
	char real[PATH_MAX];
	char *git;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!given || !*given)
		given = getenv("HARNESS_KERNEL_SOURCE");
	if (!given || !*given) {
		given = KSOURCE_DEFAULT;
		if (!kfs_is_file(given) && (!install || install_default(err)))
			return install ? -1 : herr_set(err, EXIT_USAGE, "kernel source %s is not "
						       "installed (package %s)", given, KSOURCE_PACKAGE);
	}
	if (!realpath(given, real))
		return herr_errno(err, EXIT_USAGE, "kernel source %s", given);
	s->path = strdup(real);
	if (kfs_is_file(real)) {
		s->kind = KSOURCE_TARBALL;
		return tarball_identity(s, err);
	}
	if (!kfs_is_dir(real))
		return herr_set(err, EXIT_USAGE, "kernel source %s: not a file or directory", given);
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

static int extract(const struct ksource *s, const char *tmp, struct herr *err)
{
	char *x = kfs_join(tmp, "x"), *tree = kfs_join(tmp, "linux"), *top = NULL;
	const char *argv[] = { "tar", "-xf", s->path, "-C", x, "--no-same-owner", NULL };
	char first[256] = "";
	struct proc_spec p = { .argv = argv, .out_fd = -1, .on_line = keep_first, .arg = first,
			   .merge_stderr = 1 };
	int rc = -1;

	if (!x || !tree || kfs_mkdir_p(x, err))
		goto out;
	rc = proc_run(&p, err);
	if (rc > 0)
		herr_set(err, EXIT_USAGE, "kernel source %s: tar cannot extract it: %s", s->path, first);
	if (rc)
		goto out;
	top = top_dir(x);
	rc = -1;
	if (!top || !ksource_is_kernel_tree(top))
		herr_set(err, EXIT_USAGE, "kernel source %s is not a kernel tarball (no Makefile "
			 "with 'VERSION =' or no arch/arm64 at its top)", s->path);
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

int ksource_prepare(struct ksource *s, const char *kcache, void (*status)(const char *msg),
		    struct herr *err)
{
	char *srcdir = NULL, *final = NULL, *tmp = NULL, *origin = NULL, *text = NULL;
	int rc = -1;

	if (s->kind != KSOURCE_TARBALL)
		return 0;
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

		snprintf(msg, sizeof(msg), "extracting %s (once)", s->path);
		status(msg);
	}
	/* Extract beside the final place and rename: a killed extraction
	 * leaves only a .tmp- directory that the next run removes. */
	if (extract(s, tmp, err))
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

void ksource_free(struct ksource *s)
{
	free(s->path);
	free(s->identity);
	free(s->srckey);
	free(s->tree);
	memset(s, 0, sizeof(*s));
}
