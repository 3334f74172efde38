/* kmeans_summary.c: a smaller stand-in for an image's distinct colours, on which the
 * n_init starts are compared before the best are finished on every colour (kmeans.c). */
#include <stdlib.h>

#include "kmeans_summary.h"
#include "morton.h"

/*
 * The colours are grouped in the boxes that share all but the low `drop` bits of their
 * Morton codes: drop = 3b gives aligned cubes of side 2^b, 3b + 1 doubles them along
 * blue, 3b + 2 along blue and green. Each step doubles the boxes' volume, so the
 * summary's size can be chosen within a factor of about 2. In tree order (ascending code) each box's colours are a contiguous run,
 * so both the choice and the grouping are one pass each. A box becomes one colour: its
 * pixel-weighted centroid rounded to integers, which stays inside the box (convex, with
 * integer corners), so distinct boxes give distinct colours, already in ascending code
 * order, weighted by the box's pixels.
 */

static uint32_t code_of(const imgcolor__kmeans_data *d, size_t i)
{
    return imgcolor__morton(d->x[0][i], d->x[1][i], d->x[2][i]);
}

/* The highest set bit of v > 0 (distinct colours differ somewhere). */
static int highest_bit(uint32_t v)
{
    return 31 - __builtin_clz(v);
}

/* The fewest bits to drop for at most target boxes, 0 when the colours themselves are
 * few enough. *boxes is their number. */
static int choose_drop(const imgcolor__kmeans_data *d, size_t target, size_t *boxes)
{
    size_t at_bit[24] = {0}; /* neighbours whose codes differ first at this bit */
    uint32_t prev = code_of(d, 0);
    for (size_t i = 1; i < d->n; i++) {
        uint32_t code = code_of(d, i);
        at_bit[highest_bit(code ^ prev)]++;
        prev = code;
    }
    size_t count = d->n;
    int drop = 0;
    while (count > target && drop < 24)
        count -= at_bit[drop++];
    *boxes = count;
    return drop;
}

/* Round(s / w) for w > 0, exactly, halves up. */
static uint32_t rounded_mean(uint64_t s, uint64_t w)
{
    return (uint32_t)((2 * s + w) / (2 * w));
}

/* Fills codes and counts with the boxes. */
static void group(const imgcolor__kmeans_data *d, int drop, uint32_t *codes, uint64_t *counts)
{
    size_t m = 0, i = 0;
    while (i < d->n) {
        uint32_t box = code_of(d, i) >> drop;
        uint64_t w = 0, s[3] = {0, 0, 0};
        size_t end = i;
        do {
            uint64_t wi = d->w[end];
            w += wi;
            for (int j = 0; j < 3; j++)
                s[j] += wi * d->x[j][end];
            end++;
        } while (end < d->n && code_of(d, end) >> drop == box);
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
    int drop = choose_drop(d, target, &m);
    if (drop == 0)
        return IMGCOLOR_OK;
    uint32_t *codes = malloc(m * sizeof *codes);
    uint64_t *counts = malloc(m * sizeof *counts);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!codes || !counts) {
        free(counts);
        goto done;
    }
    group(d, drop, codes, counts);
    st = imgcolor__kmeans_prepare(codes, counts, m, out); /* takes counts over */
done:
    free(codes);
    return st;
}
