/* kmeans.c: k-means with scikit-learn's semantics (greedy k-means++, n_init runs, Lloyd
 * iterations, relocation of empty clusters), computed exactly and fast over the weighted
 * distinct colours: Lloyd's assignment step walks a k-d tree and hands whole boxes to a
 * centre once every other centre is provably farther (Kanungo et al.'s filtering). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmeans.h"
#include "morton.h"

/* The leaf loops, compiled a second time for AVX2 and picked at load time where the
 * processor has it (GCC on x86-64; not under sanitizers). The arithmetic is the same
 * either way: no fused multiply-add (-ffp-contract=off), so the results are too. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define LEAF_LOOPS __attribute__((target_clones("avx2", "default")))
#else
#define LEAF_LOOPS
#endif

/* A leaf holds at most this many colours; below it brute force beats more tree. */
#define LEAF_SIZE 32
/* A centre is pruned from a box only when it is farther than the winner by this much at
 * the box's nearest corner: far above the rounding error of distances up to 3 * 255^2, so
 * pruning never disagrees with the point-by-point comparison. */
#define PRUNE_MARGIN 1e-6

/* Pixel count and pixel-weighted sums of a set of colours, exact in integers: of a
 * cluster during an assignment pass, or of a tree node. */
typedef struct acc {
    uint64_t w, s[3], sq; /* pixels, channel sums, sum of squared norms */
} acc;

/*
 * A node of the tree, in preorder: an inner node's left child is the next node. What a
 * search reads at every node fits in 16 bytes; the node's sums, needed only where a
 * search stops, are kept apart (sums[id]).
 */
typedef struct node {
    uint8_t lo[3], hi[3]; /* bounding box */
    uint8_t len;          /* colours of a leaf; 0 for an inner node */
    uint8_t unused;
    uint32_t begin;       /* a leaf's first colour, in tree order */
    uint32_t right;       /* an inner node's right child */
} node;

struct imgcolor__kmeans_data {
    size_t n;
    uint8_t *x[3];   /* channels of the colours, in tree order, then LEAF_SIZE zeros;
                        one allocation, at x[0] */
    uint64_t *w;     /* pixel counts, in tree order */
    node *nodes;
    acc *sums;       /* per node */
    size_t nnodes;
    int depth;       /* of the deepest leaf */
    uint64_t total;  /* pixels */
    double var_mean; /* mean per-channel variance of the pixels */
};

/* ---- building the tree ------------------------------------------------------------ */

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
    node nd = {{255, 255, 255}, {0, 0, 0}, 0, 0, begin, 0};
    acc a = {0, {0, 0, 0}, 0};
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
        const node *l = &d->nodes[left], *r = &d->nodes[right];
        const acc *ls = &d->sums[left], *rs = &d->sums[right];
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

