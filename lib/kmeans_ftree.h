/* kmeans_ftree.h: the k-d tree over points with real coordinates (kmeans_ftree.c), with
 * exact per-node sums, that k-means in Oklab or CIELAB (kmeans_space*.c) searches. */
#ifndef IMGCOLOR_KMEANS_FTREE_H
#define IMGCOLOR_KMEANS_FTREE_H

#include <math.h>
#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kmeans_space.h"
#include "rng.h"

/* A leaf holds at most this many points: with 64 rather than 16, clustering in Oklab
 * took 0.88 to 0.94 times the CPU time on astronaut.png, coffee.png and pixels-16mp.jpg
 * (fewer nodes to build and visit, longer vectorised loops), with the same quality. */
#define FTREE_LEAF 64

/* The leaf loops, compiled a second time for AVX2 and picked at load time where the
 * processor has it (GCC on x86-64; not under sanitizers). The arithmetic is the same
 * either way: no fused multiply-add (-ffp-contract=off), lane by lane the operations
 * of imgcolor__dist2(), so the results are too. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define FTREE_LOOPS __attribute__((target_clones("avx2", "default")))
#else
#define FTREE_LOOPS
#endif

/*
 * Sums of points that do not depend on the order they are added in: the pixel count and
 * the pixel-weighted sums of the coordinates in fixed point (each coordinate rounded once
 * to a multiple of 2^-scale, see imgcolor__ftree), exact in 128-bit integers. A cluster's
 * centre is then the same whether its points come one by one or a node at a time, from
 * the histogram or pixel by pixel.
 */
typedef struct imgcolor__fsums {
    uint64_t w;
    __int128 s[3];
} imgcolor__fsums;

/* A node, in preorder: an inner node's left child is the next node. Its points are the
 * contiguous run [begin, begin + len) of the points in their given order. */
typedef struct imgcolor__fnode {
    double lo[3], hi[3]; /* bounding box of the points */
    uint32_t begin, len;
    uint32_t right;      /* an inner node's right child; 0 for a leaf */
} imgcolor__fnode;

typedef struct imgcolor__ftree {
    const imgcolor__points *p;
    const uint32_t *codes;  /* p->codes if ascending, else NULL */
    double *x[3];           /* the coordinates, one array each, padded with FTREE_LEAF
                               zeros so that leaf loops run a fixed count; one
                               allocation, at x[0] */
    double *w;              /* n + FTREE_LEAF: the weights as doubles, padded */
    int64_t (*q)[3];        /* n: the coordinates in fixed point, x * 2^scale rounded,
                               only where f is 0 (else NULL: imgcolor__fixed_at()) */
    int scale;
    double f;               /* 2^scale, or 0 where that is not a normal double */
    imgcolor__fnode *nodes;
    imgcolor__fsums *sums;  /* per node */
    double (*mean)[3];      /* per node: the pixel-weighted mean of its points */
    double *scatter;        /* per node: sum w |x - mean|^2 of its points */
    double *w_node;         /* per node: its pixels; these three for k-means++ alone,
                               NULL in a tree built for Lloyd's passes only */
    size_t nnodes;
    int depth;              /* of the deepest leaf */
    double xmax;            /* the largest magnitude of a coordinate */
} imgcolor__ftree;

/* Builds the tree over p (kept by reference, not copied), for k-means++ too if seeding
 * (each node's mean and scatter). Points with Morton codes in ascending order (p->codes)
 * split as the codes' bit planes do; others by halves. */
imgcolor_status imgcolor__ftree_build(const imgcolor__points *p, int seeding, imgcolor__ftree *t);
void imgcolor__ftree_free(imgcolor__ftree *t);

/* k-means++'s totals of a node: the sum of w * closest under it, and the largest and
 * smallest closest (kmeans_space_seed.c). */
typedef struct imgcolor__seed_node {
    double sum, max, min;
} imgcolor__seed_node;

/* One thread's scratch for runs with k centres on a tree. */
typedef struct imgcolor__space_scratch {
    int *labels;               /* n: each point's centre, under the tags */
    int32_t *tag;              /* per node: the centre of every point below, or -1 */
    double *closest;           /* n + FTREE_LEAF: k-means++ distances; relocation's */
    imgcolor__seed_node *seed; /* per node */
    uint16_t *cand;            /* (depth + 2) * k: candidate lists, one per tree level */
    imgcolor__fsums *sums;     /* k + 1: the clusters', carried over passes */
} imgcolor__space_scratch;

