/* test_background.c: leaving the background out, on images made here: a photo pasted
 * on a solid and on a noisy backdrop, a white shirt inside a white backdrop, a photo
 * with no background, a uniform image; the detection rule's threshold, a given colour,
 * fast mode, a region's border, animations and the options. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "imgcolor.h"

#define PHOTO(name) IMGCOLOR_TEST_DATA "/photos/" name
#define MARGIN 40u

typedef struct picture {
    uint32_t w, h;
    uint8_t *rgba;
} picture;

static picture canvas(uint32_t w, uint32_t h, imgcolor_rgb c)
{
    picture p = {w, h, malloc((size_t)w * h * 4)};
    assert_non_null(p.rgba);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        p.rgba[4 * i] = c.r;
        p.rgba[4 * i + 1] = c.g;
        p.rgba[4 * i + 2] = c.b;
        p.rgba[4 * i + 3] = 255;
    }
    return p;
}

/* Adds noise of +-amp to every channel, from a fixed LCG: the same image every run. */
static void add_noise(picture *p, int amp)
{
    uint32_t s = 12345;
    for (size_t i = 0; i < (size_t)p->w * p->h * 4; i++) {
        if (i % 4 == 3)
            continue;
        s = s * 1664525u + 1013904223u;
        int v = p->rgba[i] + (int)(s >> 24) % (2 * amp + 1) - amp;
        p->rgba[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static picture photo(void)
{
    size_t size;
    uint8_t *data = test_read_file(PHOTO("coffee.png"), &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    free(data);
    picture p = {img->width, img->height, img->rgba};
    free(img);
    return p;
}

static void paste(picture *dst, const picture *src, uint32_t x, uint32_t y)
{
    for (uint32_t r = 0; r < src->h; r++)
        memcpy(dst->rgba + ((size_t)(y + r) * dst->w + x) * 4, src->rgba + (size_t)r * src->w * 4,
               (size_t)src->w * 4);
}

static imgcolor_options *options(imgcolor_background_mode mode, imgcolor_rgb colour)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 5), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_n_init(opt, 4), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_background(opt, mode, colour), IMGCOLOR_OK);
    return opt;
}

static imgcolor_result *run_pixels(const picture *p, const imgcolor_options *opt)
{
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent_pixels(p->rgba, p->w, p->h, (size_t)p->w * 4, IMGCOLOR_PIXEL_RGBA8,
                                  opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    return res;
}

/* The same picture encoded as PNG, through the decoder and its chain of sinks. */
static imgcolor_result *run_png(const picture *p, const imgcolor_options *opt)
{
    imgcolor_image img = {.width = p->w, .height = p->h, .rgba = p->rgba};
    void *png = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_png_encode(&img, &png, &len, NULL), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent(png, len, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    imgcolor_free(png);
    return res;
}

static void assert_background(const imgcolor_result *res, imgcolor_rgb want, int levels,
                              uint64_t lo, uint64_t hi)
{
    const imgcolor_background *bg = imgcolor_result_background(res);
    assert_non_null(bg);
    if (abs(bg->rgb.r - want.r) > levels || abs(bg->rgb.g - want.g) > levels ||
        abs(bg->rgb.b - want.b) > levels)
        fail_msg("background %s, expected within %d of %02x%02x%02x", bg->hex, levels, want.r,
                 want.g, want.b);
    if (bg->count < lo || bg->count > hi)
        fail_msg("background of %llu pixels, expected %llu..%llu",
                 (unsigned long long)bg->count, (unsigned long long)lo,
                 (unsigned long long)hi);
    double total = (double)(bg->count + imgcolor_result_pixels(res));
    assert_true(bg->fraction > (double)bg->count / total - 1e-12 &&
                bg->fraction < (double)bg->count / total + 1e-12);
}

/* Each colour within `levels` of the same-ranked colour of the reference. */
static void assert_palette(const imgcolor_result *got, const imgcolor_result *want, int levels)
{
    assert_int_equal(imgcolor_result_count(got), imgcolor_result_count(want));
    for (size_t i = 0; i < imgcolor_result_count(got); i++) {
        const imgcolor_cluster *a = imgcolor_result_color(got, i);
        const imgcolor_cluster *b = imgcolor_result_color(want, i);
        if (abs(a->rgb.r - b->rgb.r) > levels || abs(a->rgb.g - b->rgb.g) > levels ||
            abs(a->rgb.b - b->rgb.b) > levels)
            fail_msg("colour %zu: %s, the photo alone has %s", i, a->hex, b->hex);
    }
}

/* A photo pasted on a backdrop: the backdrop found, of the margin's pixels (plus at most
 * 0.5% of the photo's own, where its edge is as light), and the photo's palette left. */
static void check_pasted(imgcolor_rgb backdrop, int noise, int levels)
{
    picture ph = photo();
    picture p = canvas(ph.w + 2 * MARGIN, ph.h + 2 * MARGIN, backdrop);
    if (noise)
        add_noise(&p, noise);
    paste(&p, &ph, MARGIN, MARGIN);
    imgcolor_options *keep = options(IMGCOLOR_BACKGROUND_KEEP, backdrop);
    imgcolor_options *excl = options(IMGCOLOR_BACKGROUND_EXCLUDE, backdrop);
    imgcolor_result *alone = run_pixels(&ph, keep);
    uint64_t margin = (uint64_t)p.w * p.h - (uint64_t)ph.w * ph.h;
    uint64_t slack = (uint64_t)ph.w * ph.h / 200;
    imgcolor_result *res[2] = {run_pixels(&p, excl), run_png(&p, excl)};
    for (int i = 0; i < 2; i++) {
        assert_background(res[i], backdrop, levels, margin, margin + slack);
        assert_palette(res[i], alone, 2);
        assert_true(imgcolor_result_pixels(res[i]) + imgcolor_result_background(res[i])->count ==
                    (uint64_t)p.w * p.h);
    }
    assert_true(imgcolor_result_background(res[0])->count ==
                imgcolor_result_background(res[1])->count);
    assert_null(imgcolor_result_background(alone));
    for (int i = 0; i < 2; i++)
        imgcolor_result_free(res[i]);
    imgcolor_result_free(alone);
    imgcolor_options_free(keep);
    imgcolor_options_free(excl);
    free(p.rgba);
    free(ph.rgba);
}

static void test_solid_backdrop(void **state)
{
    (void)state;
    check_pasted((imgcolor_rgb){255, 255, 255}, 0, 0);
    check_pasted((imgcolor_rgb){40, 110, 200}, 0, 0);
}

static void test_noisy_backdrop(void **state)
{
    (void)state;
    check_pasted((imgcolor_rgb){240, 240, 236}, 4, 2);
}

static void fill(picture *p, uint32_t x, uint32_t y, uint32_t w, uint32_t h, imgcolor_rgb c)
{
    for (uint32_t r = y; r < y + h; r++)
        for (uint32_t q = x; q < x + w; q++) {
            uint8_t *px = p->rgba + ((size_t)r * p->w + q) * 4;
            px[0] = c.r;
            px[1] = c.g;
            px[2] = c.b;
        }
}

static const imgcolor_cluster *find_hex(const imgcolor_result *res, const char *hex)
{
    for (size_t i = 0; i < imgcolor_result_count(res); i++)
        if (strcmp(imgcolor_result_color(res, i)->hex, hex) == 0)
            return imgcolor_result_color(res, i);
    fail_msg("no cluster %s", hex);
    return NULL;
}

/* A white shirt inside a white backdrop, the two apart by a dark outline: only the
 * backdrop is background, the shirt a colour of the result. */
static void test_white_shirt(void **state)
{
    (void)state;
    const imgcolor_rgb white = {255, 255, 255}, navy = {32, 32, 64};
    picture p = canvas(300, 300, white);
    fill(&p, 60, 60, 180, 180, navy);
    fill(&p, 70, 70, 160, 160, white);
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, white);
    imgcolor_result *res = run_png(&p, opt);
    assert_background(res, white, 0, 300 * 300 - 180 * 180, 300 * 300 - 180 * 180);
    assert_int_equal(imgcolor_result_count(res), 2);
    assert_true(find_hex(res, "#ffffff")->count == 160 * 160);
    assert_true(find_hex(res, "#202040")->count == 180 * 180 - 160 * 160);
    assert_true(imgcolor_result_pixels(res) == 180 * 180);
    imgcolor_result_free(res);
    /* An opening in the outline joins the shirt to the backdrop: then it is background. */
    fill(&p, 60, 140, 10, 4, white);
    res = run_png(&p, opt);
    assert_background(res, white, 0, 300 * 300 - 180 * 180 + 40 + 160 * 160,
                      300 * 300 - 180 * 180 + 40 + 160 * 160);
    assert_int_equal(imgcolor_result_count(res), 1);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(p.rgba);
}

/* The counts are the same on one thread or two, for a megapixel and more (the size at
 * which the default path counts on a second thread), and with min_alpha 0 or 128. */
static void test_counting_paths(void **state)
{
    (void)state;
    const imgcolor_rgb white = {255, 255, 255}, navy = {32, 32, 64};
    picture p = canvas(1200, 1000, white);
    fill(&p, 100, 100, 1000, 800, navy);
    fill(&p, 110, 110, 980, 780, white);
    fill(&p, 0, 0, 10, 10, (imgcolor_rgb){200, 0, 0}); /* a red corner, joined by nothing */
    const uint64_t back = 1200 * 1000 - 1000 * 800 - 100;
    for (int min_alpha = 0; min_alpha <= 128; min_alpha += 128) {
        for (int threads = 1; threads <= 2; threads++) {
            imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, white);
            assert_int_equal(imgcolor_options_set_min_alpha(opt, min_alpha), IMGCOLOR_OK);
            assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
            imgcolor_result *res = run_png(&p, opt);
            assert_background(res, white, 0, back, back);
            assert_true(imgcolor_result_transparent(res) == 0);
            assert_true(imgcolor_result_pixels(res) == 1000 * 800 + 100);
            assert_true(find_hex(res, "#ffffff")->count == 980 * 780);
            assert_true(find_hex(res, "#c80000")->count == 100);
            imgcolor_result_free(res);
            imgcolor_options_free(opt);
        }
    }
    free(p.rgba);
}

/* A photo whose border has no one colour: no background, a warning, and the result of
 * keep. */
static void test_no_background(void **state)
{
    (void)state;
    picture ph = photo();
    imgcolor_options *keep = options(IMGCOLOR_BACKGROUND_KEEP, (imgcolor_rgb){0, 0, 0});
    imgcolor_options *excl = options(IMGCOLOR_BACKGROUND_EXCLUDE, (imgcolor_rgb){0, 0, 0});
    imgcolor_result *a = run_png(&ph, keep), *b = run_png(&ph, excl);
    assert_null(imgcolor_result_background(b));
    assert_int_equal(imgcolor_result_background_mode(b), IMGCOLOR_BACKGROUND_EXCLUDE);
    assert_true(imgcolor_result_pixels(a) == imgcolor_result_pixels(b));
    assert_true(imgcolor_result_inertia(a) == imgcolor_result_inertia(b));
    assert_palette(b, a, 0);
    assert_int_equal(imgcolor_result_warning_count(b), 1);
    assert_non_null(strstr(imgcolor_result_warning(b, 0), "no background found"));
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(b, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"background\":null,\"colors\":"));
    imgcolor_free(json);
    assert_int_equal(imgcolor_result_to_json(a, NULL, &json), IMGCOLOR_OK);
    assert_null(strstr(json, "\"background\""));
    imgcolor_free(json);
    imgcolor_result_free(a);
    imgcolor_result_free(b);
    imgcolor_options_free(keep);
    imgcolor_options_free(excl);
    free(ph.rgba);
}

