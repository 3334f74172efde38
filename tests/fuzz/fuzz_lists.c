/* fuzz_lists.c: the JSON list parsers and the hex-colour parser on arbitrary text. The
 * first byte picks the parser and the item limit; the rest, at its exact length and
 * without a terminating NUL, is the text. Every success must round-trip. */
#include <math.h>
#include <string.h>

#include <imgcolor.h>

#include "fuzz.h"

static void check_failure(imgcolor_status st, const imgcolor_error *err, const void *out,
                          size_t n)
{
    FUZZ_CHECK(out == NULL && n == 0);
    FUZZ_CHECK(err->status == st);
    FUZZ_CHECK(err->message[0] != '\0');
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    FUZZ_CHECK(st == IMGCOLOR_E_PARSE || st == IMGCOLOR_E_RANGE || st == IMGCOLOR_E_TOO_LARGE ||
               st == IMGCOLOR_E_NOMEM);
}

/* colors -> JSON -> colors must give the same list back. */
static void check_round_trip(const imgcolor_rgb *colors, size_t n)
{
    char *json = NULL;
    FUZZ_CHECK(imgcolor_hex_list_to_json(colors, n, &json) == IMGCOLOR_OK);
    FUZZ_CHECK(json != NULL && strlen(json) == (n ? n * 10 + 1 : 2));
    imgcolor_rgb *back = NULL;
    size_t m = 0;
    imgcolor_error err;
    FUZZ_CHECK(imgcolor_color_list_parse(json, strlen(json), n, &back, &m, &err) == IMGCOLOR_OK);
    FUZZ_CHECK(m == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(back[i].r == colors[i].r && back[i].g == colors[i].g &&
                   back[i].b == colors[i].b);
    imgcolor_free(back);
    imgcolor_free(json);
}

/* The two parsers of colour lists share a signature and what must hold of their output. */
typedef imgcolor_status (*rgb_list_parser)(const char *, size_t, size_t, imgcolor_rgb **, size_t *,
                                          imgcolor_error *);

static void fuzz_rgb_output(rgb_list_parser parse, const char *text, size_t len,
                            size_t max_items)
{
    imgcolor_rgb *out = NULL;
    size_t n = 0;
    imgcolor_error err;
    imgcolor_status st = parse(text, len, max_items, &out, &n, &err);
    if (st != IMGCOLOR_OK) {
        check_failure(st, &err, out, n);
        return;
    }
    FUZZ_CHECK(n <= max_items && (n == 0) == (out == NULL));
    check_round_trip(out, n);
    imgcolor_free(out);
}

static void fuzz_number_list(const char *text, size_t len, size_t max_items)
{
    double *out = NULL;
    size_t n = 0;
    imgcolor_error err;
    imgcolor_status st = imgcolor_number_list_parse(text, len, max_items, &out, &n, &err);
    if (st != IMGCOLOR_OK) {
        check_failure(st, &err, out, n);
        return;
    }
    FUZZ_CHECK(n <= max_items && (n == 0) == (out == NULL));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(isfinite(out[i]));
    imgcolor_free(out);
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void fuzz_hex(const char *text, size_t len)
{
    imgcolor_rgb rgb = {1, 2, 3};
    imgcolor_status st = imgcolor_hex_parse(text, len, &rgb);
    int valid = (len == 4 || len == 7) && text[0] == '#';
    for (size_t i = 1; valid && i < len; i++)
        valid = hex_digit(text[i]);
    FUZZ_CHECK((st == IMGCOLOR_OK) == valid);
    if (st != IMGCOLOR_OK) {
        FUZZ_CHECK(st == IMGCOLOR_E_PARSE);
        return;
    }
    char hex[8];
    imgcolor_rgb_to_hex(rgb, hex);
    if (len == 7) {
        for (size_t i = 1; i < 7; i++) {
            char c = text[i] >= 'A' && text[i] <= 'F' ? (char)(text[i] - 'A' + 'a') : text[i];
            FUZZ_CHECK(hex[i] == c);
        }
    } else {
        /* "#abc" is "#aabbcc". */
        for (size_t i = 0; i < 3; i++)
            FUZZ_CHECK(hex[1 + 2 * i] == hex[2 + 2 * i]);
    }
    imgcolor_rgb again;
    FUZZ_CHECK(imgcolor_hex_parse(hex, 7, &again) == IMGCOLOR_OK);
    FUZZ_CHECK(again.r == rgb.r && again.g == rgb.g && again.b == rgb.b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* Limits from 0 (every element too many) up to well past any seed's length. */
    static const size_t limits[8] = {0, 1, 2, 3, 16, 17, 256, 100000};
    uint8_t selector = data[0];
    size_t max_items = limits[(selector >> 2) & 7];
    size_t len = size - 1;
    /* A copy of exactly len bytes (one for empty text), so that a read past the end is
     * caught. */
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    switch (selector & 3) {
    case 0:
        fuzz_rgb_output(imgcolor_rgb_list_parse, text, len, max_items);
        break;
    case 1:
        fuzz_rgb_output(imgcolor_color_list_parse, text, len, max_items);
        break;
    case 2:
        fuzz_number_list(text, len, max_items);
        break;
    default:
        fuzz_hex(text, len);
        break;
    }
    free(text);
    return 0;
}
