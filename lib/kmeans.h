/* kmeans.h: exact weighted k-means over the distinct colours of an image. The work is
 * in seven files: kmeans_tree.c (the k-d tree of the colours), kmeans_lloyd.c (Lloyd's
 * assignment and relocation), rng.c, kmeans_seed.c (k-means++ on the tree),
 * kmeans_summary.c (fewer colours to compare the starts on), kmeans_runs.c (the threaded
 * runs, shared with the perceptual spaces) and kmeans.c (the RGB tree's part in them). */
#ifndef IMGCOLOR_KMEANS_H
#define IMGCOLOR_KMEANS_H

#include "budget.h"

/* Squared distance between a colour and a centre, evaluated in one fixed order so that
 * every caller (the tree search, brute-force passes, tests) gets the same bits. */
static inline double imgcolor__dist2(double r, double g, double b, const double c[3])
{
    double dr = r - c[0], dg = g - c[1], db = b - c[2];
    return dr * dr + dg * dg + db * db;
}

typedef struct imgcolor__clustering {
    int k;                               /* number of centres */
    double centres[IMGCOLOR_K_MAX][3];
    uint64_t counts[IMGCOLOR_K_MAX];     /* pixels nearest to each centre */
    double inertia;
    int iterations;
} imgcolor__clustering;

/* The distinct colours, weighted by pixel count, arranged in a k-d tree. Read-only once
 * built, so the n_init runs share it across threads. */
typedef struct imgcolor__kmeans_data imgcolor__kmeans_data;

/*
 * The data for n >= 1 distinct colours, given as Morton codes (morton.h), best in
 * ascending order (others are sorted here, with their counts), and their pixel counts,
 * each > 0. counts is taken over in every case: it becomes the data's weights, freed
 * with it, or is freed on failure.
 */
imgcolor_status imgcolor__kmeans_prepare(uint32_t *codes, uint64_t *counts, size_t n,
                                         imgcolor__kmeans_data **out);
void imgcolor__kmeans_data_free(imgcolor__kmeans_data *d);

/* Absolute tolerance: tol times the mean per-channel variance of the pixels. */
double imgcolor__kmeans_tolerance(const imgcolor__kmeans_data *d, double tol);

/*
 * scikit-learn's KMeans(n_clusters=k, n_init, max_iter, tol) with greedy k-means++:
 * opt->n_init runs, each seeded from opt->seed and its index, spread over threads; the
 * lowest inertia wins (the earliest run on ties). With many colours the runs are made
 * on a summary of them (kmeans_summary.h) and the best two go on over every colour,
 * where the lower inertia wins; the result (centres, counts, inertia) is always that of
 * Lloyd's iterations over every colour. With no more distinct colours than k, each
 * colour is its own cluster. Every thread checks budget (NULL: none) before each run,
 * k-means++ centre and Lloyd pass; over it, the result is IMGCOLOR_E_LIMIT.
 */
imgcolor_status imgcolor__kmeans_run(const imgcolor__kmeans_data *d, const imgcolor_options *opt,
                                     imgcolor__budget *budget, imgcolor__clustering *out);

/* Lloyd iterations from the given k initial centres (k * 3 doubles), then a final
 * assignment: one run of the above without the random initialisation. */
imgcolor_status imgcolor__kmeans_lloyd(const imgcolor__kmeans_data *d, int k, const double *init,
                                       int max_iter, double tol_abs, imgcolor__clustering *out);

/* Greedy k-means++ centres (k * 3 doubles) for run `run` of seed `seed`. */
imgcolor_status imgcolor__kmeans_plusplus(const imgcolor__kmeans_data *d, int k, uint64_t seed,
                                          int run, double *centres);

#endif
