/* kmeans_runs.c: the n_init runs of k-means on threads that share the read-only data,
 * the choice of the best, and the finishing of the best runs of a summary on every
 * colour; the space's own work comes through imgcolor__kmeans_ops. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmeans_runs.h"

#define SUMMARY_COLOURS 2048
#define SUMMARY_K 8

size_t imgcolor__summary_target(int k, size_t per_k)
{
    size_t target = SUMMARY_COLOURS;
    if (k > SUMMARY_K)
        target += (size_t)(k - SUMMARY_K) * per_k;
    return target;
}

int imgcolor__summary_usable(size_t colours, int k)
{
    return colours >= 16 * (size_t)k;
}

/* Shared by the threads of one pass of runs: n_init seeded runs, or Lloyd's passes
 * going on from given starts. */
typedef struct runner {
    const imgcolor__kmeans_job *job;
    const void *data;
    int nruns;
    const imgcolor__clustering *starts; /* NULL: seed each run with k-means++; else */
    const int *start_of;                /* run r goes on from starts[start_of[r]] */
    imgcolor__clustering *runs;         /* one per run */
    imgcolor_status *status;            /* one per run */
    atomic_int next;
    int *labels;                        /* NULL, or the labels of the best run so far, */
    int labelled;                       /* that run (-1: none yet), under lock */
    pthread_mutex_t lock;
} runner;

/* Keeps the labels of a finished run if it beats the one kept (lower inertia, or the
 * earlier run on ties): once every run is done, they are the winner's whatever the order
 * the runs finished in. */
static void keep_labels(runner *rn, void *scratch, int run)
{
    pthread_mutex_lock(&rn->lock);
    int best = rn->labelled;
    if (best < 0 || rn->runs[run].inertia < rn->runs[best].inertia ||
        (rn->runs[run].inertia == rn->runs[best].inertia && run < best)) {
        rn->job->ops->labels(rn->data, scratch, rn->labels);
        rn->labelled = run;
    }
    pthread_mutex_unlock(&rn->lock);
}

/* One run: seeded with its own generator, so that the result does not depend on which
 * thread ran it; or going on from a start with what is left of max_iter (none left: the
 * final assignment only), counting the start's iterations as its own. */
static imgcolor_status one_run(const runner *rn, void *scratch, int run, imgcolor__meter *meter,
                               imgcolor__clustering *out)
{
    const imgcolor__kmeans_job *job = rn->job;
    int k = job->opt->k, done_before = 0;
    double c[IMGCOLOR_K_MAX][3];
    if (rn->starts) {
        const imgcolor__clustering *from = &rn->starts[rn->start_of[run]];
        memcpy(c, from->centres, (size_t)k * sizeof c[0]);
        done_before = from->iterations;
    } else {
        imgcolor__rng r;
        imgcolor__rng_seed(&r, job->opt->seed, run);
        imgcolor_status st = job->ops->seed(rn->data, scratch, k, &r, meter, c);
        if (st != IMGCOLOR_OK)
            return st;
    }
    imgcolor_status st = job->ops->lloyd(rn->data, scratch, k, c, job->opt->max_iter - done_before,
                                         job->tol_abs, meter, out);
    if (st == IMGCOLOR_OK)
        out->iterations += done_before;
    return st;
}

/* Takes runs from the shared counter until none is left. */
static void *run_worker(void *arg)
{
    runner *rn = arg;
    void *scratch = NULL;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, rn->job->budget);
    imgcolor_status st =
        rn->job->ops->scratch_new(rn->data, rn->job->opt->k, rn->starts == NULL, &scratch);
    for (;;) {
        int run = atomic_fetch_add(&rn->next, 1);
        if (run >= rn->nruns)
            break;
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter); /* once over, the remaining runs fail fast */
        if (st == IMGCOLOR_OK)
            rn->status[run] = one_run(rn, scratch, run, &meter, &rn->runs[run]);
        else
            rn->status[run] = st;
        if (rn->status[run] == IMGCOLOR_OK && rn->labels)
            keep_labels(rn, scratch, run);
    }
    rn->job->ops->scratch_free(scratch);
    return NULL;
}

static int thread_count(const imgcolor_options *opt, int nruns)
{
    int threads = opt->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    }
    return threads < nruns ? threads : nruns;
}

/* Runs every run on `threads` threads, the calling one among them, and alone if no
 * other thread can be started. */
static void run_on_threads(runner *rn, int threads)
{
    pthread_t tid[64];
    int started = 0;
    for (; started < threads - 1 && started < 64; started++)
        if (pthread_create(&tid[started], NULL, run_worker, rn) != 0)
            break;
    run_worker(rn);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/*
 * Runs rn->nruns runs and puts the indices of the `want` lowest inertias into best, the
 * lowest first, the earlier run first among equal ones: the same whichever thread ran
 * what. rn->runs is the caller's to free, on failure too.
 */
static imgcolor_status run_and_rank(runner *rn, int *best, int want)
{
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    rn->runs = malloc((size_t)rn->nruns * sizeof *rn->runs);
    rn->status = malloc((size_t)rn->nruns * sizeof *rn->status);
    if (!rn->runs || !rn->status)
        goto done;
    atomic_init(&rn->next, 0);
    rn->labelled = -1;
    if (pthread_mutex_init(&rn->lock, NULL) != 0)
        goto done;
    run_on_threads(rn, thread_count(rn->job->opt, rn->nruns));
    pthread_mutex_destroy(&rn->lock);
    int have = 0;
    for (int run = 0; run < rn->nruns; run++) {
        if (rn->status[run] != IMGCOLOR_OK) {
            st = rn->status[run];
            goto done;
        }
        int pos = have;
        while (pos > 0 && rn->runs[run].inertia < rn->runs[best[pos - 1]].inertia)
            pos--;
        if (pos >= want)
            continue;
        int last = have < want ? have : want - 1;
        memmove(&best[pos + 1], &best[pos], (size_t)(last - pos) * sizeof *best);
        best[pos] = run;
        have += have < want;
    }
    st = IMGCOLOR_OK;
done:
    free(rn->status);
    rn->status = NULL;
    return st;
}

imgcolor_status imgcolor__kmeans_best(const imgcolor__kmeans_job *job, imgcolor__clustering *out)
{
    int n_init = job->opt->n_init;
    int refined = !job->summary                       ? 1
                  : n_init < IMGCOLOR_SUMMARY_REFINED ? n_init
                                                      : IMGCOLOR_SUMMARY_REFINED;
    int *labels = job->ops->labels ? job->labels : NULL;
    runner first = {.job = job, .data = job->summary ? job->summary : job->data,
                    .nruns = n_init, .labels = job->summary ? NULL : labels};
    runner second = {.job = job, .data = job->data, .nruns = refined, .labels = labels};
    int best[IMGCOLOR_SUMMARY_REFINED], winner;
    imgcolor_status st = run_and_rank(&first, best, refined);
    if (st != IMGCOLOR_OK)
        goto done;
    if (!job->summary) {
        *out = first.runs[best[0]];
        goto done;
    }
    second.starts = first.runs;
    second.start_of = best;
    st = run_and_rank(&second, &winner, 1);
    if (st == IMGCOLOR_OK)
        *out = second.runs[winner];
done:
    free(first.runs);
    free(second.runs);
    return st;
}
