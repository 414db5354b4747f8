/* Machine and kernel metadata for the store: what the numbers of a run were
 * measured on. Anything that cannot be read is left empty or zero rather
 * than failing the run; only out of memory and uname() are errors. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/fileio.h"
#include "measure/sysinfo.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define SYS_CACHESTAT 451	/* the same number on every architecture */

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

void sysinfo_hash_hex(const char *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}

/* Arm Ltd. (implementer 0x41) cores worth a name; others print as hex. */
static const struct { int part; const char *name; } arm_parts[] = {
	{ 0xd03, "Cortex-A53" }, { 0xd05, "Cortex-A55" }, { 0xd07, "Cortex-A57" },
	{ 0xd08, "Cortex-A72" }, { 0xd0b, "Cortex-A76" }, { 0xd0c, "Neoverse-N1" },
	{ 0xd40, "Neoverse-V1" }, { 0xd49, "Neoverse-N2" }, { 0xd4f, "Neoverse-V2" },
};

static void cpu_name(int impl, int part, char *out, size_t size)
{
	if (impl == 0x41)
		for (size_t i = 0; i < sizeof(arm_parts) / sizeof(arm_parts[0]); i++)
			if (arm_parts[i].part == part) {
				snprintf(out, size, "Arm %s", arm_parts[i].name);
				return;
			}
	if (impl == 0x41)
		snprintf(out, size, "arm 0x%03x", part);
	else
		snprintf(out, size, "implementer 0x%02x part 0x%03x", impl, part);
}

/* The value of "key<spaces>: value" on line, or NULL. */
static const char *field(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n))
		return NULL;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == ':' ? line + 1 : NULL;
}

/* Heterogeneous arm64 systems list several parts; the first core's MIDR is
 * kept in the fields, and every distinct core named in cpu_model. */
static void add_arm_core(struct machine_info *m, int impl, int part)
{
	char name[64];
	size_t len = strlen(m->cpu_model);

	if (m->midr_implementer < 0) {
		m->midr_implementer = impl;
		m->midr_part = part;
	}
	cpu_name(impl, part, name, sizeof(name));
	if (strstr(m->cpu_model, name))
		return;
	snprintf(m->cpu_model + len, sizeof(m->cpu_model) - len, "%s%s", len ? " + " : "", name);
}

void sysinfo_parse_cpuinfo(const char *text, struct machine_info *m)
{
	int impl = -1;
	const char *v;

	m->cpu_model[0] = '\0';
	m->midr_implementer = m->midr_part = -1;
	for (const char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : NULL;
		if ((v = field(line, "model name")) && !m->cpu_model[0] && impl < 0) {
			v += strspn(v, " \t");
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%.*s", (int)strcspn(v, "\n"), v);
		} else if ((v = field(line, "CPU implementer"))) {
			impl = (int)strtol(v, NULL, 0);
		} else if ((v = field(line, "CPU part")) && impl >= 0) {
			if (m->midr_implementer < 0)
				m->cpu_model[0] = '\0';	/* MIDR names beat "model name" */
			add_arm_core(m, impl, (int)strtol(v, NULL, 0));
			impl = -1;
		}
	}
	if (!m->cpu_model[0])
		snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
}

static void machine_identity(struct machine_info *m)
{
	char mid[128] = "";

	if (gethostname(m->hostname, sizeof(m->hostname) - 1))
		snprintf(m->hostname, sizeof(m->hostname), "unknown");
	/* machine-id survives hostname changes; without one (containers,
	 * minimal guests) the hostname is the best stable name there is. */
	if (file_read_line("/etc/machine-id", mid, sizeof(mid)) || !mid[0])
		snprintf(mid, sizeof(mid), "%s", m->hostname);
	sysinfo_hash_hex(mid, m->id);
}

static uint64_t meminfo_total(void)
{
	char *text = file_read_all("/proc/meminfo");
	unsigned long long kb = 0;
	const char *p = text ? strstr(text, "MemTotal:") : NULL;

	if (p)
		sscanf(p, "MemTotal: %llu kB", &kb);
	free(text);
	return kb * 1024;
}

static const char *cache_type_name(hwloc_obj_cache_type_t t)
{
	return t == HWLOC_OBJ_CACHE_DATA ? "data" :
	       t == HWLOC_OBJ_CACHE_INSTRUCTION ? "instruction" : "unified";
}

/* Caches grouped by (level, type, size): on big.LITTLE the same level
 * comes in two sizes. */
