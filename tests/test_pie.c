/* test_pie.c: the pie-chart rasterizer and SVG writer: wedge areas, seams and
 * anti-aliasing, label placement, options, every kind of bad input, thread safety. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pie_internal.h"
#include "support.h"

#define REF_N 6
static const char *ref_hex[REF_N] = {"#7f6a55", "#d8d3cc", "#3b3a34",
                                     "#a89a88", "#b6c2cc", "#57524b"};
static const double ref_counts[REF_N] = {51234, 43210, 39876, 30211, 25000, 12000};

/* Well separated colours, so that a blend of two is never mistaken for a third. */
static const imgcolor_rgb vivid[] = {{220, 20, 20},  {20, 160, 20},  {30, 30, 220},
                                     {240, 200, 0},  {150, 0, 150},  {0, 170, 190},
                                     {120, 70, 20},  {60, 60, 60},   {250, 120, 160},
                                     {100, 200, 120}, {0, 0, 0},     {170, 170, 255}};
#define NVIVID (sizeof vivid / sizeof *vivid)

static void ref_wedges(imgcolor_pie_wedge *w)
{
    for (int i = 0; i < REF_N; i++) {
        assert_int_equal(imgcolor_hex_parse(ref_hex[i], 7, &w[i].color), IMGCOLOR_OK);
        w[i].weight = ref_counts[i];
        w[i].label = NULL;
    }
}

static imgcolor_pie_options *new_options(void)
{
    imgcolor_pie_options *opt = NULL;
    assert_int_equal(imgcolor_pie_options_new(&opt), IMGCOLOR_OK);
    return opt;
}

static imgcolor_image *render(const imgcolor_pie_wedge *w, size_t n, const imgcolor_pie_options *o)
{
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    imgcolor_status st = imgcolor_pie_render(w, n, o, &img, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("render: %s", err.message);
    assert_non_null(img);
    return img;
}

static const uint8_t *pixel(const imgcolor_image *img, uint32_t x, uint32_t y)
{
    return img->rgba + ((size_t)y * img->width + x) * 4;
}

/* Fits pixel p as t * a + (1 - t) * b; returns the squared residual. */
static double fit(const uint8_t *p, imgcolor_rgb a, imgcolor_rgb b, double *t)
{
    double d[3] = {a.r - b.r, a.g - b.g, a.b - b.b};
    double q[3] = {p[0] - b.r, p[1] - b.g, p[2] - b.b};
    double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    double tt = dd > 0 ? (q[0] * d[0] + q[1] * d[1] + q[2] * d[2]) / dd : 1.0;
    tt = tt < 0 ? 0 : tt > 1 ? 1 : tt;
    double res = 0;
    for (int c = 0; c < 3; c++)
        res += (q[c] - tt * d[c]) * (q[c] - tt * d[c]);
    *t = tt;
    return res;
}

/*
 * Shares of each wedge colour in an opaque raster on white: exact pixels count 1;
 * blended pixels are split between the two colours (or colour and background) whose
 * blend fits them best. Returns the number of blended pixels; *seams counts pixels
 * well inside the disc that show any background.
 */
static size_t measure_shares(const imgcolor_image *img, const imgcolor_pie_wedge *w, size_t n,
                             const imgcolor__pie_layout *L, double *share, size_t *seams)
{
    const imgcolor_rgb white = {255, 255, 255};
    double total = 0;
    size_t blended = 0;
    *seams = 0;
    for (size_t i = 0; i < n; i++)
        share[i] = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            const uint8_t *p = pixel(img, x, y);
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy;
            double dist = sqrt(dx * dx + dy * dy);
            if (dist > L->r + 1.5)
                continue;
            double best = 1e30, bt = 0;
            size_t bi = 0, bj = 0;
            int exact = 0;
            for (size_t i = 0; i < n && !exact; i++) {
                if (w[i].weight <= 0)
                    continue;
                if (p[0] == w[i].color.r && p[1] == w[i].color.g && p[2] == w[i].color.b) {
                    share[i] += 1;
                    total += 1;
                    exact = 1;
                }
            }
            if (exact || (p[0] == 255 && p[1] == 255 && p[2] == 255))
                continue;
            blended++;
            for (size_t i = 0; i < n; i++) {
                if (w[i].weight <= 0)
                    continue;
                double t;
                double res = fit(p, w[i].color, white, &t);
                if (res < best)
                    best = res, bt = t, bi = i, bj = n;
                for (size_t j = i + 1; j < n; j++) {
                    if (w[j].weight <= 0)
                        continue;
                    res = fit(p, w[i].color, w[j].color, &t);
                    if (res < best)
                        best = res, bt = t, bi = i, bj = j;
                }
            }
            /* Away from the centre and the rim, where three colours meet, every pixel
             * is a blend of two. */
            if (dist > 20.0 && dist < L->r - 1.0 && best >= 12.0)
                fail_msg("pixel (%u, %u) is no blend of two colours", x, y);
            share[bi] += bt;
            total += bt;
            if (bj < n) {
                share[bj] += 1 - bt;
                total += 1 - bt;
            } else if (dist > 20.0 && dist < L->r - 1.0 && bt < 0.99) {
                (*seams)++;
            }
        }
    for (size_t i = 0; i < n; i++)
        share[i] /= total;
    return blended;
}

