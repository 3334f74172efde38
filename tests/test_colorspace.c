/* test_colorspace.c: the colour-space maths against published reference values (CSS
 * Color 4's examples for Oklab and OKLCH, Lindbloom's for CIELAB D65, WCAG 2's contrast
 * extremes), round trips, gamut mapping and CSS colour names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colorspace.h"
#include "support.h"

static void linear8(imgcolor_rgb c, double out[3])
{
    out[0] = imgcolor__srgb_to_linear(c.r / 255.0);
    out[1] = imgcolor__srgb_to_linear(c.g / 255.0);
    out[2] = imgcolor__srgb_to_linear(c.b / 255.0);
}

static void assert_near(const double got[3], const double want[3], double tol)
{
    for (int i = 0; i < 3; i++)
        if (fabs(got[i] - want[i]) > tol)
            fail_msg("component %d: got %.6f, want %.6f (tolerance %g)", i, got[i], want[i], tol);
}

typedef struct reference {
    imgcolor_rgb rgb;
    double oklab[3], oklch[3], lab[3];
} reference;

/* Oklab and OKLCH as CSS Color 4 lists them (rounded to its 5 places, hue to 2); CIELAB
 * D65 from Bruce Lindbloom's calculator (sRGB, D65 reference white, no adaptation). */
static const reference refs[] = {
    {{255, 0, 0}, {0.62796, 0.22486, 0.12585}, {0.62796, 0.25768, 29.23}, {53.2408, 80.0925, 67.2032}},
    {{0, 255, 0}, {0.86644, -0.23389, 0.17950}, {0.86644, 0.29483, 142.50}, {87.7347, -86.1827, 83.1793}},
    {{0, 0, 255}, {0.45201, -0.03246, -0.31153}, {0.45201, 0.31321, 264.05}, {32.2970, 79.1875, -107.8602}},
    {{255, 255, 255}, {1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}, {100.0, 0.0, 0.0}},
    {{0, 0, 0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}},
};

static void test_reference_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        double lin[3], oklab[3], oklch[3], lab[3];
        linear8(refs[i].rgb, lin);
        imgcolor__linear_to_oklab(lin, oklab);
        imgcolor__oklab_to_oklch(oklab, oklch);
        imgcolor__linear_to_cielab(lin, lab);
        assert_near(oklab, refs[i].oklab, 6e-5);
        assert_near(oklch, refs[i].oklch, 6e-3);
        /* Lindbloom rounds his sRGB matrix and white differently: 0.01 apart. */
        assert_near(lab, refs[i].lab, 1e-2);
    }
    /* The table of 8-bit values is the function, to the last bit. */
    for (int v = 0; v < 256; v++) {
        double lin[3];
        imgcolor__rgb8_to_linear((imgcolor_rgb){(uint8_t)v, 0, 0}, lin);
        assert_true(lin[0] == imgcolor__srgb_to_linear(v / 255.0));
    }
    /* The transfer function at its knee and ends. */
    assert_true(imgcolor__srgb_to_linear(0) == 0);
    assert_true(fabs(imgcolor__srgb_to_linear(1) - 1) < 1e-15);
    assert_true(fabs(imgcolor__srgb_to_linear(0.04045) - 0.04045 / 12.92) < 1e-15);
    assert_true(fabs(imgcolor__srgb_to_linear(0.5) - 0.21404114048223255) < 1e-15);
}

/* Every 8-bit colour of a coarse lattice survives sRGB -> Oklab -> sRGB and
 * sRGB -> CIELAB -> sRGB exactly once rounded. */
/* The Oklab of every 8-bit colour is the CSS Color 4 formula with the C library's cbrt(),
 * bit for bit: colorspace.c's own cube root follows glibc's, and so do the four lanes of
 * the conversion of many colours at once (given in chunks whose sizes are no multiple
 * of four, so that the scalar tail is checked too). */
