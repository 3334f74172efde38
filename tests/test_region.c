/* test_region.c: the region option: its text form and ranges, and that a region counts
 * exactly what the same pixels cropped by hand count, through the generic filter and
 * through the JPEG decoder's crop, with percentages, clipping and fast mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "support.h"
#include "imgcolor.h"

#define PHOTO(name) IMGCOLOR_TEST_DATA "/photos/" name

static imgcolor_region_spec parse_ok(const char *text)
{
    imgcolor_region_spec spec;
    imgcolor_error err;
    imgcolor_status st = imgcolor_region_parse(text, strlen(text), &spec, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("%s: %s", text, err.message);
    return spec;
}

static void assert_parse_fails(const char *text, imgcolor_status want)
{
    imgcolor_region_spec spec;
    imgcolor_error err = {0};
    assert_int_equal(imgcolor_region_parse(text, strlen(text), &spec, &err), want);
    assert_int_equal(err.status, want);
    assert_non_null(strstr(err.message, "region"));
}

static void test_parse(void **state)
{
    (void)state;
    imgcolor_region_spec s = parse_ok("10,20,300,200");
    assert_true(s.value[0] == 10 && s.value[1] == 20 && s.value[2] == 300 && s.value[3] == 200);
    assert_true(!s.percent[0] && !s.percent[1] && !s.percent[2] && !s.percent[3]);
    s = parse_ok("10%,12.5%,80%,100%");
    assert_true(s.value[0] == 10 && s.value[1] == 12.5 && s.value[2] == 80 && s.value[3] == 100);
    assert_true(s.percent[0] && s.percent[1] && s.percent[2] && s.percent[3]);
    s = parse_ok("0,0%,4294967295,0.000001%");
    assert_true(!s.percent[0] && s.percent[1] && s.value[2] == 4294967295.0 && s.percent[3]);
    const char *malformed[] = {"",        "1,2,3",     "1,2,3,4,5", "a,b,c,d", "1.5,0,1,1",
                               " 1,2,3,4", "1,2,3,4 ", "-1,0,1,1", "1,,3,4",  "1%%,0,1,1",
                               "1.%,0,1,1", "0.1234567%,0,1,1", "1e3,0,1,1",
                               "123456789012,0,1,1"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_parse_fails(malformed[i], IMGCOLOR_E_PARSE);
    const char *out_of_range[] = {"0,0,0,1", "0,0,1,0%", "101%,0,1,1", "4294967296,0,1,1",
                                  "0,0,100.5%,1"};
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++)
        assert_parse_fails(out_of_range[i], IMGCOLOR_E_RANGE);
    /* Not NUL-terminated: only len bytes are read. */
    assert_int_equal(imgcolor_region_parse("1,2,3,4XYZ", 7, &s, NULL), IMGCOLOR_OK);
    assert_true(s.value[3] == 4);
}

static void test_setter(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    imgcolor_region_spec got, bad = {{0, 0, 0, 10}, {0, 0, 0, 0}};
    assert_int_equal(imgcolor_options_get_region(opt, &got), 0);
    assert_int_equal(imgcolor_options_set_region(opt, &bad), IMGCOLOR_E_RANGE);
    bad = (imgcolor_region_spec){{0, 0, 1.5, 10}, {0, 0, 0, 0}};
    assert_int_equal(imgcolor_options_set_region(opt, &bad), IMGCOLOR_E_RANGE);
    bad = (imgcolor_region_spec){{0, 0, 1, 10}, {0, 0, 2, 0}};
    assert_int_equal(imgcolor_options_set_region(opt, &bad), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_get_region(opt, &got), 0);
    imgcolor_region_spec ok = parse_ok("1,2,3%,4");
    assert_int_equal(imgcolor_options_set_region(opt, &ok), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_region(opt, &got), 1);
    assert_memory_equal(&got, &ok, sizeof ok);
    assert_int_equal(imgcolor_options_set_region(opt, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_region(opt, &got), 0);
    assert_int_equal(imgcolor_options_set_region(NULL, &ok), IMGCOLOR_E_INVALID);
    imgcolor_options_free(opt);
}

static imgcolor_options *options_with(const char *region)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 4), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_n_init(opt, 3), IMGCOLOR_OK);
    if (region) {
        imgcolor_region_spec spec = parse_ok(region);
        assert_int_equal(imgcolor_options_set_region(opt, &spec), IMGCOLOR_OK);
    }
    return opt;
}