/* A uniform image is all background: no clusters. */
static void test_uniform(void **state)
{
    (void)state;
    const imgcolor_rgb grey = {128, 128, 128};
    picture p = canvas(64, 48, grey);
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, grey);
    imgcolor_result *res = run_png(&p, opt);
    assert_background(res, grey, 0, 64 * 48, 64 * 48);
    assert_true(imgcolor_result_background(res)->fraction == 1.0);
    assert_int_equal(imgcolor_result_count(res), 0);
    assert_true(imgcolor_result_pixels(res) == 0);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"background\":{\"rgb\":[128,128,128],\"hex\":\"#808080\","
                                 "\"count\":3072,\"fraction\":1},\"colors\":[]"));
    imgcolor_free(json);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(p.rgba);
}

/* The border of a 100 x 100 image is 396 pixels; its first n, going round, are light
 * and the rest red. 60% of 396 is 237.6: 238 light pixels are a background, 237 not. */
static void border_of(picture *p, uint32_t n)
{
    uint32_t at = 0;
    for (uint32_t i = 0; i < 396; i++) {
        uint32_t x, y;
        if (i < 100)
            x = i, y = 0;
        else if (i < 198)
            x = 99, y = i - 99;
        else if (i < 298)
            x = 297 - i, y = 99;
        else
            x = 0, y = 396 - i;
        imgcolor_rgb c = at++ < n ? (imgcolor_rgb){250, 250, 250} : (imgcolor_rgb){200, 0, 0};
        fill(p, x, y, 1, 1, c);
    }
}

