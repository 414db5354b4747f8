#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

char *kfs_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

char *kfs_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	return kfs_fmt("%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b);
}

int kfs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int kfs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int kfs_mkdir_p(const char *path, struct herr *err)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return herr_set(err, EXIT_RUNTIME, "path too long: %s", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return herr_errno(err, EXIT_RUNTIME, "cannot create %s", buf);
		*p = c;
		if (!c)
			break;
	}
	if (!kfs_is_dir(path))
		return herr_set(err, EXIT_RUNTIME, "%s exists and is not a directory", path);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) && errno != ENOENT ? -1 : 0;
	return unlink(path) && errno != ENOENT ? -1 : 0;
}

int kfs_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

char *kfs_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			char *grown = realloc(buf, cap = cap * 2 + 8192);

			if (!grown) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int kfs_write(const char *path, const char *data, struct herr *err)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return herr_errno(err, EXIT_RUNTIME, "cannot write %s", path);
	fputs(data, f);
	if (fclose(f))
		return herr_errno(err, EXIT_RUNTIME, "cannot write %s", path);
	return 0;
}

int kfs_copy(const char *from, const char *to, struct herr *err)
{
	char buf[65536];
	ssize_t n = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;

	if (in < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot read %s", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return herr_errno(err, EXIT_RUNTIME, "cannot write %s", to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot copy %s to %s", from, to);
	return 0;
}

char *kfs_tmpname(const char *dir, const char *prefix)
{
	static unsigned counter;

	return kfs_fmt("%s/%s%ld-%u", dir, prefix, (long)getpid(), counter++);
}

static int owner_alive(const char *rest)
{
	char *end;
	long pid = strtol(rest, &end, 10);

	if (end == rest || *end != '-' || pid <= 0)
		return 1;	/* not ours: leave it alone */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int kfs_clean_stale(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t pl = strlen(prefix);
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, pl) || owner_alive(de->d_name + pl))
			continue;
		char *p = kfs_join(dir, de->d_name);

		if (p && kfs_rm_rf(p) == 0)
			removed++;
		free(p);
	}
	closedir(d);
	return removed;
}

static uint64_t du_total;

static int du_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t kfs_du(const char *path)
{
	du_total = 0;
	nftw(path, du_one, 64, FTW_PHYS);
	return du_total;
}