static imgcolor_image *decode_file(const char *path)
{
    size_t size;
    uint8_t *data = test_read_file(path, &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    free(data);
    return img;
}

/* The result of the pixels of img inside x, y, w, h, copied out by hand. */
static imgcolor_result *crop_result(const imgcolor_image *img, uint32_t x, uint32_t y,
                                    uint32_t w, uint32_t h, const imgcolor_options *opt)
{
    uint8_t *crop = malloc((size_t)w * h * 4);
    assert_non_null(crop);
    for (uint32_t r = 0; r < h; r++)
        memcpy(crop + (size_t)w * 4 * r, img->rgba + ((size_t)(y + r) * img->width + x) * 4,
               (size_t)w * 4);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(crop, w, h, (size_t)w * 4, IMGCOLOR_PIXEL_RGBA8,
                                               opt, &res, NULL),
                     IMGCOLOR_OK);
    free(crop);
    return res;
}

/* The same histogram gives the same clustering, bit for bit. */
static void assert_same(const imgcolor_result *a, const imgcolor_result *b)
{
    assert_true(imgcolor_result_pixels(a) == imgcolor_result_pixels(b));
    assert_true(imgcolor_result_transparent(a) == imgcolor_result_transparent(b));
    assert_true(imgcolor_result_distinct(a) == imgcolor_result_distinct(b));
    assert_true(imgcolor_result_inertia(a) == imgcolor_result_inertia(b));
    assert_int_equal(imgcolor_result_count(a), imgcolor_result_count(b));
    for (size_t i = 0; i < imgcolor_result_count(a); i++) {
        const imgcolor_cluster *x = imgcolor_result_color(a, i), *y = imgcolor_result_color(b, i);
        assert_memory_equal(x->centroid, y->centroid, sizeof x->centroid);
        assert_true(x->count == y->count);
        assert_string_equal(x->hex, y->hex);
    }
}

static void assert_region(const imgcolor_result *res, uint32_t x, uint32_t y, uint32_t w,
                          uint32_t h)
{
    const imgcolor_region *r = imgcolor_result_region(res);
    assert_non_null(r);
    assert_int_equal(r->x, x);
    assert_int_equal(r->y, y);
    assert_int_equal(r->w, w);
    assert_int_equal(r->h, h);
}

static imgcolor_result *run_file(const char *path, const imgcolor_options *opt)
{
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent_file(path, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s: %s", path, err.message);
    return res;
}

/* A PNG (no crop in its decoder): the filter's rows and columns equal a hand crop. */
static void test_png_equals_crop(void **state)
{
    (void)state;
    imgcolor_image *img = decode_file(PHOTO("coffee.png"));
    imgcolor_options *plain = options_with(NULL), *opt = options_with("37,11,201,150");
    imgcolor_result *want = crop_result(img, 37, 11, 201, 150, plain);
    imgcolor_result *got = run_file(PHOTO("coffee.png"), opt);
    assert_same(got, want);
    assert_region(got, 37, 11, 201, 150);
    assert_int_equal(imgcolor_result_width(got), img->width);
    assert_int_equal(imgcolor_result_height(got), img->height);
    assert_null(imgcolor_result_region(want));
    /* The raw-pixel entry point with the same region. */
    imgcolor_result *pix = NULL;
    assert_int_equal(imgcolor_prominent_pixels(img->rgba, img->width, img->height,
                                               (size_t)img->width * 4, IMGCOLOR_PIXEL_RGBA8, opt,
                                               &pix, NULL),
                     IMGCOLOR_OK);
    assert_same(pix, want);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(got, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"region\":{\"x\":37,\"y\":11,\"w\":201,\"h\":150}"));
    assert_null(strstr(json, "\"background\""));
    imgcolor_free(json);
    imgcolor_result_free(pix);
    imgcolor_result_free(got);
    imgcolor_result_free(want);
    imgcolor_options_free(opt);
    imgcolor_options_free(plain);
    imgcolor_image_free(img);
}

