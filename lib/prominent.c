/* prominent.c: the prominent-colours pipeline: decode rows straight into a colour
 * histogram, cluster the distinct colours, and package the clusters as a result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "cluster_space.h"
#include "collect.h"
#include "colorspace.h"
#include "kmeans.h"
#include "prominent.h"

struct imgcolor_result {
    uint32_t width, height;
    int k;
    uint64_t pixels, transparent, distinct;
    double inertia;
    int iterations;
    imgcolor_space space;
    imgcolor__warnings warnings;
    char profile[64]; /* the colour profile converted from, or "" */
    int fast;
    uint32_t sample_step; /* see imgcolor_result_sample_step() */
    uint32_t sample_band_rows, sample_band_step; /* see imgcolor_result_sample_band_rows() */
    uint64_t sample_pixels;
    imgcolor_background_mode background_mode;
    int has_background, has_region;
    imgcolor_background background;
    imgcolor_region region;
    size_t count;
    imgcolor_cluster clusters[];
};

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
static imgcolor_status counting_fail(imgcolor_status st, imgcolor__meter *meter,
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

/* Clusters the histogram and builds the result, its clusters not yet sorted (see
 * sort_result()); consumes nothing. m, when not NULL, converts the colours to sRGB first
 * and gives the result its warnings. meter is the calling thread's, against the call's
 * time budget. asg, when not NULL, receives the final assignment as a lookup by colour
 * as decoded, for a later pass over the pixels. */
static imgcolor_status cluster(imgcolor__histogram *hist, uint32_t width, uint32_t height,
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
static imgcolor_status sort_result(imgcolor_result *res, const imgcolor__where *wh,
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
static void rescale(imgcolor_result *res, const imgcolor__sampler *s, uint64_t total)
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

static imgcolor_status check_out(imgcolor_result **out, imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL result pointer");
    *out = NULL;
    return IMGCOLOR_OK;
}

void imgcolor__call_start(imgcolor__call *c, const imgcolor_options *opt)
{
    memset(c, 0, sizeof *c);
    c->opt = opt;
    imgcolor__budget_init(&c->budget, opt->time_limit_ms);
    imgcolor__meter_start(&c->meter, &c->budget);
}

imgcolor_status imgcolor__call_count(imgcolor__call *c, const void *data, size_t size,
                                     int assign, imgcolor_error *err)
{
    const imgcolor_options *opt = c->opt;
    imgcolor__histogram *hist = NULL;
    imgcolor__collector *col = NULL;
    imgcolor_status st;
    if ((st = imgcolor__histogram_new(opt->min_alpha, &hist)) != IMGCOLOR_OK ||
        (st = imgcolor__collector_new(hist, opt->threads, &c->meter, &col)) != IMGCOLOR_OK) {
        imgcolor__histogram_free(hist);
        return imgcolor__fail(err, st, "out of memory");
    }
    imgcolor__sink sink = imgcolor__pipeline_sink(&c->pipeline, imgcolor__collector_sink(col),
                                                  opt, 1);
    uint32_t width, height;
    st = imgcolor__decode_stream(data, size, opt, &sink, err);
    imgcolor_status counted = imgcolor__collector_finish(col, &width, &height);
    if (st == IMGCOLOR_E_LIMIT) /* a sink's refusal, which the decoder passed on */
        imgcolor__budget_fail(&c->budget, err);
    if (st == IMGCOLOR_OK && counted != IMGCOLOR_OK)
        st = counting_fail(counted, &c->meter, err);
    const imgcolor__sampler *sampler = &c->pipeline.sampler;
    if (st == IMGCOLOR_OK)
        st = cluster(hist, sampler->width, sampler->height, &c->pipeline.managed,
                     imgcolor__pipeline_sampled(&c->pipeline)
                         ? imgcolor__fast_options(opt, &c->fast_storage)
                         : opt,
                     &c->meter, assign ? &c->assignment : NULL, &c->result, err);
    imgcolor__collector_free(col);
    imgcolor__histogram_free(hist);
    return st;
}

imgcolor_status imgcolor__call_pass(imgcolor__call *c, const void *data, size_t size,
                                    const imgcolor_options *opt, imgcolor__pipeline *p,
                                    imgcolor__sink last, imgcolor_error *err)
{
    imgcolor__sink sink = imgcolor__pipeline_sink(p, last, opt, 0);
    imgcolor_status st = imgcolor__decode_stream(data, size, opt, &sink, err);
    if (st == IMGCOLOR_E_LIMIT)
        imgcolor__budget_fail(&c->budget, err);
    imgcolor__pipeline_free(p);
    return st;
}

imgcolor_status imgcolor__call_finish(imgcolor__call *c, const imgcolor__where *wh,
                                      imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_status st = sort_result(c->result, wh, err);
    if (st != IMGCOLOR_OK)
        return st;
    const imgcolor__sampler *sampler = &c->pipeline.sampler;
    if (c->opt->fast)
        rescale(c->result, sampler, (uint64_t)sampler->width * sampler->height);
    *out = c->result;
    c->result = NULL;
    return IMGCOLOR_OK;
}

void imgcolor__call_free(imgcolor__call *c)
{
    imgcolor_result_free(c->result);
    imgcolor__assignment_free(c->assignment);
    imgcolor__pipeline_free(&c->pipeline);
}

int imgcolor__call_selects(const imgcolor_options *opt)
{
    return opt->has_region || opt->background != IMGCOLOR_BACKGROUND_KEEP;
}

imgcolor_status imgcolor__call_plain_only(const imgcolor_options *opt, const char *what, int asked,
                                          imgcolor_error *err)
{
    if (!asked || !imgcolor__call_selects(opt))
        return IMGCOLOR_OK;
    return imgcolor__fail(err, IMGCOLOR_E_INVALID,
                          "%s cannot be combined with a region or a background left out", what);
}

/* The whole image through the call's pipeline, and the where pass when asked. */
static imgcolor_status prominent_plain(const void *data, size_t size, const imgcolor_options *opt,
                                       imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_status st;
    imgcolor__call c;
    imgcolor__where *wh = NULL;
    imgcolor__call_start(&c, opt);
    st = imgcolor__call_count(&c, data, size, opt->where, err);
    if (st == IMGCOLOR_OK && opt->where &&
        (st = imgcolor__where_new(c.assignment, opt->min_alpha, &c.meter, &wh)) != IMGCOLOR_OK)
        imgcolor__fail(err, st, "out of memory");
    if (st == IMGCOLOR_OK && wh) {
        /* The same pipeline as the first pass: it sees the same pixels. */
        imgcolor__pipeline p;
        st = imgcolor__call_pass(&c, data, size, opt, &p, imgcolor__where_sink(wh, &p.sampler),
                                 err);
    }
    if (st == IMGCOLOR_OK)
        st = imgcolor__call_finish(&c, wh, out, err);
    imgcolor__where_free(wh);
    imgcolor__call_free(&c);
    return st;
}

/* The result of an image that is all background: no clusters. */
static imgcolor_status empty_result(imgcolor__histogram *hist, uint32_t width, uint32_t height,
                                    const imgcolor__managed *m, const imgcolor_options *opt,
                                    imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_result *res = calloc(1, sizeof *res);
    if (!res)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
    res->width = width;
    res->height = height;
    res->k = opt->k;
    res->transparent = imgcolor__histogram_transparent(hist);
    res->space = opt->space;
    res->warnings = m->warnings;
    memcpy(res->profile, m->profile, sizeof res->profile);
    *out = res;
    return IMGCOLOR_OK;
}

/* What the chain learnt that the result reports: the image's own size, the region and
 * the background (bg, when not NULL, was looked for). */
static void report(imgcolor_result *res, const imgcolor__chain *c, const imgcolor__background *bg,
                   const imgcolor_options *opt)
{
    if (c->filtered) {
        res->width = c->region.width;
        res->height = c->region.height;
    }
    res->background_mode = opt->background;
    if (opt->has_region) {
        res->has_region = 1;
        res->region = c->region.used;
    }
    if (imgcolor__background_found(bg)) {
        res->has_background = 1;
        res->background.rgb = imgcolor__background_rgb(bg);
        imgcolor_rgb_to_hex(res->background.rgb, res->background.hex);
        res->background.count = imgcolor__background_pixels(bg);
    } else if (imgcolor__background_note(bg)) {
        imgcolor__warnings_add(&res->warnings, imgcolor__background_note(bg));
    }
}

/* The background's share, once its count is final. */
static void background_fraction(imgcolor_result *res)
{
    if (res->has_background)
        res->background.fraction =
            (double)res->background.count / (double)(res->pixels + res->background.count);
}

/* Decodes src (the background looked for first, when asked) into a histogram through
 * the chain of sinks, and clusters it. */
static imgcolor_status prominent_source(const imgcolor__source *src, const imgcolor_options *opt,
                                        imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_options fast_storage;
    imgcolor__budget budget;
    imgcolor__meter meter;
    imgcolor__budget_init(&budget, opt->time_limit_ms);
    imgcolor__meter_start(&meter, &budget);
    imgcolor__histogram *hist = NULL;
    imgcolor__collector *col = NULL;
    imgcolor_status st;
    if ((st = imgcolor__histogram_new(opt->min_alpha, &hist)) != IMGCOLOR_OK ||
        (st = imgcolor__collector_new(hist, opt->threads, &meter, &col)) != IMGCOLOR_OK) {
        imgcolor__histogram_free(hist);
        return imgcolor__fail(err, st, "out of memory");
    }
    imgcolor__background *bg = NULL;
    if (opt->background != IMGCOLOR_BACKGROUND_KEEP)
        st = imgcolor__background_find(src, opt, &meter, &bg, err);
    int excluding = imgcolor__background_found(bg);
    imgcolor__chain c;
    memset(&c, 0, sizeof c);
    if (st == IMGCOLOR_OK)
        st = imgcolor__chain_run(&c, src, opt,
                                 excluding ? imgcolor__background_count_sink(bg, hist, &meter)
                                           : imgcolor__collector_sink(col),
                                 err);
    uint32_t width, height;
    imgcolor_status counted = imgcolor__collector_finish(col, &width, &height);
    if (st == IMGCOLOR_E_LIMIT) /* a sink's refusal, which the decoder passed on */
        imgcolor__budget_fail(&budget, err);
    if (st == IMGCOLOR_OK && counted != IMGCOLOR_OK)
        st = counting_fail(counted, &meter, err);
    const imgcolor__sampler *sampler = &c.sampler;
    int sampled = sampler->step > 1 || sampler->band_step > 1;
    if (st == IMGCOLOR_OK && excluding && imgcolor__histogram_pixels(hist) == 0)
        st = empty_result(hist, sampler->width, sampler->height, &c.managed, opt, out, err);
    else if (st == IMGCOLOR_OK)
        st = cluster(hist, sampler->width, sampler->height, &c.managed,
                     sampled ? imgcolor__fast_options(opt, &fast_storage) : opt, &meter, NULL,
                     out, err);
    if (st == IMGCOLOR_OK && (st = sort_result(*out, NULL, err)) == IMGCOLOR_OK) {
        report(*out, &c, bg, opt);
        if (opt->fast)
            rescale(*out, sampler, (uint64_t)sampler->width * sampler->height);
        background_fraction(*out);
    }
    imgcolor__chain_free(&c);
    imgcolor__background_free(bg);
    imgcolor__collector_free(col);
    imgcolor__histogram_free(hist);
    return st;
}

imgcolor_status imgcolor_prominent(const void *data, size_t size, const imgcolor_options *opt,
                                   imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    imgcolor_status st = check_out(out, err);
    if (st != IMGCOLOR_OK)
        return st;
    if (!data && size)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL data");
    if (!imgcolor__call_selects(opt))
        return prominent_plain(data, size, opt, out, err);
    if ((st = imgcolor__call_plain_only(opt, "where", opt->where, err)) != IMGCOLOR_OK)
        return st;
    const imgcolor__source src = {.data = data, .size = size};
    return prominent_source(&src, opt, out, err);
}

imgcolor_status imgcolor_prominent_file(const char *path, const imgcolor_options *opt,
                                        imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    imgcolor_status st = check_out(out, err);
    if (st != IMGCOLOR_OK)
        return st;
    if (!path)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL path");
    uint8_t *data = NULL;
    size_t size = 0;
    st = imgcolor__read_file(path, opt->max_bytes, &data, &size, err);
    if (st == IMGCOLOR_OK)
        st = imgcolor_prominent(data, size, opt, out, err);
    free(data);
    return st;
}

imgcolor_status imgcolor_prominent_pixels(const void *pixels, uint32_t width, uint32_t height,
                                          size_t stride, imgcolor_pixel_format format,
                                          const imgcolor_options *opt, imgcolor_result **out,
                                          imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    imgcolor_status st = check_out(out, err);
    if (st != IMGCOLOR_OK)
        return st;
    if (format != IMGCOLOR_PIXEL_RGB8 && format != IMGCOLOR_PIXEL_RGBA8)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "unknown pixel format %d", (int)format);
    if (!pixels)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL pixels");
    if ((st = imgcolor__check_dimensions(width, height, opt, err)) != IMGCOLOR_OK)
        return st;
    if (stride < (size_t)width * (size_t)format)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "stride %zu is less than %u pixels", stride,
                              width);
    if (imgcolor__call_selects(opt)) {
        /* Through the chain of sinks, as if decoded, for the region and the background. */
        if ((st = imgcolor__call_plain_only(opt, "where", opt->where, err)) != IMGCOLOR_OK)
            return st;
        const imgcolor__source src = {.pixels = pixels, .width = width, .height = height,
                                      .stride = stride, .format = (int)format};
        return prominent_source(&src, opt, out, err);
    }
    imgcolor__histogram *hist = NULL;
    if ((st = imgcolor__histogram_new(format == IMGCOLOR_PIXEL_RGBA8 ? opt->min_alpha : 0,
                                      &hist)) != IMGCOLOR_OK)
        return imgcolor__fail(err, st, "out of memory");
    imgcolor__budget budget;
    imgcolor__meter meter;
    imgcolor__budget_init(&budget, opt->time_limit_ms);
    imgcolor__meter_start(&meter, &budget);
    /* Fast mode: one pixel in step x step, gathered row by row into row. */
    uint32_t step = opt->fast ? imgcolor__sample_step(width, height, opt->fast_min_pixels) : 1;
    uint32_t kept = (uint32_t)((width + step - 1) / step);
    uint8_t *row = step > 1 ? malloc((size_t)kept * (size_t)format) : NULL;
    if (step > 1 && !row)
        st = IMGCOLOR_E_NOMEM;
    imgcolor__histogram_expect(hist, (uint64_t)kept * ((height + step - 1) / step));
    for (uint32_t y = 0; y < height && st == IMGCOLOR_OK; y += step) {
        const uint8_t *src = (const uint8_t *)pixels + (size_t)y * stride;
        if (row) {
            imgcolor__sample_row(src, width, step, (int)format, row);
            src = row;
        }
        st = imgcolor__histogram_add(hist, src, kept, (int)format);
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter);
    }
    imgcolor_options fast_storage;
    imgcolor__assignment *asg = NULL;
    imgcolor__where *wh = NULL;
    if (st == IMGCOLOR_OK)
        st = cluster(hist, width, height, NULL,
                     step > 1 ? imgcolor__fast_options(opt, &fast_storage) : opt, &meter,
                     opt->where ? &asg : NULL, out, err);
    else
        counting_fail(st, &meter, err);
    if (st == IMGCOLOR_OK && asg &&
        (st = imgcolor__where_new(asg, opt->min_alpha, &meter, &wh)) != IMGCOLOR_OK)
        imgcolor__fail(err, st, "out of memory");
    if (st == IMGCOLOR_OK && wh) {
        imgcolor__where_geometry(wh, width, height, step);
        for (uint32_t y = 0; y < height && st == IMGCOLOR_OK; y += step) {
            const uint8_t *src = (const uint8_t *)pixels + (size_t)y * stride;
            if (row) {
                imgcolor__sample_row(src, width, step, (int)format, row);
                src = row;
            }
            st = imgcolor__where_add(wh, src, kept, (int)format, y / step);
        }
        if (st == IMGCOLOR_E_LIMIT)
            imgcolor__budget_fail(&budget, err);
    }
    if (st == IMGCOLOR_OK)
        st = sort_result(*out, wh, err);
    if (st == IMGCOLOR_OK && opt->fast)
        rescale(*out, &(imgcolor__sampler){.step = step, .band_step = 1},
                (uint64_t)width * height);
    if (st != IMGCOLOR_OK && *out) {
        imgcolor_result_free(*out);
        *out = NULL;
    }
    imgcolor__where_free(wh);
    imgcolor__assignment_free(asg);
    free(row);
    imgcolor__histogram_free(hist);
    return st;
}

