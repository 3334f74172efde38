/* kmeans_lloyd.h: Lloyd's iterations on the k-d tree, with scikit-learn's relocation of
 * empty clusters, for the threaded runs (kmeans.c) to call with scratch space they keep. */
#ifndef IMGCOLOR_KMEANS_LLOYD_H
#define IMGCOLOR_KMEANS_LLOYD_H

#include "kmeans_tree.h"

/* Scratch space of one thread's runs for k centres: candidate lists, one per tree
 * level, and the clusters' sums. */
typedef struct imgcolor__lloyd_scratch {
    uint16_t *cand;     /* (depth + 2) * k */
    colour_sums *sums;  /* k */
} imgcolor__lloyd_scratch;

/* Allocates scratch for k centres on d; on failure what was allocated is still freed by
 * imgcolor__lloyd_scratch_free(). */
imgcolor_status imgcolor__lloyd_scratch_init(imgcolor__lloyd_scratch *scratch,
                                             const imgcolor__kmeans_data *d, int k);
void imgcolor__lloyd_scratch_free(imgcolor__lloyd_scratch *scratch);

/*
 * Lloyd's iterations as scikit-learn's _kmeans_single_lloyd from the k centres c (moved
 * in place), at most max_iter of them, until the total squared shift is within tol_abs;
 * then a final assignment gives the clusters' counts and inertia. meter is checked
 * before each pass.
 */
imgcolor_status imgcolor__lloyd(const imgcolor__kmeans_data *d, int k, double (*c)[3],
                                int max_iter, double tol_abs, imgcolor__meter *meter,
                                imgcolor__lloyd_scratch *scratch, imgcolor__clustering *out);

#endif