/* Percentages round half up on each edge; 50% + 50% meets the far edge exactly. */
static void test_percent_and_clipping(void **state)
{
    (void)state;
    imgcolor_image *img = decode_file(PHOTO("coffee.png")); /* 600 x 400 */
    assert_int_equal(img->width, 600);
    assert_int_equal(img->height, 400);
    imgcolor_options *plain = options_with(NULL);
    imgcolor_options *pct = options_with("10%,12.5%,50%,87.5%");
    imgcolor_result *want = crop_result(img, 60, 50, 300, 350, plain);
    imgcolor_result *got = run_file(PHOTO("coffee.png"), pct);
    assert_same(got, want);
    assert_region(got, 60, 50, 300, 350);
    imgcolor_result_free(got);
    imgcolor_result_free(want);
    /* Past the right and bottom edges: clipped to the image. */
    imgcolor_options *over = options_with("500,300,1000,1000");
    want = crop_result(img, 500, 300, 100, 100, plain);
    got = run_file(PHOTO("coffee.png"), over);
    assert_same(got, want);
    assert_region(got, 500, 300, 100, 100);
    imgcolor_result_free(got);
    imgcolor_result_free(want);
    imgcolor_options_free(over);
    imgcolor_options_free(pct);
    imgcolor_options_free(plain);
    imgcolor_image_free(img);
}

static void assert_outside(const char *path, const char *region)
{
    imgcolor_options *opt = options_with(region);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_prominent_file(path, opt, &res, &err), IMGCOLOR_E_RANGE);
    assert_null(res);
    assert_non_null(strstr(err.message, "has no pixel in the"));
    imgcolor_options_free(opt);
}

static void test_outside(void **state)
{
    (void)state;
    assert_outside(PHOTO("coffee.png"), "600,0,10,10");
    assert_outside(PHOTO("coffee.png"), "0,400,10,10");
    assert_outside(PHOTO("coffee.png"), "100%,0,10%,10%");
    assert_outside(PHOTO("coffee.png"), "0,0,0.01%,10"); /* 0.06 pixels rounds to none */
    assert_outside(PHOTO("retina.jpg"), "1411,0,5,5");
    assert_outside(PHOTO("retina.jpg"), "10,1500,5,5");
}

/* The JPEG decoder crops and skips: equal to the full decode cropped by hand, at offsets
 * on no block boundary, and at the image's corners. Colour management off: a hand crop
 * of converted pixels is not the histogram of stored ones converted after counting. */
static void test_jpeg_equals_generic(void **state)
{
    (void)state;
    imgcolor_options *plain = options_with(NULL);
    assert_int_equal(imgcolor_options_set_color_management(plain, 0), IMGCOLOR_OK);
    size_t size;
    uint8_t *data = test_read_file(PHOTO("retina.jpg"), &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, plain, &img, NULL), IMGCOLOR_OK);
    free(data);
    static const uint32_t regions[][4] = {
        {101, 57, 300, 211}, {0, 0, 17, 9}, {1400, 1403, 11, 8}, {7, 1, 1404, 1409},
        {333, 0, 1, 1411}, {320, 64, 16, 16}};
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
        const uint32_t *r = regions[i];
        char text[64];
        snprintf(text, sizeof text, "%u,%u,%u,%u", r[0], r[1], r[2], r[3]);
        imgcolor_options *opt = options_with(text);
        assert_int_equal(imgcolor_options_set_color_management(opt, 0), IMGCOLOR_OK);
        imgcolor_result *want = crop_result(img, r[0], r[1], r[2], r[3], plain);
        imgcolor_result *got = run_file(PHOTO("retina.jpg"), opt);
        assert_same(got, want);
        assert_region(got, r[0], r[1], r[2], r[3]);
        imgcolor_result_free(got);
        imgcolor_result_free(want);
        imgcolor_options_free(opt);
    }
    imgcolor_options_free(plain);
    imgcolor_image_free(img);
}

