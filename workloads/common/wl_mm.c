/* Memory helpers of the workload suite: aligned anonymous mappings, the
 * "pages" madvise choice, which THP sizes are usable, and the process's
 * own view of its memory (/proc/self/smaps, statm, /proc/vmstat, the
 * per-size THP statistics). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl_internal.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

void *wl_map_aligned(size_t len, size_t align, void **map, size_t *maplen)
{
	uintptr_t start;

	*maplen = len + align;
	*map = mmap(NULL, *maplen, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*map == MAP_FAILED) {
		*map = NULL;
		wl_fail("cannot map %zu bytes: %m", len);
		return NULL;
	}
	start = ((uintptr_t)*map + align - 1) & ~(uintptr_t)(align - 1);
	return (void *)start;
}

int wl_advise_pages(void *addr, size_t len, const char *pages)
{
	if (!strcmp(pages, "base"))
		return madvise(addr, len, MADV_NOHUGEPAGE);
	if (!strcmp(pages, "thp") || !strcmp(pages, "mthp"))
		return madvise(addr, len, MADV_HUGEPAGE);
	return 0;
}

/* The bracketed choice of a THP "enabled" file, "" if unreadable. */
static void read_choice(const char *path, char *out, size_t len)
{
	char line[256], *l, *r;
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (l = strchr(line, '[')) && (r = strchr(l, ']'))) {
		*r = '\0';
		snprintf(out, len, "%s", l + 1);
	}
	fclose(f);
}

static int madvise_allows(const char *choice)
{
	return !strcmp(choice, "always") || !strcmp(choice, "madvise");
}

int wl_thp_size_enabled(uint64_t bytes)
{
	char path[128], choice[32];

	snprintf(path, sizeof(path), THP_DIR "/hugepages-%" PRIu64 "kB/enabled", bytes >> 10);
	read_choice(path, choice, sizeof(choice));
	if (!choice[0] && bytes == wl_pmd_size() && bytes)
		read_choice(THP_DIR "/enabled", choice, sizeof(choice));	/* before 6.8 */
	else if (!strcmp(choice, "inherit"))
		read_choice(THP_DIR "/enabled", choice, sizeof(choice));
	return madvise_allows(choice);
}

uint64_t wl_mthp_size_enabled(void)
{
	uint64_t pmd = wl_pmd_size();

	for (uint64_t b = (uint64_t)wl_page_size() * 2; b < pmd; b *= 2)
		if (wl_thp_size_enabled(b))
			return b;
	return 0;
}

/* Whether an smaps header line "start-end perms ..." covers addr. */
static int vma_covers(const char *line, uintptr_t addr)
{
	uintptr_t lo, hi;

	return sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2 && lo <= addr && addr < hi;
}

int64_t wl_smaps_bytes(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t flen = strlen(field);
	char line[4352];	/* a header line ends with a path of up to PATH_MAX */
	int inside = 0;
	int64_t kb = -1;

	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f)) {
		/* Header lines start with a hex digit; field lines with a capital. */
		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
			inside = vma_covers(line, (uintptr_t)addr);
		else if (inside && !strncmp(line, field, flen) && line[flen] == ':')
			sscanf(line + flen + 1, "%" SCNd64, &kb);
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int64_t wl_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size, rss;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%lld %lld", &size, &rss);
	fclose(f);
	return n == 2 ? (int64_t)rss * wl_page_size() : -1;
}

