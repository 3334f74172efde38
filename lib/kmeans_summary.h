/* kmeans_summary.h: the distinct colours merged into fewer, for comparing k-means starts
 * cheaply. */
#ifndef IMGCOLOR_KMEANS_SUMMARY_H
#define IMGCOLOR_KMEANS_SUMMARY_H

#include "kmeans_tree.h"

/*
 * The colours of d merged into at most target colours: in aligned cubes of the smallest
 * side 2^b (b >= 1) that gives no more, each cube one colour at its pixel-weighted
 * centroid (rounded) with all its pixels. *out is NULL, and the result IMGCOLOR_OK, when d
 * has no more than target colours: then it is its own summary.
 */
imgcolor_status imgcolor__kmeans_summary(const imgcolor__kmeans_data *d, size_t target,
                                         imgcolor__kmeans_data **out);

#endif
