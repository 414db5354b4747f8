#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/cpio.h"

static int put(struct cpio_out *c, const void *p, size_t n, struct herr *err)
{
	if (n && gzwrite(c->gz, p, (unsigned)n) != (int)n)
		return herr_set(err, EXIT_RUNTIME, "cannot write %s", c->path);
	return 0;
}

/* newc pads the header+name and the data each to a multiple of 4. */
static int pad(struct cpio_out *c, size_t n, struct herr *err)
{
	static const char zeros[4];

	return put(c, zeros, (4 - n % 4) % 4, err);
}

static int header(struct cpio_out *c, const char *name, unsigned mode, size_t size,
		  unsigned rmajor, unsigned rminor, struct herr *err)
{
	char h[111];
	size_t namesize = strlen(name) + 1;

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		 ++c->ino, mode, 0u, 0u, (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u,
		 (unsigned)size, 0u, 0u, rmajor, rminor, namesize, 0u);
	if (put(c, h, 110, err) || put(c, name, namesize, err))
		return -1;
	return pad(c, 110 + namesize, err);
}

int cpio_open(struct cpio_out *c, const char *path, int level, struct herr *err)
{
	char mode[8];

	memset(c, 0, sizeof(*c));
	snprintf(mode, sizeof(mode), level > 0 ? "wb%d" : "wbT", level);
	c->path = strdup(path);
	c->gz = c->path ? gzopen(path, mode) : NULL;
	if (!c->gz) {
		herr_errno(err, EXIT_RUNTIME, "cannot create %s", path);
		free(c->path);
		c->path = NULL;
		return -1;
	}
	return 0;
}

int cpio_dir(struct cpio_out *c, const char *name, unsigned mode, struct herr *err)
{
	return header(c, name, S_IFDIR | (mode & 07777), 0, 0, 0, err);
}

int cpio_data(struct cpio_out *c, const char *name, unsigned mode, const void *data,
	      size_t n, struct herr *err)
{
	if (n > 0xffffffffu)
		return herr_set(err, EXIT_RUNTIME, "%s: %s is too large for a cpio archive",
				c->path, name);
	if (header(c, name, S_IFREG | (mode & 07777), n, 0, 0, err) || put(c, data, n, err))
		return -1;
	return pad(c, n, err);
}

static int copy_fd(struct cpio_out *c, int fd, const char *src, size_t size, struct herr *err)
{
	char buf[1 << 16];
	size_t done = 0;

	while (done < size) {
		ssize_t got = read(fd, buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return herr_errno(err, EXIT_RUNTIME, "cannot read %s", src);
		if ((size_t)got > size - done)
			got = (ssize_t)(size - done);	/* grew while we read: keep the header true */
		if (put(c, buf, (size_t)got, err))
			return -1;
		done += (size_t)got;
	}
	return 0;
}

int cpio_file(struct cpio_out *c, const char *name, unsigned mode, const char *src,
	      struct herr *err)
{
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int rc;

	if (fd < 0 || fstat(fd, &st)) {
		herr_errno(err, EXIT_RUNTIME, "cannot read %s", src);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = (uint64_t)st.st_size > 0xffffffffu
		? herr_set(err, EXIT_RUNTIME, "%s is too large for a cpio archive", src)
		: header(c, name, S_IFREG | (mode & 07777), (size_t)st.st_size, 0, 0, err);
	if (!rc)
		rc = copy_fd(c, fd, src, (size_t)st.st_size, err);
	close(fd);
	return rc ? -1 : pad(c, (size_t)st.st_size, err);
}

int cpio_symlink(struct cpio_out *c, const char *name, const char *target, struct herr *err)
{
	size_t n = strlen(target);

	if (header(c, name, S_IFLNK | 0777, n, 0, 0, err) || put(c, target, n, err))
		return -1;
	return pad(c, n, err);
}

int cpio_chardev(struct cpio_out *c, const char *name, unsigned mode, unsigned major,
		 unsigned minor, struct herr *err)
{
	return header(c, name, S_IFCHR | (mode & 07777), 0, major, minor, err);
}

void cpio_abort(struct cpio_out *c)
{
	if (c->gz)
		gzclose(c->gz);
	c->gz = NULL;
	free(c->path);
	c->path = NULL;
}

int cpio_close(struct cpio_out *c, struct herr *err)
{
	int rc = header(c, "TRAILER!!!", 0, 0, 0, 0, err);

	if (gzclose(c->gz) != Z_OK && !rc)
		rc = herr_set(err, EXIT_RUNTIME, "cannot write %s", c->path);
	c->gz = NULL;
	free(c->path);
	c->path = NULL;
	return rc;
}
