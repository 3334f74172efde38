/* kmeans_space.c: weighted k-means over colours with real coordinates (Oklab, CIELAB),
 * as scikit-learn computes it on the pixels: greedy k-means++, Lloyd with relocation of
 * empty clusters one pixel at a time, n_init runs on threads. Lloyd's passes skip, by
 * Hamerly's bounds, the colours whose nearest centre cannot have changed. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmeans_space.h"
#include "rng.h"

/* One thread's scratch for runs with k centres over n points. */
typedef struct space_scratch {
    double *closest;   /* n: k-means++ distances, then distances to the own centre */
    double *cumulative; /* n */
    int *labels; /* n */
    double *upper, *lower; /* n: Hamerly's bounds on the distance to the own centre and
                              to every other */
} space_scratch;

static void scratch_free(space_scratch *s)
{
    free(s->closest);
    free(s->cumulative);
    free(s->labels);
    free(s->upper);
    free(s->lower);
}

static imgcolor_status scratch_init(space_scratch *s, size_t n)
{
    memset(s, 0, sizeof *s);
    s->closest = malloc(n * sizeof *s->closest);
    s->cumulative = malloc(n * sizeof *s->cumulative);
    s->labels = malloc(n * sizeof *s->labels);
    s->upper = malloc(n * sizeof *s->upper);
    s->lower = malloc(n * sizeof *s->lower);
    return s->closest && s->cumulative && s->labels && s->upper && s->lower
               ? IMGCOLOR_OK
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

/* numpy.searchsorted(cumulative, v) (side "left"), clipped to n - 1. */
static size_t search(const double *cumulative, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cumulative[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? lo : n - 1;
}

/* The running sums of weight * closest, the candidates' sampling distribution. */
static double accumulate(const imgcolor__points *p, const double *closest, double *cumulative)
{
    double sum = 0;
    for (size_t i = 0; i < p->n; i++) {
        sum += (double)p->w[i] * closest[i];
        cumulative[i] = sum;
    }
    return sum;
}

/* Squared distances from y to the first t centres. */
static void gaps_to(const double (*c)[3], int t, const double y[3], double *gap2)
{
    for (int a = 0; a < t; a++)
        gap2[a] = imgcolor__dist2(y[0], y[1], y[2], c[a]);
}

/* Whether y is provably no nearer to colour i than its nearest centre so far, a: by the
 * triangle inequality when |c_a y| > 2 |x_i c_a|, with a margin over rounding, so that
 * min(closest, |x_i y|^2) is closest exactly and the sums are those of the full pass. */
static int cannot_gain(const space_scratch *s, const double *gap2, size_t i)
{
    return gap2[s->labels[i]] > 4 * s->closest[i] * (1 + 1e-9);
}

/* scikit-learn's _kmeans_plusplus with sample weights, n_local_trials = 2 + log(k). The
 * labels hold each colour's nearest centre so far, for cannot_gain(). */
static imgcolor_status plusplus(const imgcolor__points *p, int k, imgcolor__rng *r,
                                imgcolor__meter *meter, space_scratch *s, double (*c)[3])
{
    size_t n = p->n;
    double total = 0, gap2[IMGCOLOR_K_MAX];
    for (size_t i = 0; i < n; i++) {
        total += (double)p->w[i];
        s->cumulative[i] = total;
    }
    memcpy(c[0], p->x[search(s->cumulative, n, imgcolor__rng_uniform(r) * total)], sizeof c[0]);
    for (size_t i = 0; i < n; i++) {
        s->closest[i] = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[0]);
        s->labels[i] = 0;
    }
    double pot = accumulate(p, s->closest, s->cumulative);
    int trials = 2 + (int)log(k);
    for (int t = 1; t < k; t++) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        size_t best = 0;
        double best_pot = INFINITY;
        for (int j = 0; j < trials; j++) {
            size_t cand = search(s->cumulative, n, imgcolor__rng_uniform(r) * pot);
            const double *y = p->x[cand];
            gaps_to((const double (*)[3])c, t, y, gap2);
            double cand_pot = 0;
            for (size_t i = 0; i < n; i++) {
                double d = cannot_gain(s, gap2, i)
                               ? s->closest[i]
                               : imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], y);
                cand_pot += (double)p->w[i] * (d < s->closest[i] ? d : s->closest[i]);
            }
            if (cand_pot < best_pot) { /* the first of equals, as numpy.argmin */
                best_pot = cand_pot;
                best = cand;
            }
        }
        memcpy(c[t], p->x[best], sizeof c[t]);
        gaps_to((const double (*)[3])c, t, c[t], gap2);
        for (size_t i = 0; i < n; i++) {
            if (cannot_gain(s, gap2, i))
                continue;
            double d = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[t]);
            if (d < s->closest[i]) {
                s->closest[i] = d;
                s->labels[i] = t;
            }
        }
        pot = accumulate(p, s->closest, s->cumulative);
    }
    return IMGCOLOR_OK;
}

