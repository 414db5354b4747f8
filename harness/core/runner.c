#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure/cgroup.h"
#include "measure/counters.h"
#include "measure/metric_table.h"
#include "measure/pagecache.h"
#include "measure/procfs.h"
#include "core/launcher.h"
#include "core/runner.h"
#include "core/signals.h"
#include "core/stream.h"


/* smaps_rollup/status fields sampled as time series ("mem.<field>"). */
static const char *const sampled[] = {
	"Rss", "Pss", "Pss_Anon", "Pss_File", "Pss_Shmem", "Anonymous",
	"AnonHugePages", "Swap", "VmPTE",
};
#define NSAMPLED (sizeof(sampled) / sizeof(sampled[0]))
const char *const *const runner_sampled = sampled;
const size_t runner_nsampled = NSAMPLED;
#define TAIL_MAX 4096

struct run_state {
	const struct run_opts *o;
	struct run_record *r;
	const struct run_cgroup *cg;
	pid_t pid;
	int res_fd, err_fd, ack_fd, pidfd;
	int64_t t0;			/* CLOCK_MONOTONIC at exec */
	int64_t region_t[2];
	struct counters *ctr;
	struct counter_snapshot reg_snap[2];
	struct sys_snapshot sys[2], reg_sys[2];
	int region;			/* 0 none, 1 open, 2 closed */
	char **paths;
	size_t npaths;
	struct pagecache_usage pc;
	int pc_state;			/* 0 not asked, 1 measured, -1 failed */
	char pc_reason[200];
	int verify_seen, verify_ok;
	char verify_detail[256];
	struct stream stream;
	int stream_failed;
	struct herr stream_err;
	char tail[TAIL_MAX];
	size_t tail_len;
	double peak[NSAMPLED];
	int have_peak[NSAMPLED];
	size_t nsamples;
	double bytes_touched;
	struct launch launch;		/* the launcher, ready for the child */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- CPU and memory binding (hwloc) ---- */

struct binding {
	hwloc_topology_t topo;
	hwloc_bitmap_t cpuset, nodeset;
};

static int load_topology(hwloc_topology_t *topo, struct herr *err)
{
	if (hwloc_topology_init(topo))
		return herr_set(err, EXIT_RUNTIME, "hwloc: cannot initialise a topology");
	if (hwloc_topology_load(*topo)) {
		hwloc_topology_destroy(*topo);
		return herr_set(err, EXIT_RUNTIME, "hwloc: cannot load this machine's topology");
	}
	return 0;
}

/* "TYPE:INDEX" (logical index) or a list of PU OS indices. */
static int resolve_cpus(hwloc_topology_t topo, const char *spec, hwloc_bitmap_t set,
			struct herr *err)
{
	const char *colon = strchr(spec, ':');
	hwloc_obj_type_t type;
	hwloc_obj_t obj;
	char tname[32], *end;
	unsigned long idx;

