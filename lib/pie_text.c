/* pie_text.c: anti-aliased labels for the pie raster, set with FreeType. Each call opens
 * its own FT_Library and face, so any number of threads can draw at once. */
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H

#include <math.h>
#include <stdlib.h>

#include "pie_internal.h"

/* Unhinted outlines: at label sizes they are as legible as light hinting, keep
 * matplotlib's advance widths, and skip the auto-hinter's per-face analysis, which
 * costs more than the whole chart. */
#define LOAD_FLAGS FT_LOAD_NO_HINTING

/* Next code point of valid UTF-8 (the layout has checked it). */
static unsigned next_code_point(const unsigned char **s)
{
    const unsigned char *p = *s;
    unsigned c = *p++;
    int more = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    if (more)
        c &= 0x3fu >> more;
    while (more-- > 0)
        c = c << 6 | (*p++ & 0x3fu);
    *s = p;
    return c;
}

/* Blends text colour col over pixel p at coverage v (0..255), straight alpha. */
static void blend(uint8_t *p, imgcolor_rgb col, unsigned v)
{
    v = (v * 16 + 127) / 255 * 255 / 16; /* sixteenths, as the wedge edges (pie.c) */
    if (!v)
        return;
    unsigned inv = 255 - v, a = p[3];
    if (a == 255) {
        p[0] = (uint8_t)((col.r * v + p[0] * inv + 127) / 255);
        p[1] = (uint8_t)((col.g * v + p[1] * inv + 127) / 255);
        p[2] = (uint8_t)((col.b * v + p[2] * inv + 127) / 255);
        return;
    }
    /* Porter-Duff over with straight alpha: out_a = v + a (1 - v). */
    unsigned oa = v * 255 + a * inv; /* out alpha times 255 */
    if (!oa)
        return;
    p[0] = (uint8_t)((col.r * v * 255 + p[0] * a * inv + oa / 2) / oa);
    p[1] = (uint8_t)((col.g * v * 255 + p[1] * a * inv + oa / 2) / oa);
    p[2] = (uint8_t)((col.b * v * 255 + p[2] * a * inv + oa / 2) / oa);
    p[3] = (uint8_t)((oa + 127) / 255);
}

static void draw_bitmap(imgcolor_image *img, const FT_Bitmap *bm, long x0, long y0,
                        imgcolor_rgb col)
{
    for (unsigned row = 0; row < bm->rows; row++) {
        long y = y0 + (long)row;
        if (y < 0 || y >= (long)img->height)
            continue;
        const unsigned char *src = bm->buffer + (long)row * bm->pitch;
        uint8_t *dst = img->rgba + (size_t)y * img->width * 4;
        for (unsigned c = 0; c < bm->width; c++) {
            long x = x0 + (long)c;
            if (x >= 0 && x < (long)img->width)
                blend(dst + 4 * x, col, src[c]);
        }
    }
}

/* Ink extent of a text, in 26.6 units from the pen's start: x from x_min to x_max. */
static FT_Error measure(FT_Face face, const char *text, FT_Pos *x_min, FT_Pos *x_max)
{
    const unsigned char *s = (const unsigned char *)text;
    FT_Pos pen = 0;
    FT_UInt prev = 0;
    *x_min = 0;
    *x_max = 0;
    int any = 0;
    while (*s) {
        FT_UInt gi = FT_Get_Char_Index(face, next_code_point(&s));
        if (prev && FT_HAS_KERNING(face)) {
            FT_Vector k;
            if (!FT_Get_Kerning(face, prev, gi, FT_KERNING_DEFAULT, &k))
                pen += k.x;
        }
        FT_Error e = FT_Load_Glyph(face, gi, LOAD_FLAGS);
        if (e)
            return e;
        const FT_Glyph_Metrics *m = &face->glyph->metrics;
        if (m->width > 0) {
            FT_Pos lo = pen + m->horiBearingX, hi = lo + m->width;
            if (!any || lo < *x_min)
                *x_min = lo;
            if (!any || hi > *x_max)
                *x_max = hi;
            any = 1;
        }
        pen += face->glyph->advance.x;
        prev = gi;
    }
    return 0;
}

