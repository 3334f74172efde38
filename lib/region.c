/* region.c: the sink at the head of a chain with a region or a background: it narrows
 * rows to the region (or lets a decoder that can crop do it), in every frame of an
 * animation, and refuses stacked frames to a background. */
#include <stdlib.h>
#include <string.h>

#include "region.h"

static uint32_t ceil_div(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a + b - 1) / b);
}

/* Learns the image's full size and the decoder's scale: the region in full-size pixels,
 * and in the pixels delivered at 1/denom (every pixel any part of the region covers). Of
 * an animation, the region is clipped to one frame. */
static imgcolor_status size_up(imgcolor__region_filter *f, uint32_t width, uint32_t height,
                               uint32_t denom)
{
    f->width = width;
    f->height = height;
    f->denom = denom;
    uint32_t frame = f->frame_height ? f->frame_height : height;
    imgcolor_region r = {0, 0, width, frame};
    if (f->opt->has_region) {
        imgcolor_status st = imgcolor__region_clip(&f->opt->region, width, frame, &r, f->err);
        if (st != IMGCOLOR_OK)
            return st;
    }
    f->used = r;
    uint32_t x0 = r.x / denom, y0 = r.y / denom;
    f->rect = (imgcolor_region){x0, y0, ceil_div(r.x + r.w, denom) - x0,
                                ceil_div(r.y + r.h, denom) - y0};
    f->sized = 1;
    return IMGCOLOR_OK;
}

/* A decoder that scales asks first: the sampler downstream chooses the scale from the
 * region's size, since the region is what it samples. */
static imgcolor_status region_scale(void *user, uint32_t width, uint32_t height,
                                    uint32_t *denom)
{
    imgcolor__region_filter *f = user;
    imgcolor_status st = size_up(f, width, height, 1);
    *denom = 1;
    if (st == IMGCOLOR_OK && f->inner.scale)
        st = f->inner.scale(f->inner.user, f->used.w, f->used.h, denom);
    if (st == IMGCOLOR_OK && *denom != 1)
        st = size_up(f, width, height, *denom);
    return st;
}

static imgcolor_status region_crop(void *user, uint32_t width, uint32_t height, uint32_t *x,
                                   uint32_t *y, uint32_t *w, uint32_t *h)
{
    imgcolor__region_filter *f = user;
    if (f->frame_height) /* no decoder crops stacked frames: all of them, then */
        return IMGCOLOR_OK;
    if (!f->sized || ceil_div(f->width, f->denom) != width ||
        ceil_div(f->height, f->denom) != height)
        return imgcolor__fail(f->err, IMGCOLOR_E_INTERNAL, "region: crop before scale");
    *x = f->rect.x;
    *y = f->rect.y;
    *w = f->rect.w;
    *h = f->rect.h;
    f->cropped = 1;
    return IMGCOLOR_OK;
}

static imgcolor_status region_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__region_filter *f = user;
    imgcolor_status st = IMGCOLOR_OK;
    if (!f->sized && (st = size_up(f, width, height, 1)) != IMGCOLOR_OK)
        return st;
    uint64_t frames = f->frame_height ? f->frame_count : 1;
    if (f->cropped ? width != f->rect.w || height != f->rect.h
                   : width != ceil_div(f->width, f->denom) ||
                         height != ceil_div(f->height, f->denom) ||
                         (f->frame_height && (uint64_t)f->frame_height * frames != height))
        return imgcolor__fail(f->err, IMGCOLOR_E_INTERNAL, "region: unexpected image size");
    f->in_width = width;
    /* frames x rect.h <= height, which is a uint32_t */
    return f->inner.begin(f->inner.user, f->rect.w, (uint32_t)(frames * f->rect.h));
}

/* Rows of a cropped decode go straight on, and so may its buffer. */
static imgcolor_status region_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor__region_filter *f = user;
    *out = NULL;
    if (!f->cropped || !f->inner.buffer)
        return IMGCOLOR_OK;
    return f->inner.buffer(f->inner.user, y, count, out);
}