static void check_areas(const imgcolor_pie_wedge *w, size_t n, const imgcolor_pie_options *opt)
{
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, n, opt, &L, NULL), IMGCOLOR_OK);
    imgcolor_image *img = render(w, n, opt);
    double share[IMGCOLOR__PIE_MAX_WEDGES], sum = 0;
    size_t seams;
    size_t blended = measure_shares(img, w, n, L, share, &seams);
    for (size_t i = 0; i < n; i++)
        sum += w[i].weight;
    for (size_t i = 0; i < n; i++) {
        double want = w[i].weight / sum;
        if (fabs(share[i] - want) > 0.005)
            fail_msg("wedge %zu: %.4f%% of the pixels, weight share %.4f%%", i, 100 * share[i],
                     100 * want);
    }
    assert_int_equal(seams, 0);
    /* Anti-aliased: the rim and every boundary have blended pixels. */
    assert_true((double)blended > 2 * 3.14 * L->r);
    imgcolor_image_free(img);
    /* On a transparent background, nothing inside the disc lets the background show:
     * not near the centre either, where many wedges meet. */
    imgcolor_pie_options *t = new_options();
    *t = *opt;
    t->font_path = NULL;
    assert_int_equal(imgcolor_pie_options_set_transparent(t, 1), IMGCOLOR_OK);
    img = render(w, n, t);
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy;
            if (sqrt(dx * dx + dy * dy) < L->r - 0.75 && pixel(img, x, y)[3] != 255)
                fail_msg("background shows at (%u, %u)", x, y);
        }
    imgcolor_image_free(img);
    imgcolor_pie_options_free(t);
    free(L);
}

static void test_areas_reference(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    for (int i = 0; i < REF_N; i++)
        w[i].color = vivid[i];
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    check_areas(w, REF_N, opt);
    assert_int_equal(imgcolor_pie_options_set_clockwise(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_start_angle(opt, 90), IMGCOLOR_OK);
    check_areas(w, REF_N, opt);
    assert_int_equal(imgcolor_pie_options_set_start_angle(opt, -1234.5), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_size(opt, 300, 640), IMGCOLOR_OK);
    check_areas(w, REF_N, opt);
    imgcolor_pie_options_free(opt);
}

static void test_areas_many(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[NVIVID];
    for (size_t i = 0; i < NVIVID; i++) {
        w[i].color = vivid[i];
        w[i].weight = (double)((i * 7919) % 13 + 1) * (i == 3 ? 0 : 1);
        w[i].label = NULL;
    }
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_size(opt, 800, 600), IMGCOLOR_OK);
    check_areas(w, NVIVID, opt);
    /* One dominant wedge (over 180 degrees) and a sliver. */
    w[0].weight = 1000;
    w[1].weight = 3;
    check_areas(w, 2, opt);
    imgcolor_pie_options_free(opt);
}

static void test_single_and_zero(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[3] = {
        {{1, 2, 3}, 0, NULL}, {{200, 30, 40}, 5, NULL}, {{9, 9, 9}, 0, NULL}};
    imgcolor_pie_options *opt = new_options();
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, 3, opt, &L, NULL), IMGCOLOR_OK);
    assert_int_equal(L->nseg, 1);
    assert_int_equal(L->ntext, 1); /* zero weights have no label either */
    imgcolor_image *img = render(w, 3, opt);
    size_t inside = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy;
            const uint8_t *p = pixel(img, x, y);
            if (sqrt(dx * dx + dy * dy) < L->r - 1) {
                inside++;
                assert_int_equal(p[0], 200);
                assert_int_equal(p[1], 30);
                assert_int_equal(p[2], 40);
            }
        }
    assert_true((double)inside > 3.1 * (L->r - 1) * (L->r - 1));
    imgcolor_image_free(img);
    free(L);
    imgcolor_pie_options_free(opt);
}

