/* test_cli_options.c: every imgcolor option goes through the library's setter; its range
 * is the library's, at both ends, in the error message and in the help text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgcolor.h"
#include "support.h"

#define CLI IMGCOLOR_CLI_PATH

static test_run run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, NULL, 0);
}

/* An integer option of `imgcolor prominent` and the library's name for it. */
typedef struct int_option {
    const char *flag;
    const char *name;
} int_option;

static const int_option prominent_options[] = {
    {"--k", "k"},                 {"-k", "k"},
    {"--n-init", "n_init"},       {"--max-iter", "max_iter"},
    {"--seed", "seed"},           {"--min-alpha", "min_alpha"},
    {"--threads", "threads"},     {"--max-pixels", "max_pixels"},
};

/* A one-pixel PNG, so that every in-range value (max_pixels 1, k 256) runs and is quick. */
static char *one_pixel_png(char *dir)
{
    static uint8_t rgba[4] = {10, 20, 30, 255};
    imgcolor_image img = {.width = 1, .height = 1, .rgba = rgba};
    void *png = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_png_encode(&img, &png, &len, NULL), IMGCOLOR_OK);
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/one.png", dir);
    test_write_file(path, png, len);
    imgcolor_free(png);
    return path;
}

static void expect_exit(const char *args, int status, const char *err)
{
    test_run r = run(args);
    if (r.status != status)
        fail_msg("'%s': exit %d, want %d; stderr '%s'", args, r.status, status, r.err);
    if (err && !strstr(r.err, err))
        fail_msg("'%s': stderr '%s' does not say '%s'", args, r.err, err);
    if (status == 2 && r.out_len)
        fail_msg("'%s': a usage error printed '%s'", args, r.out);
    test_run_free(&r);
}

/* Both ends of each range are accepted; one past each end, and junk, exit 2 with a
 * message naming the option as written and the library's range. */
static void test_prominent_limits(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), *png = one_pixel_png(dir);
    for (size_t i = 0; i < sizeof prominent_options / sizeof prominent_options[0]; i++) {
        const int_option *o = &prominent_options[i];
        uint64_t lo = 0, hi = 0;
        assert_int_equal(imgcolor_options_range(o->name, &lo, &hi), IMGCOLOR_OK);
        char args[1024], msg[256];
        snprintf(msg, sizeof msg, "imgcolor: %s: expected an integer from %" PRIu64 " to %" PRIu64,
                 o->flag, lo, hi);
        snprintf(args, sizeof args, "prominent %s %" PRIu64 " '%s'", o->flag, lo, png);
        expect_exit(args, 0, NULL);
        snprintf(args, sizeof args, "prominent %s %" PRIu64 " '%s'", o->flag, hi, png);
        expect_exit(args, 0, NULL);
        if (lo > 0) {
            snprintf(args, sizeof args, "prominent %s %" PRIu64 " '%s'", o->flag, lo - 1, png);
            expect_exit(args, 2, msg);
        }
        if (hi < UINT64_MAX)
            snprintf(args, sizeof args, "prominent %s %" PRIu64 " '%s'", o->flag, hi + 1, png);
        else
            snprintf(args, sizeof args, "prominent %s 18446744073709551616 '%s'", o->flag, png);
        expect_exit(args, 2, msg);
        static const char *const junk[] = {"-1", "x", "1x", "", " 1", "+1", "0x10", "1e3"};
        for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            snprintf(args, sizeof args, "prominent %s '%s' '%s'", o->flag, junk[j], png);
            expect_exit(args, 2, msg);
        }
    }
    free(png);
    test_rmdir_r(dir);
    free(dir);
}

/* The value reaches the library: a seed above 2^63 and the largest pixel limit work as
 * the library and the server take them, and -k changes the output. */
static void test_values_reach_the_library(void **state)
{
    (void)state;
    expect_exit("prominent --seed 18446744073709551615 -k 2 '" IMGCOLOR_SOURCE_DIR
                "/examples/1.jpg'",
                0, NULL);
    expect_exit("prominent --max-pixels 1000 '" IMGCOLOR_SOURCE_DIR "/examples/1.jpg'", 1,
                "over the limit of 1000");
    test_run r = run("prominent -f csv -k 2 '" IMGCOLOR_SOURCE_DIR "/examples/1.jpg'");
    assert_int_equal(r.status, 0);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    test_run_free(&r);
}

/* --background, --bg-tolerance and --region: bad values are usage errors naming the
 * option; good ones reach the library and show in every format. */
static void test_subject_options(void **state)
{
    (void)state;
    const char *photo = "'" IMGCOLOR_SOURCE_DIR "/tests/data/photos/retina.jpg'";
    char args[1024];
    static const char *const bad[][2] = {
        {"--background white", "--background: expected keep, exclude or a colour"},
        {"--background ''", "--background: expected"},
        {"--background '#12345'", "--background: expected"},
        {"--bg-tolerance 1.5", "--bg-tolerance: expected a distance in deltaE OK from 0 to 1"},
        {"--bg-tolerance -0.1", "--bg-tolerance: expected"},
        {"--bg-tolerance nan", "--bg-tolerance: expected"},
        {"--bg-tolerance 0.1x", "--bg-tolerance: expected"},
        {"--region 1,2,3", "--region: expected x,y,w,h"},
        {"--region 0,0,0,5", "--region: w is 0, the region is empty"},
        {"--region 0,0,101%,5", "--region: w must be a percentage from 0 to 100"},
        {"--region ''", "--region: expected x,y,w,h"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "prominent %s %s", bad[i][0], photo);
        expect_exit(args, 2, bad[i][1]);
    }
    snprintf(args, sizeof args, "prominent --region 2000,0,5,5 %s", photo);
    expect_exit(args, 1, "region 2000,0,5,5 has no pixel in the 1411x1411 image");
    snprintf(args, sizeof args,
             "prominent -k 2 --background exclude --bg-tolerance 0.05 --region 0,0,100%%,100%% "
             "-f csv %s", photo);
    test_run r = run(args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "retina.jpg,background,#"));
    test_run_free(&r);
    snprintf(args, sizeof args, "prominent -k 2 --background '#000000' --region 1,2,30,40 %s",
             photo);
    r = run(args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "region 1,2,30,40 of 1411x1411\n"));
    assert_non_null(strstr(r.out, "background (left out)\n"));
    test_run_free(&r);
}

