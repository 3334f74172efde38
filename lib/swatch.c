/* swatch.c: swatch-strip options, validation and layout: segment widths by largest
 * remainder, the background's tile apart, and which labels fit. Drawn by swatch_draw.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colorspace.h"
#include "swatch_internal.h"

/* The ranges the setters check, published by imgcolor_swatch_options_range(). */
#define SWATCH_WIDTH_MIN 32
#define SWATCH_WIDTH_MAX 8192
#define SWATCH_HEIGHT_MIN 16
#define SWATCH_HEIGHT_MAX 4096
/* The label font as a share of the height, and its bounds in pixels. */
#define FONT_SHARE 0.11
#define FONT_MIN 8.0
#define FONT_MAX 64.0

static const imgcolor_swatch_options defaults = {.width = 640, .height = 120, .labels = 1};

imgcolor_status imgcolor_swatch_options_new(imgcolor_swatch_options **out)
{
    if (!out)
        return IMGCOLOR_E_INVALID;
    *out = malloc(sizeof **out);
    if (!*out)
        return IMGCOLOR_E_NOMEM;
    **out = defaults;
    return IMGCOLOR_OK;
}

void imgcolor_swatch_options_free(imgcolor_swatch_options *opt)
{
    if (!opt)
        return;
    free(opt->font_path);
    free(opt);
}

