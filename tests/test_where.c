/* test_where.c: where each colour is: positions, boxes and spread on images made here
 * against their analytic values, and on the sample photos the second pass's per-cluster
 * pixels against the result's counts, in every space, colour-managed, sampled, and for
 * the frames of an animation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "imgcolor.h"

#if IMGCOLOR_WITH_GIF
#include <gif_lib.h>
#endif

static imgcolor_options *where_options(int k)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_where(opt, 1), IMGCOLOR_OK);
    return opt;
}

/* An RGBA image: left half red, right half blue. */
static uint8_t *halves(uint32_t w, uint32_t h)
{
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            int left = x < w / 2;
            p[0] = left ? 255 : 0;
            p[1] = 0;
            p[2] = left ? 0 : 255;
            p[3] = 255;
        }
    return px;
}

static void *encode_png(const uint8_t *rgba, uint32_t w, uint32_t h, size_t *size)
{
    imgcolor_image img = {.width = w, .height = h, .rgba = (uint8_t *)rgba};
    void *png = NULL;
    assert_int_equal(imgcolor_png_encode(&img, &png, size, NULL), IMGCOLOR_OK);
    return png;
}

static const imgcolor_cluster *find(const imgcolor_result *res, uint8_t r, uint8_t g, uint8_t b)
{
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        if (c->rgb.r == r && c->rgb.g == g && c->rgb.b == b)
            return c;
    }
    fail_msg("colour %d,%d,%d not found", r, g, b);
    return NULL;
}

/* The RMS distance from the centre of a w x h block of pixel centres: each axis is a
 * discrete uniform of n values one apart, variance (n^2 - 1) / 12. */
static double block_rms(double w, double h)
{
    return sqrt((w * w - 1) / 12 + (h * h - 1) / 12);
}

static void expect_place(const imgcolor_cluster *c, double x, double y, uint32_t x0,
                         uint32_t y0, uint32_t x1, uint32_t y1, double spread)
{
    assert_int_equal(c->has_where, 1);
    assert_true(fabs(c->where.x - x) < 1e-12);
    assert_true(fabs(c->where.y - y) < 1e-12);
    assert_int_equal(c->where.box[0], x0);
    assert_int_equal(c->where.box[1], y0);
    assert_int_equal(c->where.box[2], x1);
    assert_int_equal(c->where.box[3], y1);
    assert_true(fabs(c->where.spread - spread) < 1e-12);
    assert_int_equal(c->where.pixels, c->count);
}

/* Halves of 40 x 20, as an encoded PNG and as raw RGB pixels. */
static void test_halves(void **state)
{
    (void)state;
    const uint32_t w = 40, h = 20;
    uint8_t *px = halves(w, h);
    size_t size;
    void *png = encode_png(px, w, h, &size);
    imgcolor_options *opt = where_options(2);
    double spread = block_rms(20, 20) / hypot(40, 20);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(png, size, opt, &res, NULL), IMGCOLOR_OK);
    expect_place(find(res, 255, 0, 0), 0.25, 0.5, 0, 0, 20, 20, spread);
    expect_place(find(res, 0, 0, 255), 0.75, 0.5, 20, 0, 40, 20, spread);
    imgcolor_result_free(res);
    /* Raw RGB: the same positions. */
    uint8_t *rgb = malloc((size_t)w * h * 3);
    assert_non_null(rgb);
    for (size_t i = 0; i < (size_t)w * h; i++)
        memcpy(rgb + 3 * i, px + 4 * i, 3);
    assert_int_equal(imgcolor_prominent_pixels(rgb, w, h, (size_t)w * 3, IMGCOLOR_PIXEL_RGB8,
                                               opt, &res, NULL),
                     IMGCOLOR_OK);
    expect_place(find(res, 255, 0, 0), 0.25, 0.5, 0, 0, 20, 20, spread);
    expect_place(find(res, 0, 0, 255), 0.75, 0.5, 20, 0, 40, 20, spread);
    imgcolor_result_free(res);
    free(rgb);
    free(png);
    free(px);
    imgcolor_options_free(opt);
}

