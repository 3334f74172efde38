/* kmeans_summary.h: the distinct colours merged into fewer, for comparing k-means starts
 * cheaply. */
#ifndef IMGCOLOR_KMEANS_SUMMARY_H
#define IMGCOLOR_KMEANS_SUMMARY_H

#include "kmeans_space.h"
#include "kmeans_tree.h"

/*
 * The colours of d merged into at most target colours: in the boxes of colours whose
 * Morton codes agree but for the fewest low bits (at least one) that give no more, each
 * box one colour at its pixel-weighted centroid (rounded) with all its pixels. *out is
 * NULL, and the result IMGCOLOR_OK, when d has no more than target colours: then it is
 * its own summary.
 */
imgcolor_status imgcolor__kmeans_summary(const imgcolor__kmeans_data *d, size_t target,
                                         imgcolor__kmeans_data **out);

/*
 * The points of a perceptual space's tree t (built for seeding) merged into at most
 * target points: the tree cut into that many parts, the most scattered split first (a
 * leaf into its points), each part one point at its mean with all its pixels, in the
 * points' order (their codes the codes of the parts' first points). out->n is 0, and
 * nothing allocated, when t has no more than target points; else free it with
 * imgcolor__points_summary_free().
 */
struct imgcolor__ftree;
imgcolor_status imgcolor__ftree_summary(const struct imgcolor__ftree *t, size_t target,
                                        imgcolor__points *out);
void imgcolor__points_summary_free(imgcolor__points *s);

#endif