imgcolor_status imgcolor_swatch_options_range(const char *name, double *min, double *max)
{
    if (!name || !min || !max)
        return IMGCOLOR_E_INVALID;
    if (strcmp(name, "width") == 0) {
        *min = SWATCH_WIDTH_MIN;
        *max = SWATCH_WIDTH_MAX;
    } else if (strcmp(name, "height") == 0) {
        *min = SWATCH_HEIGHT_MIN;
        *max = SWATCH_HEIGHT_MAX;
    } else {
        return IMGCOLOR_E_INVALID;
    }
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_swatch_options_set_size(imgcolor_swatch_options *opt, uint32_t width,
                                                 uint32_t height)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (width < SWATCH_WIDTH_MIN || width > SWATCH_WIDTH_MAX || height < SWATCH_HEIGHT_MIN ||
        height > SWATCH_HEIGHT_MAX)
        return IMGCOLOR_E_RANGE;
    opt->width = width;
    opt->height = height;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_swatch_options_get_size(const imgcolor_swatch_options *opt,
                                                 uint32_t *width, uint32_t *height)
{
    if (!opt || !width || !height)
        return IMGCOLOR_E_INVALID;
    *width = opt->width;
    *height = opt->height;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_swatch_options_set_labels(imgcolor_swatch_options *opt, int labels)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->labels = labels != 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_swatch_options_set_font_path(imgcolor_swatch_options *opt,
                                                      const char *path)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    return imgcolor__set_font_path(&opt->font_path, path);
}

/* ------------------------------------------------------------------------------------ */
/* Layout                                                                                */

/* A segment's share before rounding: its whole pixels and the remainder. */
typedef struct share {
    size_t index;
    double rest;
} share;

/* Larger remainder first; equal ones in input order, so the rounding is deterministic. */
static int by_rest(const void *a, const void *b)
{
    const share *x = a, *y = b;
    if (x->rest != y->rest)
        return x->rest < y->rest ? 1 : -1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Splits span pixels among the n weights (validated, positive maximum max_w) by largest
 * remainder: px[i] sums to span exactly. */
static void split_span(const imgcolor_swatch_color *colors, size_t n, double max_w,
                       uint32_t span, uint32_t *px, share *rests)
{
    double sum = 0.0; /* of the weights scaled by the largest, so it cannot overflow */
    for (size_t i = 0; i < n; i++)
        sum += colors[i].weight / max_w;
    uint64_t used = 0;
    for (size_t i = 0; i < n; i++) {
        double ideal = colors[i].weight / max_w / sum * span, whole = floor(ideal);
        px[i] = (uint32_t)fmin(whole, span);
        used += px[i];
        rests[i] = (share){i, colors[i].weight > 0.0 ? ideal - whole : -1.0};
    }
    qsort(rests, n, sizeof *rests, by_rest);
    /* The remainders sum to span - used < n; rounding can make either side one off. */
    for (size_t k = 0; used < span; k = (k + 1) % n, used++)
        px[rests[k].index]++;
    for (size_t i = 0; used > span; i = (i + 1) % n)
        if (px[i]) {
            px[i]--;
            used--;
        }
}

/* The labels of one segment: its hex code, and name below it when that fits too. */
static void add_labels(imgcolor__swatch_layout *L, const imgcolor__swatch_segment *s,
                       const char *name, int lines)
{
    char hex[8];
    imgcolor_rgb_to_hex(s->color, hex);
    double pad = L->font_px / 2, room = s->w - 2 * pad;
    if (lines < 1 || imgcolor__text_width(hex, L->font_px) > room)
        return;
    int two = lines >= 2 && imgcolor__text_width(name, L->font_px) <= room;
    const char *texts[2] = {hex, name};
    for (int i = 0; i <= two; i++) {
        imgcolor__text *t = &L->text[L->ntext++];
        strcpy(t->text, texts[i]);
        t->x = s->x + s->w / 2.0;
        t->y = L->height / 2.0 + (two ? (i ? 0.625 : -0.625) * L->font_px : 0.0);
        t->align = IMGCOLOR__ALIGN_CENTRE;
        t->color = imgcolor__readable_text(s->color, NULL);
        t->clip_lo = s->x;
        t->clip_hi = (long)s->x + s->w;
    }
}

/* The nearest CSS colour name of an sRGB colour. */
static const char *css_name(imgcolor_rgb c)
{
    double oklab[3];
    imgcolor__rgb8_to_oklab(c, oklab);
    return imgcolor__css_nearest(oklab, NULL);
}

/* Checks the count and weights; *max_w gets the largest weight. */
static imgcolor_status check_colors(const imgcolor_swatch_color *colors, size_t n, double *max_w,
                                    imgcolor_error *err)
{
    if (n < 1 || n > IMGCOLOR__SWATCH_MAX_COLORS)
        return imgcolor__fail(err, IMGCOLOR_E_RANGE, "swatch: %zu colours, expected 1 to %d", n,
                              IMGCOLOR__SWATCH_MAX_COLORS);
    *max_w = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = colors[i].weight;
        if (!isfinite(w) || w < 0.0)
            return imgcolor__fail(err, IMGCOLOR_E_RANGE,
                                  "swatch: weight %zu is %g, expected a finite number >= 0",
                                  i + 1, w);
        *max_w = w > *max_w ? w : *max_w;
    }
    if (*max_w <= 0.0)
        return imgcolor__fail(err, IMGCOLOR_E_RANGE, "swatch: the weights sum to zero");
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__swatch_layout_new(const imgcolor_swatch_color *colors, size_t n,
                                            const imgcolor_background *background,
                                            const imgcolor_swatch_options *opt,
                                            imgcolor__swatch_layout **out, imgcolor_error *err)
{
    if (!colors || !out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "swatch: NULL argument");
    *out = NULL;
    if (!opt)
        opt = &defaults;
    double max_w = 0.0;
    imgcolor_status st = check_colors(colors, n, &max_w, err);
    if (st != IMGCOLOR_OK)
        return st;
    imgcolor__swatch_layout *L = malloc(sizeof *L);
    uint32_t *px = malloc(n * sizeof *px);
    share *rests = malloc(n * sizeof *rests);
    if (!L || !px || !rests) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "swatch: out of memory");
        goto done;
    }
    L->width = opt->width;
    L->height = opt->height;
    L->font_px = fmin(FONT_MAX, fmax(FONT_MIN, FONT_SHARE * opt->height));
    L->nseg = L->ntext = 0;
    /* Lines of 1.25 font sizes, and half a font size of margin above and below. */
    int lines = !opt->labels                        ? 0
                : L->height >= 3.5 * L->font_px  ? 2
                : L->height >= 2.25 * L->font_px ? 1
                                                 : 0;
    uint32_t tile = background ? L->width / 5 : 0;
    uint32_t gap = background ? (L->width / 100 > 2 ? L->width / 100 : 2) : 0;
    split_span(colors, n, max_w, L->width - tile - gap, px, rests);
    uint32_t x = 0;
    for (size_t i = 0; i < n; x += px[i], i++) {
        if (!px[i])
            continue;
        imgcolor__swatch_segment *s = &L->seg[L->nseg++];
        *s = (imgcolor__swatch_segment){x, px[i], colors[i].color, 0};
        add_labels(L, s, css_name(s->color), lines);
    }
    if (background) {
        imgcolor__swatch_segment *s = &L->seg[L->nseg++];
        *s = (imgcolor__swatch_segment){L->width - tile, tile, background->rgb, 1};
        add_labels(L, s, "background", lines);
    }
    *out = L;
    L = NULL;
done:
    free(rests);
    free(px);
    free(L);
    return st;
}
