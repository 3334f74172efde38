/* kmeans_seed.c: greedy k-means++ seeding, computed on the k-d tree: a new centre only
 * changes the distances of colours near it, so most boxes are skipped or taken whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_seed.h"

/*
 * k-means++ state on the tree: each colour's squared distance to its nearest chosen
 * centre, and per node the weighted sum of those distances and bounds on them. A new
 * centre only changes the colours near it, so potentials and updates skip every box
 * whose nearest corner is no closer to the candidate than the box's farthest colour is
 * to its centre, and take a box the candidate is nearer to than all its colours' centres
 * whole, from the box's integer sums. Such a box is tagged with the centre rather than
 * updated colour by colour: the tag moves down to the children when a later search has
 * to look inside, and a leaf's distances are filled in from it when they are read.
 * Sampling descends the tree by the node sums instead of a running sum. Centres here are
 * colours, so every distance is an integer below 2^18, exact as a float.
 */
typedef struct seed_node { /* `sn` below */
    double sum;     /* of w * closest */
    float max, min; /* bounds on closest: exact unless tagged */
    int32_t tag;    /* every colour below is nearest to this centre, or -1 */
} seed_node;

struct imgcolor__seeding {
    const imgcolor__kmeans_data *d;
    float *closest;   /* n, then LEAF_SIZE; a tagged leaf's are stale */
    seed_node *nodes; /* nnodes */
    float centre[IMGCOLOR_K_MAX][3];
};

/* Squared distance from c to the nearest point of the node's box. */
static float box_dist2(const kd_node *nd, const float c[3])
{
    float s = 0;
    for (int j = 0; j < 3; j++) {
        float lo = nd->lo[j], hi = nd->hi[j];
        float v = c[j] < lo ? lo - c[j] : c[j] > hi ? c[j] - hi : 0;
        s += v * v;
    }
    return s;
}

/* Squared distance from c to the node's box's farthest corner. */
static float box_far2(const kd_node *nd, const float c[3])
{
    float s = 0;
    for (int j = 0; j < 3; j++) {
        float a = c[j] - nd->lo[j], b = nd->hi[j] - c[j];
        float v = a > b ? a : b;
        s += v * v;
    }
    return s;
}

/* The weighted sum of squared distances from the node's colours to c, exactly, from its
 * integer sums: sq - 2 c.s + w |c|^2. */
static double box_potential(const imgcolor__kmeans_data *d, int32_t id, const float c[3])
{
    const colour_sums *a = &d->sums[id];
    uint64_t cc = 0, cs = 0;
    for (int j = 0; j < 3; j++) {
        uint64_t cj = (uint64_t)c[j];
        cc += cj * cj;
        cs += cj * a->s[j];
    }
    return (double)(a->sq + a->w * cc - 2 * cs);
}

/* The squared distances from c to every lane of a leaf, LEAF_SIZE of them whatever its
 * size (the channel arrays are padded), so that the loop vectorises. */
LEAF_LOOPS
static void leaf_dist2(const imgcolor__kmeans_data *d, const kd_node *nd, const float c[3],
                       float out[LEAF_SIZE])
{
    const uint8_t *xr = d->x[0] + nd->begin, *xg = d->x[1] + nd->begin, *xb = d->x[2] + nd->begin;
    for (int i = 0; i < LEAF_SIZE; i++) {
        out[i] = dist2_float((float)xr[i], (float)xg[i], (float)xb[i], c);
    }
}

/* Every colour under node id is nearest to centre t. */
static void set_tag(imgcolor__seeding *sd, int32_t id, int32_t t)
{
    const kd_node *nd = &sd->d->nodes[id];
    const float *c = sd->centre[t];
    sd->nodes[id] = (seed_node){box_potential(sd->d, id, c), box_far2(nd, c), box_dist2(nd, c), t};
}

/* Moves an inner node's tag to its children. */
static void push_tag(imgcolor__seeding *sd, int32_t id)
{
    int32_t t = sd->nodes[id].tag;
    if (t < 0)
        return;
    set_tag(sd, id + 1, t);
    set_tag(sd, (int32_t)sd->d->nodes[id].right, t);
    sd->nodes[id].tag = -1;
}

/* Brings a tagged leaf's distances up to date. */
static const float *leaf_closest(imgcolor__seeding *sd, int32_t id)
{
    const kd_node *nd = &sd->d->nodes[id];
    float *closest = sd->closest + nd->begin;
    int32_t t = sd->nodes[id].tag;
    if (t >= 0) {
        float dd[LEAF_SIZE];
        leaf_dist2(sd->d, nd, sd->centre[t], dd);
        memcpy(closest, dd, nd->len * sizeof *closest);
        sd->nodes[id].tag = -1;
    }
    return closest;
}

