/* Tree disks (treedisk.h): a host directory as a cached read-only ext4
 * image made by mkfs.ext4 -d. */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/proc.h"
#include "kernel/bundle.h"
#include "kernel/fsutil.h"
#include "kernel/sha256.h"
#include "targets/qemu/treedisk.h"

/* Changes whenever the image would come out different for the same tree.
 * No journal: the guest mounts it read-only. 4 KiB blocks: smaller than
 * or equal to every page size the kernels have. */
/* Each change of a tree (/etc changes often) makes a new image: keep the
 * newest, so the trees of a few sweeps stay cached. */
#define TREES_KEPT 16

#define TREEDISK_RECIPE "treedisk 1: mkfs.ext4 -b 4096 -m 0 -O ^has_journal -d"

/* Directories the guest's own root needs: a tree mounted over one of them
 * would hide the agent, its libraries or the kernel's interfaces. */
static const char *const guest_paths[] = {
	"/proc", "/sys", "/dev", "/lib", "/harness", "/init", "/mnt/scratch",
};
/* ... and these themselves, though a directory below them is fine. */
static const char *const guest_dirs[] = { "/tmp", "/var", "/var/tmp", "/mnt", "/usr" };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *treedisk_cache_dir(void)
{
	return cache_subdir("trees");
}

static int check_root(const char *root, struct herr *err)
{
	if (!strcmp(root, "/"))
		return herr_set(err, EXIT_USAGE, "tree /: the guest's own root cannot be replaced; "
				"name the directories to read");
	for (size_t i = 0; i < sizeof(guest_paths) / sizeof(guest_paths[0]); i++) {
		size_t n = strlen(guest_paths[i]);

		if (!strncmp(root, guest_paths[i], n) && (root[n] == '\0' || root[n] == '/'))
			return herr_set(err, EXIT_USAGE, "tree %s: %s is the guest's own; a disk "
					"mounted there would hide it", root, guest_paths[i]);
	}
	for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
		if (!strcmp(root, guest_dirs[i]))
			return herr_set(err, EXIT_USAGE, "tree %s: the guest needs %s itself; name "
					"directories below it", root, root);
	return 0;
}

struct listing {
	struct ksha256 h;
	uint64_t files, entries, file_bytes, data_bytes, name_bytes;
};

static uint64_t blocks4k(uint64_t n)
{
	return (n + 4095) / 4096 * 4096;
}

/* One line per entry into the hash; sizes for the image. */
static int list_entry(struct listing *l, const FTSENT *e, size_t rootlen, dev_t dev,
		      struct herr *err)
{
	const struct stat *st = e->fts_statp;
	const char *rel = e->fts_path + rootlen;
	char line[PATH_MAX + 200], target[PATH_MAX] = "";

	if (st->st_dev != dev)
		return herr_set(err, EXIT_USAGE, "tree %.*s holds another file system at %s: name "
				"that one as a tree of its own", (int)rootlen, e->fts_path, e->fts_path);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(e->fts_accpath, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		l->data_bytes += n >= 60 ? 4096 : 0;	/* shorter ones live in the inode */
	} else if (S_ISREG(st->st_mode)) {
		l->files++;
		l->file_bytes += (uint64_t)st->st_size;
		l->data_bytes += blocks4k((uint64_t)st->st_size);
	} else if (S_ISDIR(st->st_mode)) {
		l->data_bytes += 4096;
	}
	l->entries++;
	l->name_bytes += strlen(e->fts_name) + 16;
	snprintf(line, sizeof(line), "%o %u %u %lld %lld.%09ld %s%s%s\n", (unsigned)st->st_mode,
		 (unsigned)st->st_uid, (unsigned)st->st_gid, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, *rel ? rel : ".",
		 *target ? " -> " : "", target);
	ksha256_str(&l->h, line);
	return 0;
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

static int list_tree(const char *root, struct listing *l, struct herr *err)
{
	char *paths[] = { (char *)root, NULL };
	FTS *f = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
	size_t rootlen = strlen(root);
	dev_t dev = 0;
	FTSENT *e;
	int rc = 0;

	if (!f)
		return herr_errno(err, EXIT_USAGE, "tree %s", root);
	while (!rc && (errno = 0, e = fts_read(f))) {
		switch (e->fts_info) {
		case FTS_DP:
			break;
		case FTS_DNR: case FTS_ERR: case FTS_NS:
			/* mkfs.ext4 -d would stop there too: say where. */
			rc = herr_set(err, EXIT_USAGE, "tree %s: cannot read %s: %s", root,
				      e->fts_path, strerror(e->fts_errno));
			break;
		default:
			if (e->fts_level == 0)
				dev = e->fts_statp->st_dev;
			rc = list_entry(l, e, rootlen, dev, err);
		}
	}
	if (!rc && errno && !e)
		rc = herr_errno(err, EXIT_RUNTIME, "walking tree %s", root);
	fts_close(f);
	return rc;
}

/* Data, an inode per entry (256 bytes), directory entries, then 10 % and
 * 16 MiB for the file system's own metadata (group descriptors, bitmaps). */
static uint64_t image_size(const struct listing *l)
{
	uint64_t raw = l->data_bytes + l->entries * 256 + blocks4k(l->name_bytes);

	return blocks4k(raw + raw / 10 + (16u << 20));
}

static int run_mkfs(const char *root, const char *img, uint64_t size, uint64_t inodes,
		    struct herr *err)
{
	char n[32];
	const char *argv[] = { "mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-O", "^has_journal",
			       "-N", n, "-L", "tree", "-d", root, img, NULL };
	struct proc_first_line m = { "" };
	struct proc_spec p = { .argv = argv, .out_fd = -1, .on_line = proc_keep_first_line, .arg = &m,
			       .merge_stderr = 1 };
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc;

	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		if (fd >= 0)
			close(fd);
		return herr_errno(err, EXIT_RUNTIME, "cannot create %s", img);
	}
	close(fd);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)inodes);
	rc = proc_run(&p, err);
	if (rc < 0)
		return herr_wrap(err, "making the disk of tree %s (mkfs.ext4, e2fsprogs)", root);
	if (rc)
		return herr_set(err, EXIT_RUNTIME, "mkfs.ext4 -d %s failed (exit %d): %s", root, rc,
				m.line);
	return 0;
}