/* Whether the pixel is text ink: dark on the white background. */
static int is_ink(const uint8_t *p)
{
    return p[0] < 160 && p[1] < 160 && p[2] < 160;
}

static void test_labels(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    w[2].label = "caf\xc3\xa9 <&>"; /* custom, non-ASCII */
    imgcolor_pie_options *opt = new_options();
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, REF_N, opt, &L, NULL), IMGCOLOR_OK);
    assert_int_equal(L->ntext, REF_N);
    assert_string_equal(L->text[0].text, "#7f6a55");
    assert_true(L->text[0].align == IMGCOLOR__ALIGN_LEFT);
    assert_true(L->text[1].align == IMGCOLOR__ALIGN_RIGHT);
    /* The first label sits beside the first wedge's middle, up and right (matplotlib:
     * (342.7, 77.5) to (388.1, 87.5) for the text box at 480x360). */
    assert_true(fabs(L->text[0].x - 342.7) < 1.0 && fabs(L->text[0].y - 82.5) < 1.0);
    imgcolor_image *img = render(w, REF_N, opt);
    size_t ink_in_box[REF_N] = {0}, stray = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy;
            if (sqrt(dx * dx + dy * dy) < L->r + 1.5 || !is_ink(pixel(img, x, y)))
                continue;
            int found = 0;
            for (size_t i = 0; i < L->ntext; i++) {
                const imgcolor__text *t = &L->text[i];
                double x0 = t->align == IMGCOLOR__ALIGN_LEFT ? t->x - 1 : t->x - 70;
                double x1 = t->align == IMGCOLOR__ALIGN_LEFT ? t->x + 70 : t->x + 1;
                if (x + 0.5 >= x0 && x + 0.5 <= x1 && fabs(y + 0.5 - t->y) <= 7) {
                    ink_in_box[i]++;
                    found = 1;
                }
            }
            stray += !found;
        }
    for (size_t i = 0; i < REF_N; i++)
        if (ink_in_box[i] < 40)
            fail_msg("label %zu: %zu ink pixels", i, ink_in_box[i]);
    assert_int_equal(stray, 0);
    /* Anti-aliased: grey levels between ink and paper. */
    size_t grey = 0;
    for (uint32_t x = 330; x < 400; x++)
        for (uint32_t y = 70; y < 95; y++) {
            const uint8_t *p = pixel(img, x, y);
            grey += p[0] == p[1] && p[1] == p[2] && p[0] > 40 && p[0] < 215;
        }
    assert_true(grey > 20);
    imgcolor_image_free(img);

    /* Labels off: nothing at all outside the disc. */
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    img = render(w, REF_N, opt);
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy;
            if (sqrt(dx * dx + dy * dy) > L->r + 1.0)
                assert_int_equal(pixel(img, x, y)[0], 255);
        }
    imgcolor_image_free(img);
    free(L);
    imgcolor_pie_options_free(opt);
}

static void test_percent(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, REF_N, opt, &L, NULL), IMGCOLOR_OK);
    assert_int_equal(L->ntext, REF_N);
    assert_string_equal(L->text[0].text, "25.4%");
    assert_string_equal(L->text[5].text, "6.0%");
    imgcolor_image *img = render(w, REF_N, opt);
    for (size_t i = 0; i < L->ntext; i++) {
        /* Some pixels around the anchor differ from the wedge colour: the text. */
        const imgcolor__text *t = &L->text[i];
        size_t text = 0;
        for (int dy = -6; dy <= 6; dy++)
            for (int dx = -16; dx <= 16; dx++) {
                const uint8_t *p = pixel(img, (uint32_t)(t->x + dx), (uint32_t)(t->y + dy));
                text += abs(p[0] - w[i].color.r) + abs(p[1] - w[i].color.g) > 60;
            }
        if (text < 20)
            fail_msg("percentage %zu: %zu text pixels", i, text);
    }
    imgcolor_image_free(img);
    free(L);
    imgcolor_pie_options_free(opt);
}

