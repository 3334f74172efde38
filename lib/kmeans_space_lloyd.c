/* kmeans_space_lloyd.c: Lloyd's passes in a perceptual space on the k-d tree of the
 * points, handing whole boxes to a centre once every other centre is provably farther
 * (Kanungo et al.'s filtering), with scikit-learn's relocation of empty clusters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"

/* The centres of one pass, with what the pruning test wants. */
typedef struct centres {
    const double (*c)[3];
    double norm[IMGCOLOR_K_MAX];
    double margin; /* see set_centres() */
} centres;

/*
 * A centre is pruned from a box only when it is farther than the winner by the margin at
 * the box's nearest corner. With coordinates of points and centres below M in magnitude,
 * every term of the test is below 24 M^2 and the test is off by less than 2^-40 M^2;
 * each point's two squared distances are off by less than 2^-45 M^2. A margin of
 * 10^-9 M^2 is far above both, so a pruned centre is farther from every point of the box
 * by the distances themselves: the labels are those of the search over every centre.
 */
static void set_centres(const imgcolor__ftree *tr, const double (*c)[3], int k, centres *cs)
{
    double cmax = 0;
    cs->c = c;
    for (int t = 0; t < k; t++) {
        cs->norm[t] = c[t][0] * c[t][0] + c[t][1] * c[t][1] + c[t][2] * c[t][2];
        for (int j = 0; j < 3; j++)
            cmax = fabs(c[t][j]) > cmax ? fabs(c[t][j]) : cmax;
    }
    double m = tr->xmax + cmax;
    cs->margin = 1e-9 * m * m;
}

/* Is centre t farther than centre s from every point of the box? |x - t|^2 - |x - s|^2
 * = |t|^2 - |s|^2 - 2 x.(t - s) is linear in x, so its minimum is at a corner. */
static int farther_everywhere(const centres *cs, int t, int s, const imgcolor__fnode *nd)
{
    double dot = 0;
    for (int j = 0; j < 3; j++) {
        double dj = cs->c[t][j] - cs->c[s][j];
        dot += (dj > 0 ? nd->hi[j] : nd->lo[j]) * dj;
    }
    return cs->norm[t] - cs->norm[s] - 2 * dot > cs->margin;
}

/* What one assignment pass gives: the clusters' sums, each point's label, and whether
 * any label changed. */
typedef struct pass {
    imgcolor__fsums *sums; /* k */
    int *labels;           /* n */
    int changed;
} pass;

/* Labels the points [begin, begin + len) with t. */
static void label_run(pass *ps, uint32_t begin, uint32_t len, int t)
{
    int changed = 0;
    for (uint32_t i = begin; i < begin + len; i++) {
        changed |= ps->labels[i] != t;
        ps->labels[i] = t;
    }
    ps->changed |= changed;
}

/* The points of a leaf, each to its nearest of the m candidates (ascending, so the first
 * of equals is the lowest index, as over all centres). */
static void assign_leaf(const imgcolor__ftree *tr, const imgcolor__fnode *nd, const centres *cs,
                        const uint16_t *cand, int m, pass *ps)
{
    const imgcolor__points *p = tr->p;
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        const double *x = p->x[i];
        int best = cand[0];
        double bd = imgcolor__dist2(x[0], x[1], x[2], cs->c[best]);
        for (int t = 1; t < m; t++) {
            double dd = imgcolor__dist2(x[0], x[1], x[2], cs->c[cand[t]]);
            if (dd < bd) {
                bd = dd;
                best = cand[t];
            }
        }
        ps->changed |= ps->labels[i] != best;
        ps->labels[i] = best;
        imgcolor__fsums_add_point(&ps->sums[best], p->w[i], tr->q[i]);
    }
}

/* Assigns every point under node id to its nearest centre among the m candidates in
 * cand (ascending); next has room for the lists of the levels below. */
