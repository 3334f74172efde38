/* kmeans_ftree.c: the k-d tree that k-means in a perceptual space searches, over the
 * points in their given order, with each node's bounding box and exact fixed-point sums. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"

/*
 * Nodes are contiguous runs of the points, so that sampling by the tree picks the point
 * a running sum in the given order picks. The histogram's colours come in Morton order:
 * a run that shares the codes' bits above some plane is an RGB box, compact in Oklab or
 * CIELAB too (both are smooth in RGB), so the tree splits where the codes' highest
 * differing bit does, as the RGB tree (kmeans_tree.c) does. Points without codes split
 * by halves: the search is as exact, only slower.
 */
static uint32_t split_point(const uint32_t *codes, uint32_t begin, uint32_t end, int *bit)
{
    if (!codes)
        return begin + (end - begin) / 2;
    for (; *bit >= 0; (*bit)--) {
        uint32_t lo = begin, hi = end; /* the first point with the bit set */
        while (lo < hi) {
            uint32_t m = lo + (hi - lo) / 2;
            if (codes[m] >> *bit & 1)
                hi = m;
            else
                lo = m + 1;
        }
        if (lo > begin && lo < end)
            return lo;
    }
    return begin + (end - begin) / 2; /* equal codes: not a histogram's, but still a tree */
}

static void leaf_totals(imgcolor__ftree *t, imgcolor__fnode *nd, imgcolor__fsums *a)
{
    const imgcolor__points *p = t->p;
    for (int j = 0; j < 3; j++) {
        nd->lo[j] = INFINITY;
        nd->hi[j] = -INFINITY;
    }
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        for (int j = 0; j < 3; j++) {
            nd->lo[j] = p->x[i][j] < nd->lo[j] ? p->x[i][j] : nd->lo[j];
            nd->hi[j] = p->x[i][j] > nd->hi[j] ? p->x[i][j] : nd->hi[j];
        }
        imgcolor__fsums_add_at(a, t, i);
    }
}

/*
 * The node's pixel-weighted mean and its scatter about it, sum w |x - mean|^2, for
 * k-means++ to take the potential of a box a candidate is nearest to all through as
 * scatter + w |mean - y|^2: two non-negative terms, so without the cancellation of
 * expanding the square. An inner node's scatter comes from its children's by the
 * parallel axis theorem.
 */
static void set_spread(imgcolor__ftree *t, uint32_t id)
{
    const imgcolor__fnode *nd = &t->nodes[id];
    double *m = t->mean[id], s = 0;
    imgcolor__fsums_mean(&t->sums[id], t->scale, m);
    if (!nd->right) {
        for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++)
            s += t->w[i] * imgcolor__dist2(t->x[0][i], t->x[1][i], t->x[2][i], m);
    } else {
        uint32_t left = id + 1, right = nd->right;
        s = t->scatter[left] + t->scatter[right] +
            t->w_node[left] * imgcolor__dist2(t->mean[left][0], t->mean[left][1], t->mean[left][2], m) +
            t->w_node[right] * imgcolor__dist2(t->mean[right][0], t->mean[right][1], t->mean[right][2], m);
    }
    t->scatter[id] = s;
    t->w_node[id] = (double)t->sums[id].w;
}

/* Builds the subtree of points [begin, end), whose codes agree above `bit`, in preorder;
 * returns its node id. */
static uint32_t build(imgcolor__ftree *t, uint32_t begin, uint32_t end, int bit, int depth)
{
    uint32_t id = (uint32_t)t->nnodes++;
    imgcolor__fnode nd = {{0, 0, 0}, {0, 0, 0}, begin, end - begin, 0};
    imgcolor__fsums a;
    memset(&a, 0, sizeof a);
    if (depth > t->depth)
        t->depth = depth;
    if (end - begin <= FTREE_LEAF) {
        leaf_totals(t, &nd, &a);
    } else {
        uint32_t mid = split_point(t->codes, begin, end, &bit);
        uint32_t left = build(t, begin, mid, bit - 1, depth + 1);
        uint32_t right = build(t, mid, end, bit - 1, depth + 1);
        const imgcolor__fnode *l = &t->nodes[left], *r = &t->nodes[right];
        nd.right = right;
        for (int j = 0; j < 3; j++) {
            nd.lo[j] = l->lo[j] < r->lo[j] ? l->lo[j] : r->lo[j];
            nd.hi[j] = l->hi[j] > r->hi[j] ? l->hi[j] : r->hi[j];
        }
        imgcolor__fsums_add(&a, &t->sums[left]);
        imgcolor__fsums_add(&a, &t->sums[right]);
    }
    t->nodes[id] = nd;
    t->sums[id] = a;
    if (t->scatter)
        set_spread(t, id);
    return id;
}

/* 2^e for a normal double (|e| <= 1000 here), built from its bits: multiplying by it is
 * exact, as ldexp() is, without a call. 0 outside that range. */
