/* sample.c: the fast mode's sampling: JPEGs decoded in regular row bands, every other
 * format thinned to a regular grid, and counts scaled back. */
#include <stdlib.h>
#include <string.h>

#include "sample.h"

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

static int keeps(uint32_t width, uint32_t height, uint64_t s, uint64_t min_pixels)
{
    return ceil_div(width, s) * ceil_div(height, s) >= min_pixels;
}

uint32_t imgcolor__sample_step(uint32_t width, uint32_t height, uint64_t min_pixels)
{
    uint32_t s = 1;
    if (min_pixels == 0)
        return 1;
    /* Kept pixels fall as the step grows, so the first step that keeps too few ends it;
     * a step past the longer side keeps one pixel, as does every larger one. */
    uint32_t side = width > height ? width : height;
    while (s < side && keeps(width, height, (uint64_t)s + 1, min_pixels))
        s++;
    return s;
}

uint64_t imgcolor__band_rows_kept(uint32_t height, uint32_t band_rows, uint32_t band_step)
{
    if (band_rows == 0 || band_step <= 1 || height == 0)
        return height;
    uint64_t bands = ceil_div(height, band_rows);
    uint64_t whole = (bands - 1) / band_step; /* kept bands before the last kept one */
    uint64_t last = (uint64_t)height - whole * band_step * band_rows; /* rows from it on */
    return whole * band_rows + (last < band_rows ? last : band_rows);
}

uint32_t imgcolor__sample_band_xstep(uint32_t width, uint64_t rows, uint64_t min_pixels)
{
    uint32_t s = 1;
    while (min_pixels && s < IMGCOLOR__SAMPLE_BAND_XSTEP_MAX &&
           ceil_div(width, (uint64_t)s + 1) * rows >= min_pixels)
        s++;
    return s;
}

uint32_t imgcolor__sample_band_step(uint32_t width, uint32_t height, uint32_t band_rows,
                                    uint64_t min_pixels)
{
    if (min_pixels == 0 || band_rows == 0)
        return 1;
    /* As for the grid step: the first band step that keeps too few ends the search. */
    uint64_t bands = ceil_div(height, band_rows);
    uint32_t s = 1;
    while (s < bands && ceil_div(bands, (uint64_t)s + 1) >= IMGCOLOR__SAMPLE_MIN_BANDS &&
           (uint64_t)width * imgcolor__band_rows_kept(height, band_rows, s + 1) >= min_pixels)
        s++;
    return s;
}

/* The decoder can skip row bands: the sampler keeps the fewest that hold min_pixels (and
 * IMGCOLOR__SAMPLE_MIN_BANDS), and every row of them, rather than a grid, which would
 * alias with fine textures (stripes as far apart as the grid's step all fall on the same
 * colour); begin() then thins along the rows only. */
static imgcolor_status sample_bands_cb(void *user, uint32_t width, uint32_t height,
                                       uint32_t band_rows, uint32_t *step)
{
    imgcolor__sampler *s = user;
    s->band_step = imgcolor__sample_band_step(width, height, band_rows, s->min_pixels);
    s->band_rows = s->band_step > 1 ? band_rows : 0;
    *step = s->band_step;
    return IMGCOLOR_OK;
}

/* Whether decoded row y is in a kept band, and its row among the kept ones. */
static int band_kept(const imgcolor__sampler *s, uint32_t y)
{
    return s->band_step <= 1 || (y / s->band_rows) % s->band_step == 0;
}

static uint32_t band_row(const imgcolor__sampler *s, uint32_t y)
{
    if (s->band_step <= 1)
        return y;
    uint64_t period = (uint64_t)s->band_rows * s->band_step;
    return (uint32_t)(y / period * s->band_rows + y % s->band_rows);
}

static imgcolor_status sample_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__sampler *s = user;
    s->width = width;
    s->height = height;
    uint64_t rows = height;
    if (s->band_step > 1) {
        rows = imgcolor__band_rows_kept(height, s->band_rows, s->band_step);
        s->step = imgcolor__sample_band_xstep(width, rows, s->min_pixels);
    } else {
        s->step = imgcolor__sample_step(width, height, s->min_pixels);
        rows = ceil_div(height, s->step);
    }
    if (s->step > 1 && !(s->row = malloc((size_t)ceil_div(width, s->step) * 4)))
        return IMGCOLOR_E_NOMEM;
    return s->inner.begin(s->inner.user, (uint32_t)ceil_div(width, s->step), (uint32_t)rows);
}

/* Only rows passed on whole (no grid, all in one kept band) can be decoded straight into
 * the next sink's buffer. */
static imgcolor_status sample_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor__sampler *s = user;
    *out = NULL;
    if (s->step > 1 || !s->inner.buffer || count == 0)
        return IMGCOLOR_OK;
    if (s->band_step > 1 &&
        (!band_kept(s, y) || y / s->band_rows != (y + count - 1) / s->band_rows))
        return IMGCOLOR_OK;
    return s->inner.buffer(s->inner.user, band_row(s, y), count, out);
}

