/* test_swatch.c: the swatch strip: segment widths by largest remainder, which labels
 * fit, the background's tile, the raster's colours and the SVG's structure, limits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colorspace.h"
#include "swatch_internal.h"
#include "support.h"

static const imgcolor_swatch_color three[] = {
    {{200, 30, 30}, 3.0}, {{30, 150, 40}, 2.0}, {{40, 40, 210}, 1.0}};

static imgcolor_swatch_options *new_options(uint32_t w, uint32_t h, int labels)
{
    imgcolor_swatch_options *opt = NULL;
    assert_int_equal(imgcolor_swatch_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_set_size(opt, w, h), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_set_labels(opt, labels), IMGCOLOR_OK);
    return opt;
}

static imgcolor__swatch_layout *layout(const imgcolor_swatch_color *c, size_t n,
                                       const imgcolor_background *bg,
                                       const imgcolor_swatch_options *opt)
{
    imgcolor__swatch_layout *L = NULL;
    imgcolor_error err = {0};
    if (imgcolor__swatch_layout_new(c, n, bg, opt, &L, &err) != IMGCOLOR_OK)
        fail_msg("layout: %s", err.message);
    return L;
}

static imgcolor_image *render(const imgcolor_swatch_color *c, size_t n,
                              const imgcolor_background *bg, const imgcolor_swatch_options *opt)
{
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    if (imgcolor_swatch_render(c, n, bg, opt, &img, &err) != IMGCOLOR_OK)
        fail_msg("render: %s", err.message);
    return img;
}

static const uint8_t *pixel(const imgcolor_image *img, uint32_t x, uint32_t y)
{
    return img->rgba + ((size_t)y * img->width + x) * 4;
}

static void assert_pixel(const imgcolor_image *img, uint32_t x, uint32_t y, imgcolor_rgb c)
{
    const uint8_t *p = pixel(img, x, y);
    if (p[0] != c.r || p[1] != c.g || p[2] != c.b || p[3] != 255)
        fail_msg("pixel (%u, %u) is %d,%d,%d,%d, expected %d,%d,%d", x, y, p[0], p[1], p[2], p[3],
                 c.r, c.g, c.b);
}

/* 3:2:1 of 640 is 320, 213.33, 106.67: the third remainder is the largest. */
static void test_widths_exact(void **state)
{
    (void)state;
    imgcolor_swatch_options *opt = new_options(640, 120, 0);
    imgcolor__swatch_layout *L = layout(three, 3, NULL, opt);
    assert_int_equal(L->nseg, 3);
    assert_int_equal(L->seg[0].x, 0);
    assert_int_equal(L->seg[0].w, 320);
    assert_int_equal(L->seg[1].x, 320);
    assert_int_equal(L->seg[1].w, 213);
    assert_int_equal(L->seg[2].x, 533);
    assert_int_equal(L->seg[2].w, 107);
    assert_int_equal(L->ntext, 0);
    free(L);
    /* Equal remainders go to the earlier colours: 100 / 3 = 34, 33, 33. */
    imgcolor_swatch_color eq[3] = {{{1, 1, 1}, 1}, {{2, 2, 2}, 1}, {{3, 3, 3}, 1}};
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 100, 120), IMGCOLOR_OK);
    L = layout(eq, 3, NULL, opt);
    assert_int_equal(L->seg[0].w, 34);
    assert_int_equal(L->seg[1].w, 33);
    assert_int_equal(L->seg[2].w, 33);
    free(L);
    imgcolor_swatch_options_free(opt);
}

/* Random weights, huge and tiny among them: the widths are each the floor or the ceiling
 * of the exact share, the ceilings go to the largest remainders, and they sum exactly. */
