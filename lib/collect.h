/* collect.h: decoded rows into a colour histogram, overlapping counting with decoding. */
#ifndef IMGCOLOR_COLLECT_H
#define IMGCOLOR_COLLECT_H

#include "budget.h"
#include "histogram.h"

typedef struct imgcolor__collector imgcolor__collector;

/* A collector adding rows to hist. With threads != 1, images of at least a megapixel are
 * counted on a second thread while the caller's thread decodes. Every batch of rows is
 * checked against the budget of meter, the decoding thread's; a counting thread meters
 * itself against the same budget. */
imgcolor_status imgcolor__collector_new(imgcolor__histogram *hist, int threads,
                                        imgcolor__meter *meter, imgcolor__collector **out);

/* The sink to decode into. */
imgcolor__sink imgcolor__collector_sink(imgcolor__collector *c);

/* Waits until every row is counted; returns the first error of the counting side, and
 * the image size seen by begin(). Call it once, whatever decoding returned. */
imgcolor_status imgcolor__collector_finish(imgcolor__collector *c, uint32_t *width,
                                           uint32_t *height);

void imgcolor__collector_free(imgcolor__collector *c);

#endif
