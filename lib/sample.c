/* sample.c: the fast mode's sampling: JPEGs decoded at a DCT scale, every other format
 * (and a JPEG still too large) thinned to a regular grid, and counts scaled back. */
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

uint32_t imgcolor__sample_scale(uint32_t width, uint32_t height, uint64_t min_pixels)
{
    if (min_pixels == 0)
        return 1;
    for (uint32_t d = IMGCOLOR__SAMPLE_SCALE_MAX; d > 1; d /= 2)
        if (keeps(width, height, d, min_pixels))
            return d;
    return 1;
}

/* The decoder can scale: the sampler picks the DCT scale, and the grid (if any) later
 * from the size begin() receives. */
static imgcolor_status sample_scale_cb(void *user, uint32_t width, uint32_t height,
                                       uint32_t *denom)
{
    imgcolor__sampler *s = user;
    s->width = width;
    s->height = height;
    s->scale = imgcolor__sample_scale(width, height, s->min_pixels);
    *denom = s->scale;
    return IMGCOLOR_OK;
}

static imgcolor_status sample_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__sampler *s = user;
    if (s->scale == 1) { /* no scale() call, or scale 1: this is the full size */
        s->width = width;
        s->height = height;
    }
    s->out_width = width;
    s->out_height = height;
    s->step = imgcolor__sample_step(width, height, s->min_pixels);
    if (s->step > 1 && !(s->row = malloc((size_t)ceil_div(width, s->step) * 4)))
        return IMGCOLOR_E_NOMEM;
    return s->inner.begin(s->inner.user, (uint32_t)ceil_div(width, s->step),
                          (uint32_t)ceil_div(height, s->step));
}

/* Only an unthinned image can be decoded straight into the next sink's buffer. */
static imgcolor_status sample_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor__sampler *s = user;
    *out = NULL;
    if (s->step > 1 || !s->inner.buffer)
        return IMGCOLOR_OK;
    return s->inner.buffer(s->inner.user, y, count, out);
}

static imgcolor_status sample_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__sampler *s = user;
    if (s->step == 1) {
        s->kept += (uint64_t)s->out_width * count;
        return s->inner.rows(s->inner.user, rgba, y, count);
    }
    size_t stride = (size_t)s->out_width * 4;
    uint32_t kept_width = (uint32_t)ceil_div(s->out_width, s->step);
    for (uint32_t i = 0; i < count; i++) {
        if ((y + i) % s->step)
            continue;
        imgcolor__sample_row(rgba + stride * i, s->out_width, s->step, 4, s->row);
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
    return s->inner.profile ? s->inner.profile(s->inner.user, icc, size) : IMGCOLOR_OK;
}

static void sample_warning(void *user, const char *message)
{
    imgcolor__sampler *s = user;
    if (s->inner.warning)
        s->inner.warning(s->inner.user, message);
}

imgcolor__sink imgcolor__sampler_sink(imgcolor__sampler *s, imgcolor__sink inner,
                                      uint64_t min_pixels)
{
    memset(s, 0, sizeof *s);
    s->inner = inner;
    s->min_pixels = min_pixels;
    s->scale = 1;
    s->step = 1;
    return (imgcolor__sink){.begin = sample_begin, .rows = sample_rows, .user = s,
                            .buffer = sample_buffer, .profile = sample_profile,
                            .warning = sample_warning,
                            .scale = min_pixels ? sample_scale_cb : NULL};
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
