/* kmeans.c: k-means with scikit-learn's semantics (greedy k-means++, n_init runs, Lloyd
 * iterations), exact over the weighted distinct colours: the runs, spread over threads
 * that share the read-only k-d tree, and the choice of the best. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "kmeans_lloyd.h"
#include "kmeans_seed.h"

/* Shared by the threads of one imgcolor__kmeans_run call. */
typedef struct runner {
    const imgcolor__kmeans_data *d;
    const imgcolor_options *opt;
    imgcolor__budget *budget;
    double tol_abs;
    imgcolor__clustering *runs; /* one per init */
    imgcolor_status *status;    /* one per init */
    atomic_int next;
} runner;

/* Takes runs from the shared counter until none is left: seeds each with its own
 * generator, so that the result does not depend on which thread ran it. */
static void *run_worker(void *arg)
{
    runner *rn = arg;
    int k = rn->opt->k;
    imgcolor__lloyd_scratch ls = {0};
    imgcolor__seeding *sd = NULL;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, rn->budget);
    imgcolor_status st = imgcolor__lloyd_scratch_init(&ls, rn->d, k);
    if (st == IMGCOLOR_OK)
        st = imgcolor__seeding_new(rn->d, &sd);
    for (;;) {
        int run = atomic_fetch_add(&rn->next, 1);
        if (run >= rn->opt->n_init)
            break;
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter); /* once over, the remaining runs fail fast */
        if (st != IMGCOLOR_OK) {
            rn->status[run] = st;
            continue;
        }
        double c[IMGCOLOR_K_MAX][3];
        imgcolor__rng r;
        imgcolor__rng_seed(&r, rn->opt->seed, run);
        imgcolor_status seeded = imgcolor__seeding_plusplus(sd, k, &r, &meter, c);
        rn->status[run] = seeded != IMGCOLOR_OK
                              ? seeded
                              : imgcolor__lloyd(rn->d, k, c, rn->opt->max_iter, rn->tol_abs,
                                                &meter, &ls, &rn->runs[run]);
    }
    imgcolor__seeding_free(sd);
    imgcolor__lloyd_scratch_free(&ls);
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

/* No more colours than clusters: each colour is a cluster, exactly. */
static void each_colour_a_cluster(const imgcolor__kmeans_data *d, imgcolor__clustering *out)
{
    out->k = (int)d->n;
    for (size_t i = 0; i < d->n; i++) {
        colour_as_centre(d, i, out->centres[i]);
        out->counts[i] = d->w[i];
    }
    out->inertia = 0;
    out->iterations = 0;
}

/* Runs every init on `threads` threads, the calling one among them, and alone if no
 * other thread can be started. */
static void run_on_threads(runner *rn, int threads)
{
    pthread_t tid[64];
    int started = 0;
    for (; started < threads - 1; started++)
        if (pthread_create(&tid[started], NULL, run_worker, rn) != 0)
            break;
    run_worker(rn);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

imgcolor_status imgcolor__kmeans_run(const imgcolor__kmeans_data *d, const imgcolor_options *opt,
                                     imgcolor__budget *budget, imgcolor__clustering *out)
{
    if (!d || !opt || !out)
        return IMGCOLOR_E_INVALID;
    if ((size_t)opt->k >= d->n) {
        each_colour_a_cluster(d, out);
        return IMGCOLOR_OK;
    }
    runner rn = {d, opt, budget, imgcolor__kmeans_tolerance(d, opt->tol), NULL, NULL, 0};
    rn.runs = malloc((size_t)opt->n_init * sizeof *rn.runs);
    rn.status = malloc((size_t)opt->n_init * sizeof *rn.status);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!rn.runs || !rn.status)
        goto done;
    run_on_threads(&rn, thread_count(opt));
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
