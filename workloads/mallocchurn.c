/* mallocchurn: an allocation and free pattern over a size distribution,
 * run with glibc malloc or jemalloc in the same binary. What an allocator
 * keeps resident beyond the bytes the program holds depends on its size
 * classes, how it returns freed memory (glibc: heap trimming and
 * MADV_DONTNEED of large free chunks; jemalloc: extents purged after a
 * decay time) and on the page size, which is the granule of every return
 * to the kernel: fragmentation = RSS growth / live bytes. */
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wl.h"

static const struct wl_param params[] = {
	{ "ops", WL_INT, "1000000", "count", "allocations (each freed again, mostly in the run)",
	  "1.." },
	{ "sizes", WL_STRING, "16..64k", "bytes",
	  "allocation sizes 'LO..HI', log-uniform, or one size (within 8..1g)", NULL },
	{ "slots", WL_INT, "20000", "count", "most blocks live at once", "1..100000000" },
	{ "pattern", WL_ENUM, "steady", "",
	  "steady: free a random slot, allocate into it; fifo: free the oldest block; "
	  "burst: fill every slot, free 90% at random, repeat (ends after a free)",
	  "steady|fifo|burst" },
	{ "allocator", WL_ENUM, "glibc", "",
	  "glibc: the C library's malloc; jemalloc: jemalloc's mallocx/dallocx",
	  "glibc|jemalloc" },
	{ "touch", WL_BOOL, "1", "", "write every byte of each block (else only its ends)",
	  NULL },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change one byte of a live block before "
	  "verifying", NULL },
};

struct allocator {
	void *(*alloc)(size_t);
	void (*release)(void *);
	size_t (*usable)(void *);
	void *dl;
};

/* 16 bytes: the slot table is walked at random inside the region. */
struct block {
	unsigned char *p;
	uint32_t size, tag32;
};

struct churn {
	struct allocator a;
	struct block *slot;
	uint64_t nslots, ops, lo, hi, rng;
	int touch, pattern;	/* pattern: index in the enum */
	uint64_t live, peak, allocs, frees;
	uint64_t next_tag;
};

enum { STEADY, FIFO, BURST };

/* jemalloc's own entry points: its malloc replaces glibc's for the whole
 * process (it is linked in), but these names belong to jemalloc alone. */
void *mallocx(size_t size, int flags);
void dallocx(void *ptr, int flags);
size_t sallocx(const void *ptr, int flags);

static void *je_alloc(size_t n)
{
	return mallocx(n, 0);
}

static void je_release(void *p)
{
	dallocx(p, 0);
}

static size_t je_usable(void *p)
{
	return sallocx(p, 0);
}

/* glibc's allocator by lookup in libc itself, past jemalloc's malloc. */
static int load_glibc(struct allocator *a)
{
	a->dl = dlopen(LIBC_SO, RTLD_NOW | RTLD_NOLOAD);
	if (!a->dl)
		return wl_fail("cannot find %s: %s", LIBC_SO, dlerror());
	*(void **)&a->alloc = dlsym(a->dl, "malloc");
	*(void **)&a->release = dlsym(a->dl, "free");
	*(void **)&a->usable = dlsym(a->dl, "malloc_usable_size");
	if (!a->alloc || !a->release || !a->usable)
		return wl_fail("%s lacks malloc, free or malloc_usable_size", LIBC_SO);
	return 0;
}

static int load_allocator(struct allocator *a, const char *name)
{
	if (strcmp(name, "jemalloc"))
		return load_glibc(a);
	a->alloc = je_alloc;
	a->release = je_release;
	a->usable = je_usable;
	return 0;
}

/* Log-uniform in lo..hi: as many small blocks as large ones per octave. */
static uint64_t draw_size(struct churn *c)
{
	double u = (double)(wl_rand_next(&c->rng) >> 11) / 9007199254740992.0;
	uint64_t s = (uint64_t)((double)c->lo * pow((double)(c->hi + 1) / (double)c->lo, u));

	return s < c->lo ? c->lo : s > c->hi ? c->hi : s;
}

