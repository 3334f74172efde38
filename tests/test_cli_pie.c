/* test_cli_pie.c: `imgcolor pie` writes exactly what imgcolor_pie_encode() gives, which
 * is exactly what the render-then-PNG and SVG calls give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgcolor.h"
#include "support.h"

#define CLI IMGCOLOR_CLI_PATH

static const imgcolor_pie_wedge wedges[] = {
    {{0x7f, 0x6a, 0x55}, 3, NULL},
    {{0xd8, 0xd3, 0xcc}, 1, NULL},
    {{0x10, 0x20, 0x30}, 2, "dark"},
};
#define NWEDGES (sizeof wedges / sizeof wedges[0])
#define LISTS "--colors '#7f6a55,#d8d3cc,#102030' --counts 3,1,2 --labels '#7f6a55,#d8d3cc,dark'"

static void test_encode_equals_the_steps(void **state)
{
    (void)state;
    imgcolor_pie_options *opt = NULL;
    assert_int_equal(imgcolor_pie_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 1), IMGCOLOR_OK);
    void *png = NULL, *svg = NULL, *want_png = NULL;
    char *want_svg = NULL;
    size_t png_len = 0, svg_len = 0, want_png_len = 0, want_svg_len = 0;
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_pie_encode(wedges, NWEDGES, opt, IMGCOLOR_PIE_PNG, &png, &png_len,
                                         NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_render(wedges, NWEDGES, opt, &img, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_png_encode(img, &want_png, &want_png_len, NULL), IMGCOLOR_OK);
    assert_int_equal(png_len, want_png_len);
    assert_memory_equal(png, want_png, png_len);
    assert_int_equal(imgcolor_pie_encode(wedges, NWEDGES, opt, IMGCOLOR_PIE_SVG, &svg, &svg_len,
                                         NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_svg(wedges, NWEDGES, opt, &want_svg, &want_svg_len, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(svg_len, want_svg_len);
    assert_memory_equal(svg, want_svg, svg_len);
    imgcolor_free(png);
    imgcolor_free(svg);
    imgcolor_free(want_png);
    imgcolor_free(want_svg);
    imgcolor_image_free(img);
    imgcolor_pie_options_free(opt);
}

static void test_encode_errors(void **state)
{
    (void)state;
    void *out = (void *)1;
    size_t len = 5;
    imgcolor_error err;
    assert_int_equal(imgcolor_pie_encode(wedges, NWEDGES, NULL, (imgcolor_pie_format)7, &out,
                                         &len, &err),
                     IMGCOLOR_E_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    out = (void *)1;
    assert_int_equal(imgcolor_pie_encode(wedges, 0, NULL, IMGCOLOR_PIE_PNG, &out, &len, &err),
                     IMGCOLOR_E_RANGE);
    assert_null(out);
    assert_int_equal(imgcolor_pie_encode(wedges, NWEDGES, NULL, IMGCOLOR_PIE_PNG, NULL, &len,
                                         &err),
                     IMGCOLOR_E_INVALID);
}

/* The command writes the library's bytes, to standard output and to a file. */
static void test_cli_writes_the_library_bytes(void **state)
{
    (void)state;
    imgcolor_pie_options *opt = NULL;
    assert_int_equal(imgcolor_pie_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_set_percent(opt, 1), IMGCOLOR_OK);
    char *dir = test_tmpdir();
    for (int svg = 0; svg <= 1; svg++) {
        void *want = NULL;
        size_t want_len = 0;
        assert_int_equal(imgcolor_pie_encode(wedges, NWEDGES, opt,
                                             svg ? IMGCOLOR_PIE_SVG : IMGCOLOR_PIE_PNG, &want,
                                             &want_len, NULL),
                         IMGCOLOR_OK);
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' pie --percent %s %s -o -", CLI, svg ? "--svg" : "", LISTS);
        test_run r = test_run_cmd(cmd, NULL, 0);
        assert_int_equal(r.status, 0);
        assert_int_equal(r.out_len, want_len);
        assert_memory_equal(r.out, want, want_len);
        test_run_free(&r);
        snprintf(cmd, sizeof cmd, "'%s' pie --percent %s -o '%s/chart.%s'", CLI, LISTS, dir,
                 svg ? "svg" : "png");
        r = test_run_cmd(cmd, NULL, 0);
        assert_int_equal(r.status, 0);
        test_run_free(&r);
        snprintf(cmd, sizeof cmd, "%s/chart.%s", dir, svg ? "svg" : "png");
        size_t got_len = 0;
        uint8_t *got = test_read_file(cmd, &got_len);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        free(got);
        imgcolor_free(want);
    }
    test_rmdir_r(dir);
    free(dir);
    imgcolor_pie_options_free(opt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_equals_the_steps),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_cli_writes_the_library_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