int64_t wl_status_bytes(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t flen = strlen(field);
	char line[256];
	int64_t kb = -1;

	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			sscanf(line + flen + 1, "%" SCNd64, &kb);
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int64_t wl_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long long v;
	int64_t found = -1;

	if (!f)
		return -1;
	while (found < 0 && fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static int add_stat(struct wl_thp_stats *s, uint64_t kb, const char *name, uint64_t value)
{
	struct wl_thp_stat *grown = realloc(s->e, (s->n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	grown[s->n].kb = kb;
	snprintf(grown[s->n].name, sizeof(grown[s->n].name), "%s", name);
	grown[s->n].value = value;
	s->e = grown;
	s->n++;
	return 0;
}

/* Every file of hugepages-<kb>kB/stats/ (the list grows with the kernel). */
static int read_size_stats(struct wl_thp_stats *s, uint64_t kb)
{
	char dir[160], path[512];
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	snprintf(dir, sizeof(dir), THP_DIR "/hugepages-%" PRIu64 "kB/stats", kb);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while (!rc && (d = readdir(dp))) {
		unsigned long long v;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &v) == 1)
			rc = add_stat(s, kb, d->d_name, v);
		if (f)
			fclose(f);
	}
	closedir(dp);
	return rc;
}

int wl_thp_stats_read(struct wl_thp_stats *s)
{
	DIR *dp = opendir(THP_DIR);
	struct dirent *d;
	int rc = 0;

	s->e = NULL;
	s->n = 0;
	if (!dp)
		return -1;
	while (!rc && (d = readdir(dp))) {
		unsigned long long kb;
		char tail[8];

		if (sscanf(d->d_name, "hugepages-%llukB%7s", &kb, tail) == 1)
			rc = read_size_stats(s, kb);
	}
	closedir(dp);
	return rc || !s->n ? -1 : 0;
}

uint64_t wl_thp_stat(const struct wl_thp_stats *s, uint64_t kb, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].kb == kb && !strcmp(s->e[i].name, name))
			return s->e[i].value;
	return 0;
}

void wl_thp_stats_report(const struct wl_thp_stats *before,
			 const struct wl_thp_stats *after, const char *prefix)
{
	char name[128];

	for (size_t i = 0; i < after->n; i++) {
		const struct wl_thp_stat *a = &after->e[i];
		uint64_t b = wl_thp_stat(before, a->kb, a->name);

		if (a->value == b)
			continue;
		snprintf(name, sizeof(name), "%s%" PRIu64 "kB.%s", prefix, a->kb, a->name);
		/* nr_* are gauges that may fall: report the signed change. */
		wl_metric(name, (double)a->value - (double)b, "count",
			  strncmp(a->name, "nr_", 3) ? "counter" : "gauge", "none");
	}
}

void wl_thp_stats_free(struct wl_thp_stats *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

static int pread_u64(int fd, uint64_t index, uint64_t *out)
{
	return pread(fd, out, 8, (off_t)(index * 8)) == 8 ? 0 : -1;
}

/* One range: its first page a compound head, every other page a tail at
 * the next frame, and the page after the range not a tail of the same
 * folio (which would make it larger than unit). 1 yes, 0 no, -1 error. */
static int one_folio(int pm, int kf, uint64_t vpage, uint64_t pages)
{
	uint64_t e, pfn0 = 0, flags;

	for (uint64_t i = 0; i <= pages; i++) {
		if (pread_u64(pm, vpage + i, &e))
			return i == pages ? 1 : -1;	/* past the mapping's end: fine */
		if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
			return i == pages ? 1 : (i == 0 && (e & PM_PRESENT)) ? -1 : 0;
		if (!i)
			pfn0 = e & PM_PFN_MASK;
		if (pread_u64(kf, e & PM_PFN_MASK, &flags))
			return -1;
		if (i == pages)
			return !((flags >> KPF_COMPOUND_TAIL) & 1) || (e & PM_PFN_MASK) != pfn0 + pages;
		if ((e & PM_PFN_MASK) != pfn0 + i ||
		    !((flags >> (i ? KPF_COMPOUND_TAIL : KPF_COMPOUND_HEAD)) & 1))
			return 0;
	}
	return 1;
}

int64_t wl_folio_units(const void *addr, uint64_t len, uint64_t unit)
{
	long page = wl_page_size();
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t pages = unit / (uint64_t)page, first = (uint64_t)(uintptr_t)addr / (uint64_t)page;
	int64_t n = 0;

	for (uint64_t off = 0; pm >= 0 && kf >= 0 && n >= 0 && off + unit <= len; off += unit) {
		int r = one_folio(pm, kf, first + off / (uint64_t)page, pages);

		n = r < 0 ? -1 : n + r;
	}
	if (pm < 0 || kf < 0)
		n = -1;
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return n;
}
