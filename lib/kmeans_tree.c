/* kmeans_tree.c: the k-d tree the k-means search walks, built in one pass over the
 * distinct colours sorted by Morton code, with each node's exact integer sums. */
#include <stdlib.h>
#include <string.h>

#include "kmeans_tree.h"
#include "morton.h"

/*
 * The tree splits boxes at the midpoints of their bit planes, red, green, blue, from the
 * high bit down. Sorted by Morton code (the channel bits interleaved in that order),
 * every such box is a contiguous run of colours, so building is one linear pass: no
 * per-level partitioning. The histogram hands colours over in that order already.
 */

/* Builds the subtree of colours [begin, end), which agree on every Morton bit above
 * `bit`, in preorder; returns its node id. */
static uint32_t build(imgcolor__kmeans_data *d, const uint32_t *code, uint32_t begin,
                      uint32_t end, int bit, int depth)
{
    /* Skip bit planes that do not separate anything. */
    uint32_t mid = begin;
    while (end - begin > LEAF_SIZE && bit >= 0) {
        uint32_t lo = begin, hi = end; /* first colour with the bit set */
        while (lo < hi) {
            uint32_t m = lo + (hi - lo) / 2;
            if (code[m] >> bit & 1)
                hi = m;
            else
                lo = m + 1;
        }
        if (lo > begin && lo < end) {
            mid = lo;
            break;
        }
        bit--;
    }
    uint32_t id = (uint32_t)d->nnodes++;
    kd_node nd = {{255, 255, 255}, {0, 0, 0}, 0, 0, begin, 0};
    colour_sums a = {0, {0, 0, 0}, 0};
    if (depth > d->depth)
        d->depth = depth;
    if (mid == begin) {
        nd.len = (uint8_t)(end - begin);
        for (uint32_t i = begin; i < end; i++) {
            uint64_t w = d->w[i], sq = 0;
            for (int j = 0; j < 3; j++) {
                uint8_t v = d->x[j][i];
                nd.lo[j] = v < nd.lo[j] ? v : nd.lo[j];
                nd.hi[j] = v > nd.hi[j] ? v : nd.hi[j];
                a.s[j] += w * v;
                sq += (uint64_t)v * v;
            }
            a.w += w;
            a.sq += w * sq;
        }
    } else {
        uint32_t left = build(d, code, begin, mid, bit - 1, depth + 1);
        uint32_t right = build(d, code, mid, end, bit - 1, depth + 1);
        const kd_node *l = &d->nodes[left], *r = &d->nodes[right];
        const colour_sums *ls = &d->sums[left], *rs = &d->sums[right];
        nd.right = right;
        for (int j = 0; j < 3; j++) {
            nd.lo[j] = l->lo[j] < r->lo[j] ? l->lo[j] : r->lo[j];
            nd.hi[j] = l->hi[j] > r->hi[j] ? l->hi[j] : r->hi[j];
            a.s[j] = ls->s[j] + rs->s[j];
        }
        a.w = ls->w + rs->w;
        a.sq = ls->sq + rs->sq;
    }
    d->nodes[id] = nd;
    d->sums[id] = a;
    return id;
}

