/* prominent.h: the steps of a call on an encoded image (prominent.c), shared by the
 * prominent colours and the label map (label_map.c). */
#ifndef IMGCOLOR_PROMINENT_H
#define IMGCOLOR_PROMINENT_H

#include "assign.h"
#include "budget.h"
#include "pipeline.h"
#include "where.h"

/* One call's state; it must not move once started. */
typedef struct imgcolor__call {
    const imgcolor_options *opt;    /* in force: never NULL */
    imgcolor_options fast_storage;
    imgcolor__budget budget;
    imgcolor__meter meter;          /* the calling thread's */
    imgcolor__pipeline pipeline;    /* the first pass's: its sampler, its colour profile */
    imgcolor__assignment *assignment; /* when asked for */
    imgcolor_result *result;        /* its clusters in the clustering's order until finished */
} imgcolor__call;

void imgcolor__call_start(imgcolor__call *c, const imgcolor_options *opt);

/* The first pass over data, and the clustering: c->result, and with assign
 * c->assignment for a later pass. */
imgcolor_status imgcolor__call_count(imgcolor__call *c, const void *data, size_t size,
                                     int assign, imgcolor_error *err);

/* Decodes data again through a pipeline like the first pass's, with options opt, into
 * last (whose sampler is p's); p is released here. */
imgcolor_status imgcolor__call_pass(imgcolor__call *c, const void *data, size_t size,
                                    const imgcolor_options *opt, imgcolor__pipeline *p,
                                    imgcolor__sink last, imgcolor_error *err);

/* Places the clusters from wh (when not NULL), sorts them and scales a sample's counts to
 * the whole image; hands the result to *out. */
imgcolor_status imgcolor__call_finish(imgcolor__call *c, const imgcolor__where *wh,
                                      imgcolor_result **out, imgcolor_error *err);

void imgcolor__call_free(imgcolor__call *c);

/* Whether opt selects pixels (a region, or a background to leave out): the first pass
 * then goes through the region filter and the background's passes (chain.c,
 * background.c), which the steps above do not. */
int imgcolor__call_selects(const imgcolor_options *opt);

/* E_INVALID, with a message naming what, when what is asked (asked != 0) together with
 * a selection of pixels, which it does not support yet; else OK. */
imgcolor_status imgcolor__call_plain_only(const imgcolor_options *opt, const char *what, int asked,
                                          imgcolor_error *err);

#endif
