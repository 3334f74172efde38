/* test_map.c: the label map: every pixel one of the result's colours, each colour on as
 * many pixels as its cluster counts, synthetic images painted exactly, the scaling by
 * nearest neighbour, transparency, fast mode and the limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "imgcolor.h"

static imgcolor_options *options(int k)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    return opt;
}

static void *encode_png(const uint8_t *rgba, uint32_t w, uint32_t h, size_t *size)
{
    imgcolor_image img = {.width = w, .height = h, .rgba = (uint8_t *)rgba};
    void *png = NULL;
    assert_int_equal(imgcolor_png_encode(&img, &png, size, NULL), IMGCOLOR_OK);
    return png;
}

/* Column x of a w x h image in colour a when pick(x) else b. */
static uint8_t *columns(uint32_t w, uint32_t h, int (*pick)(uint32_t, uint32_t),
                        const uint8_t a[4], const uint8_t b[4])
{
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            memcpy(px + ((size_t)y * w + x) * 4, pick(x, w) ? a : b, 4);
    return px;
}

static int left_half(uint32_t x, uint32_t w)
{
    return x < w / 2;
}

static int odd(uint32_t x, uint32_t w)
{
    (void)w;
    return x & 1;
}

static const uint8_t red[4] = {255, 0, 0, 255}, blue[4] = {0, 0, 255, 255};

static void expect_pixel(const imgcolor_image *img, uint32_t x, uint32_t y, const uint8_t c[4])
{
    assert_memory_equal(img->rgba + ((size_t)y * img->width + x) * 4, c, 4);
}

/* Each pixel of the map is one of the result's colours, and each colour covers exactly
 * its cluster's count. */
static void expect_counts(const imgcolor_image *map, const imgcolor_result *res)
{
    size_t n = imgcolor_result_count(res);
    uint64_t seen[IMGCOLOR_K_MAX] = {0};
    for (size_t i = 0; i < (size_t)map->width * map->height; i++) {
        const uint8_t *p = map->rgba + 4 * i;
        size_t j = 0;
        while (j < n && memcmp(&imgcolor_result_color(res, j)->rgb, p, 3) != 0)
            j++;
        if (j == n || p[3] != 255)
            fail_msg("pixel %zu is %d,%d,%d,%d, no colour of the result", i, p[0], p[1], p[2],
                     p[3]);
        seen[j]++;
    }
    for (size_t j = 0; j < n; j++)
        assert_int_equal(seen[j], imgcolor_result_color(res, j)->count);
}

static void check_photo(const char *name, imgcolor_space space)
{
    char path[512];
    snprintf(path, sizeof path, IMGCOLOR_TEST_DATA "/photos/%s", name);
    size_t size;
    uint8_t *data = test_read_file(path, &size);
    imgcolor_options *opt = options(6);
    assert_int_equal(imgcolor_options_set_space(opt, space), IMGCOLOR_OK);
    imgcolor_image *map = NULL;
    imgcolor_result *res = NULL, *plain = NULL;
    assert_int_equal(imgcolor_label_map(data, size, opt, 0, &map, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, imgcolor_result_width(res));
    assert_int_equal(map->height, imgcolor_result_height(res));
    /* The colours with distinct rgb: the counts say which pixels went where. */
    expect_counts(map, res);
    /* The result is imgcolor_prominent()'s. */
    assert_int_equal(imgcolor_prominent(data, size, opt, &plain, NULL), IMGCOLOR_OK);
    char *a = NULL, *b = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &a), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_to_json(plain, NULL, &b), IMGCOLOR_OK);
    assert_string_equal(a, b);
    imgcolor_free(a);
    imgcolor_free(b);
    imgcolor_result_free(plain);
    imgcolor_result_free(res);
    imgcolor_image_free(map);
    imgcolor_options_free(opt);
    free(data);
}

static void test_photos(void **state)
{
    (void)state;
    check_photo("chelsea.png", IMGCOLOR_SPACE_RGB);
    check_photo("coffee.png", IMGCOLOR_SPACE_OKLAB);
    check_photo("rocket.jpg", IMGCOLOR_SPACE_RGB); /* Adobe RGB, converted */
    check_photo("rocket.jpg", IMGCOLOR_SPACE_LAB);
}

