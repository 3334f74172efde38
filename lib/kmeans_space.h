/* kmeans_space.h: weighted k-means over colours with real coordinates (kmeans_space*.c
 * on the tree of kmeans_ftree.c), for clustering in Oklab or CIELAB with the semantics of
 * the RGB tree (kmeans.h).
 *
 * What is exact: every label is the nearest centre by imgcolor__dist2() over all centres
 * (the first of equals), whatever the tree prunes; a centre is the mean of exact 128-bit
 * fixed-point sums (kmeans_ftree.h), so it does not depend on the order of the points:
 * per pixel or per distinct colour, with or without codes, on any thread, the same bits.
 * The inertia is summed point by point in the given order. k-means++'s potentials are
 * summed up the tree, a box the candidate is nearest to all through taken from its
 * scatter, so they may differ from a running sum in the last bits: the picks are those of
 * the running sums unless two candidates' potentials, or a sample and a running sum,
 * agree to within that rounding. */
#ifndef IMGCOLOR_KMEANS_SPACE_H
#define IMGCOLOR_KMEANS_SPACE_H

#include "kmeans.h"

/* n points (x: n x 3 coordinates) with weights (pixel counts, each > 0), read-only;
 * codes, when not NULL, the Morton codes of the colours they are (morton.h), ascending:
 * the search's tree then follows them. Lloyd's passes and k-means++ on a tree do not
 * depend on codes; imgcolor__kmeans_space_run() does, through the summary it compares
 * starts on, which is cut from the tree. */
typedef struct imgcolor__points {
    size_t n;
    const double (*x)[3];
    const uint64_t *w;
    const uint32_t *codes;
} imgcolor__points;

/*
 * scikit-learn's KMeans(n_clusters=k, n_init, max_iter, tol) with greedy k-means++ on
 * the points as if each were w[i] pixels: opt->n_init runs seeded from opt->seed and the
 * run's index, spread over threads; the lowest inertia wins (the earliest on ties). With
 * many points, the runs are made on a summary of them (kmeans_summary.h) and the best
 * two go on over every point, as in RGB (kmeans.h). tol
 * is relative to the mean per-coordinate variance of the pixels. With no more points
 * than k, each point is its own cluster. budget as for imgcolor__kmeans_run(). labels,
 * when not NULL, has room for n and receives each point's nearest centre of the result
 * (the first of equals).
 */
imgcolor_status imgcolor__kmeans_space_run(const imgcolor__points *p, const imgcolor_options *opt,
                                           imgcolor__budget *budget, imgcolor__clustering *out,
                                           int *labels);

/* Lloyd iterations from k initial centres, then the final assignment: one run of the
 * above without the random start (tol_abs absolute). */
imgcolor_status imgcolor__kmeans_space_lloyd(const imgcolor__points *p, int k,
                                             const double (*init)[3], int max_iter,
                                             double tol_abs, imgcolor__clustering *out);

/* The index of the centre nearest to x (the first of equals). */
int imgcolor__nearest_centre(const double x[3], const double (*c)[3], int k);

#endif