/* A single pixel of green in a grey image, and transparent pixels left out of the box. */
static void test_pixel_and_transparency(void **state)
{
    (void)state;
    const uint32_t w = 9, h = 7;
    uint8_t *px = calloc((size_t)w * h, 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            /* Grey in columns 2..5 of rows 1..4; the rest transparent. */
            if (x >= 2 && x < 6 && y >= 1 && y < 5)
                memcpy(p, (uint8_t[]){128, 128, 128, 255}, 4);
        }
    memcpy(px + ((size_t)3 * w + 4) * 4, (uint8_t[]){0, 200, 0, 255}, 4);
    size_t size;
    void *png = encode_png(px, w, h, &size);
    imgcolor_options *opt = where_options(2);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(png, size, opt, &res, NULL), IMGCOLOR_OK);
    const imgcolor_cluster *g = find(res, 0, 200, 0);
    expect_place(g, 4.5 / 9, 3.5 / 7, 4, 3, 5, 4, 0);
    const imgcolor_cluster *grey = find(res, 128, 128, 128);
    assert_int_equal(grey->count, 15);
    /* 15 of the 4 x 4 block, centre (4, 3) less the green pixel's share. */
    double sx = 0, sy = 0, sq = 0;
    for (int y = 1; y < 5; y++)
        for (int x = 2; x < 6; x++)
            if (!(x == 4 && y == 3)) {
                sx += x + 0.5;
                sy += y + 0.5;
            }
    double cx = sx / 15, cy = sy / 15;
    for (int y = 1; y < 5; y++)
        for (int x = 2; x < 6; x++)
            if (!(x == 4 && y == 3))
                sq += (x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy);
    expect_place(grey, cx / 9, cy / 7, 2, 1, 6, 5, sqrt(sq / 15) / hypot(9, 7));
    imgcolor_result_free(res);
    free(png);
    free(px);
    imgcolor_options_free(opt);
}

/* The second pass agrees with the first: per cluster, the pixels placed are the pixels
 * counted, on every photo, in each space. rocket.jpg carries an Adobe RGB profile. */
static void check_counts(const char *name, imgcolor_space space, int managed)
{
    char path[512];
    snprintf(path, sizeof path, IMGCOLOR_TEST_DATA "/photos/%s", name);
    imgcolor_options *opt = where_options(6);
    assert_int_equal(imgcolor_options_set_space(opt, space), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_color_management(opt, managed), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    imgcolor_status st = imgcolor_prominent_file(path, opt, &res, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("%s: %s", name, err.message);
    if (managed && strcmp(name, "rocket.jpg") == 0)
        assert_non_null(imgcolor_result_profile(res));
    uint64_t sum = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        assert_int_equal(c->has_where, 1);
        assert_int_equal(c->where.pixels, c->count);
        assert_true(c->where.x > 0 && c->where.x < 1 && c->where.y > 0 && c->where.y < 1);
        assert_true(c->where.box[0] < c->where.box[2]);
        assert_true(c->where.box[2] <= imgcolor_result_width(res));
        assert_true(c->where.box[3] <= imgcolor_result_height(res));
        assert_true(c->where.spread > 0 && c->where.spread < 1);
        sum += c->where.pixels;
    }
    assert_int_equal(sum, imgcolor_result_pixels(res));
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

static const char *const photos[] = {"astronaut.png", "chelsea.png", "coffee.png",
                                     "hubble_deep_field.jpg", "retina.jpg", "rocket.jpg"};

static void test_counts_rgb(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof photos / sizeof photos[0]; i++)
        check_counts(photos[i], IMGCOLOR_SPACE_RGB, 1);
}

static void test_counts_oklab(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof photos / sizeof photos[0]; i++)
        check_counts(photos[i], IMGCOLOR_SPACE_OKLAB, 1);
    check_counts("rocket.jpg", IMGCOLOR_SPACE_LAB, 1);
    check_counts("rocket.jpg", IMGCOLOR_SPACE_RGB, 0);
}

