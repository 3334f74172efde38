/* svg.c: what the charts' SVG documents are written with: a growing text buffer, XML
 * escaping, and the pieces every chart has (root element, labels, the final hand-over). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw_internal.h"

void imgcolor__sbuf_put(imgcolor__sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n + 4096;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
}

void imgcolor__sbuf_escaped(imgcolor__sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': imgcolor__sbuf_put(b, "&amp;"); break;
        case '<': imgcolor__sbuf_put(b, "&lt;"); break;
        case '>': imgcolor__sbuf_put(b, "&gt;"); break;
        case '"': imgcolor__sbuf_put(b, "&quot;"); break;
        case '\'': imgcolor__sbuf_put(b, "&apos;"); break;
        default: imgcolor__sbuf_put(b, "%c", *s);
        }
    }
}

double imgcolor__svg_coord(double v)
{
    v = round(v * 1000.0) / 1000.0;
    return v == 0.0 ? 0.0 : v;
}

void imgcolor__svg_open(imgcolor__sbuf *b, uint32_t width, uint32_t height)
{
    imgcolor__sbuf_put(b,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
                       "viewBox=\"0 0 %u %u\">\n",
                       width, height, width, height);
}

void imgcolor__svg_texts(imgcolor__sbuf *b, const imgcolor__text *texts, size_t n,
                         double font_px)
{
    if (!n)
        return;
    imgcolor__sbuf_put(b,
                       "<g font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"%g\">\n",
                       imgcolor__svg_coord(font_px));
    for (size_t i = 0; i < n; i++) {
        const imgcolor__text *t = &texts[i];
        char hex[8];
        imgcolor_rgb_to_hex(t->color, hex);
        const char *anchor = t->align == IMGCOLOR__ALIGN_LEFT    ? "start"
                             : t->align == IMGCOLOR__ALIGN_RIGHT ? "end"
                                                                 : "middle";
        imgcolor__sbuf_put(b,
                           "<text x=\"%g\" y=\"%g\" text-anchor=\"%s\" "
                           "dominant-baseline=\"central\"",
                           imgcolor__svg_coord(t->x), imgcolor__svg_coord(t->y), anchor);
        if (strcmp(hex, "#000000") != 0)
            imgcolor__sbuf_put(b, " fill=\"%s\"", hex);
        imgcolor__sbuf_put(b, ">");
        imgcolor__sbuf_escaped(b, t->text);
        imgcolor__sbuf_put(b, "</text>\n");
    }
    imgcolor__sbuf_put(b, "</g>\n");
}

imgcolor_status imgcolor__svg_finish(imgcolor__sbuf *b, const char *what, char **out,
                                     size_t *out_len, imgcolor_error *err)
{
    imgcolor__sbuf_put(b, "</svg>\n");
    if (b->failed) {
        free(b->data);
        *b = (imgcolor__sbuf){0};
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "%s: out of memory", what);
    }
    *out = b->data;
    if (out_len)
        *out_len = b->len;
    *b = (imgcolor__sbuf){0};
    return IMGCOLOR_OK;
}
