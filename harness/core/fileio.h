/* Small-file I/O for procfs, sysfs and cgroup files, shared by every probe
 * and knob. */
#ifndef HARNESS_FILEIO_H
#define HARNESS_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* Whole file as a NUL-terminated string (caller frees). /proc files report
 * size 0, so this reads until EOF. NULL with errno set when unreadable. */
char *file_read_all(const char *path);
/* First line, trailing white space removed; -1 when unreadable. An empty
 * file gives "". */
int file_read_line(const char *path, char *out, size_t size);
/* Write text in one write(2), as sysfs wants; -1 with errno on failure. */
int file_write_text(const char *path, const char *text);

/* fopen(path, "re") for an input file the user names (sweep, variant,
 * fragment, series): a FIFO or device would block or never end, so
 * anything but a regular file gives NULL with errno EINVAL (opened
 * non-blocking, so a FIFO without a writer does not hang here). */
FILE *file_open_regular(const char *path);

#endif