void imgcolor_result_free(imgcolor_result *res)
{
    free(res);
}

size_t imgcolor_result_count(const imgcolor_result *res)
{
    return res ? res->count : 0;
}

const imgcolor_cluster *imgcolor_result_color(const imgcolor_result *res, size_t i)
{
    return res && i < res->count ? &res->clusters[i] : NULL;
}

uint32_t imgcolor_result_width(const imgcolor_result *res)
{
    return res ? res->width : 0;
}

uint32_t imgcolor_result_height(const imgcolor_result *res)
{
    return res ? res->height : 0;
}

int imgcolor_result_k(const imgcolor_result *res)
{
    return res ? res->k : 0;
}

uint64_t imgcolor_result_pixels(const imgcolor_result *res)
{
    return res ? res->pixels : 0;
}

uint64_t imgcolor_result_transparent(const imgcolor_result *res)
{
    return res ? res->transparent : 0;
}

uint64_t imgcolor_result_distinct(const imgcolor_result *res)
{
    return res ? res->distinct : 0;
}

double imgcolor_result_inertia(const imgcolor_result *res)
{
    return res ? res->inertia : 0;
}

int imgcolor_result_iterations(const imgcolor_result *res)
{
    return res ? res->iterations : 0;
}

imgcolor_space imgcolor_result_space(const imgcolor_result *res)
{
    return res ? res->space : IMGCOLOR_SPACE_RGB;
}

