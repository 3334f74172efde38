/* kmeans_runs.h: the n_init runs of k-means spread over threads, and the choice of the
 * best, for any space: the RGB tree (kmeans.c) and the perceptual spaces (kmeans_space.c)
 * give their seeding and Lloyd's passes through imgcolor__kmeans_ops (kmeans_runs.c). */
#ifndef IMGCOLOR_KMEANS_RUNS_H
#define IMGCOLOR_KMEANS_RUNS_H

#include "kmeans.h"
#include "rng.h"

/* What a space gives: data is the space's read-only colours (shared by the threads),
 * scratch one thread's working memory for runs with k centres on that data. */
typedef struct imgcolor__kmeans_ops {
    /* Allocates a thread's scratch; seeds: whether it will seed runs (k-means++), or
     * only go on from given centres. */
    imgcolor_status (*scratch_new)(const void *data, int k, int seeds, void **scratch);
    void (*scratch_free)(void *scratch);
    /* Greedy k-means++ into c, meter checked before each centre. */
    imgcolor_status (*seed)(const void *data, void *scratch, int k, imgcolor__rng *r,
                            imgcolor__meter *meter, double (*c)[3]);
    /* Lloyd's passes from c (moved in place), at most max_iter (0: the final assignment
     * alone), meter checked before each; the final assignment into out. */
    imgcolor_status (*lloyd)(const void *data, void *scratch, int k, double (*c)[3],
                             int max_iter, double tol_abs, imgcolor__meter *meter,
                             imgcolor__clustering *out);
    /* Each colour's label in the final assignment of the scratch's last run, into
     * labels; NULL where the space gives none. */
    void (*labels)(const void *data, void *scratch, int *labels);
} imgcolor__kmeans_ops;

/*
 * scikit-learn's KMeans with opt's k, n_init, max_iter and seed over data (every
 * colour), tol_abs absolute: opt->n_init runs, run r seeded from opt->seed and r,
 * spread over opt->threads threads (0: the cores, at most 8). With a summary (data of
 * the same space, fewer colours standing for them; NULL: none) the runs are made on it
 * and the best IMGCOLOR_SUMMARY_REFINED of them (the earlier of equals) go on over every
 * colour from where they ended, with what is left of max_iter; the lowest inertia wins,
 * the earlier run on ties. The result does not depend on the threads. Each thread checks
 * budget (NULL: none) before each run. labels, when not NULL (and ops->labels is not),
 * receives each colour's label in the winner's final assignment.
 */
typedef struct imgcolor__kmeans_job {
    const imgcolor__kmeans_ops *ops;
    const void *data;
    const void *summary;
    const imgcolor_options *opt;
    double tol_abs;
    imgcolor__budget *budget;
    int *labels;
} imgcolor__kmeans_job;

imgcolor_status imgcolor__kmeans_best(const imgcolor__kmeans_job *job, imgcolor__clustering *out);

/*
 * The n_init starts are compared on a summary of at most 2048 colours, and per_k more
 * for each cluster beyond 8, and the summary is used only if it has at least 16 colours
 * a cluster; the best two of the runs on it are finished on every colour. Picked on the
 * sample photos at k = 3 to 32 against runs on every colour (docs/BENCHMARKS.md): at
 * k <= 8 larger summaries chose no better, and one refined run instead of two missed the
 * better optimum more often; more clusters need more colours to tell starts apart, the
 * perceptual spaces twice as many as RGB (at k = 16 in Oklab, with 1024 more a cluster,
 * coffee.png's inertia was 1.01 times scikit-learn's; with 2048, 0.992).
 */
#define IMGCOLOR_SUMMARY_PER_K_RGB 1024
#define IMGCOLOR_SUMMARY_PER_K_SPACE 2048
size_t imgcolor__summary_target(int k, size_t per_k);
int imgcolor__summary_usable(size_t colours, int k);
#define IMGCOLOR_SUMMARY_REFINED 2

#endif