static uint64_t tag_of(const struct block *b)
{
	return (uint64_t)b->tag32 << 32 | b->tag32;
}

static void fill(const struct churn *c, struct block *b)
{
	uint64_t tag = tag_of(b);

	memcpy(b->p, &tag, 8);
	if (c->touch && b->size > 16)
		memset(b->p + 8, (int)(tag & 0xff), (size_t)b->size - 16);
	if (b->size >= 16)
		memcpy(b->p + b->size - 8, &tag, 8);
}

/* Whether the middle bytes p[8 .. size-8) all equal the tag's low byte. */
static int middle_intact(const struct block *b, uint64_t tag)
{
	uint64_t want = (tag & 0xff) * 0x0101010101010101ull, w;
	size_t i = 8, end = b->size > 16 ? b->size - 8 : 8;

	for (; i + 8 <= end; i += 8) {
		memcpy(&w, b->p + i, 8);
		if (w != want)
			return 0;
	}
	for (; i < end; i++)
		if (b->p[i] != (unsigned char)want)
			return 0;
	return 1;
}

/* Whether the block still holds what fill() wrote. */
static int intact(const struct churn *c, const struct block *b)
{
	uint64_t tag = tag_of(b), head, tail = tag;

	memcpy(&head, b->p, 8);
	if (b->size >= 16)
		memcpy(&tail, b->p + b->size - 8, 8);
	return head == tag && tail == tag && (!c->touch || middle_intact(b, tag));
}

static int allocate(struct churn *c, struct block *b)
{
	b->size = (uint32_t)draw_size(c);
	b->p = c->a.alloc((size_t)b->size);
	if (!b->p)
		return wl_fail("malloc(%" PRIu32 ") failed after %" PRIu64 " allocations",
			       b->size, c->allocs);
	b->tag32 = (uint32_t)wl_rand_next(&c->rng) | 1;
	fill(c, b);
	c->allocs++;
	c->live += b->size;
	if (c->live > c->peak)
		c->peak = c->live;
	return 0;
}

static void release(struct churn *c, struct block *b)
{
	if (!b->p)
		return;
	c->a.release(b->p);
	c->frees++;
	c->live -= b->size;
	b->p = NULL;
}

static uint64_t pick(struct churn *c)
{
	return (uint64_t)(((unsigned __int128)wl_rand_next(&c->rng) * c->nslots) >> 64);
}

static int steady_or_fifo(struct churn *c)
{
	for (uint64_t i = 0; i < c->ops; i++) {
		struct block *b = &c->slot[c->pattern == FIFO ? i % c->nslots : pick(c)];

		release(c, b);
		if (allocate(c, b))
			return 1;
	}
	return 0;
}

static int burst(struct churn *c)
{
	while (c->allocs < c->ops) {
		for (uint64_t i = 0; i < c->nslots && c->allocs < c->ops; i++)
			if (!c->slot[i].p && allocate(c, &c->slot[i]))
				return 1;
		for (uint64_t i = 0; i < c->nslots; i++)
			if (wl_rand_next(&c->rng) % 10)
				release(c, &c->slot[i]);
	}
	return 0;
}

struct result {
	uint64_t ns;
	int64_t rss0, rss1;
	uint64_t usable;
};

static uint64_t usable_bytes(const struct churn *c)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < c->nslots; i++)
		if (c->slot[i].p)
			n += c->a.usable(c->slot[i].p);
	return n;
}

static int measure(struct churn *c, struct result *r)
{
	uint64_t t0;
	int rc;

	r->rss0 = wl_rss_bytes();
	wl_region_begin();
	t0 = wl_now_ns();
	rc = c->pattern == BURST ? burst(c) : steady_or_fifo(c);
	r->ns = wl_now_ns() - t0;
	/* Read at the region's end, before verification touches anything. */
	r->rss1 = wl_rss_bytes();
	wl_region_end();
	r->usable = rc ? 0 : usable_bytes(c);
	return rc;
}

