/* test_cli_map.c: `imgcolor map` writes the library's label map as PNG, scaled with
 * --size, with the clustering options of prominent; a failed write is exit 1; and
 * `imgcolor prominent --where` adds positions to text, CSV and JSON, and only then. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imgcolor.h"
#include "support.h"

#define CLI IMGCOLOR_CLI_PATH
#define PHOTO IMGCOLOR_TEST_DATA "/photos/chelsea.png"

static test_run cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, NULL, 0);
}

/* The PNG the library makes of PHOTO with k and the space, at most max_side. */
static void *library_map(int k, imgcolor_space space, uint32_t max_side, size_t *len)
{
    size_t size;
    uint8_t *data = test_read_file(PHOTO, &size);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_space(opt, space), IMGCOLOR_OK);
    imgcolor_image *map = NULL;
    void *png = NULL;
    assert_int_equal(imgcolor_label_map(data, size, opt, max_side, &map, NULL, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_png_encode(map, &png, len, NULL), IMGCOLOR_OK);
    imgcolor_image_free(map);
    imgcolor_options_free(opt);
    free(data);
    return png;
}

static void expect_output(const char *args, const void *want, size_t want_len)
{
    test_run r = cli(args);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, want_len);
    assert_memory_equal(r.out, want, want_len);
    test_run_free(&r);
}

static void test_map_equals_library(void **state)
{
    (void)state;
    size_t len;
    void *png = library_map(4, IMGCOLOR_SPACE_RGB, 0, &len);
    expect_output("map " PHOTO " -k 4 -o -", png, len);
    imgcolor_free(png);
    png = library_map(3, IMGCOLOR_SPACE_OKLAB, 64, &len);
    expect_output("map --space oklab --size 64 -k3 -o - " PHOTO, png, len);
    imgcolor_free(png);
    /* Standard input, and a file. */
    char *dir = test_tmpdir();
    char args[1024], path[512];
    snprintf(path, sizeof path, "%s/map.png", dir);
    snprintf(args, sizeof args, "map - -k 3 --space oklab --size 64 -o '%s' < " PHOTO, path);
    test_run r = cli(args);
    assert_int_equal(r.status, 0);
    size_t got_len;
    uint8_t *got = test_read_file(path, &got_len);
    assert_int_equal(got_len, len);
    test_run_free(&r);
    free(got);
    test_rmdir_r(dir);
    free(dir);
}

static void expect_status(const char *args, int status, const char *message)
{
    test_run r = cli(args);
    assert_int_equal(r.status, status);
    if (!strstr(r.err, message))
        fail_msg("'%s': stderr '%s' lacks '%s'", args, r.err, message);
    test_run_free(&r);
}

static void test_map_errors(void **state)
{
    (void)state;
    expect_status("map " PHOTO " -o /dev/full", 1, "No space left on device");
    expect_status("map " PHOTO " -o - > /dev/full", 1, "write error");
    expect_status("map " PHOTO, 2, "no output given");
    expect_status("map -o x.png", 2, "no image given");
    expect_status("map " PHOTO " " PHOTO " -o x.png", 2, "one image at a time");
    expect_status("map " PHOTO " -o x.png --size 0", 2, "--size");
    expect_status("map " PHOTO " -o x.png --size 12x", 2, "--size");
    expect_status("map " PHOTO " -o x.png -k 0", 2, "-k");
    expect_status("map " PHOTO " -o x.png --bogus", 2, "unknown option");
    expect_status("map /nonexistent.png -o -", 1, "/nonexistent.png");
    expect_status("map " PHOTO " -o - --max-pixels 100", 1, "limit");
    expect_status("map - -o - < /dev/null", 1, "-");
    test_run r = cli("help map");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--size"));
    assert_non_null(strstr(r.out, "--fast-min-pixels"));
    test_run_free(&r);
}

static void test_where(void **state)
{
    (void)state;
    test_run r = cli("prominent -k 3 --where -f json " PHOTO);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"where\":{\"x\":"));
    assert_non_null(strstr(r.out, "\"box\":["));
    test_run_free(&r);
    r = cli("prominent -k 3 -f json " PHOTO);
    assert_null(strstr(r.out, "\"where\""));
    test_run_free(&r);
    r = cli("prominent -k 3 --where -f csv " PHOTO);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "text_contrast,x,y,box_x0,box_y0,box_x1,box_y1,spread\n"));
    /* Each row has seven more fields than without. */
    const char *row = strchr(r.out, '\n') + 1;
    int commas = 0;
    for (const char *p = row; *p && *p != '\n'; p++)
        commas += *p == ',';
    assert_int_equal(commas, 14 + 7);
    test_run_free(&r);
    r = cli("prominent -k 3 -f csv " PHOTO);
    assert_null(strstr(r.out, "spread"));
    test_run_free(&r);
    r = cli("prominent -k 2 --where " PHOTO);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "  at 0."));
    assert_non_null(strstr(r.out, "  box 0,"));
    assert_non_null(strstr(r.out, "  spread 0."));
    test_run_free(&r);
    expect_status("prominent --where=1 " PHOTO, 2, "takes no value");
    expect_status("prominent --where " PHOTO " > /dev/full", 1, "write error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_equals_library),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
