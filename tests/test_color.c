/* test_color.c: hex conversion both ways and the strict JSON list parsers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static void test_hex_round_trip(void **state)
{
    (void)state;
    for (int v = 0; v < 256; v++) {
        imgcolor_rgb in = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7)}, out;
        char hex[8];
        imgcolor_rgb_to_hex(in, hex);
        assert_int_equal(strlen(hex), 7);
        assert_int_equal(imgcolor_hex_parse(hex, 7, &out), IMGCOLOR_OK);
        assert_memory_equal(&in, &out, sizeof in);
    }
    char hex[8];
    assert_int_equal(imgcolor_hex_from_ints(127, 106, 85, hex), IMGCOLOR_OK);
    assert_string_equal(hex, "#7f6a55");
    assert_int_equal(imgcolor_hex_from_ints(0, 0, 0, hex), IMGCOLOR_OK);
    assert_string_equal(hex, "#000000");
    assert_int_equal(imgcolor_hex_from_ints(255, 255, 255, hex), IMGCOLOR_OK);
    assert_string_equal(hex, "#ffffff");
    imgcolor_rgb c;
    assert_int_equal(imgcolor_hex_parse("#AbC", 4, &c), IMGCOLOR_OK);
    assert_int_equal(c.r, 0xaa);
    assert_int_equal(c.g, 0xbb);
    assert_int_equal(c.b, 0xcc);
}

static void test_hex_rejections(void **state)
{
    (void)state;
    char hex[8] = "unset";
    assert_int_equal(imgcolor_hex_from_ints(256, 0, 0, hex), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_hex_from_ints(0, -1, 0, hex), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_hex_from_ints(0, 0, 1LL << 40, hex), IMGCOLOR_E_RANGE);
    assert_string_equal(hex, "unset"); /* untouched: never wrapped */
    static const char *bad[] = {"", "#", "#12", "#1234", "#12345", "#1234567", "123456",
                                "#12345g", "#-12345", " #123456", "#123456 ", "#12 456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        imgcolor_rgb c;
        assert_int_equal(imgcolor_hex_parse(bad[i], strlen(bad[i]), &c), IMGCOLOR_E_PARSE);
    }
    /* Length is honoured: a valid prefix of a longer buffer is not enough. */
    imgcolor_rgb c;
    assert_int_equal(imgcolor_hex_parse("#123456", 6, &c), IMGCOLOR_E_PARSE);
}

static void test_rgb_list(void **state)
{
    (void)state;
    const char *json = " [ [127,106,85] ,[0, 0, 0],\n[255,255,255.0] ] ";
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    imgcolor_error err;
    assert_int_equal(imgcolor_rgb_list_parse(json, strlen(json), 10, &rgbs, &n, &err), IMGCOLOR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rgbs[0].r, 127);
    assert_int_equal(rgbs[2].b, 255);
    char *out = NULL;
    assert_int_equal(imgcolor_hex_list_to_json(rgbs, n, &out), IMGCOLOR_OK);
    assert_string_equal(out, "[\"#7f6a55\",\"#000000\",\"#ffffff\"]");
    /* ...which the colour-list parser reads back. */
    imgcolor_rgb *back = NULL;
    size_t m = 0;
    assert_int_equal(imgcolor_color_list_parse(out, strlen(out), 10, &back, &m, &err), IMGCOLOR_OK);
    assert_int_equal(m, 3);
    assert_memory_equal(back, rgbs, 3 * sizeof *rgbs);
    imgcolor_free(back);
    imgcolor_free(out);
    imgcolor_free(rgbs);

    assert_int_equal(imgcolor_rgb_list_parse("[]", 2, 10, &rgbs, &n, &err), IMGCOLOR_OK);
    assert_int_equal(n, 0);
    assert_null(rgbs);
    assert_int_equal(imgcolor_hex_list_to_json(NULL, 0, &out), IMGCOLOR_OK);
    assert_string_equal(out, "[]");
    imgcolor_free(out);
}

typedef struct bad_case {
    const char *json;
    imgcolor_status status;
} bad_case;

