/* thp-advise.so: the pps-model launcher's preload library
 * (kernels/variants/pps-model.ini, docs/kernels.md). Every private
 * anonymous mapping the process makes with mmap(2) is advised
 * MADV_HUGEPAGE, so that with an mTHP size in madvise mode (64 KiB on the
 * pps-model variant) only this process's anonymous memory faults in folios
 * of that size: the nearest thing to a per-process page size a stock
 * kernel has. malloc's own memory (sbrk and its internal mmap calls, which
 * do not go through this symbol) is advised by glibc itself with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which the launcher sets beside
 * LD_PRELOAD.
 *
 * mremap(2) needs no wrapper: a moved or grown mapping keeps its VMA's
 * flags, VM_HUGEPAGE among them. File and shared mappings are left alone:
 * the page cache and shmem keep their own policy, as the model says.
 *
 * Built without the harness's sanitizers (a preloaded library cannot come
 * before the ASan runtime) and linked with nothing but libc and libdl. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static void advise(void *p, size_t len, int flags)
{
	if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && !(flags & (MAP_SHARED | MAP_HUGETLB)))
		madvise(p, len, MADV_HUGEPAGE);	/* best effort: the mapping stands either way */
}

static void *real_mmap(const char *name, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	mmap_fn fn = (mmap_fn)dlsym(RTLD_NEXT, name);

	return fn ? fn(addr, len, prot, flags, fd, off) : MAP_FAILED;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = real_mmap("mmap", addr, len, prot, flags, fd, off);

	advise(p, len, flags);
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = real_mmap("mmap64", addr, len, prot, flags, fd, off);

	advise(p, len, flags);
	return p;
}