/* Passes on the rows y.. y + count - 1 that fall in kept bands: runs of them whole, or
 * each thinned to one pixel in step. */
static imgcolor_status band_rows_out(imgcolor__sampler *s, const uint8_t *rgba, uint32_t y,
                                     uint32_t count)
{
    size_t stride = (size_t)s->width * 4;
    imgcolor_status st = IMGCOLOR_OK;
    for (uint32_t i = 0, n; i < count && st == IMGCOLOR_OK; i += n) {
        n = 1;
        if (!band_kept(s, y + i))
            continue;
        if (s->step > 1) {
            s->kept += imgcolor__sample_row(rgba + stride * i, s->width, s->step, 4, s->row);
            st = s->inner.rows(s->inner.user, s->row, band_row(s, y + i), 1);
            continue;
        }
        while (i + n < count && band_kept(s, y + i + n))
            n++;
        s->kept += (uint64_t)s->width * n;
        st = s->inner.rows(s->inner.user, rgba + stride * i, band_row(s, y + i), n);
    }
    return st;
}

static imgcolor_status sample_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__sampler *s = user;
    if (s->band_step > 1)
        return band_rows_out(s, rgba, y, count);
    if (s->step == 1) {
        s->kept += (uint64_t)s->width * count;
        return s->inner.rows(s->inner.user, rgba, y, count);
    }
    size_t stride = (size_t)s->width * 4;
    uint32_t kept_width = (uint32_t)ceil_div(s->width, s->step);
    for (uint32_t i = 0; i < count; i++) {
        if ((y + i) % s->step)
            continue;
        imgcolor__sample_row(rgba + stride * i, s->width, s->step, 4, s->row);
        s->kept += kept_width;
        imgcolor_status st = s->inner.rows(s->inner.user, s->row, (y + i) / s->step, 1);
        if (st != IMGCOLOR_OK)
            return st;
    }
    return IMGCOLOR_OK;
}

static imgcolor_status sample_profile(void *user, const uint8_t *icc, size_t size)
{
    imgcolor__sampler *s = user;
    return imgcolor__sink_profile(&s->inner, icc, size);
}

static void sample_warning(void *user, const char *message)
{
    imgcolor__sampler *s = user;
    imgcolor__sink_warning(&s->inner, message);
}

imgcolor__sink imgcolor__sampler_sink(imgcolor__sampler *s, imgcolor__sink inner,
                                      uint64_t min_pixels)
{
    memset(s, 0, sizeof *s);
    s->inner = inner;
    s->min_pixels = min_pixels;
    s->step = 1;
    s->band_step = 1;
    return (imgcolor__sink){.begin = sample_begin, .rows = sample_rows, .user = s,
                            .buffer = sample_buffer, .profile = sample_profile,
                            .warning = sample_warning,
                            .bands = min_pixels ? sample_bands_cb : NULL};
}

void imgcolor__sampler_free(imgcolor__sampler *s)
{
    free(s->row);
    s->row = NULL;
}

void imgcolor__apportion(const uint64_t *weights, size_t n, uint64_t wsum, uint64_t total,
                         uint64_t *out)
{
    /* Weights and total stay below 2^41 (the pixel limit), so the products fit. */
    __extension__ typedef unsigned __int128 u128;
    uint64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint64_t)((u128)weights[i] * total / wsum);
        given += out[i];
    }
    /* Fewer than n units are left; each goes to the largest remainder not yet served. */
    for (uint64_t left = total - given; left > 0; left--) {
        size_t best = n;
        uint64_t best_rem = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t rem = (uint64_t)((u128)weights[i] * total % wsum);
            if (out[i] > (uint64_t)((u128)weights[i] * total / wsum))
                continue; /* served */
            if (best == n || rem > best_rem) {
                best = i;
                best_rem = rem;
            }
        }
        out[best]++;
    }
}

const imgcolor_options *imgcolor__fast_options(const imgcolor_options *opt,
                                               imgcolor_options *storage)
{
    if (!opt->fast || opt->n_init <= IMGCOLOR_FAST_N_INIT)
        return opt;
    *storage = *opt;
    storage->n_init = IMGCOLOR_FAST_N_INIT;
    return storage;
}

uint32_t imgcolor__sample_row(const uint8_t *src, uint32_t width, uint32_t step, int bpp,
                              uint8_t *dst)
{
    uint32_t kept = (uint32_t)ceil_div(width, step);
    for (uint32_t x = 0; x < kept; x++)
        memcpy(dst + (size_t)x * (size_t)bpp, src + (size_t)x * step * (size_t)bpp,
               (size_t)bpp);
    return kept;
}

int imgcolor__sampler_sampled(const imgcolor__sampler *s)
{
    return s->step > 1 || s->band_step > 1;
}
