/* swatch_internal.h: what the swatch-strip files share: the options, and the layout
 * (segment spans in whole pixels, label anchors) that the raster and the SVG both draw. */
#ifndef IMGCOLOR_SWATCH_INTERNAL_H
#define IMGCOLOR_SWATCH_INTERNAL_H

#include "draw_internal.h"

#define IMGCOLOR__SWATCH_MAX_COLORS 256
/* The hatching of the background tile: a line HATCH_WIDTH pixels wide every
 * HATCH_PERIOD pixels along the diagonal, the label colour at a quarter opacity. */
#define IMGCOLOR__SWATCH_HATCH_PERIOD 12
#define IMGCOLOR__SWATCH_HATCH_WIDTH 2

struct imgcolor_swatch_options {
    uint32_t width;
    uint32_t height;
    int labels;
    char *font_path; /* NULL: IMGCOLOR_FONT_PATH */
};

/* One segment: columns [x, x + w) of the whole height. */
typedef struct imgcolor__swatch_segment {
    uint32_t x, w;
    imgcolor_rgb color;
    int hatched; /* the background's tile */
} imgcolor__swatch_segment;

typedef struct imgcolor__swatch_layout {
    uint32_t width, height;
    double font_px;
    size_t nseg; /* segments of width 0 are left out */
    imgcolor__swatch_segment seg[IMGCOLOR__SWATCH_MAX_COLORS + 1];
    size_t ntext;
    imgcolor__text text[2 * (IMGCOLOR__SWATCH_MAX_COLORS + 1)];
} imgcolor__swatch_layout;

/* Validates the colours and computes the layout; *out is malloc'd, free it with free(). */
imgcolor_status imgcolor__swatch_layout_new(const imgcolor_swatch_color *colors, size_t n,
                                            const imgcolor_background *background,
                                            const imgcolor_swatch_options *opt,
                                            imgcolor__swatch_layout **out, imgcolor_error *err);

#endif
