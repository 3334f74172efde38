/* cluster_space.c: the prominent colours clustered in Oklab or CIELAB: each distinct
 * colour converted once, weighted k-means in that space, and each cluster's mean sRGB
 * from a last assignment of the colours to the centres. */
#include <stdlib.h>

#include "cluster_space.h"
#include "colorspace.h"
#include "morton.h"

void imgcolor__to_space(imgcolor_space space, imgcolor_rgb c, double out[3])
{
    if (space == IMGCOLOR_SPACE_RGB) {
        out[0] = c.r;
        out[1] = c.g;
        out[2] = c.b;
        return;
    }
    double lin[3];
    imgcolor__rgb8_to_linear(c, lin);
    if (space == IMGCOLOR_SPACE_LAB)
        imgcolor__linear_to_cielab(lin, out);
    else
        imgcolor__linear_to_oklab(lin, out);
}

void imgcolor__space_to_oklab(imgcolor_space space, const double x[3], double oklab[3])
{
    double lin[3];
    switch (space) {
    case IMGCOLOR_SPACE_OKLAB:
        for (int j = 0; j < 3; j++)
            oklab[j] = x[j];
        return;
    case IMGCOLOR_SPACE_LAB:
        imgcolor__cielab_to_linear(x, lin);
        break;
    default:
        for (int j = 0; j < 3; j++)
            lin[j] = imgcolor__srgb_to_linear(x[j] / 255.0);
        break;
    }
    imgcolor__linear_to_oklab(lin, oklab);
}

/* The colours of the Morton codes as 0xRRGGBB into rgb, and in space into x: Oklab's
 * through the vectorised conversion. */
static void to_space_n(imgcolor_space space, const uint32_t *codes, size_t n, uint32_t *rgb,
                       double (*x)[3])
{
    for (size_t i = 0; i < n; i++)
        rgb[i] = imgcolor__morton_rgb(codes[i]);
    if (space == IMGCOLOR_SPACE_OKLAB) {
        imgcolor__rgb8_to_oklab_n(rgb, n, x);
        return;
    }
    for (size_t i = 0; i < n; i++)
        imgcolor__to_space(space, (imgcolor_rgb){(uint8_t)(rgb[i] >> 16), (uint8_t)(rgb[i] >> 8),
                                                 (uint8_t)rgb[i]},
                           x[i]);
}

imgcolor_status imgcolor__cluster_in_space(const uint32_t *codes, const uint64_t *counts, size_t n,
                                           const imgcolor_options *opt, imgcolor__budget *budget,
                                           imgcolor__clustering *cl, double (*rgb_mean)[3])
{
    if (n > SIZE_MAX / sizeof(double[3]))
        return IMGCOLOR_E_NOMEM;
    double (*x)[3] = malloc(n * sizeof *x);
    int *labels = malloc(n * sizeof *labels);
    uint32_t *rgb = malloc(n * sizeof *rgb);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!x || !labels || !rgb)
        goto done;
    to_space_n(opt->space, codes, n, rgb, x);
    imgcolor__points p = {n, (const double (*)[3])x, counts, codes};
    st = imgcolor__kmeans_space_run(&p, opt, budget, cl, labels);
    if (st != IMGCOLOR_OK)
        goto done;
    /* Sums of integers below 2^40 * 255: exact in doubles. */
    double sums[IMGCOLOR_K_MAX][3] = {{0}};
    for (size_t i = 0; i < n; i++) {
        int t = labels[i];
        uint32_t v = rgb[i];
        sums[t][0] += (double)counts[i] * (double)(v >> 16);
        sums[t][1] += (double)counts[i] * (double)(v >> 8 & 0xFF);
        sums[t][2] += (double)counts[i] * (double)(v & 0xFF);
    }
    for (int t = 0; t < cl->k; t++)
        for (int j = 0; j < 3; j++)
            rgb_mean[t][j] = cl->counts[t] ? sums[t][j] / (double)cl->counts[t] : 0;
done:
    free(x);
    free(labels);
    free(rgb);
    return st;
}
