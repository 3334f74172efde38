/* kmeans_space.c: weighted k-means over colours with real coordinates (Oklab, CIELAB),
 * as scikit-learn computes it on the pixels: greedy k-means++ (kmeans_space_seed.c),
 * Lloyd with relocation of empty clusters one pixel at a time (kmeans_space_lloyd.c),
 * both on the k-d tree of the colours (kmeans_ftree.c); here the n_init runs on threads. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmeans_ftree.h"

void imgcolor__space_scratch_free(imgcolor__space_scratch *s)
{
    free(s->labels);
    free(s->closest);
    free(s->seed);
    free(s->tag);
    free(s->cand);
    free(s->sums);
}

imgcolor_status imgcolor__space_scratch_init(imgcolor__space_scratch *s, const imgcolor__ftree *t,
                                             int k)
{
    size_t n = t->p->n;
    memset(s, 0, sizeof *s);
    s->labels = malloc(n * sizeof *s->labels);
    s->closest = calloc(n + FTREE_LEAF, sizeof *s->closest);
    s->seed = malloc(t->nnodes * sizeof *s->seed);
    s->tag = calloc(t->nnodes, sizeof *s->tag);
    s->cand = malloc((size_t)(t->depth + 2) * (size_t)k * sizeof *s->cand);
    s->sums = malloc((size_t)(k + 1) * sizeof *s->sums);
    return s->labels && s->closest && s->seed && s->tag && s->cand && s->sums ? IMGCOLOR_OK
                                                                          : IMGCOLOR_E_NOMEM;
}

int imgcolor__nearest_centre(const double x[3], const double (*c)[3], int k)
{
    int best = 0;
    double best_d = imgcolor__dist2(x[0], x[1], x[2], c[0]);
    for (int t = 1; t < k; t++) {
        double d = imgcolor__dist2(x[0], x[1], x[2], c[t]);
        if (d < best_d) {
            best_d = d;
            best = t;
        }
    }
    return best;
}

imgcolor_status imgcolor__kmeans_space_lloyd(const imgcolor__points *p, int k,
                                             const double (*init)[3], int max_iter,
                                             double tol_abs, imgcolor__clustering *out)
{
    if (!p || p->n == 0 || k < 1 || k > IMGCOLOR_K_MAX || !init || !out)
        return IMGCOLOR_E_INVALID;
    imgcolor__ftree tr;
    imgcolor__space_scratch s = {0};
    double c[IMGCOLOR_K_MAX][3];
    memcpy(c, init, (size_t)k * sizeof c[0]);
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, NULL);
    imgcolor_status st = imgcolor__ftree_build(p, &tr);
    if (st == IMGCOLOR_OK)
        st = imgcolor__space_scratch_init(&s, &tr, k);
    if (st == IMGCOLOR_OK)
        st = imgcolor__space_lloyd(&tr, k, c, max_iter, tol_abs, &meter, &s, out);
    imgcolor__space_scratch_free(&s);
    imgcolor__ftree_free(&tr);
    return st;
}

/* Shared by the threads of one run of n_init initialisations. */
typedef struct space_runner {
    const imgcolor__ftree *tree;
    const imgcolor_options *opt;
    imgcolor__budget *budget;
    double tol_abs;
    imgcolor__clustering *runs;
    imgcolor_status *status;
    atomic_int next;
} space_runner;

/* Takes runs until none is left; each run has its own generator, so the result does
 * not depend on which thread ran it. */
