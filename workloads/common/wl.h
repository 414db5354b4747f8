/* The common workload API (docs/protocol.md): one parameter table per
 * workload drives parsing, --help, --list-params and --check; results go
 * out as a framed JSON-lines stream. */
#ifndef WL_H
#define WL_H

#include <stddef.h>
#include <stdint.h>

enum wl_type { WL_SIZE, WL_INT, WL_DOUBLE, WL_STRING, WL_ENUM, WL_BOOL };

struct wl_param {
	const char *name;
	enum wl_type type;
	const char *def;	/* default, as text */
	const char *unit;	/* "bytes", "count", "s", ... */
	const char *help;
	/* WL_ENUM: "a|b|c". WL_SIZE/WL_INT/WL_DOUBLE: optional range
	 * "MIN..MAX" written like values ("4k..1g", "1..", "..100"),
	 * checked by --check and shown by --help/--list-params. */
	const char *choices;
};

/* Parsed values, indexed like the table. */
struct wl_value {
	const char *text;	/* as given or default */
	uint64_t size;		/* WL_SIZE: bytes; WL_INT/WL_BOOL: value */
	int64_t i;		/* WL_INT/WL_BOOL/WL_SIZE: value; WL_ENUM: index */
	double d;		/* every numeric type */
};

struct wl_spec {
	const char *name;
	const char *summary;
	const struct wl_param *params;
	size_t nparams;
	/* Run the workload. Returns 0, or non-zero after wl_fail(). */
	int (*run)(const struct wl_value *v, uint64_t seed);
};

/* main() of every workload: `int main(int c, char **v) { return wl_main(&spec, c, v); }` */
int wl_main(const struct wl_spec *spec, int argc, char **argv);

/* Accessors by name (abort on a name the table lacks: programming error). */
uint64_t wl_size(const struct wl_value *v, const char *name);
int64_t wl_int(const struct wl_value *v, const char *name);
double wl_double(const struct wl_value *v, const char *name);
const char *wl_str(const struct wl_value *v, const char *name);

/* Stream messages. */
void wl_region_begin(void);
void wl_region_end(void);
void wl_path(const char *path);
void wl_metric(const char *name, double value, const char *unit,
	       const char *kind, const char *better);