static void test_majority_rule(void **state)
{
    (void)state;
    picture p = canvas(100, 100, (imgcolor_rgb){0, 0, 200});
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, (imgcolor_rgb){0, 0, 0});
    border_of(&p, 238);
    imgcolor_result *res = run_pixels(&p, opt);
    assert_background(res, (imgcolor_rgb){250, 250, 250}, 0, 238, 238);
    imgcolor_result_free(res);
    border_of(&p, 237);
    res = run_pixels(&p, opt);
    assert_null(imgcolor_result_background(res));
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(p.rgba);
}

/* Oklab distance, for the tolerance's edge. */
static double delta_ok(imgcolor_rgb a, imgcolor_rgb b);

/* A colour given: its pixels within the tolerance, through the border, and no more. */
static void test_given_colour(void **state)
{
    (void)state;
    const imgcolor_rgb blue = {40, 110, 200}, near_blue = {44, 112, 196};
    picture p = canvas(200, 100, blue);
    fill(&p, 100, 0, 100, 100, near_blue);
    fill(&p, 40, 30, 20, 20, (imgcolor_rgb){250, 200, 0});
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_COLOR, blue);
    double d = delta_ok(blue, near_blue);
    assert_true(d > 0.005 && d < 0.04);
    assert_int_equal(imgcolor_options_set_bg_tolerance(opt, d * 1.001), IMGCOLOR_OK);
    imgcolor_result *res = run_pixels(&p, opt);
    assert_background(res, blue, 0, 200 * 100 - 400, 200 * 100 - 400);
    imgcolor_result_free(res);
    /* Just under the distance: the near half is foreground. */
    assert_int_equal(imgcolor_options_set_bg_tolerance(opt, d * 0.999), IMGCOLOR_OK);
    res = run_pixels(&p, opt);
    assert_background(res, blue, 0, 100 * 100 - 400, 100 * 100 - 400);
    assert_true(find_hex(res, "#2c70c4")->count == 100 * 100);
    imgcolor_result_free(res);
    /* A colour that is nowhere: no background. */
    assert_int_equal(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_COLOR,
                                                     (imgcolor_rgb){255, 0, 255}),
                     IMGCOLOR_OK);
    res = run_pixels(&p, opt);
    assert_null(imgcolor_result_background(res));
    assert_true(imgcolor_result_pixels(res) == 200 * 100);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(p.rgba);
}