imgcolor_status imgcolor__kmeans_prepare(uint32_t *codes, uint64_t *counts, size_t n,
                                         imgcolor__kmeans_data **out)
{
    *out = NULL;
    imgcolor_status st = IMGCOLOR_E_INVALID;
    imgcolor__kmeans_data *d = NULL;
    if (n == 0 || n > UINT32_MAX / 2)
        goto fail;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        if (counts[i] == 0 || counts[i] >= (1ull << 40) || codes[i] > 0xFFFFFFu)
            goto fail;
        sorted &= i == 0 || codes[i] > codes[i - 1];
    }
    if (!sorted) {
        if ((st = sort_by_code(codes, counts, n)) != IMGCOLOR_OK)
            goto fail;
        /* Leaves hold at most LEAF_SIZE colours only if colours are distinct. */
        st = IMGCOLOR_E_INVALID;
        for (size_t i = 1; i < n; i++)
            if (codes[i] == codes[i - 1])
                goto fail;
    }
    st = IMGCOLOR_E_NOMEM;
    if (!(d = calloc(1, sizeof *d)))
        goto fail;
    d->n = n;
    d->w = counts;
    counts = NULL;
    /* The channels share one allocation, each padded with LEAF_SIZE zeros. */
    size_t lanes = n + LEAF_SIZE;
    if (!(d->x[0] = imgcolor__alloc_large(3 * lanes)))
        goto fail;
    d->x[1] = d->x[0] + lanes;
    d->x[2] = d->x[1] + lanes;
    for (int j = 0; j < 3; j++)
        memset(d->x[j] + n, 0, LEAF_SIZE);
    for (size_t i = 0; i < n; i++) {
        uint32_t rgb = imgcolor__morton_rgb(codes[i]);
        for (int j = 0; j < 3; j++)
            d->x[j][i] = (uint8_t)(rgb >> (16 - 8 * j));
    }
    /* A tree over n colours has at most n leaves and n - 1 inner nodes. Pages of the
     * allocation that are never written cost nothing; the rest is given back below. */
    d->nodes = imgcolor__alloc_large((2 * n - 1) * sizeof *d->nodes);
    d->sums = imgcolor__alloc_large((2 * n - 1) * sizeof *d->sums);
    if (!d->nodes || !d->sums)
        goto fail;
    build(d, codes, 0, (uint32_t)n, 23, 0);
    node *nodes = realloc(d->nodes, d->nnodes * sizeof *nodes);
    acc *sums = realloc(d->sums, d->nnodes * sizeof *sums);
    d->nodes = nodes ? nodes : d->nodes;
    d->sums = sums ? sums : d->sums;
    /* The mean per-channel population variance, as numpy.var over every pixel: the
     * mean square minus the square mean, from the exact sums. */
    const acc *root = &d->sums[0];
    d->total = root->w;
    double mean2 = 0;
    for (int j = 0; j < 3; j++) {
        double mean = (double)root->s[j] / (double)root->w;
        mean2 += mean * mean;
    }
    d->var_mean = ((double)root->sq / (double)root->w - mean2) / 3;
    *out = d;
    return IMGCOLOR_OK;
fail:
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

/* ---- the assignment step -------------------------------------------------------------- */

typedef struct seeding seeding; /* k-means++ state, below */

/* Scratch space of one run: candidate lists, one per tree level. */
typedef struct workspace {
    uint16_t *cand;  /* (depth + 2) * k */
    acc *sums;       /* k */
    seeding *seed;   /* for k-means++, or NULL */
} workspace;

/*
 * The centres of one assignment pass in the forms the tree search wants: squared norms
 * for the pruning tests, and single-precision channels for the first look at a leaf.
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

static void add_point(const imgcolor__kmeans_data *d, size_t i, acc *a)
{
    uint64_t w = d->w[i];
    uint64_t r = (uint64_t)d->x[0][i], g = (uint64_t)d->x[1][i], b = (uint64_t)d->x[2][i];
    a->w += w;
    a->s[0] += w * r;
    a->s[1] += w * g;
    a->s[2] += w * b;
    a->sq += w * (r * r + g * g + b * b);
}

static void add_sums(const acc *from, acc *a)
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
static int farther_everywhere(const centres *cs, int t, int s, const node *nd)
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
                        const uint16_t *cand, int m, acc *sums)
{
    const node *nd = &d->nodes[id];
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
        const float cr = ct[0], cg = ct[1], cb = ct[2];
        for (int i = 0; i < LEAF_SIZE; i++) {
            float dr = (float)xr[i] - cr, dg = (float)xg[i] - cg, db = (float)xb[i] - cb;
            float dd = dr * dr + dg * dg + db * db;
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
                   const uint16_t *cand, int m, uint16_t *next, int k, acc *sums)
{
    const node *nd = &d->nodes[id];
    /* The candidate nearest the box's centre prunes best. */
    double mid[3];
    for (int j = 0; j < 3; j++)
        mid[j] = (double)nd->lo[j] + (double)nd->hi[j];
    int zs = cand[0];
    double zd = INFINITY;
    for (int t = 0; t < m; t++) {
        const double *ct = cs->c[cand[t]];
        double dd = cs->norm[cand[t]] - (mid[0] * ct[0] + mid[1] * ct[1] + mid[2] * ct[2]);
        if (dd < zd) {
            zd = dd;
            zs = cand[t];
        }
    }
    int mm = 0;
    for (int t = 0; t < m; t++)
        if (cand[t] == zs || !farther_everywhere(cs, cand[t], zs, nd))
            next[mm++] = cand[t];
    if (mm == 1) {
        add_sums(&d->sums[id], &sums[zs]);
        return;
    }
    if (nd->len) {
        assign_leaf(d, id, cs, next, mm, sums);
        return;
    }
    assign(d, id + 1, cs, next, mm, next + k, k, sums);
    assign(d, (int32_t)nd->right, cs, next, mm, next + k, k, sums);
}

