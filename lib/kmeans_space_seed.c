/* kmeans_space_seed.c: greedy k-means++ seeding in a perceptual space, on the k-d tree of
 * the points: a new centre only changes the distances of points near it, so most boxes
 * are skipped whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"

/*
 * The state, in the scratch space: each point's squared distance to its nearest centre
 * so far (closest), and per node the weighted sum of those distances and their largest.
 * A candidate y cannot lower any distance in a box whose nearest point to y is at least
 * the box's largest distance away; by a relative margin of 10^-9, far above the rounding
 * of either side, every point's own distance to y is then no lower than its closest, and
 * the box's sum is what the point-by-point minimum would give. Sums are built up the
 * tree (a leaf's in point order, then left plus right), the same way for a potential as
 * for the state, so a box skipped and a box summed agree to the bit.
 */
#define SKIP_MARGIN (1 + 1e-9)

/* Squared distance from y to the nearest point of the node's box. */
static double box_dist2(const imgcolor__fnode *nd, const double y[3])
{
    double s = 0;
    for (int j = 0; j < 3; j++) {
        double v = y[j] < nd->lo[j] ? nd->lo[j] - y[j] : y[j] > nd->hi[j] ? y[j] - nd->hi[j] : 0;
        s += v * v;
    }
    return s;
}

/* Squared distance from y to the node's box's farthest corner. */
static double box_far2(const imgcolor__fnode *nd, const double y[3])
{
    double s = 0;
    for (int j = 0; j < 3; j++) {
        double a = y[j] - nd->lo[j], b = nd->hi[j] - y[j];
        double v = a > b ? a : b;
        s += v * v;
    }
    return s;
}

static int cannot_gain(const imgcolor__fnode *nd, const imgcolor__seed_node *sn, const double y[3])
{
    return box_dist2(nd, y) >= sn->max * SKIP_MARGIN;
}

/* Whether y is nearer to every point of the box than the point's nearest centre. */
static int gains_all(const imgcolor__fnode *nd, const imgcolor__seed_node *sn, const double y[3])
{
    return box_far2(nd, y) * SKIP_MARGIN < sn->min;
}

/* The sum and largest of the distances of a leaf, in point order. */
static void leaf_totals(const imgcolor__ftree *tr, const imgcolor__fnode *nd, const double *closest,
                        imgcolor__seed_node *sn)
{
    double sum = 0, max = 0, min = INFINITY;
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        sum += tr->w[i] * closest[i];
        max = closest[i] > max ? closest[i] : max;
        min = closest[i] < min ? closest[i] : min;
    }
    *sn = (imgcolor__seed_node){sum, max, min};
}

static void inner_totals(imgcolor__seed_node *seed, uint32_t id, uint32_t right)
{
    const imgcolor__seed_node *l = &seed[id + 1], *r = &seed[right];
    seed[id] = (imgcolor__seed_node){l->sum + r->sum, l->max > r->max ? l->max : r->max,
                                     l->min < r->min ? l->min : r->min};
}

/* The distances to the first centre y, and every node's totals: one pass from the last
 * node back (preorder puts children after their parent), a leaf's distances by the
 * vectorised loop, each leaf's totals while its distances are still in the cache. */
static void start(const imgcolor__ftree *tr, const double y[3], imgcolor__space_scratch *s)
{
    for (size_t id = tr->nnodes; id-- > 0;) {
        const imgcolor__fnode *nd = &tr->nodes[id];
        if (nd->right) {
            inner_totals(s->seed, (uint32_t)id, nd->right);
            continue;
        }
        double d[FTREE_LEAF];
        imgcolor__leaf_dist2(tr, nd->begin, y, d);
        memcpy(s->closest + nd->begin, d, nd->len * sizeof d[0]);
        leaf_totals(tr, nd, s->closest, &s->seed[id]);
    }
}

/* Asks for the right child's node and totals while the left subtree is searched: the
 * left child is the next node, but the right one may be far off. */
static void prefetch_right(const imgcolor__ftree *tr, const imgcolor__fnode *nd,
                           const imgcolor__space_scratch *s)
{
    __builtin_prefetch(&tr->nodes[nd->right]);
    __builtin_prefetch(&s->seed[nd->right]);
}

