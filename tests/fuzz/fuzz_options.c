/* fuzz_options.c: the parsers of the option strings the server takes from requests,
 * region ("x,y,w,h") and background ("keep", "exclude", "#rrggbb"), on arbitrary text.
 * The first byte picks the parser; the rest, at its exact length and without a
 * terminating NUL, is the text. A region parsed must print and parse back the same, be
 * accepted by the setter, and count only pixels inside a small image, or fail with a
 * message. */
#include <stdio.h>
#include <string.h>

#include <imgcolor.h>

#include "fuzz.h"

/* The region on a w x h image: its pixels counted, inside the image, or E_RANGE. */
static void check_clip(imgcolor_options *opt, uint32_t w, uint32_t h)
{
    static const uint8_t rgb[40 * 30 * 3];
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_prominent_pixels(rgb, w, h, (size_t)w * 3,
                                                   IMGCOLOR_PIXEL_RGB8, opt, &res, &err);
    if (st != IMGCOLOR_OK) {
        FUZZ_CHECK(st == IMGCOLOR_E_RANGE && err.status == st && err.message[0] && !res);
        return;
    }
    const imgcolor_region *r = imgcolor_result_region(res);
    FUZZ_CHECK(r && r->w > 0 && r->h > 0 && r->x < w && r->y < h);
    FUZZ_CHECK(r->w <= w - r->x && r->h <= h - r->y);
    FUZZ_CHECK(imgcolor_result_pixels(res) == (uint64_t)r->w * r->h);
    imgcolor_result_free(res);
}

static void fuzz_region(const char *text, size_t len)
{
    imgcolor_region_spec spec;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_region_parse(text, len, &spec, &err);
    if (st != IMGCOLOR_OK) {
        FUZZ_CHECK(st == IMGCOLOR_E_PARSE || st == IMGCOLOR_E_RANGE);
        FUZZ_CHECK(err.status == st && err.message[0]);
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        return;
    }
    char again[128];
    int n = 0;
    for (int i = 0; i < 4; i++)
        n += snprintf(again + n, sizeof again - (size_t)n, spec.percent[i] ? "%s%.6f%%" : "%s%.0f",
                      i ? "," : "", spec.value[i]);
    imgcolor_region_spec back;
    FUZZ_CHECK(imgcolor_region_parse(again, (size_t)n, &back, NULL) == IMGCOLOR_OK);
    FUZZ_CHECK(memcmp(back.value, spec.value, sizeof spec.value) == 0);
    FUZZ_CHECK(memcmp(back.percent, spec.percent, sizeof spec.percent) == 0);
    imgcolor_options *opt = NULL;
    FUZZ_CHECK(imgcolor_options_new(&opt) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_region(opt, &spec) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_k(opt, 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_n_init(opt, 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_threads(opt, 1) == IMGCOLOR_OK);
    static const uint32_t sizes[][2] = {{1, 1}, {3, 7}, {40, 30}};
    for (size_t i = 0; i < 3; i++)
        check_clip(opt, sizes[i][0], sizes[i][1]);
    imgcolor_options_free(opt);
}

static void fuzz_background(const char *text, size_t len)
{
    imgcolor_background_mode mode = (imgcolor_background_mode)7;
    imgcolor_rgb rgb;
    imgcolor_status st = imgcolor_background_parse(text, len, &mode, &rgb);
    if (st != IMGCOLOR_OK) {
        FUZZ_CHECK(st == IMGCOLOR_E_PARSE);
        return;
    }
    if (mode == IMGCOLOR_BACKGROUND_COLOR) {
        imgcolor_rgb hex;
        FUZZ_CHECK(imgcolor_hex_parse(text, len, &hex) == IMGCOLOR_OK);
        FUZZ_CHECK(hex.r == rgb.r && hex.g == rgb.g && hex.b == rgb.b);
    } else {
        FUZZ_CHECK(mode == IMGCOLOR_BACKGROUND_KEEP || mode == IMGCOLOR_BACKGROUND_EXCLUDE);
        FUZZ_CHECK(len == (mode == IMGCOLOR_BACKGROUND_KEEP ? 4u : 7u));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *text = malloc(len ? len : 1); /* exactly len bytes: a read past them is caught */
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    if (data[0] & 1)
        fuzz_background(text, len);
    else
        fuzz_region(text, len);
    free(text);
    return 0;
}