/* The help text quotes each range as the library has it. */
static void test_help_quotes_library_ranges(void **state)
{
    (void)state;
    test_run r = run("help prominent");
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < sizeof prominent_options / sizeof prominent_options[0]; i++) {
        const int_option *o = &prominent_options[i];
        if (o->flag[1] != '-')
            continue;
        uint64_t lo = 0, hi = 0;
        assert_int_equal(imgcolor_options_range(o->name, &lo, &hi), IMGCOLOR_OK);
        char flag[64], range[64];
        snprintf(flag, sizeof flag, "%s N ", o->flag);
        snprintf(range, sizeof range, " %" PRIu64 "..%" PRIu64 "%c", lo, hi, 0);
        const char *line = strstr(r.out, flag);
        if (!line)
            fail_msg("help prominent lacks '%s'", flag);
        const char *hit = strstr(line, range);
        const char *next = strstr(line + 1, "\n  ");
        if (!hit || (next && hit > next))
            fail_msg("help prominent: %s does not quote '%s'", o->flag, range + 1);
    }
    test_run_free(&r);

    r = run("help pie");
    double lo = 0, hi = 0;
    char range[64];
    assert_int_equal(imgcolor_pie_options_range("width", &lo, &hi), IMGCOLOR_OK);
    snprintf(range, sizeof range, "each side %g..%g", lo, hi);
    assert_non_null(strstr(r.out, range));
    assert_int_equal(imgcolor_pie_options_range("font_size", &lo, &hi), IMGCOLOR_OK);
    snprintf(range, sizeof range, "pixels, %g..%g", lo, hi);
    assert_non_null(strstr(r.out, range));
    test_run_free(&r);
}

static void test_pie_limits(void **state)
{
    (void)state;
    const char *lists = "--colors '#7f6a55,#d8d3cc' --counts 3,1 -o -";
    char args[1024];
    static const char *const good_sizes[] = {"16x16", "8192x16", "16x8192"};
    for (size_t i = 0; i < sizeof good_sizes / sizeof good_sizes[0]; i++) {
        snprintf(args, sizeof args, "pie --no-labels --size %s %s", good_sizes[i], lists);
        expect_exit(args, 0, NULL);
    }
    static const char *const bad_sizes[] = {"15x16", "16x15", "8193x16", "16x8193", "x16",
                                            "16x", "-16x16", "16x16x", "4294967312x16", ""};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        snprintf(args, sizeof args, "pie --size '%s' %s", bad_sizes[i], lists);
        expect_exit(args, 2, "--size: expected WxH, each side from 16 to 8192");
    }
    static const char *const good_fonts[] = {"0", "4", "512"};
    for (size_t i = 0; i < sizeof good_fonts / sizeof good_fonts[0]; i++) {
        snprintf(args, sizeof args, "pie --font-size %s %s", good_fonts[i], lists);
        expect_exit(args, 0, NULL);
    }
    static const char *const bad_fonts[] = {"3.99", "512.5", "nan", "inf", "x", "-4"};
    for (size_t i = 0; i < sizeof bad_fonts / sizeof bad_fonts[0]; i++) {
        snprintf(args, sizeof args, "pie --font-size '%s' %s", bad_fonts[i], lists);
        expect_exit(args, 2, "--font-size: expected a size in pixels from 4 to 512");
    }
    expect_exit("pie --start-angle inf --colors '#fff' --counts 1 -o -", 2,
                "--start-angle: expected a finite number of degrees");
    expect_exit("pie -k 257 x.jpg -o -", 2, "-k: expected an integer from 1 to 256, got '257'");
    expect_exit("pie --seed 18446744073709551616 x.jpg -o -", 2,
                "--seed: expected an integer from 0 to 18446744073709551615");
    expect_exit("pie -k 2 --seed 18446744073709551615 '" IMGCOLOR_SOURCE_DIR
                "/examples/1.jpg' -o -",
                0, NULL);
}

/* The library publishes the ranges its setters check. */
static void test_library_ranges_match_setters(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    uint64_t lo = 0, hi = 0;
    assert_int_equal(imgcolor_options_range("k", &lo, &hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, (int)lo - 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_k(opt, (int)hi + 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_k(opt, (int)hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_range("max_pixels", &lo, &hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, hi + 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_range("threads", &lo, &hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, (int)hi + 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_range("time_limit_ms", &lo, &hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, hi + 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, hi), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_time_limit_ms(opt, lo), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_range("no_such", &lo, &hi), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_options_range(NULL, &lo, &hi), IMGCOLOR_E_INVALID);
    imgcolor_options_free(opt);
    double a = 0, b = 0;
    assert_int_equal(imgcolor_pie_options_range("font_size", &a, &b), IMGCOLOR_OK);
    assert_int_equal(imgcolor_pie_options_range("nope", &a, &b), IMGCOLOR_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prominent_limits),
        cmocka_unit_test(test_values_reach_the_library),
        cmocka_unit_test(test_subject_options),
        cmocka_unit_test(test_help_quotes_library_ranges),
        cmocka_unit_test(test_pie_limits),
        cmocka_unit_test(test_library_ranges_match_setters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
