/*
 * rng.c: splitmix64 and xoshiro256** (rng.h). Calls nothing else of libcommon.
 */
#include "rng.h"

void
dc_rng_seed(dc_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
dc_rng_next(dc_rng *r)
{
	return dc_mix64(r->s += DC_RNG_GOLDEN);
}

double
dc_rng_uniform(dc_rng *r)
{
	return dc_unit53(dc_rng_next(r));
}

void
dc_xoshiro_seed(dc_xoshiro *r, uint64_t seed)
{
	dc_rng sm;
	int i;

	dc_rng_seed(&sm, seed);
	for (i = 0; i < 4; i++)
		r->s[i] = dc_rng_next(&sm);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
dc_xoshiro_next(dc_xoshiro *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double
dc_xoshiro_uniform(dc_xoshiro *r)
{
	return dc_unit53(dc_xoshiro_next(r));
}

uint64_t
dc_xoshiro_below(dc_xoshiro *r, uint64_t n)
{
	uint64_t t = -n % n, x;

	do
		x = dc_xoshiro_next(r);
	while (x < t);
	return x % n;
}
