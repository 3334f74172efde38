/* prominent.c: the prominent colours of an image, its entry points and the result's
 * accessors. The steps of a call are in call.c; building the result in result_build.c. */
#include <stdlib.h>
#include <string.h>

#include "prominent.h"
#include "result.h"

static imgcolor_status check_out(imgcolor_result **out, imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL result pointer");
    *out = NULL;
    return IMGCOLOR_OK;
}

/* The steps of a call on src: the first pass, the where pass when asked, the result. */
static imgcolor_status prominent_call(const imgcolor__source *src, const imgcolor_options *opt,
                                      imgcolor_result **out, imgcolor_error *err)
{
    imgcolor_status st = opt->where ? imgcolor__call_check_pass(opt, "where", 0, err)
                                    : IMGCOLOR_OK;
    if (st != IMGCOLOR_OK)
        return st;
    imgcolor__call c;
    imgcolor__where *wh = NULL;
    imgcolor__call_start(&c, opt, src);
    st = imgcolor__call_count(&c, opt->where, err);
    if (st == IMGCOLOR_OK && c.assignment &&
        (st = imgcolor__where_new(c.assignment, opt->min_alpha, &c.meter, &wh)) != IMGCOLOR_OK)
        imgcolor__fail(err, st, "out of memory");
    if (st == IMGCOLOR_OK && wh) {
        /* The same stages as the first pass: it sees the same pixels. */
        imgcolor__pass p;
        st = imgcolor__call_pass(&c, opt, &p,
                                 imgcolor__where_sink(wh, imgcolor__call_pass_sampler(&c, &p)),
                                 err);
    }
    if (st == IMGCOLOR_OK)
        st = imgcolor__call_finish(&c, wh, out, err);
    imgcolor__where_free(wh);
    imgcolor__call_free(&c);
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
    return prominent_call(&src, opt, out, err);
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

/* Raw pixels without a selection: every row (fast mode: one in step x step pixels)
 * straight into the histogram, and again into the where pass when asked. */
typedef struct raw_pixels {
    const uint8_t *pixels;
    uint32_t width, height;
    size_t stride;
    int bpp;
    uint32_t step, kept; /* pixels kept of a row */
    uint8_t *row;        /* a thinned row, when step > 1 */
} raw_pixels;

/* Row y of r, thinned when sampled. */
static const uint8_t *raw_row(const raw_pixels *r, uint32_t y)
{
    const uint8_t *src = r->pixels + (size_t)y * r->stride;
    if (!r->row)
        return src;
    imgcolor__sample_row(src, r->width, r->step, r->bpp, r->row);
    return r->row;
}

static imgcolor_status raw_count(const raw_pixels *r, imgcolor__histogram *hist,
                                 imgcolor__meter *meter)
{
    imgcolor_status st = IMGCOLOR_OK;
    imgcolor__histogram_expect(hist, (uint64_t)r->kept * ((r->height + r->step - 1) / r->step));
    for (uint32_t y = 0; y < r->height && st == IMGCOLOR_OK; y += r->step) {
        st = imgcolor__histogram_add(hist, raw_row(r, y), r->kept, r->bpp);
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(meter);
    }
    return st;
}

static imgcolor_status raw_where(const raw_pixels *r, imgcolor__where *wh)
{
    imgcolor_status st = IMGCOLOR_OK;
    imgcolor__where_geometry(wh, r->width, r->height, r->step);
    for (uint32_t y = 0; y < r->height && st == IMGCOLOR_OK; y += r->step)
        st = imgcolor__where_add(wh, raw_row(r, y), r->kept, r->bpp, y / r->step);
    return st;
}

static imgcolor_status prominent_raw(raw_pixels *r, const imgcolor_options *opt,
                                     imgcolor_result **out, imgcolor_error *err)
{
    imgcolor__histogram *hist = NULL;
    imgcolor_status st = imgcolor__histogram_new(r->bpp == 4 ? opt->min_alpha : 0, &hist);
    if (st != IMGCOLOR_OK)
        return imgcolor__fail(err, st, "out of memory");
    imgcolor__budget budget;
    imgcolor__meter meter;
    imgcolor__budget_init(&budget, opt->time_limit_ms);
    imgcolor__meter_start(&meter, &budget);
    r->step = opt->fast ? imgcolor__sample_step(r->width, r->height, opt->fast_min_pixels) : 1;
    r->kept = (uint32_t)((r->width + r->step - 1) / r->step);
    if (r->step > 1 && !(r->row = malloc((size_t)r->kept * (size_t)r->bpp)))
        st = IMGCOLOR_E_NOMEM;
    if (st == IMGCOLOR_OK)
        st = raw_count(r, hist, &meter);
    imgcolor_options fast_storage;
    imgcolor__assignment *asg = NULL;
    imgcolor__where *wh = NULL;
    if (st == IMGCOLOR_OK)
        st = imgcolor__cluster(hist, r->width, r->height, NULL,
                               r->step > 1 ? imgcolor__fast_options(opt, &fast_storage) : opt,
                               &meter, opt->where ? &asg : NULL, out, err);
    else
        imgcolor__counting_fail(st, &meter, err);
    if (st == IMGCOLOR_OK && asg &&
        (st = imgcolor__where_new(asg, opt->min_alpha, &meter, &wh)) != IMGCOLOR_OK)
        imgcolor__fail(err, st, "out of memory");
    if (st == IMGCOLOR_OK && wh && (st = raw_where(r, wh)) == IMGCOLOR_E_LIMIT)
        imgcolor__budget_fail(&budget, err);
    if (st == IMGCOLOR_OK)
        st = imgcolor__result_sort(*out, wh, err);
    if (st == IMGCOLOR_OK && opt->fast)
        imgcolor__result_rescale(*out, &(imgcolor__sampler){.step = r->step, .band_step = 1},
                                 (uint64_t)r->width * r->height);
    if (st != IMGCOLOR_OK && *out) {
        imgcolor_result_free(*out);
        *out = NULL;
    }
    imgcolor__where_free(wh);
    imgcolor__assignment_free(asg);
    free(r->row);
    imgcolor__histogram_free(hist);
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
        /* Through the stages of chain.c, as if decoded, for the region and the background. */
        const imgcolor__source src = {.pixels = pixels, .width = width, .height = height,
                                      .stride = stride, .format = (int)format};
        return prominent_call(&src, opt, out, err);
    }
    raw_pixels r = {.pixels = pixels, .width = width, .height = height, .stride = stride,
                    .bpp = (int)format};
    return prominent_raw(&r, opt, out, err);
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
