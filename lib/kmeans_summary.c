/* kmeans_summary.c: a smaller stand-in for an image's distinct colours, on which the
 * n_init starts are compared before the best is finished on every colour (kmeans.c). */
#include <stdlib.h>

#include "kmeans_summary.h"
#include "morton.h"

/*
 * The colours are grouped in cubes of side 2^b, aligned on multiples of it. In tree
 * order (ascending Morton code) each cube's colours are a contiguous run, so both the
 * choice of b and the grouping are one pass each. A cube becomes one colour: its
 * pixel-weighted centroid rounded to integers, which stays inside the cube (a convex
 * set with integer corners), so distinct cubes give distinct colours, already in
 * ascending code order, weighted by the cube's pixels.
 */

/* The bits in which colour i differs from colour i - 1, of the three channels together:
 * the two fall in one cube of side 2^b exactly when none is at b or above. */
static unsigned differing_bits(const imgcolor__kmeans_data *d, size_t i)
{
    unsigned v = 0;
    for (int j = 0; j < 3; j++)
        v |= (unsigned)(d->x[j][i] ^ d->x[j][i - 1]);
    return v;
}

static int highest_bit(unsigned v)
{
    int h = -1;
    while (v) {
        h++;
        v >>= 1;
    }
    return h;
}

/* The smallest side exponent b whose cubes number at most target; 0 when the colours
 * themselves do. *cubes is their number. */
static int choose_side(const imgcolor__kmeans_data *d, size_t target, size_t *cubes)
{
    size_t at_bit[8] = {0}; /* neighbours whose highest differing bit is this */
    for (size_t i = 1; i < d->n; i++)
        at_bit[highest_bit(differing_bits(d, i))]++;
    size_t count = d->n;
    for (int b = 0; b < 8; b++) {
        if (count <= target) {
            *cubes = count;
            return b;
        }
        count -= at_bit[b];
    }
    *cubes = count; /* b = 8: one cube, the whole cube of colours */
    return 8;
}

/* Round(s / w) for w > 0, exactly, halves up. */
static uint32_t rounded_mean(uint64_t s, uint64_t w)
{
    return (uint32_t)((2 * s + w) / (2 * w));
}

/* Fills codes and counts with the m cubes of side 2^b. */
static void group(const imgcolor__kmeans_data *d, int b, uint32_t *codes, uint64_t *counts)
{
    size_t m = 0, i = 0;
    while (i < d->n) {
        uint64_t w = 0, s[3] = {0, 0, 0};
        size_t end = i;
        do {
            uint64_t wi = d->w[end];
            w += wi;
            for (int j = 0; j < 3; j++)
                s[j] += wi * d->x[j][end];
            end++;
        } while (end < d->n && differing_bits(d, end) >> b == 0);
        codes[m] = imgcolor__morton(rounded_mean(s[0], w), rounded_mean(s[1], w),
                                    rounded_mean(s[2], w));
        counts[m] = w;
        m++;
        i = end;
    }
}

imgcolor_status imgcolor__kmeans_summary(const imgcolor__kmeans_data *d, size_t target,
                                         imgcolor__kmeans_data **out)
{
    *out = NULL;
    size_t m;
    int b = choose_side(d, target, &m);
    if (b == 0)
        return IMGCOLOR_OK;
    uint32_t *codes = malloc(m * sizeof *codes);
    uint64_t *counts = malloc(m * sizeof *counts);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!codes || !counts) {
        free(counts);
        goto done;
    }
    group(d, b, codes, counts);
    st = imgcolor__kmeans_prepare(codes, counts, m, out); /* takes counts over */
done:
    free(codes);
    return st;
}