static void test_halves(void **state)
{
    (void)state;
    uint8_t *px = columns(40, 20, left_half, red, blue);
    size_t size;
    void *png = encode_png(px, 40, 20, &size);
    imgcolor_options *opt = options(2);
    imgcolor_image *map = NULL;
    assert_int_equal(imgcolor_label_map(png, size, opt, 0, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, 40);
    assert_int_equal(map->height, 20);
    assert_memory_equal(map->rgba, px, 40 * 20 * 4);
    imgcolor_image_free(map);
    /* Scaled down: the longer side 10, the other 5. */
    assert_int_equal(imgcolor_label_map(png, size, opt, 10, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, 10);
    assert_int_equal(map->height, 5);
    for (uint32_t y = 0; y < 5; y++)
        for (uint32_t x = 0; x < 10; x++)
            expect_pixel(map, x, y, x < 5 ? red : blue);
    imgcolor_image_free(map);
    /* A side already within the limit is left as it is. */
    assert_int_equal(imgcolor_label_map(png, size, opt, 40, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, 40);
    imgcolor_image_free(map);
    free(png);
    free(px);
    imgcolor_options_free(opt);
}

/* Nearest neighbour: map pixel x of 10 over 100 columns takes column 10x + 5, odd. */
static void test_nearest(void **state)
{
    (void)state;
    uint8_t *px = columns(100, 30, odd, red, blue);
    size_t size;
    void *png = encode_png(px, 100, 30, &size);
    imgcolor_options *opt = options(2);
    imgcolor_image *map = NULL;
    assert_int_equal(imgcolor_label_map(png, size, opt, 10, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, 10);
    assert_int_equal(map->height, 3);
    for (uint32_t y = 0; y < 3; y++)
        for (uint32_t x = 0; x < 10; x++)
            expect_pixel(map, x, y, red);
    imgcolor_image_free(map);
    /* A side that would round to nothing is one pixel. */
    assert_int_equal(imgcolor_label_map(png, size, opt, 1, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(map->width, 1);
    assert_int_equal(map->height, 1);
    imgcolor_image_free(map);
    free(png);
    free(px);
    imgcolor_options_free(opt);
}

static void test_transparent(void **state)
{
    (void)state;
    static const uint8_t clear[4] = {10, 20, 30, 0}, none[4] = {0, 0, 0, 0};
    uint8_t *px = columns(8, 4, left_half, red, clear);
    size_t size;
    void *png = encode_png(px, 8, 4, &size);
    imgcolor_options *opt = options(3);
    imgcolor_image *map = NULL;
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_label_map(png, size, opt, 0, &map, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 1);
    for (uint32_t x = 0; x < 8; x++)
        expect_pixel(map, x, 2, x < 4 ? red : none);
    imgcolor_result_free(res);
    imgcolor_image_free(map);
    free(png);
    free(px);
    imgcolor_options_free(opt);
}

/* Fast mode: counted on a sample, every pixel painted, each in a colour of the result. */
static void test_fast(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/photos/astronaut.png", &size);
    imgcolor_options *opt = options(5);
    assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 4096), IMGCOLOR_OK);
    imgcolor_image *map = NULL;
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_label_map(data, size, opt, 0, &map, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_sampled(res), 1);
    assert_int_equal(map->width, imgcolor_result_width(res));
    size_t n = imgcolor_result_count(res);
    for (size_t i = 0; i < (size_t)map->width * map->height; i++) {
        size_t j = 0;
        while (j < n && memcmp(&imgcolor_result_color(res, j)->rgb, map->rgba + 4 * i, 3) != 0)
            j++;
        assert_true(j < n);
    }
    imgcolor_result_free(res);
    imgcolor_image_free(map);
    imgcolor_options_free(opt);
    free(data);
}

static void test_errors(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/photos/chelsea.png", &size);
    imgcolor_options *opt = options(3);
    imgcolor_image *map = (imgcolor_image *)1;
    imgcolor_result *res = (imgcolor_result *)1;
    imgcolor_error err;
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1000), IMGCOLOR_OK);
    assert_int_equal(imgcolor_label_map(data, size, opt, 0, &map, &res, &err),
                     IMGCOLOR_E_TOO_LARGE);
    assert_null(map);
    assert_null(res);
    assert_int_equal(imgcolor_label_map(data, 100, NULL, 0, &map, NULL, &err), IMGCOLOR_E_DECODE);
    assert_null(map);
    assert_int_equal(imgcolor_label_map(data, size, NULL, 0, NULL, NULL, &err),
                     IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_label_map(NULL, 5, NULL, 0, &map, NULL, &err), IMGCOLOR_E_INVALID);
    imgcolor_options_free(opt);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_photos),     cmocka_unit_test(test_halves),
        cmocka_unit_test(test_nearest),    cmocka_unit_test(test_transparent),
        cmocka_unit_test(test_fast),       cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