/* Lowers a leaf's distances to centre c and recomputes the leaf's totals. */
static void leaf_update(imgcolor__seeding *sd, int32_t id, const float c[3])
{
    const kd_node *nd = &sd->d->nodes[id];
    float *closest = (float *)leaf_closest(sd, id);
    float dd[LEAF_SIZE];
    leaf_dist2(sd->d, nd, c, dd);
    const uint64_t *w = sd->d->w + nd->begin;
    double sum = 0;
    float max = 0, min = INFINITY;
    for (uint32_t i = 0; i < nd->len; i++) {
        float v = dd[i] < closest[i] ? dd[i] : closest[i];
        closest[i] = v;
        sum += (double)w[i] * v;
        max = v > max ? v : max;
        min = v < min ? v : min;
    }
    sd->nodes[id] = (seed_node){sum, max, min, -1};
}

static void inner_totals(imgcolor__seeding *sd, int32_t id)
{
    const seed_node *l = &sd->nodes[id + 1], *r = &sd->nodes[sd->d->nodes[id].right];
    sd->nodes[id] = (seed_node){l->sum + r->sum, l->max > r->max ? l->max : r->max,
                                l->min < r->min ? l->min : r->min, -1};
}

/*
 * Which of two centres is nearer over the whole box: -1 when a is at least as near as b
 * at every point, 1 when b is, 0 when neither. |x - b|^2 - |x - a|^2 is linear in x, so
 * its extremes are at opposite corners; for colours every term is an integer below
 * 2^20, exact in floats.
 */
static int box_side(const kd_node *nd, const float a[3], const float b[3])
{
    float na = 0, nb = 0, dmax = 0, dmin = 0;
    for (int j = 0; j < 3; j++) {
        float dj = b[j] - a[j];
        na += a[j] * a[j];
        nb += b[j] * b[j];
        dmax += (dj > 0 ? nd->hi[j] : nd->lo[j]) * dj;
        dmin += (dj > 0 ? nd->lo[j] : nd->hi[j]) * dj;
    }
    return nb - na - 2 * dmax >= 0 ? -1 : nb - na - 2 * dmin <= 0 ? 1 : 0;
}

/* The potential sum w * min(closest, |x - c|^2) if c were added. */
static double seeding_potential(imgcolor__seeding *sd, int32_t id, const float c[3])
{
    const kd_node *nd = &sd->d->nodes[id];
    const seed_node *sn = &sd->nodes[id];
    if (sn->tag >= 0) {
        /* One centre for the whole box: the plane between it and c decides. */
        int side = box_side(nd, sd->centre[sn->tag], c);
        if (side < 0)
            return sn->sum;
        if (side > 0)
            return box_potential(sd->d, id, c);
    }
    if (box_dist2(nd, c) >= sn->max)
        return sn->sum;
    if (box_far2(nd, c) <= sn->min)
        return box_potential(sd->d, id, c);
    if (nd->len) {
        const float *closest = leaf_closest(sd, id);
        float dd[LEAF_SIZE];
        leaf_dist2(sd->d, nd, c, dd);
        const uint64_t *w = sd->d->w + nd->begin;
        double sum = 0;
        for (uint32_t i = 0; i < nd->len; i++)
            sum += (double)w[i] * (dd[i] < closest[i] ? dd[i] : closest[i]);
        return sum;
    }
    push_tag(sd, id);
    return seeding_potential(sd, id + 1, c) + seeding_potential(sd, (int32_t)nd->right, c);
}

/* Adds centre t: lowers the distances it is nearer to, and refreshes the totals. */
static void seeding_add(imgcolor__seeding *sd, int32_t id, int32_t t)
{
    const kd_node *nd = &sd->d->nodes[id];
    const float *c = sd->centre[t];
    if (sd->nodes[id].tag >= 0) {
        int side = box_side(nd, sd->centre[sd->nodes[id].tag], c);
        if (side < 0)
            return;
        if (side > 0) {
            set_tag(sd, id, t);
            return;
        }
    }
    if (box_dist2(nd, c) >= sd->nodes[id].max)
        return;
    if (box_far2(nd, c) <= sd->nodes[id].min) {
        set_tag(sd, id, t);
        return;
    }
    if (nd->len) {
        leaf_update(sd, id, c);
        return;
    }
    push_tag(sd, id);
    seeding_add(sd, id + 1, t);
    seeding_add(sd, (int32_t)nd->right, t);
    inner_totals(sd, id);
}

/* The colour where the cumulative weighted distance first reaches target (numpy's
 * searchsorted over the cumulative sum), found by descending the node sums. */
