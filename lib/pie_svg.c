/* pie_svg.c: the pie chart as an SVG document, from the same layout as the raster: one
 * <path> per wedge, labels as <text>, so it stays sharp at any size and needs no font. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pie_internal.h"

#define coord imgcolor__svg_coord
#define put imgcolor__sbuf_put

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
    imgcolor__sbuf b = {0};
    imgcolor__svg_open(&b, L->width, L->height);
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
    imgcolor__svg_texts(&b, L->text, L->ntext, L->font_px);
    free(L);
    return imgcolor__svg_finish(&b, "pie", out, out_len, err);
}
