/* cluster_space.h: clustering the distinct colours in a perceptual space (cluster_space.c):
 * the colours converted once each, k-means there, centres back to sRGB. */
#ifndef IMGCOLOR_CLUSTER_SPACE_H
#define IMGCOLOR_CLUSTER_SPACE_H

#include "kmeans_space.h"

/*
 * Clusters n distinct colours (Morton codes with their pixel counts; neither is taken
 * over) in opt->space, Oklab or CIELAB: cl receives the centres in that space, the
 * pixel counts and the inertia there; rgb_mean[t] the mean sRGB code values of the
 * pixels of cluster t, 0..255.
 */
imgcolor_status imgcolor__cluster_in_space(const uint32_t *codes, const uint64_t *counts, size_t n,
                                           const imgcolor_options *opt, imgcolor__budget *budget,
                                           imgcolor__clustering *cl, double (*rgb_mean)[3]);

/* A colour (8-bit sRGB) in the space: Oklab, CIELAB D65, or RGB code values 0..255. */
void imgcolor__to_space(imgcolor_space space, imgcolor_rgb c, double out[3]);

/* A point of the space in Oklab. */
void imgcolor__space_to_oklab(imgcolor_space space, const double x[3], double oklab[3]);

#endif
