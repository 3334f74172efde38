/* test_encode_png.c: PNG encoding round trips through the library's own decoder, for
 * opaque and translucent rasters of awkward sizes, and the encoder's argument checks. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint8_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 24);
}

/* kind 0: random opaque; 1: random with any alpha; 2: flat blocks with an alpha ramp. */
static imgcolor_image make_image(uint32_t w, uint32_t h, int kind)
{
    imgcolor_image img = {.width = w, .height = h, .rgba = malloc((size_t)w * h * 4)};
    assert_non_null(img.rgba);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        uint8_t *p = img.rgba + 4 * i;
        if (kind == 2) {
            size_t x = i % w, y = i / w;
            p[0] = (uint8_t)(x / 16 * 40);
            p[1] = (uint8_t)(y / 16 * 40);
            p[2] = 99;
            p[3] = (uint8_t)(x * 255 / (w > 1 ? w - 1 : 1));
        } else {
            p[0] = rnd();
            p[1] = rnd();
            p[2] = rnd();
            p[3] = kind == 0 ? 255 : rnd();
        }
    }
    return img;
}

static void round_trip(uint32_t w, uint32_t h, int kind)
{
    imgcolor_image img = make_image(w, h, kind);
    void *png = NULL;
    size_t len = 0;
    imgcolor_error err = {0};
    if (imgcolor_png_encode(&img, &png, &len, &err) != IMGCOLOR_OK)
        fail_msg("encode %ux%u: %s", w, h, err.message);
    assert_true(len > 8);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    imgcolor_image *back = NULL;
    if (imgcolor_decode(png, len, NULL, &back, &err) != IMGCOLOR_OK)
        fail_msg("decode %ux%u: %s", w, h, err.message);
    assert_int_equal(back->width, w);
    assert_int_equal(back->height, h);
    if (kind == 1) {
        /* Fully transparent pixels may come back with any colour. */
        for (size_t i = 0; i < (size_t)w * h; i++) {
            assert_int_equal(back->rgba[4 * i + 3], img.rgba[4 * i + 3]);
            if (img.rgba[4 * i + 3])
                assert_memory_equal(back->rgba + 4 * i, img.rgba + 4 * i, 3);
        }
    } else {
        assert_memory_equal(back->rgba, img.rgba, (size_t)w * h * 4);
    }
    imgcolor_image_free(back);
    imgcolor_free(png);
    free(img.rgba);
}

static void test_round_trip(void **state)
{
    (void)state;
    const uint32_t sizes[][2] = {{1, 1}, {1, 300}, {300, 1}, {480, 360}, {17, 3}, {1023, 65}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int kind = 0; kind < 3; kind++)
            round_trip(sizes[i][0], sizes[i][1], kind);
}

static void test_pie_round_trip(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[3] = {
        {{255, 0, 0}, 1, NULL}, {{0, 255, 0}, 2, NULL}, {{0, 0, 255}, 3, NULL}};
    imgcolor_pie_options *opt = NULL;
    assert_int_equal(imgcolor_pie_options_new(&opt), IMGCOLOR_OK);
    for (int transparent = 0; transparent < 2; transparent++) {
        assert_int_equal(imgcolor_pie_options_set_transparent(opt, transparent), IMGCOLOR_OK);
        imgcolor_image *img = NULL, *back = NULL;
        assert_int_equal(imgcolor_pie_render(w, 3, opt, &img, NULL), IMGCOLOR_OK);
        void *png = NULL;
        size_t len = 0;
        assert_int_equal(imgcolor_png_encode(img, &png, &len, NULL), IMGCOLOR_OK);
        assert_true(len < 100000); /* flat colour compresses */
        assert_int_equal(imgcolor_decode(png, len, NULL, &back, NULL), IMGCOLOR_OK);
        for (size_t i = 0; i < (size_t)img->width * img->height; i++)
            if (img->rgba[4 * i + 3])
                assert_memory_equal(back->rgba + 4 * i, img->rgba + 4 * i, 4);
        imgcolor_image_free(img);
        imgcolor_image_free(back);
        imgcolor_free(png);
    }
    imgcolor_pie_options_free(opt);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t px[4] = {1, 2, 3, 4};
    imgcolor_image img = {.width = 1, .height = 1, .rgba = px};
    void *png = (void *)1;
    size_t len = 1;
    imgcolor_error err = {0};
    assert_int_equal(imgcolor_png_encode(NULL, &png, &len, &err), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_png_encode(&img, NULL, &len, &err), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_png_encode(&img, &png, NULL, &err), IMGCOLOR_E_INVALID);
    imgcolor_image no_pixels = {.width = 1, .height = 1, .rgba = NULL};
    assert_int_equal(imgcolor_png_encode(&no_pixels, &png, &len, &err), IMGCOLOR_E_INVALID);
    imgcolor_image empty = {.width = 0, .height = 5, .rgba = px};
    assert_int_equal(imgcolor_png_encode(&empty, &png, &len, &err), IMGCOLOR_E_RANGE);
    assert_null(png);
    assert_int_equal(len, 0);
    assert_int_equal(err.status, IMGCOLOR_E_RANGE);
    imgcolor_image huge = {.width = 0x80000000u, .height = 1, .rgba = px};
    assert_int_equal(imgcolor_png_encode(&huge, &png, &len, NULL), IMGCOLOR_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_pie_round_trip),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