static void test_widths_random(void **state)
{
    (void)state;
    uint64_t s = 12345;
    imgcolor_swatch_options *opt = new_options(32, 16, 0);
    for (int trial = 0; trial < 300; trial++) {
        imgcolor_swatch_color c[IMGCOLOR__SWATCH_MAX_COLORS];
        s = s * 6364136223846793005u + 1442695040888963407u;
        size_t n = 1 + (size_t)(s >> 33) % IMGCOLOR__SWATCH_MAX_COLORS;
        uint32_t width = 32 + (uint32_t)((s >> 20) % 8000);
        assert_int_equal(imgcolor_swatch_options_set_size(opt, width, 16), IMGCOLOR_OK);
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            double w = (double)(s >> 40) * (trial % 3 == 0 ? 1e290 : 1.0);
            if ((s & 7) == 0)
                w = 0.0;
            c[i] = (imgcolor_swatch_color){{(uint8_t)i, 0, 0}, w};
            sum += w / 1e290;
        }
        c[0].weight += 1.0; /* a positive sum */
        imgcolor__swatch_layout *L = layout(c, n, NULL, opt);
        uint64_t total = 0, x = 0;
        double min_ceil_rest = 2.0, max_floor_rest = -1.0;
        for (size_t k = 0; k < L->nseg; k++) {
            assert_int_equal(L->seg[k].x, x);
            x += L->seg[k].w;
            total += L->seg[k].w;
        }
        assert_int_equal(total, width);
        /* Shares, segment by segment, in input order (zero-width ones left out). */
        double max_w = 0, wsum = 0;
        for (size_t i = 0; i < n; i++)
            max_w = fmax(max_w, c[i].weight);
        for (size_t i = 0; i < n; i++)
            wsum += c[i].weight / max_w;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            double ideal = c[i].weight / max_w / wsum * width;
            uint32_t got = k < L->nseg && L->seg[k].color.r == c[i].color.r ? L->seg[k++].w : 0;
            assert_true(got == floor(ideal) || got == floor(ideal) + 1);
            if (c[i].weight == 0.0)
                assert_int_equal(got, 0);
            double rest = ideal - floor(ideal);
            if (got > floor(ideal))
                min_ceil_rest = fmin(min_ceil_rest, rest);
            else
                max_floor_rest = fmax(max_floor_rest, rest);
        }
        assert_int_equal(k, L->nseg);
        assert_true(min_ceil_rest >= max_floor_rest - 1e-9);
        (void)sum;
        free(L);
    }
    imgcolor_swatch_options_free(opt);
}

/* Every pixel of segment s is its colour or a blend of it with its label colour. */
static void assert_segment_clean(const imgcolor_image *img, const imgcolor__swatch_segment *s)
{
    imgcolor_rgb t = imgcolor__readable_text(s->color, NULL);
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = s->x; x < s->x + s->w; x++) {
            const uint8_t *p = pixel(img, x, y);
            double d[3] = {t.r - s->color.r, t.g - s->color.g, t.b - s->color.b};
            double q[3] = {p[0] - s->color.r, p[1] - s->color.g, p[2] - s->color.b};
            double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            double f = (q[0] * d[0] + q[1] * d[1] + q[2] * d[2]) / dd, res = 0;
            for (int i = 0; i < 3; i++)
                res += (q[i] - f * d[i]) * (q[i] - f * d[i]);
            if (res > 3.0 || f < -0.01 || f > 1.01)
                fail_msg("pixel (%u, %u) of segment at %u is not its colour or label", x, y, s->x);
        }
}

/* A wide segment gets both lines, a middling one only its hex code, a narrow one none;
 * what is drawn stays inside its segment. */
