/* pipeline.h: the sinks between a decoder and what counts its pixels (pipeline.c), built
 * in one place so that every pass over an image's pixels sees the same pixels. */
#ifndef IMGCOLOR_PIPELINE_H
#define IMGCOLOR_PIPELINE_H

#include "manage.h"
#include "sample.h"

/* The state of the sinks of one pass, which must outlive its decoding. */
typedef struct imgcolor__pipeline {
    imgcolor__sampler sampler;
    imgcolor__managed managed;
} imgcolor__pipeline;

/*
 * The sink a decoder feeds for one pass, ending in last: the fast mode's sampler (when
 * opt->fast), then colour management, which keeps the image's profile and passes the
 * rows on as decoded. A filter that selects pixels belongs in this chain, so that the
 * pass that counts colours and the pass that places them (where.c) see the same pixels.
 * A later pass (first = 0) does not read the profile again: the first pass's converts
 * its colours, and building a transform costs as much as decoding a small photo.
 * Release p with imgcolor__pipeline_free() whatever decoding returned.
 */
imgcolor__sink imgcolor__pipeline_sink(imgcolor__pipeline *p, imgcolor__sink last,
                                       const imgcolor_options *opt, int first);
void imgcolor__pipeline_free(imgcolor__pipeline *p);

#endif
