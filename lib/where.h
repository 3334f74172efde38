/* where.h: where each cluster's pixels lie in the image (where.c), measured in a second
 * pass over the pixels once the colours are clustered. */
#ifndef IMGCOLOR_WHERE_H
#define IMGCOLOR_WHERE_H

#include "assign.h"
#include "budget.h"
#include "sample.h"

typedef struct imgcolor__where imgcolor__where;

/* Positions of the clusters of assignment a (which must outlive w), of the pixels of
 * alpha at least min_alpha; meter is checked after every row. */
imgcolor_status imgcolor__where_new(imgcolor__assignment *a, int min_alpha,
                                    imgcolor__meter *meter, imgcolor__where **out);
void imgcolor__where_free(imgcolor__where *w);

/* A sink for the second pass, placed last in the same pipeline as the first pass's
 * counting: s is that pipeline's sampler, which says how the rows it passes on map to
 * the full image. */
imgcolor__sink imgcolor__where_sink(imgcolor__where *w, const imgcolor__sampler *s);

/* For callers without a sink (raw pixels): the image is width x height, and the rows to
 * come keep one pixel in step x step of it. */
void imgcolor__where_geometry(imgcolor__where *w, uint32_t width, uint32_t height,
                              uint32_t step);

/* Places npix pixels of bpp (3 or 4) bytes, sampled row y of the rows to come. */
imgcolor_status imgcolor__where_add(imgcolor__where *w, const uint8_t *px, uint32_t npix,
                                    int bpp, uint32_t y);

/*
 * Writes the position of cluster i into clusters[i] (has_where set) for each of the
 * clusters, and checks the pass against the first: each cluster must have received the
 * pixels counted[i] says (its count before any fast-mode scaling), and no colour the
 * first pass did not count may have come. A disagreement is IMGCOLOR_E_INTERNAL.
 */
imgcolor_status imgcolor__where_finish(const imgcolor__where *w, const uint64_t *counted,
                                       imgcolor_cluster *clusters, imgcolor_error *err);

#endif
