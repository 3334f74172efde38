/* colorspace.h: colour-space maths (colorspace.c) and CSS colour names (css_names.c):
 * sRGB, linear light, Oklab and OKLCH, CIELAB (D65), gamut mapping back to sRGB. */
#ifndef IMGCOLOR_COLORSPACE_H
#define IMGCOLOR_COLORSPACE_H

#include "internal.h"

/* The sRGB transfer function, both ways, on 0..1 (IEC 61966-2-1). */
double imgcolor__srgb_to_linear(double v);
double imgcolor__linear_to_srgb(double v);

/* Linear-light sRGB (0..1 in gamut) to Oklab (L 0..1) and back (Ottosson 2020, with the
 * matrices CSS Color 4 publishes). */
void imgcolor__linear_to_oklab(const double rgb[3], double lab[3]);
void imgcolor__oklab_to_linear(const double lab[3], double rgb[3]);
/* An 8-bit sRGB colour in linear light, from a table. */
void imgcolor__rgb8_to_linear(imgcolor_rgb c, double lin[3]);
/* An 8-bit sRGB colour in Oklab. */
void imgcolor__rgb8_to_oklab(imgcolor_rgb c, double lab[3]);

/* The 8-bit colours 0xRRGGBB of rgb in Oklab, n of them, bit for bit
 * imgcolor__rgb8_to_oklab() of each, four at a time where the processor can
 * (oklab_lanes.c). */
void imgcolor__rgb8_to_oklab_n(const uint32_t *rgb, size_t n, double (*lab)[3]);

/* The tables imgcolor__rgb8_to_oklab() works from, for oklab_lanes.c to work from too. */
typedef struct imgcolor__oklab_tables {
    const double *linear8;       /* 256: each 8-bit value in linear light */
    const double (*to_lms)[3];   /* linear sRGB to LMS */
    const double (*to_oklab)[3]; /* LMS' (cube roots) to Oklab */
} imgcolor__oklab_tables;
const imgcolor__oklab_tables *imgcolor__oklab_tables_get(void);

/* Oklab to OKLCH: L, chroma, hue in degrees 0 <= h < 360 (0 for greys). */
void imgcolor__oklab_to_oklch(const double lab[3], double lch[3]);

/* Linear-light sRGB to CIELAB with the D65 white (L 0..100) and back. */
void imgcolor__linear_to_cielab(const double rgb[3], double lab[3]);
void imgcolor__cielab_to_linear(const double lab[3], double rgb[3]);

/*
 * The sRGB colour nearest to an Oklab colour as CSS Color 4 maps gamut: in gamut, the
 * colour itself; otherwise the chroma is reduced, lightness and hue kept, until the
 * clipped colour is within a just-noticeable difference (deltaE OK 0.02). Rounded to
 * 8 bits per channel, ties to even.
 */
imgcolor_rgb imgcolor__oklab_to_rgb8(const double lab[3]);

/* WCAG 2 relative luminance of an 8-bit sRGB colour, and the contrast ratio of two. */
double imgcolor__luminance(imgcolor_rgb c);
double imgcolor__contrast(imgcolor_rgb a, imgcolor_rgb b);
/* Black or white, whichever has the higher contrast on c (black on a tie); *contrast,
 * when not NULL, gets that ratio. */
imgcolor_rgb imgcolor__readable_text(imgcolor_rgb c, double *contrast);

/* The CSS named colours: their number, and name i with its colour. */
size_t imgcolor__css_name_count(void);
const char *imgcolor__css_name(size_t i, imgcolor_rgb *rgb);
/* The named colour nearest to an Oklab colour; *delta (when not NULL) is the distance. */
const char *imgcolor__css_nearest(const double oklab[3], double *delta);

#endif
