/* manage.h: colour management between a decoder and what it feeds (manage.c): the
 * image's profile is kept, and colours are converted to sRGB once they are counted. */
#ifndef IMGCOLOR_MANAGE_H
#define IMGCOLOR_MANAGE_H

#include "icc.h"

#define IMGCOLOR__WARNINGS_MAX 4
#define IMGCOLOR__WARNING_LEN 160

typedef struct imgcolor__warnings {
    int count;
    char text[IMGCOLOR__WARNINGS_MAX][IMGCOLOR__WARNING_LEN];
} imgcolor__warnings;

/* Adds a warning, unless it is already there or the list is full. */
void imgcolor__warnings_add(imgcolor__warnings *w, const char *message);

typedef struct imgcolor__managed {
    imgcolor__sink inner;     /* where rows go on to, unchanged */
    int enabled;              /* opt->color_management */
    imgcolor__icc *icc;       /* the image's transform to sRGB; NULL: the pixels are sRGB */
    char profile[64];         /* description of the profile converted from, or "" */
    imgcolor__warnings warnings;
} imgcolor__managed;

/* A sink that forwards rows to inner and keeps the image's profile in m, which must
 * outlive decoding; release m with imgcolor__managed_free(). */
imgcolor__sink imgcolor__managed_sink(imgcolor__managed *m, imgcolor__sink inner,
                                      const imgcolor_options *opt);
void imgcolor__managed_free(imgcolor__managed *m);

/*
 * Converts the n distinct colours (Morton codes, with their counts) to sRGB in place,
 * then sorts them by code and merges colours that converted to the same value, leaving
 * *n distinct. Nothing happens without a profile; a grey profile on colour pixels is a
 * warning, and the colours stay as they are. converted, when not NULL, receives the
 * converted code of each of the n colours given, in their order, before the merge.
 */
imgcolor_status imgcolor__managed_convert_codes(imgcolor__managed *m, uint32_t *codes,
                                                uint64_t *counts, size_t *n,
                                                uint32_t *converted);

/* Converts packed RGBA pixels (alpha kept) to sRGB in place. */
imgcolor_status imgcolor__managed_convert_rgba(imgcolor__managed *m, uint8_t *rgba,
                                               size_t pixels);

#endif
