/* test_budget.c: the per-call CPU-time budget (imgcolor_options_set_time_limit_ms()):
 * its setter, the calls it stops at every stage and in every thread, and that without
 * one (or with one never reached) the output is the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "collect.h"
#include "kmeans.h"
#include "support.h"

/* A 4000 x 3000 image (12 megapixels) whose colours are nearly all distinct. */
#define BIG_W 4000u
#define BIG_H 3000u

static uint8_t *big_rgba(void)
{
    uint8_t *px = malloc((size_t)BIG_W * BIG_H * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < BIG_H; y++)
        for (uint32_t x = 0; x < BIG_W; x++) {
            uint8_t *p = px + ((size_t)y * BIG_W + x) * 4;
            p[0] = (uint8_t)x;
            p[1] = (uint8_t)y;
            p[2] = (uint8_t)((x >> 8) * 16 + (y >> 8));
            p[3] = 255;
        }
    return px;
}

static void *big_png(size_t *size)
{
    imgcolor_image img = {.width = BIG_W, .height = BIG_H, .rgba = big_rgba()};
    void *png = NULL;
    assert_int_equal(imgcolor_png_encode(&img, &png, size, NULL), IMGCOLOR_OK);
    free(img.rgba);
    return png;
}

static unsigned char *big_jpeg(size_t *size)
{
    uint8_t *rgba = big_rgba();
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    unsigned char *out = NULL;
    unsigned long len = 0;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, &len);
    cinfo.image_width = BIG_W;
    cinfo.image_height = BIG_H;
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_EXT_RGBA;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 90, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = rgba + (size_t)cinfo.next_scanline * BIG_W * 4;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(rgba);
    *size = len;
    return out;
}

static imgcolor_options *options(uint64_t limit_ms, int threads)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, limit_ms), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
    return opt;
}

static void assert_over_limit(imgcolor_status st, const imgcolor_result *res,
                              const imgcolor_error *err, uint64_t limit_ms)
{
    char want[64];
    snprintf(want, sizeof want, "over the time limit of %llu ms of CPU time (",
             (unsigned long long)limit_ms);
    assert_int_equal(st, IMGCOLOR_E_LIMIT);
    assert_null(res);
    assert_int_equal(err->status, IMGCOLOR_E_LIMIT);
    if (strncmp(err->message, want, strlen(want)) != 0)
        fail_msg("message \"%s\" does not begin \"%s\"", err->message, want);
}

static void test_setter(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_time_limit_ms(opt), 0);
    assert_int_equal(imgcolor_options_get_time_limit_ms(NULL), 0);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_time_limit_ms(opt), 1);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, 86400000), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, 86400001), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, UINT64_MAX), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_get_time_limit_ms(opt), 86400000);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_time_limit_ms(opt), 0);
    assert_int_equal(imgcolor_options_set_time_limit_ms(NULL, 5), IMGCOLOR_E_INVALID);
    imgcolor_options *copy = NULL;
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, 250), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_copy(opt, &copy), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_time_limit_ms(copy), 250);
    imgcolor_options_free(copy);
    imgcolor_options_free(opt);
    assert_string_equal(imgcolor_strerror(IMGCOLOR_E_LIMIT), "work limit exceeded");
    assert_string_equal(imgcolor_status_name(IMGCOLOR_E_LIMIT), "E_LIMIT");
}

/* A 12-megapixel PNG and JPEG with 1 ms to spend, counted inline (one thread) and on a
 * second thread: decoding alone takes far longer. */
static void test_large_image_over_limit(void **state)
{
    (void)state;
    size_t sizes[2];
    void *files[2] = {big_png(&sizes[0]), big_jpeg(&sizes[1])};
    const int threads[] = {1, 2, 0};
    for (int f = 0; f < 2; f++)
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            imgcolor_options *opt = options(1, threads[t]);
            imgcolor_result *res = NULL;
            imgcolor_error err = {IMGCOLOR_OK, ""};
            imgcolor_status st = imgcolor_prominent(files[f], sizes[f], opt, &res, &err);
            assert_over_limit(st, res, &err, 1);
            imgcolor_options_free(opt);
        }
    free(files[0]);
    free(files[1]);
}

static void test_pixels_over_limit(void **state)
{
    (void)state;
    uint8_t *px = big_rgba();
    imgcolor_options *opt = options(2, 0);
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_prominent_pixels(px, BIG_W, BIG_H, (size_t)BIG_W * 4,
                                                   IMGCOLOR_PIXEL_RGBA8, opt, &res, &err);
    assert_over_limit(st, res, &err, 2);
    imgcolor_options_free(opt);
    free(px);
}

/* Clustering alone over budget: a small image (65 536 distinct colours, counted in well
 * under a millisecond) that takes 50 runs of k = 256. */