static void assign_all(const imgcolor__kmeans_data *d, const double (*c)[3], int k, workspace *ws)
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
    memset(ws->sums, 0, (size_t)k * sizeof *ws->sums);
    for (int t = 0; t < k; t++)
        ws->cand[t] = (uint16_t)t;
    if (k == 1) {
        add_sums(&d->sums[0], &ws->sums[0]);
        return;
    }
    assign(d, 0, &cs, ws->cand, k, ws->cand + k, k, ws->sums);
}

/*
 * scikit-learn's _relocate_empty_clusters: each empty cluster takes one pixel from the
 * pixels farthest from their own centre, the farthest first, and that pixel leaves its
 * old cluster's sums. Among equally far colours the lower 0xRRGGBB goes first. Rare, so
 * it is a plain pass over all colours.
 */
static imgcolor_status relocate_empty(const imgcolor__kmeans_data *d, const double (*c)[3], int k,
                                      acc *sums)
{
    int n_empty = 0;
    for (int t = 0; t < k; t++)
        n_empty += sums[t].w == 0;
    if (n_empty == 0)
        return IMGCOLOR_OK;
    /* The n_empty farthest colours, each with its remaining pixels, kept sorted. */
    typedef struct far {
        double dist;
        uint32_t rgb;
        size_t i;
        int label;
    } far;
    far *top = calloc((size_t)n_empty, sizeof *top);
    if (!top)
        return IMGCOLOR_E_NOMEM;
    int have = 0;
    for (size_t i = 0; i < d->n; i++) {
        double dist;
        int label = nearest(d, i, c, NULL, k, &dist);
        uint32_t rgb = (uint32_t)d->x[0][i] << 16 | (uint32_t)d->x[1][i] << 8 |
                       (uint32_t)d->x[2][i];
        far f = {dist, rgb, i, label};
        int pos = have;
        while (pos > 0 && (top[pos - 1].dist < dist ||
                           (top[pos - 1].dist == dist && top[pos - 1].rgb > rgb)))
            pos--;
        if (pos >= n_empty)
            continue;
        int last = have < n_empty ? have : n_empty - 1;
        memmove(&top[pos + 1], &top[pos], (size_t)(last - pos) * sizeof *top);
        top[pos] = f;
        if (have < n_empty)
            have++;
    }
    /* Hand out pixels: a colour with several pixels can fill several empty clusters. */
    int next = 0;
    uint64_t used = 0;
    for (int t = 0; t < k && next < have; t++) {
        if (sums[t].w != 0)
            continue;
        const far *f = &top[next];
        uint64_t r = f->rgb >> 16, g = (f->rgb >> 8) & 0xFF, b = f->rgb & 0xFF;
        acc *old = &sums[f->label];
        old->w -= 1;
        old->s[0] -= r;
        old->s[1] -= g;
        old->s[2] -= b;
        old->sq -= r * r + g * g + b * b;
        sums[t] = (acc){1, {r, g, b}, r * r + g * g + b * b};
        if (++used == d->w[f->i]) {
            next++;
            used = 0;
        }
    }
    free(top);
    return IMGCOLOR_OK;
}

/* Inertia from exact sums: sum w |x - c|^2 = sq - 2 c.s + w |c|^2 per cluster. */
static double inertia_of(const acc *sums, const double (*c)[3], int k)
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

/* Lloyd's iterations as sklearn's _kmeans_single_lloyd: assign with the current centres,
 * move each centre to its cluster's mean, stop when the total squared shift is within
 * tol_abs (which includes unchanged assignments: then the means do not move). */