static void test_transparent(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_transparent(opt, 1), IMGCOLOR_OK);
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, REF_N, opt, &L, NULL), IMGCOLOR_OK);
    imgcolor_image *img = render(w, REF_N, opt);
    size_t partial = 0, clear = 0;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            double dx = x + 0.5 - L->cx, dy = y + 0.5 - L->cy, d = sqrt(dx * dx + dy * dy);
            uint8_t a = pixel(img, x, y)[3];
            if (d < L->r - 1)
                assert_int_equal(a, 255);
            partial += a > 0 && a < 255;
            clear += a == 0;
        }
    assert_true((double)partial > 2 * 3.14 * L->r); /* rim and text edges */
    assert_true(clear > img->width * img->height / 2);
    /* The colour of a rim pixel is the wedge's own, not darkened by the alpha. */
    const uint8_t *p = NULL;
    for (uint32_t y = (uint32_t)L->cy + 3; !p && y < (uint32_t)L->cy + 20; y++)
        for (uint32_t x = (uint32_t)(L->cx + L->r) - 3; !p && x < L->cx + L->r + 3; x++)
            if (pixel(img, x, y)[3] > 0 && pixel(img, x, y)[3] < 255)
                p = pixel(img, x, y);
    assert_non_null(p);
    assert_true(abs(p[0] - 0x57) <= 2 && abs(p[1] - 0x52) <= 2 && abs(p[2] - 0x4b) <= 2);
    imgcolor_image_free(img);
    free(L);
    imgcolor_pie_options_free(opt);
}

