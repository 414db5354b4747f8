#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/lab.h"
#include "core/fileio.h"

#ifndef KEXEC_FILE_NO_INITRAMFS
#define KEXEC_FILE_NO_INITRAMFS 0x00000004
#endif
#ifndef RB_KEXEC
#define RB_KEXEC 0x45584543
#endif

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int agent_whoami(FILE *out, struct herr *err)
{
	struct utsname u;
	char *cmdline = file_read_all("/proc/cmdline");
	char boot_id[64] = "";
	json_t *j;
	char *text;

	if (uname(&u)) {
		free(cmdline);
		return herr_errno(err, EXIT_RUNTIME, "uname");
	}
	if (cmdline)
		trim(cmdline);
	if (file_read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id)))
		boot_id[0] = '\0';
	j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "release", u.release, "version", u.version,
		      "machine", u.machine, "page_size", (json_int_t)sysconf(_SC_PAGESIZE),
		      "cmdline", cmdline ? cmdline : "", "boot_id", boot_id);
	free(cmdline);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	fprintf(out, "%s\n", text);
	free(text);
	return fflush(out) ? herr_errno(err, EXIT_RUNTIME, "writing stdout") : 0;
}

int agent_kexec(const char *image, const char *initrd, const char *cmdline, FILE *log,
		struct herr *err)
{
	int kfd = open(image, O_RDONLY | O_CLOEXEC), ifd = -1;
	unsigned long flags = initrd ? 0 : KEXEC_FILE_NO_INITRAMFS;
	long rc;
	pid_t pid;

	if (kfd < 0)
		return herr_errno(err, EXIT_USAGE, "cannot open the kernel %s", image);
	if (initrd && (ifd = open(initrd, O_RDONLY | O_CLOEXEC)) < 0) {
		close(kfd);
		return herr_errno(err, EXIT_USAGE, "cannot open the initramfs %s", initrd);
	}
	/* The length counts the terminating NUL (kexec_file_load(2)). */
	rc = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, flags);
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	if (rc)
		return herr_errno(err, EXIT_RUNTIME, "kexec_file_load %s", image);
	fprintf(log, "harness-agent: kexec: %s loaded; switching in 1 s\n", image);
	fflush(log);
	pid = fork();
	if (pid < 0)
		return herr_errno(err, EXIT_RUNTIME, "fork");
	if (pid == 0) {
		struct timespec ts = { 1, 0 };

		setsid();
		for (int fd = 0; fd < 3; fd++)
			close(fd);
		nanosleep(&ts, NULL);
		sync();
		reboot(RB_KEXEC);
		_exit(1);
	}
	return 0;
}

static pid_t holder(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)atol(buf) : 0;
}

int agent_lock(const char *path, unsigned wait_s, struct herr *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	char pid[32];
	pid_t old;

	if (fd < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot open the agent's lock %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		/* An agent whose controller went away: it stops at its next
		 * message anyway (SIGPIPE); SIGTERM ends it sooner, and it
		 * puts its knobs back on the way out. */
		if ((old = holder(fd)) > 0)
			kill(old, SIGTERM);
		for (unsigned i = 0; flock(fd, LOCK_EX | LOCK_NB); i++) {
			struct timespec ts = { 0, 100000000L };

			if (i >= wait_s * 10) {
				close(fd);
				return herr_set(err, EXIT_RUNTIME, "agent %ld still holds %s after %u s",
						(long)old, path, wait_s);
			}
			nanosleep(&ts, NULL);
		}
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0)
		return herr_errno(err, EXIT_RUNTIME, "writing %s", path);
	return 0;	/* fd kept: the lock lasts as long as this agent */
}