/* Allocates scratch for k centres on t; what was allocated is freed by
 * imgcolor__space_scratch_free() on failure too. */
imgcolor_status imgcolor__space_scratch_init(imgcolor__space_scratch *s, const imgcolor__ftree *t,
                                             int k);
void imgcolor__space_scratch_free(imgcolor__space_scratch *s);

/* scikit-learn's _kmeans_plusplus with sample weights, n_local_trials = 2 + log(k), into
 * c; meter is checked before each centre (kmeans_space_seed.c). */
imgcolor_status imgcolor__space_plusplus(const imgcolor__ftree *t, int k, imgcolor__rng *r,
                                         imgcolor__meter *meter, imgcolor__space_scratch *s,
                                         double (*c)[3]);

/*
 * scikit-learn's _kmeans_single_lloyd from the k centres c (moved in place): passes until
 * no label changes or the total squared shift is within tol_abs, at most max_iter, then
 * the final assignment's counts and inertia (kmeans_space_lloyd.c). meter is checked
 * before each pass.
 */
imgcolor_status imgcolor__space_lloyd(const imgcolor__ftree *t, int k, double (*c)[3],
                                      int max_iter, double tol_abs, imgcolor__meter *meter,
                                      imgcolor__space_scratch *s, imgcolor__clustering *out);

/* The squared distances from the lanes of the leaf at begin to y, FTREE_LEAF of them
 * whatever the leaf's size; bit for bit imgcolor__dist2(). */
void imgcolor__leaf_dist2(const imgcolor__ftree *t, uint32_t begin, const double y[3],
                          double out[FTREE_LEAF]);

/* Each point's label in the final assignment of the last imgcolor__space_lloyd() run on
 * s, into labels (room for t->p->n). */
void imgcolor__space_last_labels(const imgcolor__ftree *t, imgcolor__space_scratch *s,
                                 int *labels);

/* Adds w pixels at the fixed-point coordinates q, or the sums b, to a. */
static inline void imgcolor__fsums_add_point(imgcolor__fsums *a, uint64_t w, const int64_t q[3])
{
    a->w += w;
    for (int j = 0; j < 3; j++)
        a->s[j] += (__int128)w * q[j];
}

/* v rounded to an integer in the current rounding mode, as nearbyint(); |v| < 2^63. */
static inline int64_t imgcolor__round_fixed(double v)
{
#if defined(__x86_64__) && defined(__SSE2__)
    return _mm_cvtsd_si64(_mm_set_sd(v));
#else
    return llrint(v);
#endif
}

/*
 * Point i's fixed-point coordinate j, and adding point i of t to sums. Where 2^scale is a
 * normal double the coordinate is worked out again from the tree's copy of x, which the
 * leaf loops have just read: the same integer imgcolor__fixed_point() rounds from the
 * same product, without another array to fill and to miss in the caches.
 */
static inline int64_t imgcolor__fixed_at(const imgcolor__ftree *t, size_t i, int j)
{
    return t->f != 0 ? imgcolor__round_fixed(t->x[j][i] * t->f) : t->q[i][j];
}

static inline void imgcolor__fsums_add_at(imgcolor__fsums *a, const imgcolor__ftree *t, size_t i)
{
    uint64_t w = t->p->w[i];
    a->w += w;
    for (int j = 0; j < 3; j++)
        a->s[j] += (__int128)w * imgcolor__fixed_at(t, i, j);
}

static inline void imgcolor__fsums_add(imgcolor__fsums *a, const imgcolor__fsums *b)
{
    a->w += b->w;
    for (int j = 0; j < 3; j++)
        a->s[j] += b->s[j];
}

static inline void imgcolor__fsums_sub(imgcolor__fsums *a, const imgcolor__fsums *b)
{
    a->w -= b->w;
    for (int j = 0; j < 3; j++)
        a->s[j] -= b->s[j];
}

/* The mean of sums a (a->w > 0): each coordinate rounded once to a double, then divided
 * by the pixel count and scaled back (exactly). */
void imgcolor__fsums_mean(const imgcolor__fsums *a, int scale, double out[3]);

/* The fixed-point coordinates of the n points x at the given scale, into q. */
void imgcolor__fixed_point(const double (*x)[3], size_t n, int scale, int64_t (*q)[3]);

#endif