static void test_labels_drop(void **state)
{
    (void)state;
    imgcolor_rgb lgy;
    assert_int_equal(imgcolor_hex_parse("#fafad2", 7, &lgy), IMGCOLOR_OK); /* the longest */
    imgcolor_swatch_color c[] = {{{20, 60, 160}, 500}, {lgy, 80}, {{240, 240, 20}, 10}};
    imgcolor_swatch_options *opt = new_options(590, 120, 1);
    imgcolor__swatch_layout *L = layout(c, 3, NULL, opt);
    double font = L->font_px;
    assert_true(fabs(font - 13.2) < 1e-9);
    assert_int_equal(L->nseg, 3);
    assert_int_equal(L->seg[1].w, 80);
    /* The hex code (#, six digits) is 61.4 px: it fits 80 with 6.6 px each side. */
    assert_true(imgcolor__text_width("#fafad2", font) + font <= 80);
    assert_true(imgcolor__text_width("lightgoldenrodyellow", font) + font > 80);
    assert_int_equal(L->ntext, 3);
    assert_string_equal(L->text[0].text, "#143ca0");
    assert_string_equal(L->text[1].text, "darkslateblue");
    assert_string_equal(L->text[2].text, "#fafad2");
    assert_true(L->text[0].y < L->text[1].y);
    assert_true(fabs(L->text[2].y - 60) < 1e-9); /* one line: centred */
    assert_true(fabs(L->text[2].x - 540) < 1e-9);
    assert_int_equal(L->text[2].clip_lo, 500);
    assert_int_equal(L->text[2].clip_hi, 580);
    for (size_t i = 0; i < L->ntext; i++)
        assert_true(L->text[i].color.r == 0 || L->text[i].color.r == 255);
    assert_int_equal(L->text[0].color.r, 255); /* white on dark blue */
    assert_int_equal(L->text[2].color.r, 0);

    imgcolor_image *img = render(c, 3, NULL, opt);
    for (size_t k = 0; k < 3; k++)
        assert_segment_clean(img, &L->seg[k]);
    for (uint32_t y = 0; y < 120; y++) /* the narrow one: nothing drawn at all */
        for (uint32_t x = 580; x < 590; x++)
            assert_pixel(img, x, y, c[2].color);
    int inked = 0; /* the labels were drawn */
    for (uint32_t x = 500; x < 580; x++)
        inked += pixel(img, x, 60)[0] != lgy.r;
    assert_true(inked > 5);
    imgcolor_image_free(img);
    free(L);

    /* Below 120 / 0.11 the font is its minimum, 8 px. Too low for two lines (27 < 3.5 x
     * 8 = 28): hex codes only; under 2.25 x 8 = 18: nothing. */
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 590, 28), IMGCOLOR_OK);
    L = layout(c, 3, NULL, opt);
    assert_true(fabs(L->font_px - 8) < 1e-9);
    assert_int_equal(L->ntext, 3); /* still too narrow for lightgoldenrodyellow */
    assert_string_equal(L->text[1].text, "darkslateblue");
    free(L);
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 590, 27), IMGCOLOR_OK);
    L = layout(c, 3, NULL, opt);
    assert_int_equal(L->ntext, 2);
    assert_string_equal(L->text[1].text, "#fafad2");
    free(L);
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 590, 17), IMGCOLOR_OK);
    L = layout(c, 3, NULL, opt);
    assert_int_equal(L->ntext, 0);
    free(L);
    imgcolor_swatch_options_free(opt);
}

/* The background: a hatched tile of a fifth of the width at the right, after a
 * transparent gap; the colours share the rest. */
static void test_background(void **state)
{
    (void)state;
    imgcolor_background bg = {{245, 245, 245}, "#f5f5f5", 90000, 0.6};
    imgcolor_swatch_options *opt = new_options(640, 120, 1);
    imgcolor__swatch_layout *L = layout(three, 3, &bg, opt);
    assert_int_equal(L->nseg, 4);
    assert_int_equal(L->seg[2].x + L->seg[2].w, 506); /* 640 - 128 - 6 */
    assert_int_equal(L->seg[0].w + L->seg[1].w + L->seg[2].w, 506);
    assert_int_equal(L->seg[0].w, 253);
    assert_true(L->seg[3].hatched);
    assert_int_equal(L->seg[3].x, 512);
    assert_int_equal(L->seg[3].w, 128);
    assert_string_equal(L->text[L->ntext - 2].text, "#f5f5f5");
    assert_string_equal(L->text[L->ntext - 1].text, "background");

    imgcolor_image *img = render(three, 3, &bg, opt);
    for (uint32_t y = 0; y < 120; y++)
        for (uint32_t x = 506; x < 512; x++)
            assert_int_equal(pixel(img, x, y)[3], 0);
    /* Row 0: hatch lines where (x - 512) % 12 < 2, the tile's colour between. */
    imgcolor_rgb hatch = {(3 * 245 + 2) / 4, (3 * 245 + 2) / 4, (3 * 245 + 2) / 4};
    for (uint32_t x = 512; x < 640; x++)
        assert_pixel(img, x, 0, (x - 512) % 12 < 2 ? hatch : bg.rgb);
    assert_pixel(img, 512 + 11, 1, hatch); /* the lines run up to the right */
    assert_pixel(img, 512 + 2, 1, bg.rgb);
    assert_segment_clean(img, &L->seg[3]);
    imgcolor_image_free(img);
    free(L);

    /* Without labels the colours still end at the gap. */
    assert_int_equal(imgcolor_swatch_options_set_labels(opt, 0), IMGCOLOR_OK);
    L = layout(three, 1, &bg, opt);
    assert_int_equal(L->nseg, 2);
    assert_int_equal(L->seg[0].w, 506);
    assert_int_equal(L->ntext, 0);
    free(L);
    imgcolor_swatch_options_free(opt);
}

