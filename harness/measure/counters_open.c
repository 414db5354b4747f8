/* Opening, reading and closing the counters of one child. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "measure/counters.h"
#include "measure/counters_impl.h"

int counters_plan_groups(const int *ncounters, size_t n, int *group)
{
	int g = -1, size = 0, limit = 0;

	for (size_t i = 0; i < n; i++) {
		int nc = ncounters[i] > 0 ? ncounters[i] : COUNTERS_FALLBACK_NCOUNTERS;

		if (nc < limit)
			limit = nc;
		if (g < 0 || size + 1 > limit) {
			g++;
			size = 0;
			limit = nc;
		}
		size++;
		group[i] = g;
	}
	return g + 1;
}

static int perf_open(struct perf_event_attr *attr, pid_t pid, int group_fd)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

/* What an errno from perf_event_open usually means, for the reason. */
static const char *open_hint(int e)
{
	switch (e) {
	case ENOENT: return " (the kernel has no such event: no hardware PMU, or this PMU lacks it)";
	case EOPNOTSUPP: return " (the PMU cannot count it this way)";
	case ENODEV: return " (no such PMU)";
	case ENOSYS: return " (no perf events here: CONFIG_PERF_EVENTS off, or an emulator without the syscall)";
	case EINVAL: return " (the PMU rejected the encoding or the group)";
	case EACCES: case EPERM: return " (not permitted: perf_event_paranoid or capabilities)";
	default: return "";
	}
}

static void fill_attr(struct perf_event_attr *attr, const struct counter_resolution *r)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = r->type;
	attr->config = r->config;
	attr->config1 = r->config1;
	attr->config2 = r->config2;
	/* Every event, group members too, starts disabled and is enabled by
	 * the exec itself: counting covers the workload and nothing of the
	 * runner, and members' time_enabled starts with their leader's. */
	attr->disabled = 1;
	attr->enable_on_exec = 1;
	attr->inherit = 1;
	attr->exclude_hv = 1;
	/* No PERF_FORMAT_GROUP: the kernel refuses it with inherit. */
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
}

/* Open ev on pid (in group_fd's group, or alone when -1). Kernel counting is
 * dropped, and noted, only when it is not permitted. */
static int open_event(struct counter_event *ev, pid_t pid, int group_fd)
{
	struct perf_event_attr attr;
	int fd, e;

	fill_attr(&attr, &ev->res);
	fd = perf_open(&attr, pid, group_fd);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		e = errno;
		attr.exclude_kernel = 1;
		fd = perf_open(&attr, pid, group_fd);
		if (fd >= 0) {
			ev->user_only = 1;
			snprintf(ev->reason, sizeof(ev->reason),
				 "user space only: counting the kernel too was refused (%s)", strerror(e));
		} else {
			errno = e;
		}
	}
	if (fd < 0) {
		e = errno;
		snprintf(ev->reason, sizeof(ev->reason), "%.80s: perf_event_open: %s%s",
			 ev->res.event, strerror(e), open_hint(e));
	}
	return fd;
}

int counters_probe(const struct counter_resolution *r, char *note, size_t size)
{
	struct counter_event ev = { .def = r->def, .res = *r, .fd = -1 };
	int fd = open_event(&ev, 0, -1);

	note[0] = '\0';
	counters_append(note, size, ev.reason);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int new_group(int *next, struct counter_event *ev, int fd)
{
	ev->fd = fd;
	ev->group = (*next)++;
	ev->leader = 1;
	return fd;
}

/* Open one planned group. The first event that opens leads; an event that
 * will not join retries alone, so one bad event never costs the others. */
void counters_open_group(struct counters *c, const size_t *idx, size_t n, pid_t pid, int *next)
{
	int leader = -1, lgroup = -1;

	for (size_t k = 0; k < n; k++) {
		struct counter_event *ev = &c->ev[idx[k]];
		int fd;

		if (leader < 0) {
			fd = open_event(ev, pid, -1);
			if (fd >= 0) {
				leader = new_group(next, ev, fd);
				lgroup = ev->group;
			}
			continue;
		}
		fd = open_event(ev, pid, leader);
		if (fd >= 0) {
			ev->fd = fd;
			ev->group = lgroup;
			continue;
		}
		fd = open_event(ev, pid, -1);
		if (fd >= 0)
			new_group(next, ev, fd);
	}
}

static int add_events(struct counters *c, const char *const *names, size_t nnames,
		      struct herr *err)
{
	size_t n = names ? nnames : counter_ndefs;

	c->ev = calloc(n ? n : 1, sizeof(*c->ev));
	if (!c->ev)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct counter_def *def = names ? counter_find(names[i]) : &counter_defs[i];
		struct counter_event *ev = &c->ev[c->n];

		if (!def)
			return herr_set(err, EXIT_USAGE, "unknown counter '%s' (see 'harness events')",
					names[i]);
		ev->def = def;
		ev->fd = -1;
		ev->group = -1;
		counter_resolve(def, &ev->res, err);
		if (!ev->res.ok)
			snprintf(ev->reason, sizeof(ev->reason), "%s", ev->res.reason);
		c->n++;
	}
	return 0;
}

