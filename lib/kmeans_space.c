/* kmeans_space.c: weighted k-means over colours with real coordinates (Oklab, CIELAB),
 * as scikit-learn computes it on the pixels: greedy k-means++ (kmeans_space_seed.c),
 * Lloyd with relocation of empty clusters one pixel at a time (kmeans_space_lloyd.c),
 * both on the k-d tree of the colours (kmeans_ftree.c); here those as the operations of
 * the threaded runs (kmeans_runs.c), which compare their starts on a summary of the
 * colours (kmeans_summary.c) and finish the best on all of them. */
#include <stdlib.h>
#include <string.h>

#include "kmeans_ftree.h"
#include "kmeans_runs.h"
#include "kmeans_summary.h"

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
    imgcolor_status st = imgcolor__ftree_build(p, 0, &tr);
    if (st == IMGCOLOR_OK)
        st = imgcolor__space_scratch_init(&s, &tr, k);
    if (st == IMGCOLOR_OK)
        st = imgcolor__space_lloyd(&tr, k, c, max_iter, tol_abs, &meter, &s, out);
    imgcolor__space_scratch_free(&s);
    imgcolor__ftree_free(&tr);
    return st;
}

static void space_scratch_free(void *scratch)
{
    if (scratch)
        imgcolor__space_scratch_free(scratch);
    free(scratch);
}

static imgcolor_status space_scratch_new(const void *data, int k, int seeds, void **out)
{
    (void)seeds; /* k-means++ and Lloyd's passes share the scratch */
    imgcolor__space_scratch *s = malloc(sizeof *s);
    *out = s;
    return s ? imgcolor__space_scratch_init(s, data, k) : IMGCOLOR_E_NOMEM;
}

static imgcolor_status space_seed(const void *data, void *scratch, int k, imgcolor__rng *r,
                                  imgcolor__meter *meter, double (*c)[3])
{
    return imgcolor__space_plusplus(data, k, r, meter, scratch, c);
}

static imgcolor_status space_lloyd(const void *data, void *scratch, int k, double (*c)[3],
                                   int max_iter, double tol_abs, imgcolor__meter *meter,
                                   imgcolor__clustering *out)
{
    return imgcolor__space_lloyd(data, k, c, max_iter, tol_abs, meter, scratch, out);
}

static void space_labels(const void *data, void *scratch, int *labels)
{
    imgcolor__space_last_labels(data, scratch, labels);
}

static const imgcolor__kmeans_ops space_ops = {space_scratch_new, space_scratch_free,
                                               space_seed, space_lloyd, space_labels};

/* tol times the mean per-coordinate variance of the pixels (scikit-learn's _tolerance):
 * the pixels' scatter about their mean is the tree root's (built for seeding). */
static double tolerance(const imgcolor__ftree *t, double tol)
{
    return tol * t->scatter[0] / t->w_node[0] / 3;
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
    imgcolor__ftree tree = {0}, small = {0};
    imgcolor__points summary = {0};
    imgcolor_status st = imgcolor__ftree_build(p, 1, &tree);
    if (st == IMGCOLOR_OK)
        st = imgcolor__ftree_summary(
            &tree, imgcolor__summary_target(opt->k, IMGCOLOR_SUMMARY_PER_K_SPACE), &summary);
    if (st == IMGCOLOR_OK && summary.n && !imgcolor__summary_usable(summary.n, opt->k))
        imgcolor__points_summary_free(&summary);
    if (st == IMGCOLOR_OK && summary.n)
        st = imgcolor__ftree_build(&summary, 1, &small);
    if (st != IMGCOLOR_OK)
        goto done;
    imgcolor__kmeans_job job = {.ops = &space_ops, .data = &tree,
                                .summary = summary.n ? &small : NULL, .opt = opt,
                                .tol_abs = tolerance(&tree, opt->tol), .budget = budget,
                                .labels = labels};
    st = imgcolor__kmeans_best(&job, out);
done:
    imgcolor__ftree_free(&small);
    imgcolor__ftree_free(&tree);
    imgcolor__points_summary_free(&summary);
    return st;
}
