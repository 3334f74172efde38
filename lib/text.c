/* text.c: anti-aliased labels for the chart rasters (pie, swatch), set with FreeType.
 * Each call opens its own FT_Library and face, so any number of threads can draw at once. */
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_GLYPH_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "draw_internal.h"

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
    v = (v * 16 + 127) / 255 * 255 / 16; /* sixteenths, as the pie's wedge edges (pie.c) */
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
                        const imgcolor__text *t)
{
    long lo = 0, hi = (long)img->width;
    if (t->clip_hi > t->clip_lo) {
        lo = t->clip_lo > lo ? t->clip_lo : lo;
        hi = t->clip_hi < hi ? t->clip_hi : hi;
    }
    for (unsigned row = 0; row < bm->rows; row++) {
        long y = y0 + (long)row;
        if (y < 0 || y >= (long)img->height)
            continue;
        const unsigned char *src = bm->buffer + (long)row * bm->pitch;
        uint8_t *dst = img->rgba + (size_t)y * img->width * 4;
        for (unsigned c = 0; c < bm->width; c++) {
            long x = x0 + (long)c;
            if (x >= lo && x < hi)
                blend(dst + 4 * x, t->color, src[c]);
        }
    }
}

/*
 * Sets one text: its glyphs are loaded once, as outlines, to measure the ink extent for
 * the alignment, then shifted to their subpixel pen positions and rendered.
 */
static FT_Error draw_string(FT_Face face, const imgcolor__text *t, double ascent,
                            double descent, imgcolor_image *img)
{
    FT_Glyph glyphs[IMGCOLOR__TEXT_MAX];
    FT_Pos pens[IMGCOLOR__TEXT_MAX];
    size_t n = 0;
    FT_Error e = 0;
    FT_Pos pen = 0, x_min = 0, x_max = 0;
    FT_UInt prev = 0;
    int any = 0;
    const unsigned char *s = (const unsigned char *)t->text;
    while (*s && !e) {
        FT_UInt gi = FT_Get_Char_Index(face, next_code_point(&s));
        if (prev && FT_HAS_KERNING(face)) {
            FT_Vector k;
            if (!FT_Get_Kerning(face, prev, gi, FT_KERNING_DEFAULT, &k))
                pen += k.x;
        }
        e = FT_Load_Glyph(face, gi, LOAD_FLAGS);
        if (!e)
            e = FT_Get_Glyph(face->glyph, &glyphs[n]);
        if (e)
            break;
        const FT_Glyph_Metrics *m = &face->glyph->metrics;
        if (m->width > 0) {
            FT_Pos lo = pen + m->horiBearingX, hi = lo + m->width;
            x_min = any && x_min < lo ? x_min : lo;
            x_max = any && x_max > hi ? x_max : hi;
            any = 1;
        }
        pens[n++] = pen;
        pen += face->glyph->advance.x;
        prev = gi;
    }
    double ink = t->align == IMGCOLOR__ALIGN_LEFT    ? (double)x_min / 64.0
                 : t->align == IMGCOLOR__ALIGN_RIGHT ? (double)x_max / 64.0
                                                         : (double)(x_min + x_max) / 128.0;
    /* Like matplotlib, the text box spans the ascent of 'l' to the descent of 'p' and
     * is centred on the anchor; the origin is snapped to whole pixels. */
    long ox = lround(t->x - ink), baseline = lround(t->y + (ascent - descent) / 2);
    for (size_t i = 0; i < n; i++) {
        FT_Vector shift = {pens[i] & 63, 0};
        if (!e)
            e = FT_Glyph_Transform(glyphs[i], NULL, &shift);
        if (!e)
            e = FT_Glyph_To_Bitmap(&glyphs[i], FT_RENDER_MODE_NORMAL, NULL, 1);
        if (!e) {
            FT_BitmapGlyph bg = (FT_BitmapGlyph)glyphs[i];
            draw_bitmap(img, &bg->bitmap, ox + (long)(pens[i] >> 6) + bg->left,
                        baseline - bg->top, t);
        }
        FT_Done_Glyph(glyphs[i]);
    }
    return e;
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

imgcolor_status imgcolor__draw_text(const imgcolor__text *texts, size_t n, double font_px,
                                    const char *font_path, imgcolor_image *img,
                                    imgcolor_error *err)
{
    FT_Library lib = NULL;
    FT_Face face = NULL;
    imgcolor_status st = IMGCOLOR_OK;
    FT_Error e = FT_Init_FreeType(&lib);
    if (e) {
        st = imgcolor__fail(err, IMGCOLOR_E_FONT, "labels: cannot start FreeType (error %d)", e);
        goto done;
    }
    e = FT_New_Face(lib, font_path, 0, &face);
    if (e) {
        st = imgcolor__fail(err, IMGCOLOR_E_FONT,
                            "labels: cannot load the label font %s (FreeType error %d)",
                            font_path, e);
        goto done;
    }
    e = FT_Set_Char_Size(face, 0, (FT_F26Dot6)lround(font_px * 64.0), 72, 72);
    double ascent = 0, descent = 0;
    if (!e)
        e = line_box(face, &ascent, &descent);
    for (size_t i = 0; !e && i < n; i++)
        e = draw_string(face, &texts[i], ascent, descent, img);
    if (e)
        st = imgcolor__fail(err, IMGCOLOR_E_FONT,
                            "labels: cannot set text in %s (FreeType error %d)", font_path, e);
done:
    if (face)
        FT_Done_Face(face);
    if (lib)
        FT_Done_FreeType(lib);
    return st;
}

/* DejaVu Sans advance widths of ' ' to '~', in its 2048 units per em. */
static const unsigned short dejavu_advance[95] = {
    651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716, 651,  739,
    651,  690,  1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690,  690,
    1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604,
    604,  1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025,
    1403, 1251, 1403, 799,  690,  799,  1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260,
    721,  1300, 1298, 569,  569,  1186, 569,  1995, 1298, 1253, 1300, 1300, 842,  1067,
    803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716};

double imgcolor__text_width(const char *s, double font_px)
{
    unsigned long units = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e)
            return -1.0;
        units += dejavu_advance[c - 0x20];
    }
    return (double)units * font_px / 2048.0;
}

imgcolor_status imgcolor__set_font_path(char **slot, const char *path)
{
    if (path && (!*path || strlen(path) > 4096))
        return IMGCOLOR_E_RANGE;
    char *copy = NULL;
    if (path) {
        copy = malloc(strlen(path) + 1);
        if (!copy)
            return IMGCOLOR_E_NOMEM;
        strcpy(copy, path);
    }
    free(*slot);
    *slot = copy;
    return IMGCOLOR_OK;
}
