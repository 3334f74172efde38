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
#include "manage.h"
#include "sample.h"

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
    uint32_t sample_scale, sample_step; /* see imgcolor_result_sample_scale(), _step() */
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
    const imgcolor_rgb black = {0, 0, 0}, white = {255, 255, 255};
    double on_black = imgcolor__contrast(c->rgb, black);
    double on_white = imgcolor__contrast(c->rgb, white);
    c->text = on_black >= on_white ? black : white;
    c->text_contrast = on_black >= on_white ? on_black : on_white;
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

/* Clusters the histogram and builds the result; consumes nothing. m, when not NULL,
 * converts the colours to sRGB first and gives the result its warnings. meter is the
 * calling thread's, against the call's time budget. */
static imgcolor_status cluster(imgcolor__histogram *hist, uint32_t width, uint32_t height,
                               imgcolor__managed *m, const imgcolor_options *opt,
                               imgcolor__meter *meter,
                               imgcolor_result **out, imgcolor_error *err)
{
    uint64_t pixels = imgcolor__histogram_pixels(hist);
    uint64_t transparent = imgcolor__histogram_transparent(hist);
    if (pixels == 0)
        return imgcolor__fail(err, IMGCOLOR_E_NO_PIXELS,
                              "image has no pixel with alpha >= %d to cluster (%llu transparent)",
                              opt->min_alpha, (unsigned long long)transparent);
    uint32_t *codes = NULL;
    uint64_t *counts = NULL;
    size_t n = 0;
    imgcolor__clustering *cl = malloc(sizeof *cl);
    double (*rgb_mean)[3] = malloc(IMGCOLOR_K_MAX * sizeof *rgb_mean);
    imgcolor_result *res = NULL;
    imgcolor_status st = cl && rgb_mean ? imgcolor__histogram_take(hist, &codes, &counts, &n)
                                        : IMGCOLOR_E_NOMEM;
    if (st == IMGCOLOR_OK && m)
        st = imgcolor__managed_convert_codes(m, codes, counts, &n);
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
    qsort(res->clusters, res->count, sizeof res->clusters[0], by_count);
    *out = res;
    res = NULL;
done:
    free(rgb_mean);
    free(cl);
    free(res);
    return st;
}

/*
 * Fast mode: the result was counted on sample_pixels of the image's total pixels (both
 * transparent ones included); pixels, transparent, counts and inertia are scaled to the
 * whole, the counts summing to pixels, and the order made total again.
 */
static void rescale(imgcolor_result *res, uint32_t scale, uint32_t step, uint64_t total)
{
    uint64_t sampled = res->pixels + res->transparent + res->background.count;
    res->fast = 1;
    res->sample_scale = scale;
    res->sample_step = step;
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
    int sampled = sampler->scale > 1 || sampler->step > 1;
    if (st == IMGCOLOR_OK && excluding && imgcolor__histogram_pixels(hist) == 0)
        st = empty_result(hist, sampler->width, sampler->height, &c.managed, opt, out, err);
    else if (st == IMGCOLOR_OK)
        st = cluster(hist, sampler->width, sampler->height, &c.managed,
                     sampled ? imgcolor__fast_options(opt, &fast_storage) : opt, &meter, out,
                     err);
    if (st == IMGCOLOR_OK) {
        report(*out, &c, bg, opt);
        if (opt->fast)
            rescale(*out, sampler->scale, sampler->step,
                    (uint64_t)sampler->width * sampler->height);
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
    if (opt->has_region || opt->background != IMGCOLOR_BACKGROUND_KEEP) {
        /* Through the chain of sinks, as if decoded, for the region and the background. */
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
    if (st == IMGCOLOR_OK)
        st = cluster(hist, width, height, NULL,
                     step > 1 ? imgcolor__fast_options(opt, &fast_storage) : opt, &meter, out,
                     err);
    else
        counting_fail(st, &meter, err);
    if (st == IMGCOLOR_OK && opt->fast)
        rescale(*out, 1, step, (uint64_t)width * height);
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
    return res && (res->sample_scale > 1 || res->sample_step > 1);
}

uint32_t imgcolor_result_sample_scale(const imgcolor_result *res)
{
    return res && res->sample_scale ? res->sample_scale : 1;
}

uint32_t imgcolor_result_sample_step(const imgcolor_result *res)
{
    return res && res->sample_step ? res->sample_step : 1;
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
