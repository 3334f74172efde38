/* rng.h: the random generator behind k-means++ seeding, xoshiro256** seeded through
 * splitmix64: small, fast, the same on every platform, and state the caller holds. */
#ifndef IMGCOLOR_RNG_H
#define IMGCOLOR_RNG_H

#include <stdint.h>

typedef struct imgcolor__rng {
    uint64_t s[4];
} imgcolor__rng;

/* The generator of run `run` of seed `seed`: runs of one seed draw independent streams. */
void imgcolor__rng_seed(imgcolor__rng *r, uint64_t seed, int run);

/* Uniform in [0, 1), 53 random bits. */
double imgcolor__rng_uniform(imgcolor__rng *r);

/* Uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint64_t imgcolor__rng_below(imgcolor__rng *r, uint64_t bound);

#endif