static void test_options(void **state)
{
    (void)state;
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_new(NULL), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_options_set_size(NULL, 100, 100), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_options_set_size(opt, 15, 100), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_size(opt, 100, 8193), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_size(opt, 16, 8192), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_start_angle(opt, NAN), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_start_angle(opt, INFINITY), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_font_size(opt, 3.9), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_font_size(opt, NAN), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_font_size(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_font_size(opt, 24), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_font_path(opt, ""), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_pie_options_set_font_path(opt, "/x.ttf"), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_font_path(opt, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_clockwise(NULL, 1), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_options_set_transparent(NULL, 1), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_options_set_labels(NULL, 1), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_options_set_percent(NULL, 1), IMGCOLOR_E_INVALID);
    imgcolor_pie_options_free(opt);
    imgcolor_pie_options_free(NULL);

    /* Defaults (NULL options) are matplotlib's: 480x360, radius 126 at (246, 181.8). */
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    imgcolor__pie_layout *L = NULL;
    assert_int_equal(imgcolor__pie_layout_new(w, REF_N, NULL, &L, NULL), IMGCOLOR_OK);
    assert_int_equal(L->width, 480);
    assert_int_equal(L->height, 360);
    assert_true(fabs(L->r - 126.0) < 0.01 && fabs(L->cx - 246.0) < 0.01 &&
                fabs(L->cy - 181.8) < 0.01);
    assert_true(fabs(L->font_px - 10.4167) < 0.001);
    free(L);
    imgcolor_image *img = render(w, REF_N, NULL);
    assert_int_equal(img->width, 480);
    imgcolor_image_free(img);
}

/* Every bad input is an error status and no picture, for the raster and the SVG. */
static void expect_error(const imgcolor_pie_wedge *w, size_t n, imgcolor_status want)
{
    imgcolor_image *img = (imgcolor_image *)1;
    char *svg = (char *)1;
    size_t len = 1;
    imgcolor_error err = {0};
    assert_int_equal(imgcolor_pie_render(w, n, NULL, &img, &err), want);
    assert_null(img);
    assert_int_equal(err.status, want);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(imgcolor_pie_svg(w, n, NULL, &svg, &len, NULL), want);
    assert_null(svg);
    assert_int_equal(len, 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[IMGCOLOR__PIE_MAX_WEDGES + 1];
    for (size_t i = 0; i <= IMGCOLOR__PIE_MAX_WEDGES; i++)
        w[i] = (imgcolor_pie_wedge){{(uint8_t)i, 0, 0}, 1.0, NULL};
    expect_error(NULL, 3, IMGCOLOR_E_INVALID);
    expect_error(w, 0, IMGCOLOR_E_RANGE);
    expect_error(w, IMGCOLOR__PIE_MAX_WEDGES + 1, IMGCOLOR_E_RANGE);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_pie_render(w, IMGCOLOR__PIE_MAX_WEDGES, NULL, &img, NULL),
                     IMGCOLOR_OK);
    imgcolor_image_free(img);
    const double bad[] = {NAN, INFINITY, -INFINITY, -1.0, -1e-300};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        w[1].weight = bad[i];
        expect_error(w, 3, IMGCOLOR_E_RANGE);
    }
    w[0].weight = w[1].weight = w[2].weight = 0;
    expect_error(w, 3, IMGCOLOR_E_RANGE);
    /* Huge weights do not overflow the sum. */
    w[0].weight = w[1].weight = w[2].weight = 1.7e308;
    assert_int_equal(imgcolor_pie_render(w, 3, NULL, &img, NULL), IMGCOLOR_OK);
    imgcolor_image_free(img);
    w[0].weight = w[1].weight = w[2].weight = 1;
    const char *bad_labels[] = {"\xff", "ab\xc3", "\xc0\xaf", "\xed\xa0\x80", "tab\there",
                                "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad_labels / sizeof *bad_labels; i++) {
        w[2].label = bad_labels[i];
        expect_error(w, 3, IMGCOLOR_E_INVALID);
    }
    char long_label[IMGCOLOR__PIE_MAX_LABEL + 2];
    memset(long_label, 'x', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = '\0';
    w[2].label = long_label;
    expect_error(w, 3, IMGCOLOR_E_RANGE);
    long_label[IMGCOLOR__PIE_MAX_LABEL] = '\0';
    assert_int_equal(imgcolor_pie_render(w, 3, NULL, &img, NULL), IMGCOLOR_OK);
    imgcolor_image_free(img);
    assert_int_equal(imgcolor_pie_render(w, 3, NULL, NULL, NULL), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_pie_svg(w, 3, NULL, NULL, NULL, NULL), IMGCOLOR_E_INVALID);
}

static void test_missing_font(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_font_path(opt, "/nonexistent/font.ttf"),
                     IMGCOLOR_OK);
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    assert_int_equal(imgcolor_pie_render(w, REF_N, opt, &img, &err), IMGCOLOR_E_FONT);
    assert_null(img);
    assert_non_null(strstr(err.message, "/nonexistent/font.ttf"));
    /* A file that is not a font. */
    assert_int_equal(imgcolor_pie_options_set_font_path(opt, IMGCOLOR_SOURCE_DIR "/CMakeLists.txt"),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_render(w, REF_N, opt, &img, &err), IMGCOLOR_E_FONT);
    /* No text, no font needed. */
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_render(w, REF_N, opt, &img, &err), IMGCOLOR_OK);
    imgcolor_image_free(img);
    imgcolor_pie_options_free(opt);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void xmllint_ok(const char *svg, size_t len)
{
    test_run r = test_run_cmd("xmllint --noout -", svg, len);
    if (r.status != 0)
        fail_msg("xmllint: %s", r.err);
    test_run_free(&r);
}

