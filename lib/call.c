/* call.c: the steps of a call on an image. Without a selection the first pass goes
 * through the pipeline of pipeline.c into the histogram; with a region or a background
 * it goes through chain.c's region filter, after the background's own passes. Later
 * passes (the where pass, the label map) go through the same stages, so that they see
 * the pixels the histogram saw. */
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "prominent.h"
#include "result.h"

void imgcolor__call_start(imgcolor__call *c, const imgcolor_options *opt,
                          const imgcolor__source *src)
{
    memset(c, 0, sizeof *c);
    c->opt = opt;
    c->src = src;
    c->selects = imgcolor__call_selects(opt);
    imgcolor__budget_init(&c->budget, opt->time_limit_ms);
    imgcolor__meter_start(&c->meter, &c->budget);
}

int imgcolor__call_selects(const imgcolor_options *opt)
{
    return opt->has_region || opt->background != IMGCOLOR_BACKGROUND_KEEP;
}

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

/* The first pass: the histogram filled through the pipeline or, with a selection, the
 * chain (the background found first, and its pixels left out). */
static imgcolor_status fill(imgcolor__call *c, imgcolor__histogram *hist,
                            imgcolor__collector *col, imgcolor_error *err)
{
    const imgcolor_options *opt = c->opt;
    if (!c->selects) {
        imgcolor__sink sink = imgcolor__pipeline_sink(&c->pipeline,
                                                      imgcolor__collector_sink(col), opt, 1);
        return imgcolor__decode_stream(c->src->data, c->src->size, opt, &sink, err);
    }
    imgcolor_status st = IMGCOLOR_OK;
    if (opt->background != IMGCOLOR_BACKGROUND_KEEP)
        st = imgcolor__background_find(c->src, opt, &c->meter, &c->bg, err);
    if (st != IMGCOLOR_OK)
        return st;
    return imgcolor__chain_run(&c->chain, c->src, opt, 1,
                               imgcolor__background_found(c->bg)
                                   ? imgcolor__background_count_sink(c->bg, hist, &c->meter)
                                   : imgcolor__collector_sink(col),
                               err);
}

/* The first pass's sampler, which knows the image's size and what was sampled. */
static const imgcolor__sampler *first_sampler(const imgcolor__call *c)
{
    return c->selects ? &c->chain.sampler : &c->pipeline.sampler;
}

imgcolor_status imgcolor__call_count(imgcolor__call *c, int assign, imgcolor_error *err)
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
    st = fill(c, hist, col, err);
    uint32_t width, height;
    imgcolor_status counted = imgcolor__collector_finish(col, &width, &height);
    if (st == IMGCOLOR_E_LIMIT) /* a sink's refusal, which the decoder passed on */
        imgcolor__budget_fail(&c->budget, err);
    if (st == IMGCOLOR_OK && counted != IMGCOLOR_OK)
        st = imgcolor__counting_fail(counted, &c->meter, err);
    const imgcolor__sampler *s = first_sampler(c);
    imgcolor__managed *m = c->selects ? &c->chain.managed : &c->pipeline.managed;
    if (st == IMGCOLOR_OK && imgcolor__background_found(c->bg) &&
        imgcolor__histogram_pixels(hist) == 0)
        st = empty_result(hist, s->width, s->height, m, opt, &c->result, err);
    else if (st == IMGCOLOR_OK)
        st = imgcolor__cluster(hist, s->width, s->height, m,
                               imgcolor__sampler_sampled(s)
                                   ? imgcolor__fast_options(opt, &c->fast_storage)
                                   : opt,
                               &c->meter, assign ? &c->assignment : NULL, &c->result, err);
    imgcolor__collector_free(col);
    imgcolor__histogram_free(hist);
    return st;
}

imgcolor_status imgcolor__call_check_pass(const imgcolor_options *opt, const char *what,
                                          int full, imgcolor_error *err)
{
    if (opt->background == IMGCOLOR_BACKGROUND_KEEP)
        return IMGCOLOR_OK;
    if (opt->min_alpha == 0)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID,
                              "%s with a background left out needs min_alpha of 1 or more",
                              what);
    if (full && opt->fast)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID,
                              "%s with a background left out needs the fast mode off", what);
    return IMGCOLOR_OK;
}

const imgcolor__sampler *imgcolor__call_pass_sampler(const imgcolor__call *c,
                                                     imgcolor__pass *p)
{
    return c->selects ? &p->chain.sampler : &p->pipeline.sampler;
}

imgcolor_status imgcolor__call_pass(imgcolor__call *c, const imgcolor_options *opt,
                                    imgcolor__pass *p, imgcolor__sink last, imgcolor_error *err)
{
    imgcolor_status st;
    if (!c->selects) {
        imgcolor__sink sink = imgcolor__pipeline_sink(&p->pipeline, last, opt, 0);
        st = imgcolor__decode_stream(c->src->data, c->src->size, opt, &sink, err);
        imgcolor__pipeline_free(&p->pipeline);
    } else {
        if (imgcolor__background_found(c->bg))
            last = imgcolor__background_mask_sink(c->bg, last, &c->meter);
        st = imgcolor__chain_run(&p->chain, c->src, opt, 0, last, err);
        imgcolor__chain_free(&p->chain);
    }
    if (st == IMGCOLOR_E_LIMIT)
        imgcolor__budget_fail(&c->budget, err);
    return st;
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

imgcolor_status imgcolor__call_finish(imgcolor__call *c, const imgcolor__where *wh,
                                      imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_status st = imgcolor__result_sort(c->result, wh, err);
    if (st != IMGCOLOR_OK)
        return st;
    if (c->selects)
        report(c->result, &c->chain, c->bg, c->opt);
    const imgcolor__sampler *s = first_sampler(c);
    if (c->opt->fast)
        imgcolor__result_rescale(c->result, s, (uint64_t)s->width * s->height);
    background_fraction(c->result);
    *out = c->result;
    c->result = NULL;
    return IMGCOLOR_OK;
}

void imgcolor__call_free(imgcolor__call *c)
{
    imgcolor_result_free(c->result);
    imgcolor__assignment_free(c->assignment);
    imgcolor__pipeline_free(&c->pipeline);
    imgcolor__chain_free(&c->chain);
    imgcolor__background_free(c->bg);
}
