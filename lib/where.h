/* where.h: where each cluster's pixels lie in the image (where.c), measured in a second
 * pass over the pixels once the colours are clustered. */
#ifndef IMGCOLOR_WHERE_H
#define IMGCOLOR_WHERE_H

#include "budget.h"
#include "manage.h"
#include "sample.h"

typedef struct imgcolor__where imgcolor__where;

/*
 * The final assignment as a lookup from each colour as decoded to its cluster: raw holds
 * the n distinct colours the first pass counted (Morton codes, before conversion), m
 * converts them as that pass did (NULL, or no profile: they are sRGB already), and each
 * goes to the nearest of the k centres (in space; the first of equals), as the last
 * assignment of k-means does. remap[t] is the index of centre t's cluster in the result,
 * 0..clusters-1, or -1 for a centre no colour is nearest to. meter is checked as the
 * pass goes; min_alpha leaves out what the histogram left out.
 */
imgcolor_status imgcolor__where_new(const uint32_t *raw, size_t n, const imgcolor__managed *m,
                                    imgcolor_space space, const double (*centres)[3], int k,
                                    const int *remap, int clusters, int min_alpha,
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
 * pixels counted[i] says (its count before any fast-mode scaling). A disagreement, or
 * a colour the first pass never counted, is IMGCOLOR_E_INTERNAL.
 */
imgcolor_status imgcolor__where_finish(const imgcolor__where *w, const uint64_t *counted,
                                       imgcolor_cluster *clusters, imgcolor_error *err);

#endif
