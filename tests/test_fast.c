/* test_fast.c: the fast mode (imgcolor_options_set_fast()): its options, the choice of
 * row bands and grid step, the rows a JPEG's bands deliver, counts scaled back to the
 * whole image, what the result says about the sample, and determinism across runs and
 * thread counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_helpers.h"
#include "sample.h"
#include "support.h"

#define PHOTO(name) IMGCOLOR_TEST_DATA "/photos/" name

static imgcolor_options *fast_options(uint64_t min_pixels, int threads)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, min_pixels), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
    return opt;
}

static imgcolor_result *run_file(const char *path, const imgcolor_options *opt)
{
    imgcolor_result *res = NULL;
    imgcolor_error err;
    imgcolor_status st = imgcolor_prominent_file(path, opt, &res, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("%s: %s", path, err.message);
    return res;
}

/* The counts add up to the pixels, and the pixels and transparent ones to the image. */
static void assert_whole(const imgcolor_result *res)
{
    uint64_t sum = 0;
    double fractions = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        sum += imgcolor_result_color(res, i)->count;
        fractions += imgcolor_result_color(res, i)->fraction;
    }
    assert_true(sum == imgcolor_result_pixels(res));
    assert_true(imgcolor_result_pixels(res) + imgcolor_result_transparent(res) ==
                (uint64_t)imgcolor_result_width(res) * imgcolor_result_height(res));
    assert_true(fractions > 1 - 1e-9 && fractions < 1 + 1e-9);
    for (size_t i = 1; i < imgcolor_result_count(res); i++)
        assert_true(imgcolor_result_color(res, i - 1)->count >=
                    imgcolor_result_color(res, i)->count);
}

static void assert_same(const imgcolor_result *a, const imgcolor_result *b)
{
    assert_int_equal(imgcolor_result_count(a), imgcolor_result_count(b));
    assert_true(imgcolor_result_inertia(a) == imgcolor_result_inertia(b));
    for (size_t i = 0; i < imgcolor_result_count(a); i++) {
        const imgcolor_cluster *x = imgcolor_result_color(a, i), *y = imgcolor_result_color(b, i);
        assert_memory_equal(x->centroid, y->centroid, sizeof x->centroid);
        assert_true(x->count == y->count);
    }
}

static void test_options(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_fast(opt), 0);
    assert_int_equal(imgcolor_options_get_fast(NULL), 0);
    assert_true(imgcolor_options_get_fast_min_pixels(opt) == IMGCOLOR_DEFAULT_FAST_MIN_PIXELS);
    assert_true(imgcolor_options_get_fast_min_pixels(opt) == 250000);
    assert_int_equal(imgcolor_options_set_fast(opt, -1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_fast(opt, 2), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_fast(NULL, 1), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_options_get_fast(opt), 0);
    assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_fast(opt), 1);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 1023), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, ((uint64_t)1 << 40) + 1),
                     IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(NULL, 5000), IMGCOLOR_E_INVALID);
    assert_true(imgcolor_options_get_fast_min_pixels(opt) == 250000);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 1024), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, (uint64_t)1 << 40), IMGCOLOR_OK);
    assert_true(imgcolor_options_get_fast_min_pixels(opt) == (uint64_t)1 << 40);
    imgcolor_options_free(opt);
}