static void test_oklab_is_the_formula(void **state)
{
    (void)state;
#ifdef __GLIBC__
    static const double to_lms[3][3] = {{0.4122214708, 0.5363325363, 0.0514459929},
                                        {0.2119034982, 0.6806995451, 0.1073969566},
                                        {0.0883024619, 0.2817188376, 0.6299787005}};
    static const double to_lab[3][3] = {{0.2104542553, 0.7936177850, -0.0040720468},
                                        {1.9779984951, -2.4285922050, 0.4505937099},
                                        {0.0259040371, 0.7827717662, -0.8086757660}};
    enum { CHUNK = 4099 };
    static uint32_t rgb[CHUNK];
    static double many[CHUNK][3];
    long differ = 0, differ_many = 0;
    for (uint32_t first = 0; first < 1u << 24; first += CHUNK) {
        size_t n = (1u << 24) - first < CHUNK ? (1u << 24) - first : CHUNK;
        for (size_t j = 0; j < n; j++)
            rgb[j] = first + (uint32_t)j;
        imgcolor__rgb8_to_oklab_n(rgb, n, many);
        for (size_t j = 0; j < n; j++) {
            uint32_t v = rgb[j];
            imgcolor_rgb c = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            double lin[3], lms[3], want[3], got[3];
            imgcolor__rgb8_to_linear(c, lin);
            for (int i = 0; i < 3; i++)
                lms[i] = cbrt(to_lms[i][0] * lin[0] + to_lms[i][1] * lin[1] +
                              to_lms[i][2] * lin[2]);
            for (int i = 0; i < 3; i++)
                want[i] = to_lab[i][0] * lms[0] + to_lab[i][1] * lms[1] + to_lab[i][2] * lms[2];
            imgcolor__linear_to_oklab(lin, got);
            differ += memcmp(got, want, sizeof got) != 0;
            differ_many += memcmp(many[j], want, sizeof want) != 0;
        }
    }
    assert_int_equal(differ, 0);
    assert_int_equal(differ_many, 0);
#else
    skip();
#endif
}

static void test_round_trips(void **state)
{
    (void)state;
    for (int r = 0; r < 256; r += 15)
        for (int g = 0; g < 256; g += 15)
            for (int b = 0; b < 256; b += 15) {
                imgcolor_rgb c = {(uint8_t)r, (uint8_t)g, (uint8_t)b};
                double lin[3], oklab[3], lab[3], back[3];
                linear8(c, lin);
                imgcolor__linear_to_oklab(lin, oklab);
                imgcolor_rgb d = imgcolor__oklab_to_rgb8(oklab);
                assert_memory_equal(&c, &d, sizeof c);
                imgcolor__linear_to_cielab(lin, lab);
                imgcolor__cielab_to_linear(lab, back);
                assert_near(back, lin, 1e-12);
            }
}

/* Out of gamut: chroma is reduced, lightness and hue kept (CSS Color 4). */
static void test_gamut_mapping(void **state)
{
    (void)state;
    const double lch[][3] = {{0.7, 0.4, 145}, {0.5, 0.3, 30}, {0.9, 0.3, 250}, {0.3, 0.4, 300}};
    for (size_t i = 0; i < sizeof lch / sizeof lch[0]; i++) {
        double h = lch[i][2] * 3.14159265358979323846 / 180;
        const double lab[3] = {lch[i][0], lch[i][1] * cos(h), lch[i][1] * sin(h)};
        double lin[3];
        imgcolor__oklab_to_linear(lab, lin);
        assert_true(lin[0] < 0 || lin[0] > 1 || lin[1] < 0 || lin[1] > 1 || lin[2] < 0 ||
                    lin[2] > 1);
        imgcolor_rgb c = imgcolor__oklab_to_rgb8(lab);
        double got[3], got_lch[3];
        imgcolor__rgb8_to_oklab(c, got);
        imgcolor__oklab_to_oklch(got, got_lch);
        print_message("oklch(%.2f %.2f %.0f) -> #%02x%02x%02x = oklch(%.3f %.3f %.1f)\n",
                      lch[i][0], lch[i][1], lch[i][2], c.r, c.g, c.b, got_lch[0], got_lch[1],
                      got_lch[2]);
        assert_true(fabs(got_lch[0] - lch[i][0]) < 0.03);
        /* The hue kept: the clipped colour within a JND of the hue line. */
        assert_true(got_lch[1] * fabs(got_lch[2] - lch[i][2]) * 3.14159265358979323846 / 180 <
                    0.02);
        assert_true(got_lch[1] < lch[i][1]);
    }
    const double above[3] = {1.2, 0, 0}, below[3] = {-0.1, 0, 0};
    imgcolor_rgb w = imgcolor__oklab_to_rgb8(above), k = imgcolor__oklab_to_rgb8(below);
    assert_true(w.r == 255 && w.g == 255 && w.b == 255 && k.r == 0 && k.g == 0 && k.b == 0);
}

