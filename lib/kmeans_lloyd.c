/* kmeans_lloyd.c: Lloyd's assignment step on the k-d tree, handing whole boxes to a
 * centre once every other centre is provably farther (Kanungo et al.'s filtering), and
 * scikit-learn's relocation of empty clusters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_lloyd.h"

/* A centre is pruned from a box only when it is farther than the winner by this much at
 * the box's nearest corner: far above the rounding error of distances up to 3 * 255^2, so
 * pruning never disagrees with the point-by-point comparison. */
#define PRUNE_MARGIN 1e-6

/*
 * The centres of one assignment pass in the forms the tree search wants: squared norms
 * for the pruning tests, and single-precision channels for the first look at a leaf;
 * `cs` below.
 */
typedef struct centres {
    const double (*c)[3];
    double norm[IMGCOLOR_K_MAX];
    float f[IMGCOLOR_K_MAX][3];
    float margin; /* see float_margin() */
} centres;

/*
 * How far apart two single-precision squared distances must be for the comparison to
 * agree with the double one the result is defined by. With centre channels of magnitude
 * at most m, a difference of channels is below 255 + m = e and off by at most 2^-23 e
 * (the centre's rounding, then the difference's), so each square is off by at most
 * 5 * 2^-24 e^2, and the sum of three, with its own two roundings, by 21 * 2^-24 e^2.
 * Two distances are off by less than 2^-18 e^2 together: 0.99 for centres in the cube.
 */
static float float_margin(double m)
{
    double e = 255 + m;
    return (float)(e * e * 0x1p-18);
}

static void add_point(const imgcolor__kmeans_data *d, size_t i, colour_sums *a)
{
    uint64_t w = d->w[i];
    uint64_t r = (uint64_t)d->x[0][i], g = (uint64_t)d->x[1][i], b = (uint64_t)d->x[2][i];
    a->w += w;
    a->s[0] += w * r;
    a->s[1] += w * g;
    a->s[2] += w * b;
    a->sq += w * (r * r + g * g + b * b);
}

static void add_sums(const colour_sums *from, colour_sums *a)
{
    a->w += from->w;
    for (int j = 0; j < 3; j++)
        a->s[j] += from->s[j];
    a->sq += from->sq;
}

/*
 * Is centre t farther than centre s from every point of the box? The difference of
 * squared distances, |t|^2 - |s|^2 - 2 v.(t - s), is linear in the point v, so its
 * minimum is at one corner. It is evaluated in a different order than the distances
 * themselves; the margin is far above the rounding of either (values below 2^18), so a
 * centre pruned here is never the nearest by the point-by-point comparison.
 */
static int farther_everywhere(const centres *cs, int t, int s, const kd_node *nd)
{
    double dot = 0;
    for (int j = 0; j < 3; j++) {
        double dj = cs->c[t][j] - cs->c[s][j];
        dot += (dj > 0 ? nd->hi[j] : nd->lo[j]) * dj;
    }
    return cs->norm[t] - cs->norm[s] - 2 * dot > PRUNE_MARGIN;
}

/* The index of the centre nearest to point i by the exact distance, among the m
 * centres listed in cand (ascending), or the first m when cand is NULL; the lowest
 * index on ties, as a point-by-point argmin over all centres gives. The distance goes to
 * *dist when dist is not NULL. */
static int nearest(const imgcolor__kmeans_data *d, size_t i, const double (*c)[3],
                   const uint16_t *cand, int m, double *dist)
{
    double r = d->x[0][i], g = d->x[1][i], b = d->x[2][i];
    int best = cand ? cand[0] : 0;
    double bd = imgcolor__dist2(r, g, b, c[best]);
    for (int t = 1; t < m; t++) {
        int z = cand ? cand[t] : t;
        double dd = imgcolor__dist2(r, g, b, c[z]);
        if (dd < bd) {
            bd = dd;
            best = z;
        }
    }
    if (dist)
        *dist = bd;
    return best;
}

/*
 * The points of a leaf with m >= 2 candidates. Every lane of a full leaf is computed,
 * whatever the leaf's size (the arrays are padded), so that the loops have a fixed trip
 * count and vectorise; lanes past the end are ignored. A point whose two nearest
 * candidates are within the float margin of each other is decided again in double.
 */