/* Text is drawn only inside its clip columns, however long it is. */
static void test_text_clip(void **state)
{
    (void)state;
    imgcolor_image img = {.width = 120, .height = 30, .rgba = calloc(120 * 30, 4)};
    assert_non_null(img.rgba);
    memset(img.rgba, 255, 120 * 30 * 4);
    imgcolor__text t = {.text = "WWWWWWWWWWWWWWWW", .x = 60, .y = 15,
                        .align = IMGCOLOR__ALIGN_CENTRE, .color = {0, 0, 0},
                        .clip_lo = 40, .clip_hi = 80};
    assert_int_equal(imgcolor__draw_text(&t, 1, 20, IMGCOLOR_FONT_PATH, &img, NULL), IMGCOLOR_OK);
    int inside = 0;
    for (uint32_t y = 0; y < 30; y++)
        for (uint32_t x = 0; x < 120; x++) {
            const uint8_t *p = pixel(&img, x, y);
            if (x < 40 || x >= 80)
                assert_true(p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255);
            else
                inside += p[0] < 128;
        }
    assert_true(inside > 100);
    /* Without a clip the same text covers the whole width. */
    memset(img.rgba, 255, 120 * 30 * 4);
    t.clip_lo = t.clip_hi = 0;
    assert_int_equal(imgcolor__draw_text(&t, 1, 20, IMGCOLOR_FONT_PATH, &img, NULL), IMGCOLOR_OK);
    int outside = 0;
    for (uint32_t y = 0; y < 30; y++)
        for (uint32_t x = 0; x < 120; x++)
            outside += (x < 40 || x >= 80) && pixel(&img, x, y)[0] < 128;
    assert_true(outside > 100);
    free(img.rgba);
}

static char *run_xmllint(const char *args, const char *svg, size_t len)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "xmllint %s -", args);
    test_run r = test_run_cmd(cmd, svg, len);
    if (r.status != 0)
        fail_msg("xmllint: %s", r.err);
    char *out = strdup(r.out);
    test_run_free(&r);
    return out;
}

/* The number an XPath count over the SVG gives. */
static long svg_count(const char *svg, size_t len, const char *element)
{
    char args[200];
    snprintf(args, sizeof args, "--xpath 'count(//*[local-name()=\"%s\"])'", element);
    char *out = run_xmllint(args, svg, len);
    long n = strtol(out, NULL, 10);
    free(out);
    return n;
}

static void test_svg(void **state)
{
    (void)state;
    imgcolor_background bg = {{250, 250, 250}, "#fafafa", 10, 0.5};
    imgcolor_swatch_options *opt = new_options(640, 120, 1);
    char *svg = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_swatch_svg(three, 3, &bg, opt, &svg, &len, NULL), IMGCOLOR_OK);
    assert_int_equal(strlen(svg), len);
    free(run_xmllint("--noout", svg, len));
    /* Three colours, the tile and its hatching, as rects; two lines each but on the
     * third colour (84 px), whose name "mediumblue" is too wide for it. */
    assert_int_equal(svg_count(svg, len, "rect"), 5);
    assert_int_equal(svg_count(svg, len, "pattern"), 1);
    assert_int_equal(svg_count(svg, len, "text"), 7);
    assert_null(strstr(svg, ">mediumblue<"));
    assert_non_null(strstr(svg, "<rect x=\"0\" width=\"253\" height=\"120\" fill=\"#c81e1e\""));
    assert_non_null(strstr(svg, "<rect x=\"512\" width=\"128\" height=\"120\" fill=\"#fafafa\""));
    assert_non_null(strstr(svg, ">background</text>"));
    assert_non_null(strstr(svg, "width=\"640\" height=\"120\""));
    /* The text of the labels, read back by the parser. */
    char *names = run_xmllint("--xpath '//*[local-name()=\"text\"]/text()'", svg, len);
    assert_non_null(strstr(names, "#c81e1e"));
    assert_non_null(strstr(names, "background"));
    free(names);
    imgcolor_free(svg);

    /* The escaping every label goes through. */
    imgcolor__sbuf b = {0};
    imgcolor__svg_open(&b, 10, 10);
    imgcolor__sbuf_put(&b, "<text>");
    imgcolor__sbuf_escaped(&b, "a<b & \"c\" 'd' >");
    imgcolor__sbuf_put(&b, "</text>\n");
    char *doc = NULL;
    assert_int_equal(imgcolor__svg_finish(&b, "test", &doc, &len, NULL), IMGCOLOR_OK);
    assert_non_null(strstr(doc, "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;"));
    char *text = run_xmllint("--xpath 'string(//*[local-name()=\"text\"])'", doc, len);
    assert_string_equal(text, "a<b & \"c\" 'd' >\n");
    free(text);
    free(doc);
    imgcolor_swatch_options_free(opt);
}