typedef struct centre_sums {
    double s[IMGCOLOR_K_MAX][3];
    uint64_t w[IMGCOLOR_K_MAX];
} centre_sums;

/* Gives each empty cluster one pixel of the colour farthest from its centre, as
 * scikit-learn's _relocate_empty_clusters does per pixel: a colour of w pixels offers
 * w pixels at that distance, taken in turn (ties: the lower colour). */
static void relocate(const imgcolor__points *p, int k, const double (*old)[3],
                     const int *labels, double *dist, centre_sums *cs)
{
    for (size_t i = 0; i < p->n; i++)
        dist[i] = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], old[labels[i]]);
    size_t far = 0;
    uint64_t taken = 0; /* pixels of colour `far` already moved */
    int have = 0;
    for (int t = 0; t < k; t++) {
        if (cs->w[t] != 0)
            continue;
        if (!have || taken == p->w[far]) {
            /* The next colour by (distance desc, index asc) after the one used up. */
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < p->n; i++) {
                int after = !have || dist[i] < dist[far] || (dist[i] == dist[far] && i > far);
                if (after && (best == SIZE_MAX || dist[i] > dist[best]))
                    best = i;
            }
            if (best == SIZE_MAX)
                return;
            far = best;
            taken = 0;
            have = 1;
        }
        taken++;
        int from = labels[far];
        for (int j = 0; j < 3; j++) {
            cs->s[from][j] -= p->x[far][j];
            cs->s[t][j] = p->x[far][j];
        }
        cs->w[from] -= 1;
        cs->w[t] = 1;
    }
}

/* A bound is trusted only with this margin, far above the rounding of the distances
 * (a few ulps), so that a colour skipped is one whose nearest centre, ties included,
 * cannot have changed: the labels are those of the exhaustive search. */
#define BOUND_MARGIN (1 + 1e-9)

/* Every distance from x: the nearest centre (the first of equals), and the distances to
 * it and to the next nearest. */
static int nearest_two(const double x[3], const double (*c)[3], int k, double *d1, double *d2)
{
    int best = 0;
    double b1 = imgcolor__dist2(x[0], x[1], x[2], c[0]), b2 = INFINITY;
    for (int t = 1; t < k; t++) {
        double d = imgcolor__dist2(x[0], x[1], x[2], c[t]);
        if (d < b1) {
            b2 = b1;
            b1 = d;
            best = t;
        } else if (d < b2) {
            b2 = d;
        }
    }
    *d1 = sqrt(b1);
    *d2 = sqrt(b2);
    return best;
}

/* Labels for centres c, and (when cs is not NULL) the clusters' sums, in the same pass
 * and in colour order. With moved (the distance each centre moved since the bounds were
 * set; NULL: set them now), Hamerly's test skips the colours whose centre is nearer, by
 * the bounds, than half the gap to its nearest other centre and than every other
 * centre. Returns whether any label changed. */
static int assign(const imgcolor__points *p, int k, const double (*c)[3], const double *moved,
                  space_scratch *s, centre_sums *cs)
{
    double max_moved = 0, half_gap[IMGCOLOR_K_MAX];
    for (int t = 0; moved && t < k; t++) {
        max_moved = moved[t] > max_moved ? moved[t] : max_moved;
        double g = INFINITY;
        for (int u = 0; u < k; u++)
            if (u != t) {
                double d = sqrt(imgcolor__dist2(c[t][0], c[t][1], c[t][2], c[u]));
                g = d < g ? d : g;
            }
        half_gap[t] = g / 2;
    }
    if (cs)
        memset(cs, 0, sizeof *cs);
    int changed = 0;
    for (size_t i = 0; i < p->n; i++) {
        int t = s->labels[i];
        if (!moved) {
            t = nearest_two(p->x[i], c, k, &s->upper[i], &s->lower[i]);
        } else {
            s->upper[i] += moved[t];
            s->lower[i] -= max_moved;
            double m = s->lower[i] > half_gap[t] ? s->lower[i] : half_gap[t];
            if (s->upper[i] * BOUND_MARGIN >= m) {
                s->upper[i] = sqrt(imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[t]));
                if (s->upper[i] * BOUND_MARGIN >= m)
                    t = nearest_two(p->x[i], c, k, &s->upper[i], &s->lower[i]);
            }
        }
        changed |= t != s->labels[i];
        s->labels[i] = t;
        if (cs) {
            for (int j = 0; j < 3; j++)
                cs->s[t][j] += (double)p->w[i] * p->x[i][j];
            cs->w[t] += p->w[i];
        }
    }
    return changed;
}

/* The centres of the clusters of sums cs, after relocation, into new_c; returns the
 * total squared shift and sets moved[t] to each centre's distance moved. */
