/* rng.c: xoshiro256** (Blackman and Vigna) seeded through splitmix64, so that equal
 * seeds give the same k-means++ draws on every platform and no state is global. */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

void imgcolor__rng_seed(imgcolor__rng *r, uint64_t seed, int run)
{
    uint64_t x = seed ^ ((uint64_t)run * 0xD1B54A32D192ED03u);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(imgcolor__rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = (x << 7 | x >> 57) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return result;
}

double imgcolor__rng_uniform(imgcolor__rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

uint64_t imgcolor__rng_below(imgcolor__rng *r, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do
        v = rng_next(r);
    while (v >= limit);
    return v % bound;
}