static void test_contrast(void **state)
{
    (void)state;
    const imgcolor_rgb black = {0, 0, 0}, white = {255, 255, 255}, grey = {0x77, 0x77, 0x77};
    assert_true(fabs(imgcolor__contrast(black, white) - 21) < 1e-12);
    assert_true(fabs(imgcolor__contrast(white, white) - 1) < 1e-12);
    /* #777 on white, the classic just-failing grey: 4.48:1. */
    assert_true(fabs(imgcolor__contrast(grey, white) - 4.48) < 0.005);
}

static void test_css_names(void **state)
{
    (void)state;
    assert_int_equal(imgcolor__css_name_count(), 148);
    assert_null(imgcolor__css_name(148, NULL));
    for (size_t i = 0; i < imgcolor__css_name_count(); i++) {
        imgcolor_rgb c;
        const char *name = imgcolor__css_name(i, &c);
        double lab[3], d;
        imgcolor__rgb8_to_oklab(c, lab);
        const char *nearest = imgcolor__css_nearest(lab, &d);
        assert_true(d == 0);
        /* Aliases (aqua/cyan, gray/grey...) give the first spelling. */
        imgcolor_rgb n;
        for (size_t j = 0; j < imgcolor__css_name_count(); j++)
            if (strcmp(imgcolor__css_name(j, &n), nearest) == 0)
                assert_memory_equal(&n, &c, sizeof c);
        (void)name;
    }
    imgcolor_rgb cyan = {0, 255, 255}, grey = {0x77, 0x77, 0x77}, slate = {0x70, 0x80, 0x91};
    double lab[3], d;
    imgcolor__rgb8_to_oklab(cyan, lab);
    assert_string_equal(imgcolor__css_nearest(lab, NULL), "aqua");
    imgcolor__rgb8_to_oklab(grey, lab);
    assert_string_equal(imgcolor__css_nearest(lab, &d), "gray");
    assert_true(d > 0 && d < 0.05);
    imgcolor__rgb8_to_oklab(slate, lab);
    assert_string_equal(imgcolor__css_nearest(lab, &d), "slategray");
}

/* The result carries the fields, consistent with its colours. */
static void test_result_fields(void **state)
{
    (void)state;
    const uint8_t px[4 * 3] = {255, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 255};
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 3), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(px, 4, 1, 12, IMGCOLOR_PIXEL_RGB8, opt, &res, NULL),
                     IMGCOLOR_OK);
    const imgcolor_cluster *red = imgcolor_result_color(res, 0);
    assert_string_equal(red->hex, "#ff0000");
    assert_string_equal(red->name, "red");
    assert_true(red->name_distance == 0);
    assert_near(red->oklch, refs[0].oklch, 6e-3);
    assert_near(red->lab, refs[0].lab, 1e-2);
    assert_true(red->text.r == 0 && fabs(red->text_contrast - 5.25) < 0.01);
    for (size_t i = 1; i < 3; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        int is_black = c->rgb.r == 0;
        assert_string_equal(c->name, is_black ? "black" : "white");
        assert_int_equal(c->text.r, is_black ? 255 : 0);
        assert_true(fabs(c->text_contrast - 21) < 1e-9);
    }
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"hex\":\"#ff0000\",\"count\":2,\"fraction\":0.5,"
                                 "\"oklch\":[0.62796,0.25768,29.23],\"name\":\"red\","
                                 "\"name_distance\":0,\"text\":\"#000000\",\"text_contrast\":5.25}"));
    imgcolor_free(json);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_oklab_is_the_formula),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_gamut_mapping),
        cmocka_unit_test(test_contrast),
        cmocka_unit_test(test_css_names),
        cmocka_unit_test(test_result_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