LEAF_LOOPS
static void assign_leaf(const imgcolor__kmeans_data *d, int32_t id, const centres *cs,
                        const uint16_t *cand, int m, colour_sums *sums)
{
    const kd_node *nd = &d->nodes[id];
    const uint8_t *xr = d->x[0] + nd->begin, *xg = d->x[1] + nd->begin, *xb = d->x[2] + nd->begin;
    float b1[LEAF_SIZE], b2[LEAF_SIZE];
    int32_t lab[LEAF_SIZE];
    for (int i = 0; i < LEAF_SIZE; i++) {
        b1[i] = INFINITY;
        b2[i] = INFINITY;
        lab[i] = 0;
    }
    for (int t = 0; t < m; t++) {
        const float *ct = cs->f[cand[t]];
        for (int i = 0; i < LEAF_SIZE; i++) {
            float dd = dist2_float((float)xr[i], (float)xg[i], (float)xb[i], ct);
            float hi = dd < b1[i] ? b1[i] : dd, lo = dd < b1[i] ? dd : b1[i];
            lab[i] = dd < b1[i] ? t : lab[i];
            b2[i] = hi < b2[i] ? hi : b2[i];
            b1[i] = lo;
        }
    }
    uint32_t len = nd->len;
    int first = -1, mixed = 0;
    for (uint32_t i = 0; i < len; i++) {
        int l = b2[i] - b1[i] > cs->margin ? cand[lab[i]]
                                             : nearest(d, nd->begin + i, cs->c, cand, m, NULL);
        lab[i] = l;
        if (first < 0)
            first = l;
        mixed |= l != first;
    }
    /* Often every colour of the leaf has the same nearest centre after all: then the
     * leaf's own sums serve. */
    if (!mixed) {
        add_sums(&d->sums[id], &sums[first]);
        return;
    }
    for (uint32_t i = 0; i < len; i++)
        add_point(d, nd->begin + i, &sums[lab[i]]);
}

/* Adds every point under node id to the sums of its nearest centre, among the m
 * candidates in cand (ascending indices). */
static void assign(const imgcolor__kmeans_data *d, int32_t id, const centres *cs,
                   const uint16_t *cand, int m, uint16_t *next, int k, colour_sums *sums)
{
    const kd_node *nd = &d->nodes[id];
    /* The candidate nearest the box's centre prunes best. */
    double mid[3];
    for (int j = 0; j < 3; j++)
        mid[j] = (double)nd->lo[j] + (double)nd->hi[j];
    int winner = cand[0];
    double winner_key = INFINITY;
    for (int t = 0; t < m; t++) {
        const double *ct = cs->c[cand[t]];
        double dd = cs->norm[cand[t]] - (mid[0] * ct[0] + mid[1] * ct[1] + mid[2] * ct[2]);
        if (dd < winner_key) {
            winner_key = dd;
            winner = cand[t];
        }
    }
    int kept = 0;
    for (int t = 0; t < m; t++)
        if (cand[t] == winner || !farther_everywhere(cs, cand[t], winner, nd))
            next[kept++] = cand[t];
    if (kept == 1) {
        add_sums(&d->sums[id], &sums[winner]);
        return;
    }
    if (nd->len) {
        assign_leaf(d, id, cs, next, kept, sums);
        return;
    }
    assign(d, id + 1, cs, next, kept, next + k, k, sums);
    assign(d, (int32_t)nd->right, cs, next, kept, next + k, k, sums);
}

static void assign_all(const imgcolor__kmeans_data *d, const double (*c)[3], int k,
                       imgcolor__lloyd_scratch *scratch)
{
    centres cs;
    cs.c = c;
    double m = 0;
    for (int t = 0; t < k; t++) {
        cs.norm[t] = c[t][0] * c[t][0] + c[t][1] * c[t][1] + c[t][2] * c[t][2];
        for (int j = 0; j < 3; j++) {
            cs.f[t][j] = (float)c[t][j];
            m = fabs(c[t][j]) > m ? fabs(c[t][j]) : m;
        }
    }
    cs.margin = float_margin(m);
    memset(scratch->sums, 0, (size_t)k * sizeof *scratch->sums);
    for (int t = 0; t < k; t++)
        scratch->cand[t] = (uint16_t)t;
    if (k == 1) {
        add_sums(&d->sums[0], &scratch->sums[0]);
        return;
    }
    assign(d, 0, &cs, scratch->cand, k, scratch->cand + k, k, scratch->sums);
}

/* A colour far from its centre, a candidate for relocation. */
typedef struct far_colour {
    double dist;
    uint32_t rgb;
    size_t i;
    int label;
} far_colour;

/* The `want` colours farthest from their own centres, the farthest first and among
 * equally far ones the lower 0xRRGGBB, into top; returns how many there are. */
static int farthest_colours(const imgcolor__kmeans_data *d, const double (*c)[3], int k,
                            far_colour *top, int want)
{
    int have = 0;
    for (size_t i = 0; i < d->n; i++) {
        double dist;
        int label = nearest(d, i, c, NULL, k, &dist);
        uint32_t rgb = (uint32_t)d->x[0][i] << 16 | (uint32_t)d->x[1][i] << 8 |
                       (uint32_t)d->x[2][i];
        far_colour f = {dist, rgb, i, label};
        int pos = have;
        while (pos > 0 && (top[pos - 1].dist < dist ||
                           (top[pos - 1].dist == dist && top[pos - 1].rgb > rgb)))
            pos--;
        if (pos >= want)
            continue;
        int last = have < want ? have : want - 1;
        memmove(&top[pos + 1], &top[pos], (size_t)(last - pos) * sizeof *top);
        top[pos] = f;
        if (have < want)
            have++;
    }
    return have;
}

/*
 * scikit-learn's _relocate_empty_clusters: each empty cluster takes one pixel from the
 * pixels farthest from their own centre, the farthest first, and that pixel leaves its
 * old cluster's sums. Rare, so it is a plain pass over all colours.
 */