static void test_svg(void **state)
{
    (void)state;
    imgcolor_pie_wedge w[REF_N + 1];
    ref_wedges(w);
    w[REF_N] = (imgcolor_pie_wedge){{1, 1, 1}, 0.0, NULL};
    w[1].label = "a<b & \"c\" 'd' \xc3\xa9";
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 1), IMGCOLOR_OK);
    char *svg = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_pie_svg(w, REF_N + 1, opt, &svg, &len, NULL), IMGCOLOR_OK);
    assert_int_equal(strlen(svg), len);
    xmllint_ok(svg, len);
    assert_int_equal(count(svg, "<path "), REF_N);
    assert_int_equal(count(svg, "<text "), 2 * REF_N);
    assert_non_null(strstr(svg, "width=\"480\" height=\"360\""));
    assert_non_null(strstr(svg, "fill=\"#7f6a55\""));
    assert_non_null(strstr(svg, ">#7f6a55</text>"));
    assert_non_null(strstr(svg, ">a&lt;b &amp; &quot;c&quot; &apos;d&apos; \xc3\xa9</text>"));
    assert_non_null(strstr(svg, "<rect "));
    /* The first wedge starts at 3 o'clock on the rim: (246 + 126, 181.8). */
    assert_non_null(strstr(svg, "M246 181.8L372 181.8A126 126 0 0 0 "));
    imgcolor_free(svg);

    /* A full disc, transparent, no text. */
    assert_int_equal(imgcolor_pie_options_set_transparent(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_labels(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_svg(w + 2, 1, opt, &svg, NULL, NULL), IMGCOLOR_OK);
    xmllint_ok(svg, strlen(svg));
    assert_int_equal(count(svg, "<path "), 1);
    assert_int_equal(count(svg, "<text"), 0);
    assert_null(strstr(svg, "<rect "));
    imgcolor_free(svg);

    /* 256 wedges. */
    imgcolor_pie_wedge many[IMGCOLOR__PIE_MAX_WEDGES];
    for (size_t i = 0; i < IMGCOLOR__PIE_MAX_WEDGES; i++)
        many[i] = (imgcolor_pie_wedge){{(uint8_t)i, 0, 0}, (double)(i + 1), NULL};
    assert_int_equal(imgcolor_pie_svg(many, IMGCOLOR__PIE_MAX_WEDGES, NULL, &svg, &len, NULL),
                     IMGCOLOR_OK);
    xmllint_ok(svg, len);
    assert_int_equal(count(svg, "<path "), IMGCOLOR__PIE_MAX_WEDGES);
    imgcolor_free(svg);
    imgcolor_pie_options_free(opt);
}

/* Charts rendered by several threads at once equal the one rendered alone. */
typedef struct job {
    const imgcolor_pie_options *opt;
    imgcolor_image *img;
} job;

static void *render_job(void *arg)
{
    job *j = arg;
    imgcolor_pie_wedge w[REF_N];
    for (int i = 0; i < REF_N; i++) {
        if (imgcolor_hex_parse(ref_hex[i], 7, &w[i].color) != IMGCOLOR_OK)
            return (void *)1;
        w[i].weight = ref_counts[i];
        w[i].label = NULL;
    }
    for (int k = 0; k < 5; k++) {
        imgcolor_image_free(j->img);
        j->img = NULL;
        if (imgcolor_pie_render(w, REF_N, j->opt, &j->img, NULL) != IMGCOLOR_OK)
            return NULL;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    imgcolor_pie_options *opt = new_options();
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 1), IMGCOLOR_OK);
    job alone = {opt, NULL};
    render_job(&alone);
    assert_non_null(alone.img);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){opt, NULL};
        assert_int_equal(pthread_create(&th[i], NULL, render_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_non_null(jobs[i].img);
        assert_memory_equal(jobs[i].img->rgba, alone.img->rgba, 480 * 360 * 4);
        imgcolor_image_free(jobs[i].img);
    }
    imgcolor_image_free(alone.img);
    imgcolor_pie_options_free(opt);
}

/* ------------------------------------------------------------------------------------ */
/* imgcolor pie, end to end                                                              */

static test_run pie_cli(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' pie %s", IMGCOLOR_CLI_PATH, args);
    return test_run_cmd(cmd, NULL, 0);
}

static imgcolor_image *decode_output(const test_run *r)
{
    imgcolor_image *img = NULL;
    imgcolor_error err = {0};
    if (imgcolor_decode(r->out, r->out_len, NULL, &img, &err) != IMGCOLOR_OK)
        fail_msg("decode: %s (stderr: %s)", err.message, r->err);
    return img;
}