static size_t seeding_sample(imgcolor__seeding *sd, double target)
{
    int32_t id = 0;
    const kd_node *nd = &sd->d->nodes[0];
    while (!nd->len) {
        push_tag(sd, id);
        if (target <= sd->nodes[id + 1].sum) {
            id = id + 1;
        } else {
            target -= sd->nodes[id + 1].sum;
            id = (int32_t)nd->right;
        }
        nd = &sd->d->nodes[id];
    }
    const float *closest = leaf_closest(sd, id);
    const uint64_t *w = sd->d->w + nd->begin;
    double cum = 0;
    for (uint32_t i = 0; i < nd->len; i++) {
        cum += (double)w[i] * closest[i];
        if (cum >= target)
            return nd->begin + i;
    }
    return nd->begin + nd->len - 1u; /* rounding left target a hair above the leaf's sum */
}

/* The colour of pixel number `pick` (below the total), the pixels taken colour by colour
 * in tree order: descends by the nodes' pixel counts. */
static size_t pixel_colour(const imgcolor__kmeans_data *d, uint64_t pick)
{
    int32_t id = 0;
    while (!d->nodes[id].len) {
        uint64_t left = d->sums[id + 1].w;
        if (pick < left) {
            id = id + 1;
        } else {
            pick -= left;
            id = (int32_t)d->nodes[id].right;
        }
    }
    const kd_node *nd = &d->nodes[id];
    size_t i = nd->begin;
    while (i + 1 < (size_t)nd->begin + nd->len && d->w[i] <= pick)
        pick -= d->w[i++];
    return i;
}

/*
 * Greedy k-means++ as scikit-learn's _kmeans_plusplus: the first centre is a pixel drawn
 * uniformly; each next one is the best, by resulting potential, of 2 + floor(ln k)
 * pixels drawn with probability proportional to their squared distance to the nearest
 * centre so far. Pixels of one colour are one weighted point here.
 */
imgcolor_status imgcolor__seeding_plusplus(imgcolor__seeding *sd, int k, imgcolor__rng *r,
                                           imgcolor__meter *meter, double (*c)[3])
{
    const imgcolor__kmeans_data *d = sd->d;
    size_t first = pixel_colour(d, imgcolor__rng_below(r, d->total));
    colour_as_floats(d, first, sd->centre[0]);
    set_tag(sd, 0, 0);
    colour_as_centre(d, first, c[0]);
    double pot = sd->nodes[0].sum;
    int trials = 2 + (int)log((double)k);
    for (int t = 1; t < k; t++) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        size_t best = 0;
        double best_pot = 0;
        for (int q = 0; q < trials; q++) {
            size_t id = seeding_sample(sd, imgcolor__rng_uniform(r) * pot);
            float cf[3];
            colour_as_floats(d, id, cf);
            double cp = seeding_potential(sd, 0, cf);
            if (q == 0 || cp < best_pot) {
                best_pot = cp;
                best = id;
            }
        }
        colour_as_floats(d, best, sd->centre[t]);
        seeding_add(sd, 0, t);
        colour_as_centre(d, best, c[t]);
        pot = sd->nodes[0].sum;
    }
    return IMGCOLOR_OK;
}


imgcolor_status imgcolor__seeding_new(const imgcolor__kmeans_data *d, imgcolor__seeding **out)
{
    imgcolor__seeding *sd = *out = calloc(1, sizeof *sd);
    if (!sd)
        return IMGCOLOR_E_NOMEM;
    sd->d = d;
    sd->closest = imgcolor__alloc_large((d->n + LEAF_SIZE) * sizeof *sd->closest);
    sd->nodes = imgcolor__alloc_large(d->nnodes * sizeof *sd->nodes);
    if (!sd->closest || !sd->nodes)
        return IMGCOLOR_E_NOMEM;
    memset(sd->closest, 0, (d->n + LEAF_SIZE) * sizeof *sd->closest);
    return IMGCOLOR_OK;
}

void imgcolor__seeding_free(imgcolor__seeding *sd)
{
    if (!sd)
        return;
    free(sd->closest);
    free(sd->nodes);
    free(sd);
}

imgcolor_status imgcolor__kmeans_plusplus(const imgcolor__kmeans_data *d, int k, uint64_t seed,
                                          int run, double *centres)
{
    if (!d || !centres || k < 1 || k > IMGCOLOR_K_MAX || (size_t)k > d->n)
        return IMGCOLOR_E_INVALID;
    imgcolor__seeding *sd = NULL;
    imgcolor_status st = imgcolor__seeding_new(d, &sd);
    if (st == IMGCOLOR_OK) {
        imgcolor__rng r;
        imgcolor__meter unmetered = {0};
        imgcolor__rng_seed(&r, seed, run);
        st = imgcolor__seeding_plusplus(sd, k, &r, &unmetered, (double(*)[3])centres);
    }
    imgcolor__seeding_free(sd);
    return st;
}
