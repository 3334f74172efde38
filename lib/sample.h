/* sample.h: the fast mode's sampling (sample.c): a sink between a decoder and what it
 * feeds that keeps a regular subset of the pixels, and the scaling of counts back. */
#ifndef IMGCOLOR_SAMPLE_H
#define IMGCOLOR_SAMPLE_H

#include "internal.h"

/* What was sampled: the image's own size, the row bands or the grid step applied, and
 * how many pixels were counted. */
typedef struct imgcolor__sampler {
    imgcolor__sink inner;  /* where the kept rows go */
    uint64_t min_pixels;   /* keep at least this many pixels; 0: keep every pixel */
    uint32_t width, height; /* the image */
    uint32_t step;         /* keep one pixel in step x step, or with bands in step along
                            * each kept row */
    uint32_t band_rows;    /* rows of a band the decoder skips whole (0: no bands) */
    uint32_t band_step;    /* keep one band of band_rows decoded rows in band_step */
    uint64_t kept;         /* pixels passed on */
    uint8_t *row;          /* one thinned row, when step > 1 */
} imgcolor__sampler;

/* The largest step s >= 1 for which ceil(width / s) * ceil(height / s) is at least
 * min_pixels (1 when even s = 2 keeps too few). */
uint32_t imgcolor__sample_step(uint32_t width, uint32_t height, uint64_t min_pixels);

/* How many of height rows bands of band_rows keep when one in band_step is kept, the
 * first one first. */
uint64_t imgcolor__band_rows_kept(uint32_t height, uint32_t band_rows, uint32_t band_step);

/* The largest band step s >= 1 for which width times imgcolor__band_rows_kept() is at
 * least min_pixels and at least IMGCOLOR__SAMPLE_MIN_BANDS bands are kept (1 when even
 * s = 2 keeps too few, or band_rows is 0). */
uint32_t imgcolor__sample_band_step(uint32_t width, uint32_t height, uint32_t band_rows,
                                    uint64_t min_pixels);

/*
 * Bands are chosen to keep at least this many of them as well as min_pixels: what a
 * band misses is a slice of the image's layout, so few tall gaps cost more than many
 * short ones. On the large photos, 24 bands of 8 or 16 rows kept the inertia of every
 * pixel within 1.005x the exact mode's; the 5 bands that 250 000 pixels need on a
 * 3000 x 3000 photo gave 1.24x.
 */
#define IMGCOLOR__SAMPLE_MIN_BANDS 24u

/*
 * In kept bands, one pixel in s along each row, for the largest s up to this that keeps
 * min_pixels: every row of a band is there, so a texture that a grid of s would always
 * meet at one phase is met at every phase a row further down (on the large photos, s
 * of 2 to 4 kept the inertia within 1.007x the exact mode's).
 */
#define IMGCOLOR__SAMPLE_BAND_XSTEP_MAX 4u

/* The largest s >= 1 up to IMGCOLOR__SAMPLE_BAND_XSTEP_MAX for which ceil(width / s)
 * times rows is at least min_pixels (1 when min_pixels is 0). */
uint32_t imgcolor__sample_band_xstep(uint32_t width, uint64_t rows, uint64_t min_pixels);

/* A sink that samples rows on their way to inner: s must outlive decoding; release it
 * with imgcolor__sampler_free(). With min_pixels 0 every row passes unchanged. */
imgcolor__sink imgcolor__sampler_sink(imgcolor__sampler *s, imgcolor__sink inner,
                                      uint64_t min_pixels);
void imgcolor__sampler_free(imgcolor__sampler *s);

/* Whether s kept only a sample of the pixels (row bands or a grid step). */
int imgcolor__sampler_sampled(const imgcolor__sampler *s);

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
