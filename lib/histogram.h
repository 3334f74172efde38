/* histogram.h: the colour histogram of an image, built while rows are decoded. */
#ifndef IMGCOLOR_HISTOGRAM_H
#define IMGCOLOR_HISTOGRAM_H

#include "internal.h"

typedef struct imgcolor__histogram imgcolor__histogram;

imgcolor_status imgcolor__histogram_new(int min_alpha, imgcolor__histogram **out);
void imgcolor__histogram_free(imgcolor__histogram *h);

/* Announces, before the first pixel, how many pixels will be added: a small image is
 * then counted by sorting rather than in the table of counters. Optional. */
void imgcolor__histogram_expect(imgcolor__histogram *h, uint64_t pixels);

/* Counts npix pixels of 4 (RGBA) or 3 (RGB) bytes each. */
imgcolor_status imgcolor__histogram_add(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                        int bytes_per_pixel);

uint64_t imgcolor__histogram_pixels(const imgcolor__histogram *h);      /* counted */
uint64_t imgcolor__histogram_transparent(const imgcolor__histogram *h); /* left out */

/*
 * The distinct colours as Morton codes (morton.h), ascending, and their pixel counts, in
 * two malloc'd arrays the caller frees. The counters are released, so that clustering
 * does not pay for them; only imgcolor__histogram_free() may follow.
 */
imgcolor_status imgcolor__histogram_take(imgcolor__histogram *h, uint32_t **codes,
                                         uint64_t **counts, size_t *n);

#endif