static FT_Error draw_string(FT_Face face, const imgcolor__pie_text *t, double ascent,
                            double descent, imgcolor_image *img)
{
    FT_Pos x_min, x_max;
    FT_Error e = measure(face, t->text, &x_min, &x_max);
    if (e)
        return e;
    double ink = t->align == IMGCOLOR__PIE_ALIGN_LEFT    ? (double)x_min / 64.0
                 : t->align == IMGCOLOR__PIE_ALIGN_RIGHT ? (double)x_max / 64.0
                                                         : (double)(x_min + x_max) / 128.0;
    /* Like matplotlib, the text box spans the ascent of 'l' to the descent of 'p' and
     * is centred on the anchor; the origin is snapped to whole pixels. */
    long ox = lround(t->x - ink), baseline = lround(t->y + (ascent - descent) / 2);
    const unsigned char *s = (const unsigned char *)t->text;
    FT_Pos pen = 0;
    FT_UInt prev = 0;
    while (*s) {
        FT_UInt gi = FT_Get_Char_Index(face, next_code_point(&s));
        if (prev && FT_HAS_KERNING(face)) {
            FT_Vector k;
            if (!FT_Get_Kerning(face, prev, gi, FT_KERNING_DEFAULT, &k))
                pen += k.x;
        }
        /* Glyphs are placed at their exact subpixel offset, as the advances fall. */
        e = FT_Load_Glyph(face, gi, LOAD_FLAGS);
        FT_GlyphSlot g = face->glyph;
        if (!e && g->format == FT_GLYPH_FORMAT_OUTLINE)
            FT_Outline_Translate(&g->outline, pen & 63, 0);
        if (!e)
            e = FT_Render_Glyph(g, FT_RENDER_MODE_NORMAL);
        if (e)
            return e;
        long x = ox + (long)(pen >> 6) + g->bitmap_left;
        draw_bitmap(img, &g->bitmap, x, baseline - g->bitmap_top, t->color);
        pen += g->advance.x;
        prev = gi;
    }
    return 0;
}

/* Ascent of 'l' and descent of 'p', in pixels: the line box matplotlib centres. */
static FT_Error line_box(FT_Face face, double *ascent, double *descent)
{
    FT_Error e = FT_Load_Char(face, 'l', LOAD_FLAGS);
    if (e)
        return e;
    *ascent = (double)face->glyph->metrics.horiBearingY / 64.0;
    e = FT_Load_Char(face, 'p', LOAD_FLAGS);
    if (e)
        return e;
    *descent = (double)(face->glyph->metrics.height - face->glyph->metrics.horiBearingY) / 64.0;
    return 0;
}

imgcolor_status imgcolor__pie_draw_text(const imgcolor__pie_layout *layout, const char *font_path,
                                        imgcolor_image *img, imgcolor_error *err)
{
    FT_Library lib = NULL;
    FT_Face face = NULL;
    imgcolor_status st = IMGCOLOR_OK;
    FT_Error e = FT_Init_FreeType(&lib);
    if (e) {
        st = imgcolor__fail(err, IMGCOLOR_E_FONT, "pie: cannot start FreeType (error %d)", e);
        goto done;
    }
    e = FT_New_Face(lib, font_path, 0, &face);
    if (e) {
        st = imgcolor__fail(err, IMGCOLOR_E_FONT,
                            "pie: cannot load the label font %s (FreeType error %d)", font_path,
                            e);
        goto done;
    }
    e = FT_Set_Char_Size(face, 0, (FT_F26Dot6)lround(layout->font_px * 64.0), 72, 72);
    double ascent = 0, descent = 0;
    if (!e)
        e = line_box(face, &ascent, &descent);
    for (size_t i = 0; !e && i < layout->ntext; i++)
        e = draw_string(face, &layout->text[i], ascent, descent, img);
    if (e)
        st = imgcolor__fail(err, IMGCOLOR_E_FONT, "pie: cannot set text in %s (FreeType error %d)",
                            font_path, e);
done:
    if (face)
        FT_Done_Face(face);
    if (lib)
        FT_Done_FreeType(lib);
    return st;
}