static void test_bands_and_step(void **state)
{
    (void)state;
    /* 13 bands of 8 in 100 rows, the last of 4 rows; one in 3 keeps 0 3 6 9 and 12. */
    assert_true(imgcolor__band_rows_kept(100, 8, 3) == 4 * 8 + 4);
    assert_true(imgcolor__band_rows_kept(100, 8, 2) == 6 * 8 + 4); /* 0 2 .. 10, 12 */
    assert_true(imgcolor__band_rows_kept(96, 8, 5) == 3 * 8);  /* 0 5 10: 10 is whole */
    assert_true(imgcolor__band_rows_kept(100, 8, 1) == 100);
    assert_true(imgcolor__band_rows_kept(100, 0, 3) == 100);
    assert_true(imgcolor__band_rows_kept(5, 8, 4) == 5);
    assert_true(imgcolor__band_rows_kept(0, 8, 4) == 0);
    /* Band step: at least the minimum and IMGCOLOR__SAMPLE_MIN_BANDS bands. */
    assert_int_equal(IMGCOLOR__SAMPLE_MIN_BANDS, 24);
    assert_int_equal(imgcolor__sample_band_step(1411, 1411, 16, 250000), 3); /* 30 bands */
    assert_int_equal(imgcolor__sample_band_step(1411, 1411, 16, 700000), 2); /* 3: 677280 */
    assert_int_equal(imgcolor__sample_band_step(4096, 4096, 8, 250000), 22); /* 24 bands */
    assert_int_equal(imgcolor__sample_band_step(4096, 4096, 8, 1000000), 17); /* 31 */
    assert_int_equal(imgcolor__sample_band_step(640, 427, 8, 1024), 2);      /* 27 bands */
    assert_int_equal(imgcolor__sample_band_step(640, 360, 8, 1024), 1);      /* 45: 23 */
    assert_int_equal(imgcolor__sample_band_step(4096, 4096, 0, 250000), 1);
    assert_int_equal(imgcolor__sample_band_step(4096, 4096, 8, 0), 1);
    assert_int_equal(imgcolor__sample_band_step(100000, 8, 8, 1024), 1);     /* one band */
    /* Along the kept rows: the largest step up to IMGCOLOR__SAMPLE_BAND_XSTEP_MAX. */
    assert_int_equal(IMGCOLOR__SAMPLE_BAND_XSTEP_MAX, 4);
    assert_int_equal(imgcolor__sample_band_xstep(1411, 480, 250000), 2); /* 706 * 480 */
    assert_int_equal(imgcolor__sample_band_xstep(1411, 480, 338881), 1);
    assert_int_equal(imgcolor__sample_band_xstep(3000, 1152, 250000), 4); /* 5 would do */
    assert_int_equal(imgcolor__sample_band_xstep(3000, 1152, 0), 1);
    /* Grid step: the largest that keeps the minimum. */
    assert_int_equal(imgcolor__sample_step(1000, 1000, 250000), 2);
    assert_int_equal(imgcolor__sample_step(1999, 1999, 250000), 4); /* 500^2; 400^2 short */
    assert_int_equal(imgcolor__sample_step(2000, 2000, 250000), 4);
    assert_int_equal(imgcolor__sample_step(4096, 4096, 250000), 8);
    assert_int_equal(imgcolor__sample_step(600, 400, 250000), 1);
    assert_int_equal(imgcolor__sample_step(600, 400, 50000), 2);   /* 300 x 200 */
    assert_int_equal(imgcolor__sample_step(100000, 1, 1024), 97);  /* ceil(1e5 / 97) = 1031 */
    assert_int_equal(imgcolor__sample_step(5, 5, 1024), 1);
    assert_int_equal(imgcolor__sample_step(5, 5, 0), 1);
}

static void test_apportion(void **state)
{
    (void)state;
    const uint64_t w[] = {1, 1, 1};
    uint64_t out[3];
    imgcolor__apportion(w, 3, 3, 10, out);
    assert_true(out[0] == 4 && out[1] == 3 && out[2] == 3); /* equal remainders: first */
    const uint64_t v[] = {5, 3, 2, 1};
    uint64_t got[4];
    imgcolor__apportion(v, 4, 11, 100, got);
    /* 45.45, 27.27, 18.18, 9.09: floors 45 27 18 9 = 99, the unit to the largest rest */
    assert_true(got[0] == 46 && got[1] == 27 && got[2] == 18 && got[3] == 9);
    for (uint64_t total = 0; total < 300; total += 7) {
        uint64_t sum = 0;
        imgcolor__apportion(v, 4, 11, total, got);
        for (int i = 0; i < 4; i++)
            sum += got[i];
        assert_true(sum == total);
    }
    const uint64_t big[] = {(uint64_t)1 << 39, 3, 1};
    uint64_t bout[3];
    imgcolor__apportion(big, 3, ((uint64_t)1 << 39) + 4, (uint64_t)1 << 40, bout);
    assert_true(bout[0] + bout[1] + bout[2] == (uint64_t)1 << 40);
    assert_true(bout[1] == 6 && bout[2] == 2);
}

/* A JPEG of 2 MP: one band of 16 rows in 3 kept, one pixel in 2 along them, counts
 * scaled back to every pixel. */
static void test_jpeg_bands(void **state)
{
    (void)state;
    imgcolor_options *opt = fast_options(250000, 0);
    imgcolor_result *res = run_file(PHOTO("retina.jpg"), opt);
    assert_int_equal(imgcolor_result_sampled(res), 1);
    assert_int_equal(imgcolor_result_sample_scale(res), 1);
    assert_int_equal(imgcolor_result_sample_step(res), 2);
    assert_int_equal(imgcolor_result_sample_band_rows(res), 16);
    assert_int_equal(imgcolor_result_sample_band_step(res), 3);
    assert_true(imgcolor_result_sample_pixels(res) == 480u * 706u); /* 30 bands */
    assert_int_equal(imgcolor_result_width(res), 1411);
    assert_int_equal(imgcolor_result_height(res), 1411);
    assert_true(imgcolor_result_pixels(res) == 1411u * 1411u);
    assert_whole(res);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"sampled\":true,\"sample_scale\":1,\"sample_step\":2,"
                                 "\"sample_band_rows\":16,\"sample_band_step\":3,"
                                 "\"sample_pixels\":338880,"));
    imgcolor_free(json);
    imgcolor_result_free(res);
    /* A larger minimum: two bands in three keep 997 577, a grid of 2 fewer: in full. */
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 1000000), IMGCOLOR_OK);
    res = run_file(PHOTO("retina.jpg"), opt);
    assert_int_equal(imgcolor_result_sampled(res), 0);
    assert_int_equal(imgcolor_result_sample_band_step(res), 1);
    assert_int_equal(imgcolor_result_sample_band_rows(res), 1);
    assert_true(imgcolor_result_sample_pixels(res) == 1411u * 1411u);
    assert_whole(res);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

