#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "measure/cgroup.h"
#include "measure/metric_table.h"
#include "measure/procfs.h"

/* memory.stat fields reported as metrics ("cgroup.<field>" in the metric
 * table, which says which are sizes and which events). */
static const char *const stat_fields[] = {
	"anon", "file", "kernel", "kernel_stack", "pagetables", "shmem",
	"file_mapped", "anon_thp", "file_thp", "shmem_thp", "pgfault",
	"pgmajfault", "thp_fault_alloc", "thp_collapse_alloc",
};

static int find_cgroup2_mount(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], dir[512], type[64];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fscanf(f, "%255s %511s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2")) {
			snprintf(out, n, "%s", dir);
			found = 1;
		}
	fclose(f);
	return found ? 0 : -1;
}

static int file_has_word(const char *path, const char *word)
{
	char buf[1024], *tok, *save;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return 1;
	return 0;
}

static void unusable(struct run_cgroup *cg, const char *why)
{
	cg->usable = 0;
	snprintf(cg->reason, sizeof(cg->reason), "%s", why);
}

void cgroup_skip(struct run_cgroup *cg, const char *why)
{
	memset(cg, 0, sizeof(*cg));
	unusable(cg, why);
}

void cgroup_create(struct run_cgroup *cg, const char *run_id)
{
	char path[700];

	memset(cg, 0, sizeof(*cg));
	if (find_cgroup2_mount(cg->parent, sizeof(cg->parent)))
		return unusable(cg, "no cgroup v2 hierarchy is mounted");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", cg->parent);
	if (!file_has_word(path, "memory"))
		return unusable(cg, "the cgroup v2 hierarchy has no memory controller "
				    "(it is bound to a cgroup v1 hierarchy)");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg->parent);
	if (!file_has_word(path, "memory")) {
		if (file_write_text(path, "+memory"))
			return unusable(cg, "cannot enable the memory controller for child cgroups");
		cg->enabled_memory = 1;
	}
	snprintf(cg->path, sizeof(cg->path), "%s/harness-%.8s-%d", cg->parent, run_id, (int)getpid());
	if (mkdir(cg->path, 0755)) {
		snprintf(path, sizeof(path), "cannot create a cgroup under %s: %s",
			 cg->parent, strerror(errno));
		cgroup_destroy(cg);
		return unusable(cg, path);
	}
	cg->usable = 1;
}

int cgroup_enter(const struct run_cgroup *cg)
{
	char path[600];

	if (!cg->usable)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	return file_write_text(path, "0");
}

static int read_number(const char *path, double *out)
{
	FILE *f = fopen(path, "re");
	unsigned long long v;
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	*out = (double)v;
	return ok ? 0 : -1;
}

/* Event counts (kind counter in the metric table) are read after exit,
 * sizes at the region's end. */
static int is_event(const char *field)
{
	char name[96];
	const struct metric_def *d;

	snprintf(name, sizeof(name), "cgroup.%s", field);
	d = metric_def_find(name);
	return d && d->kind == KIND_COUNTER;
}

static void add_field(struct metric_set *ms, enum metric_scope scope, const char *field,
		      const double *v, const char *why_missing)
{
	char name[96];

	snprintf(name, sizeof(name), "cgroup.%s", field);
	if (v)
		mset_add(ms, scope, name, *v);
	else
		mset_missing(ms, scope, name, MS_NOT_MEASURED, why_missing);
}

/* Sizes (anon, file, pagetables, ...) mean something only while the
 * workload holds its memory: they are read at the region's end, when it
 * waits for the harness. Event counts and memory.peak are read after exit,
 * when they are complete. */
void cgroup_collect(const struct run_cgroup *cg, enum cgroup_moment when, struct metric_set *ms)
{
	enum metric_scope scope = when == CGROUP_REGION_END ? SCOPE_REGION : SCOPE_PROCESS;
	size_t nf = sizeof(stat_fields) / sizeof(stat_fields[0]);
	const char *why = cg->usable ? "memory.stat unreadable" : cg->reason;
	struct kv_set stat;
	double peak_bytes;
	char path[600];
	int have;

	kv_init(&stat);
	snprintf(path, sizeof(path), "%s/memory.stat", cg->path);
	have = cg->usable && kv_read_file(path, &stat) == 0;
	for (size_t i = 0; i < nf; i++) {
		if (is_event(stat_fields[i]) != (when == CGROUP_EXIT))
			continue;
		add_field(ms, scope, stat_fields[i], have ? kv_get(&stat, stat_fields[i]) : NULL,
			  have ? "memory.stat has no such field on this kernel" : why);
	}
	kv_free(&stat);
	if (when != CGROUP_EXIT)
		return;
	snprintf(path, sizeof(path), "%s/memory.peak", cg->path);
	if (cg->usable && read_number(path, &peak_bytes) == 0)
		mset_add(ms, SCOPE_PROCESS, "cgroup.memory_peak", peak_bytes);
	else
		mset_missing(ms, SCOPE_PROCESS, "cgroup.memory_peak", MS_NOT_MEASURED,
			     cg->usable ? "memory.peak unreadable (kernel before 5.19?)" : cg->reason);
}

void cgroup_destroy(struct run_cgroup *cg)
{
	char path[600];

	if (cg->path[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", cg->path);
		file_write_text(path, "1");	/* leftovers the workload forked and forgot */
		for (int i = 0; i < 100 && rmdir(cg->path) && errno == EBUSY; i++)
			usleep(10000);
		cg->path[0] = '\0';
	}
	if (cg->enabled_memory) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg->parent);
		file_write_text(path, "-memory");	/* may be busy if others use it: leave it then */
		cg->enabled_memory = 0;
	}
	cg->usable = 0;
}
