/* icc_shaper.h: RGB matrix/TRC profiles to sRGB evaluated directly (icc_shaper.c), for
 * icc.c: one table look-up, a matrix and a search per colour instead of Little CMS's
 * floating-point pipeline, which costs ten times as much. */
#ifndef IMGCOLOR_ICC_SHAPER_H
#define IMGCOLOR_ICC_SHAPER_H

#include <lcms2.h>
#include <stdint.h>
#include <stddef.h>

/* Linear values are placed in this many equal bins, each holding at most two of sRGB's
 * rounding thresholds (they are closest near black, 1 / (255 * 12.92) apart). */
#define IMGCOLOR__SHAPER_BINS 4096

typedef struct imgcolor__shaper {
    double linear[3][256]; /* each channel's code value through its tone curve */
    double matrix[3][3];   /* the profile's linear RGB to sRGB's, both relative to D50 */
    double threshold[256]; /* linear sRGB where byte b + 1 begins; [255]: past 1 */
    uint8_t first[IMGCOLOR__SHAPER_BINS + 1]; /* the byte of each bin's lower end */
} imgcolor__shaper;

/*
 * Fills s for the transform src -> srgb (Little CMS's own sRGB profile), relative
 * colorimetric, when src is an RGB matrix/TRC profile that Little CMS would also read
 * as one (no colour tables at all): 1, else 0 and s unused. Curves are taken
 * from Little CMS in its precision; the rest is double precision, so the bytes agree
 * with Little CMS's floating-point transform except where the two straddle a rounding
 * boundary (measured in tests/test_icc.c).
 */
int imgcolor__shaper_init(imgcolor__shaper *s, cmsHPROFILE src, cmsHPROFILE srgb);

/* n colours of 3 bytes from rgb to sRGB in out (may not alias). */
void imgcolor__shaper_colors(const imgcolor__shaper *s, const uint8_t *rgb, uint8_t *out,
                             size_t n);

#endif
