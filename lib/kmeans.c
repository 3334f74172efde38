/* kmeans.c: k-means with scikit-learn's semantics (greedy k-means++, n_init runs, Lloyd
 * iterations), exact over the weighted distinct colours: the runs, spread over threads
 * that share the read-only k-d tree, and the choice of the best. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmeans_lloyd.h"
#include "kmeans_seed.h"
#include "kmeans_summary.h"

/* Shared by the threads of one pass of runs: n_init seeded runs, or Lloyd from given
 * starts. */
typedef struct runner {
    const imgcolor__kmeans_data *d;
    const imgcolor_options *opt;
    imgcolor__budget *budget;
    double tol_abs;
    int nruns;
    const imgcolor__clustering *starts; /* NULL: seed each run with k-means++; else */
    const int *start_of;                /* run r goes on from starts[start_of[r]] */
    imgcolor__clustering *runs;         /* one per run */
    imgcolor_status *status;            /* one per run */
    atomic_int next;
} runner;

/* Takes runs from the shared counter until none is left: seeds each with its own
 * generator, so that the result does not depend on which thread ran it. A run that goes
 * on from a start has what is left of max_iter (none left: the final assignment only),
 * and counts the start's iterations as its own. */
static void *run_worker(void *arg)
{
    runner *rn = arg;
    int k = rn->opt->k;
    imgcolor__lloyd_scratch ls = {0};
    imgcolor__seeding *sd = NULL;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, rn->budget);
    imgcolor_status st = imgcolor__lloyd_scratch_init(&ls, rn->d, k);
    if (st == IMGCOLOR_OK && !rn->starts)
        st = imgcolor__seeding_new(rn->d, &sd);
    for (;;) {
        int run = atomic_fetch_add(&rn->next, 1);
        if (run >= rn->nruns)
            break;
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter); /* once over, the remaining runs fail fast */
        if (st != IMGCOLOR_OK) {
            rn->status[run] = st;
            continue;
        }
        double c[IMGCOLOR_K_MAX][3];
        imgcolor_status seeded = IMGCOLOR_OK;
        int done_before = 0;
        if (rn->starts) {
            const imgcolor__clustering *from = &rn->starts[rn->start_of[run]];
            memcpy(c, from->centres, (size_t)k * sizeof c[0]);
            done_before = from->iterations;
        } else {
            imgcolor__rng r;
            imgcolor__rng_seed(&r, rn->opt->seed, run);
            seeded = imgcolor__seeding_plusplus(sd, k, &r, &meter, c);
        }
        rn->status[run] = seeded != IMGCOLOR_OK
                              ? seeded
                              : imgcolor__lloyd(rn->d, k, c, rn->opt->max_iter - done_before,
                                                rn->tol_abs, &meter, &ls, &rn->runs[run]);
        if (rn->status[run] == IMGCOLOR_OK)
            rn->runs[run].iterations += done_before;
    }
    imgcolor__seeding_free(sd);
    imgcolor__lloyd_scratch_free(&ls);
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

/*
 * Runs rn->nruns runs and puts the indices of the `want` lowest inertias into best, the
 * lowest first, the earlier run first among equal ones: the same whichever thread ran
 * what.
 */
static imgcolor_status run_and_rank(runner *rn, int *best, int want)
{
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    rn->runs = malloc((size_t)rn->nruns * sizeof *rn->runs);
    rn->status = malloc((size_t)rn->nruns * sizeof *rn->status);
    if (!rn->runs || !rn->status)
        goto done;
    atomic_init(&rn->next, 0);
    run_on_threads(rn, thread_count(rn->opt, rn->nruns));
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

/*
 * With many colours, the n_init starts are compared on a summary of them (at most
 * SUMMARY_COLOURS, and SUMMARY_PER_K more for each cluster beyond SUMMARY_K;
 * kmeans_summary.c), k-means++ and Lloyd both; the REFINED best of those runs then go on
 * from where they ended over every colour, and the lower inertia there wins. Picked on
 * the sample photos at k = 3 to 32 against runs on every colour (docs/BENCHMARKS.md):
 * at k <= 8 larger summaries chose no better, and one refined run instead of two missed
 * the better optimum more often; more clusters need more colours to tell starts apart.
 */
#define SUMMARY_COLOURS 2048
#define SUMMARY_K 8
#define SUMMARY_PER_K 1024
#define REFINED 2

/* The summary to compare the starts on, or NULL to compare them on every colour: when
 * there are few colours, or when the summary would have too few for k. */
static imgcolor_status summarise(const imgcolor__kmeans_data *d, int k,
                                 imgcolor__kmeans_data **out)
{
    size_t target = SUMMARY_COLOURS;
    if (k > SUMMARY_K)
        target += (size_t)(k - SUMMARY_K) * SUMMARY_PER_K;
    imgcolor_status st = imgcolor__kmeans_summary(d, target, out);
    if (st == IMGCOLOR_OK && *out && (*out)->n < 16 * (size_t)k) {
        imgcolor__kmeans_data_free(*out);
        *out = NULL;
    }
    return st;
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
    double tol_abs = imgcolor__kmeans_tolerance(d, opt->tol);
    imgcolor__kmeans_data *summary = NULL;
    imgcolor_status st = summarise(d, opt->k, &summary);
    if (st != IMGCOLOR_OK)
        return st;
    runner first = {summary ? summary : d, opt, budget, tol_abs, opt->n_init, NULL, NULL,
                    NULL, NULL, 0};
    int best[REFINED];
    int refined = !summary ? 1 : opt->n_init < REFINED ? opt->n_init : REFINED;
    st = run_and_rank(&first, best, refined);
    if (st != IMGCOLOR_OK)
        goto done;
    if (!summary) {
        *out = first.runs[best[0]];
        goto done;
    }
    runner second = {d, opt, budget, tol_abs, refined, first.runs, best, NULL, NULL, 0};
    int winner;
    st = run_and_rank(&second, &winner, 1);
    if (st == IMGCOLOR_OK)
        *out = second.runs[winner];
    free(second.runs);
done:
    free(first.runs);
    imgcolor__kmeans_data_free(summary);
    return st;
}
