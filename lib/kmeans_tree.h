/* kmeans_tree.h: the k-d tree over an image's weighted distinct colours, as the k-means
 * files (kmeans_tree.c builds it; kmeans_lloyd.c and kmeans_seed.c search it) see it. */
#ifndef IMGCOLOR_KMEANS_TREE_H
#define IMGCOLOR_KMEANS_TREE_H

#include "kmeans.h"

/* Names here are unprefixed: this header is read by the kmeans_*.c files alone. */

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

/* Pixel count and pixel-weighted sums of a set of colours, exact in integers: of a
 * cluster during an assignment pass, or of a tree node. */
typedef struct colour_sums {
    uint64_t w, s[3], sq; /* pixels, channel sums, sum of squared norms */
} colour_sums;

/*
 * A node of the tree, in preorder: an inner node's left child is the next node. What a
 * search reads at every node fits in 16 bytes; the node's sums, needed only where a
 * search stops, are kept apart (sums[id]).
 */
typedef struct kd_node {
    uint8_t lo[3], hi[3]; /* bounding box */
    uint8_t len;          /* colours of a leaf; 0 for an inner node */
    uint8_t unused;
    uint32_t begin;       /* a leaf's first colour, in tree order */
    uint32_t right;       /* an inner node's right child */
} kd_node;

struct imgcolor__kmeans_data {
    size_t n;
    uint8_t *x[3];      /* channels of the colours, in tree order, then LEAF_SIZE zeros;
                           one allocation, at x[0] */
    uint64_t *w;        /* pixel counts, in tree order */
    kd_node *nodes;
    colour_sums *sums;  /* per node */
    size_t nnodes;
    int depth;          /* of the deepest leaf */
    uint64_t total;     /* pixels */
    double var_mean;    /* mean per-channel variance of the pixels */
};

/* Squared distance between a colour's channels and a centre in single precision, for the
 * leaf loops' first look; in the order of imgcolor__dist2 (kmeans.h), the exact one. */
static inline float dist2_float(float r, float g, float b, const float c[3])
{
    float dr = r - c[0], dg = g - c[1], db = b - c[2];
    return dr * dr + dg * dg + db * db;
}

/* The channels of colour i (in tree order), as a centre. */
static inline void colour_as_centre(const imgcolor__kmeans_data *d, size_t i, double c[3])
{
    for (int j = 0; j < 3; j++)
        c[j] = d->x[j][i];
}

/* The same in single precision, exact: channels are integers. */
static inline void colour_as_floats(const imgcolor__kmeans_data *d, size_t i, float c[3])
{
    for (int j = 0; j < 3; j++)
        c[j] = d->x[j][i];
}

#endif