static void assign(const imgcolor__ftree *tr, uint32_t id, const centres *cs,
                   const uint16_t *cand, int m, uint16_t *next, int k, pass *ps)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    /* The candidate nearest the box's middle prunes best. */
    double mid[3];
    for (int j = 0; j < 3; j++)
        mid[j] = (nd->lo[j] + nd->hi[j]) / 2;
    int winner = cand[0];
    double winner_d = INFINITY;
    for (int t = 0; t < m; t++) {
        double dd = imgcolor__dist2(mid[0], mid[1], mid[2], cs->c[cand[t]]);
        if (dd < winner_d) {
            winner_d = dd;
            winner = cand[t];
        }
    }
    int kept = 0;
    for (int t = 0; t < m; t++)
        if (cand[t] == winner || !farther_everywhere(cs, cand[t], winner, nd))
            next[kept++] = cand[t];
    if (kept == 1) {
        imgcolor__fsums_add(&ps->sums[winner], &tr->sums[id]);
        label_run(ps, nd->begin, nd->len, winner);
    } else if (!nd->right) {
        assign_leaf(tr, nd, cs, next, kept, ps);
    } else {
        assign(tr, id + 1, cs, next, kept, next + k, k, ps);
        assign(tr, nd->right, cs, next, kept, next + k, k, ps);
    }
}

/* Labels for centres c and the clusters' sums; returns whether any label changed. */
static int assign_all(const imgcolor__ftree *tr, int k, const double (*c)[3],
                      imgcolor__space_scratch *s)
{
    centres cs;
    set_centres(tr, c, k, &cs);
    pass ps = {s->sums, s->labels, 0};
    memset(s->sums, 0, (size_t)k * sizeof *s->sums);
    for (int t = 0; t < k; t++)
        s->cand[t] = (uint16_t)t;
    assign(tr, 0, &cs, s->cand, k, s->cand + k, k, &ps);
    return ps.changed;
}

/* Gives each empty cluster one pixel of the colour farthest from its centre, as
 * scikit-learn's _relocate_empty_clusters does per pixel: a colour of w pixels offers
 * w pixels at that distance, taken in turn (ties: the lower colour). */
static void relocate(const imgcolor__ftree *tr, int k, const double (*old)[3], const int *labels,
                     double *dist, imgcolor__fsums *sums)
{
    const imgcolor__points *p = tr->p;
    for (size_t i = 0; i < p->n; i++)
        dist[i] = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], old[labels[i]]);
    size_t far = 0;
    uint64_t taken = 0; /* pixels of colour `far` already moved */
    int have = 0;
    for (int t = 0; t < k; t++) {
        if (sums[t].w != 0)
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
        imgcolor__fsums *from = &sums[labels[far]];
        from->w -= 1;
        sums[t].w = 1;
        for (int j = 0; j < 3; j++) {
            from->s[j] -= tr->q[far][j];
            sums[t].s[j] = tr->q[far][j];
        }
    }
}

/* The centres of the clusters of the last pass, after relocation, into new_c; returns
 * the total squared shift. */
static double update(const imgcolor__ftree *tr, int k, const double (*c)[3],
                     imgcolor__space_scratch *s, double (*new_c)[3])
{
    int empty = 0;
    for (int t = 0; t < k; t++)
        empty |= s->sums[t].w == 0;
    if (empty)
        relocate(tr, k, c, s->labels, s->closest, s->sums);
    double shift = 0;
    for (int t = 0; t < k; t++) {
        /* A cluster left empty keeps its centre, as scikit-learn's does. */
        if (s->sums[t].w)
            imgcolor__fsums_mean(&s->sums[t], tr->scale, new_c[t]);
        else
            memcpy(new_c[t], c[t], sizeof new_c[t]);
        for (int j = 0; j < 3; j++)
            shift += (new_c[t][j] - c[t][j]) * (new_c[t][j] - c[t][j]);
    }
    return shift;
}

imgcolor_status imgcolor__space_lloyd(const imgcolor__ftree *tr, int k, double (*c)[3],
                                      int max_iter, double tol_abs, imgcolor__meter *meter,
                                      imgcolor__space_scratch *s, imgcolor__clustering *out)
{
    const imgcolor__points *p = tr->p;
    double next[IMGCOLOR_K_MAX][3];
    int strict = 0, it = 0;
    /* The labels start as none (-1), as scikit-learn's labels_old: the first pass never
     * counts as converged. */
    for (size_t i = 0; i < p->n; i++)
        s->labels[i] = -1;
    while (it < max_iter) {
        imgcolor_status st = imgcolor__meter_check(meter);
        if (st != IMGCOLOR_OK)
            return st;
        int changed = assign_all(tr, k, (const double (*)[3])c, s);
        double shift = update(tr, k, (const double (*)[3])c, s, next);
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
        assign_all(tr, k, (const double (*)[3])c, s);
    /* Counts and inertia from the labels, colour by colour in the given order, as the
     * search over every centre gives them. */
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