static imgcolor_status lloyd(const imgcolor__kmeans_data *d, int k, double (*c)[3], int max_iter,
                             double tol_abs, workspace *ws, imgcolor__clustering *out)
{
    int it = 0;
    while (it < max_iter) {
        assign_all(d, (const double(*)[3])c, k, ws);
        imgcolor_status st = relocate_empty(d, (const double(*)[3])c, k, ws->sums);
        if (st != IMGCOLOR_OK)
            return st;
        double shift = 0;
        for (int t = 0; t < k; t++) {
            if (ws->sums[t].w == 0)
                continue;
            for (int j = 0; j < 3; j++) {
                double v = (double)ws->sums[t].s[j] / (double)ws->sums[t].w;
                shift += (v - c[t][j]) * (v - c[t][j]);
                c[t][j] = v;
            }
        }
        it++;
        if (shift <= tol_abs)
            break;
    }
    assign_all(d, (const double(*)[3])c, k, ws);
    out->k = k;
    for (int t = 0; t < k; t++) {
        memcpy(out->centers[t], c[t], sizeof out->centers[t]);
        out->counts[t] = ws->sums[t].w;
    }
    out->inertia = inertia_of(ws->sums, (const double(*)[3])c, k);
    out->iterations = it;
    return IMGCOLOR_OK;
}

/* ---- k-means++ --------------------------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: small, fast, and the same on every platform. */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, int run)
{
    uint64_t x = seed ^ ((uint64_t)run * 0xD1B54A32D192ED03u);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = (x << 7 | x >> 57) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return result;
}

/* Uniform in [0, 1). */
static double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

/* Uniform integer in [0, bound), without modulo bias. */
static uint64_t rng_below(rng *r, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do
        v = rng_next(r);
    while (v >= limit);
    return v % bound;
}

static void center_of(const imgcolor__kmeans_data *d, size_t i, double c[3])
{
    for (int j = 0; j < 3; j++)
        c[j] = d->x[j][i];
}

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
typedef struct seed_node {
    double sum;     /* of w * closest */
    float max, min; /* bounds on closest: exact unless tagged */
    int32_t tag;    /* every colour below is nearest to this centre, or -1 */
} seed_node;

struct seeding {
    const imgcolor__kmeans_data *d;
    float *closest;   /* n, then LEAF_SIZE; a tagged leaf's are stale */
    seed_node *nodes; /* nnodes */
    float centre[IMGCOLOR_K_MAX][3];
};

/* Squared distance from c to the nearest point of the node's box. */
static float box_dist2(const node *nd, const float c[3])
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
static float box_far2(const node *nd, const float c[3])
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
    const acc *a = &d->sums[id];
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
static void leaf_dist2(const imgcolor__kmeans_data *d, const node *nd, const float c[3],
                       float out[LEAF_SIZE])
{
    const uint8_t *xr = d->x[0] + nd->begin, *xg = d->x[1] + nd->begin, *xb = d->x[2] + nd->begin;
    for (int i = 0; i < LEAF_SIZE; i++) {
        float dr = (float)xr[i] - c[0], dg = (float)xg[i] - c[1], db = (float)xb[i] - c[2];
        out[i] = dr * dr + dg * dg + db * db;
    }
}

/* Every colour under node id is nearest to centre t. */
static void set_tag(seeding *sd, int32_t id, int32_t t)
{
    const node *nd = &sd->d->nodes[id];
    const float *c = sd->centre[t];
    sd->nodes[id] = (seed_node){box_potential(sd->d, id, c), box_far2(nd, c), box_dist2(nd, c), t};
}

/* Moves an inner node's tag to its children. */
static void push_tag(seeding *sd, int32_t id)
{
    int32_t t = sd->nodes[id].tag;
    if (t < 0)
        return;
    set_tag(sd, id + 1, t);
    set_tag(sd, (int32_t)sd->d->nodes[id].right, t);
    sd->nodes[id].tag = -1;
}