static void *space_worker(void *arg)
{
    space_runner *rn = arg;
    int k = rn->opt->k;
    imgcolor__space_scratch s;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, rn->budget);
    imgcolor_status st = imgcolor__space_scratch_init(&s, rn->tree, k);
    for (;;) {
        int run = atomic_fetch_add(&rn->next, 1);
        if (run >= rn->opt->n_init)
            break;
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter);
        if (st != IMGCOLOR_OK) {
            rn->status[run] = st;
            continue;
        }
        double c[IMGCOLOR_K_MAX][3];
        imgcolor__rng r;
        imgcolor__rng_seed(&r, rn->opt->seed, run);
        imgcolor_status seeded = imgcolor__space_plusplus(rn->tree, k, &r, &meter, &s, c);
        rn->status[run] = seeded != IMGCOLOR_OK
                              ? seeded
                              : imgcolor__space_lloyd(rn->tree, k, c, rn->opt->max_iter,
                                                      rn->tol_abs, &meter, &s, &rn->runs[run]);
    }
    imgcolor__space_scratch_free(&s);
    return NULL;
}

/* tol times the mean per-coordinate variance of the pixels (scikit-learn's _tolerance). */
static double tolerance(const imgcolor__points *p, double tol)
{
    double total = 0, mean[3] = {0, 0, 0}, var = 0;
    for (size_t i = 0; i < p->n; i++) {
        total += (double)p->w[i];
        for (int j = 0; j < 3; j++)
            mean[j] += (double)p->w[i] * p->x[i][j];
    }
    for (int j = 0; j < 3; j++)
        mean[j] /= total;
    for (size_t i = 0; i < p->n; i++)
        for (int j = 0; j < 3; j++) {
            double d = p->x[i][j] - mean[j];
            var += (double)p->w[i] * d * d;
        }
    return tol * var / total / 3;
}

static int space_threads(const imgcolor_options *opt)
{
    int threads = opt->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    }
    return threads < opt->n_init ? threads : opt->n_init;
}

/* The labels of the result's centres, from the tree. */
static imgcolor_status label_points(const imgcolor__ftree *tree, const imgcolor__clustering *cl,
                                    int *labels)
{
    imgcolor__space_scratch s;
    imgcolor_status st = imgcolor__space_scratch_init(&s, tree, cl->k);
    if (st == IMGCOLOR_OK) {
        imgcolor__space_label(tree, cl->k, (const double (*)[3])cl->centres, &s);
        memcpy(labels, s.labels, tree->p->n * sizeof *labels);
    }
    imgcolor__space_scratch_free(&s);
    return st;
}

imgcolor_status imgcolor__kmeans_space_run(const imgcolor__points *p, const imgcolor_options *opt,
                                           imgcolor__budget *budget, imgcolor__clustering *out,
                                           int *labels)
{
    if (!p || p->n == 0 || !opt || !out)
        return IMGCOLOR_E_INVALID;
    if ((size_t)opt->k >= p->n) { /* each colour a cluster, exactly */
        memset(out, 0, sizeof *out);
        out->k = (int)p->n;
        for (size_t i = 0; i < p->n; i++) {
            memcpy(out->centres[i], p->x[i], sizeof out->centres[i]);
            out->counts[i] = p->w[i];
            if (labels)
                labels[i] = (int)i;
        }
        return IMGCOLOR_OK;
    }
    imgcolor__ftree tree;
    space_runner rn = {&tree, opt, budget, tolerance(p, opt->tol), NULL, NULL, 0};
    imgcolor_status st = imgcolor__ftree_build(p, &tree);
    if (st != IMGCOLOR_OK)
        goto done;
    rn.runs = malloc((size_t)opt->n_init * sizeof *rn.runs);
    rn.status = malloc((size_t)opt->n_init * sizeof *rn.status);
    st = IMGCOLOR_E_NOMEM;
    if (!rn.runs || !rn.status)
        goto done;
    pthread_t tid[64];
    int started = 0, threads = space_threads(opt);
    for (; started < threads - 1; started++)
        if (pthread_create(&tid[started], NULL, space_worker, &rn) != 0)
            break;
    space_worker(&rn);
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
    st = labels ? label_points(&tree, out, labels) : IMGCOLOR_OK;
done:
    free(rn.runs);
    free(rn.status);
    imgcolor__ftree_free(&tree);
    return st;
}
