/* border.h: the border pixels of an image (border.c), gathered as they are decoded, and
 * the colour that covers most of them. */
#ifndef IMGCOLOR_BORDER_H
#define IMGCOLOR_BORDER_H

#include "budget.h"
#include "manage.h"

/* The outermost rows and columns, each pixel once, in Oklab after colour management. */
typedef struct imgcolor__border {
    imgcolor__managed *managed; /* converts the rows to sRGB first */
    imgcolor__meter *meter;     /* the call's time budget, checked each batch */
    int min_alpha;
    uint32_t width, height;
    size_t cap, n, opaque;      /* border pixels expected, seen, of alpha >= min_alpha */
    float (*lab)[3];            /* the opaque ones' colours */
    uint8_t *row;               /* a row, or the edge pixels of a batch, to convert */
    size_t row_cap;
} imgcolor__border;

/* A sink gathering the border into b; m is the chain's colour management. */
imgcolor__sink imgcolor__border_sink(imgcolor__border *b, imgcolor__managed *m, int min_alpha,
                                     imgcolor__meter *meter);
void imgcolor__border_free(imgcolor__border *b);

/* The background colour by the rule of imgcolor_options_set_background(): 1 and *out
 * when a colour within tolerance (deltaE OK) of IMGCOLOR_BACKGROUND_MAJORITY percent of
 * the border exists, else 0. */
imgcolor_status imgcolor__border_dominant(const imgcolor__border *b, double tolerance,
                                          int *found, imgcolor_rgb *out);

#endif
