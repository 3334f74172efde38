/* region.h: the region option (region.c): its text form, its clipping to an image, and
 * the sink that passes on only the region's pixels. */
#ifndef IMGCOLOR_REGION_H
#define IMGCOLOR_REGION_H

#include "internal.h"

/* Checks the ranges imgcolor_region_parse() documents; IMGCOLOR_E_RANGE outside. */
imgcolor_status imgcolor__region_check(const imgcolor_region_spec *spec, imgcolor_error *err);

/* The region of spec in a width x height image, clipped to it; IMGCOLOR_E_RANGE, with a
 * message, when nothing is left. */
imgcolor_status imgcolor__region_clip(const imgcolor_region_spec *spec, uint32_t width,
                                      uint32_t height, imgcolor_region *out,
                                      imgcolor_error *err);

/*
 * The first sink of a chain with a region or a background: it passes on the region's
 * rows and columns only (all of the image without a region), lets a decoder that can
 * crop decode just those, and of an animation of several frames, stacked, the region of
 * each frame, stacked in turn. With a background it refuses such an animation, whose
 * stacked frames have no one border. Messages go to err.
 */
typedef struct imgcolor__region_filter {
    imgcolor__sink inner;
    const imgcolor_options *opt;
    imgcolor_error *err;
    int sized;                /* width, height, denom and rect are known */
    uint32_t width, height;   /* the image at full size */
    uint32_t denom;           /* the decoder's scale */
    imgcolor_region used;     /* the region in pixels of the full-size image */
    imgcolor_region rect;     /* the same in pixels the decoder delivers */
    int cropped;              /* the decoder delivers rect only */
    uint32_t in_width;        /* the width of the rows received */
    uint32_t frame_height;    /* of an animation's stacked frames: each frame's; else 0 */
    uint64_t frame_count;     /* and how many there are */
    uint8_t *packed;          /* rows narrowed to rect */
    size_t packed_cap;
} imgcolor__region_filter;

imgcolor__sink imgcolor__region_sink(imgcolor__region_filter *f, imgcolor__sink inner,
                                     const imgcolor_options *opt, imgcolor_error *err);
void imgcolor__region_free(imgcolor__region_filter *f);

#endif
