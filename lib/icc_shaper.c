/* icc_shaper.c: RGB matrix/TRC profiles (Adobe RGB, Display P3, ProPhoto and nearly every
 * camera's) to sRGB without Little CMS's pipeline per colour: three tone-curve tables,
 * one 3 x 3 matrix and a search among sRGB's rounding thresholds. */
#include <math.h>
#include <string.h>

#include "icc_shaper.h"

/* sRGB's decoding curve (IEC 61966-2-1), in double precision. */
static double srgb_to_linear(double v)
{
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* The profile's red, green and blue colorants as the columns of m (XYZ, D50). */
static int read_colorants(cmsHPROFILE p, double m[3][3])
{
    static const cmsTagSignature tags[3] = {cmsSigRedColorantTag, cmsSigGreenColorantTag,
                                            cmsSigBlueColorantTag};
    for (int c = 0; c < 3; c++) {
        const cmsCIEXYZ *xyz = cmsReadTag(p, tags[c]);
        if (!xyz || !isfinite(xyz->X) || !isfinite(xyz->Y) || !isfinite(xyz->Z))
            return 0;
        m[0][c] = xyz->X;
        m[1][c] = xyz->Y;
        m[2][c] = xyz->Z;
    }
    return 1;
}

/* inv = m^-1 by cofactors; 0 when m is (nearly) singular. */
static int invert(double m[3][3], double inv[3][3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (!isfinite(det) || fabs(det) < 1e-9)
        return 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
            inv[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
        }
    return 1;
}

int imgcolor__shaper_init(imgcolor__shaper *s, cmsHPROFILE src, cmsHPROFILE srgb)
{
    static const cmsTagSignature trcs[3] = {cmsSigRedTRCTag, cmsSigGreenTRCTag,
                                            cmsSigBlueTRCTag};
    /* Little CMS takes any of a profile's device-to-PCS tables over its matrix, falling
     * back from the intent's to the perceptual one. */
    static const cmsTagSignature tables[] = {cmsSigAToB0Tag, cmsSigAToB1Tag, cmsSigAToB2Tag,
                                             cmsSigDToB0Tag, cmsSigDToB1Tag, cmsSigDToB2Tag};
    memset(s, 0, sizeof *s);
    if (cmsGetColorSpace(src) != cmsSigRgbData || !cmsIsMatrixShaper(src))
        return 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (cmsIsTag(src, tables[i]))
            return 0;
    double from[3][3], to[3][3], back[3][3];
    if (!read_colorants(src, from) || !read_colorants(srgb, to) || !invert(to, back))
        return 0;
    for (int c = 0; c < 3; c++) {
        const cmsToneCurve *curve = cmsReadTag(src, trcs[c]);
        if (!curve)
            return 0;
        for (int v = 0; v < 256; v++) {
            double lin = cmsEvalToneCurveFloat(curve, (cmsFloat32Number)(v / 255.0));
            if (!isfinite(lin))
                return 0;
            s->linear[c][v] = lin;
        }
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double sum = 0;
            for (int k = 0; k < 3; k++)
                sum += back[i][k] * from[k][j];
            s->matrix[i][j] = sum;
        }
    /* Byte b + 1 begins where b + 0.5 of 255 does, in linear light. */
    for (int b = 0; b < 255; b++)
        s->threshold[b] = srgb_to_linear((b + 0.5) / 255.0);
    s->threshold[255] = INFINITY;
    unsigned b = 0;
    for (unsigned i = 0; i <= IMGCOLOR__SHAPER_BINS; i++) {
        double lower = (double)i / IMGCOLOR__SHAPER_BINS;
        while (s->threshold[b] <= lower)
            b++;
        s->first[i] = (uint8_t)b;
    }
    return 1;
}

/* The byte whose sRGB interval holds linear value v: how many thresholds are at most v
 * (ties, of measure nought, go up), from its bin's first byte. Clips what lies outside
 * sRGB, as relative colorimetric does. */
static uint8_t encode(const imgcolor__shaper *s, double v)
{
    if (!(v > 0)) /* NaN too, which a finite matrix and curves never give */
        return 0;
    if (v >= 1)
        return 255;
    unsigned b = s->first[(unsigned)(v * IMGCOLOR__SHAPER_BINS)];
    while (s->threshold[b] <= v)
        b++;
    return (uint8_t)b;
}

void imgcolor__shaper_colors(const imgcolor__shaper *s, const uint8_t *rgb, uint8_t *out,
                             size_t n)
{
    for (size_t i = 0; i < n; i++, rgb += 3, out += 3) {
        double r = s->linear[0][rgb[0]], g = s->linear[1][rgb[1]], b = s->linear[2][rgb[2]];
        for (int c = 0; c < 3; c++)
            out[c] = encode(s, s->matrix[c][0] * r + s->matrix[c][1] * g + s->matrix[c][2] * b);
    }
}