static void report(const struct churn *c, const struct result *r)
{
	double heap = (double)(r->rss1 - r->rss0), live = (double)c->live;

	wl_metric("ops_per_s", r->ns ? (double)(c->allocs + c->frees) * 1e9 / (double)r->ns : 0,
		  "ops/s", "rate", "higher");
	wl_metric("churn_s", (double)r->ns / 1e9, "s", "gauge", "lower");
	wl_metric("rss_bytes", (double)r->rss1, "bytes", "gauge", "lower");
	wl_metric("heap_rss_bytes", heap, "bytes", "gauge", "lower");
	wl_metric("live_bytes", live, "bytes", "gauge", "none");
	wl_metric("peak_live_bytes", (double)c->peak, "bytes", "gauge", "none");
	wl_metric("usable_bytes", (double)r->usable, "bytes", "gauge", "none");
	wl_metric("fragmentation", live > 0 ? heap / live : 0, "", "gauge", "lower");
	wl_metric("allocations", (double)c->allocs, "count", "counter", "none");
	wl_metric("frees", (double)c->frees, "count", "counter", "none");
}

static void verify(struct churn *c, int corrupt)
{
	uint64_t bad = 0, live = 0;

	for (uint64_t i = 0; i < c->nslots; i++) {
		struct block *b = &c->slot[i];

		if (!b->p)
			continue;
		if (corrupt && !live)
			b->p[b->size / 2] ^= 0x5a;
		live++;
		bad += !intact(c, b);
	}
	if (bad)
		wl_verify(0, "%" PRIu64 " block(s) did not hold what was written to them", bad);
	else
		wl_verify(1, "%" PRIu64 " allocations; the %" PRIu64 " live blocks hold every "
			  "byte written to them", c->allocs, live);
}

static void free_all(struct churn *c)
{
	for (uint64_t i = 0; c->slot && i < c->nslots; i++)
		if (c->slot[i].p)
			c->a.release(c->slot[i].p);
}

static int setup(struct churn *c, const struct wl_value *v, size_t *slot_bytes)
{
	char err[256];

	if (wl_parse_size_range(wl_str(v, "sizes"), &c->lo, &c->hi, err, sizeof(err)))
		return wl_param_fail("sizes", "%s", err);
	c->ops = (uint64_t)wl_int(v, "ops");
	c->nslots = (uint64_t)wl_int(v, "slots");
	c->touch = (int)wl_int(v, "touch");
	c->pattern = (int)wl_int(v, "pattern");
	/* The slot table stays outside both allocators. */
	*slot_bytes = (size_t)c->nslots * sizeof(*c->slot);
	c->slot = mmap(NULL, *slot_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->slot == MAP_FAILED) {
		c->slot = NULL;
		return wl_fail("cannot map %zu bytes of slots: %m", *slot_bytes);
	}
	return load_allocator(&c->a, wl_str(v, "allocator"));
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct churn c = { .rng = seed };
	struct result r = { 0 };
	size_t slot_bytes = 0;
	int rc = setup(&c, v, &slot_bytes);

	if (!rc)
		rc = measure(&c, &r);
	if (!rc) {
		report(&c, &r);
		verify(&c, (int)wl_int(v, "corrupt"));
	}
	free_all(&c);
	if (c.slot)
		munmap(c.slot, slot_bytes);
	if (c.a.dl)
		dlclose(c.a.dl);
	return rc;
}

static int check_sizes(const char *text, char *err, size_t errlen)
{
	uint64_t lo, hi;

	if (wl_parse_size_range(text, &lo, &hi, err, errlen))
		return -1;
	if (lo >= 8 && hi <= (1u << 30))
		return 0;
	/* Each block carries an 8-byte tag; sizes are kept in 32 bits. */
	snprintf(err, errlen, "'%s' is not within 8..1g", text);
	return -1;
}

static const struct wl_check checks[] = {
	{ "sizes", check_sizes },
};

static const struct wl_spec spec = {
	.name = "mallocchurn",
	.summary = "allocation/free pattern with glibc or jemalloc; ops/s, RSS, fragmentation",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	return wl_main_checked(&spec, checks, sizeof(checks) / sizeof(checks[0]), argc, argv);
}
