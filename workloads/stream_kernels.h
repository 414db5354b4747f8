/* STREAM's four loops, written once: workloads/stream.c compiles them for
 * each instruction-set level it dispatches to at run time, and
 * bench/ref_native.c compiles the same text with -march=native as the
 * "built for the running CPU" reference. Define STREAM_KERNELS(ATTR, SFX)
 * uses: ATTR is a function attribute (a target, or nothing), SFX the
 * suffix of the four names. */
#ifndef STREAM_KERNELS_H
#define STREAM_KERNELS_H

#include <stddef.h>

/* d = x (copy), d = s*x (scale), d = x+y (add), d = x+s*y (triad). */
typedef void (*stream_kernel_fn)(double *restrict d, const double *restrict x,
				 const double *restrict y, double s, size_t n);

#define STREAM_KERNELS(ATTR, SFX)							\
ATTR static void copy_##SFX(double *restrict d, const double *restrict x,		\
			    const double *restrict y, double s, size_t n)		\
{											\
	for (size_t i = 0; i < n; i++)							\
		d[i] = x[i];								\
}											\
ATTR static void scale_##SFX(double *restrict d, const double *restrict x,		\
			     const double *restrict y, double s, size_t n)		\
{											\
	for (size_t i = 0; i < n; i++)							\
		d[i] = s * x[i];							\
}											\
ATTR static void add_##SFX(double *restrict d, const double *restrict x,		\
			   const double *restrict y, double s, size_t n)		\
{											\
	for (size_t i = 0; i < n; i++)							\
		d[i] = x[i] + y[i];							\
}											\
ATTR static void triad_##SFX(double *restrict d, const double *restrict x,		\
			     const double *restrict y, double s, size_t n)		\
{											\
	for (size_t i = 0; i < n; i++)							\
		d[i] = x[i] + s * y[i];							\
}

#endif