static void test_rgb_list_rejections(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"", IMGCOLOR_E_PARSE},
        {"[", IMGCOLOR_E_PARSE},
        {"[[1,2,3]", IMGCOLOR_E_PARSE},
        {"[[1,2,3],]", IMGCOLOR_E_PARSE},
        {"[[1,2]]", IMGCOLOR_E_PARSE},
        {"[[1,2,3,4]]", IMGCOLOR_E_PARSE},
        {"[[1,2,256]]", IMGCOLOR_E_RANGE},
        {"[[-1,2,3]]", IMGCOLOR_E_RANGE},
        {"[[1.5,2,3]]", IMGCOLOR_E_RANGE},
        {"[[1e999,2,3]]", IMGCOLOR_E_RANGE},
        {"[[NaN,2,3]]", IMGCOLOR_E_PARSE},
        {"[[01,2,3]]", IMGCOLOR_E_PARSE},
        {"[[1,2,3]] x", IMGCOLOR_E_PARSE},
        {"[[[1,2,3]]]", IMGCOLOR_E_PARSE},
        {"{\"a\":1}", IMGCOLOR_E_PARSE},
        {"[\"#fff\"]", IMGCOLOR_E_PARSE},
        {"[[1,2,3],[4,5,6],[7,8,9]]", IMGCOLOR_E_TOO_LARGE}, /* max_items 2 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        imgcolor_rgb *rgbs = (imgcolor_rgb *)1;
        size_t n = 99;
        imgcolor_error err = {IMGCOLOR_OK, ""};
        imgcolor_status st =
            imgcolor_rgb_list_parse(cases[i].json, strlen(cases[i].json), 2, &rgbs, &n, &err);
        if (st != cases[i].status)
            fail_msg("%s: got %s, want %s", cases[i].json, imgcolor_status_name(st),
                     imgcolor_status_name(cases[i].status));
        assert_null(rgbs);
        assert_int_equal(n, 0);
        assert_int_equal(err.status, st);
        assert_non_null(strstr(err.message, "byte"));
    }
    /* A NUL inside the text is an error, not an early end. */
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    assert_int_equal(imgcolor_rgb_list_parse("[[1,2,3]]\0[", 11, 10, &rgbs, &n, NULL),
                     IMGCOLOR_E_PARSE);
}

static void test_big_list_is_bounded(void **state)
{
    (void)state;
    /* 100000 elements against a limit of 1000: refused, without reading them all into memory. */
    size_t count = 100000;
    char *json = malloc(count * 8 + 3);
    assert_non_null(json);
    char *p = json;
    *p++ = '[';
    for (size_t i = 0; i < count; i++)
        p += sprintf(p, "%s[1,2,3]", i ? "," : "");
    *p++ = ']';
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    assert_int_equal(imgcolor_rgb_list_parse(json, (size_t)(p - json), 1000, &rgbs, &n, NULL),
                     IMGCOLOR_E_TOO_LARGE);
    assert_int_equal(imgcolor_rgb_list_parse(json, (size_t)(p - json), count, &rgbs, &n, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(n, count);
    imgcolor_free(rgbs);
    free(json);
}

static void test_color_and_number_lists(void **state)
{
    (void)state;
    const char *colors = "[\"#7f6a55\", \"#FFF\", \"\\u00237f6a55\"]";
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    assert_int_equal(imgcolor_color_list_parse(colors, strlen(colors), 10, &rgbs, &n, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rgbs[1].g, 255);
    assert_memory_equal(&rgbs[0], &rgbs[2], sizeof rgbs[0]);
    imgcolor_free(rgbs);
    static const char *bad_colors[] = {"[\"#7f6a5\"]", "[\"red\"]", "[123]", "[\"#fff\"",
                                       "[\"#ff\\u0000f\"]", "[\"#fff\x01\"]"};
    for (size_t i = 0; i < sizeof bad_colors / sizeof bad_colors[0]; i++)
        assert_int_equal(imgcolor_color_list_parse(bad_colors[i], strlen(bad_colors[i]), 10, &rgbs,
                                                   &n, NULL),
                         IMGCOLOR_E_PARSE);

    const char *nums = "[51234, 4.5e3, -0.5, 0, 1E+2]";
    double *v = NULL;
    assert_int_equal(imgcolor_number_list_parse(nums, strlen(nums), 10, &v, &n, NULL), IMGCOLOR_OK);
    assert_int_equal(n, 5);
    assert_true(v[0] == 51234 && v[1] == 4500 && v[2] == -0.5 && v[3] == 0 && v[4] == 100);
    imgcolor_free(v);
    static const char *bad_nums[] = {"[1,]", "[.5]", "[1.]", "[+1]", "[Infinity]", "[1e]",
                                     "[\"1\"]", "[1 2]", "[0x10]"};
    for (size_t i = 0; i < sizeof bad_nums / sizeof bad_nums[0]; i++)
        assert_int_equal(
            imgcolor_number_list_parse(bad_nums[i], strlen(bad_nums[i]), 10, &v, &n, NULL),
            IMGCOLOR_E_PARSE);
    assert_int_equal(imgcolor_number_list_parse("[1e400]", 7, 10, &v, &n, NULL), IMGCOLOR_E_RANGE);
}

static void test_status_strings(void **state)
{
    (void)state;
    assert_string_equal(imgcolor_strerror(IMGCOLOR_OK), "success");
    assert_string_equal(imgcolor_status_name(IMGCOLOR_E_DECODE), "E_DECODE");
    assert_non_null(imgcolor_strerror((imgcolor_status)-999));
    assert_string_equal(imgcolor_version(), IMGCOLOR_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_rejections),
        cmocka_unit_test(test_rgb_list),
        cmocka_unit_test(test_rgb_list_rejections),
        cmocka_unit_test(test_big_list_is_bounded),
        cmocka_unit_test(test_color_and_number_lists),
        cmocka_unit_test(test_status_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
