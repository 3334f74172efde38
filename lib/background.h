/* background.h: finding the background (background.c) and leaving it out of the count:
 * the border's colour, the near-background runs of each row joined by union-find into
 * what touches the border, and a counting pass that skips them. */
#ifndef IMGCOLOR_BACKGROUND_H
#define IMGCOLOR_BACKGROUND_H

#include "budget.h"
#include "chain.h"
#include "histogram.h"

typedef struct imgcolor__background imgcolor__background;

/*
 * Runs the first two decodes of src (the border, unless the colour is given; then the
 * labelling) for opt's background mode, not KEEP. *out is the state the counting pass
 * needs, freed with imgcolor__background_free(); imgcolor__background_found() says
 * whether there is a background to leave out.
 */
imgcolor_status imgcolor__background_find(const imgcolor__source *src,
                                          const imgcolor_options *opt, imgcolor__meter *meter,
                                          imgcolor__background **out, imgcolor_error *err);
void imgcolor__background_free(imgcolor__background *b);

/* 1 when a background was found and has pixels; its colour and pixel count (of the
 * image as the chain delivers it, so of the sample in fast mode). */
int imgcolor__background_found(const imgcolor__background *b);
imgcolor_rgb imgcolor__background_rgb(const imgcolor__background *b);
uint64_t imgcolor__background_pixels(const imgcolor__background *b);
/* A reason the result should mention why no background was left out, or NULL. */
const char *imgcolor__background_note(const imgcolor__background *b);

/* The sink of the counting pass: the foreground pixels into hist, metered by meter. */
imgcolor__sink imgcolor__background_count_sink(imgcolor__background *b,
                                               imgcolor__histogram *hist,
                                               imgcolor__meter *meter);

/* The sink of a later pass over the same pixels (the where pass, the label map): rows go
 * on to inner with the background's pixels made transparent (alpha 0), metered by
 * meter. */
imgcolor__sink imgcolor__background_mask_sink(imgcolor__background *b, imgcolor__sink inner,
                                              imgcolor__meter *meter);

#endif
