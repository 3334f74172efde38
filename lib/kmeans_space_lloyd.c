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

/*
 * What one assignment pass gives: the clusters' sums, the labels, and whether any label
 * changed. Labels are kept down the tree as the RGB seeding's tags are: a node handed
 * whole to centre t is tagged t, which stands for every label under it; a tag moves to
 * the children when a later pass looks inside. A label is the tag of its first tagged
 * ancestor, or, with none, the leaf's own entry. So a pass writes nothing per point for
 * the boxes it hands whole.
 *
 * The clusters' sums are carried from pass to pass and only what changed label is moved:
 * a box from its old tag's cluster to its new one, a point likewise. Exact integers, so
 * the same as summed afresh; and a box or point that keeps its label costs no read of
 * its sums. The first pass starts from the root tagged k, a cluster that does not exist
 * (sums[k], never read), so it moves everything.
 */
typedef struct pass {
    imgcolor__fsums *sums; /* k + 1 */
    int *labels;           /* n */
    int32_t *tag;          /* per node, or -1 */
    int changed;
} pass;

/* Moves an inner node's tag to its children. */
static void push_tag(pass *ps, uint32_t id, uint32_t right)
{
    if (ps->tag[id] < 0)
        return;
    ps->tag[id + 1] = ps->tag[right] = ps->tag[id];
    ps->tag[id] = -1;
}

/* Moves the sums a from cluster `from` to cluster `to`. */
static void move_sums(pass *ps, int from, int to, const imgcolor__fsums *a)
{
    imgcolor__fsums_sub(&ps->sums[from], a);
    imgcolor__fsums_add(&ps->sums[to], a);
    ps->changed = 1;
}

/* Moves point i from cluster `from` to cluster `to`. */
static void move_point(const imgcolor__ftree *tr, pass *ps, uint32_t i, int from, int to)
{
    imgcolor__fsums a;
    memset(&a, 0, sizeof a);
    imgcolor__fsums_add_at(&a, tr, i);
    move_sums(ps, from, to, &a);
}

/* Moves everything under node id (no ancestor tagged) that is not labelled t to t. */
static void move_under(const imgcolor__ftree *tr, pass *ps, uint32_t id, int t)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    int32_t tag = ps->tag[id];
    if (tag >= 0) {
        if (tag != t)
            move_sums(ps, tag, t, &tr->sums[id]);
    } else if (nd->right) {
        move_under(tr, ps, id + 1, t);
        move_under(tr, ps, nd->right, t);
    } else {
        for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++)
            if (ps->labels[i] != t)
                move_point(tr, ps, i, ps->labels[i], t);
    }
}

/* Node id, no ancestor tagged, goes whole to centre t. */
static void label_whole(const imgcolor__ftree *tr, pass *ps, uint32_t id, int t)
{
    move_under(tr, ps, id, t);
    ps->tag[id] = t;
}

/* Writes every label out under node id, whose first tagged ancestor's tag is t (or -1),
 * and clears the tags. */
static void materialise(const imgcolor__ftree *tr, pass *ps, uint32_t id, int32_t t)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    if (ps->tag[id] >= 0 && t < 0)
        t = ps->tag[id];
    ps->tag[id] = -1;
    if (nd->right) {
        materialise(tr, ps, id + 1, t);
        materialise(tr, ps, nd->right, t);
    } else if (t >= 0) {
        for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++)
            ps->labels[i] = t;
    }
}

/* The points of a leaf, each to its nearest of the m candidates (ascending, so the first
 * of equals is the lowest index, as over all centres). */
FTREE_LOOPS
static void leaf_nearest(const imgcolor__ftree *tr, uint32_t begin, const centres *cs,
                         const uint16_t *cand, int m, int32_t lab[FTREE_LEAF])
{
    const double *x0 = tr->x[0] + begin, *x1 = tr->x[1] + begin, *x2 = tr->x[2] + begin;
    double best[FTREE_LEAF];
    for (int i = 0; i < FTREE_LEAF; i++) {
        best[i] = INFINITY;
        lab[i] = 0;
    }
    for (int t = 0; t < m; t++) {
        const double *c = cs->c[cand[t]];
        for (int i = 0; i < FTREE_LEAF; i++) {
            double d0 = x0[i] - c[0], d1 = x1[i] - c[1], d2 = x2[i] - c[2];
            double d = d0 * d0 + d1 * d1 + d2 * d2;
            lab[i] = d < best[i] ? t : lab[i];
            best[i] = d < best[i] ? d : best[i];
        }
    }
}

static void assign_leaf(const imgcolor__ftree *tr, uint32_t id, const centres *cs,
                        const uint16_t *cand, int m, pass *ps)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    int32_t tag = ps->tag[id], lab[FTREE_LEAF];
    ps->tag[id] = -1;
    leaf_nearest(tr, nd->begin, cs, cand, m, lab);
    int *labels = ps->labels + nd->begin;
    for (uint32_t i = 0; i < nd->len; i++) {
        int old = tag >= 0 ? tag : labels[i];
        labels[i] = cand[lab[i]];
        if (labels[i] != old)
            move_point(tr, ps, nd->begin + i, old, labels[i]);
    }
}

