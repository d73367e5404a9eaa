/* rng.c - SplitMix64: the engine's one pseudo-random generator (same draws in every build). */
#include "unravel.h"

void unr_rng_seed(unr_rng *rng, uint64_t seed) { rng->state = seed; }

void unr_rng_seed_stream(unr_rng *rng, uint64_t seed, uint64_t stream)
{
    /* The stream number scrambled by one SplitMix64 step, so that neighbouring streams start
     * far apart in the seed's space (state + gamma would only shift one sequence by a draw). */
    unr_rng mix = {stream};
    rng->state = seed ^ unr_rng_next(&mix);
}

uint64_t unr_rng_next(unr_rng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t unr_rng_below(unr_rng *rng, uint32_t n)
{
    if (n <= 1) return 0;
    /* Reject the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = unr_rng_next(rng);
    while (r >= limit);
    return (uint32_t)(r % n);
}

double unr_rng_uniform(unr_rng *rng) { return (double)(unr_rng_next(rng) >> 11) * 0x1.0p-53; }
