/* pie_svg.c: the pie chart as an SVG document, from the same layout as the raster: one
 * <path> per wedge, labels as <text>, so it stays sharp at any size and needs no font. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pie_internal.h"

typedef struct sbuf {
    char *data;
    size_t len, cap;
    int failed;
} sbuf;

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
}

/* Appends text with the five XML special characters escaped. */
static void put_escaped(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': put(b, "&amp;"); break;
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '"': put(b, "&quot;"); break;
        case '\'': put(b, "&apos;"); break;
        default: put(b, "%c", *s);
        }
    }
}

/* A coordinate with at most three decimals and no "-0". */
static double coord(double v)
{
    v = round(v * 1000.0) / 1000.0;
    return v == 0.0 ? 0.0 : v;
}

imgcolor_status imgcolor_pie_svg(const imgcolor_pie_wedge *wedges, size_t n,
                                 const imgcolor_pie_options *opt, char **out, size_t *out_len,
                                 imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "pie: NULL argument");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    imgcolor__pie_layout *L = NULL;
    imgcolor_status st = imgcolor__pie_layout_new(wedges, n, opt, &L, err);
    if (st != IMGCOLOR_OK)
        return st;
    sbuf b = {.data = malloc(4096), .cap = 4096};
    if (!b.data)
        b.failed = 1;
    else
        b.data[0] = '\0';
    put(&b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
        "viewBox=\"0 0 %u %u\">\n",
        L->width, L->height, L->width, L->height);
    if (!L->transparent)
        put(&b, "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", L->width, L->height);
    /* A half-pixel stroke in the wedge's own colour hides the hairline seams that SVG
     * renderers leave between abutting anti-aliased shapes. */
    put(&b, "<g stroke-width=\"0.5\" stroke-linejoin=\"round\">\n");
    double cx = L->cx, cy = L->cy, r = L->r;
    for (size_t i = 0; i < L->nseg; i++) {
        char hex[8];
        imgcolor_rgb_to_hex(L->seg[i].color, hex);
        put(&b, "<path fill=\"%s\" stroke=\"%s\" d=\"", hex, hex);
        if (L->nseg == 1) {
            put(&b, "M%g %gA%g %g 0 1 0 %g %gA%g %g 0 1 0 %g %gZ", coord(cx - r), coord(cy),
                coord(r), coord(r), coord(cx + r), coord(cy), coord(r), coord(r), coord(cx - r),
                coord(cy));
        } else {
            double a0 = L->seg[i].lo, a1 = a0 + L->seg[i].extent;
            /* Counter-clockwise on screen is a decreasing SVG angle: sweep-flag 0. */
            put(&b, "M%g %gL%g %gA%g %g 0 %d 0 %g %gZ", coord(cx), coord(cy),
                coord(cx + r * cos(a0)), coord(cy - r * sin(a0)), coord(r), coord(r),
                L->seg[i].extent > 3.141592653589793, coord(cx + r * cos(a1)),
                coord(cy - r * sin(a1)));
        }
        put(&b, "\"/>\n");
    }
    put(&b, "</g>\n");
    if (L->ntext) {
        put(&b, "<g font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"%g\">\n",
            coord(L->font_px));
        for (size_t i = 0; i < L->ntext; i++) {
            const imgcolor__pie_text *t = &L->text[i];
            char hex[8];
            imgcolor_rgb_to_hex(t->color, hex);
            const char *anchor = t->align == IMGCOLOR__PIE_ALIGN_LEFT    ? "start"
                                 : t->align == IMGCOLOR__PIE_ALIGN_RIGHT ? "end"
                                                                          : "middle";
            put(&b, "<text x=\"%g\" y=\"%g\" text-anchor=\"%s\" dominant-baseline=\"central\"",
                coord(t->x), coord(t->y), anchor);
            if (strcmp(hex, "#000000") != 0)
                put(&b, " fill=\"%s\"", hex);
            put(&b, ">");
            put_escaped(&b, t->text);
            put(&b, "</text>\n");
        }
        put(&b, "</g>\n");
    }
    put(&b, "</svg>\n");
    free(L);
    if (b.failed) {
        free(b.data);
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "pie: out of memory");
    }
    *out = b.data;
    if (out_len)
        *out_len = b.len;
    return IMGCOLOR_OK;
}
