/* chart_encode.c: a chart (pie, swatch strip) as the bytes a front end sends or saves:
 * SVG text, or the raster encoded as PNG. The one step both the CLI and the server take. */
#include <stdlib.h>

#include "pie_internal.h"
#include "swatch_internal.h"

/* One chart to encode: its two drawings, over whatever describes it. */
typedef struct chart {
    const void *data;
    imgcolor_status (*render)(const void *data, imgcolor_image **out, imgcolor_error *err);
    imgcolor_status (*svg)(const void *data, char **out, size_t *out_len, imgcolor_error *err);
} chart;

static imgcolor_status encode(const chart *c, const char *what, imgcolor_pie_format format,
                              void **out, size_t *out_len, imgcolor_error *err)
{
    imgcolor_image *img = NULL;
    imgcolor_status st = IMGCOLOR_E_INVALID;
    if (!out || !out_len)
        return imgcolor__fail(err, st, "invalid argument to %s encoding", what);
    *out = NULL;
    *out_len = 0;
    if (format == IMGCOLOR_PIE_SVG) {
        char *text = NULL;
        st = c->svg(c->data, &text, out_len, err);
        *out = text;
    } else if (format == IMGCOLOR_PIE_PNG) {
        st = c->render(c->data, &img, err);
        if (st == IMGCOLOR_OK)
            st = imgcolor_png_encode(img, out, out_len, err);
    } else {
        st = imgcolor__fail(err, st, "unknown %s format %d", what, (int)format);
    }
    imgcolor_image_free(img);
    if (st != IMGCOLOR_OK) {
        imgcolor_free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return st;
}

typedef struct pie_args {
    const imgcolor_pie_wedge *wedges;
    size_t n;
    const imgcolor_pie_options *opt;
} pie_args;

static imgcolor_status pie_render(const void *data, imgcolor_image **out, imgcolor_error *err)
{
    const pie_args *a = data;
    return imgcolor_pie_render(a->wedges, a->n, a->opt, out, err);
}

static imgcolor_status pie_svg(const void *data, char **out, size_t *out_len,
                               imgcolor_error *err)
{
    const pie_args *a = data;
    return imgcolor_pie_svg(a->wedges, a->n, a->opt, out, out_len, err);
}

imgcolor_status imgcolor_pie_encode(const imgcolor_pie_wedge *wedges, size_t n,
                                    const imgcolor_pie_options *opt, imgcolor_pie_format format,
                                    void **out, size_t *out_len, imgcolor_error *err)
{
    pie_args a = {wedges, n, opt};
    chart c = {&a, pie_render, pie_svg};
    return encode(&c, "pie", format, out, out_len, err);
}

typedef struct swatch_args {
    const imgcolor_swatch_color *colors;
    size_t n;
    const imgcolor_background *background;
    const imgcolor_swatch_options *opt;
} swatch_args;

static imgcolor_status swatch_render(const void *data, imgcolor_image **out,
                                     imgcolor_error *err)
{
    const swatch_args *a = data;
    return imgcolor_swatch_render(a->colors, a->n, a->background, a->opt, out, err);
}

static imgcolor_status swatch_svg(const void *data, char **out, size_t *out_len,
                                  imgcolor_error *err)
{
    const swatch_args *a = data;
    return imgcolor_swatch_svg(a->colors, a->n, a->background, a->opt, out, out_len, err);
}

imgcolor_status imgcolor_swatch_encode(const imgcolor_swatch_color *colors, size_t n,
                                       const imgcolor_background *background,
                                       const imgcolor_swatch_options *opt,
                                       imgcolor_pie_format format, void **out, size_t *out_len,
                                       imgcolor_error *err)
{
    swatch_args a = {colors, n, background, opt};
    chart c = {&a, swatch_render, swatch_svg};
    return encode(&c, "swatch", format, out, out_len, err);
}

imgcolor_status imgcolor_result_swatch_encode(const imgcolor_result *res,
                                              const imgcolor_background *background,
                                              const imgcolor_swatch_options *opt,
                                              imgcolor_pie_format format, void **out,
                                              size_t *out_len, imgcolor_error *err)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!res)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "swatch: NULL result");
    imgcolor_swatch_color colors[IMGCOLOR__SWATCH_MAX_COLORS];
    size_t n = imgcolor_result_count(res);
    if (n > IMGCOLOR__SWATCH_MAX_COLORS)
        n = IMGCOLOR__SWATCH_MAX_COLORS; /* cannot happen: k <= IMGCOLOR_K_MAX */
    for (size_t i = 0; i < n; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        colors[i] = (imgcolor_swatch_color){c->rgb, (double)c->count};
    }
    return imgcolor_swatch_encode(colors, n, background, opt, format, out, out_len, err);
}