/* The potential, sum w * min(closest, |x - y|^2), under node id if y were added. */
static double potential(const imgcolor__ftree *tr, uint32_t id, const double y[3],
                        const imgcolor__space_scratch *s)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    prefetch_right(tr, nd, s);
    if (cannot_gain(nd, &s->seed[id], y))
        return s->seed[id].sum;
    if (gains_all(nd, &s->seed[id], y))
        return tr->scatter[id] + tr->w_node[id] * imgcolor__dist2(tr->mean[id][0], tr->mean[id][1],
                                                                 tr->mean[id][2], y);
    if (nd->right)
        return potential(tr, id + 1, y, s) + potential(tr, nd->right, y, s);
    double d[FTREE_LEAF], sum = 0;
    imgcolor__leaf_dist2(tr, nd->begin, y, d);
    const double *closest = s->closest + nd->begin, *w = tr->w + nd->begin;
    for (uint32_t i = 0; i < nd->len; i++)
        sum += w[i] * (d[i] < closest[i] ? d[i] : closest[i]);
    return sum;
}

/* Adds centre y under node id: lowers the distances it is nearer to, and the totals. */
static void add_centre(const imgcolor__ftree *tr, uint32_t id, const double y[3],
                       imgcolor__space_scratch *s)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    prefetch_right(tr, nd, s);
    if (cannot_gain(nd, &s->seed[id], y))
        return;
    if (nd->right) {
        add_centre(tr, id + 1, y, s);
        add_centre(tr, nd->right, y, s);
        inner_totals(s->seed, id, nd->right);
        return;
    }
    double d[FTREE_LEAF], *closest = s->closest + nd->begin;
    imgcolor__leaf_dist2(tr, nd->begin, y, d);
    for (uint32_t i = 0; i < nd->len; i++)
        closest[i] = d[i] < closest[i] ? d[i] : closest[i];
    leaf_totals(tr, nd, s->closest, &s->seed[id]);
}

/* The point where the running sum of w * closest, in point order, first reaches
 * target (numpy.searchsorted over the cumulative sum), found down the node sums. */
static size_t sample(const imgcolor__ftree *tr, const imgcolor__space_scratch *s, double target)
{
    uint32_t id = 0;
    while (tr->nodes[id].right) {
        if (target <= s->seed[id + 1].sum) {
            id++;
        } else {
            target -= s->seed[id + 1].sum;
            id = tr->nodes[id].right;
        }
    }
    const imgcolor__fnode *nd = &tr->nodes[id];
    double cum = 0;
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        cum += tr->w[i] * s->closest[i];
        if (cum >= target)
            return i;
    }
    return nd->begin + nd->len - 1u; /* rounding left target a hair above the leaf's sum */
}

/* The first point whose running pixel count, in point order, reaches u * total (the
 * running count of numpy.searchsorted over the cumulative weights), found down the
 * nodes' exact counts: below 2^53, so the comparisons are exact. */
static size_t first_point(const imgcolor__ftree *tr, imgcolor__rng *r)
{
    double v = imgcolor__rng_uniform(r) * (double)tr->sums[0].w;
    uint64_t before = 0;
    uint32_t id = 0;
    while (tr->nodes[id].right) {
        uint64_t left = before + tr->sums[id + 1].w;
        if ((double)left >= v) {
            id++;
        } else {
            before = left;
            id = tr->nodes[id].right;
        }
    }
    const imgcolor__fnode *nd = &tr->nodes[id];
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        before += tr->p->w[i];
        if ((double)before >= v)
            return i;
    }
    return nd->begin + nd->len - 1u;
}

/* scikit-learn's _kmeans_plusplus with sample weights, n_local_trials = 2 + log(k). */
imgcolor_status imgcolor__space_plusplus(const imgcolor__ftree *tr, int k, imgcolor__rng *r,
                                         imgcolor__meter *meter, imgcolor__space_scratch *s,
                                         double (*c)[3])
{
    const imgcolor__points *p = tr->p;
    if (!tr->scatter)
        return IMGCOLOR_E_INTERNAL; /* a tree built for Lloyd's passes alone */
    memcpy(c[0], p->x[first_point(tr, r)], sizeof c[0]);
    start(tr, c[0], s);
    int trials = 2 + (int)log(k);
    for (int t = 1; t < k; t++) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        size_t best = 0;
        double best_pot = INFINITY;
        for (int j = 0; j < trials; j++) {
            size_t cand = sample(tr, s, imgcolor__rng_uniform(r) * s->seed[0].sum);
            double cand_pot = potential(tr, 0, p->x[cand], s);
            if (cand_pot < best_pot) { /* the first of equals, as numpy.argmin */
                best_pot = cand_pot;
                best = cand;
            }
        }
        memcpy(c[t], p->x[best], sizeof c[t]);
        add_centre(tr, 0, c[t], s);
    }
    return IMGCOLOR_OK;
}
