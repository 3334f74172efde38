/* pie_internal.h: what the pie-chart files share: the options, and the layout (wedge
 * angles, centre, radius, label anchors) that the raster and the SVG both draw from. */
#ifndef IMGCOLOR_PIE_INTERNAL_H
#define IMGCOLOR_PIE_INTERNAL_H

#include "draw_internal.h"

#define IMGCOLOR__PIE_MAX_WEDGES 256
#define IMGCOLOR__PIE_MAX_LABEL IMGCOLOR__TEXT_MAX

struct imgcolor_pie_options {
    uint32_t width;
    uint32_t height;
    double start_angle; /* degrees, counter-clockwise from 3 o'clock */
    int clockwise;
    int transparent;
    int labels;
    int percent;
    double font_px;  /* 0: 10 points at 75 dpi, scaled with the raster */
    char *font_path; /* NULL: IMGCOLOR_FONT_PATH */
};

/* One visible wedge, in counter-clockwise order of lo. Angles in radians, mathematical
 * orientation (counter-clockwise, y up), lo normalised to [0, 2pi). */
typedef struct imgcolor__pie_segment {
    double lo;
    double extent;
    imgcolor_rgb color;
} imgcolor__pie_segment;

typedef struct imgcolor__pie_layout {
    uint32_t width, height;
    double cx, cy, r; /* pixels, y down; pixel (i, j) covers [i, i+1] x [j, j+1] */
    double font_px;
    int transparent;
    size_t nseg;
    imgcolor__pie_segment seg[IMGCOLOR__PIE_MAX_WEDGES];
    size_t ntext;
    imgcolor__text text[2 * IMGCOLOR__PIE_MAX_WEDGES];
} imgcolor__pie_layout;

/* Validates the wedges and computes the layout; *out is malloc'd, free it with free(). */
imgcolor_status imgcolor__pie_layout_new(const imgcolor_pie_wedge *wedges, size_t n,
                                         const imgcolor_pie_options *opt,
                                         imgcolor__pie_layout **out, imgcolor_error *err);

#endif