size_t imgcolor_result_warning_count(const imgcolor_result *res)
{
    return res ? (size_t)res->warnings.count : 0;
}

const char *imgcolor_result_warning(const imgcolor_result *res, size_t i)
{
    return res && i < (size_t)res->warnings.count ? res->warnings.text[i] : NULL;
}

const char *imgcolor_result_profile(const imgcolor_result *res)
{
    return res && res->profile[0] ? res->profile : NULL;
}

void imgcolor_free(void *ptr)
{
    free(ptr);
}

int imgcolor_result_sampled(const imgcolor_result *res)
{
    return res && (res->sample_step > 1 || res->sample_band_step > 1);
}

/* The fast mode decodes at full size since it skips row bands instead (see sample.h). */
uint32_t imgcolor_result_sample_scale(const imgcolor_result *res)
{
    (void)res;
    return 1;
}

uint32_t imgcolor_result_sample_step(const imgcolor_result *res)
{
    return res && res->sample_step ? res->sample_step : 1;
}

uint32_t imgcolor_result_sample_band_rows(const imgcolor_result *res)
{
    return res && res->sample_band_rows ? res->sample_band_rows : 1;
}

uint32_t imgcolor_result_sample_band_step(const imgcolor_result *res)
{
    return res && res->sample_band_step ? res->sample_band_step : 1;
}

const imgcolor_background *imgcolor_result_background(const imgcolor_result *res)
{
    return res && res->has_background ? &res->background : NULL;
}

imgcolor_background_mode imgcolor_result_background_mode(const imgcolor_result *res)
{
    return res ? res->background_mode : IMGCOLOR_BACKGROUND_KEEP;
}

const imgcolor_region *imgcolor_result_region(const imgcolor_result *res)
{
    return res && res->has_region ? &res->region : NULL;
}

uint64_t imgcolor_result_sample_pixels(const imgcolor_result *res)
{
    if (!res)
        return 0;
    return res->fast ? res->sample_pixels
                     : res->pixels + res->transparent + res->background.count;
}