/* Fast mode grows the background on the sample and scales its count back. */
static void test_fast(void **state)
{
    (void)state;
    picture ph = photo();
    const imgcolor_rgb backdrop = {255, 255, 255};
    picture p = canvas(ph.w + 2 * MARGIN, ph.h + 2 * MARGIN, backdrop);
    paste(&p, &ph, MARGIN, MARGIN);
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, backdrop);
    imgcolor_result *exact = run_png(&p, opt);
    assert_int_equal(imgcolor_options_set_fast(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_fast_min_pixels(opt, 20000), IMGCOLOR_OK);
    imgcolor_result *fast = run_png(&p, opt);
    assert_int_equal(imgcolor_result_sampled(fast), 1);
    assert_true(imgcolor_result_sample_step(fast) > 1);
    uint64_t want = imgcolor_result_background(exact)->count;
    uint64_t got = imgcolor_result_background(fast)->count;
    assert_true(got > want * 97 / 100 && got < want * 103 / 100);
    assert_true(imgcolor_result_pixels(fast) + got == (uint64_t)p.w * p.h);
    assert_palette(fast, exact, 6);
    imgcolor_result_free(fast);
    imgcolor_result_free(exact);
    imgcolor_options_free(opt);
    free(p.rgba);
    free(ph.rgba);
}

