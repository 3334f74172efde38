/* result_build.c: a result from a colour histogram: the distinct colours clustered (in
 * the space asked for), each cluster described for a person, ordered, and a sample's
 * counts scaled to the whole image. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_space.h"
#include "colorspace.h"
#include "kmeans.h"
#include "result.h"

/* Orders clusters by count, largest first, then by centroid: a total order, so the
 * output never depends on qsort's handling of ties. */
static int by_count(const void *a, const void *b)
{
    const imgcolor_cluster *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    for (int j = 0; j < 3; j++)
        if (x->centroid[j] != y->centroid[j])
            return x->centroid[j] < y->centroid[j] ? -1 : 1;
    return 0;
}

static uint8_t round_channel(double v)
{
    /* numpy.rint: to nearest, ties to even (the default rounding mode). */
    double r = rint(v);
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* The fields that say what a cluster's colour is, for a person, from its centroid in
 * the space clustered (rgb, centroid and space_centroid set) and its rounded colour. */
static void describe(imgcolor_cluster *c, imgcolor_space space)
{
    double oklab[3], linear[3];
    imgcolor__space_to_oklab(space, c->space_centroid, oklab);
    imgcolor__oklab_to_oklch(oklab, c->oklch);
    if (space == IMGCOLOR_SPACE_LAB) {
        memcpy(c->lab, c->space_centroid, sizeof c->lab);
    } else {
        imgcolor__oklab_to_linear(oklab, linear);
        imgcolor__linear_to_cielab(linear, c->lab);
    }
    imgcolor__rgb8_to_oklab(c->rgb, oklab);
    c->name = imgcolor__css_nearest(oklab, &c->name_distance);
    c->text = imgcolor__readable_text(c->rgb, &c->text_contrast);
}

/* Clusters the n distinct colours in opt->space; rgb_mean gets each cluster's mean sRGB
 * (in rgb, its centre). Takes counts over. */
static imgcolor_status run_clustering(uint32_t *codes, uint64_t *counts, size_t n,
                                      const imgcolor_options *opt, imgcolor__meter *meter,
                                      imgcolor__clustering *cl, double (*rgb_mean)[3])
{
    imgcolor_status st = imgcolor__meter_check(meter);
    if (st == IMGCOLOR_OK && opt->space != IMGCOLOR_SPACE_RGB) {
        st = imgcolor__cluster_in_space(codes, counts, n, opt, meter->budget, cl, rgb_mean);
        free(counts);
        return st;
    }
    imgcolor__kmeans_data *data = NULL;
    st = imgcolor__kmeans_prepare(codes, counts, n, &data); /* takes counts over */
    if (st == IMGCOLOR_OK)
        st = imgcolor__kmeans_run(data, opt, meter->budget, cl);
    if (st == IMGCOLOR_OK)
        memcpy(rgb_mean, cl->centres, (size_t)cl->k * sizeof cl->centres[0]);
    imgcolor__kmeans_data_free(data);
    return st;
}

/* The message for a failure st of counting the colours: the histogram's only other
 * failure is memory. */
imgcolor_status imgcolor__counting_fail(imgcolor_status st, imgcolor__meter *meter,
                                        imgcolor_error *err)
{
    if (st == IMGCOLOR_E_LIMIT)
        return imgcolor__budget_fail(meter->budget, err);
    return imgcolor__fail(err, st, "out of memory");
}

/* For the assignment, when asked (else both NULL): the colours as counted, before
 * conversion, in *raw, and room for what each converts to in *converted. */
static imgcolor_status keep_raw(const uint32_t *codes, size_t n, int want, uint32_t **raw,
                                uint32_t **converted)
{
    *raw = *converted = NULL;
    if (!want)
        return IMGCOLOR_OK;
    *raw = malloc((n ? n : 1) * sizeof **raw);
    *converted = malloc((n ? n : 1) * sizeof **converted);
    if (!*raw || !*converted)
        return IMGCOLOR_E_NOMEM;
    memcpy(*raw, codes, n * sizeof **raw);
    memcpy(*converted, codes, n * sizeof **converted);
    return IMGCOLOR_OK;
}

/* See result.h. */
imgcolor_status imgcolor__cluster(imgcolor__histogram *hist, uint32_t width, uint32_t height,
                                  imgcolor__managed *m, const imgcolor_options *opt,
                                  imgcolor__meter *meter, imgcolor__assignment **asg,
                                  imgcolor_result **out, imgcolor_error *err)
{
    uint64_t pixels = imgcolor__histogram_pixels(hist);
    uint64_t transparent = imgcolor__histogram_transparent(hist);
    if (pixels == 0)
        return imgcolor__fail(err, IMGCOLOR_E_NO_PIXELS,
                              "image has no pixel with alpha >= %d to cluster (%llu transparent)",
                              opt->min_alpha, (unsigned long long)transparent);
    uint32_t *codes = NULL, *raw = NULL, *converted = NULL;
    uint64_t *counts = NULL;
    size_t n = 0, n_raw = 0;
    imgcolor__clustering *cl = malloc(sizeof *cl);
    double (*rgb_mean)[3] = malloc(IMGCOLOR_K_MAX * sizeof *rgb_mean);
    imgcolor_result *res = NULL;
    imgcolor_status st = cl && rgb_mean ? imgcolor__histogram_take(hist, &codes, &counts, &n)
                                        : IMGCOLOR_E_NOMEM;
    n_raw = n;
    if (st == IMGCOLOR_OK)
        st = keep_raw(codes, n, asg != NULL, &raw, &converted);
    if (st == IMGCOLOR_OK && m)
        st = imgcolor__managed_convert_codes(m, codes, counts, &n, converted);
    if (st == IMGCOLOR_OK) {
        st = run_clustering(codes, counts, n, opt, meter, cl, rgb_mean);
        counts = NULL;
    }
    free(codes);
    free(counts);
    if (st != IMGCOLOR_OK) {
        if (st == IMGCOLOR_E_LIMIT)
            imgcolor__budget_fail(meter->budget, err);
        else
            imgcolor__fail(err, st, "clustering failed: %s", imgcolor_strerror(st));
        goto done;
    }
    res = calloc(1, sizeof *res + (size_t)cl->k * sizeof res->clusters[0]);
    if (!res) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
        goto done;
    }
    res->width = width;
    res->height = height;
    res->k = opt->k;
    res->pixels = pixels;
    res->transparent = transparent;
    res->distinct = n;
    res->inertia = cl->inertia;
    res->iterations = cl->iterations;
    res->space = opt->space;
    if (m) {
        res->warnings = m->warnings;
        memcpy(res->profile, m->profile, sizeof res->profile);
    }
    for (int t = 0; t < cl->k; t++) {
        if (cl->counts[t] == 0)
            continue; /* a centre no pixel is nearest to is no prominent colour */
        /* The centres kept, in order: the clustering's ties stay as they were. */
        memcpy(cl->centres[res->count], cl->centres[t], sizeof cl->centres[t]);
        imgcolor_cluster *c = &res->clusters[res->count++];
        memcpy(c->centroid, rgb_mean[t], sizeof c->centroid);
        memcpy(c->space_centroid, cl->centres[t], sizeof c->space_centroid);
        if (opt->space == IMGCOLOR_SPACE_RGB) {
            c->rgb = (imgcolor_rgb){round_channel(c->centroid[0]),
                                    round_channel(c->centroid[1]),
                                    round_channel(c->centroid[2])};
        } else { /* the centre itself, as the nearest sRGB colour in gamut */
            double oklab[3];
            imgcolor__space_to_oklab(opt->space, c->space_centroid, oklab);
            c->rgb = imgcolor__oklab_to_rgb8(oklab);
        }
        imgcolor_rgb_to_hex(c->rgb, c->hex);
        c->count = cl->counts[t];
        c->fraction = (double)c->count / (double)pixels;
        describe(c, opt->space);
    }
    if (asg && (st = imgcolor__assignment_new(raw, converted, n_raw, m ? m->icc : NULL,
                                              opt->space, (const double (*)[3])cl->centres,
                                              (int)res->count, asg)) != IMGCOLOR_OK) {
        imgcolor__fail(err, st, "out of memory");
        goto done;
    }
    *out = res;
    res = NULL;
done:
    free(raw);
    free(converted);
    free(rgb_mean);
    free(cl);
    free(res);
    return st;
}