/* Decodes a photo through a sampler keeping min_pixels into p. */
static void sample_decode(const char *path, uint64_t min_pixels, imgcolor__sampler *s,
                          probe *p)
{
    size_t size = 0;
    uint8_t *data = test_read_file(path, &size);
    assert_non_null(data);
    memset(p, 0, sizeof *p);
    imgcolor__sink sink = imgcolor__sampler_sink(
        s, (imgcolor__sink){.begin = probe_begin, .rows = probe_rows, .user = p},
        min_pixels);
    imgcolor_error err;
    imgcolor_status st = imgcolor__decode_stream(data, size, imgcolor__options_defaults(),
                                                 &sink, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("%s: %s", path, err.message);
    assert_int_equal(p->next_row, p->height);
    free(data);
}

/*
 * The kept bands are the image's own rows, thinned along: without chroma subsampling
 * (hubble, 4:4:4, every pixel of 8-row bands) each equals the same row of a full decode
 * byte for byte; with it (retina, 4:2:0, one pixel in 2 of 16-row bands, chroma
 * replicated) they differ from the interpolated ones only a little.
 */
static void test_jpeg_band_rows(void **state)
{
    (void)state;
    const struct {
        const char *path;
        uint32_t band_rows, band_step, step, rows;
        double max_diff;
    } cases[] = {{PHOTO("hubble_deep_field.jpg"), 8, 3, 1, 296, 0},
                 {PHOTO("retina.jpg"), 16, 3, 2, 480, 1.5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        imgcolor__sampler s;
        probe kept, full;
        sample_decode(cases[c].path, 250000, &s, &kept);
        sample_decode(cases[c].path, 0, &(imgcolor__sampler){0}, &full);
        assert_int_equal(s.band_rows, cases[c].band_rows);
        assert_int_equal(s.band_step, cases[c].band_step);
        assert_int_equal(s.step, cases[c].step);
        assert_int_equal(kept.width, (full.width + s.step - 1) / s.step);
        assert_int_equal(kept.height, cases[c].rows);
        assert_true(s.kept == (uint64_t)kept.width * kept.height);
        uint8_t *want = malloc((size_t)kept.width * 4);
        assert_non_null(want);
        for (uint32_t k = 0; k < kept.height; k++) {
            uint32_t y = k / s.band_rows * s.band_rows * s.band_step + k % s.band_rows;
            imgcolor__sample_row(full.rgba + (size_t)full.width * 4 * y, full.width, s.step, 4,
                                 want);
            const uint8_t *got = kept.rgba + (size_t)kept.width * 4 * k;
            if (cases[c].max_diff == 0) {
                assert_memory_equal(got, want, (size_t)kept.width * 4);
                continue;
            }
            for (int ch = 0; ch < 3; ch++)
                assert_true(mean_abs_diff(got, want, kept.width, ch) <= cases[c].max_diff);
        }
        free(want);
        imgcolor__sampler_free(&s);
        probe_free(&kept);
        probe_free(&full);
    }
}

/* A JPEG cut short fails in the fast mode as in the exact one, wherever it is cut: in a
 * skipped band, a kept one, or after the last row; hubble's last band is a kept one,
 * retina's (89 bands, one in 3 kept) a skipped one. */
static void test_jpeg_truncated(void **state)
{
    (void)state;
    const char *photos[] = {PHOTO("hubble_deep_field.jpg"), PHOTO("retina.jpg")};
    imgcolor_options *opt = fast_options(250000, 0);
    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        size_t size = 0;
        uint8_t *data = test_read_file(photos[p], &size);
        assert_non_null(data);
        const size_t cuts[] = {size * 3 / 10, size / 2, size * 9 / 10, size - 600, size - 2};
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            imgcolor_result *res = NULL;
            imgcolor_error err;
            assert_int_equal(imgcolor_prominent(data, cuts[i], opt, &res, &err),
                             IMGCOLOR_E_DECODE);
            assert_null(res);
            assert_int_equal(imgcolor_prominent(data, cuts[i], NULL, &res, &err),
                             IMGCOLOR_E_DECODE);
        }
        free(data);
    }
    imgcolor_options_free(opt);
}