/* img as a JPEG of quality 90, chroma subsampled h x v, progressive or not. */
static uint8_t *encode_jpeg(const imgcolor_image *img, int h, int v, int progressive,
                            size_t *size)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&c, &out, &len);
    c.image_width = img->width;
    c.image_height = img->height;
    c.input_components = 4;
    c.in_color_space = JCS_EXT_RGBA;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    c.comp_info[0].h_samp_factor = h;
    c.comp_info[0].v_samp_factor = v;
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = img->rgba + (size_t)c.next_scanline * img->width * 4;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *size = len;
    return out;
}

/* The crop of a JPEG made here, for each chroma subsampling libjpeg upsamples (fancy
 * upsampling reads beyond a crop's edges), baseline and progressive. */
static void test_jpeg_layouts(void **state)
{
    (void)state;
    imgcolor_image *src = decode_file(PHOTO("coffee.png"));
    imgcolor_options *plain = options_with(NULL);
    static const int layouts[][3] = {{1, 1, 0}, {2, 1, 0}, {1, 2, 0}, {2, 2, 0}, {2, 2, 1},
                                     {2, 1, 1}};
    static const uint32_t regions[][4] = {{33, 17, 1, 100}, {320, 64, 16, 16},
                                          {319, 63, 17, 17}, {101, 57, 300, 211},
                                          {590, 390, 10, 10}};
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
        size_t size;
        uint8_t *jpeg = encode_jpeg(src, layouts[l][0], layouts[l][1], layouts[l][2], &size);
        imgcolor_image *img = NULL;
        assert_int_equal(imgcolor_decode(jpeg, size, NULL, &img, NULL), IMGCOLOR_OK);
        for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
            const uint32_t *r = regions[i];
            char text[64];
            snprintf(text, sizeof text, "%u,%u,%u,%u", r[0], r[1], r[2], r[3]);
            imgcolor_options *opt = options_with(text);
            imgcolor_result *want = crop_result(img, r[0], r[1], r[2], r[3], plain);
            imgcolor_result *got = NULL;
            assert_int_equal(imgcolor_prominent(jpeg, size, opt, &got, NULL), IMGCOLOR_OK);
            assert_same(got, want);
            imgcolor_result_free(got);
            imgcolor_result_free(want);
            imgcolor_options_free(opt);
        }
        imgcolor_image_free(img);
        free(jpeg);
    }
    imgcolor_options_free(plain);
    imgcolor_image_free(src);
}

/* Fast mode samples within the region, its sample sized from the region's pixels, and
 * scales the counts back to the region. */
static void test_fast(void **state)
{
    (void)state;
    const char *paths[] = {PHOTO("retina.jpg"), PHOTO("astronaut.png")};
    for (size_t i = 0; i < 2; i++) {
        imgcolor_options *opt = options_with("10%,10%,80%,80%");
        assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
        assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 20000), IMGCOLOR_OK);
        imgcolor_result *res = run_file(paths[i], opt);
        const imgcolor_region *r = imgcolor_result_region(res);
        assert_non_null(r);
        assert_int_equal(imgcolor_result_sampled(res), 1);
        assert_true(imgcolor_result_sample_pixels(res) >= 20000);
        assert_true(imgcolor_result_sample_pixels(res) < (uint64_t)r->w * r->h / 2);
        assert_true(imgcolor_result_pixels(res) + imgcolor_result_transparent(res) ==
                    (uint64_t)r->w * r->h);
        uint64_t sum = 0;
        for (size_t c = 0; c < imgcolor_result_count(res); c++)
            sum += imgcolor_result_color(res, c)->count;
        assert_true(sum == imgcolor_result_pixels(res));
        imgcolor_result_free(res);
        imgcolor_options_free(opt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_setter),
        cmocka_unit_test(test_png_equals_crop),
        cmocka_unit_test(test_percent_and_clipping),
        cmocka_unit_test(test_outside),
        cmocka_unit_test(test_jpeg_equals_generic),
        cmocka_unit_test(test_jpeg_layouts),
        cmocka_unit_test(test_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
