/* swatch_draw.c: the swatch strip drawn from its layout: as an RGBA raster (flat
 * segments on whole pixels, the background's tile hatched, labels by text.c) or as SVG. */
#include <stdlib.h>

#include "colorspace.h"
#include "swatch_internal.h"

#define put imgcolor__sbuf_put

/* Whether pixel (x, y) of a hatched segment starting at x0 lies on a hatch line. */
static int on_hatch(uint32_t x, uint32_t y, uint32_t x0)
{
    return (x - x0 + y) % IMGCOLOR__SWATCH_HATCH_PERIOD < IMGCOLOR__SWATCH_HATCH_WIDTH;
}

/* The hatch colour: the label colour at a quarter opacity over the segment's. */
static imgcolor_rgb hatch_color(imgcolor_rgb c)
{
    imgcolor_rgb t = imgcolor__readable_text(c, NULL);
    return (imgcolor_rgb){(uint8_t)((3 * c.r + t.r + 2) / 4), (uint8_t)((3 * c.g + t.g + 2) / 4),
                          (uint8_t)((3 * c.b + t.b + 2) / 4)};
}

static void fill_row(const imgcolor__swatch_layout *L, uint32_t y, uint8_t *row)
{
    for (size_t k = 0; k < L->nseg; k++) {
        const imgcolor__swatch_segment *s = &L->seg[k];
        imgcolor_rgb hatch = hatch_color(s->color);
        for (uint32_t x = s->x; x < s->x + s->w; x++) {
            imgcolor_rgb c = s->hatched && on_hatch(x, y, s->x) ? hatch : s->color;
            uint8_t *p = row + 4 * (size_t)x;
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
            p[3] = 255;
        }
    }
}

imgcolor_status imgcolor_swatch_render(const imgcolor_swatch_color *colors, size_t n,
                                       const imgcolor_background *background,
                                       const imgcolor_swatch_options *opt, imgcolor_image **out,
                                       imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "swatch: NULL argument");
    *out = NULL;
    imgcolor__swatch_layout *L = NULL;
    imgcolor_image *img = NULL;
    imgcolor_status st = imgcolor__swatch_layout_new(colors, n, background, opt, &L, err);
    if (st != IMGCOLOR_OK)
        goto done;
    img = calloc(1, sizeof *img);
    if (img) {
        img->width = L->width;
        img->height = L->height;
        /* Zeroed: the gap before the background's tile stays transparent. */
        img->rgba = calloc((size_t)L->width * L->height, 4);
    }
    if (!img || !img->rgba) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "swatch: out of memory");
        goto done;
    }
    for (uint32_t y = 0; y < L->height; y++)
        fill_row(L, y, img->rgba + (size_t)y * L->width * 4);
    if (L->ntext)
        st = imgcolor__draw_text(L->text, L->ntext, L->font_px,
                                 opt && opt->font_path ? opt->font_path : IMGCOLOR_FONT_PATH,
                                 img, err);
done:
    if (st == IMGCOLOR_OK) {
        *out = img;
        img = NULL;
    }
    imgcolor_image_free(img);
    free(L);
    return st;
}

/* The hatching as an SVG pattern: the raster's lines, where the pixel centres' x + y
 * is (WIDTH + 1) / 2 past a multiple of the period, the band WIDTH / sqrt 2 across. */
static void put_hatch_pattern(imgcolor__sbuf *b, const imgcolor__swatch_segment *s)
{
    char hex[8];
    imgcolor_rgb_to_hex(hatch_color(s->color), hex);
    const int p = IMGCOLOR__SWATCH_HATCH_PERIOD;
    put(b, "<defs><pattern id=\"background-hatch\" x=\"%u\" y=\"0\" width=\"%d\" "
           "height=\"%d\" patternUnits=\"userSpaceOnUse\"><path stroke=\"%s\" "
           "stroke-width=\"%g\" d=\"",
        s->x, p, p, hex, imgcolor__svg_coord(IMGCOLOR__SWATCH_HATCH_WIDTH / 1.4142135623730951));
    for (int c = -p; c <= 2 * p; c += p) {
        double d = c + (IMGCOLOR__SWATCH_HATCH_WIDTH + 1) / 2.0;
        put(b, "M%g %gL%g %g", -(double)p, d + p, d + p, -(double)p);
    }
    put(b, "\"/></pattern></defs>\n");
}

imgcolor_status imgcolor_swatch_svg(const imgcolor_swatch_color *colors, size_t n,
                                    const imgcolor_background *background,
                                    const imgcolor_swatch_options *opt, char **out,
                                    size_t *out_len, imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "swatch: NULL argument");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    imgcolor__swatch_layout *L = NULL;
    imgcolor_status st = imgcolor__swatch_layout_new(colors, n, background, opt, &L, err);
    if (st != IMGCOLOR_OK)
        return st;
    imgcolor__sbuf b = {0};
    imgcolor__svg_open(&b, L->width, L->height);
    for (size_t k = 0; k < L->nseg; k++) {
        const imgcolor__swatch_segment *s = &L->seg[k];
        char hex[8];
        imgcolor_rgb_to_hex(s->color, hex);
        /* crispEdges: segments meet on whole pixels, with no anti-aliased seam. */
        put(&b, "<rect x=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" "
                "shape-rendering=\"crispEdges\"/>\n",
            s->x, s->w, L->height, hex);
        if (s->hatched) {
            put_hatch_pattern(&b, s);
            put(&b, "<rect x=\"%u\" width=\"%u\" height=\"%u\" fill=\"url(#background-hatch)\"/>\n",
                s->x, s->w, L->height);
        }
    }
    imgcolor__svg_texts(&b, L->text, L->ntext, L->font_px);
    free(L);
    return imgcolor__svg_finish(&b, "swatch", out, out_len, err);
}