/* With a region, the border is the region's. */
static void test_region_border(void **state)
{
    (void)state;
    picture p = canvas(300, 300, (imgcolor_rgb){255, 255, 255});
    fill(&p, 50, 50, 200, 200, (imgcolor_rgb){200, 30, 30});
    fill(&p, 125, 125, 50, 50, (imgcolor_rgb){30, 160, 60});
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, (imgcolor_rgb){0, 0, 0});
    imgcolor_result *res = run_png(&p, opt);
    assert_background(res, (imgcolor_rgb){255, 255, 255}, 0, 50000, 50000);
    imgcolor_result_free(res);
    imgcolor_region_spec spec;
    assert_int_equal(imgcolor_region_parse("50,50,200,200", 13, &spec, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_region(opt, &spec), IMGCOLOR_OK);
    res = run_png(&p, opt);
    assert_background(res, (imgcolor_rgb){200, 30, 30}, 0, 37500, 37500);
    assert_int_equal(imgcolor_result_count(res), 1);
    assert_string_equal(imgcolor_result_color(res, 0)->hex, "#1ea03c");
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(p.rgba);
}

#if IMGCOLOR_WITH_GIF
#include <gif_lib.h>

static int gif_write(GifFileType *gif, const GifByteType *data, int len)
{
    test_buf_append(gif->UserData, data, (size_t)len);
    return len;
}

/* An animation of `frames` frames of 16 x height: frame f's rows above `split` palette
 * entry f & 1 (white or blue), the rest the other entry. */
static test_buffer animation_of(int frames, int height, int split)
{
    test_buffer b = {0};
    int error;
    GifFileType *gif = EGifOpen(&b, gif_write, &error);
    assert_non_null(gif);
    GifColorType colours[2] = {{255, 255, 255}, {0, 0, 255}};
    ColorMapObject *map = GifMakeMapObject(2, colours);
    assert_int_equal(EGifPutScreenDesc(gif, 16, height, 1, 0, map), GIF_OK);
    GifPixelType line[16];
    for (int f = 0; f < frames; f++) {
        assert_int_equal(EGifPutImageDesc(gif, 0, 0, 16, height, false, NULL), GIF_OK);
        for (int y = 0; y < height; y++) {
            memset(line, (f + (y >= split)) & 1, sizeof line);
            assert_int_equal(EGifPutLine(gif, line, 16), GIF_OK);
        }
    }
    assert_int_equal(EGifCloseFile(gif, &error), GIF_OK);
    GifFreeMapObject(map);
    return b;
}

static test_buffer animation(int frames)
{
    return animation_of(frames, 16, 16);
}

static void set_region(imgcolor_options *opt, const char *text)
{
    imgcolor_region_spec spec;
    assert_int_equal(imgcolor_region_parse(text, strlen(text), &spec, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_region(opt, &spec), IMGCOLOR_OK);
}

/* Options for the region tests: the region given, k = 2, nothing left out. */
static imgcolor_options *region_options(const char *region)
{
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_KEEP, (imgcolor_rgb){0, 0, 0});
    set_region(opt, region);
    assert_int_equal(imgcolor_options_set_k(opt, 2), IMGCOLOR_OK);
    return opt;
}

/* The result for gif, which must be a success with `pixels` pixels counted. */
static imgcolor_result *gif_result(const test_buffer *gif, const imgcolor_options *opt,
                                   uint64_t pixels)
{
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent(gif->data, gif->len, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    assert_true(imgcolor_result_pixels(res) == pixels);
    return res;
}
#endif

/* Stacked frames have no one border: a clear error, and the first frame alone works. */
static void test_animation(void **state)
{
    (void)state;
#if IMGCOLOR_WITH_GIF
    test_buffer gif = animation(2);
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, (imgcolor_rgb){0, 0, 0});
    imgcolor_result *res = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_prominent(gif.data, gif.len, opt, &res, &err), IMGCOLOR_E_INVALID);
    assert_null(res);
    assert_non_null(strstr(err.message, "one frame"));
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent(gif.data, gif.len, opt, &res, &err), IMGCOLOR_OK);
    assert_true(imgcolor_result_background(res)->count == 256);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(gif.data);
#else
    skip();
#endif
}

/* A region alone is every frame's: of frames whose halves swap colours, the bottom half
 * of each is blue in the first frame and white in the second; the stacked image's rows
 * 8-15 would be blue only. */