void wl_verify(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a one-line error to stderr and return 1 (for run() to return). */
int wl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A parameter found unusable only at run time (e.g. dir on tmpfs): print
 * "NAME: parameter PARAM: msg" and return 1; wl_main then exits 2. */
int wl_param_fail(const char *param, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Page size and PMD size, read at run time. pmd_size 0 without THP. */
long wl_page_size(void);
uint64_t wl_pmd_size(void);
/* Monotonic time in ns. */
uint64_t wl_now_ns(void);
/* Deterministic PRNG (splitmix64) seeded from --seed; any state works. */
uint64_t wl_rand_next(uint64_t *state);

/* Helpers of the workload suite. Each returns what it says or fails
 * without printing, unless it says it calls wl_fail/wl_param_fail. */

/* A string parameter check the table cannot express (a size list): 0, or
 * -1 with err filled with the part after "parameter NAME: ". */
struct wl_check {
	const char *param;
	int (*check)(const char *text, char *err, size_t errlen);
};

/* wl_main with checks that --check applies too, so bad values exit 2
 * before anything runs (wl_list.c). */
int wl_main_checked(const struct wl_spec *spec, const struct wl_check *checks,
		    size_t nchecks, int argc, char **argv);

/* "LO..HI" (LO may equal HI) or one size "S" (LO = HI = S). */
int wl_parse_size_range(const char *text, uint64_t *lo, uint64_t *hi,
			char *err, size_t errlen);
/* A list of sizes: "a,b,c", "LO..HI" (doubling), "LO..HI:xF" (factor F >= 2)
 * or "LO..HI:+STEP". *out is malloc'ed, ascending as written; at most
 * WL_LIST_MAX entries. An empty text gives n = 0. */
#define WL_LIST_MAX 4096
int wl_parse_size_list(const char *text, uint64_t **out, size_t *n,
		       char *err, size_t errlen);
/* wl_check adapters for the two forms above. */
int wl_check_size_range(const char *text, char *err, size_t errlen);
int wl_check_size_list(const char *text, char *err, size_t errlen);
/* A size range whose low end is a multiple of 8: strides and blocks that
 * are walked in 64-bit words (pointers, summed words). */
int wl_check_size_range_words(const char *text, char *err, size_t errlen);

/* Memory (wl_mm.c). An anonymous private mapping of len bytes starting at
 * a multiple of align (a power of two, at least the page size); *map and
 * *maplen are what munmap needs. NULL after wl_fail(). */
void *wl_map_aligned(size_t len, size_t align, void **map, size_t *maplen);
/* The "pages" parameter of several workloads: "default" no advice, "base"
 * MADV_NOHUGEPAGE, "thp" and "mthp" MADV_HUGEPAGE. -1 with errno set. */
int wl_advise_pages(void *addr, size_t len, const char *pages);
/* Whether anonymous folios of this size can be allocated in a
 * MADV_HUGEPAGE range: hugepages-<N>kB/enabled is always or madvise, or
 * inherit with the global enabled always or madvise. */
int wl_thp_size_enabled(uint64_t bytes);
/* The smallest such size below the PMD size, 0 if none. */
uint64_t wl_mthp_size_enabled(void);
/* A "Name: N kB" field of /proc/self/smaps for the mapping containing
 * addr, in bytes; -1 if not found. */
int64_t wl_smaps_bytes(const void *addr, const char *field);
/* How many of the unit-aligned ranges of [addr, addr+len) are each one
 * folio of exactly unit bytes, from /proc/self/pagemap and
 * /proc/kpageflags (the only view of sub-PMD folios of one mapping; needs
 * CAP_SYS_ADMIN for the frame numbers). -1 when they cannot be read. */
int64_t wl_folio_units(const void *addr, uint64_t len, uint64_t unit);
/* Resident bytes of this process (/proc/self/statm); -1 on error. */
int64_t wl_rss_bytes(void);
/* A "Name: N kB" line of /proc/self/status (VmPTE, VmRSS), in bytes; -1
 * if absent. */
int64_t wl_status_bytes(const char *field);
/* One counter of /proc/vmstat; -1 if absent. */
int64_t wl_vmstat(const char *name);

/* Per-size THP statistics: every hugepages-<N>kB/stats/<name> file. */
struct wl_thp_stat {
	uint64_t kb;
	char name[48];
	uint64_t value;
};

struct wl_thp_stats {
	struct wl_thp_stat *e;
	size_t n;
};

/* 0, or -1 (no per-size stats here: n = 0, not an error for callers). */
int wl_thp_stats_read(struct wl_thp_stats *s);
/* Value of size kb's stat name, 0 when absent. */
uint64_t wl_thp_stat(const struct wl_thp_stats *s, uint64_t kb, const char *name);
/* One counter metric "PREFIX<N>kB.<name>" per statistic that changed. */
void wl_thp_stats_report(const struct wl_thp_stats *before,
			 const struct wl_thp_stats *after, const char *prefix);
void wl_thp_stats_free(struct wl_thp_stats *s);

/* Thread binding (wl_bind.c, hwloc). The topology, NULL on failure. */
void *wl_topology_open(void);
void wl_topology_close(void *topo);
/* Bind the calling thread to core i mod cores (PUs without cores); -1 on failure. */
int wl_bind_thread(void *topo, int i);

/* Files (wl_file.c). A directory whose clean pages can be evicted: not
 * tmpfs or ramfs. Calls wl_param_fail(param, ...) otherwise. */
int wl_check_disk_dir(const char *param, const char *dir);
/* The same as a wl_check, so --check refuses it (exit 2) before a run
 * starts; also a directory that is missing, not one, or not writable.
 * Passes everything when $HARNESS_WL_REMOTE is 1 (checked for a guest). */
int wl_check_disk_dir_text(const char *dir, char *err, size_t errlen);
/* Page-cache bytes of the file's first len bytes: cachestat(2), else
 * mincore(2); *via names the method. -1 on error. */
int64_t wl_cached_bytes(int fd, uint64_t len, const char **via);
/* Write back and drop the file's pages from the page cache. -1 with errno. */
int wl_evict(int fd);
/* write(2) until all of buf is written; -1 with errno. */
int wl_write_full(int fd, const void *buf, size_t len);

#endif