/* Without the option, or with it, the colours are the same; only where is added. */
static void test_default_unchanged(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/photos/chelsea.png", &size);
    imgcolor_options *opt = where_options(5);
    imgcolor_result *with = NULL, *without = NULL;
    assert_int_equal(imgcolor_prominent(data, size, opt, &with, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_where(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent(data, size, opt, &without, NULL), IMGCOLOR_OK);
    char *a = NULL, *b = NULL;
    assert_int_equal(imgcolor_result_to_json(with, NULL, &a), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_to_json(without, NULL, &b), IMGCOLOR_OK);
    assert_null(strstr(b, "\"where\""));
    assert_non_null(strstr(a, "\"where\":{\"x\":"));
    assert_int_equal(imgcolor_result_count(with), imgcolor_result_count(without));
    for (size_t i = 0; i < imgcolor_result_count(with); i++) {
        assert_int_equal(imgcolor_result_color(without, i)->has_where, 0);
        assert_int_equal(imgcolor_result_color(with, i)->count,
                         imgcolor_result_color(without, i)->count);
    }
    imgcolor_free(a);
    imgcolor_free(b);
    imgcolor_result_free(with);
    imgcolor_result_free(without);
    free(data);
    imgcolor_options_free(opt);
}

/* An image wider than 2^20 pixels, whose sums take the 128-bit path: the same answer. */
static void test_wide(void **state)
{
    (void)state;
    const uint32_t w = (1u << 20) + 2, h = 2;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    assert_non_null(rgb);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        int left = i % w < w / 2;
        rgb[3 * i] = left ? 255 : 0;
        rgb[3 * i + 1] = 0;
        rgb[3 * i + 2] = left ? 0 : 255;
    }
    imgcolor_options *opt = where_options(2);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(rgb, w, h, (size_t)w * 3, IMGCOLOR_PIXEL_RGB8,
                                               opt, &res, NULL),
                     IMGCOLOR_OK);
    double spread = block_rms(w / 2, 2) / hypot(w, 2);
    expect_place(find(res, 255, 0, 0), 0.25, 0.5, 0, 0, w / 2, 2, spread);
    expect_place(find(res, 0, 0, 255), 0.75, 0.5, w / 2, 0, w, 2, spread);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(rgb);
}

static void test_setter(void **state)
{
    (void)state;
    imgcolor_options *opt = where_options(2);
    assert_int_equal(imgcolor_options_get_where(opt), 1);
    assert_int_equal(imgcolor_options_set_where(opt, 2), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_where(opt, -1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_get_where(opt), 1);
    assert_int_equal(imgcolor_options_set_where(NULL, 1), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_options_get_where(NULL), 0);
    uint64_t lo, hi;
    assert_int_equal(imgcolor_options_range("where", &lo, &hi), IMGCOLOR_OK);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 1);
    imgcolor_options_free(opt);
}

/* Where, and the label map, on a selection of the pixels: a region (positions within
 * it) and a background left out (its pixels neither placed nor painted). A background
 * needs min_alpha >= 1 for them, and the label map the fast mode off, or E_INVALID. */
