/*
 * rng.h: the random numbers of dcsep (rng.c), the same on every platform and libc
 * for a seed: model initialisation, k-means++ seeding, dc-train's shuffles and
 * dropout masks, and dc-mix's draws.
 *
 * dc_rng is splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
 * number generators", OOPSLA 2014; the constants of Vigna's public-domain
 * splitmix64.c): one 64-bit word of state, any value a valid seed. dc_mix64 is its
 * output function, a bijective mixer that also serves as a counter-based hash.
 * dc_xoshiro is xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64:
 * dc-mix's generator, with a longer period for whole data sets.
 */
#ifndef DC_RNG_H
#define DC_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DC_RNG_GOLDEN UINT64_C(0x9e3779b97f4a7c15)     /* splitmix64's increment */

/* dc_mix64: splitmix64's finaliser of z. */
static inline uint64_t
dc_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* dc_unit53: the top 53 bits of x as a double in [0, 1); 2^-53 written as a
 * quotient, exact, since a hexadecimal float constant is not C++ before C++17 */
static inline double
dc_unit53(uint64_t x)
{
	return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct {
	uint64_t s;
} dc_rng;

void dc_rng_seed(dc_rng *r, uint64_t seed);
/* dc_rng_next: the next 64 random bits. */
uint64_t dc_rng_next(dc_rng *r);
/* dc_rng_uniform: a double in [0, 1) from the top 53 bits of dc_rng_next. */
double dc_rng_uniform(dc_rng *r);

typedef struct {
	uint64_t s[4];
} dc_xoshiro;

/* dc_xoshiro_seed: the state from four outputs of splitmix64 seeded with seed. */
void dc_xoshiro_seed(dc_xoshiro *r, uint64_t seed);
/* dc_xoshiro_next: the next 64 random bits (xoshiro256**). */
uint64_t dc_xoshiro_next(dc_xoshiro *r);
/* dc_xoshiro_uniform: a double in [0, 1), 53 bits. */
double dc_xoshiro_uniform(dc_xoshiro *r);
/* dc_xoshiro_below: uniform on {0, ..., n-1}, n > 0, without modulo bias (draws
 * below 2^64 mod n are rejected). */
uint64_t dc_xoshiro_below(dc_xoshiro *r, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif
