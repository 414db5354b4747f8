# Extra libraries per workload: LIBS_<name> = ... (added after the workload
# object, before the common PC_LIBS). gups and smallfiles need none beyond
# PC_LIBS (jansson, zlib, hwloc); sqlite's libsqlite3 is in PC_LIBS too.

# mallocchurn runs either allocator in one binary: jemalloc is linked (a
# dlopen'ed jemalloc fails: its TLS does not fit glibc's static TLS
# reserve) and called as mallocx/dallocx; glibc's malloc is looked up in
# libc itself with dlsym (-ldl for glibc before 2.34).
LIBS_mallocchurn = $(JEMALLOC_LIBS) -ldl

# Extra compiler flags per workload (CFLAGS_<name>, its object only).
# stream: -O3 vectorises its plain kernels; they must stay loops, which
# compilers otherwise turn into memcpy calls (gcc: loop distribution,
# clang: loop idiom recognition).
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
CFLAGS_stream = -O3 -fno-tree-loop-distribute-patterns
else
CFLAGS_stream = -O3 -fno-builtin-memcpy
endif