/* Passes on rows first..last - 1 of the received ones (from y, rgba) as row `to` on,
 * narrowed to the region's columns. */
static imgcolor_status pass_rows(imgcolor__region_filter *f, const uint8_t *rgba, uint32_t y,
                                 uint32_t first, uint32_t last, uint32_t to)
{
    size_t stride = (size_t)f->in_width * 4, narrow = (size_t)f->rect.w * 4;
    const uint8_t *src = rgba + stride * (first - y);
    if (narrow != stride) {
        size_t need = narrow * (last - first);
        if (need > f->packed_cap) {
            uint8_t *grown = realloc(f->packed, need);
            if (!grown)
                return IMGCOLOR_E_NOMEM;
            f->packed = grown;
            f->packed_cap = need;
        }
        for (uint32_t i = 0; i < last - first; i++)
            memcpy(f->packed + narrow * i, src + stride * i + (size_t)f->rect.x * 4, narrow);
        src = f->packed;
    }
    return f->inner.rows(f->inner.user, src, to, last - first);
}

/* The rows y.. y + count - 1 that fall in the region of their frame (the one frame of a
 * still image), a run of them per frame. */
static imgcolor_status region_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__region_filter *f = user;
    if (f->cropped)
        return f->inner.rows(f->inner.user, rgba, y, count);
    uint32_t frame = f->frame_height ? f->frame_height : ceil_div(f->height, f->denom);
    /* rows past those delivered in all (a decoder's mistake) are left out */
    uint32_t total = f->frame_height ? f->height : frame;
    uint32_t end = y < total && count < total - y ? y + count : total;
    imgcolor_status st = IMGCOLOR_OK;
    for (uint32_t at = y; at < end && st == IMGCOLOR_OK;) {
        uint32_t index = at / frame, base = index * frame;
        uint32_t top = base + f->rect.y, bottom = top + f->rect.h;
        uint32_t first = at > top ? at : top, last = end < bottom ? end : bottom;
        if (first < last)
            st = pass_rows(f, rgba, y, first, last, index * f->rect.h + (first - top));
        at = base + frame < end ? base + frame : end;
    }
    return st;
}

static imgcolor_status region_profile(void *user, const uint8_t *icc, size_t size)
{
    imgcolor__region_filter *f = user;
    return imgcolor__sink_profile(&f->inner, icc, size);
}

static void region_warning(void *user, const char *message)
{
    imgcolor__region_filter *f = user;
    imgcolor__sink_warning(&f->inner, message);
}

/* An animation's region is each frame's; a background has no one border in stacked
 * frames. */
static imgcolor_status region_frames(void *user, uint32_t frame_height, uint64_t count)
{
    imgcolor__region_filter *f = user;
    if (f->opt->background != IMGCOLOR_BACKGROUND_KEEP)
        return imgcolor__fail(f->err, IMGCOLOR_E_INVALID,
                              "a background works on one frame, and this animation has "
                              "%llu: count only the first (all_frames 0)",
                              (unsigned long long)count);
    if (f->sized || frame_height == 0 || count < 2)
        return imgcolor__fail(f->err, IMGCOLOR_E_INTERNAL, "region: frames after the size");
    f->frame_height = frame_height;
    f->frame_count = count;
    return IMGCOLOR_OK;
}

imgcolor__sink imgcolor__region_sink(imgcolor__region_filter *f, imgcolor__sink inner,
                                     const imgcolor_options *opt, imgcolor_error *err)
{
    memset(f, 0, sizeof *f);
    f->inner = inner;
    f->opt = opt;
    f->err = err;
    f->denom = 1;
    return (imgcolor__sink){.begin = region_begin, .rows = region_rows, .user = f,
                            .buffer = region_buffer, .profile = region_profile,
                            .warning = region_warning, .scale = region_scale,
                            .crop = region_crop, .frames = region_frames};
}

void imgcolor__region_free(imgcolor__region_filter *f)
{
    free(f->packed);
    f->packed = NULL;
    f->packed_cap = 0;
}