static double update(const imgcolor__points *p, int k, const double (*c)[3], space_scratch *s,
                     centre_sums *cs, double (*new_c)[3], double *moved)
{
    int empty = 0;
    for (int t = 0; t < k; t++)
        empty |= cs->w[t] == 0;
    if (empty)
        relocate(p, k, c, s->labels, s->closest, cs);
    double shift = 0;
    for (int t = 0; t < k; t++) {
        double m = 0;
        for (int j = 0; j < 3; j++) {
            /* A cluster left empty keeps its centre, as scikit-learn's does. */
            new_c[t][j] = cs->w[t] ? cs->s[t][j] / (double)cs->w[t] : c[t][j];
            double d = new_c[t][j] - c[t][j];
            m += d * d;
        }
        shift += m;
        moved[t] = sqrt(m);
    }
    return shift;
}

/* scikit-learn's _kmeans_single_lloyd from centres c (moved in place). */
static imgcolor_status lloyd(const imgcolor__points *p, int k, double (*c)[3], int max_iter,
                             double tol_abs, imgcolor__meter *meter, space_scratch *s,
                             imgcolor__clustering *out)
{
    double next[IMGCOLOR_K_MAX][3];
    int strict = 0, it = 0;
    double moved[IMGCOLOR_K_MAX];
    centre_sums cs;
    /* The labels start as none (-1), as scikit-learn's labels_old: the first pass never
     * counts as converged. */
    for (size_t i = 0; i < p->n; i++)
        s->labels[i] = -1;
    while (it < max_iter) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        int changed = assign(p, k, (const double (*)[3])c, it ? moved : NULL, s, &cs);
        double shift = update(p, k, (const double (*)[3])c, s, &cs, next, moved);
        /* Relocation moves pixels, not colours: the bounds of the colours it took from
         * still hold for their labels, so they stay valid. */
        memcpy(c, next, (size_t)k * sizeof next[0]);
        it++;
        if (!changed) {
            strict = 1;
            break;
        }
        if (shift <= tol_abs)
            break;
    }
    if (!strict)
        assign(p, k, (const double (*)[3])c, it ? moved : NULL, s, NULL);
    memset(out, 0, sizeof *out);
    out->k = k;
    out->iterations = it;
    for (size_t i = 0; i < p->n; i++) {
        int t = s->labels[i];
        out->counts[t] += p->w[i];
        out->inertia += (double)p->w[i] *
                        imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[t]);
    }
    memcpy(out->centres, c, (size_t)k * sizeof c[0]);
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__kmeans_space_lloyd(const imgcolor__points *p, int k,
                                             const double (*init)[3], int max_iter,
                                             double tol_abs, imgcolor__clustering *out)
{
    if (!p || p->n == 0 || k < 1 || k > IMGCOLOR_K_MAX || !init || !out)
        return IMGCOLOR_E_INVALID;
    space_scratch s;
    imgcolor_status st = scratch_init(&s, p->n);
    double c[IMGCOLOR_K_MAX][3];
    memcpy(c, init, (size_t)k * sizeof c[0]);
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, NULL);
    if (st == IMGCOLOR_OK)
        st = lloyd(p, k, c, max_iter, tol_abs, &meter, &s, out);
    scratch_free(&s);
    return st;
}

/* Shared by the threads of one run of n_init initialisations. */
typedef struct space_runner {
    const imgcolor__points *p;
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
    space_scratch s;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, rn->budget);
    imgcolor_status st = scratch_init(&s, rn->p->n);
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
        imgcolor_status seeded = plusplus(rn->p, k, &r, &meter, &s, c);
        rn->status[run] = seeded != IMGCOLOR_OK
                              ? seeded
                              : lloyd(rn->p, k, c, rn->opt->max_iter, rn->tol_abs, &meter, &s,
                                      &rn->runs[run]);
    }
    scratch_free(&s);
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

imgcolor_status imgcolor__kmeans_space_run(const imgcolor__points *p, const imgcolor_options *opt,
                                           imgcolor__budget *budget, imgcolor__clustering *out)
{
    if (!p || p->n == 0 || !opt || !out)
        return IMGCOLOR_E_INVALID;
    if ((size_t)opt->k >= p->n) { /* each colour a cluster, exactly */
        memset(out, 0, sizeof *out);
        out->k = (int)p->n;
        for (size_t i = 0; i < p->n; i++) {
            memcpy(out->centres[i], p->x[i], sizeof out->centres[i]);
            out->counts[i] = p->w[i];
        }
        return IMGCOLOR_OK;
    }
    space_runner rn = {p, opt, budget, tolerance(p, opt->tol), NULL, NULL, 0};
    rn.runs = malloc((size_t)opt->n_init * sizeof *rn.runs);
    rn.status = malloc((size_t)opt->n_init * sizeof *rn.status);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
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
    st = IMGCOLOR_OK;
done:
    free(rn.runs);
    free(rn.status);
    return st;
}
