/* test_decode_gif.c: the GIF decoder on images made here with giflib's encoder: palette
 * colours exact, the transparent index, interlacing, animations with each disposal, the
 * frame caps, and damage. */
#include <stdio.h>

#include "decode_helpers.h"

#if IMGCOLOR_WITH_GIF
#include <gif_lib.h>

static int write_fn(GifFileType *gif, const GifByteType *data, int len)
{
    test_buf_append(gif->UserData, data, (size_t)len);
    return len;
}

/* One frame of an image being built: a rectangle of palette indices. */
typedef struct gif_frame {
    int left, top, width, height;
    int interlace;
    int disposal;    /* 0..3 */
    int transparent; /* index, or -1 */
    const uint8_t *indices; /* width x height */
} gif_frame;

/* The 256-entry palette every image here uses; entry i is palette_rgb(i). */
static GifColorType palette_rgb(int i)
{
    GifColorType c = {(GifByteType)(i * 37 + 11), (GifByteType)(255 - i * 13),
                      (GifByteType)(i * i)};
    return c;
}

static test_buffer encode_gif(int w, int h, const gif_frame *frames, int n)
{
    test_buffer b = {0};
    int error;
    GifFileType *gif = EGifOpen(&b, write_fn, &error);
    assert_non_null(gif);
    EGifSetGifVersion(gif, true);
    GifColorType colours[256];
    for (int i = 0; i < 256; i++)
        colours[i] = palette_rgb(i);
    ColorMapObject *map = GifMakeMapObject(256, colours);
    assert_non_null(map);
    assert_int_equal(EGifPutScreenDesc(gif, w, h, 8, 0, map), GIF_OK);
    for (int f = 0; f < n; f++) {
        const gif_frame *fr = &frames[f];
        GraphicsControlBlock gcb = {fr->disposal, false, 10, fr->transparent};
        GifByteType ext[4];
        size_t len = EGifGCBToExtension(&gcb, ext);
        assert_int_equal(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, (int)len, ext), GIF_OK);
        assert_int_equal(EGifPutImageDesc(gif, fr->left, fr->top, fr->width, fr->height,
                                          fr->interlace, NULL),
                         GIF_OK);
        /* An interlaced frame's rows go out in the order of its four passes. */
        static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
        for (int p = 0; p < (fr->interlace ? 4 : 1); p++)
            for (int y = fr->interlace ? start[p] : 0; y < fr->height;
                 y += fr->interlace ? step[p] : 1)
                assert_int_equal(EGifPutLine(gif, (GifPixelType *)fr->indices + y * fr->width,
                                             fr->width),
                                 GIF_OK);
    }
    assert_int_equal(EGifCloseFile(gif, &error), GIF_OK);
    GifFreeMapObject(map);
    return b;
}

static uint8_t *index_pattern(int w, int h)
{
    uint8_t *ix = malloc((size_t)w * h);
    assert_non_null(ix);
    for (int i = 0; i < w * h; i++)
        ix[i] = (uint8_t)((i * 2654435761u) >> 24);
    return ix;
}

static void expect_pixel(const probe *p, uint32_t x, uint32_t y, int index)
{
    const uint8_t *px = p->rgba + ((size_t)y * p->width + x) * 4;
    if (index < 0) {
        if (px[3] != 0)
            fail_msg("pixel %u,%u: alpha %u, want transparent", x, y, px[3]);
        return;
    }
    GifColorType c = palette_rgb(index);
    if (px[0] != c.Red || px[1] != c.Green || px[2] != c.Blue || px[3] != 255)
        fail_msg("pixel %u,%u: %u %u %u %u, want index %d (%u %u %u 255)", x, y, px[0], px[1],
                 px[2], px[3], index, c.Red, c.Green, c.Blue);
}

/* Plain and interlaced, with and without a transparent index: exact palette colours. */
static void test_still(void **state)
{
    (void)state;
    const int w = 29, h = 19;
    uint8_t *ix = index_pattern(w, h);
    for (int interlace = 0; interlace <= 1; interlace++)
        for (int transparent = -1; transparent <= 7; transparent += 8) {
            gif_frame fr = {0, 0, w, h, interlace, 0, transparent, ix};
            test_buffer b = encode_gif(w, h, &fr, 1);
            probe p;
            imgcolor_error err;
            assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
            assert_int_equal(p.width, w);
            assert_int_equal(p.height, h);
            int seen_transparent = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int i = ix[y * w + x];
                    seen_transparent |= i == transparent;
                    expect_pixel(&p, (uint32_t)x, (uint32_t)y, i == transparent ? -1 : i);
                }
            assert_true(transparent < 0 || seen_transparent);
            probe_free(&p);
            free(b.data);
        }
    free(ix);
}