/* Brings a tagged leaf's distances up to date. */
static const float *leaf_closest(seeding *sd, int32_t id)
{
    const node *nd = &sd->d->nodes[id];
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
static void leaf_update(seeding *sd, int32_t id, const float c[3])
{
    const node *nd = &sd->d->nodes[id];
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

static void inner_totals(seeding *sd, int32_t id)
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
static int box_side(const node *nd, const float a[3], const float b[3])
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
static double seeding_potential(seeding *sd, int32_t id, const float c[3])
{
    const node *nd = &sd->d->nodes[id];
    const seed_node *st = &sd->nodes[id];
    if (st->tag >= 0) {
        /* One centre for the whole box: the plane between it and c decides. */
        int side = box_side(nd, sd->centre[st->tag], c);
        if (side < 0)
            return st->sum;
        if (side > 0)
            return box_potential(sd->d, id, c);
    }
    if (box_dist2(nd, c) >= st->max)
        return st->sum;
    if (box_far2(nd, c) <= st->min)
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
static void seeding_add(seeding *sd, int32_t id, int32_t t)
{
    const node *nd = &sd->d->nodes[id];
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
static size_t seeding_sample(seeding *sd, double target)
{
    int32_t id = 0;
    const node *nd = &sd->d->nodes[0];
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
    const node *nd = &d->nodes[id];
    size_t i = nd->begin;
    while (i + 1 < (size_t)nd->begin + nd->len && d->w[i] <= pick)
        pick -= d->w[i++];
    return i;
}

static void colour_of(const imgcolor__kmeans_data *d, size_t i, float c[3])
{
    for (int j = 0; j < 3; j++)
        c[j] = d->x[j][i];
}

/*
 * Greedy k-means++ as scikit-learn's _kmeans_plusplus: the first centre is a pixel drawn
 * uniformly; each next one is the best, by resulting potential, of 2 + floor(ln k)
 * pixels drawn with probability proportional to their squared distance to the nearest
 * centre so far. Pixels of one colour are one weighted point here.
 */
static void plusplus(const imgcolor__kmeans_data *d, int k, rng *r, seeding *sd, double (*c)[3])
{
    size_t first = pixel_colour(d, rng_below(r, d->total));
    colour_of(d, first, sd->centre[0]);
    set_tag(sd, 0, 0);
    center_of(d, first, c[0]);
    double pot = sd->nodes[0].sum;
    int trials = 2 + (int)log((double)k);
    for (int t = 1; t < k; t++) {
        size_t best = 0;
        double best_pot = 0;
        for (int q = 0; q < trials; q++) {
            size_t id = seeding_sample(sd, rng_uniform(r) * pot);
            float cf[3];
            colour_of(d, id, cf);
            double cp = seeding_potential(sd, 0, cf);
            if (q == 0 || cp < best_pot) {
                best_pot = cp;
                best = id;
            }
        }
        colour_of(d, best, sd->centre[t]);
        seeding_add(sd, 0, t);
        center_of(d, best, c[t]);
        pot = sd->nodes[0].sum;
    }
}

/* ---- runs ---------------------------------------------------------------------------- */

static imgcolor_status workspace_init(workspace *ws, const imgcolor__kmeans_data *d, int k,
                                      int with_closest)
{
    ws->cand = malloc((size_t)(d->depth + 2) * (size_t)k * sizeof *ws->cand);
    ws->sums = malloc((size_t)k * sizeof *ws->sums);
    if (!ws->cand || !ws->sums)
        return IMGCOLOR_E_NOMEM;
    if (with_closest) {
        seeding *sd = ws->seed = calloc(1, sizeof *ws->seed);
        if (!sd)
            return IMGCOLOR_E_NOMEM;
        sd->d = d;
        sd->closest = imgcolor__alloc_large((d->n + LEAF_SIZE) * sizeof *sd->closest);
        sd->nodes = imgcolor__alloc_large(d->nnodes * sizeof *sd->nodes);
        if (!sd->closest || !sd->nodes)
            return IMGCOLOR_E_NOMEM;
        memset(sd->closest, 0, (d->n + LEAF_SIZE) * sizeof *sd->closest);
    }
    return IMGCOLOR_OK;
}

static void workspace_free(workspace *ws)
{
    free(ws->cand);
    free(ws->sums);
    if (ws->seed) {
        free(ws->seed->closest);
        free(ws->seed->nodes);
        free(ws->seed);
    }
}

imgcolor_status imgcolor__kmeans_lloyd(const imgcolor__kmeans_data *d, int k, const double *init,
                                       int max_iter, double tol_abs, imgcolor__clustering *out)
{
    if (!d || !init || !out || k < 1 || k > IMGCOLOR_K_MAX || max_iter < 1)
        return IMGCOLOR_E_INVALID;
    workspace ws = {0};
    double c[IMGCOLOR_K_MAX][3];
    memcpy(c, init, (size_t)k * sizeof c[0]);
    imgcolor_status st = workspace_init(&ws, d, k, 0);
    if (st == IMGCOLOR_OK)
        st = lloyd(d, k, c, max_iter, tol_abs, &ws, out);
    workspace_free(&ws);
    return st;
}

imgcolor_status imgcolor__kmeans_plusplus(const imgcolor__kmeans_data *d, int k, uint64_t seed,
                                          int run, double *centers)
{
    if (!d || !centers || k < 1 || k > IMGCOLOR_K_MAX || (size_t)k > d->n)
        return IMGCOLOR_E_INVALID;
    workspace ws = {0};
    imgcolor_status st = workspace_init(&ws, d, k, 1);
    if (st == IMGCOLOR_OK) {
        rng r;
        rng_seed(&r, seed, run);
        plusplus(d, k, &r, ws.seed, (double(*)[3])centers);
    }
    workspace_free(&ws);
    return st;
}

/* Shared by the threads of one imgcolor__kmeans_run call. */
typedef struct runner {
    const imgcolor__kmeans_data *d;
    const imgcolor_options *opt;
    double tol_abs;
    imgcolor__clustering *runs; /* one per init */
    imgcolor_status *status;    /* one per init */
    atomic_int next;
} runner;

static void *run_worker(void *arg)
{
    runner *rn = arg;
    int k = rn->opt->k;
    workspace ws = {0};
    imgcolor_status st = workspace_init(&ws, rn->d, k, 1);
    for (;;) {
        int run = atomic_fetch_add(&rn->next, 1);
        if (run >= rn->opt->n_init)
            break;
        if (st != IMGCOLOR_OK) {
            rn->status[run] = st;
            continue;
        }
        double c[IMGCOLOR_K_MAX][3];
        rng r;
        rng_seed(&r, rn->opt->seed, run);
        plusplus(rn->d, k, &r, ws.seed, c);
        rn->status[run] = lloyd(rn->d, k, c, rn->opt->max_iter, rn->tol_abs, &ws, &rn->runs[run]);
    }
    workspace_free(&ws);
    return NULL;
}

static int thread_count(const imgcolor_options *opt)
{
    int threads = opt->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    }
    return threads < opt->n_init ? threads : opt->n_init;
}

imgcolor_status imgcolor__kmeans_run(const imgcolor__kmeans_data *d, const imgcolor_options *opt,
                                     imgcolor__clustering *out)
{
    if (!d || !opt || !out)
        return IMGCOLOR_E_INVALID;
    int k = opt->k;
    if ((size_t)k >= d->n) {
        /* No more colours than clusters: each colour is a cluster, exactly. */
        out->k = (int)d->n;
        for (size_t i = 0; i < d->n; i++) {
            center_of(d, i, out->centers[i]);
            out->counts[i] = d->w[i];
        }
        out->inertia = 0;
        out->iterations = 0;
        return IMGCOLOR_OK;
    }
    runner rn = {d, opt, imgcolor__kmeans_tolerance(d, opt->tol), NULL, NULL, 0};
    rn.runs = malloc((size_t)opt->n_init * sizeof *rn.runs);
    rn.status = malloc((size_t)opt->n_init * sizeof *rn.status);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!rn.runs || !rn.status)
        goto done;
    int threads = thread_count(opt);
    pthread_t tid[64];
    int started = 0;
    for (; started < threads - 1; started++)
        if (pthread_create(&tid[started], NULL, run_worker, &rn) != 0)
            break;
    run_worker(&rn); /* the calling thread works too, and alone if no thread started */
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    int best = -1;
    for (int run = 0; run < opt->n_init; run++) {
        if (rn.status[run] != IMGCOLOR_OK) {
            st = rn.status[run];
            goto done;
        }
        if (best < 0 || rn.runs[run].inertia < rn.runs[best].inertia)
            best = run;
    }
    *out = rn.runs[best];
    st = IMGCOLOR_OK;
done:
    free(rn.runs);
    free(rn.status);
    return st;
}
