/* One signal mechanism for the whole harness. While caught, SIGINT,
 * SIGTERM and SIGHUP do not kill the harness: the signal is recorded
 * (signals_caught) and passed on, as SIGTERM, to the process group of a
 * child started in a group of its own, so a sweep stops between runs with
 * its knobs restored, a kernel build stops make, a boot stops QEMU. The
 * handler is installed without SA_RESTART: a blocking poll or read returns
 * EINTR, and every loop that waits checks signals_caught(). */
#ifndef HARNESS_SIGNALS_H
#define HARNESS_SIGNALS_H

#include <sys/types.h>

/* Install the handler. Nested calls are counted: only the outermost
 * installs (and clears what was caught), only its release restores. */
void signals_catch(void);
void signals_release(void);
/* The signal caught since the outermost signals_catch; 0 when none. */
int signals_caught(void);
/* The process group a caught signal is passed on to (0: none). */
void signals_forward_to(pid_t pgid);

#endif