/*
 * An 8x6 canvas: frame 1 fills it with index 1; frame 2 draws index 2 over 3x2 at
 * (1,1) and is then cleared to transparent (disposal 2); frame 3 draws index 3 at
 * (4,2) 2x2 with its top-left transparent, then is undone (disposal 3); frame 4 draws
 * one pixel of index 4 at (7,5), partly off the canvas.
 */
static void test_animation(void **state)
{
    (void)state;
    uint8_t ones[48], twos[6], threes[4] = {9, 3, 3, 3}, fours[4] = {4, 4, 4, 4};
    memset(ones, 1, sizeof ones);
    memset(twos, 2, sizeof twos);
    const gif_frame frames[4] = {{0, 0, 8, 6, 0, 1, -1, ones},
                                 {1, 1, 3, 2, 0, 2, -1, twos},
                                 {4, 2, 2, 2, 0, 3, 9, threes},
                                 {7, 5, 2, 2, 0, 0, -1, fours}};
    test_buffer b = encode_gif(8, 6, frames, 4);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(b.data, b.len, NULL, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.width, 8);
    assert_int_equal(p.height, 24);
    for (uint32_t f = 0; f < 4; f++)
        for (uint32_t y = 0; y < 6; y++)
            for (uint32_t x = 0; x < 8; x++) {
                int want = 1;
                int in2 = x >= 1 && x < 4 && y >= 1 && y < 3;
                int in3 = x >= 4 && x < 6 && y >= 2 && y < 4 && !(x == 4 && y == 2);
                if (f == 1 && in2)
                    want = 2;
                if (f >= 2 && in2)
                    want = -1;
                if (f == 2 && in3)
                    want = 3;
                if (f == 3 && x == 7 && y == 5)
                    want = 4;
                expect_pixel(&p, x, f * 6 + y, want);
            }
    probe_free(&p);

    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    assert_int_equal(probe_decode(b.data, b.len, opt, &p, &err), IMGCOLOR_OK);
    assert_int_equal(p.height, 6);
    for (uint32_t i = 0; i < 48; i++)
        expect_pixel(&p, i % 8, i / 8, 1);
    probe_free(&p);
    /* With only the first frame wanted, the caps on frames do not apply. */
    assert_int_equal(imgcolor_options_set_max_frames(opt, 1), IMGCOLOR_OK);
    assert_int_equal(probe_decode(b.data, b.len, opt, &p, &err), IMGCOLOR_OK);
    probe_free(&p);

    assert_int_equal(imgcolor_options_set_all_frames(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_frames(opt, 3), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "GIF: more than 3 frames, the limit");
    assert_int_equal(imgcolor_options_set_max_frames(opt, 4), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, 191), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "over the limit of 191");
    imgcolor_options_free(opt);
    free(b.data);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t *ix = index_pattern(50, 40);
    gif_frame fr = {0, 0, 50, 40, 0, 0, -1, ix};
    test_buffer b = encode_gif(50, 40, &fr, 1);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1999), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "50x40");
    /* A frame larger than the canvas is held to the same limit. */
    gif_frame wide = {0, 0, 50, 40, 0, 0, -1, ix};
    test_buffer c = encode_gif(10, 10, &wide, 1);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1000), IMGCOLOR_OK);
    expect_failure(c.data, c.len, opt, IMGCOLOR_E_TOO_LARGE, "50x40");
    imgcolor_options_free(opt);
    free(c.data);
    free(b.data);
    free(ix);
}

static void test_damage(void **state)
{
    (void)state;
    uint8_t *ix = index_pattern(50, 40);
    gif_frame fr[2] = {{0, 0, 50, 40, 0, 0, -1, ix}, {0, 0, 50, 40, 1, 0, -1, ix}};
    test_buffer b = encode_gif(50, 40, fr, 2);
    /* Cut anywhere before the trailer: E_DECODE naming GIF. */
    for (size_t n = 7; n + 1 < b.len; n += 1 + n / 32)
        expect_failure(b.data, n, NULL, IMGCOLOR_E_DECODE, "GIF: ");
    expect_failure(b.data, 5, NULL, IMGCOLOR_E_DECODE, "GIF: truncated");
    /* No colour table at all: the global one's flag cleared, no local one. */
    uint8_t *bad = malloc(b.len);
    assert_non_null(bad);
    memcpy(bad, b.data, b.len);
    bad[10] &= 0x7f;
    expect_failure(bad, b.len, NULL, IMGCOLOR_E_DECODE, "GIF: ");
    free(bad);
    free(b.data);
    free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_still),
        cmocka_unit_test(test_animation),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
static void test_not_built(void **state)
{
    (void)state;
    expect_failure("GIF89a\x01\0\x01\0\0\0\0;", 14, NULL, IMGCOLOR_E_FORMAT, "GIF: not built");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
