/* result.h: the result of a call, and how it is built from a colour histogram
 * (result_build.c), for the call's steps (call.c) and the public accessors (prominent.c). */
#ifndef IMGCOLOR_RESULT_H
#define IMGCOLOR_RESULT_H

#include "assign.h"
#include "budget.h"
#include "histogram.h"
#include "manage.h"
#include "sample.h"
#include "where.h"

struct imgcolor_result {
    uint32_t width, height;
    int k;
    uint64_t pixels, transparent, distinct;
    double inertia;
    int iterations;
    imgcolor_space space;
    imgcolor__warnings warnings;
    char profile[64]; /* the colour profile converted from, or "" */
    int fast;
    uint32_t sample_step; /* see imgcolor_result_sample_step() */
    uint32_t sample_band_rows, sample_band_step; /* see imgcolor_result_sample_band_rows() */
    uint64_t sample_pixels;
    imgcolor_background_mode background_mode;
    int has_background, has_region;
    imgcolor_background background;
    imgcolor_region region;
    size_t count;
    imgcolor_cluster clusters[];
};

/* The message for a failure st of counting the colours: the histogram's only other
 * failure is memory. */
imgcolor_status imgcolor__counting_fail(imgcolor_status st, imgcolor__meter *meter,
                                        imgcolor_error *err);

/* Clusters the histogram and builds the result, its clusters not yet sorted (see
 * imgcolor__result_sort()); consumes nothing. m, when not NULL, converts the colours to
 * sRGB first and gives the result its warnings. meter is the calling thread's, against
 * the call's time budget. asg, when not NULL, receives the final assignment as a lookup
 * by colour as decoded, for a later pass over the pixels. */
imgcolor_status imgcolor__cluster(imgcolor__histogram *hist, uint32_t width, uint32_t height,
                                  imgcolor__managed *m, const imgcolor_options *opt,
                                  imgcolor__meter *meter, imgcolor__assignment **asg,
                                  imgcolor_result **out, imgcolor_error *err);

/* Places the clusters from the where pass wh (when not NULL), then orders them. */
imgcolor_status imgcolor__result_sort(imgcolor_result *res, const imgcolor__where *wh,
                                      imgcolor_error *err);

/* Fast mode: scales a result counted on the sample s describes to the total pixels of the
 * whole image. */
void imgcolor__result_rescale(imgcolor_result *res, const imgcolor__sampler *s, uint64_t total);

#endif
