/* decode_helpers.h: what the tests of the format decoders share: a sink that records
 * what a decoder hands it, exact-size copies of inputs, and a test pattern. */
#ifndef IMGCOLOR_TEST_DECODE_HELPERS_H
#define IMGCOLOR_TEST_DECODE_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

/* Everything a decoder did to its sink, in order. */
typedef struct probe {
    uint32_t width, height;
    uint8_t *rgba;
    int begins;
    uint32_t next_row;      /* rows must arrive top to bottom, each once */
    uint8_t *icc;           /* the profile, if one came */
    size_t icc_size;
    int profile_after_begin;
} probe;

static inline imgcolor_status probe_begin(void *user, uint32_t w, uint32_t h)
{
    probe *p = user;
    p->begins++;
    p->width = w;
    p->height = h;
    p->rgba = malloc((size_t)w * h * 4);
    return p->rgba ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
}

static inline imgcolor_status probe_rows(void *user, const uint8_t *rgba, uint32_t y,
                                         uint32_t count)
{
    probe *p = user;
    if (!p->rgba || y != p->next_row || count > p->height - y)
        return IMGCOLOR_E_INTERNAL;
    memcpy(p->rgba + (size_t)p->width * 4 * y, rgba, (size_t)p->width * 4 * count);
    p->next_row = y + count;
    return IMGCOLOR_OK;
}

static inline imgcolor_status probe_profile(void *user, const uint8_t *icc, size_t size)
{
    probe *p = user;
    p->profile_after_begin |= p->begins > 0;
    free(p->icc);
    p->icc = malloc(size);
    if (!p->icc)
        return IMGCOLOR_E_NOMEM;
    memcpy(p->icc, icc, size);
    p->icc_size = size;
    return IMGCOLOR_OK;
}

static inline void probe_free(probe *p)
{
    free(p->rgba);
    free(p->icc);
    memset(p, 0, sizeof *p);
}

/* Decodes data through the probe sink from an exact-size copy (so that ASan sees a read
 * past the end); on success every row has arrived. NULL opt: the defaults (the internal
 * entry point takes options, as the public ones hand them on). */
static inline imgcolor_status probe_decode(const void *data, size_t size,
                                           const imgcolor_options *opt, probe *p,
                                           imgcolor_error *err)
{
    memset(p, 0, sizeof *p);
    if (!opt) /* internal functions take the options in force, never NULL */
        opt = imgcolor__options_defaults();
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    memcpy(copy, data, size);
    imgcolor__sink sink = {.begin = probe_begin, .rows = probe_rows, .user = p,
                           .profile = probe_profile};
    imgcolor_status st = imgcolor__decode_stream(copy, size,
                                                 opt ? opt : imgcolor__options_defaults(),
                                                 &sink, err);
    free(copy);
    if (st == IMGCOLOR_OK) {
        assert_int_equal(p->begins, 1);
        assert_int_equal(p->next_row, p->height);
    }
    assert_false(p->profile_after_begin);
    return st;
}

/* Fails unless decoding gives `status` with `format` in the message, and (for a limit)
 * never reached begin(). */
static inline void expect_failure(const void *data, size_t size, const imgcolor_options *opt,
                                  imgcolor_status status, const char *needle)
{
    probe p;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = probe_decode(data, size, opt, &p, &err);
    if (st != status)
        fail_msg("expected %s, got %s (%s)", imgcolor_status_name(status),
                 imgcolor_status_name(st), err.message);
    assert_int_equal(err.status, status);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    if (status == IMGCOLOR_E_TOO_LARGE)
        assert_int_equal(p.begins, 0);
    probe_free(&p);
}

/* A deterministic RGBA test pattern with every channel varied; alpha is 255 unless
 * with_alpha, and then never 0 (encoders may rewrite colours under alpha 0). */
static inline uint8_t *test_pattern(uint32_t w, uint32_t h, int with_alpha)
{
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            uint32_t v = (x * 2654435761u) ^ (y * 40503u + 977u);
            v ^= v >> 13;
            v *= 0x5bd1e995u;
            p[0] = (uint8_t)v;
            p[1] = (uint8_t)(v >> 8);
            p[2] = (uint8_t)(v >> 16);
            p[3] = with_alpha ? (uint8_t)(1 + (v >> 24) % 255) : 255;
        }
    return px;
}

/* The mean absolute difference per channel between two RGBA images of n pixels. */
static inline double mean_abs_diff(const uint8_t *a, const uint8_t *b, size_t n, int channel)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += abs((int)a[4 * i + channel] - (int)b[4 * i + channel]);
    return sum / (double)n;
}

#endif