static void test_region_of_every_frame(void **state)
{
    (void)state;
#if IMGCOLOR_WITH_GIF
    test_buffer gif = animation_of(2, 16, 8);
    imgcolor_options *opt = region_options("0,8,16,8");
    imgcolor_result *res = gif_result(&gif, opt, 256);
    assert_int_equal(imgcolor_result_count(res), 2);
    for (size_t i = 0; i < 2; i++)
        assert_true(imgcolor_result_color(res, i)->count == 128);
    const imgcolor_region *used = imgcolor_result_region(res);
    assert_non_null(used);
    assert_true(used->y == 8 && used->h == 8 && used->w == 16);
    imgcolor_result_free(res);
    /* one frame: the bottom half of the first, blue only */
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    res = gif_result(&gif, opt, 128);
    assert_int_equal(imgcolor_result_count(res), 1);
    assert_string_equal(imgcolor_result_color(res, 0)->hex, "#0000ff");
    imgcolor_result_free(res);
    /* a region past the first frame's rows is past every frame's */
    assert_int_equal(imgcolor_options_set_all_frames(opt, 1), IMGCOLOR_OK);
    set_region(opt, "0,16,16,8");
    res = NULL;
    assert_int_equal(imgcolor_prominent(gif.data, gif.len, opt, &res, NULL), IMGCOLOR_E_RANGE);
    assert_null(res);
    free(gif.data);
    /* a one-frame GIF is a still image */
    gif = animation(1);
    set_region(opt, "0,0,8,8");
    imgcolor_result_free(gif_result(&gif, opt, 64));
    imgcolor_options_free(opt);
    free(gif.data);
#else
    skip();
#endif
}

/* Where each frame's region lands in the stack: frames of 48 rows (decoded in batches
 * of 32, so a batch spans two frames) whose colours swap at row 24, and a region of
 * columns 4-11 and rows 20-43, which crosses a batch's end. In the stack of regions (8
 * x 24 each), the first frame's blue is its rows 4-23 and the second frame's its rows
 * 0-3, stack rows 24-27: the blue box is rows 4-28. */
static void test_region_rows_of_every_frame(void **state)
{
    (void)state;
#if IMGCOLOR_WITH_GIF
    test_buffer gif = animation_of(2, 48, 24);
    imgcolor_options *opt = region_options("4,20,8,24");
    assert_int_equal(imgcolor_options_set_where(opt, 1), IMGCOLOR_OK);
    imgcolor_result *res = gif_result(&gif, opt, 2 * 8 * 24);
    assert_int_equal(imgcolor_result_count(res), 2);
    for (size_t i = 0; i < 2; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        assert_true(c->count == 8 * 24);
        assert_true(c->has_where);
        int blue = strcmp(c->hex, "#0000ff") == 0;
        assert_true(blue || strcmp(c->hex, "#ffffff") == 0);
        const uint32_t *box = c->where.box;
        print_message("%s: box %u,%u-%u,%u\n", c->hex, box[0], box[1], box[2], box[3]);
        assert_true(box[0] == 0 && box[2] == 8);
        assert_true(blue ? box[1] == 4 && box[3] == 28 : box[1] == 0 && box[3] == 48);
    }
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(gif.data);
#else
    skip();
#endif
}

/* The tolerance is of the colours people see: a PNG that declares gamma 1.0 stores
 * 128 for what shows as sRGB 188, and the background is that colour. */
static void test_colour_managed(void **state)
{
    (void)state;
    picture p = canvas(100, 60, (imgcolor_rgb){128, 128, 128});
    fill(&p, 30, 20, 40, 20, (imgcolor_rgb){0, 0, 0});
    imgcolor_image img = {.width = p.w, .height = p.h, .rgba = p.rgba};
    void *png = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_png_encode(&img, &png, &len, NULL), IMGCOLOR_OK);
    test_buffer b = {0};
    test_buf_append(&b, png, 33); /* the signature and IHDR */
    uint8_t gamma[4] = {0, 1, 0x86, 0xa0}; /* 100000: 1.0 */
    test_png_chunk(&b, "gAMA", gamma, 4);
    test_buf_append(&b, (uint8_t *)png + 33, len - 33);
    imgcolor_free(png);
    imgcolor_image *shown = NULL;
    assert_int_equal(imgcolor_decode(b.data, b.len, NULL, &shown, NULL), IMGCOLOR_OK);
    imgcolor_rgb seen = {shown->rgba[0], shown->rgba[1], shown->rgba[2]};
    imgcolor_image_free(shown);
    assert_true(seen.r > 180 && seen.r < 196);
    imgcolor_options *opt = options(IMGCOLOR_BACKGROUND_EXCLUDE, seen);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(b.data, b.len, opt, &res, NULL), IMGCOLOR_OK);
    assert_background(res, seen, 0, 6000 - 800, 6000 - 800);
    imgcolor_result_free(res);
    assert_int_equal(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_COLOR, seen),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent(b.data, b.len, opt, &res, NULL), IMGCOLOR_OK);
    assert_background(res, seen, 0, 6000 - 800, 6000 - 800);
    imgcolor_result_free(res);
    /* The stored value is not what is seen: nothing near it. */
    assert_int_equal(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_COLOR,
                                                     (imgcolor_rgb){128, 128, 128}),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent(b.data, b.len, opt, &res, NULL), IMGCOLOR_OK);
    assert_null(imgcolor_result_background(res));
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    free(b.data);
    free(p.rgba);
}

