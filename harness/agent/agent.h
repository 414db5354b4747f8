/* The agent: runs a boot plan's cells with the same measurement engine as
 * `harness run` (runner.c) and streams complete run records back, framed
 * like a workload's stream (docs/protocol.md, docs/qemu.md):
 *
 *   hello  {protocol, harness, release, page_size, consoles, machine, kernel}
 *   cell   {index, id}              a cell starts (the controller's hang clock)
 *   run    {index, record}          the finished run (record_to_json)
 *   error  {reason}                 the agent cannot go on
 *   end    {count, crc32}           trailer
 *
 * In a qemu guest the harness binary is PID 1 and agent_init() does the
 * init's work around it; `harness agent` runs a plan anywhere else. */
#ifndef HARNESS_TARGET_AGENT_H
#define HARNESS_TARGET_AGENT_H

#include <stdio.h>

#include "core/error.h"
#include "agent/bootplan.h"
#include "agent/frame.h"

#define AGENT_PORT_NAME "harness.results"
#define AGENT_PLAN_PATH "/plan.json"

/* Run the plan, writing the stream to f. ack_fd >= 0: after the
 * trailer, wait (up to 10 s) for the controller's one-byte receipt, so
 * that powering off cannot lose the end of the stream. pid1: faults that
 * need PID 1 (test.panic_at) are allowed. Progress lines go to log.
 * Returns 0 when the trailer went out, 1 when a test cut the stream (send
 * nothing more), -1 with err set; the caller may then send an error
 * message on f. */
int agent_run(const struct boot_plan *p, struct frame_out *f, int ack_fd, int pid1, FILE *log,
	      struct herr *err);
/* PID 1 of a guest: mount, find the results port, run /plan.json, power
 * off. Never returns. */
void agent_init(void) __attribute__((noreturn));

#endif
