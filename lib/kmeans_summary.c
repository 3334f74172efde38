/* kmeans_summary.c: a smaller stand-in for an image's distinct colours, on which the
 * n_init starts are compared before the best are finished on every colour (kmeans.c). */
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"
#include "kmeans_summary.h"
#include "morton.h"

/*
 * The colours are grouped in the boxes that share all but the low `drop` bits of their
 * Morton codes: drop = 3b gives aligned cubes of side 2^b, 3b + 1 doubles them along
 * blue, 3b + 2 along blue and green. Each step doubles the boxes' volume, so the
 * summary's size can be chosen within a factor of about 2. In tree order (ascending
 * code) each box's colours are a contiguous run, so both the choice and the grouping are
 * one pass each. A box becomes one colour: its
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

/*
 * A perceptual space's summary is cut from its tree instead: RGB boxes of one size are
 * coarse where the space is stretched (Oklab's and CIELAB's cube roots stretch the dark
 * colours most), and the starts compared on them were ranked wrongly there (on
 * retina.jpg, mostly dark, at k = 16 the winner had 11% more inertia than without a
 * summary). From the root, the node whose points lie farthest from their mean (the
 * largest scatter, the lower id on ties) is split into its two children, a leaf into its
 * single points while they fit, until there are target parts (splitting leaves too took
 * retina.jpg at k = 12 from 1.03x-1.05x the inertia of runs on every colour to theirs).
 * Each node left becomes one point at its mean (from the exact sums) with all its
 * pixels, in the points' order, so codes stay ascending.
 */

/* A max-heap of node ids by scatter, the lower id first among equals. */
typedef struct heap {
    uint32_t *id;
    size_t n;
    const double *key;
} heap;

static int above(const heap *h, uint32_t a, uint32_t b)
{
    return h->key[a] > h->key[b] || (h->key[a] == h->key[b] && a < b);
}

static void heap_push(heap *h, uint32_t id)
{
    size_t i = h->n++;
    while (i > 0 && above(h, id, h->id[(i - 1) / 2])) {
        h->id[i] = h->id[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->id[i] = id;
}

static uint32_t heap_pop(heap *h)
{
    uint32_t top = h->id[0], last = h->id[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && above(h, h->id[c + 1], h->id[c]))
            c++;
        if (!above(h, h->id[c], last))
            break;
        h->id[i] = h->id[c];
        i = c;
    }
    if (h->n)
        h->id[i] = last;
    return top;
}

/* A part of the cut: a node's points, standing as one point at their mean, or a single
 * point (node NONE), starting at point begin. */
#define NONE UINT32_MAX
typedef struct part {
    uint32_t begin, node;
} part;

static int by_begin(const void *a, const void *b)
{
    uint32_t x = ((const part *)a)->begin, y = ((const part *)b)->begin;
    return (x > y) - (x < y);
}

/* Cuts the tree into at most target parts; returns how many. A leaf taken from the heap
 * is split into its points while they fit. */
static size_t cut_tree(const imgcolor__ftree *t, size_t target, part *cut, uint32_t *work)
{
    heap h = {work, 0, t->scatter};
    size_t m = 0;
    heap_push(&h, 0);
    while (h.n > 0 && m + h.n < target) {
        uint32_t id = heap_pop(&h);
        const imgcolor__fnode *nd = &t->nodes[id];
        if (nd->right) {
            heap_push(&h, id + 1);
            heap_push(&h, nd->right);
        } else if (m + h.n + nd->len <= target) {
            for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++)
                cut[m++] = (part){i, NONE};
        } else {
            cut[m++] = (part){nd->begin, id};
        }
    }
    while (h.n > 0) {
        uint32_t id = heap_pop(&h);
        cut[m++] = (part){t->nodes[id].begin, id};
    }
    return m;
}

imgcolor_status imgcolor__ftree_summary(const imgcolor__ftree *t, size_t target,
                                        imgcolor__points *out)
{
    memset(out, 0, sizeof *out);
    const imgcolor__points *p = t->p;
    if (p->n <= target || !t->scatter || target < 2)
        return IMGCOLOR_OK;
    size_t bytes = sizeof(double[3]) + sizeof(uint64_t) + sizeof(uint32_t);
    part *cut = malloc(target * sizeof *cut);
    uint32_t *work = malloc(target * sizeof *work);
    /* One block: the coordinates, then the weights, then the codes. */
    char *block = malloc(target * bytes);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!cut || !work || !block)
        goto done;
    size_t m = cut_tree(t, target, cut, work);
    qsort(cut, m, sizeof *cut, by_begin);
    double (*x)[3] = (double (*)[3])block;
    uint64_t *w = (uint64_t *)(block + m * sizeof(double[3]));
    uint32_t *codes = p->codes ? (uint32_t *)(block + m * (sizeof(double[3]) + sizeof(uint64_t)))
                               : NULL;
    for (size_t i = 0; i < m; i++) {
        uint32_t id = cut[i].node;
        memcpy(x[i], id == NONE ? p->x[cut[i].begin] : t->mean[id], sizeof x[i]);
        w[i] = id == NONE ? p->w[cut[i].begin] : t->sums[id].w;
        if (codes)
            codes[i] = p->codes[cut[i].begin];
    }
    *out = (imgcolor__points){m, (const double (*)[3])x, w, codes};
    block = NULL;
    st = IMGCOLOR_OK;
done:
    free(block);
    free(work);
    free(cut);
    return st;
}

void imgcolor__points_summary_free(imgcolor__points *s)
{
    free((void *)s->x);
    memset(s, 0, sizeof *s);
}
