#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "measure/metric_table.h"
#include "measure/procfs.h"

void kv_init(struct kv_set *s)
{
	memset(s, 0, sizeof(*s));
}

void kv_free(struct kv_set *s)
{
	free(s->key);
	free(s->val);
	kv_init(s);
}

int kv_put(struct kv_set *s, const char *key, double val)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		void *k = realloc(s->key, ncap * sizeof(*s->key));

		if (!k)
			return -1;
		s->key = k;
		k = realloc(s->val, ncap * sizeof(*s->val));
		if (!k)
			return -1;
		s->val = k;
		s->cap = ncap;
	}
	snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
	s->val[s->n++] = val;
	return 0;
}

const double *kv_get(const struct kv_set *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key))
			return &s->val[i];
	return NULL;
}

static int parse_line(const char *line, struct kv_set *out)
{
	char key[80], unit[8] = "";
	unsigned long long v;
	size_t k = 0;
	const char *p = line;

	while (*p && *p != ':' && !isspace((unsigned char)*p) && k + 1 < sizeof(key))
		key[k++] = *p++;
	key[k] = '\0';
	if (!k)
		return 0;
	if (*p == ':')
		p++;
	if (sscanf(p, " %llu %7s", &v, unit) < 1)
		return 0;
	return kv_put(out, key, !strcmp(unit, "kB") ? (double)v * 1024.0 : (double)v);
}

int kv_parse(const char *text, struct kv_set *out)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char buf[256];
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (parse_line(buf, out))
			return -1;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int kv_read_file(const char *path, struct kv_set *out)
{
	char *text = file_read_all(path);
	int rc;

	if (!text)
		return -1;
	rc = kv_parse(text, out);
	free(text);
	return rc;
}

void sys_snapshot_init(struct sys_snapshot *s)
{
	kv_init(&s->vmstat);
	kv_init(&s->meminfo);
	kv_init(&s->thp);
}

void sys_snapshot_free(struct sys_snapshot *s)
{
	kv_free(&s->vmstat);
	kv_free(&s->meminfo);
	kv_free(&s->thp);
}

/* Read every single-number file in dir as "<prefix>.<file>". */
static int read_counter_dir(const char *dir, const char *prefix, struct kv_set *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[512], key[80], *text;
		char *end;
		double v;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		text = file_read_all(path);
		if (!text)
			continue;
		v = strtod(text, &end);
		if (end != text && (*end == '\n' || !*end)) {
			snprintf(key, sizeof(key), "%s.%s", prefix, e->d_name);
			if (kv_put(out, key, v)) {
				free(text);
				closedir(d);
				return -1;
			}
		}
		free(text);
	}
	closedir(d);
	return 0;
}

static int read_thp(const char *root, struct kv_set *out)
{
	char dir[512];
	DIR *d;
	struct dirent *e;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/sys/kernel/mm/transparent_hugepage", root);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		char sub[800];

		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/stats", dir, e->d_name);
		rc = read_counter_dir(sub, e->d_name, out);
	}
	closedir(d);
	if (!rc) {
		char sub[800];

		snprintf(sub, sizeof(sub), "%s/khugepaged", dir);
		rc = read_counter_dir(sub, "khugepaged", out);
	}
	return rc;
}

int sys_snapshot_take(struct sys_snapshot *s, const char *root)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/proc/vmstat", root);
	if (kv_read_file(path, &s->vmstat) && errno != ENOENT)
		return -1;
	snprintf(path, sizeof(path), "%s/proc/meminfo", root);
	if (kv_read_file(path, &s->meminfo) && errno != ENOENT)
		return -1;
	return read_thp(root, &s->thp);
}

/* Units and kinds come from the metric table: vmstat's and the per-size
 * THP stats' nr_* entries are gauges (current counts), the rest event
 * counters, meminfo all sizes. The khugepaged directory also holds
 * tunables, which are settings, not counters: only the khugepaged names
 * the table lists are stored. */
static int add_deltas(const struct kv_set *b, const struct kv_set *e, const char *prefix,
		      enum metric_scope scope, struct metric_set *ms)
{
	for (size_t i = 0; i < e->n; i++) {
		const double *bv = kv_get(b, e->key[i]);
		char name[96];

		if (!bv)
			continue;
		snprintf(name, sizeof(name), "%s.%s", prefix, e->key[i]);
		if (!strncmp(e->key[i], "khugepaged.", 11) && !metric_def_find(name))
			continue;
		if (!mset_add(ms, scope, name, e->val[i] - *bv))
			return -1;
	}
	return 0;
}

int sys_snapshot_delta(const struct sys_snapshot *begin, const struct sys_snapshot *end,
		       enum metric_scope scope, struct metric_set *ms)
{
	if (add_deltas(&begin->vmstat, &end->vmstat, "vmstat", scope, ms) ||
	    add_deltas(&begin->meminfo, &end->meminfo, "meminfo", scope, ms) ||
	    add_deltas(&begin->thp, &end->thp, "thp", scope, ms))
		return -1;
	return 0;
}

int proc_sample(pid_t pid, struct kv_set *out)
{
	char path[64];
	struct kv_set status;
	static const char *const keep[] = { "VmPTE", "VmRSS", "VmHWM" };

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (kv_read_file(path, out))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	kv_init(&status);
	if (kv_read_file(path, &status)) {
		kv_free(&status);
		return -1;
	}
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const double *v = kv_get(&status, keep[i]);

		if (v && kv_put(out, keep[i], *v)) {
			kv_free(&status);
			return -1;
		}
	}
	kv_free(&status);
	return 0;
}
