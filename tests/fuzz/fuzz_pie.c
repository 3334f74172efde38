/* fuzz_pie.c: pie-chart parameters from arbitrary bytes (wedge count, weights including
 * NaN, infinities, negatives, denormals and huge values, colours, labels of any bytes,
 * size and options) through imgcolor_pie_render() and imgcolor_pie_svg(). The raster is
 * kept small so each input is quick; sizes outside the accepted range are tried too,
 * and must be refused before anything is allocated for them. */
#include <math.h>
#include <string.h>

#include <imgcolor.h>

#include "fuzz.h"
#include "fuzz_bytes.h"

static uint32_t side(uint8_t sel, int special)
{
    static const uint32_t outside[4] = {0, 15, 8193, UINT32_MAX};
    return special ? outside[sel % 4] : 16u + sel;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, data + size};
    uint8_t count = byte(&r), flags = byte(&r), wsel = byte(&r), hsel = byte(&r);
    uint8_t angle_sel = byte(&r), font_sel = byte(&r);
    /* 0..255 wedges, or 256 and 257 (just over the limit). */
    size_t n = flags & 0x80 ? 256u + (count & 1u) : count;
    int custom_labels = (flags & 0x40) != 0;
    int bad_size = (flags & 0x30) == 0x30;

    imgcolor_pie_options *opt = NULL;
    if (imgcolor_pie_options_new(&opt) != IMGCOLOR_OK)
        return 0;
    uint32_t w = side(wsel, bad_size), h = side(hsel, bad_size);
    imgcolor_status st = imgcolor_pie_options_set_size(opt, w, h);
    FUZZ_CHECK((st == IMGCOLOR_OK) == (w >= 16 && w <= 8192 && h >= 16 && h <= 8192));
    if (st != IMGCOLOR_OK) {
        /* Refused, and left as it was; go on with a small raster rather than 480x360. */
        w = 64;
        h = 48;
        FUZZ_CHECK(imgcolor_pie_options_set_size(opt, w, h) == IMGCOLOR_OK);
    }

    static const double angles[8] = {0, 90, -720.5, 1e300, NAN, INFINITY, 359.999999, -1e-9};
    double angle = angle_sel < 8 ? angles[angle_sel] : angle_sel * 7.3;
    st = imgcolor_pie_options_set_start_angle(opt, angle);
    FUZZ_CHECK((st == IMGCOLOR_OK) == (isfinite(angle) != 0));
    static const double fonts[8] = {0, 4, 3.9, 512, 513, NAN, 10.4, 100};
    double font = fonts[font_sel % 8];
    st = imgcolor_pie_options_set_font_size(opt, font);
    FUZZ_CHECK((st == IMGCOLOR_OK) == (font == 0 || (font >= 4 && font <= 512)));
    FUZZ_CHECK(imgcolor_pie_options_set_clockwise(opt, flags & 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_pie_options_set_transparent(opt, flags & 2) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_pie_options_set_labels(opt, flags & 4) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_pie_options_set_percent(opt, flags & 8) == IMGCOLOR_OK);

    imgcolor_pie_wedge *wedges = calloc(n ? n : 1, sizeof *wedges);
    char *labels = calloc(n ? n : 1, 301);
    if (!wedges || !labels)
        goto done;
    int expect_ok = n >= 1 && n <= 256;
    double max_weight = 0;
    for (size_t i = 0; i < n; i++) {
        /* One statement per byte: the order of an initialiser list's reads is unspecified. */
        wedges[i].color.r = byte(&r);
        wedges[i].color.g = byte(&r);
        wedges[i].color.b = byte(&r);
        wedges[i].weight = weight(&r);
        if (!isfinite(wedges[i].weight) || wedges[i].weight < 0)
            expect_ok = 0;
        else if (wedges[i].weight > max_weight)
            max_weight = wedges[i].weight;
        if (custom_labels) {
            /* Up to 300 bytes of anything: over-long, control bytes, broken UTF-8. */
            size_t len = byte(&r) + (flags & 0x10 ? 45u : 0u);
            char *label = labels + 301 * i;
            for (size_t j = 0; j < len; j++)
                label[j] = (char)byte(&r);
            wedges[i].label = label;
        }
    }
    if (max_weight <= 0)
        expect_ok = 0;

    imgcolor_image *img = NULL;
    imgcolor_error err;
    imgcolor_status rst = imgcolor_pie_render(wedges, n, opt, &img, &err);
    char *svg = NULL;
    size_t svg_len = 0;
    imgcolor_error serr;
    imgcolor_status sst = imgcolor_pie_svg(wedges, n, opt, &svg, &svg_len, &serr);

    /* Both validate the same way; only the raster needs the font. */
    FUZZ_CHECK(rst == sst || rst == IMGCOLOR_E_FONT || rst == IMGCOLOR_E_NOMEM ||
               sst == IMGCOLOR_E_NOMEM);
    if (!custom_labels)
        FUZZ_CHECK((sst == IMGCOLOR_OK) == expect_ok);
    else if (!expect_ok)
        FUZZ_CHECK(sst != IMGCOLOR_OK);
    if (rst == IMGCOLOR_OK) {
        FUZZ_CHECK(img != NULL && img->rgba != NULL);
        FUZZ_CHECK(img->width == w && img->height == h);
        if (!(flags & 2))
            for (size_t i = 0; i < (size_t)w * h; i++)
                FUZZ_CHECK(img->rgba[4 * i + 3] == 255);
    } else {
        FUZZ_CHECK(img == NULL && err.status == rst && err.message[0] != '\0');
    }
    if (sst == IMGCOLOR_OK) {
        FUZZ_CHECK(svg != NULL && strlen(svg) == svg_len);
        FUZZ_CHECK(strncmp(svg, "<?xml", 5) == 0);
        FUZZ_CHECK(svg_len >= 7 && strcmp(svg + svg_len - 7, "</svg>\n") == 0);
        /* Every number in the document came from finite arithmetic: printf spells the
         * others "nan" and "inf" (the one "nan" allowed is in "dominant-baseline").
         * Labels are the only free text, so the check holds without them. */
        if (!custom_labels)
            FUZZ_CHECK(occurrences(svg, "nan") == occurrences(svg, "dominant") &&
                       occurrences(svg, "inf") == 0);
        /* Label text is escaped: no markup comes from the input. */
        if (custom_labels) {
            size_t opens = 0;
            for (const char *p = svg; *p; p++)
                opens += *p == '<';
            size_t texts = 0;
            for (const char *p = svg; (p = strstr(p, "<text ")) != NULL; p++)
                texts++;
            /* xml declaration, svg, rect, g, paths, g, text group, texts, closers. */
            FUZZ_CHECK(opens <= 8 + 2 * n + 2 * texts + 2);
        }
    } else {
        FUZZ_CHECK(svg == NULL && serr.status == sst && serr.message[0] != '\0');
    }
    imgcolor_image_free(img);
    imgcolor_free(svg);
done:
    free(wedges);
    free(labels);
    imgcolor_pie_options_free(opt);
    return 0;
}
