/* fuzz_swatch.c: swatch-strip parameters from arbitrary bytes (colour count, weights
 * including NaN, infinities, negatives, denormals and huge values, colours, a
 * background or none, size, labels) through imgcolor_swatch_render() and
 * imgcolor_swatch_svg(). Sizes outside the accepted range are tried too, and must be
 * refused by the setter; accepted strips are kept small so each input is quick. */
#include <string.h>

#include <imgcolor.h>

#include "fuzz.h"
#include "fuzz_bytes.h"

static uint32_t side(uint8_t sel, int special, uint32_t min)
{
    static const uint32_t outside[4] = {0, 15, 8193, UINT32_MAX};
    return special ? outside[sel % 4] : min + sel;
}

/* The strip's pixels: opaque but for the gap before the background's tile. */
static void check_raster(const imgcolor_image *img, uint32_t w, uint32_t h, int background)
{
    FUZZ_CHECK(img != NULL && img->rgba != NULL && img->width == w && img->height == h);
    uint32_t tile = w / 5, gap = w / 100 > 2 ? w / 100 : 2;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            int in_gap = background && x >= w - tile - gap && x < w - tile;
            FUZZ_CHECK(img->rgba[4 * ((size_t)y * w + x) + 3] == (in_gap ? 0 : 255));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, data + size};
    uint8_t count = byte(&r), flags = byte(&r), wsel = byte(&r), hsel = byte(&r);
    /* 0..255 colours, or 256 and 257 (just over the limit). */
    size_t n = flags & 0x80 ? 256u + (count & 1u) : count;
    int background = (flags & 0x40) != 0, bad_size = (flags & 0x30) == 0x30;

    imgcolor_swatch_options *opt = NULL;
    imgcolor_swatch_color *colors = NULL;
    if (imgcolor_swatch_options_new(&opt) != IMGCOLOR_OK)
        return 0;
    uint32_t w = side(wsel, bad_size, 32), h = side(hsel, bad_size, 16);
    imgcolor_status st = imgcolor_swatch_options_set_size(opt, w, h);
    FUZZ_CHECK((st == IMGCOLOR_OK) == (w >= 32 && w <= 8192 && h >= 16 && h <= 4096));
    if (st != IMGCOLOR_OK) {
        w = 64;
        h = 24;
        FUZZ_CHECK(imgcolor_swatch_options_set_size(opt, w, h) == IMGCOLOR_OK);
    }
    FUZZ_CHECK(imgcolor_swatch_options_set_labels(opt, flags & 1) == IMGCOLOR_OK);

    colors = calloc(n ? n : 1, sizeof *colors);
    if (!colors)
        goto done;
    int expect_ok = n >= 1 && n <= 256;
    double max_weight = 0;
    for (size_t i = 0; i < n; i++) {
        /* One statement per byte: the order of an initialiser list's reads is unspecified. */
        colors[i].color.r = byte(&r);
        colors[i].color.g = byte(&r);
        colors[i].color.b = byte(&r);
        colors[i].weight = weight(&r);
        if (!isfinite(colors[i].weight) || colors[i].weight < 0)
            expect_ok = 0;
        else if (colors[i].weight > max_weight)
            max_weight = colors[i].weight;
    }
    if (max_weight <= 0)
        expect_ok = 0;
    imgcolor_background bg = {{byte(&r), 0, 0}, "", 0, 0.0};
    bg.rgb.g = byte(&r);
    bg.rgb.b = byte(&r);
    imgcolor_rgb_to_hex(bg.rgb, bg.hex);

    imgcolor_image *img = NULL;
    imgcolor_error err, serr;
    imgcolor_status rst =
        imgcolor_swatch_render(colors, n, background ? &bg : NULL, opt, &img, &err);
    char *svg = NULL;
    size_t svg_len = 0;
    imgcolor_status sst =
        imgcolor_swatch_svg(colors, n, background ? &bg : NULL, opt, &svg, &svg_len, &serr);
    /* Both validate the same way; only the raster needs the font. */
    FUZZ_CHECK(rst == sst || rst == IMGCOLOR_E_FONT || rst == IMGCOLOR_E_NOMEM ||
               sst == IMGCOLOR_E_NOMEM);
    FUZZ_CHECK((sst == IMGCOLOR_OK) == expect_ok || sst == IMGCOLOR_E_NOMEM);
    if (rst == IMGCOLOR_OK)
        check_raster(img, w, h, background);
    else
        FUZZ_CHECK(img == NULL && err.status == rst && err.message[0] != '\0');
    if (sst == IMGCOLOR_OK) {
        FUZZ_CHECK(svg != NULL && strlen(svg) == svg_len);
        FUZZ_CHECK(strncmp(svg, "<?xml", 5) == 0);
        FUZZ_CHECK(svg_len >= 7 && strcmp(svg + svg_len - 7, "</svg>\n") == 0);
        /* Every number came from finite arithmetic: printf spells the others "nan" and
         * "inf" (the one "nan" allowed is in "dominant-baseline"). */
        FUZZ_CHECK(occurrences(svg, "nan") == occurrences(svg, "dominant") &&
                   occurrences(svg, "inf") == 0);
    } else {
        FUZZ_CHECK(svg == NULL && serr.status == sst && serr.message[0] != '\0');
    }
    imgcolor_image_free(img);
    imgcolor_free(svg);
done:
    free(colors);
    imgcolor_swatch_options_free(opt);
    return 0;
}