static double pow2(int e)
{
    if (e < -1000 || e > 1000)
        return 0;
    uint64_t bits = (uint64_t)(e + 1023) << 52;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

void imgcolor__fixed_point(const double (*x)[3], size_t n, int scale, int64_t (*q)[3])
{
    double f = pow2(scale);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 3; j++)
            q[i][j] = f != 0 ? imgcolor__round_fixed(x[i][j] * f)
                             : (int64_t)nearbyint(ldexp(x[i][j], scale));
}

FTREE_LOOPS
void imgcolor__leaf_dist2(const imgcolor__ftree *t, uint32_t begin, const double y[3],
                          double out[FTREE_LEAF])
{
    const double *x0 = t->x[0] + begin, *x1 = t->x[1] + begin, *x2 = t->x[2] + begin;
    for (int i = 0; i < FTREE_LEAF; i++) {
        double d0 = x0[i] - y[0], d1 = x1[i] - y[1], d2 = x2[i] - y[2];
        out[i] = d0 * d0 + d1 * d1 + d2 * d2;
    }
}

void imgcolor__fsums_mean(const imgcolor__fsums *a, int scale, double out[3])
{
    double f = pow2(-scale);
    for (int j = 0; j < 3; j++) {
        double v = (double)a->s[j] / (double)a->w;
        out[j] = f != 0 ? v * f : ldexp(v, -scale);
    }
}

/*
 * Checks the points and picks the fixed-point scale: every coordinate's magnitude below
 * 2^62 once scaled, so that a sum of w * q over pixel counts totalling below 2^64 stays
 * below 2^126. Coordinates of magnitude 2^-10 of the largest or more are then exact; a
 * smaller one is off by at most 2^-63 of the largest, far below the rounding of a mean.
 */
static imgcolor_status set_scale(imgcolor__ftree *t)
{
    const imgcolor__points *p = t->p;
    uint64_t total = 0;
    double m[3] = {0, 0, 0}; /* per coordinate: three chains of maxima, not one */
    int finite = 1;
    for (size_t i = 0; i < p->n; i++) {
        if (p->w[i] == 0 || p->w[i] > UINT64_MAX - total)
            return IMGCOLOR_E_INVALID;
        total += p->w[i];
        for (int j = 0; j < 3; j++) {
            double a = fabs(p->x[i][j]);
            finite &= a <= DBL_MAX; /* false for infinities and NaN */
            m[j] = a > m[j] ? a : m[j];
        }
    }
    if (!finite)
        return IMGCOLOR_E_INVALID;
    double xmax = m[0] > m[1] ? m[0] : m[1];
    xmax = m[2] > xmax ? m[2] : xmax;
    int e = 0;
    frexp(xmax, &e); /* xmax < 2^e */
    t->xmax = xmax;
    t->scale = 62 - e;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__ftree_build(const imgcolor__points *p, int seeding, imgcolor__ftree *t)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    if (p->n == 0 || p->n > UINT32_MAX / 2)
        return IMGCOLOR_E_INVALID;
    imgcolor_status st = set_scale(t);
    if (st != IMGCOLOR_OK)
        return st;
    t->codes = p->codes;
    for (size_t i = 1; t->codes && i < p->n; i++)
        if (p->codes[i] <= p->codes[i - 1])
            t->codes = NULL; /* not a histogram's order: split by halves */
    /* At most n leaves and n - 1 inner nodes. */
    size_t lanes = p->n + FTREE_LEAF;
    t->x[0] = calloc(3 * lanes, sizeof *t->x[0]);
    t->w = calloc(lanes, sizeof *t->w);
    t->f = pow2(t->scale);
    if (t->f == 0)
        t->q = malloc(p->n * sizeof *t->q);
    t->nodes = malloc((2 * p->n - 1) * sizeof *t->nodes);
    t->sums = malloc((2 * p->n - 1) * sizeof *t->sums);
    if (seeding) {
        t->mean = malloc((2 * p->n - 1) * sizeof *t->mean);
        t->scatter = malloc((2 * p->n - 1) * sizeof *t->scatter);
        t->w_node = malloc((2 * p->n - 1) * sizeof *t->w_node);
        if (!t->mean || !t->scatter || !t->w_node)
            return IMGCOLOR_E_NOMEM;
    }
    if (!t->x[0] || !t->w || (t->f == 0 && !t->q) || !t->nodes || !t->sums)
        return IMGCOLOR_E_NOMEM;
    t->x[1] = t->x[0] + lanes;
    t->x[2] = t->x[1] + lanes;
    for (size_t i = 0; i < p->n; i++) {
        for (int j = 0; j < 3; j++)
            t->x[j][i] = p->x[i][j];
        t->w[i] = (double)p->w[i];
    }
    if (t->q)
        imgcolor__fixed_point(p->x, p->n, t->scale, t->q);
    build(t, 0, (uint32_t)p->n, 31, 0);
    return IMGCOLOR_OK;
}

void imgcolor__ftree_free(imgcolor__ftree *t)
{
    free(t->x[0]);
    free(t->w);
    free(t->q);
    free(t->nodes);
    free(t->sums);
    free(t->mean);
    free(t->scatter);
    free(t->w_node);
    memset(t, 0, sizeof *t);
}