	if (!colon) {
		if (hwloc_bitmap_list_sscanf(set, spec) || hwloc_bitmap_iszero(set))
			return herr_set(err, EXIT_USAGE, "cpus = '%s': not a CPU list (\"0\", \"0,2-3\") or TYPE:INDEX (\"core:0\")",
					spec);
	} else {
		snprintf(tname, sizeof(tname), "%.*s", (int)(colon - spec), spec);
		idx = strtoul(colon + 1, &end, 10);
		if (hwloc_type_sscanf(tname, &type, NULL, 0) || end == colon + 1 || *end)
			return herr_set(err, EXIT_USAGE, "cpus = '%s': expected TYPE:INDEX such as core:0, numa:0, package:0, pu:1",
					spec);
		obj = hwloc_get_obj_by_type(topo, type, (unsigned)idx);
		if (!obj || !obj->cpuset)
			return herr_set(err, EXIT_USAGE, "cpus = '%s': this machine has %d object(s) of type %s",
					spec, hwloc_get_nbobjs_by_type(topo, type), tname);
		hwloc_bitmap_copy(set, obj->cpuset);
	}
	if (!hwloc_bitmap_isincluded(set, hwloc_topology_get_allowed_cpuset(topo)))
		return herr_set(err, EXIT_USAGE, "cpus = '%s': names CPUs this machine does not have (or does not allow)",
				spec);
	return 0;
}

static void binding_free(struct binding *b)
{
	if (b->cpuset)
		hwloc_bitmap_free(b->cpuset);
	if (b->nodeset)
		hwloc_bitmap_free(b->nodeset);
	if (b->topo)
		hwloc_topology_destroy(b->topo);
	memset(b, 0, sizeof(*b));
}

static int binding_prepare(const struct run_opts *o, struct binding *b, struct herr *err)
{
	memset(b, 0, sizeof(*b));
	if (!o->cpus)
		return 0;
	if (load_topology(&b->topo, err))
		return -1;
	b->cpuset = hwloc_bitmap_alloc();
	b->nodeset = hwloc_bitmap_alloc();
	if (!b->cpuset || !b->nodeset || resolve_cpus(b->topo, o->cpus, b->cpuset, err)) {
		binding_free(b);
		return -1;
	}
	hwloc_cpuset_to_nodeset(b->topo, b->cpuset, b->nodeset);
	return 0;
}

int runner_check_cpus(const char *spec, char *cpuset, size_t n, struct herr *err)
{
	struct run_opts o = { .cpus = spec };
	struct binding b;
	char *list = NULL;

	if (binding_prepare(&o, &b, err))
		return -1;
	if (hwloc_bitmap_list_asprintf(&list, b.cpuset) < 0)
		list = NULL;
	snprintf(cpuset, n, "%s", list ? list : spec);
	free(list);
	binding_free(&b);
	return 0;
}

void runner_governor(char *out, size_t n)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* A series' unit from the metric table (the unit test checks each is there). */
static const char *sample_unit(const char *name)
{
	const struct metric_def *d = metric_def_find(name);

	return d ? d->unit : "";
}

static void take_sample(struct run_state *s)
{
	struct kv_set kv;
	int64_t t = now_ns() - s->t0;

	kv_init(&kv);
	if (proc_sample(s->pid, &kv) == 0) {
		for (size_t i = 0; i < NSAMPLED; i++) {
			const double *v = kv_get(&kv, sampled[i]);
			char name[64];

			if (!v)
				continue;
			snprintf(name, sizeof(name), "mem.%s", sampled[i]);
			mset_sample(&s->r->metrics, name, sample_unit(name), t, *v);
			if (!s->have_peak[i] || *v > s->peak[i])
				s->peak[i] = *v;
			s->have_peak[i] = 1;
		}
		s->nsamples++;
	}
	kv_free(&kv);
}

static int send_ack(struct run_state *s, struct herr *err)
{
	char c = 'A';

	while (write(s->ack_fd, &c, 1) < 0)
		if (errno != EINTR)
			return herr_errno(err, EXIT_RUNTIME, "result stream: cannot acknowledge the region");
	return 0;
}

static void measure_pagecache(struct run_state *s)
{
	struct herr e;

	if (!s->npaths)
		return;
	if (pagecache_measure((const char *const *)s->paths, s->npaths, &s->pc, &e) == 0) {
		s->pc_state = 1;
	} else {
		s->pc_state = -1;
		snprintf(s->pc_reason, sizeof(s->pc_reason), "%s", e.msg);
	}
}

static int on_region(struct run_state *s, json_t *msg, struct herr *err)
{
	const char *ev = json_string_value(json_object_get(msg, "event"));
	int edge;

	if (!ev || (strcmp(ev, "begin") && strcmp(ev, "end")))
		return herr_set(err, EXIT_RUNTIME, "result stream: region event must be begin or end");
	edge = !strcmp(ev, "end");
	if (s->region != edge)
		return herr_set(err, EXIT_RUNTIME, "result stream: region %s out of order", ev);
	/* The workload waits for the ack: read everything while it is still. */
	if (counters_read(s->ctr, &s->reg_snap[edge], err))
		return -1;
	sys_snapshot_take(&s->reg_sys[edge], "");
	take_sample(s);
	if (edge) {
		measure_pagecache(s);
		cgroup_collect(s->cg, CGROUP_REGION_END, &s->r->metrics);
	}
	s->region_t[edge] = now_ns();
	s->region = edge + 1;
	return send_ack(s, err);
}

/* The workload's program name, as the metric table knows it. */
static const char *workload_name(const struct run_state *s)
{
	const char *slash = strrchr(s->o->path, '/');

	return slash ? slash + 1 : s->o->path;
}

/* A workload's result is stored as it reports it (docs/protocol.md). Where
 * the metric table documents it, they must agree: a disagreement (or an
 * undocumented name of a documented workload) is a warning, and an error
 * under HARNESS_METRICS_STRICT, so the table cannot go stale unseen. */
static int check_documented(const struct run_state *s, const char *name, const char *unit,
			    enum metric_kind k, enum metric_better b, struct herr *err)
{
	const char *wl = workload_name(s);
	const struct metric_def *d = metric_def_find_workload(wl, name);
	char msg[400];