/* Assigns every point under node id (no ancestor tagged) to its nearest centre among
 * the m candidates in cand (ascending); next has room for the lists of the levels
 * below. */
static void assign(const imgcolor__ftree *tr, uint32_t id, const centres *cs,
                   const uint16_t *cand, int m, uint16_t *next, int k, pass *ps)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    /* The right child is asked for now, while the candidates are weighed (the left one
     * follows this node). */
    __builtin_prefetch(&tr->nodes[nd->right]);
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
        label_whole(tr, ps, id, winner);
    } else if (!nd->right) {
        assign_leaf(tr, id, cs, next, kept, ps);
    } else {
        push_tag(ps, id, nd->right);
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
    pass ps = {s->sums, s->labels, s->tag, 0};
    for (int t = 0; t < k; t++)
        s->cand[t] = (uint16_t)t;
    assign(tr, 0, &cs, s->cand, k, s->cand + k, k, &ps);
    return ps.changed;
}

/* Every point's label written out, for the passes over all of them. */
static void write_labels(const imgcolor__ftree *tr, imgcolor__space_scratch *s)
{
    pass ps = {s->sums, s->labels, s->tag, 0};
    materialise(tr, &ps, 0, -1);
}

/* Labels are none yet, so the first pass counts as a change: see pass. */
static void start_labels(int k, imgcolor__space_scratch *s)
{
    s->tag[0] = k;
    memset(s->sums, 0, (size_t)(k + 1) * sizeof *s->sums);
}

void imgcolor__space_last_labels(const imgcolor__ftree *tr, imgcolor__space_scratch *s,
                                 int *labels)
{
    write_labels(tr, s);
    memcpy(labels, s->labels, tr->p->n * sizeof *labels);
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
            int64_t q = imgcolor__fixed_at(tr, far, j);
            from->s[j] -= q;
            sums[t].s[j] = q;
        }
    }
}

/* The centres of the clusters of the last pass, after relocation, into new_c; returns
 * the total squared shift. */
static double update(const imgcolor__ftree *tr, int k, const double (*c)[3],
                     imgcolor__space_scratch *s, double (*new_c)[3])
{
    /* The sums are the labels' (see pass): relocation moves pixels in a copy. */
    imgcolor__fsums sums[IMGCOLOR_K_MAX];
    int empty = 0;
    memcpy(sums, s->sums, (size_t)k * sizeof sums[0]);
    for (int t = 0; t < k; t++)
        empty |= sums[t].w == 0;
    if (empty) {
        write_labels(tr, s);
        relocate(tr, k, c, s->labels, s->closest, sums);
    }
    double shift = 0;
    for (int t = 0; t < k; t++) {
        /* A cluster left empty keeps its centre, as scikit-learn's does. */
        if (sums[t].w)
            imgcolor__fsums_mean(&sums[t], tr->scale, new_c[t]);
        else
            memcpy(new_c[t], c[t], sizeof new_c[t]);
        for (int j = 0; j < 3; j++)
            shift += (new_c[t][j] - c[t][j]) * (new_c[t][j] - c[t][j]);
    }
    return shift;
}

/* The counts and inertia of the labels under node id, whose first tagged ancestor's tag
 * is t (or -1): leaves in order, so the inertia is summed colour by colour in the given
 * order, as over the written-out labels. */
static void tally(const imgcolor__ftree *tr, uint32_t id, int32_t t, const imgcolor__space_scratch *s,
                  imgcolor__clustering *out)
{
    const imgcolor__fnode *nd = &tr->nodes[id];
    if (t < 0)
        t = s->tag[id];
    if (nd->right) {
        tally(tr, id + 1, t, s, out);
        tally(tr, nd->right, t, s, out);
        return;
    }
    const double *w = tr->w + nd->begin;
    if (t >= 0) {
        double d[FTREE_LEAF];
        imgcolor__leaf_dist2(tr, nd->begin, out->centres[t], d);
        for (uint32_t i = 0; i < nd->len; i++)
            out->inertia += w[i] * d[i];
        out->counts[t] += tr->sums[id].w;
        return;
    }
    const int *labels = s->labels + nd->begin;
    for (uint32_t i = 0; i < nd->len; i++) {
        const double *x = tr->p->x[nd->begin + i];
        out->inertia += w[i] * imgcolor__dist2(x[0], x[1], x[2], out->centres[labels[i]]);
        out->counts[labels[i]] += tr->p->w[nd->begin + i];
    }
}

imgcolor_status imgcolor__space_lloyd(const imgcolor__ftree *tr, int k, double (*c)[3],
                                      int max_iter, double tol_abs, imgcolor__meter *meter,
                                      imgcolor__space_scratch *s, imgcolor__clustering *out)
{
    double next[IMGCOLOR_K_MAX][3];
    int strict = 0, it = 0;
    /* The labels start as none, as scikit-learn's labels_old, so that the first pass never
     * counts as converged: the root is tagged with k, a centre that does not exist. The
     * first pass reaches every point through the root, so no other tag or label is read
     * before it is written. */
    start_labels(k, s);
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
    memset(out, 0, sizeof *out);
    out->k = k;
    out->iterations = it;
    memcpy(out->centres, c, (size_t)k * sizeof c[0]);
    tally(tr, 0, -1, s, out);
    return IMGCOLOR_OK;
}