static int open_pmu_events(struct counters *c, pid_t pid, int *next, struct herr *err)
{
	size_t *idx = calloc(c->n + 1, sizeof(*idx));
	int *nc = calloc(c->n + 1, sizeof(*nc)), *group = calloc(c->n + 1, sizeof(*group));
	size_t n = 0;
	int ngroups;

	if (!idx || !nc || !group) {
		free(idx), free(nc), free(group);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].def->cls == COUNTER_PMU && c->ev[i].res.ok) {
			idx[n] = i;
			nc[n++] = c->ev[i].res.ncounters;
		}
	ngroups = counters_plan_groups(nc, n, group);
	for (int g = 0, start = 0; g < ngroups; g++) {
		int end = start;

		while ((size_t)end < n && group[end] == g)
			end++;
		counters_open_group(c, idx + start, (size_t)(end - start), pid, next);
		start = end;
	}
	free(idx), free(nc), free(group);
	return 0;
}

int counters_open(pid_t pid, const char *const *names, size_t nnames,
		  struct counters **out, struct herr *err)
{
	struct counters *c = calloc(1, sizeof(*c));
	int next = 0;

	*out = NULL;
	if (!c)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	if (add_events(c, names, nnames, err))
		goto fail;
	/* Software events each in their own group: they never compete for
	 * counters, and a group would tie them to a PMU group's schedule. */
	for (size_t i = 0; i < c->n; i++) {
		struct counter_event *ev = &c->ev[i];
		int fd;

		if (ev->def->cls != COUNTER_SOFTWARE)
			continue;
		fd = open_event(ev, pid, -1);
		if (fd >= 0)
			new_group(&next, ev, fd);
	}
	if (open_pmu_events(c, pid, &next, err))
		goto fail;
	*out = c;
	return 0;
fail:
	counters_close(c);
	return -1;
}

int counters_read(struct counters *c, struct counter_snapshot *snap, struct herr *err)
{
	memset(snap, 0, sizeof(*snap));
	snap->raw = calloc(c->n + 1, sizeof(*snap->raw));
	snap->enabled = calloc(c->n + 1, sizeof(*snap->enabled));
	snap->running = calloc(c->n + 1, sizeof(*snap->running));
	snap->n = c->n;
	if (!snap->raw || !snap->enabled || !snap->running) {
		counter_snapshot_free(snap);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	for (size_t i = 0; i < c->n; i++) {
		uint64_t v[3];
		ssize_t got;

		if (c->ev[i].fd < 0)
			continue;
		got = read(c->ev[i].fd, v, sizeof(v));
		if (got != (ssize_t)sizeof(v)) {
			counter_snapshot_free(snap);
			return got < 0 ? herr_errno(err, EXIT_RUNTIME, "reading counter %s", c->ev[i].def->name)
				       : herr_set(err, EXIT_RUNTIME, "reading counter %s: short read",
						  c->ev[i].def->name);
		}
		snap->raw[i] = v[0];
		snap->enabled[i] = v[1];
		snap->running[i] = v[2];
	}
	return 0;
}

void counter_snapshot_free(struct counter_snapshot *snap)
{
	free(snap->raw);
	free(snap->enabled);
	free(snap->running);
	memset(snap, 0, sizeof(*snap));
}

void counters_close(struct counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].fd >= 0)
			close(c->ev[i].fd);
	free(c->ev);
	free(c);
}
