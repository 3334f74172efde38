/* icc.h: transforms from an image's colour profile to sRGB (icc.c), for the decoders
 * and the prominent-colours pipeline. */
#ifndef IMGCOLOR_ICC_H
#define IMGCOLOR_ICC_H

#include "internal.h"

typedef struct imgcolor__icc imgcolor__icc;

/* What a transform reads: packed RGB (grey as R = G = B), or 4-byte CMYK. */
typedef enum imgcolor__icc_input {
    IMGCOLOR__ICC_RGB,
    IMGCOLOR__ICC_GREY,
    IMGCOLOR__ICC_CMYK,
    IMGCOLOR__ICC_CMYK_INVERTED /* Adobe's, 0 = full ink */
} imgcolor__icc_input;

/*
 * A transform from the ICC profile (size untrusted bytes) to sRGB, relative
 * colorimetric. cmyk says which pixels the image has: an RGB or grey profile when 0,
 * a CMYK one (inverted: Adobe's) when 1. A profile that cannot be used is
 * IMGCOLOR_E_DECODE with the reason, a warning for the result, in why; E_NOMEM is
 * E_NOMEM. Free with imgcolor__icc_free(), which accepts NULL.
 */
imgcolor_status imgcolor__icc_new(const uint8_t *icc, size_t size, int cmyk, int inverted,
                                  imgcolor__icc **out, char *why, size_t why_size);
void imgcolor__icc_free(imgcolor__icc *x);

imgcolor__icc_input imgcolor__icc_kind(const imgcolor__icc *x);
/* The profile's description ("Adobe RGB (1998)"), possibly empty; owned by x. */
const char *imgcolor__icc_description(const imgcolor__icc *x);

/* RGB or grey transforms: n colours of 3 bytes from rgb to sRGB in out (may not alias). */
void imgcolor__icc_colors(const imgcolor__icc *x, const uint8_t *rgb, uint8_t *out, size_t n);

/* CMYK transforms: pixels of 4 bytes, CMYK in, RGBA (alpha 255) out, in place. */
void imgcolor__icc_cmyk_rows(const imgcolor__icc *x, uint8_t *cmyk, size_t pixels);

/* A CMYK image's profile (size untrusted bytes), for its decoder to convert every pixel
 * through (imgcolor__icc_cmyk_rows()): the transform in *out, or NULL and a warning to
 * the sink when the profile cannot be used, so that the decoder's plain formula applies.
 * Only E_NOMEM fails. */
imgcolor_status imgcolor__cmyk_profile(const imgcolor__sink *sink, const uint8_t *icc,
                                       size_t size, int inverted, imgcolor__icc **out);

/* A profile for PNG's gAMA (gamma, e.g. 0.45455) and, when not NULL, cHRM (white x, y,
 * then red, green, blue x, y): serialised, malloc'd, for imgcolor__sink_profile().
 * IMGCOLOR_E_DECODE for values that describe no display. */
imgcolor_status imgcolor__icc_from_png(double gamma, const double *chrm, uint8_t **icc,
                                       size_t *size);

#endif
