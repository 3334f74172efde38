/* sample.h: the fast mode's sampling (sample.c): a sink between a decoder and what it
 * feeds that keeps a regular subset of the pixels, and the scaling of counts back. */
#ifndef IMGCOLOR_SAMPLE_H
#define IMGCOLOR_SAMPLE_H

#include "internal.h"

/* What was sampled: the image's own size, the DCT scale and the grid step applied, and
 * how many pixels were counted. */
typedef struct imgcolor__sampler {
    imgcolor__sink inner;  /* where the kept rows go */
    uint64_t min_pixels;   /* keep at least this many pixels; 0: keep every pixel */
    uint32_t width, height; /* the image at full resolution */
    uint32_t scale;        /* 1, 2, 4 or 8: the decoder's DCT scale denominator */
    uint32_t step;         /* keep one pixel in step x step */
    uint32_t out_width, out_height; /* what the decoder delivers */
    uint64_t kept;         /* pixels passed on */
    uint8_t *row;          /* one kept row, when step > 1 */
} imgcolor__sampler;

/* The largest step s >= 1 for which ceil(width / s) * ceil(height / s) is at least
 * min_pixels (1 when even s = 2 keeps too few). */
uint32_t imgcolor__sample_step(uint32_t width, uint32_t height, uint64_t min_pixels);

/*
 * The DCT scales the fast mode uses go down to 1/2 only: a JPEG pixel at 1/4 or 1/8 is
 * the mean of a block of 16 or 64, which merges fine textures into one colour (on the
 * 16-megapixel photo, stripes 8 pixels apart, the inertia of every pixel against the
 * colours found was 1.9x and 3.7x the exact mode's; at 1/2 plus a grid, 1.05x).
 */
#define IMGCOLOR__SAMPLE_SCALE_MAX 2u

/* The largest power of two up to IMGCOLOR__SAMPLE_SCALE_MAX whose DCT scale keeps at
 * least min_pixels, or 1. */
uint32_t imgcolor__sample_scale(uint32_t width, uint32_t height, uint64_t min_pixels);

/* A sink that samples rows on their way to inner: s must outlive decoding; release it
 * with imgcolor__sampler_free(). With min_pixels 0 every row passes unchanged. */
imgcolor__sink imgcolor__sampler_sink(imgcolor__sampler *s, imgcolor__sink inner,
                                      uint64_t min_pixels);
void imgcolor__sampler_free(imgcolor__sampler *s);

/*
 * Splits total in proportion to weights[0..n) (which sum to a non-zero wsum), into
 * out[0..n), summing to total exactly: each share rounded down, and the units left over
 * given to the largest remainders, the first index first among equals.
 */
void imgcolor__apportion(const uint64_t *weights, size_t n, uint64_t wsum, uint64_t total,
                         uint64_t *out);

/* Copies every step-th pixel of a row of width pixels of bpp bytes from src to dst;
 * returns how many were copied, ceil(width / step). */
uint32_t imgcolor__sample_row(const uint8_t *src, uint32_t width, uint32_t step, int bpp,
                              uint8_t *dst);

/* opt itself, or (fast mode) a copy in storage with n_init at most IMGCOLOR_FAST_N_INIT. */
const imgcolor_options *imgcolor__fast_options(const imgcolor_options *opt,
                                               imgcolor_options *storage);

#endif
