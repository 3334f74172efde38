/* kmeans_space_seed.c: greedy k-means++ seeding in a perceptual space. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"

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
static int cannot_gain(const imgcolor__space_scratch *s, const double *gap2, size_t i)
{
    return gap2[s->labels[i]] > 4 * s->closest[i] * (1 + 1e-9);
}

/* scikit-learn's _kmeans_plusplus with sample weights, n_local_trials = 2 + log(k). The
 * labels hold each colour's nearest centre so far, for cannot_gain(). */
imgcolor_status imgcolor__space_plusplus(const imgcolor__ftree *tr, int k, imgcolor__rng *r,
                                         imgcolor__meter *meter, imgcolor__space_scratch *s,
                                         double (*c)[3])
{
    const imgcolor__points *p = tr->p;
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

