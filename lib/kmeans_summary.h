/* kmeans_summary.h: the distinct colours merged into fewer, for comparing k-means starts
 * cheaply. */
#ifndef IMGCOLOR_KMEANS_SUMMARY_H
#define IMGCOLOR_KMEANS_SUMMARY_H

#include "kmeans_tree.h"

/*
 * The colours of d merged into at most target colours: in the boxes of colours whose
 * Morton codes agree but for the fewest low bits (at least one) that give no more, each
 * box one colour at its pixel-weighted centroid (rounded) with all its pixels. *out is NULL, and the result IMGCOLOR_OK, when d
 * has no more than target colours: then it is its own summary.
 */
imgcolor_status imgcolor__kmeans_summary(const imgcolor__kmeans_data *d, size_t target,
                                         imgcolor__kmeans_data **out);

#endif
