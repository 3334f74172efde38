/* test_decode_webp.c: the WebP decoder on images made here with libwebp's encoders:
 * lossless pixels exact, lossy close, alpha, the ICC profile, animations, limits and
 * damage. */
#include <stdio.h>

#include "decode_helpers.h"

#if IMGCOLOR_WITH_WEBP
#include <webp/encode.h>
#include <webp/mux.h>

/* w x h RGBA as WebP: lossless (exact, colours under alpha kept) or lossy at quality q. */
static test_buffer encode_webp(const uint8_t *rgba, uint32_t w, uint32_t h, int lossless, float q)
{
    WebPConfig config;
    assert_true(WebPConfigInit(&config));
    config.lossless = lossless;
    config.exact = 1;
    config.quality = q;
    config.alpha_quality = 100;
    WebPPicture pic;
    assert_true(WebPPictureInit(&pic));
    pic.use_argb = 1;
    pic.width = (int)w;
    pic.height = (int)h;
    assert_true(WebPPictureImportRGBA(&pic, rgba, (int)w * 4));
    WebPMemoryWriter wr;
    WebPMemoryWriterInit(&wr);
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = &wr;
    assert_true(WebPEncode(&config, &pic));
    WebPPictureFree(&pic);
    test_buffer b = {0};
    test_buf_append(&b, wr.mem, wr.size);
    WebPMemoryWriterClear(&wr);
    return b;
}

/* frames solid colours, w x h each, as a lossless animation. */
static test_buffer encode_animation(uint32_t w, uint32_t h, const uint8_t (*colours)[4],
                                    int frames)
{
    WebPAnimEncoderOptions aopt;
    assert_true(WebPAnimEncoderOptionsInit(&aopt));
    WebPAnimEncoder *enc = WebPAnimEncoderNew((int)w, (int)h, &aopt);
    assert_non_null(enc);
    WebPConfig config;
    assert_true(WebPConfigInit(&config));
    config.lossless = 1;
    config.exact = 1;
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (int f = 0; f < frames; f++) {
        for (size_t i = 0; i < (size_t)w * h; i++)
            memcpy(px + 4 * i, colours[f], 4);
        WebPPicture pic;
        assert_true(WebPPictureInit(&pic));
        pic.use_argb = 1;
        pic.width = (int)w;
        pic.height = (int)h;
        assert_true(WebPPictureImportRGBA(&pic, px, (int)w * 4));
        assert_true(WebPAnimEncoderAdd(enc, &pic, f * 100, &config));
        WebPPictureFree(&pic);
    }
    assert_true(WebPAnimEncoderAdd(enc, NULL, frames * 100, NULL));
    WebPData data;
    WebPDataInit(&data);
    assert_true(WebPAnimEncoderAssemble(enc, &data));
    test_buffer b = {0};
    test_buf_append(&b, data.bytes, data.size);
    WebPDataClear(&data);
    WebPAnimEncoderDelete(enc);
    free(px);
    return b;
}

static void test_lossless_exact(void **state)
{
    (void)state;
    const uint32_t w = 37, h = 23;
    for (int alpha = 0; alpha <= 1; alpha++) {
        uint8_t *px = test_pattern(w, h, alpha);
        test_buffer b = encode_webp(px, w, h, 1, 100);
        probe p;
        imgcolor_error err;
        assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
        assert_int_equal(p.width, w);
        assert_int_equal(p.height, h);
        assert_memory_equal(p.rgba, px, (size_t)w * h * 4);
        assert_null(p.icc);
        probe_free(&p);
        free(b.data);
        free(px);
    }
}

/* Lossy: colours close to the original (a smooth image, quality 90), alpha exact (it is
 * coded losslessly at alpha_quality 100). */
static void test_lossy(void **state)
{
    (void)state;
    const uint32_t w = 64, h = 48;
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *q = px + ((size_t)y * w + x) * 4;
            q[0] = (uint8_t)(x * 4);
            q[1] = (uint8_t)(y * 5);
            q[2] = 128;
            q[3] = (uint8_t)(x < 32 ? 255 : 64 + y);
        }
    test_buffer b = encode_webp(px, w, h, 0, 90);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.width, w);
    for (int c = 0; c < 3; c++)
        assert_true(mean_abs_diff(p.rgba, px, (size_t)w * h, c) < 3.0);
    for (size_t i = 0; i < (size_t)w * h; i++)
        assert_int_equal(p.rgba[4 * i + 3], px[4 * i + 3]);
    probe_free(&p);
    free(b.data);
    free(px);
}

