/* The reference for stream's scale, add and triad: the very loops of
 * workloads/stream_kernels.h, compiled by bench/workloads with
 * -O3 -march=native on the machine it runs on, timed as stream times its
 * own (threads owning slices, first touch by the owner, each kernel
 * between two barriers, best of NTIMES - 1 passes, STREAM's counting).
 *
 *   ref-native SIZE THREADS NTIMES   prints copy scale add triad bytes/s
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "workloads/stream_kernels.h"

STREAM_KERNELS(__attribute__((noinline)), native)

static const stream_kernel_fn fns[4] = { copy_native, scale_native, add_native, triad_native };
static const int arrays[4] = { 2, 2, 3, 3 };

struct bench {
	double *a, *b, *c;
	size_t n;
	int threads, ntimes;
	pthread_barrier_t bar;
	double best[4];
};

struct slice {
	struct bench *b;
	pthread_t tid;
	size_t lo, hi;
	int id;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void kernel(struct bench *b, int k, size_t lo, size_t n)
{
	switch (k) {
	case 0: fns[0](b->c + lo, b->a + lo, NULL, 3.0, n); break;
	case 1: fns[1](b->b + lo, b->c + lo, NULL, 3.0, n); break;
	case 2: fns[2](b->c + lo, b->a + lo, b->b + lo, 3.0, n); break;
	default: fns[3](b->a + lo, b->b + lo, b->c + lo, 3.0, n); break;
	}
}

static void *worker(void *arg)
{
	struct slice *s = arg;
	struct bench *b = s->b;

	for (size_t i = s->lo; i < s->hi; i++) {
		b->a[i] = 1.0;
		b->b[i] = 2.0;
		b->c[i] = 0.0;
	}
	for (int t = 0; t < b->ntimes; t++)
		for (int k = 0; k < 4; k++) {
			double t0;

			pthread_barrier_wait(&b->bar);
			t0 = now();
			kernel(b, k, s->lo, s->hi - s->lo);
			pthread_barrier_wait(&b->bar);
			t0 = now() - t0;
			if (s->id == 0 && t > 0 && t0 < b->best[k])
				b->best[k] = t0;
		}
	return NULL;
}

static double *map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("ref-native: mmap");
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct slice *s;
	size_t chunk;

	if (argc != 4) {
		fprintf(stderr, "usage: ref-native SIZE THREADS NTIMES\n");
		return 2;
	}
	b.n = strtoull(argv[1], NULL, 10) / sizeof(double);
	b.threads = atoi(argv[2]);
	b.ntimes = atoi(argv[3]);
	for (int k = 0; k < 4; k++)
		b.best[k] = INFINITY;
	b.a = map(b.n * sizeof(double));
	b.b = map(b.n * sizeof(double));
	b.c = map(b.n * sizeof(double));
	s = calloc((size_t)b.threads, sizeof(*s));
	chunk = (b.n / (size_t)b.threads + 7) / 8 * 8;	/* whole 64-byte lines */
	pthread_barrier_init(&b.bar, NULL, (unsigned)b.threads);
	for (int i = 0; i < b.threads; i++) {
		size_t lo = (size_t)i * chunk, hi = lo + chunk;

		s[i] = (struct slice){ &b, 0, lo < b.n ? lo : b.n, hi < b.n ? hi : b.n, i };
		if (i)
			pthread_create(&s[i].tid, NULL, worker, &s[i]);
	}
	worker(&s[0]);
	for (int i = 1; i < b.threads; i++)
		pthread_join(s[i].tid, NULL);
	for (int k = 0; k < 4; k++)
		printf("%s%.6g", k ? " " : "", arrays[k] * (double)(b.n * sizeof(double)) / b.best[k]);
	printf("\n");
	return 0;
}