/* Build into a temporary name, then rename: a killed build leaves no
 * image under the key (kfs_clean_stale removes its remains). 0600: the
 * image holds whatever the tree held, /etc/shadow included. */
static int build(struct treedisk *t, const char *dir, uint64_t size, struct herr *err)
{
	char *tmp = kfs_tmpname(dir, ".tmp-");
	int rc;

	if (!tmp)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	rc = run_mkfs(t->root, tmp, size, t->entries + 16, err);
	if (!rc && rename(tmp, t->image))
		rc = herr_errno(err, EXIT_RUNTIME, "cannot store %s", t->image);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int treedisk_ensure(const char *tree, uint64_t max_bytes, struct treedisk *t, struct herr *err)
{
	char real[PATH_MAX], hex[65];
	struct listing l = { .files = 0 };
	double t0 = now_s();
	uint64_t size;
	char *dir = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!realpath(tree, real))
		return herr_errno(err, EXIT_USAGE, "tree %s", tree);
	if (!kfs_is_dir(real))
		return herr_set(err, EXIT_USAGE, "tree %s is not a directory", tree);
	t->root = strdup(real);
	t->named = strdup(tree);
	if (!t->root || !t->named)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	ksha256_init(&l.h);
	ksha256_str(&l.h, TREEDISK_RECIPE "\n");
	rc = check_root(real, err);
	if (!rc)
		rc = list_tree(real, &l, err);
	if (rc)
		return rc;
	ksha256_hex(&l.h, hex);
	snprintf(t->key, sizeof(t->key), "%.16s", hex);
	t->files = l.files;
	t->entries = l.entries;
	t->file_bytes = l.file_bytes;
	size = image_size(&l);
	if (max_bytes && size > max_bytes)
		return herr_set(err, EXIT_USAGE, "tree %s: %llu files, %llu bytes; its disk would take "
				"%llu bytes, more than the limit of %llu (--tree-disk-max)", real,
				(unsigned long long)l.files, (unsigned long long)l.file_bytes,
				(unsigned long long)size, (unsigned long long)max_bytes);
	dir = treedisk_cache_dir();
	t->image = dir ? kfs_fmt("%s/%s.img", dir, t->key) : NULL;
	if (!t->image)
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc)
		rc = kfs_mkdir_p(dir, err);
	if (!rc) {
		kfs_clean_stale(dir, ".tmp-");
		t->cached = kfs_is_file(t->image);
		if (!t->cached)
			rc = build(t, dir, size, err);
		else
			utimensat(AT_FDCWD, t->image, NULL, 0);	/* recently used: pruned last */
		if (!rc && !t->cached)
			cache_prune(dir, ".img", TREES_KEPT);
	}
	t->image_bytes = size;
	t->seconds = now_s() - t0;
	free(dir);
	return rc;
}

void treedisk_free(struct treedisk *t)
{
	free(t->named);
	free(t->root);
	free(t->image);
	memset(t, 0, sizeof(*t));
}