static imgcolor_status relocate_empty(const imgcolor__kmeans_data *d, const double (*c)[3], int k,
                                      colour_sums *sums)
{
    int n_empty = 0;
    for (int t = 0; t < k; t++)
        n_empty += sums[t].w == 0;
    if (n_empty == 0)
        return IMGCOLOR_OK;
    far_colour *top = calloc((size_t)n_empty, sizeof *top);
    if (!top)
        return IMGCOLOR_E_NOMEM;
    int have = farthest_colours(d, c, k, top, n_empty);
    /* Hand out pixels: a colour with several pixels can fill several empty clusters. */
    int next = 0;
    uint64_t used = 0;
    for (int t = 0; t < k && next < have; t++) {
        if (sums[t].w != 0)
            continue;
        const far_colour *f = &top[next];
        uint64_t r = f->rgb >> 16, g = (f->rgb >> 8) & 0xFF, b = f->rgb & 0xFF;
        colour_sums *old = &sums[f->label];
        old->w -= 1;
        old->s[0] -= r;
        old->s[1] -= g;
        old->s[2] -= b;
        old->sq -= r * r + g * g + b * b;
        sums[t] = (colour_sums){1, {r, g, b}, r * r + g * g + b * b};
        if (++used == d->w[f->i]) {
            next++;
            used = 0;
        }
    }
    free(top);
    return IMGCOLOR_OK;
}

/* Inertia from exact sums: sum w |x - c|^2 = sq - 2 c.s + w |c|^2 per cluster. */
static double inertia_of(const colour_sums *sums, const double (*c)[3], int k)
{
    double total = 0;
    for (int t = 0; t < k; t++) {
        if (sums[t].w == 0)
            continue;
        double dot = 0, norm = 0;
        for (int j = 0; j < 3; j++) {
            dot += c[t][j] * (double)sums[t].s[j];
            norm += c[t][j] * c[t][j];
        }
        double v = (double)sums[t].sq - 2 * dot + (double)sums[t].w * norm;
        total += v > 0 ? v : 0;
    }
    return total;
}

imgcolor_status imgcolor__lloyd_scratch_init(imgcolor__lloyd_scratch *scratch,
                                             const imgcolor__kmeans_data *d, int k)
{
    scratch->cand = malloc((size_t)(d->depth + 2) * (size_t)k * sizeof *scratch->cand);
    scratch->sums = malloc((size_t)k * sizeof *scratch->sums);
    return scratch->cand && scratch->sums ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
}

void imgcolor__lloyd_scratch_free(imgcolor__lloyd_scratch *scratch)
{
    free(scratch->cand);
    free(scratch->sums);
}

/* Each pass assigns with the current centres and moves each centre to its cluster's
 * mean; a total squared shift within tol_abs includes unchanged assignments, after which
 * the means do not move. */
imgcolor_status imgcolor__lloyd(const imgcolor__kmeans_data *d, int k, double (*c)[3],
                                int max_iter, double tol_abs, imgcolor__meter *meter,
                                imgcolor__lloyd_scratch *scratch, imgcolor__clustering *out)
{
    int it = 0;
    while (it < max_iter) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        assign_all(d, (const double(*)[3])c, k, scratch);
        st = relocate_empty(d, (const double(*)[3])c, k, scratch->sums);
        if (st != IMGCOLOR_OK)
            return st;
        double shift = 0;
        for (int t = 0; t < k; t++) {
            if (scratch->sums[t].w == 0)
                continue;
            for (int j = 0; j < 3; j++) {
                double v = (double)scratch->sums[t].s[j] / (double)scratch->sums[t].w;
                shift += (v - c[t][j]) * (v - c[t][j]);
                c[t][j] = v;
            }
        }
        it++;
        if (shift <= tol_abs)
            break;
    }
    assign_all(d, (const double(*)[3])c, k, scratch);
    out->k = k;
    for (int t = 0; t < k; t++) {
        memcpy(out->centres[t], c[t], sizeof out->centres[t]);
        out->counts[t] = scratch->sums[t].w;
    }
    out->inertia = inertia_of(scratch->sums, (const double(*)[3])c, k);
    out->iterations = it;
    return IMGCOLOR_OK;
}


imgcolor_status imgcolor__kmeans_lloyd(const imgcolor__kmeans_data *d, int k, const double *init,
                                       int max_iter, double tol_abs, imgcolor__clustering *out)
{
    if (!d || !init || !out || k < 1 || k > IMGCOLOR_K_MAX || max_iter < 1)
        return IMGCOLOR_E_INVALID;
    imgcolor__lloyd_scratch scratch = {0};
    imgcolor__meter unmetered = {0};
    double c[IMGCOLOR_K_MAX][3];
    memcpy(c, init, (size_t)k * sizeof c[0]);
    imgcolor_status st = imgcolor__lloyd_scratch_init(&scratch, d, k);
    if (st == IMGCOLOR_OK)
        st = imgcolor__lloyd(d, k, c, max_iter, tol_abs, &unmetered, &scratch, out);
    imgcolor__lloyd_scratch_free(&scratch);
    return st;
}