static void test_icc_profile(void **state)
{
    (void)state;
    uint8_t *px = test_pattern(8, 8, 0);
    test_buffer still = encode_webp(px, 8, 8, 1, 100);
    uint8_t icc[300];
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (uint8_t)(i * 7 + 3);
    WebPMux *mux = WebPMuxNew();
    assert_non_null(mux);
    WebPData image = {still.data, still.len}, profile = {icc, sizeof icc}, out;
    assert_int_equal(WebPMuxSetImage(mux, &image, 1), WEBP_MUX_OK);
    assert_int_equal(WebPMuxSetChunk(mux, "ICCP", &profile, 1), WEBP_MUX_OK);
    assert_int_equal(WebPMuxAssemble(mux, &out), WEBP_MUX_OK);
    WebPMuxDelete(mux);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(out.bytes, out.size, NULL, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.icc_size, sizeof icc);
    assert_memory_equal(p.icc, icc, sizeof icc);
    assert_memory_equal(p.rgba, px, 8 * 8 * 4);
    probe_free(&p);
    WebPDataClear(&out);
    free(still.data);
    free(px);
}

static const uint8_t anim_colours[3][4] = {{255, 0, 0, 255}, {0, 0, 255, 255},
                                           {0, 200, 0, 100}};

/* Every frame by default, stacked; the first only on request. */
static void test_animation(void **state)
{
    (void)state;
    test_buffer b = encode_animation(6, 5, anim_colours, 3);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.width, 6);
    assert_int_equal(p.height, 15);
    for (uint32_t y = 0; y < 15; y++)
        for (uint32_t x = 0; x < 6; x++)
            assert_memory_equal(p.rgba + (y * 6 + x) * 4, anim_colours[y / 5], 4);
    probe_free(&p);

    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    assert_int_equal(probe_decode(b.data, b.len, opt, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.height, 5);
    for (uint32_t i = 0; i < 30; i++)
        assert_memory_equal(p.rgba + 4 * i, anim_colours[0], 4);
    probe_free(&p);

    /* The caps, checked before any frame is decoded. */
    assert_int_equal(imgcolor_options_set_all_frames(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_frames(opt, 2), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "more than 2 frames, the limit");
    assert_int_equal(imgcolor_options_set_max_frames(opt, 3), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, 89), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "(90 pixels), over the limit of 89");
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, 90), IMGCOLOR_OK);
    assert_int_equal(probe_decode(b.data, b.len, opt, &p, &err), IMGCOLOR_OK);
    probe_free(&p);

    /* Through the whole pipeline: 90 pixels counted, 30 of them transparent. */
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(b.data, b.len, NULL, &res, &err), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_pixels(res), 60);
    assert_int_equal(imgcolor_result_transparent(res), 30);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(b.data);
}

static void test_limits_and_options(void **state)
{
    (void)state;
    uint8_t *px = test_pattern(40, 30, 0);
    test_buffer b = encode_webp(px, 40, 30, 1, 100);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1199), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "40x30");

    /* The new setters validate. */
    assert_int_equal(imgcolor_options_get_all_frames(NULL), 1);
    assert_int_equal(imgcolor_options_get_max_frames(NULL), 1000);
    assert_int_equal(imgcolor_options_get_max_total_pixels(NULL), IMGCOLOR_DEFAULT_MAX_PIXELS);
    assert_int_equal(imgcolor_options_set_all_frames(opt, 2), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_all_frames(opt, -1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_frames(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_frames(opt, 100001), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_frames(opt, 100000), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, ((uint64_t)1 << 40) + 1),
                     IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_frames(NULL, 5), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_options_get_max_frames(opt), 100000);
    imgcolor_options_free(opt);
    free(b.data);
    free(px);
}

/* Truncated anywhere: E_DECODE naming WebP, never a partial image. */
static void test_truncated(void **state)
{
    (void)state;
    uint8_t *px = test_pattern(40, 30, 1);
    test_buffer b = encode_webp(px, 40, 30, 1, 100);
    for (size_t n = 13; n < b.len; n += 1 + n / 16)
        expect_failure(b.data, n, NULL, IMGCOLOR_E_DECODE, "WebP: ");
    expect_failure(b.data, 11, NULL, IMGCOLOR_E_DECODE, "WebP: truncated");
    test_buffer a = encode_animation(6, 5, anim_colours, 3);
    for (size_t n = 13; n < a.len; n += 7)
        expect_failure(a.data, n, NULL, IMGCOLOR_E_DECODE, "WebP: ");
    free(a.data);
    free(b.data);
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lossless_exact), cmocka_unit_test(test_lossy),
        cmocka_unit_test(test_icc_profile),    cmocka_unit_test(test_animation),
        cmocka_unit_test(test_limits_and_options), cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
/* Built without WebP: a WebP file is recognised and refused as not built in. */
static void test_not_built(void **state)
{
    (void)state;
    expect_failure("RIFF\x10\0\0\0WEBPVP8L\x04\0\0\0\x2f\0\0\0", 24, NULL, IMGCOLOR_E_FORMAT,
                   "WebP: not built");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