static void add_cache(json_t *caches, const struct hwloc_cache_attr_s *c)
{
	size_t i;
	json_t *e;

	json_array_foreach(caches, i, e) {
		if (json_integer_value(json_object_get(e, "level")) == c->depth &&
		    !strcmp(json_string_value(json_object_get(e, "type")), cache_type_name(c->type)) &&
		    (uint64_t)json_integer_value(json_object_get(e, "size_bytes")) == c->size) {
			json_object_set_new(e, "count",
					    json_integer(json_integer_value(json_object_get(e, "count")) + 1));
			return;
		}
	}
	json_array_append_new(caches, json_pack("{s:i, s:s, s:I, s:i, s:i}", "level", (int)c->depth,
						"type", cache_type_name(c->type),
						"size_bytes", (json_int_t)c->size,
						"line_size", (int)c->linesize, "count", 1));
}

static json_t *topo_caches(hwloc_topology_t topo)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L2CACHE,
		HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	json_t *caches = json_array();

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		hwloc_obj_t o = NULL;

		while ((o = hwloc_get_next_obj_by_type(topo, types[t], o)))
			add_cache(caches, &o->attr->cache);
	}
	return caches;
}

static json_t *topo_numa(hwloc_topology_t topo)
{
	json_t *nodes = json_array();
	hwloc_obj_t o = NULL;

	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o))) {
		char *cpus = NULL;

		if (o->cpuset)
			hwloc_bitmap_list_asprintf(&cpus, o->cpuset);
		json_array_append_new(nodes, json_pack("{s:i, s:I, s:s}", "os_index", (int)o->os_index,
						       "local_memory_bytes", (json_int_t)o->attr->numanode.local_memory,
						       "cpus", cpus ? cpus : ""));
		free(cpus);
	}
	return nodes;
}

static int count_type(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(topo, type);

	return n < 0 ? 0 : n;
}

/* Counts and a JSON summary; on failure only the PU count from sysconf,
 * and the reason in topology_json, since a run is still worth keeping. */
static void machine_topology(struct machine_info *m)
{
	hwloc_topology_t topo;
	json_t *j;

	if (hwloc_topology_init(&topo))
		goto fail;
	hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL);
	if (hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		goto fail;
	}
	m->packages = count_type(topo, HWLOC_OBJ_PACKAGE);
	m->cores = count_type(topo, HWLOC_OBJ_CORE);
	m->pus = count_type(topo, HWLOC_OBJ_PU);
	m->numa_nodes = count_type(topo, HWLOC_OBJ_NUMANODE);
	j = json_pack("{s:o, s:o}", "numa_nodes", topo_numa(topo), "caches", topo_caches(topo));
	m->topology_json = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	hwloc_topology_destroy(topo);
	return;
fail:
	m->pus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	m->topology_json = strdup("{\"error\":\"hwloc could not load the topology\"}");
}

static int collect_machine(struct machine_info *m, const struct utsname *u, struct herr *err)
{
	char *cpuinfo = file_read_all("/proc/cpuinfo");

	machine_identity(m);
	snprintf(m->arch, sizeof(m->arch), "%s", u->machine);
	sysinfo_parse_cpuinfo(cpuinfo ? cpuinfo : "", m);
	free(cpuinfo);
	m->mem_total_bytes = meminfo_total();
	machine_topology(m);
	if (!m->topology_json)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Size in bytes from a "hugepages-<N>kB" name; 0 for other names. */
static uint64_t mthp_dir_size(const char *name)
{
	unsigned long long kb;
	int end = 0;

	if (sscanf(name, "hugepages-%llukB%n", &kb, &end) != 1 || name[end])
		return 0;
	return (uint64_t)kb * 1024;
}

/* Every hugepages-<N>kB directory, ascending; n = 0 without THP. */
static uint64_t *mthp_sizes(size_t *n)
{
	DIR *d = opendir(THP_DIR);
	uint64_t *v = NULL;
	struct dirent *e;

	*n = 0;
	while (d && (e = readdir(d))) {
		uint64_t sz = mthp_dir_size(e->d_name);
		uint64_t *grown;

		if (!sz || !(grown = realloc(v, (*n + 1) * sizeof(*v))))
			continue;
		v = grown;
		v[(*n)++] = sz;
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_u64);
	return v;
}

static char *mthp_sizes_json(void)
{
	size_t n;
	uint64_t *v = mthp_sizes(&n);
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	free(v);
	return s;
}

/* cachestat(2) with a zero-length range on any open file: ENOSYS is the
 * only answer that means the kernel lacks it (a seccomp filter or an odd
 * file system may refuse with another error, but the call exists). */
static int probe_cachestat(void)
{
	struct { uint64_t off, len; } range = { 0, 0 };
	uint64_t cs[8];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), saved;
	FILE *f = NULL;
	long rc;

	if (fd < 0 && (f = tmpfile()))
		fd = fileno(f);
	if (fd < 0)
		return 0;
	rc = syscall(SYS_CACHESTAT, fd, &range, cs, 0);
	saved = errno;
	if (f)
		fclose(f);
	else
		close(fd);
	return rc == 0 || saved != ENOSYS;
}

