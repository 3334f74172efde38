/* chain.c: builds the chain of sinks between a decoder and the histogram, and feeds it
 * from encoded bytes or from raw pixels as if they were decoded. */
#include <stdlib.h>
#include <string.h>

#include "chain.h"

/* Rows handed on per call from raw pixels, as the streaming decoders batch them. */
#define PIXEL_BATCH_ROWS 32u

/* Raw pixels into sink as RGBA rows: packed RGBA goes straight on, anything else is
 * copied a batch at a time. */
static imgcolor_status feed_pixels(const imgcolor__source *src, const imgcolor__sink *sink)
{
    imgcolor_status st = sink->begin(sink->user, src->width, src->height);
    if (st != IMGCOLOR_OK)
        return st;
    size_t packed = (size_t)src->width * 4;
    int direct = src->format == 4 && src->stride == packed;
    uint8_t *buf = direct ? NULL : malloc(packed * PIXEL_BATCH_ROWS);
    if (!direct && !buf)
        return IMGCOLOR_E_NOMEM;
    for (uint32_t y = 0; y < src->height && st == IMGCOLOR_OK; y += PIXEL_BATCH_ROWS) {
        uint32_t n = src->height - y < PIXEL_BATCH_ROWS ? src->height - y : PIXEL_BATCH_ROWS;
        const uint8_t *rows = src->pixels + src->stride * y;
        for (uint32_t i = 0; buf && i < n; i++) {
            const uint8_t *in = rows + src->stride * i;
            uint8_t *out = buf + packed * i;
            for (uint32_t x = 0; x < src->width; x++) {
                memcpy(out + 4 * (size_t)x, in + (size_t)src->format * x, 3);
                out[4 * (size_t)x + 3] = src->format == 4 ? in[4 * (size_t)x + 3] : 255;
            }
        }
        st = sink->rows(sink->user, buf ? buf : rows, y, n);
    }
    free(buf);
    return st;
}

imgcolor_status imgcolor__chain_run(imgcolor__chain *c, const imgcolor__source *src,
                                    const imgcolor_options *opt, int profile,
                                    imgcolor__sink end, imgcolor_error *err)
{
    memset(c, 0, sizeof *c);
    imgcolor__sink managed = imgcolor__managed_sink(&c->managed, end, opt);
    if (!profile)
        managed.profile = NULL;
    imgcolor__sink sink = imgcolor__sampler_sink(&c->sampler, managed,
                                                 opt->fast ? opt->fast_min_pixels : 0);
    c->filtered = opt->has_region || opt->background != IMGCOLOR_BACKGROUND_KEEP;
    if (c->filtered)
        sink = imgcolor__region_sink(&c->region, sink, opt, err);
    if (!src->pixels)
        return imgcolor__decode_stream(src->data, src->size, opt, &sink, err);
    if (err) { /* as imgcolor__decode_stream(): a sink may word its own refusal */
        err->status = IMGCOLOR_OK;
        err->message[0] = '\0';
    }
    imgcolor_status st = feed_pixels(src, &sink);
    if (st != IMGCOLOR_OK && err && err->status != st)
        imgcolor__fail(err, st, "%s", imgcolor_strerror(st));
    return st;
}

void imgcolor__chain_free(imgcolor__chain *c)
{
    imgcolor__region_free(&c->region);
    imgcolor__sampler_free(&c->sampler);
    imgcolor__managed_free(&c->managed);
}