static void test_selection(void **state)
{
    (void)state;
    size_t size;
    uint8_t *jpeg = test_read_file(IMGCOLOR_TEST_DATA "/photos/retina.jpg", &size);
    imgcolor_region_spec region;
    assert_int_equal(imgcolor_region_parse("25%,25%,50%,50%", 15, &region, NULL), IMGCOLOR_OK);
    for (int selection = 0; selection < 2; selection++) {
        imgcolor_options *opt = where_options(4);
        imgcolor_rgb none = {0, 0, 0};
        if (selection)
            assert_int_equal(imgcolor_options_set_region(opt, &region), IMGCOLOR_OK);
        else
            assert_int_equal(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_EXCLUDE,
                                                             none),
                             IMGCOLOR_OK);
        imgcolor_result *res = NULL;
        imgcolor_error err;
        assert_int_equal(imgcolor_prominent(jpeg, size, opt, &res, &err), IMGCOLOR_OK);
        uint64_t placed = 0;
        for (size_t i = 0; i < imgcolor_result_count(res); i++) {
            const imgcolor_cluster *c = imgcolor_result_color(res, i);
            assert_true(c->has_where);
            assert_int_equal(c->where.pixels, c->count);
            placed += c->where.pixels;
        }
        assert_int_equal(placed, imgcolor_result_pixels(res));
        const imgcolor_background *bg = imgcolor_result_background(res);
        if (selection) {
            assert_int_equal(imgcolor_result_pixels(res), 705 * 705);
        } else {
            assert_non_null(bg);
            assert_true(bg->count > 300000);
        }
        /* The label map: the background transparent, the region's size. */
        assert_int_equal(imgcolor_options_set_where(opt, 0), IMGCOLOR_OK);
        imgcolor_image *map = NULL;
        imgcolor_result *mres = NULL;
        assert_int_equal(imgcolor_label_map(jpeg, size, opt, 0, &map, &mres, &err), IMGCOLOR_OK);
        uint64_t clear = 0;
        for (size_t i = 0; i < (size_t)map->width * map->height; i++)
            clear += map->rgba[4 * i + 3] == 0;
        if (selection) {
            assert_int_equal(map->width, 705);
            assert_int_equal(map->height, 705);
            assert_int_equal(clear, 0);
        } else {
            assert_int_equal(clear, bg->count);
        }
        imgcolor_result_free(mres);
        imgcolor_image_free(map);
        if (!selection) {
            assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
            assert_int_equal(imgcolor_label_map(jpeg, size, opt, 0, &map, NULL, &err),
                             IMGCOLOR_E_INVALID);
            assert_non_null(strstr(err.message, "fast mode off"));
            assert_int_equal(imgcolor_options_set_fast(opt, 0), IMGCOLOR_OK);
            assert_int_equal(imgcolor_options_set_where(opt, 1), IMGCOLOR_OK);
            assert_int_equal(imgcolor_options_set_min_alpha(opt, 0), IMGCOLOR_OK);
            assert_int_equal(imgcolor_prominent(jpeg, size, opt, &mres, &err), IMGCOLOR_E_INVALID);
            assert_non_null(strstr(err.message, "min_alpha"));
        }
        imgcolor_result_free(res);
        imgcolor_options_free(opt);
    }
    free(jpeg);
}

/* Fast mode: positions on the sample, in fractions and pixels of the full image; the
 * pixels placed are the sample's. A JPEG is sampled in bands of whole rows. */
static void test_fast(void **state)
{
    (void)state;
    const uint32_t w = 600, h = 400;
    uint8_t *px = halves(w, h);
    imgcolor_options *opt = where_options(2);
    assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 2000), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(px, w, h, (size_t)w * 4, IMGCOLOR_PIXEL_RGBA8, opt,
                                               &res, NULL),
                     IMGCOLOR_OK);
    uint32_t step = imgcolor_result_sample_step(res);
    assert_true(step > 1);
    const imgcolor_cluster *red = find(res, 255, 0, 0), *blue = find(res, 0, 0, 255);
    assert_int_equal(red->where.pixels + blue->where.pixels, imgcolor_result_sample_pixels(res));
    /* Sampled columns 0, step, ...: red's last is the largest multiple below w / 2. */
    uint32_t last_red = (w / 2 - 1) / step * step;
    assert_int_equal(red->where.box[0], 0);
    assert_int_equal(red->where.box[2], last_red + 1);
    assert_int_equal(blue->where.box[0], last_red + step);
    assert_true(fabs(red->where.x - 0.25) < 0.01 && fabs(blue->where.x - 0.75) < 0.01);
    assert_true(fabs(red->where.y - 0.5) < 0.01);
    imgcolor_result_free(res);
    free(px);
    /* rocket.jpg in row bands: boxes and centres stay inside the full image, and the
     * rows placed are the image's own (a band's rows, not the kept rows renumbered). */
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 1024), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_file(IMGCOLOR_TEST_DATA "/photos/rocket.jpg", opt, &res,
                                             NULL),
                     IMGCOLOR_OK);
    assert_true(imgcolor_result_sample_band_step(res) > 1);
    uint32_t lowest = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        uint32_t y1 = imgcolor_result_color(res, i)->where.box[3];
        lowest = y1 > lowest ? y1 : lowest;
    }
    /* The lowest row placed is in a kept band, the last one of the image. */
    uint32_t rows = imgcolor_result_sample_band_rows(res);
    uint32_t every = imgcolor_result_sample_band_step(res);
    assert_int_equal((lowest - 1) / rows % every, 0);
    assert_true(lowest + rows * every > imgcolor_result_height(res));
    uint64_t sum = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_where *wh = &imgcolor_result_color(res, i)->where;
        assert_true(wh->box[2] <= imgcolor_result_width(res));
        assert_true(wh->box[3] <= imgcolor_result_height(res));
        assert_true(wh->x > 0 && wh->x < 1 && wh->y > 0 && wh->y < 1);
        sum += wh->pixels;
    }
    assert_int_equal(sum, imgcolor_result_sample_pixels(res));
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

