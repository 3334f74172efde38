/* region_parse.c: the region option's text form "x,y,w,h" (pixels or percentages), its
 * ranges, and its setter: one parser for the CLI and the server alike. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "region.h"

#define PERCENT_DECIMALS_MAX 6

static const char *const field_names[4] = {"x", "y", "w", "h"};

/* One value of the list, text[0..len): digits, then (percentages only) a point and
 * decimals, then an optional '%'. */
static imgcolor_status parse_value(const char *text, size_t len, int field, double *value,
                                   int *percent, imgcolor_error *err)
{
    *percent = len > 0 && text[len - 1] == '%';
    if (*percent)
        len--;
    size_t i = 0, digits = 0, decimals = 0;
    double v = 0;
    for (; i < len && text[i] >= '0' && text[i] <= '9' && digits < 11; i++, digits++)
        v = v * 10 + (text[i] - '0');
    if (i < len && text[i] == '.' && *percent) {
        double scale = 1;
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++, decimals++) {
            scale /= 10;
            v += (text[i] - '0') * scale;
        }
        if (decimals == 0 || decimals > PERCENT_DECIMALS_MAX)
            return imgcolor__fail(err, IMGCOLOR_E_PARSE,
                                  "region: %s needs 1 to %d decimals after its point",
                                  field_names[field], PERCENT_DECIMALS_MAX);
    }
    if (digits == 0 || i != len)
        return imgcolor__fail(err, IMGCOLOR_E_PARSE,
                              "region: %s is not a whole number of pixels or a percentage "
                              "like 12.5%%",
                              field_names[field]);
    *value = v;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_region_parse(const char *text, size_t len, imgcolor_region_spec *out,
                                      imgcolor_error *err)
{
    if (!text || !out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "region: NULL argument");
    imgcolor_region_spec spec;
    size_t at = 0;
    for (int f = 0; f < 4; f++) {
        size_t end = at;
        while (end < len && text[end] != ',')
            end++;
        if ((f < 3) != (end < len))
            return imgcolor__fail(err, IMGCOLOR_E_PARSE,
                                  "region: expected x,y,w,h (four values, comma-separated)");
        imgcolor_status st =
            parse_value(text + at, end - at, f, &spec.value[f], &spec.percent[f], err);
        if (st != IMGCOLOR_OK)
            return st;
        at = end + 1;
    }
    imgcolor_status st = imgcolor__region_check(&spec, err);
    if (st == IMGCOLOR_OK)
        *out = spec;
    return st;
}

imgcolor_status imgcolor__region_check(const imgcolor_region_spec *spec, imgcolor_error *err)
{
    for (int f = 0; f < 4; f++) {
        double v = spec->value[f];
        int pct = spec->percent[f];
        if (pct != 0 && pct != 1)
            return imgcolor__fail(err, IMGCOLOR_E_RANGE, "region: percent flag of %s is not 0 or 1",
                                  field_names[f]);
        if (!isfinite(v) || v < 0 || (pct ? v > 100 : v > UINT32_MAX || v != floor(v)))
            return imgcolor__fail(err, IMGCOLOR_E_RANGE,
                                  "region: %s must be %s", field_names[f],
                                  pct ? "a percentage from 0 to 100"
                                      : "a whole number of pixels from 0 to 4294967295");
        if (f >= 2 && v == 0)
            return imgcolor__fail(err, IMGCOLOR_E_RANGE, "region: %s is 0, the region is empty",
                                  field_names[f]);
    }
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_options_set_region(imgcolor_options *opt,
                                            const imgcolor_region_spec *spec)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (!spec) {
        opt->has_region = 0;
        return IMGCOLOR_OK;
    }
    imgcolor_status st = imgcolor__region_check(spec, NULL);
    if (st != IMGCOLOR_OK)
        return st;
    opt->region = *spec;
    opt->has_region = 1;
    return IMGCOLOR_OK;
}

int imgcolor_options_get_region(const imgcolor_options *opt, imgcolor_region_spec *out)
{
    if (!opt || !opt->has_region)
        return 0;
    if (out)
        *out = opt->region;
    return 1;
}

/* A value of the spec in pixels of a side: percentages rounded half up. */
static uint64_t to_pixels(double v, int percent, uint32_t side)
{
    return percent ? (uint64_t)floor((double)side * v / 100 + 0.5) : (uint64_t)v;
}

/* One axis: the start and end of the region on a side, clipped. */
static void clip_axis(const imgcolor_region_spec *s, int at, uint32_t side, uint64_t *lo,
                      uint64_t *hi)
{
    uint64_t a = to_pixels(s->value[at], s->percent[at], side);
    uint64_t b = s->percent[at] && s->percent[at + 2]
                     ? to_pixels(s->value[at] + s->value[at + 2], 1, side)
                     : a + to_pixels(s->value[at + 2], s->percent[at + 2], side);
    *lo = a < side ? a : side;
    *hi = b < side ? b : side;
}

/* A value as it was written: pixels whole, a percentage with its decimals and '%'. */
static void format_value(double v, int percent, char *out, size_t size)
{
    int n = snprintf(out, size, percent ? "%.6f" : "%.0f", v);
    if (percent && n > 0 && (size_t)n < size) {
        while (n > 1 && out[n - 1] == '0')
            n--;
        if (out[n - 1] == '.')
            n--;
        snprintf(out + n, size - (size_t)n, "%%");
    }
}

imgcolor_status imgcolor__region_clip(const imgcolor_region_spec *spec, uint32_t width,
                                      uint32_t height, imgcolor_region *out,
                                      imgcolor_error *err)
{
    uint64_t x0, x1, y0, y1;
    clip_axis(spec, 0, width, &x0, &x1);
    clip_axis(spec, 1, height, &y0, &y1);
    if (x0 >= x1 || y0 >= y1) {
        char text[4][24];
        for (int f = 0; f < 4; f++)
            format_value(spec->value[f], spec->percent[f], text[f], sizeof text[f]);
        return imgcolor__fail(err, IMGCOLOR_E_RANGE,
                              "region %s,%s,%s,%s has no pixel in the %ux%u image", text[0],
                              text[1], text[2], text[3], width, height);
    }
    *out = (imgcolor_region){(uint32_t)x0, (uint32_t)y0, (uint32_t)(x1 - x0),
                             (uint32_t)(y1 - y0)};
    return IMGCOLOR_OK;
}
