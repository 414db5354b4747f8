# Extra libraries per workload: LIBS_<name> = ... (added after the workload
# object, before the common PC_LIBS). gups and smallfiles need none beyond
# PC_LIBS (jansson, zlib, hwloc).
# Extra compiler flags per workload: CFLAGS_<name> = ... (after the common ones).