	if (d && !strcmp(d->unit, unit) && d->kind == k && d->better == b)
		return 0;
	if (!d && !metric_table_has_workload(wl))
		return 0;	/* not one of ours: its stream is the only description */
	if (d)
		snprintf(msg, sizeof(msg), "workload %s reports %s as unit '%s', %s, better %s; the "
			 "metric table says '%s', %s, better %s", wl, name, unit, metric_kind_name(k),
			 metric_better_name(b), d->unit, metric_kind_name(d->kind),
			 metric_better_name(d->better));
	else
		snprintf(msg, sizeof(msg), "workload %s reports %s, which the metric table does "
			 "not list", wl, name);
	if (metric_table_strict())
		return herr_set(err, EXIT_RUNTIME, "%s (harness/measure/metric_table.c)", msg);
	fprintf(stderr, "harness: warning: %s\n", msg);
	return 0;
}

static int on_metric(struct run_state *s, json_t *msg, struct herr *err)
{
	const char *name = json_string_value(json_object_get(msg, "name"));
	const char *unit = json_string_value(json_object_get(msg, "unit"));
	const char *kind = json_string_value(json_object_get(msg, "kind"));
	const char *better = json_string_value(json_object_get(msg, "better"));
	json_t *value = json_object_get(msg, "value");
	enum metric_kind k = KIND_GAUGE;
	enum metric_better b = BETTER_NONE;

	if (!name || !json_is_number(value))
		return herr_set(err, EXIT_RUNTIME, "result stream: metric without name or numeric value");
	if (kind && !strcmp(kind, "counter"))
		k = KIND_COUNTER;
	else if (kind && !strcmp(kind, "rate"))
		k = KIND_RATE;
	if (better && !strcmp(better, "lower"))
		b = BETTER_LOWER;
	else if (better && !strcmp(better, "higher"))
		b = BETTER_HIGHER;
	if (check_documented(s, name, unit ? unit : "", k, b, err))
		return -1;
	if (!strcmp(name, "bytes_touched"))
		s->bytes_touched = json_number_value(value);
	if (!mset_add_workload(&s->r->metrics, name, json_number_value(value), unit ? unit : "",
			       k, b))
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

static int on_message(void *user, const char *type, json_t *msg, struct herr *err)
{
	struct run_state *s = user;

	if (!strcmp(type, "region"))
		return on_region(s, msg, err);
	if (!strcmp(type, "metric"))
		return on_metric(s, msg, err);
	if (!strcmp(type, "path")) {
		const char *p = json_string_value(json_object_get(msg, "path"));
		char **grown;

		if (!p)
			return herr_set(err, EXIT_RUNTIME, "result stream: path message without a path");
		grown = realloc(s->paths, (s->npaths + 1) * sizeof(*grown));
		if (!grown || !(grown[s->npaths] = strdup(p)))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
		s->paths = grown;
		s->npaths++;
		return 0;
	}
	if (!strcmp(type, "verify")) {
		const char *d = json_string_value(json_object_get(msg, "detail"));

		s->verify_seen = 1;
		s->verify_ok = json_is_true(json_object_get(msg, "ok"));
		snprintf(s->verify_detail, sizeof(s->verify_detail), "%s", d ? d : "");
		return 0;
	}
	return 0;	/* hello and future message types carry nothing we need */
}

static void keep_tail(struct run_state *s, const char *buf, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(s->tail, buf + n - TAIL_MAX, TAIL_MAX);
		s->tail_len = TAIL_MAX;
		return;
	}
	if (s->tail_len + n > TAIL_MAX) {
		size_t drop = s->tail_len + n - TAIL_MAX;

		memmove(s->tail, s->tail + drop, s->tail_len - drop);
		s->tail_len -= drop;
	}
	memcpy(s->tail + s->tail_len, buf, n);
	s->tail_len += n;
}

/* What the child was doing when it failed, sent with errno over the
 * status pipe so the run's reason says it. */
enum child_stage { STAGE_CGROUP = 1, STAGE_ASLR, STAGE_CPUBIND, STAGE_MEMBIND, STAGE_LAUNCH, STAGE_EXEC };

static const char *const stage_what[] = {
	[STAGE_CGROUP] = "cannot enter the run's cgroup",
	[STAGE_ASLR] = "cannot turn ASLR off (personality)",
	[STAGE_CPUBIND] = "cannot bind the workload's CPUs",
	[STAGE_MEMBIND] = "cannot bind the workload's memory",
	[STAGE_LAUNCH] = "cannot apply the launcher",
	[STAGE_EXEC] = "cannot start",
};

/* Noise controls in the child: single-threaded after fork, so the hwloc
 * calls (plain sched_setaffinity/set_mempolicy underneath) are safe, and
 * both bindings and the personality survive exec. */
static int child_controls(const struct run_opts *o, const struct binding *b)
{
	if (o->aslr_off && personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
		return STAGE_ASLR;
	if (b->topo && hwloc_set_cpubind(b->topo, b->cpuset, HWLOC_CPUBIND_PROCESS))
		return STAGE_CPUBIND;
	if (b->topo && o->membind &&
	    hwloc_set_membind(b->topo, b->nodeset, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET))
		return STAGE_MEMBIND;
	return 0;
}

static char **child_argv(const struct run_opts *o, const struct launch *l, char *seed)
{
	char **argv = calloc(l->nargv + o->nparams + 4, sizeof(*argv));
	size_t a = 0;

	if (!argv)
		return NULL;
	for (size_t i = 0; i < l->nargv; i++)
		argv[a++] = l->argv[i];
	argv[a++] = (char *)o->path;
	argv[a++] = "--seed";
	argv[a++] = seed;
	for (size_t i = 0; i < o->nparams; i++)
		argv[a++] = (char *)o->params[i];
	return argv;
}

/* In the child between fork and exec. */
static void child(const struct run_opts *o, const struct launch *l, const struct run_cgroup *cg,
		  const struct binding *b, int go_fd, int res_w, int ack_r, int err_w, int status_w)
{
	char seed[32], fdbuf[16];
	int devnull = open("/dev/null", O_RDONLY);
	char **argv;
	char c;
	int st[2] = { STAGE_CGROUP, 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a killed harness */
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (cgroup_enter(cg))
		goto fail;
	if ((st[0] = child_controls(o, b)))
		goto fail;
	/* After the controls, so a personality launcher adds to ASLR off. */
	st[0] = STAGE_LAUNCH;
	if (launch_apply(l))
		goto fail;
	st[0] = STAGE_EXEC;
	dup2(devnull, 0);
	dup2(err_w, 1);
	dup2(err_w, 2);
	fcntl(res_w, F_SETFD, 0);
	fcntl(ack_r, F_SETFD, 0);
	snprintf(fdbuf, sizeof(fdbuf), "%d", res_w);
	setenv("HARNESS_RESULT_FD", fdbuf, 1);
	snprintf(fdbuf, sizeof(fdbuf), "%d", ack_r);
	setenv("HARNESS_ACK_FD", fdbuf, 1);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	argv = child_argv(o, l, seed);
	if (!argv)
		goto fail;
	/* Wait until the counters are attached: they start at exec. */
	if (read(go_fd, &c, 1) != 1)
		_exit(127);
	if (l->nargv)
		execvp(argv[0], argv);
	else
		execv(o->path, argv);
fail:
	st[1] = errno;
	if (write(status_w, st, sizeof(st)) < 0)
		_exit(127);
	_exit(127);
}

static int open_pipes(int fds[5][2], struct herr *err)
{
	for (int i = 0; i < 5; i++) {
		if (pipe2(fds[i], O_CLOEXEC)) {
			for (int j = 0; j < i; j++) {
				close(fds[j][0]);
				close(fds[j][1]);
			}
			return herr_errno(err, EXIT_RUNTIME, "pipe");
		}
	}
	return 0;
}

enum { P_GO, P_RES, P_ACK, P_ERR, P_STATUS };

static void set_failed(struct run_record *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_failed(struct run_record *r, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(r->status, "failed"))
		return;	/* the first reason is the cause; the rest follow from it */
	snprintf(r->status, sizeof(r->status), "failed");
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static int read_into(struct run_state *s, int *fd, int is_result)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (!is_result) {
		keep_tail(s, buf, (size_t)n);
		return 0;
	}
	if (!s->stream_failed && stream_feed(&s->stream, buf, (size_t)n, &s->stream_err)) {
		s->stream_failed = 1;
		/* A workload blocked on a region ack would wait forever. */
		kill(-s->pid, SIGKILL);
	}
	return 0;
}

static int child_exited(struct run_state *s)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)s->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid;
}

/* Poll the result stream, stderr and the child until the child has exited
 * and both pipes are closed; sample memory on the way. */
static int watch(struct run_state *s, struct herr *err)
{
	int64_t interval = (int64_t)s->o->sample_ms * 1000000LL;
	int64_t next = s->t0 + interval, deadline = 0, drain_until = 0;
	int exited = 0;

	if (s->o->timeout_s)
		deadline = s->t0 + (int64_t)s->o->timeout_s * 1000000000LL;
	while (s->res_fd >= 0 || s->err_fd >= 0 || !exited) {
		struct pollfd p[3] = {
			{ s->res_fd, POLLIN, 0 }, { s->err_fd, POLLIN, 0 },
			{ exited ? -1 : s->pidfd, POLLIN, 0 },
		};
		int64_t now = now_ns(), wait_ns = exited ? 50000000LL : next - now;

		if (signals_caught()) {
			kill(-s->pid, SIGKILL);
			return herr_set(err, EXIT_RUNTIME,
					"interrupted by signal %d; the run in progress was not stored",
					signals_caught());
		}
		if (deadline && now > deadline && !exited) {
			kill(-s->pid, SIGKILL);
			set_failed(s->r, "timeout: still running after %u s", s->o->timeout_s);
			deadline = 0;
		}
		if (s->pidfd < 0 && wait_ns > 20000000LL)
			wait_ns = 20000000LL;	/* no pidfd: notice the exit by polling */
		if (wait_ns < 0)
			wait_ns = 0;
		if (poll(p, 3, (int)(wait_ns / 1000000LL) + 1) < 0 && errno != EINTR)
			return herr_errno(err, EXIT_RUNTIME, "poll");
		if (p[0].revents)
			read_into(s, &s->res_fd, 1);
		if (p[1].revents)
			read_into(s, &s->err_fd, 0);
		if (!exited && child_exited(s)) {
			exited = 1;
			drain_until = now_ns() + 2000000000LL;
		}
		if (!exited && now_ns() >= next) {
			take_sample(s);
			next += interval * (1 + (now_ns() - next) / interval);
		}
		if (exited && now_ns() > drain_until)
			break;	/* a grandchild holds the pipes open: stop waiting for it */
	}
	return 0;
}

/* Units, kinds and directions of these are in the metric table. */
static void add_rusage(struct run_state *s, const struct rusage *ru, int64_t wall)
{
	struct metric_set *ms = &s->r->metrics;

	mset_add(ms, SCOPE_PROCESS, "mem.rss_peak", (double)ru->ru_maxrss * 1024.0);
	mset_add(ms, SCOPE_PROCESS, "rusage.minflt", (double)ru->ru_minflt);
	mset_add(ms, SCOPE_PROCESS, "rusage.majflt", (double)ru->ru_majflt);
	mset_add(ms, SCOPE_PROCESS, "rusage.nvcsw", (double)ru->ru_nvcsw);
	mset_add(ms, SCOPE_PROCESS, "rusage.nivcsw", (double)ru->ru_nivcsw);
	mset_add(ms, SCOPE_PROCESS, "time.user_s",
		 (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6);
	mset_add(ms, SCOPE_PROCESS, "time.sys_s",
		 (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6);
	mset_add(ms, SCOPE_PROCESS, "time.wall_s", (double)wall / 1e9);
}

static void add_memory(struct run_state *s)
{
	struct metric_set *ms = &s->r->metrics;

	for (size_t i = 0; i < NSAMPLED; i++) {
		char name[64];

		snprintf(name, sizeof(name), "mem.%s_peak", sampled[i]);
		if (s->have_peak[i])
			mset_add(ms, SCOPE_PROCESS, name, s->peak[i]);
		else
			mset_missing(ms, SCOPE_PROCESS, name, MS_NOT_MEASURED,
				     s->nsamples ? "this kernel's smaps_rollup/status has no such field"
						 : "the process exited before the first sample "
						   "(mark a region or lower --interval)");
	}
}

static void add_pagecache(struct run_state *s, enum metric_scope scope)
{
	struct metric_set *ms = &s->r->metrics;

	if (s->pc_state == 0)
		return;	/* the workload declared no files */
	if (s->pc_state < 0) {
		mset_missing(ms, scope, "pagecache.cached_bytes", MS_NOT_MEASURED, s->pc_reason);
		return;
	}
	mset_add(ms, scope, "pagecache.cached_bytes", (double)s->pc.cached_bytes);
	mset_add(ms, scope, "pagecache.files", (double)s->pc.files);
	mset_add(ms, scope, "pagecache.file_bytes", (double)s->pc.file_bytes);
}

static int collect(struct run_state *s, const struct rusage *ru, int64_t wall, struct herr *err)
{
	struct metric_set *ms = &s->r->metrics;
	struct counter_snapshot fin = { 0 };
	int rc = 0;

	if (counters_read(s->ctr, &fin, err) ||
	    counters_to_metrics(s->ctr, NULL, &fin, SCOPE_PROCESS, ms, err))
		rc = -1;
	if (!rc && s->region == 2 &&
	    counters_to_metrics(s->ctr, &s->reg_snap[0], &s->reg_snap[1], SCOPE_REGION, ms, err))
		rc = -1;
	counter_snapshot_free(&fin);
	if (rc)
		return -1;
	sys_snapshot_delta(&s->sys[0], &s->sys[1], SCOPE_PROCESS, ms);
	if (s->region == 2) {
		sys_snapshot_delta(&s->reg_sys[0], &s->reg_sys[1], SCOPE_REGION, ms);
		mset_add(ms, SCOPE_REGION, "time.wall_s",
			 (double)(s->region_t[1] - s->region_t[0]) / 1e9);
	}
	if (s->region != 2 && s->npaths)
		measure_pagecache(s);
	add_pagecache(s, s->region == 2 ? SCOPE_REGION : SCOPE_PROCESS);
	add_rusage(s, ru, wall);
	add_memory(s);
	counters_derive(ms, SCOPE_PROCESS, s->bytes_touched);
	if (s->region == 2)
		counters_derive(ms, SCOPE_REGION, s->bytes_touched);
	return 0;
}

/* "prctl 0x70707301 65536": the launcher as written, for a reason. */
static void launcher_text(const struct run_opts *o, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nlauncher && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? " " : "", o->launcher[i]);
}

static void judge(struct run_state *s, int wstatus, const int child_st[2])
{
	struct run_record *r = s->r;
	struct herr e;

	if (child_st[0] > 0 && child_st[0] <= STAGE_EXEC) {
		char what[300];

		launcher_text(s->o, what, sizeof(what));
		set_failed(r, "%s %s: %s", stage_what[child_st[0]],
			   child_st[0] == STAGE_LAUNCH ? what
			   : child_st[0] == STAGE_EXEC && s->launch.nargv ? s->launch.argv[0] : s->o->path,
			   strerror(child_st[1]));
		return;
	}
	r->exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	r->term_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	if (s->stream_failed)
		set_failed(r, "%s", s->stream_err.msg);
	if (r->term_signal)
		set_failed(r, "killed by signal %d (%s)%s", r->term_signal, strsignal(r->term_signal),
			   r->term_signal == SIGKILL ? "; the OOM killer sends SIGKILL too" : "");
	if (s->verify_seen && !s->verify_ok)
		set_failed(r, "verification failed: %s", s->verify_detail);
	if (r->exit_code > 0)
		set_failed(r, "exited with status %d", r->exit_code);
	if (stream_finish(&s->stream, &e))
		set_failed(r, "%s", e.msg);
	if (s->region == 1)
		set_failed(r, "the measured region was begun but never ended");
}

/* The noise controls in force, recorded whether or not they were asked
 * for. */
static void noise_settings(json_t *j, const struct run_opts *o, const struct binding *b)
{
	char gov[64], *list = NULL;
	json_t *launcher = json_array();

	runner_governor(gov, sizeof(gov));
	json_object_set_new(j, "aslr", json_string(o->aslr_off ? "off" : "on"));
	json_object_set_new(j, "drop_caches", json_boolean(o->drop_caches));
	json_object_set_new(j, "governor", *gov ? json_string(gov) : json_null());
	if (!*gov)
		json_object_set_new(j, "governor_reason", json_string("no cpufreq on this machine"));
	json_object_set_new(j, "cpus", json_string(o->cpus ? o->cpus : "none"));
	if (b->topo && hwloc_bitmap_list_asprintf(&list, b->cpuset) >= 0) {
		json_object_set_new(j, "cpuset", json_string(list));
		free(list);
		list = NULL;
	}
	if (b->topo && o->membind && hwloc_bitmap_list_asprintf(&list, b->nodeset) >= 0) {
		json_object_set_new(j, "membind_nodes", json_string(list));
		free(list);
	}
	/* exec is no launcher: [] as for a variant that names none, so the
	 * variant's stored definition does not change with the spelling. */
	for (size_t i = 0; launcher_kind(o->launcher, o->nlauncher) != LAUNCH_EXEC && i < o->nlauncher; i++)
		json_array_append_new(launcher, json_string(o->launcher[i]));
	json_object_set_new(j, "launcher", launcher);
}

static char *settings_json(const struct run_opts *o, const struct run_cgroup *cg,
			   const struct binding *b)
{
	json_t *j = json_object();
	char *thp = sysinfo_thp_settings_json(), *out, buf[64] = "";
	FILE *f = fopen("/proc/sys/kernel/randomize_va_space", "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	json_object_set_new(j, "sample_interval_ms", json_integer(o->sample_ms));
	json_object_set_new(j, "timeout_s", json_integer(o->timeout_s));
	json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(j, "randomize_va_space", json_string(buf));
	json_object_set_new(j, "cgroup", json_string(cg->usable ? cg->path : "none"));
	if (!cg->usable)
		json_object_set_new(j, "cgroup_reason", json_string(cg->reason));
	json_object_set_new(j, "thp", thp ? json_loads(thp, 0, NULL) : json_null());
	noise_settings(j, o, b);
	if (o->settings_extra) {
		json_t *extra = json_loads(o->settings_extra, 0, NULL);

		if (json_is_object(extra))
			json_object_update(j, extra);
		json_decref(extra);
	}
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	free(thp);
	return out;
}

static void state_free(struct run_state *s)
{
	for (int i = 0; i < 2; i++) {
		counter_snapshot_free(&s->reg_snap[i]);
		sys_snapshot_free(&s->sys[i]);
		sys_snapshot_free(&s->reg_sys[i]);
	}
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	stream_free(&s->stream);
	launch_free(&s->launch);
	counters_close(s->ctr);
	if (s->res_fd >= 0)
		close(s->res_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	if (s->ack_fd >= 0)
		close(s->ack_fd);
	if (s->pidfd >= 0)
		close(s->pidfd);
}

static int start(struct run_state *s, struct run_cgroup *cg, const struct binding *b,
		 int fds[5][2], struct herr *err)
{
	s->pid = fork();
	if (s->pid < 0) {
		herr_errno(err, EXIT_RUNTIME, "fork");
		for (int i = 0; i < 5; i++)
			if (i != P_STATUS) {
				close(fds[i][0]);
				close(fds[i][1]);
			}
		close(fds[P_STATUS][1]);
		return -1;
	}
	if (s->pid == 0)
		child(s->o, &s->launch, cg, b, fds[P_GO][0], fds[P_RES][1], fds[P_ACK][0], fds[P_ERR][1],
		      fds[P_STATUS][1]);
	close(fds[P_GO][0]);
	close(fds[P_RES][1]);
	close(fds[P_ACK][0]);
	close(fds[P_ERR][1]);
	close(fds[P_STATUS][1]);
	s->res_fd = fds[P_RES][0];
	s->ack_fd = fds[P_ACK][1];
	s->err_fd = fds[P_ERR][0];
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (counters_open(s->pid, s->o->events, s->o->nevents, &s->ctr, err)) {
		kill(s->pid, SIGKILL);
		return -1;
	}
	sys_snapshot_take(&s->sys[0], "");
	s->t0 = now_ns();
	s->r->started_ns = wall_ns();
	/* EPIPE: the child failed before exec (a launcher the kernel refuses,
	 * a cgroup it cannot enter) and said why on the status pipe: the run
	 * fails with that reason, the harness goes on. */
	if (write(fds[P_GO][1], "G", 1) != 1 && errno != EPIPE) {
		kill(s->pid, SIGKILL);
		return herr_errno(err, EXIT_RUNTIME, "cannot start the workload");
	}
	close(fds[P_GO][1]);
	return 0;
}

/* Page cache, dentries and inodes of earlier runs out of the way; sync
 * first so that dirty pages can go too. */
static int drop_caches(struct herr *err)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "3", 1) != 1) {
		herr_errno(err, EXIT_RUNTIME, "cannot drop caches (/proc/sys/vm/drop_caches)");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int runner_run(const struct run_opts *o, struct run_record *r, struct herr *err)
{
	struct run_state s = { .o = o, .r = r, .res_fd = -1, .err_fd = -1, .ack_fd = -1, .pidfd = -1 };
	struct run_cgroup cg;
	struct binding b;
	struct rusage ru;
	int fds[5][2], wstatus = 0, child_st[2] = { 0, 0 }, rc;

	if (launch_prepare(o->launcher, o->nlauncher, &s.launch, err))
		return -1;
	if (o->drop_caches && drop_caches(err))
		goto fail_launch;
	if (binding_prepare(o, &b, err))
		goto fail_launch;
	for (int i = 0; i < 2; i++) {
		sys_snapshot_init(&s.sys[i]);
		sys_snapshot_init(&s.reg_sys[i]);
	}
	stream_init(&s.stream, on_message, &s);
	if (open_pipes(fds, err)) {
		binding_free(&b);
		goto fail_launch;
	}
	if (o->use_cgroup)
		cgroup_create(&cg, r->id);
	else
		cgroup_skip(&cg, "no cgroup for this run (--no-cgroup)");
	s.cg = &cg;
	r->settings_json = settings_json(o, &cg, &b);
	rc = start(&s, &cg, &b, fds, err);
	if (rc == 0)
		rc = watch(&s, err);
	if (s.pid > 0) {
		while (wait4(s.pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
			;
		r->ended_ns = wall_ns();
		if (read(fds[P_STATUS][0], child_st, sizeof(child_st)) != sizeof(child_st))
			child_st[0] = 0;
	}
	close(fds[P_STATUS][0]);
	if (rc == 0) {
		sys_snapshot_take(&s.sys[1], "");
		judge(&s, wstatus, child_st);
		rc = collect(&s, &ru, now_ns() - s.t0, err);
		cgroup_collect(&cg, CGROUP_EXIT, &r->metrics);
	}
	if (rc == 0 && s.tail_len)
		r->stderr_tail = strndup(s.tail, s.tail_len);
	if (rc == 0 && strcmp(r->status, "ok")) {
		/* Nothing partial: a failed run keeps its reason, not its numbers. */
		mset_free(&r->metrics);
		mset_init(&r->metrics);
	}
	cgroup_destroy(&cg);
	state_free(&s);
	binding_free(&b);
	return rc;
fail_launch:
	launch_free(&s.launch);
	return -1;
}