static imgcolor_image *decode_png(const void *png, size_t len)
{
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    if (imgcolor_decode(png, len, NULL, &img, &err) != IMGCOLOR_OK)
        fail_msg("decode: %s", err.message);
    return img;
}

/* The PNG decodes to the size asked for, each segment's colour at its centre (labels
 * off) or at its top (labels on), and is byte-identical from one call to the next. */
static void test_png(void **state)
{
    (void)state;
    imgcolor_background bg = {{20, 20, 20}, "#141414", 10, 0.5};
    for (int labels = 0; labels <= 1; labels++) {
        imgcolor_swatch_options *opt = new_options(401, 77, labels);
        void *png = NULL, *again = NULL;
        size_t len = 0, again_len = 0;
        assert_int_equal(imgcolor_swatch_encode(three, 3, &bg, opt, IMGCOLOR_PIE_PNG, &png, &len,
                                                NULL),
                         IMGCOLOR_OK);
        assert_int_equal(imgcolor_swatch_encode(three, 3, &bg, opt, IMGCOLOR_PIE_PNG, &again,
                                                &again_len, NULL),
                         IMGCOLOR_OK);
        assert_int_equal(len, again_len);
        assert_memory_equal(png, again, len);
        imgcolor_image *img = decode_png(png, len);
        imgcolor_image *raw = render(three, 3, &bg, opt);
        assert_int_equal(img->width, 401);
        assert_int_equal(img->height, 77);
        assert_memory_equal(img->rgba, raw->rgba, (size_t)401 * 77 * 4);
        imgcolor__swatch_layout *L = layout(three, 3, &bg, opt);
        for (size_t k = 0; k < 3; k++)
            assert_pixel(img, L->seg[k].x + L->seg[k].w / 2, labels ? 1 : 38, three[k].color);
        assert_pixel(img, L->seg[3].x + 6, labels ? 1 : 38 - 6, bg.rgb);
        free(L);
        imgcolor_image_free(raw);
        imgcolor_image_free(img);
        imgcolor_free(png);
        imgcolor_free(again);
        imgcolor_swatch_options_free(opt);
    }
}

