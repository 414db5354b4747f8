/* HPCC RandomAccess's random stream: a 64-bit LFSR, i.e. multiplication
 * by x in GF(2)[x] / (x^64 + x^2 + x + 1). Because each step is a
 * multiplication, k steps are one multiplication by x^k, so a stream can
 * be cut into independent segments whose starts are computed directly
 * (HPCC_starts does the same): the interleaved-streams mode of gups does
 * exactly the updates of one long stream, only in another order. Header
 * only, so the unit tests check the jump against stepping. */
#ifndef GUPS_LFSR_H
#define GUPS_LFSR_H

#include <stdint.h>

/* HPCC's LFSR polynomial: x^64 + x^2 + x + 1 over GF(2). */
#define GUPS_POLY 0x7ull

static inline uint64_t gups_lfsr_next(uint64_t ran)
{
	return (ran << 1) ^ ((int64_t)ran < 0 ? GUPS_POLY : 0);
}

/* a * b in the field, Horner over b's bits: r = r * x + b_i * a. */
static inline uint64_t gups_gf_mul(uint64_t a, uint64_t b)
{
	uint64_t r = 0;

	for (int i = 63; i >= 0; i--) {
		r = gups_lfsr_next(r);
		if ((b >> i) & 1)
			r ^= a;
	}
	return r;
}

/* The state k steps after ran: ran * x^k, x^k by square and multiply. */
static inline uint64_t gups_lfsr_jump(uint64_t ran, uint64_t k)
{
	uint64_t p = 1, x = 2;	/* x as a polynomial */

	for (; k; k >>= 1) {
		if (k & 1)
			p = gups_gf_mul(p, x);
		x = gups_gf_mul(x, x);
	}
	return gups_gf_mul(ran, p);
}

#endif