static void test_cli(void **state)
{
    (void)state;
    test_run r = pie_cli("--colors '[\"#7f6a55\",\"#d8d3cc\",\"#3b3a34\",\"#a89a88\","
                         "\"#b6c2cc\",\"#57524b\"]' --counts '[51234,43210,39876,30211,25000,"
                         "12000]' -o -");
    assert_int_equal(r.status, 0);
    imgcolor_image *img = decode_output(&r);
    imgcolor_pie_wedge w[REF_N];
    ref_wedges(w);
    imgcolor_image *want = render(w, REF_N, NULL);
    assert_int_equal(img->width, 480);
    assert_int_equal(img->height, 360);
    assert_memory_equal(img->rgba, want->rgba, 480 * 360 * 4);
    imgcolor_image_free(img);
    imgcolor_image_free(want);
    test_run_free(&r);

    /* Comma lists, size, percentages, no labels, transparent; to a file. */
    char *dir = test_tmpdir(), args[1024], path[600];
    snprintf(path, sizeof path, "%s/pie.png", dir);
    snprintf(args, sizeof args,
             "--colors '#f00, #00ff00,#00f' --counts 1,2.5,3e0 --size 200x100 --percent "
             "--no-labels --transparent -o '%s'", path);
    r = pie_cli(args);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    test_run_free(&r);
    size_t size;
    uint8_t *png = test_read_file(path, &size);
    assert_int_equal(imgcolor_decode(png, size, NULL, &img, NULL), IMGCOLOR_OK);
    assert_int_equal(img->width, 200);
    assert_int_equal(img->height, 100);
    assert_int_equal(img->rgba[3], 0);
    imgcolor_image_free(img);
    free(png);

    /* SVG by option and by file name. */
    r = pie_cli("--colors '#f00,#0f0' --counts '[1,0]' --svg -o -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "<svg "));
    assert_int_equal(count(r.out, "<path "), 1);
    test_run_free(&r);
    snprintf(path, sizeof path, "%s/pie.svg", dir);
    snprintf(args, sizeof args, "--colors '#f00,#0f0' --counts 1,2 --labels 'red,green' -o '%s'",
             path);
    r = pie_cli(args);
    assert_int_equal(r.status, 0);
    test_run_free(&r);
    char *svg = (char *)test_read_file(path, &size);
    svg = realloc(svg, size + 1);
    assert_non_null(svg);
    svg[size] = '\0';
    xmllint_ok(svg, size);
    assert_int_equal(count(svg, "<path "), 2);
    assert_non_null(memmem(svg, size, ">green</text>", 13));
    free(svg);
    test_rmdir_r(dir);
    free(dir);

    /* The whole seed pipeline: prominent colours of an image, then their pie. */
    r = pie_cli("'" IMGCOLOR_SOURCE_DIR "/examples/3.jpg' -k 4 -o -");
    assert_int_equal(r.status, 0);
    img = decode_output(&r);
    assert_int_equal(img->width, 480);
    imgcolor_image_free(img);
    test_run_free(&r);

    /* Bad input: exit status 1, a message, no output. */
    const char *bad[] = {
        "--colors '#f00' --counts -1 -o -",
        "--colors '#f00,#0f0' --counts 0,0 -o -",
        "--colors '#f0' --counts 1 -o -",
        "--colors 'red' --counts 1 -o -",
        "--colors '[\"#fff\"' --counts 1 -o -",
        "--colors '#fff,#000' --counts 1 -o -",
        "--colors '#fff' --counts 'nan' -o -",
        "--colors '#fff' --counts '[1e999]' -o -",
        "--colors '[]' --counts '[]' -o -",
        "--colors '#fff' --counts 1 --font /nonexistent.ttf -o -",
        "/nonexistent.png -o -",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = pie_cli(bad[i]);
        if (r.status != 1 || r.out_len != 0 || r.err_len == 0)
            fail_msg("'%s': status %d, %zu bytes out, stderr '%s'", bad[i], r.status, r.out_len,
                     r.err);
        test_run_free(&r);
    }
    /* Bad usage: exit status 2. */
    const char *usage[] = {
        "--colors '#fff' --counts 1",
        "--colors '#fff' -o -",
        "--size 10x10 --colors '#fff' --counts 1 -o -",
        "--size 100 --colors '#fff' --counts 1 -o -",
        "--font-size 2 --colors '#fff' --counts 1 -o -",
        "--bogus -o -",
        "a.png b.png -o -",
        "a.png --colors '#fff' --counts 1 -o -",
        "a.png -k 0 -o -",
    };
    for (size_t i = 0; i < sizeof usage / sizeof *usage; i++) {
        r = pie_cli(usage[i]);
        if (r.status != 2 || r.out_len != 0 || r.err_len == 0)
            fail_msg("'%s': status %d, stderr '%s'", usage[i], r.status, r.err);
        test_run_free(&r);
    }
    r = pie_cli("--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage: imgcolor pie"));
    test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_areas_reference), cmocka_unit_test(test_areas_many),
        cmocka_unit_test(test_single_and_zero), cmocka_unit_test(test_labels),
        cmocka_unit_test(test_percent),         cmocka_unit_test(test_transparent),
        cmocka_unit_test(test_options),         cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_missing_font),    cmocka_unit_test(test_svg),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
