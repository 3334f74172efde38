/* draw_internal.h: what the charts (pie, swatch) share to draw: labels set with
 * FreeType onto a raster, and the growing text buffer their SVG documents are written in. */
#ifndef IMGCOLOR_DRAW_INTERNAL_H
#define IMGCOLOR_DRAW_INTERNAL_H

#include "internal.h"

#define IMGCOLOR__TEXT_MAX 256 /* bytes of UTF-8 per label */

/* Text alignment of a label around its anchor, as matplotlib's ha/va. */
typedef enum imgcolor__align {
    IMGCOLOR__ALIGN_LEFT,
    IMGCOLOR__ALIGN_RIGHT,
    IMGCOLOR__ALIGN_CENTRE
} imgcolor__align;

/* One text to draw: UTF-8, anchored at (x, y) in pixels (y down), vertically centred.
 * When clip_hi > clip_lo only the columns [clip_lo, clip_hi) are drawn, so a label can
 * never spill out of the box it was laid out in, whatever the font. */
typedef struct imgcolor__text {
    char text[IMGCOLOR__TEXT_MAX + 1];
    double x, y;
    imgcolor__align align;
    imgcolor_rgb color;
    long clip_lo, clip_hi;
} imgcolor__text;

/* Draws n texts at font_px pixels onto img with FreeType; IMGCOLOR_E_FONT when the font
 * cannot be loaded. Uses its own FT_Library, so calls may run in parallel. */
imgcolor_status imgcolor__draw_text(const imgcolor__text *texts, size_t n, double font_px,
                                    const char *font_path, imgcolor_image *img,
                                    imgcolor_error *err);

/* Replaces *slot by a copy of path (NULL: none, the default font): the font-path setter
 * of every chart's options. IMGCOLOR_E_RANGE for "" or over 4096 bytes. */
imgcolor_status imgcolor__set_font_path(char **slot, const char *path);

/* The width of printable ASCII text s in DejaVu Sans at font_px pixels, from its advance
 * widths without kerning; -1 when s holds anything else. */
double imgcolor__text_width(const char *s, double font_px);

/* A growing NUL-terminated text; failed is set, and nothing more written, when memory
 * ran out. Start from {0}. */
typedef struct imgcolor__sbuf {
    char *data;
    size_t len, cap;
    int failed;
} imgcolor__sbuf;

void imgcolor__sbuf_put(imgcolor__sbuf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends text with the five XML special characters escaped. */
void imgcolor__sbuf_escaped(imgcolor__sbuf *b, const char *s);

/* A coordinate with at most three decimals and no "-0", for %g. */
double imgcolor__svg_coord(double v);

/* The XML declaration and the <svg> root element of a width x height document. */
void imgcolor__svg_open(imgcolor__sbuf *b, uint32_t width, uint32_t height);

/* The texts as one <g> of <text> elements in DejaVu Sans at font_px. */
void imgcolor__svg_texts(imgcolor__sbuf *b, const imgcolor__text *texts, size_t n,
                         double font_px);

/* Closes the document and hands its text over: *out (free with free()) and *out_len,
 * or IMGCOLOR_E_NOMEM when memory ran out on the way; what names the chart in the
 * message. */
imgcolor_status imgcolor__svg_finish(imgcolor__sbuf *b, const char *what, char **out,
                                     size_t *out_len, imgcolor_error *err);

#endif
