/* test_cli_colour.c: the CLI's colour options: --space, --no-color-management, the
 * palette formats (gpl, css, hex) and --name-prefix, against the library's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <imgcolor.h>

#include "support.h"

#define CLI IMGCOLOR_CLI_PATH
#define EXAMPLE IMGCOLOR_SOURCE_DIR "/examples/1.jpg" /* Adobe RGB (1998) */

static test_run run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, NULL, 0);
}

/* The library's result for EXAMPLE with k = 3 in a space, colour-managed or not. */
static imgcolor_result *library(imgcolor_space space, int managed)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 3), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_space(opt, space), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_color_management(opt, managed), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_file(EXAMPLE, opt, &res, NULL), IMGCOLOR_OK);
    imgcolor_options_free(opt);
    return res;
}

static void test_hex_follows_space_and_management(void **state)
{
    (void)state;
    const char *args[4] = {"-k 3 -f hex", "-k 3 -f hex --no-color-management",
                           "-k 3 -f hex --space oklab", "-k 3 -f hex --space lab"};
    const imgcolor_space spaces[4] = {IMGCOLOR_SPACE_RGB, IMGCOLOR_SPACE_RGB,
                                      IMGCOLOR_SPACE_OKLAB, IMGCOLOR_SPACE_LAB};
    char *outs[4];
    for (int i = 0; i < 4; i++) {
        char a[256];
        snprintf(a, sizeof a, "prominent %s '%s'", args[i], EXAMPLE);
        test_run r = run(a);
        assert_int_equal(r.status, 0);
        imgcolor_result *res = library(spaces[i], i != 1);
        char want[64] = "";
        for (size_t c = 0; c < imgcolor_result_count(res); c++) {
            strcat(want, imgcolor_result_color(res, c)->hex);
            strcat(want, "\n");
        }
        assert_string_equal(r.out, want);
        imgcolor_result_free(res);
        outs[i] = strdup(r.out);
        test_run_free(&r);
    }
    for (int i = 1; i < 4; i++)
        assert_string_not_equal(outs[0], outs[i]);
    for (int i = 0; i < 4; i++)
        free(outs[i]);
}

static void test_palettes(void **state)
{
    (void)state;
    imgcolor_result *res = library(IMGCOLOR_SPACE_RGB, 1);
    const imgcolor_cluster *c = imgcolor_result_color(res, 0);
    char want[256];

    test_run r = run("prominent -k 3 -f gpl '" EXAMPLE "'");
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "GIMP Palette\nName: 1.jpg\nColumns: 3\n#\n", 36) == 0);
    snprintf(want, sizeof want, "%3d %3d %3d\t%s ", c->rgb.r, c->rgb.g, c->rgb.b, c->hex);
    assert_non_null(strstr(r.out, want));
    test_run_free(&r);

    r = run("prominent -k 3 -f css --name-prefix brand '" EXAMPLE "'");
    assert_int_equal(r.status, 0);
    snprintf(want, sizeof want, ":root {\n  --brand-1: %s; /* %s, ", c->hex, c->name);
    assert_non_null(strstr(r.out, want));
    assert_non_null(strstr(r.out, "--brand-3: "));
    assert_null(strstr(r.out, "--brand-4"));
    test_run_free(&r);
    imgcolor_result_free(res);
}

static void test_bad_usage(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "prominent --space hsv x.jpg",       "prominent --space x.jpg",
        "prominent --space OKLAB x.jpg",     "prominent -f yaml x.jpg",
        "prominent --name-prefix 'a b' x.jpg", "prominent --name-prefix '' x.jpg",
        "prominent --name-prefix 'x*/y' x.jpg",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_run r = run(bad[i]);
        if (r.status != 2)
            fail_msg("%s: exit %d", bad[i], r.status);
        assert_string_equal(r.out, "");
        assert_true(r.err_len > 0);
        test_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_follows_space_and_management),
        cmocka_unit_test(test_palettes),
        cmocka_unit_test(test_bad_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
