/* assign.c: which cluster each colour went to, as a table by colour: filled at once for
 * the colours the histogram counted, converted in one batch, and on demand for any other
 * (a pixel the fast mode's sample did not have). */
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "cluster_space.h"

#define COLORS (1u << 24)

/* The colours of the n codes as 8-bit triples, converted to sRGB by icc when not NULL. */
static imgcolor_status to_rgb(const uint32_t *codes, size_t n, const imgcolor__icc *icc,
                              uint8_t *rgb)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v = imgcolor__morton_rgb(codes[i]);
        rgb[3 * i] = (uint8_t)(v >> 16);
        rgb[3 * i + 1] = (uint8_t)(v >> 8);
        rgb[3 * i + 2] = (uint8_t)v;
    }
    if (!icc || n == 0)
        return IMGCOLOR_OK;
    uint8_t *in = malloc(n * 3);
    if (!in)
        return IMGCOLOR_E_NOMEM;
    memcpy(in, rgb, n * 3);
    imgcolor__icc_colors(icc, in, rgb, n);
    free(in);
    return IMGCOLOR_OK;
}

static int nearest(const imgcolor__assignment *a, const uint8_t rgb[3])
{
    double x[3];
    imgcolor__to_space(a->space, (imgcolor_rgb){rgb[0], rgb[1], rgb[2]}, x);
    return imgcolor__nearest_centre(x, (const double (*)[3])a->centres, a->clusters);
}

imgcolor_status imgcolor__assignment_new(const uint32_t *raw, size_t n, const imgcolor__icc *icc,
                                         imgcolor_space space, const double (*centres)[3],
                                         int clusters, imgcolor__assignment **out)
{
    *out = NULL;
    if (n > SIZE_MAX / 3)
        return IMGCOLOR_E_NOMEM;
    imgcolor__assignment *a = calloc(1, sizeof *a);
    uint8_t *rgb = malloc(n ? n * 3 : 1);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    /* calloc: the system gives zeroed pages, and only those a colour touches are used. */
    if (!a || !rgb || !(a->label = calloc(COLORS, sizeof *a->label)))
        goto done;
    a->icc = icc;
    a->space = space;
    a->clusters = clusters;
    memcpy(a->centres, centres, (size_t)clusters * sizeof a->centres[0]);
    if ((st = to_rgb(raw, n, icc, rgb)) != IMGCOLOR_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        a->label[raw[i]] = (uint16_t)(nearest(a, rgb + 3 * i) + 1);
    *out = a;
    a = NULL;
done:
    free(rgb);
    imgcolor__assignment_free(a);
    return st;
}

void imgcolor__assignment_free(imgcolor__assignment *a)
{
    if (!a)
        return;
    free(a->label);
    free(a);
}

int imgcolor__assignment_late(imgcolor__assignment *a, uint32_t code)
{
    uint8_t rgb[3];
    uint32_t v = imgcolor__morton_rgb(code);
    uint8_t in[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    if (a->icc)
        imgcolor__icc_colors(a->icc, in, rgb, 1);
    else
        memcpy(rgb, in, 3);
    int t = nearest(a, rgb);
    a->label[code] = (uint16_t)(t + 1);
    a->late++;
    return t;
}