static void test_clustering_over_limit(void **state)
{
    (void)state;
    uint8_t *px = malloc(256 * 256 * 3);
    assert_non_null(px);
    for (size_t i = 0; i < 256 * 256; i++) {
        px[3 * i] = (uint8_t)i;
        px[3 * i + 1] = (uint8_t)(i >> 8);
        px[3 * i + 2] = (uint8_t)(i * 7 + (i >> 8) * 13);
    }
    imgcolor_options *opt = options(1, 2);
    assert_int_equal(imgcolor_options_set_k(opt, 256), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_n_init(opt, 50), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_prominent_pixels(px, 256, 256, 256 * 3, IMGCOLOR_PIXEL_RGB8,
                                                   opt, &res, &err);
    assert_over_limit(st, res, &err, 1);
    imgcolor_options_free(opt);
    free(px);
}

/* A budget already spent stops the runs at their first check, in every thread. */
static void test_spent_budget_stops_every_thread(void **state)
{
    (void)state;
    uint32_t codes[4096];
    uint64_t *counts = malloc(sizeof codes / sizeof codes[0] * sizeof *counts);
    assert_non_null(counts);
    for (uint32_t i = 0; i < 4096; i++) {
        codes[i] = i * 4096u + i;
        counts[i] = 1 + i % 5;
    }
    imgcolor__kmeans_data *d = NULL;
    assert_int_equal(imgcolor__kmeans_prepare(codes, counts, 4096, &d), IMGCOLOR_OK);
    for (int threads = 1; threads <= 4; threads++) {
        imgcolor_options *opt = options(0, threads);
        imgcolor__budget spent;
        imgcolor__budget_init(&spent, 5);
        atomic_store(&spent.spent_ns, 6000000u);
        imgcolor__clustering *cl = malloc(sizeof *cl);
        assert_non_null(cl);
        assert_int_equal(imgcolor__kmeans_run(d, opt, &spent, cl), IMGCOLOR_E_LIMIT);
        imgcolor_options_free(opt);
        free(cl);
    }
    imgcolor__kmeans_data_free(d);

}

/*
 * The counting thread reports its own CPU time: rows handed over without a copy cost
 * the decoding thread next to nothing, so a 5 ms budget is spent by counting, a
 * megapixel a batch, within a few batches; the decoding thread alone would need
 * hundreds.
 */
static void test_counting_thread_is_metered(void **state)
{
    (void)state;
    enum { WIDTH = 4096, BATCH_ROWS = 256, MAX_BATCHES = 2000 };
    imgcolor__histogram *h = NULL;
    imgcolor__collector *col = NULL;
    imgcolor__budget budget;
    imgcolor__budget_init(&budget, 5);
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, &budget);
    assert_int_equal(imgcolor__histogram_new(0, &h), IMGCOLOR_OK);
    assert_int_equal(imgcolor__collector_new(h, 2, &meter, &col), IMGCOLOR_OK);
    imgcolor__sink sink = imgcolor__collector_sink(col);
    assert_int_equal(sink.begin(sink.user, WIDTH, BATCH_ROWS * MAX_BATCHES), IMGCOLOR_OK);
    imgcolor_status st = IMGCOLOR_OK;
    int batches = 0;
    for (; batches < MAX_BATCHES && st == IMGCOLOR_OK; batches++) {
        uint32_t y = (uint32_t)batches * BATCH_ROWS;
        uint8_t *rows = NULL;
        st = sink.buffer(sink.user, y, BATCH_ROWS, &rows);
        if (st == IMGCOLOR_OK) {
            assert_non_null(rows);
            if (batches < 4) /* each of the pipe's buffers once */
                memset(rows, batches, (size_t)WIDTH * BATCH_ROWS * 4);
            st = sink.rows(sink.user, rows, y, BATCH_ROWS);
        }
    }
    uint32_t w, rows_seen;
    imgcolor_status counted = imgcolor__collector_finish(col, &w, &rows_seen);
    assert_int_equal(st, IMGCOLOR_E_LIMIT);
    assert_true(counted == IMGCOLOR_E_LIMIT || counted == IMGCOLOR_OK);
    if (batches > 40)
        fail_msg("the budget of 5 ms stopped counting only after %d megapixels", batches);
    imgcolor__collector_free(col);
    imgcolor__histogram_free(h);
}

/* With no budget, or one the call never reaches, the document is the same. */
static void test_same_output_within_budget(void **state)
{
    (void)state;
    const char *photos[] = {"photos/hubble_deep_field.jpg", "photos/coffee.png"};
    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", IMGCOLOR_TEST_DATA, photos[p]);
        size_t size;
        uint8_t *data = test_read_file(path, &size);
        char *json[3] = {NULL, NULL, NULL};
        const uint64_t limits[3] = {0, 86400000, 60000};
        for (int i = 0; i < 3; i++) {
            imgcolor_options *opt = i == 0 ? NULL : options(limits[i], 0);
            imgcolor_result *res = NULL;
            imgcolor_error err;
            assert_int_equal(imgcolor_prominent(data, size, opt, &res, &err), IMGCOLOR_OK);
            assert_int_equal(imgcolor_result_to_json(res, photos[p], &json[i]), IMGCOLOR_OK);
            imgcolor_result_free(res);
            imgcolor_options_free(opt);
        }
        assert_string_equal(json[0], json[1]);
        assert_string_equal(json[0], json[2]);
        for (int i = 0; i < 3; i++)
            imgcolor_free(json[i]);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setter),
        cmocka_unit_test(test_large_image_over_limit),
        cmocka_unit_test(test_pixels_over_limit),
        cmocka_unit_test(test_clustering_over_limit),
        cmocka_unit_test(test_spent_budget_stops_every_thread),
        cmocka_unit_test(test_counting_thread_is_metered),
        cmocka_unit_test(test_same_output_within_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
