/* assign.h: the final assignment of colours to clusters as a lookup by colour (assign.c),
 * for the passes over the pixels that follow the clustering. */
#ifndef IMGCOLOR_ASSIGN_H
#define IMGCOLOR_ASSIGN_H

#include "icc.h"
#include "morton.h"

typedef struct imgcolor__assignment {
    uint16_t *label; /* by Morton code of the colour as decoded: cluster + 1; 0: not yet */
    const imgcolor__icc *icc; /* converts decoded colours to sRGB; NULL: they are */
    imgcolor_space space;
    int clusters;
    double centres[IMGCOLOR_K_MAX][3]; /* cluster i's centre in space */
    uint64_t late; /* colours assigned on demand, which the first pass did not count */
} imgcolor__assignment;

/*
 * The assignment of the n colours the first pass counted (raw: their Morton codes as
 * decoded; converted: each one's code once converted to sRGB as it was clustered) to the
 * nearest of the clusters' centres (in space, the first of equals), as the last
 * assignment of k-means makes it: centres[i] is the centre of result cluster i, listed
 * in the clustering's order with the centres no colour went to left out. icc converts
 * the colours not counted, as the first pass did (NULL: none); it must outlive the
 * assignment.
 */
imgcolor_status imgcolor__assignment_new(const uint32_t *raw, const uint32_t *converted, size_t n,
                                         const imgcolor__icc *icc, imgcolor_space space,
                                         const double (*centres)[3], int clusters,
                                         imgcolor__assignment **out);
void imgcolor__assignment_free(imgcolor__assignment *a);

/* The cluster of a colour the first pass did not count, computed now and remembered
 * (a->late counts them). */
int imgcolor__assignment_late(imgcolor__assignment *a, uint32_t code);

/* The cluster of a decoded colour. */
static inline int imgcolor__assignment_of(imgcolor__assignment *a, uint8_t r, uint8_t g,
                                          uint8_t b)
{
    uint32_t code = imgcolor__morton(r, g, b);
    unsigned t = a->label[code];
    return t ? (int)t - 1 : imgcolor__assignment_late(a, code);
}

#endif
