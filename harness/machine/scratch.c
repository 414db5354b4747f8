#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine/scratch.h"

static const char *const prefixes[] = {
	"harness-smallfiles-", "harness-mmapread-", "harness-sqlite-",
};

static int ours(const char *name)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])) &&
		    strlen(name) == strlen(prefixes[i]) + 6)
			return 1;
	return 0;
}

/* The workloads' directories hold plain files only: one level. */
static int remove_dir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	return unlinkat(parent, name, AT_REMOVEDIR);
}

/* Stale when nobody holds its lock; the lock is kept while removing, so a
 * second cleaner skips it. */
static int clean_one(int dfd, const char *name, FILE *msg, const char *dir)
{
	struct stat sb;
	int fd, rc;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) || sb.st_uid != geteuid() ||
	    !(sb.st_mode & S_ISVTX) || !(S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode)))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return 0;	/* a running workload's */
	}
	rc = S_ISDIR(sb.st_mode) ? remove_dir(dfd, name) : unlinkat(dfd, name, 0);
	close(fd);
	if (rc == 0 && msg)
		fprintf(msg, "harness: removed %s/%s, left by a killed run\n", dir, name);
	return rc == 0;
}

int scratch_clean(const char *dir, FILE *msg)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((e = readdir(d)))
		if (ours(e->d_name))
			n += clean_one(dfd, e->d_name, msg, dir);
	closedir(d);
	return n;
}
