/* prominent.h: the steps of a call on an image (call.c), shared by the prominent colours
 * (prominent.c) and the label map (label_map.c): a first pass that counts and clusters,
 * later passes over the same pixels, and the result. */
#ifndef IMGCOLOR_PROMINENT_H
#define IMGCOLOR_PROMINENT_H

#include "assign.h"
#include "background.h"
#include "budget.h"
#include "chain.h"
#include "pipeline.h"
#include "where.h"

/* One call's state; it must not move once started. */
typedef struct imgcolor__call {
    const imgcolor_options *opt;    /* in force: never NULL */
    imgcolor_options fast_storage;
    imgcolor__budget budget;
    imgcolor__meter meter;          /* the calling thread's */
    const imgcolor__source *src;    /* the image, for every pass */
    int selects;                    /* a region or a background: passes go through chain.c */
    imgcolor__pipeline pipeline;    /* the first pass's, without a selection */
    imgcolor__chain chain;          /* the first pass's, with one */
    imgcolor__background *bg;       /* the background, when one was looked for */
    imgcolor__assignment *assignment; /* when asked for */
    imgcolor_result *result;        /* its clusters in the clustering's order until finished */
} imgcolor__call;

/* A later pass's state. */
typedef struct imgcolor__pass {
    imgcolor__pipeline pipeline;
    imgcolor__chain chain;
} imgcolor__pass;

/* src (encoded bytes, or raw pixels only with a selection) must outlive the call. */
void imgcolor__call_start(imgcolor__call *c, const imgcolor_options *opt,
                          const imgcolor__source *src);

/* Whether opt selects pixels: a region, or a background to leave out. */
int imgcolor__call_selects(const imgcolor_options *opt);

/* The first pass over the image, and the clustering: c->result, and with assign
 * c->assignment for a later pass (NULL when no pixel was left to cluster). */
imgcolor_status imgcolor__call_count(imgcolor__call *c, int assign, imgcolor_error *err);

/* Whether a later pass named what may run with opt; full: it decodes every pixel even in
 * fast mode. A background left out is marked transparent in a later pass, so it needs
 * min_alpha >= 1, and its runs were found on the sample, so a full pass needs the fast
 * mode off. E_INVALID with a message otherwise. */
imgcolor_status imgcolor__call_check_pass(const imgcolor_options *opt, const char *what,
                                          int full, imgcolor_error *err);

/* The sampler pass p will decode through, which a sink of it may read from begin() on. */
const imgcolor__sampler *imgcolor__call_pass_sampler(const imgcolor__call *c,
                                                     imgcolor__pass *p);

/* Decodes the image again, with options opt, through the same stages as the first pass
 * (a background left out has its pixels' alpha set to 0) into last; p is released here. */
imgcolor_status imgcolor__call_pass(imgcolor__call *c, const imgcolor_options *opt,
                                    imgcolor__pass *p, imgcolor__sink last, imgcolor_error *err);

/* Places the clusters from wh (when not NULL), sorts them, reports the region and
 * background, and scales a sample's counts to the whole image; hands the result to *out. */
imgcolor_status imgcolor__call_finish(imgcolor__call *c, const imgcolor__where *wh,
                                      imgcolor_result **out, imgcolor_error *err);

void imgcolor__call_free(imgcolor__call *c);

#endif
