/* chain.h: what a decode passes through on its way to the histogram (chain.c): the
 * region filter (with a region or a background), the fast mode's sampler and colour
 * management, fed by encoded bytes or by raw pixels. */
#ifndef IMGCOLOR_CHAIN_H
#define IMGCOLOR_CHAIN_H

#include "manage.h"
#include "region.h"
#include "sample.h"

/* An image to decode: encoded bytes (pixels NULL), or raw pixels in one of the
 * imgcolor_pixel_format layouts, rows stride bytes apart. */
typedef struct imgcolor__source {
    const void *data;
    size_t size;
    const uint8_t *pixels;
    uint32_t width, height;
    size_t stride;
    int format; /* bytes per pixel, 3 or 4 */
} imgcolor__source;

typedef struct imgcolor__chain {
    int filtered; /* the region filter is in the chain */
    imgcolor__region_filter region;
    imgcolor__sampler sampler;
    imgcolor__managed managed;
} imgcolor__chain;

/* Decodes src through a chain built in c into end: decoder -> region filter (when
 * opt has a region or a background) -> sampler -> colour management -> end. c keeps
 * what the stages learnt, for the caller to read; free it with imgcolor__chain_free()
 * whatever this returns. A sink of end may keep &c->managed to convert rows. Without
 * profile, colour management does not read the image's profile: a later pass whose
 * sink looks colours up as decoded needs no transform, which costs as much to build as
 * decoding a small photo. */
imgcolor_status imgcolor__chain_run(imgcolor__chain *c, const imgcolor__source *src,
                                    const imgcolor_options *opt, int profile,
                                    imgcolor__sink end, imgcolor_error *err);
void imgcolor__chain_free(imgcolor__chain *c);

#endif