#if IMGCOLOR_WITH_GIF
static int write_fn(GifFileType *gif, const GifByteType *data, int len)
{
    test_buf_append(gif->UserData, data, (size_t)len);
    return len;
}

/* Two 10 x 10 frames, the first of palette entry 0, the second of entry 1. */
static test_buffer two_frames(void)
{
    test_buffer b = {0};
    int error;
    GifFileType *gif = EGifOpen(&b, write_fn, &error);
    assert_non_null(gif);
    EGifSetGifVersion(gif, true);
    GifColorType colours[2] = {{255, 0, 0}, {0, 0, 255}};
    ColorMapObject *map = GifMakeMapObject(2, colours);
    assert_non_null(map);
    assert_int_equal(EGifPutScreenDesc(gif, 10, 10, 1, 0, map), GIF_OK);
    GifPixelType line[10];
    for (int f = 0; f < 2; f++) {
        GraphicsControlBlock gcb = {0, false, 10, -1};
        GifByteType ext[4];
        size_t len = EGifGCBToExtension(&gcb, ext);
        assert_int_equal(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, (int)len, ext), GIF_OK);
        assert_int_equal(EGifPutImageDesc(gif, 0, 0, 10, 10, false, NULL), GIF_OK);
        memset(line, f, sizeof line);
        for (int y = 0; y < 10; y++)
            assert_int_equal(EGifPutLine(gif, line, 10), GIF_OK);
    }
    assert_int_equal(EGifCloseFile(gif, &error), GIF_OK);
    GifFreeMapObject(map);
    return b;
}

/* The frames stacked top to bottom: the first frame's colour in the upper half. */
static void test_animation(void **state)
{
    (void)state;
    test_buffer gif = two_frames();
    imgcolor_options *opt = where_options(2);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(gif.data, gif.len, opt, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_height(res), 20);
    double spread = block_rms(10, 10) / hypot(10, 20);
    expect_place(find(res, 255, 0, 0), 0.5, 0.25, 0, 0, 10, 10, spread);
    expect_place(find(res, 0, 0, 255), 0.5, 0.75, 0, 10, 10, 20, spread);
    imgcolor_result_free(res);
    /* The first frame alone is the whole image. */
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent(gif.data, gif.len, opt, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 1);
    expect_place(find(res, 255, 0, 0), 0.5, 0.5, 0, 0, 10, 10, block_rms(10, 10) / hypot(10, 10));
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(gif.data);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halves),
        cmocka_unit_test(test_pixel_and_transparency),
        cmocka_unit_test(test_counts_rgb),
        cmocka_unit_test(test_counts_oklab),
        cmocka_unit_test(test_default_unchanged),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_setter),
        cmocka_unit_test(test_fast),
        cmocka_unit_test(test_selection),
#if IMGCOLOR_WITH_GIF
        cmocka_unit_test(test_animation),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