static int collect_kernel(struct kernel_info *k, const struct utsname *u, struct herr *err)
{
	char pmd[32] = "", *idtext = NULL;

	snprintf(k->release, sizeof(k->release), "%s", u->release);
	snprintf(k->version, sizeof(k->version), "%s", u->version);
	snprintf(k->arch, sizeof(k->arch), "%s", u->machine);
	k->cmdline = file_read_all("/proc/cmdline");
	if (!k->cmdline)
		k->cmdline = strdup("");
	else
		trim(k->cmdline);
	k->page_size = sysconf(_SC_PAGESIZE);
	if (file_read_line(THP_DIR "/hpage_pmd_size", pmd, sizeof(pmd)) == 0)
		k->pmd_size = strtoull(pmd, NULL, 10);
	k->mthp_sizes = mthp_sizes_json();
	k->has_cachestat = probe_cachestat();
	if (!k->cmdline || !k->mthp_sizes ||
	    asprintf(&idtext, "%s\n%s\n%s\n%s\n%ld", k->release, k->version, k->arch,
		     k->cmdline, k->page_size) < 0)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	sysinfo_hash_hex(idtext, k->id);
	free(idtext);
	return 0;
}

int sysinfo_collect(struct machine_info *m, struct kernel_info *k, struct herr *err)
{
	struct utsname u;

	memset(m, 0, sizeof(*m));
	memset(k, 0, sizeof(*k));
	if (uname(&u))
		return herr_errno(err, EXIT_RUNTIME, "uname");
	if (collect_machine(m, &u, err) || collect_kernel(k, &u, err)) {
		sysinfo_free(m, k);
		return -1;
	}
	return 0;
}

void sysinfo_kernel_source(struct kernel_info *k, const char *source)
{
	char *text = NULL;

	if (!source || !*source || k->source[0])
		return;
	snprintf(k->source, sizeof(k->source), "%s", source);
	if (asprintf(&text, "%s\nsource %s", k->id, k->source) >= 0)
		sysinfo_hash_hex(text, k->id);
	free(text);
}

void sysinfo_free(struct machine_info *m, struct kernel_info *k)
{
	if (m) {
		free(m->topology_json);
		m->topology_json = NULL;
	}
	if (k) {
		free(k->cmdline);
		free(k->mthp_sizes);
		k->cmdline = k->mthp_sizes = NULL;
	}
}

/* A sysfs setting as JSON: the bracketed choice of "always [madvise]
 * never", an integer when it is one, else the text. */
static json_t *setting_value(char *text)
{
	char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;
	char *end;
	long long n;

	if (open && close) {
		*close = '\0';
		return json_string(open + 1);
	}
	errno = 0;
	n = strtoll(text, &end, 10);
	if (*text && !*end && !errno)
		return json_integer(n);
	return json_string(text);
}

/* Statistics that live among the khugepaged tunables: counters move on
 * their own and would make every run's settings differ. */
static int is_statistic(const char *name)
{
	return !strcmp(name, "pages_collapsed") || !strcmp(name, "full_scans");
}

/* Every readable regular file of dir as name -> setting, in name order.
 * Write-only or permission-protected files are skipped. */
static json_t *dir_settings(const char *dir)
{
	struct dirent **list;
	json_t *obj = json_object();
	int n = scandir(dir, &list, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[512], text[256];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (list[i]->d_name[0] != '.' && !is_statistic(list[i]->d_name) &&
		    stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    file_read_line(path, text, sizeof(text)) == 0)
			json_object_set_new(obj, list[i]->d_name, setting_value(text));
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return obj;
}

/* Per-size settings keyed "64kB", in ascending size. */
static json_t *size_settings(void)
{
	size_t n;
	uint64_t *v = mthp_sizes(&n);
	json_t *sizes = json_object();

	for (size_t i = 0; i < n; i++) {
		char key[32], dir[128];

		snprintf(key, sizeof(key), "%" PRIu64 "kB", v[i] / 1024);
		snprintf(dir, sizeof(dir), THP_DIR "/hugepages-%s", key);
		json_object_set_new(sizes, key, dir_settings(dir));
	}
	free(v);
	return sizes;
}

char *sysinfo_thp_settings_json(void)
{
	struct stat sb;
	json_t *obj;
	char *s;

	if (stat(THP_DIR, &sb))
		return strdup("{}");
	obj = dir_settings(THP_DIR);
	json_object_set_new(obj, "khugepaged", dir_settings(THP_DIR "/khugepaged"));
	json_object_set_new(obj, "sizes", size_settings());
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	return s;
}