/* The strip of a result is that of its clusters weighted by their counts. */
static void test_result(void **state)
{
    (void)state;
    uint8_t px[10 * 3];
    for (int i = 0; i < 10; i++) {
        const imgcolor_rgb c = i < 6 ? three[0].color : i < 9 ? three[1].color : three[2].color;
        px[3 * i] = c.r;
        px[3 * i + 1] = c.g;
        px[3 * i + 2] = c.b;
    }
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(px, 10, 1, 30, IMGCOLOR_PIXEL_RGB8, NULL, &res,
                                               NULL),
                     IMGCOLOR_OK);
    imgcolor_swatch_color want[3] = {{three[0].color, 6}, {three[1].color, 3}, {three[2].color, 1}};
    void *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_int_equal(imgcolor_result_swatch_encode(res, NULL, NULL, IMGCOLOR_PIE_SVG, &a, &alen,
                                                   NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_encode(want, 3, NULL, NULL, IMGCOLOR_PIE_SVG, &b, &blen, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    imgcolor_free(a);
    imgcolor_free(b);
    imgcolor_result_free(res);
    assert_int_equal(imgcolor_result_swatch_encode(NULL, NULL, NULL, IMGCOLOR_PIE_SVG, &a, &alen,
                                                   NULL),
                     IMGCOLOR_E_INVALID);
    assert_null(a);
}

static void test_limits(void **state)
{
    (void)state;
    imgcolor_swatch_options *opt = new_options(640, 120, 1);
    double lo = 0, hi = 0;
    assert_int_equal(imgcolor_swatch_options_range("width", &lo, &hi), IMGCOLOR_OK);
    assert_true(lo == 32 && hi == 8192);
    assert_int_equal(imgcolor_swatch_options_range("height", &lo, &hi), IMGCOLOR_OK);
    assert_true(lo == 16 && hi == 4096);
    assert_int_equal(imgcolor_swatch_options_range("depth", &lo, &hi), IMGCOLOR_E_INVALID);
    const uint32_t bad[][2] = {{31, 120}, {8193, 120}, {640, 15}, {640, 4097}, {0, 0},
                               {UINT32_MAX, UINT32_MAX}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(imgcolor_swatch_options_set_size(opt, bad[i][0], bad[i][1]),
                         IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_swatch_options_set_size(NULL, 640, 120), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 32, 16), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_set_font_path(opt, ""), IMGCOLOR_E_RANGE);

    imgcolor_swatch_color c[IMGCOLOR__SWATCH_MAX_COLORS + 1];
    for (size_t i = 0; i <= IMGCOLOR__SWATCH_MAX_COLORS; i++)
        c[i] = (imgcolor_swatch_color){{(uint8_t)i, 1, 2}, 1.0};
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    assert_int_equal(imgcolor_swatch_render(c, IMGCOLOR__SWATCH_MAX_COLORS + 1, NULL, opt, &img,
                                            &err),
                     IMGCOLOR_E_RANGE);
    assert_non_null(strstr(err.message, "expected 1 to 256"));
    assert_int_equal(imgcolor_swatch_render(c, 0, NULL, opt, &img, NULL), IMGCOLOR_E_RANGE);
    assert_null(img);
    /* 256 colours in 32 pixels: most get no pixel, the widths still fill the strip. */
    img = render(c, IMGCOLOR__SWATCH_MAX_COLORS, NULL, opt);
    assert_int_equal(img->width, 32);
    imgcolor_image_free(img);
    const double weights[] = {NAN, INFINITY, -1.0};
    for (size_t i = 0; i < 3; i++) {
        imgcolor_swatch_color w[2] = {{{1, 2, 3}, 1.0}, {{4, 5, 6}, weights[i]}};
        assert_int_equal(imgcolor_swatch_render(w, 2, NULL, opt, &img, &err), IMGCOLOR_E_RANGE);
        assert_non_null(strstr(err.message, "weight 2"));
    }
    imgcolor_swatch_color zero[2] = {{{1, 2, 3}, 0.0}, {{4, 5, 6}, 0.0}};
    assert_int_equal(imgcolor_swatch_render(zero, 2, NULL, opt, &img, NULL), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_swatch_render(NULL, 2, NULL, opt, &img, NULL), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_swatch_render(c, 2, NULL, opt, NULL, NULL), IMGCOLOR_E_INVALID);
    char *svg = NULL;
    assert_int_equal(imgcolor_swatch_svg(zero, 2, NULL, opt, &svg, NULL, NULL), IMGCOLOR_E_RANGE);
    assert_null(svg);
    void *out = (void *)1;
    size_t len = 1;
    assert_int_equal(imgcolor_swatch_encode(c, 2, NULL, opt, (imgcolor_pie_format)7, &out, &len,
                                            &err),
                     IMGCOLOR_E_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);

    /* A font that cannot be loaded fails the raster with labels, not without, nor SVG. */
    assert_int_equal(imgcolor_swatch_options_set_size(opt, 640, 120), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_set_font_path(opt, "/nonexistent.ttf"),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_render(three, 3, NULL, opt, &img, &err), IMGCOLOR_E_FONT);
    assert_null(img);
    assert_int_equal(imgcolor_swatch_svg(three, 3, NULL, opt, &svg, NULL, NULL), IMGCOLOR_OK);
    imgcolor_free(svg);
    assert_int_equal(imgcolor_swatch_options_set_labels(opt, 0), IMGCOLOR_OK);
    img = render(three, 3, NULL, opt);
    imgcolor_image_free(img);
    imgcolor_swatch_options_free(opt);
    imgcolor_swatch_options_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_exact), cmocka_unit_test(test_widths_random),
        cmocka_unit_test(test_labels_drop),  cmocka_unit_test(test_background),
        cmocka_unit_test(test_svg),          cmocka_unit_test(test_png),
        cmocka_unit_test(test_result),       cmocka_unit_test(test_limits),
        cmocka_unit_test(test_text_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
