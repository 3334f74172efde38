/* assign.c: which cluster each colour went to, as a table by colour: filled at once for
 * the colours the histogram counted, as the first pass converted them, and on demand for
 * any other (a pixel the fast mode's sample did not have). */
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "cluster_space.h"

#define COLORS (1u << 24)

/* The nearest cluster to a colour (0xRRGGBB) as clustered. */
static int nearest(const imgcolor__assignment *a, uint32_t rgb)
{
    double x[3];
    imgcolor__to_space(a->space, (imgcolor_rgb){(uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8),
                                                (uint8_t)rgb},
                       x);
    return imgcolor__nearest_centre(x, (const double (*)[3])a->centres, a->clusters);
}

imgcolor_status imgcolor__assignment_new(const uint32_t *raw, const uint32_t *converted, size_t n,
                                         const imgcolor__icc *icc, imgcolor_space space,
                                         const double (*centres)[3], int clusters,
                                         imgcolor__assignment **out)
{
    *out = NULL;
    imgcolor__assignment *a = calloc(1, sizeof *a);
    /* calloc: the system gives zeroed pages, and only those a colour touches are used. */
    if (!a || !(a->label = calloc(COLORS, sizeof *a->label))) {
        imgcolor__assignment_free(a);
        return IMGCOLOR_E_NOMEM;
    }
    a->icc = icc;
    a->space = space;
    a->clusters = clusters;
    memcpy(a->centres, centres, (size_t)clusters * sizeof a->centres[0]);
    for (size_t i = 0; i < n; i++)
        a->label[raw[i]] = (uint16_t)(nearest(a, imgcolor__morton_rgb(converted[i])) + 1);
    *out = a;
    return IMGCOLOR_OK;
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
    uint32_t v = imgcolor__morton_rgb(code);
    uint8_t in[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}, out[3];
    if (a->icc) {
        imgcolor__icc_colors(a->icc, in, out, 1);
        v = (uint32_t)out[0] << 16 | (uint32_t)out[1] << 8 | out[2];
    }
    int t = nearest(a, v);
    a->label[code] = (uint16_t)(t + 1);
    a->late++;
    return t;
}