/* Sorts codes and counts together by code, in three byte-wide counting passes. */
static imgcolor_status sort_by_code(uint32_t *codes, uint64_t *counts, size_t n)
{
    uint64_t *pts = malloc(n * sizeof *pts), *tmp = malloc(n * sizeof *tmp);
    if (!pts || !tmp) {
        free(pts);
        free(tmp);
        return IMGCOLOR_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        pts[i] = counts[i] << 24 | codes[i];
    for (int shift = 0; shift < 24; shift += 8) {
        size_t bucket[257] = {0};
        for (size_t i = 0; i < n; i++)
            bucket[((pts[i] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++)
            bucket[b + 1] += bucket[b];
        for (size_t i = 0; i < n; i++)
            tmp[bucket[(pts[i] >> shift) & 0xFF]++] = pts[i];
        memcpy(pts, tmp, n * sizeof *pts);
    }
    for (size_t i = 0; i < n; i++) {
        codes[i] = (uint32_t)pts[i] & 0xFFFFFF;
        counts[i] = pts[i] >> 24;
    }
    free(pts);
    free(tmp);
    return IMGCOLOR_OK;
}

/* Checks the colours and their counts, and sorts them by code if they are not. */
static imgcolor_status check_and_sort(uint32_t *codes, uint64_t *counts, size_t n)
{
    if (n == 0 || n > UINT32_MAX / 2)
        return IMGCOLOR_E_INVALID;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        if (counts[i] == 0 || counts[i] >= (1ull << 40) || codes[i] > 0xFFFFFFu)
            return IMGCOLOR_E_INVALID;
        sorted &= i == 0 || codes[i] > codes[i - 1];
    }
    if (sorted)
        return IMGCOLOR_OK;
    imgcolor_status st = sort_by_code(codes, counts, n);
    if (st != IMGCOLOR_OK)
        return st;
    /* Leaves hold at most LEAF_SIZE colours only if colours are distinct. */
    for (size_t i = 1; i < n; i++)
        if (codes[i] == codes[i - 1])
            return IMGCOLOR_E_INVALID;
    return IMGCOLOR_OK;
}

/* The coordinates the searches work on: each colour's channels, in tree order. The
 * channels share one allocation, each padded with LEAF_SIZE zeros. */
static imgcolor_status set_channels(imgcolor__kmeans_data *d, const uint32_t *codes)
{
    size_t lanes = d->n + LEAF_SIZE;
    if (!(d->x[0] = imgcolor__alloc_large(3 * lanes)))
        return IMGCOLOR_E_NOMEM;
    d->x[1] = d->x[0] + lanes;
    d->x[2] = d->x[1] + lanes;
    for (int j = 0; j < 3; j++)
        memset(d->x[j] + d->n, 0, LEAF_SIZE);
    for (size_t i = 0; i < d->n; i++) {
        uint32_t rgb = imgcolor__morton_rgb(codes[i]);
        for (int j = 0; j < 3; j++)
            d->x[j][i] = (uint8_t)(rgb >> (16 - 8 * j));
    }
    return IMGCOLOR_OK;
}

static imgcolor_status build_tree(imgcolor__kmeans_data *d, const uint32_t *codes)
{
    /* A tree over n colours has at most n leaves and n - 1 inner nodes. Pages of the
     * allocation that are never written cost nothing; the rest is given back below. */
    d->nodes = imgcolor__alloc_large((2 * d->n - 1) * sizeof *d->nodes);
    d->sums = imgcolor__alloc_large((2 * d->n - 1) * sizeof *d->sums);
    if (!d->nodes || !d->sums)
        return IMGCOLOR_E_NOMEM;
    build(d, codes, 0, (uint32_t)d->n, 23, 0);
    kd_node *nodes = realloc(d->nodes, d->nnodes * sizeof *nodes);
    colour_sums *sums = realloc(d->sums, d->nnodes * sizeof *sums);
    d->nodes = nodes ? nodes : d->nodes;
    d->sums = sums ? sums : d->sums;
    return IMGCOLOR_OK;
}

/* The pixel count and the mean per-channel population variance, as numpy.var over every
 * pixel: the mean square minus the square mean, from the root's exact sums. */
static void set_totals(imgcolor__kmeans_data *d)
{
    const colour_sums *root = &d->sums[0];
    d->total = root->w;
    double mean2 = 0;
    for (int j = 0; j < 3; j++) {
        double mean = (double)root->s[j] / (double)root->w;
        mean2 += mean * mean;
    }
    d->var_mean = ((double)root->sq / (double)root->w - mean2) / 3;
}

imgcolor_status imgcolor__kmeans_prepare(uint32_t *codes, uint64_t *counts, size_t n,
                                         imgcolor__kmeans_data **out)
{
    *out = NULL;
    imgcolor__kmeans_data *d = NULL;
    imgcolor_status st = check_and_sort(codes, counts, n);
    if (st != IMGCOLOR_OK)
        goto done;
    st = IMGCOLOR_E_NOMEM;
    if (!(d = calloc(1, sizeof *d)))
        goto done;
    d->n = n;
    d->w = counts;
    counts = NULL;
    if ((st = set_channels(d, codes)) != IMGCOLOR_OK || (st = build_tree(d, codes)) != IMGCOLOR_OK)
        goto done;
    set_totals(d);
    *out = d;
    d = NULL;
done:
    free(counts);
    imgcolor__kmeans_data_free(d);
    return st;
}

void imgcolor__kmeans_data_free(imgcolor__kmeans_data *d)
{
    if (!d)
        return;
    free(d->x[0]);
    free(d->w);
    free(d->nodes);
    free(d->sums);
    free(d);
}

double imgcolor__kmeans_tolerance(const imgcolor__kmeans_data *d, double tol)
{
    return d->var_mean * tol;
}