/* Places the clusters from the where pass wh (when not NULL), then orders them. */
imgcolor_status imgcolor__result_sort(imgcolor_result *res, const imgcolor__where *wh,
                                      imgcolor_error *err)
{
    if (wh) {
        uint64_t counted[IMGCOLOR_K_MAX];
        for (size_t i = 0; i < res->count; i++)
            counted[i] = res->clusters[i].count;
        imgcolor_status st = imgcolor__where_finish(wh, counted, res->clusters, err);
        if (st != IMGCOLOR_OK)
            return st;
    }
    qsort(res->clusters, res->count, sizeof res->clusters[0], by_count);
    return IMGCOLOR_OK;
}

/*
 * Fast mode: the result was counted on sample_pixels of the image's total pixels (both
 * transparent ones included), as s says; pixels, transparent, counts and inertia are
 * scaled to the whole, the counts summing to pixels, and the order made total again.
 */
void imgcolor__result_rescale(imgcolor_result *res, const imgcolor__sampler *s, uint64_t total)
{
    uint64_t sampled = res->pixels + res->transparent + res->background.count;
    res->fast = 1;
    res->sample_step = s->step;
    if (s->band_step > 1) {
        res->sample_band_rows = s->band_rows;
        res->sample_band_step = s->band_step;
    }
    res->sample_pixels = sampled;
    if (sampled == total)
        return;
    uint64_t parts[3] = {res->pixels, res->transparent, res->background.count}, whole[3];
    imgcolor__apportion(parts, 3, sampled, total, whole);
    uint64_t counts[IMGCOLOR_K_MAX], scaled[IMGCOLOR_K_MAX];
    for (size_t i = 0; i < res->count; i++)
        counts[i] = res->clusters[i].count;
    if (res->pixels)
        imgcolor__apportion(counts, res->count, res->pixels, whole[0], scaled);
    res->inertia *= res->pixels ? (double)whole[0] / (double)res->pixels : 0;
    for (size_t i = 0; i < res->count; i++) {
        res->clusters[i].count = scaled[i];
        res->clusters[i].fraction = (double)scaled[i] / (double)whole[0];
    }
    res->pixels = whole[0];
    res->transparent = whole[1];
    res->background.count = whole[2];
    qsort(res->clusters, res->count, sizeof res->clusters[0], by_count);
}
