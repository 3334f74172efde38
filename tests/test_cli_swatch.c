/* test_cli_swatch.c: `imgcolor swatch`: the strip it writes is the library's for the
 * same clustering, in PNG or SVG, to a file or standard output; every bad usage exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <imgcolor.h>

#include "support.h"

#define EXAMPLE IMGCOLOR_SOURCE_DIR "/examples/1.jpg"

static test_run swatch_cli(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' swatch %s", IMGCOLOR_CLI_PATH, args);
    return test_run_cmd(cmd, NULL, 0);
}

/* The library's strip of the example's k clusters, with the options given. */
static void *library_strip(int k, uint64_t seed, uint32_t w, uint32_t h, imgcolor_pie_format f,
                           size_t *len)
{
    imgcolor_options *opt = NULL;
    imgcolor_swatch_options *so = NULL;
    imgcolor_result *res = NULL;
    void *out = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_seed(opt, seed), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_new(&so), IMGCOLOR_OK);
    assert_int_equal(imgcolor_swatch_options_set_size(so, w, h), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_file(EXAMPLE, opt, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_swatch_encode(res, NULL, so, f, &out, len, NULL),
                     IMGCOLOR_OK);
    imgcolor_result_free(res);
    imgcolor_swatch_options_free(so);
    imgcolor_options_free(opt);
    return out;
}

static void test_png_stdout(void **state)
{
    (void)state;
    test_run r = swatch_cli("'" EXAMPLE "' -k 6 -o -");
    assert_int_equal(r.status, 0);
    size_t len = 0;
    void *want = library_strip(6, 0, 640, 120, IMGCOLOR_PIE_PNG, &len);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, want, len);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(r.out, r.out_len, NULL, &img, NULL), IMGCOLOR_OK);
    assert_int_equal(img->width, 640);
    assert_int_equal(img->height, 120);
    /* The largest cluster of the example, #0e2847, starts the strip. */
    assert_int_equal(img->rgba[0], 0x0e);
    assert_int_equal(img->rgba[1], 0x28);
    assert_int_equal(img->rgba[2], 0x47);
    imgcolor_image_free(img);
    /* The README's picture is this strip. */
    size_t doc_len = 0;
    uint8_t *doc = test_read_file(IMGCOLOR_SOURCE_DIR "/docs/swatch-example1.png", &doc_len);
    assert_int_equal(doc_len, len);
    assert_memory_equal(doc, want, len);
    free(doc);
    imgcolor_free(want);
    test_run_free(&r);
}

static void test_svg_and_size(void **state)
{
    (void)state;
    size_t len = 0;
    test_run r = swatch_cli("--svg --width 300 --height 50 -k 3 --seed 7 '" EXAMPLE "' -o -");
    assert_int_equal(r.status, 0);
    void *want = library_strip(3, 7, 300, 50, IMGCOLOR_PIE_SVG, &len);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, want, len);
    assert_non_null(strstr(r.out, "width=\"300\" height=\"50\""));
    imgcolor_free(want);
    test_run_free(&r);

    /* SVG by file name, and --no-labels. */
    char *dir = test_tmpdir(), args[1024], path[600];
    snprintf(path, sizeof path, "%s/strip.svg", dir);
    snprintf(args, sizeof args, "-k 2 --no-labels '" EXAMPLE "' -o '%s'", path);
    r = swatch_cli(args);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    test_run_free(&r);
    size_t size = 0;
    char *svg = (char *)test_read_file(path, &size);
    assert_true(size > 5 && memcmp(svg, "<?xml", 5) == 0);
    assert_null(strstr(svg, "<text"));
    free(svg);
    test_rmdir_r(dir);
    free(dir);
}

static void test_usage(void **state)
{
    (void)state;
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"'" EXAMPLE "' --width 31 -o -", "--width: expected an integer from 32 to 8192"},
        {"'" EXAMPLE "' --width 8193 -o -", "from 32 to 8192, got '8193'"},
        {"'" EXAMPLE "' --height 4097 -o -", "--height: expected an integer from 16 to 4096"},
        {"'" EXAMPLE "' --height=-1 -o -", "got '-1'"},
        {"'" EXAMPLE "' --width 99999999999 -o -", "got '99999999999'"},
        {"'" EXAMPLE "' -k 0 -o -", "-k"},
        {"'" EXAMPLE "' --space rgbx -o -", "expected rgb, oklab or lab"},
        {"'" EXAMPLE "'", "no output given"},
        {"-o -", "no image given"},
        {"'" EXAMPLE "' '" EXAMPLE "' -o -", "one image at a time"},
        {"'" EXAMPLE "' --format json -o -", "unknown option '--format'"},
        {"'" EXAMPLE "' --font '' -o -", "expected a font file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_run r = swatch_cli(cases[i].args);
        if (r.status != 2 || !strstr(r.err, cases[i].message))
            fail_msg("swatch %s: exit %d, stderr '%s'", cases[i].args, r.status, r.err);
        assert_int_equal(r.out_len, 0);
        test_run_free(&r);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"/nonexistent.png -o -", "/nonexistent.png"},
        {"'" IMGCOLOR_SOURCE_DIR "/README.md' -o -", "README.md"},
        {"'" EXAMPLE "' --font /nonexistent.ttf -o -", "use --font FILE, --no-labels or --svg"},
        {"'" EXAMPLE "' -o /nonexistent/dir/strip.png", "/nonexistent/dir/strip.png"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_run r = swatch_cli(cases[i].args);
        if (r.status != 1 || !strstr(r.err, cases[i].message))
            fail_msg("swatch %s: exit %d, stderr '%s'", cases[i].args, r.status, r.err);
        assert_int_equal(r.out_len, 0);
        test_run_free(&r);
    }
    /* The font is not needed without labels, nor for SVG. */
    test_run r = swatch_cli("'" EXAMPLE "' --font /nonexistent.ttf --no-labels -o -");
    assert_int_equal(r.status, 0);
    test_run_free(&r);
    r = swatch_cli("'" EXAMPLE "' --font /nonexistent.ttf --svg -o -");
    assert_int_equal(r.status, 0);
    test_run_free(&r);
    /* Standard input. */
    size_t size = 0;
    uint8_t *jpeg = test_read_file(EXAMPLE, &size);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' swatch - -k 6 -o -", IMGCOLOR_CLI_PATH);
    r = test_run_cmd(cmd, jpeg, size);
    assert_int_equal(r.status, 0);
    size_t len = 0;
    void *want = library_strip(6, 0, 640, 120, IMGCOLOR_PIE_PNG, &len);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, want, len);
    imgcolor_free(want);
    test_run_free(&r);
    free(jpeg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_stdout),
        cmocka_unit_test(test_svg_and_size),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
