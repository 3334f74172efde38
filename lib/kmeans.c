/* kmeans.c: k-means with scikit-learn's semantics (greedy k-means++, n_init runs, Lloyd
 * iterations), exact over the weighted distinct colours of the RGB tree: its seeding and
 * Lloyd's passes for the threaded runs (kmeans_runs.c), and the summary they compare
 * starts on. */
#include <stdlib.h>

#include "kmeans_lloyd.h"
#include "kmeans_runs.h"
#include "kmeans_seed.h"
#include "kmeans_summary.h"

/* One thread's scratch for runs on the RGB tree. */
typedef struct rgb_scratch {
    imgcolor__lloyd_scratch ls;
    imgcolor__seeding *sd; /* NULL for runs that go on from given centres */
} rgb_scratch;

static void rgb_scratch_free(void *scratch)
{
    rgb_scratch *s = scratch;
    if (!s)
        return;
    imgcolor__seeding_free(s->sd);
    imgcolor__lloyd_scratch_free(&s->ls);
    free(s);
}

static imgcolor_status rgb_scratch_new(const void *data, int k, int seeds, void **out)
{
    rgb_scratch *s = calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return IMGCOLOR_E_NOMEM;
    imgcolor_status st = imgcolor__lloyd_scratch_init(&s->ls, data, k);
    if (st == IMGCOLOR_OK && seeds)
        st = imgcolor__seeding_new(data, &s->sd);
    return st;
}

static imgcolor_status rgb_seed(const void *data, void *scratch, int k, imgcolor__rng *r,
                                imgcolor__meter *meter, double (*c)[3])
{
    (void)data;
    return imgcolor__seeding_plusplus(((rgb_scratch *)scratch)->sd, k, r, meter, c);
}

static imgcolor_status rgb_lloyd(const void *data, void *scratch, int k, double (*c)[3],
                                 int max_iter, double tol_abs, imgcolor__meter *meter,
                                 imgcolor__clustering *out)
{
    return imgcolor__lloyd(data, k, c, max_iter, tol_abs, meter, &((rgb_scratch *)scratch)->ls,
                           out);
}

static const imgcolor__kmeans_ops rgb_ops = {rgb_scratch_new, rgb_scratch_free, rgb_seed,
                                             rgb_lloyd, NULL};

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

/* The summary to compare the starts on (kmeans_summary.c), or NULL to compare them on
 * every colour: when there are few colours, or when the summary would have too few for
 * k. */
static imgcolor_status summarise(const imgcolor__kmeans_data *d, int k,
                                 imgcolor__kmeans_data **out)
{
    size_t target = imgcolor__summary_target(k, IMGCOLOR_SUMMARY_PER_K_RGB);
    imgcolor_status st = imgcolor__kmeans_summary(d, target, out);
    if (st == IMGCOLOR_OK && *out && !imgcolor__summary_usable((*out)->n, k)) {
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
    imgcolor__kmeans_data *summary = NULL;
    imgcolor_status st = summarise(d, opt->k, &summary);
    if (st != IMGCOLOR_OK)
        return st;
    imgcolor__kmeans_job job = {.ops = &rgb_ops, .data = d, .summary = summary, .opt = opt,
                                .tol_abs = imgcolor__kmeans_tolerance(d, opt->tol),
                                .budget = budget};
    st = imgcolor__kmeans_best(&job, out);
    imgcolor__kmeans_data_free(summary);
    return st;
}
