/* test_decode_heif.c: the HEIF decoder on HEIC (HEVC) and AVIF (AV1) files made here with
 * libheif's encoders: colours close (both codecs are lossy here), alpha, the ICC profile,
 * limits and damage. */
#include <stdio.h>

#include "decode_helpers.h"

#if IMGCOLOR_WITH_HEIF
#include <libheif/heif.h>

/* x265, which libheif encodes HEIC with, leaks a few kilobytes per encoder of its own;
 * only this test encodes, so LeakSanitizer is told to look past it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:x265_malloc\n";
}

static struct heif_error write_fn(struct heif_context *ctx, const void *data, size_t size,
                                  void *user)
{
    (void)ctx;
    test_buf_append(user, data, size);
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    return ok;
}

static const uint8_t test_icc[160] = {0, 0, 0, 160, 'l', 'c', 'm', 's', 9, 8, 7};

/* w x h RGBA (alpha kept when with_alpha) as HEIC or AVIF at quality 90. */
static test_buffer encode_heif(const uint8_t *rgba, uint32_t w, uint32_t h, int with_alpha,
                               enum heif_compression_format codec, int icc)
{
    struct heif_context *ctx = heif_context_alloc();
    assert_non_null(ctx);
    struct heif_encoder *enc = NULL;
    assert_int_equal(heif_context_get_encoder_for_format(ctx, codec, &enc).code, heif_error_Ok);
    heif_encoder_set_logging_level(enc, 0);
    assert_int_equal(heif_encoder_set_lossy_quality(enc, 90).code, heif_error_Ok);
    struct heif_image *img = NULL;
    enum heif_chroma chroma = with_alpha ? heif_chroma_interleaved_RGBA
                                         : heif_chroma_interleaved_RGB;
    assert_int_equal(heif_image_create((int)w, (int)h, heif_colorspace_RGB, chroma, &img).code,
                     heif_error_Ok);
    assert_int_equal(heif_image_add_plane(img, heif_channel_interleaved, (int)w, (int)h, 8).code,
                     heif_error_Ok);
    int stride;
    uint8_t *plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    assert_non_null(plane);
    int channels = with_alpha ? 4 : 3;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            memcpy(plane + (size_t)stride * y + (size_t)x * channels,
                   rgba + ((size_t)y * w + x) * 4, (size_t)channels);
    if (icc)
        assert_int_equal(
            heif_image_set_raw_color_profile(img, "prof", test_icc, sizeof test_icc).code,
            heif_error_Ok);
    assert_int_equal(heif_context_encode_image(ctx, img, enc, NULL, NULL).code, heif_error_Ok);
    test_buffer b = {0};
    struct heif_writer writer = {1, write_fn};
    assert_int_equal(heif_context_write(ctx, &writer, &b).code, heif_error_Ok);
    heif_image_release(img);
    heif_encoder_release(enc);
    heif_context_free(ctx);
    return b;
}

/* Four flat quadrants: red, blue, grey, yellow; alpha 255 on the left half, 0 right. */
static uint8_t *quadrants(uint32_t w, uint32_t h)
{
    static const uint8_t colours[4][3] = {{220, 30, 30}, {30, 40, 210}, {128, 128, 128},
                                          {230, 220, 40}};
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            memcpy(p, colours[(y >= h / 2) * 2 + (x >= w / 2)], 3);
            p[3] = x < w / 2 ? 255 : 0;
        }
    return px;
}

/* Away from the quadrants' edges, colours within 6 levels; alpha as asked. */
static void check_quadrants(const probe *p, const uint8_t *px, int with_alpha)
{
    uint32_t w = p->width, h = p->height;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            if ((x + 4) % (w / 2) < 8 || (y + 4) % (h / 2) < 8)
                continue;
            const uint8_t *got = p->rgba + ((size_t)y * w + x) * 4;
            const uint8_t *want = px + ((size_t)y * w + x) * 4;
            for (int c = 0; c < 3; c++)
                if (abs(got[c] - want[c]) > 6 && (!with_alpha || want[3] == 255))
                    fail_msg("pixel %u,%u channel %d: %u, want %u", x, y, c, got[c], want[c]);
            int a = with_alpha ? want[3] : 255;
            if (abs(got[3] - a) > 4)
                fail_msg("pixel %u,%u alpha %u, want %d", x, y, got[3], a);
        }
}

static void test_codecs(void **state)
{
    (void)state;
    const uint32_t w = 64, h = 48;
    uint8_t *px = quadrants(w, h);
    static const enum heif_compression_format codecs[] = {heif_compression_HEVC,
                                                          heif_compression_AV1};
    for (int c = 0; c < 2; c++)
        for (int with_alpha = 0; with_alpha <= 1; with_alpha++) {
            test_buffer b = encode_heif(px, w, h, with_alpha, codecs[c], 0);
            probe p;
            imgcolor_error err;
            imgcolor_status st = probe_decode(b.data, b.len, NULL, &p, &err);
            if (st != IMGCOLOR_OK)
                fail_msg("codec %d alpha %d: %s", c, with_alpha, err.message);
            assert_int_equal(p.width, w);
            assert_int_equal(p.height, h);
            check_quadrants(&p, px, with_alpha);
            assert_null(p.icc);
            probe_free(&p);
            free(b.data);
        }
    free(px);
}

static void test_icc_profile(void **state)
{
    (void)state;
    uint8_t *px = quadrants(32, 32);
    test_buffer b = encode_heif(px, 32, 32, 0, heif_compression_HEVC, 1);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.icc_size, sizeof test_icc);
    assert_memory_equal(p.icc, test_icc, sizeof test_icc);
    probe_free(&p);
    free(b.data);
    free(px);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t *px = quadrants(64, 48);
    test_buffer b = encode_heif(px, 64, 48, 0, heif_compression_AV1, 0);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 64 * 48 - 1), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "64x48");
    imgcolor_options_free(opt);
    free(b.data);
    free(px);
}

/* Cut anywhere: E_DECODE naming the format, never an image made up. */
static void test_truncated(void **state)
{
    (void)state;
    uint8_t *px = quadrants(64, 48);
    static const enum heif_compression_format codecs[] = {heif_compression_HEVC,
                                                          heif_compression_AV1};
    static const char *names[] = {"HEIF: ", "AVIF: "};
    for (int c = 0; c < 2; c++) {
        test_buffer b = encode_heif(px, 64, 48, 1, codecs[c], 0);
        for (size_t n = 16; n < b.len; n += 1 + n / 16)
            expect_failure(b.data, n, NULL, IMGCOLOR_E_DECODE, names[c]);
        free(b.data);
    }
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_icc_profile),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
static void test_not_built(void **state)
{
    (void)state;
    expect_failure("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic", 24, NULL, IMGCOLOR_E_FORMAT,
                   "HEIF: not built");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