/* A PNG thinned to a grid; the same image unsampled equals the exact mode's result. */
static void test_png_grid(void **state)
{
    (void)state;
    imgcolor_options *opt = fast_options(50000, 0);
    imgcolor_result *res = run_file(PHOTO("coffee.png"), opt);
    assert_int_equal(imgcolor_result_sampled(res), 1);
    assert_int_equal(imgcolor_result_sample_scale(res), 1);
    assert_int_equal(imgcolor_result_sample_step(res), 2);
    assert_true(imgcolor_result_sample_pixels(res) == 300u * 200u);
    assert_true(imgcolor_result_pixels(res) == 600u * 400u);
    assert_whole(res);
    imgcolor_result_free(res);

    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 250000), IMGCOLOR_OK);
    res = run_file(PHOTO("coffee.png"), opt);
    imgcolor_result *exact = run_file(PHOTO("coffee.png"), NULL);
    assert_int_equal(imgcolor_result_sampled(res), 0);
    assert_same(res, exact);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(exact, NULL, &json), IMGCOLOR_OK);
    assert_null(strstr(json, "sampled"));
    imgcolor_free(json);
    imgcolor_result_free(exact);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

/* Raw pixels with transparency: both parts scaled to the whole image. */
static void test_pixels_transparent(void **state)
{
    (void)state;
    const uint32_t w = 1001, h = 999;
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            p[0] = (uint8_t)(x * 7);
            p[1] = (uint8_t)(y * 3);
            p[2] = (uint8_t)((x + y) & 0xc0);
            p[3] = x < w / 3 ? 0 : 255;
        }
    imgcolor_options *opt = fast_options(20000, 0);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(px, w, h, (size_t)w * 4, IMGCOLOR_PIXEL_RGBA8,
                                               opt, &res, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_sampled(res), 1);
    uint32_t step = imgcolor_result_sample_step(res);
    assert_int_equal(step, imgcolor__sample_step(w, h, 20000));
    assert_true(step > 1);
    uint64_t kw = (w + step - 1) / step, kh = (h + step - 1) / step;
    assert_true(imgcolor_result_sample_pixels(res) == kw * kh);
    assert_whole(res);
    assert_true(imgcolor_result_transparent(res) > 0);
    /* About a third transparent, as in the image. */
    double t = (double)imgcolor_result_transparent(res) / ((double)w * h);
    assert_true(t > 0.32 && t < 0.35);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(px);
}

/* The same result from every run and every thread count. */
static void test_deterministic(void **state)
{
    (void)state;
    const char *photos[] = {PHOTO("retina.jpg"), PHOTO("coffee.png"), PHOTO("astronaut.png")};
    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        imgcolor_options *base = fast_options(30000, 0);
        imgcolor_result *first = run_file(photos[p], base);
        assert_int_equal(imgcolor_result_sampled(first), 1);
        assert_whole(first);
        const int threads[] = {0, 1, 2, 3};
        for (size_t t = 0; t < 4; t++) {
            imgcolor_options *opt = fast_options(30000, threads[t]);
            imgcolor_result *again = run_file(photos[p], opt);
            assert_same(first, again);
            imgcolor_result_free(again);
            imgcolor_options_free(opt);
        }
        imgcolor_result_free(first);
        imgcolor_options_free(base);
    }
}

/* The CLI's --fast and --fast-min-pixels: the setter's range, refused with a message. */
static void test_cli_flags(void **state)
{
    (void)state;
    char cmd[1024];
    const char *bad[] = {"10", "1023", "1099511627777", "-5", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s' prominent '%s' --fast --fast-min-pixels %s",
                 IMGCOLOR_CLI_PATH, PHOTO("retina.jpg"), bad[i]);
        test_run r = test_run_cmd(cmd, NULL, 0);
        assert_int_not_equal(r.status, 0);
        assert_non_null(strstr(r.err, "--fast-min-pixels"));
        test_run_free(&r);
    }
    snprintf(cmd, sizeof cmd, "'%s' prominent '%s' --fast --fast-min-pixels 100000 -f json",
             IMGCOLOR_CLI_PATH, PHOTO("retina.jpg"));
    test_run r = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"sampled\":true,\"sample_scale\":1,\"sample_step\":4,"
                                  "\"sample_band_rows\":16,\"sample_band_step\":3,"));
    test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_bands_and_step),
        cmocka_unit_test(test_apportion),
        cmocka_unit_test(test_jpeg_bands),
        cmocka_unit_test(test_jpeg_band_rows),
        cmocka_unit_test(test_jpeg_truncated),
        cmocka_unit_test(test_png_grid),
        cmocka_unit_test(test_pixels_transparent),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_cli_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