static void test_options(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    imgcolor_rgb c = {1, 2, 3};
    assert_int_equal(imgcolor_options_get_background(opt, &c), IMGCOLOR_BACKGROUND_KEEP);
    assert_true(imgcolor_options_get_bg_tolerance(opt) == IMGCOLOR_DEFAULT_BG_TOLERANCE);
    assert_int_equal(imgcolor_options_set_background(opt, (imgcolor_background_mode)3, c),
                     IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_COLOR, c),
                     IMGCOLOR_OK);
    imgcolor_rgb got;
    assert_int_equal(imgcolor_options_get_background(opt, &got), IMGCOLOR_BACKGROUND_COLOR);
    assert_memory_equal(&got, &c, sizeof c);
    const double bad[] = {-0.01, 1.01, 0.0 / 0.0, 1.0 / 0.0};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(imgcolor_options_set_bg_tolerance(opt, bad[i]), IMGCOLOR_E_RANGE);
    assert_true(imgcolor_options_get_bg_tolerance(opt) == IMGCOLOR_DEFAULT_BG_TOLERANCE);
    assert_int_equal(imgcolor_options_set_bg_tolerance(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_bg_tolerance(NULL, 0.1), IMGCOLOR_E_INVALID);
    imgcolor_background_mode mode;
    assert_int_equal(imgcolor_background_parse("keep", 4, &mode, &got), IMGCOLOR_OK);
    assert_int_equal(mode, IMGCOLOR_BACKGROUND_KEEP);
    assert_int_equal(imgcolor_background_parse("exclude", 7, &mode, &got), IMGCOLOR_OK);
    assert_int_equal(mode, IMGCOLOR_BACKGROUND_EXCLUDE);
    assert_int_equal(imgcolor_background_parse("#F0a", 4, &mode, &got), IMGCOLOR_OK);
    assert_int_equal(mode, IMGCOLOR_BACKGROUND_COLOR);
    assert_true(got.r == 0xff && got.g == 0 && got.b == 0xaa);
    const char *bad_text[] = {"", "white", "Keep", "exclude ", "#12345", "#1234567", "ffffff"};
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++)
        assert_int_equal(imgcolor_background_parse(bad_text[i], strlen(bad_text[i]), &mode, &got),
                         IMGCOLOR_E_PARSE);
    imgcolor_options_free(opt);
}

#include "colorspace.h"

static double delta_ok(imgcolor_rgb a, imgcolor_rgb b)
{
    double x[3], y[3];
    imgcolor__rgb8_to_oklab(a, x);
    imgcolor__rgb8_to_oklab(b, y);
    return sqrt((x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]) +
                (x[2] - y[2]) * (x[2] - y[2]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solid_backdrop), cmocka_unit_test(test_noisy_backdrop),
        cmocka_unit_test(test_white_shirt),    cmocka_unit_test(test_counting_paths),
        cmocka_unit_test(test_no_background),
        cmocka_unit_test(test_uniform),        cmocka_unit_test(test_majority_rule),
        cmocka_unit_test(test_given_colour),   cmocka_unit_test(test_fast),
        cmocka_unit_test(test_region_border),  cmocka_unit_test(test_animation),
        cmocka_unit_test(test_region_of_every_frame),
        cmocka_unit_test(test_region_rows_of_every_frame),
        cmocka_unit_test(test_colour_managed), cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
