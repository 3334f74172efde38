/* test_hostile_formats.c: WebP, GIF, TIFF, HEIC and AVIF files built to hurt, through
 * imgcolor_prominent(): truncated at many offsets, bit-flipped, with dimensions and frame
 * counts that lie. Each must fail cleanly (or succeed, where the damage is harmless),
 * quickly, with a message naming the format, and without a word on stderr. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

#if IMGCOLOR_WITH_WEBP
#include <webp/encode.h>
#endif

/* Generous: every case here runs in a small fraction of it. */
#define TIME_BOUND_S 2.0
#define SEEDS IMGCOLOR_SOURCE_DIR "/tests/fuzz/corpus/decode"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Statuses a case accepts, as a bit mask of -status (IMGCOLOR_OK is bit 0). */
#define ALLOW(s) (1u << -(s))
#define ANY                                                                              \
    (ALLOW(IMGCOLOR_OK) | ALLOW(IMGCOLOR_E_DECODE) | ALLOW(IMGCOLOR_E_TOO_LARGE) |        \
     ALLOW(IMGCOLOR_E_FORMAT) | ALLOW(IMGCOLOR_E_NO_PIXELS))

static double slowest_s;
static char slowest_name[128];

/*
 * One hostile input through imgcolor_prominent() (opt NULL: defaults), from an exact-size
 * copy, with stderr sent to a file that must stay empty. Fails unless the status is in
 * `allowed`, a failure's message names `format` (limits aside: their messages name
 * the sizes), and the call took less than TIME_BOUND_S. Returns the status.
 */
static imgcolor_status hostile(const char *name, const char *format, const uint8_t *data,
                               size_t size, const imgcolor_options *opt, unsigned allowed)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    memcpy(copy, data, size);
    FILE *log = tmpfile();
    assert_non_null(log);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(log), 2) >= 0);
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    double t0 = now_s();
    imgcolor_status st = imgcolor_prominent(copy, size, opt, &res, &err);
    double took = now_s() - t0;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    free(copy);
    long noise = (fseek(log, 0, SEEK_END), ftell(log));
    char said[4096] = "";
    if (noise > 0) {
        rewind(log);
        size_t n = fread(said, 1, sizeof said - 1, log);
        said[n] = '\0';
    }
    fclose(log);
    imgcolor_result_free(res);
    if (took > slowest_s) {
        slowest_s = took;
        snprintf(slowest_name, sizeof slowest_name, "%s", name);
    }
    if (noise > 0)
        fail_msg("%s: %ld bytes on stderr: %s", name, noise, said);
    if (took > TIME_BOUND_S)
        fail_msg("%s: took %.2f s", name, took);
    if (!(allowed & ALLOW(st)))
        fail_msg("%s: %s (%s)", name, imgcolor_status_name(st),
                 st == IMGCOLOR_OK ? "unexpected success" : err.message);
    if (st != IMGCOLOR_OK) {
        int heif = format && (!strcmp(format, "HEIF") || !strcmp(format, "AVIF"));
        assert_int_equal(err.status, st);
        /* A flipped brand may turn an AVIF into another HEIF, and the reverse. */
        if ((st == IMGCOLOR_E_DECODE || st == IMGCOLOR_E_FORMAT) && format &&
            !strstr(err.message, format) && !strstr(err.message, "image is") &&
            !strstr(err.message, "not an image format") && /* a flipped magic number */
            !(heif && (strstr(err.message, "HEIF: ") || strstr(err.message, "AVIF: "))))
            fail_msg("%s: message \"%s\" does not name %s", name, err.message, format);
    }
    return st;
}

/* ------------------------------------------------------------------------------------ */
/* The seeds: one file of each kind the decoders read, from the fuzz corpus              */

typedef struct seed {
    char name[64];
    const char *format; /* as messages name it */
    uint8_t *data;
    size_t size;
} seed;

static seed seeds[64];
static size_t nseeds;

static const char *format_of(const char *file)
{
    const char *dot = strrchr(file, '.');
    if (!dot)
        return NULL;
    if (IMGCOLOR_WITH_WEBP && !strcmp(dot, ".webp"))
        return "WebP";
    if (IMGCOLOR_WITH_GIF && !strcmp(dot, ".gif"))
        return "GIF";
    if (IMGCOLOR_WITH_TIFF && !strcmp(dot, ".tif"))
        return "TIFF";
    if (IMGCOLOR_WITH_HEIF && !strcmp(dot, ".heic"))
        return "HEIF";
    if (IMGCOLOR_WITH_HEIF && !strcmp(dot, ".avif"))
        return "AVIF";
    return NULL;
}

static int load_seeds(void **state)
{
    (void)state;
    DIR *d = opendir(SEEDS);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) && nseeds < sizeof seeds / sizeof seeds[0]) {
        const char *format = format_of(e->d_name);
        if (!format)
            continue;
        seed *s = &seeds[nseeds++];
        snprintf(s->name, sizeof s->name, "%.63s", e->d_name);
        s->format = format;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SEEDS, e->d_name);
        s->data = test_read_file(path, &s->size);
    }
    closedir(d);
    return 0;
}

static int free_seeds(void **state)
{
    (void)state;
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].data);
    printf("slowest hostile input: %s, %.3f s\n", slowest_name, slowest_s);
    return 0;
}

/* Every seed decodes, silently: the damage below is the only problem. */
static void test_seeds_decode(void **state)
{
    (void)state;
    int formats = 0;
    for (size_t i = 0; i < nseeds; i++) {
        hostile(seeds[i].name, seeds[i].format, seeds[i].data, seeds[i].size, NULL,
                ALLOW(IMGCOLOR_OK));
        formats |= 1 << (seeds[i].format[0] - 'A') % 16;
    }
    int want = (IMGCOLOR_WITH_WEBP ? 1 << ('W' - 'A') % 16 : 0) |
               (IMGCOLOR_WITH_GIF ? 1 << ('G' - 'A') % 16 : 0) |
               (IMGCOLOR_WITH_TIFF ? 1 << ('T' - 'A') % 16 : 0) |
               (IMGCOLOR_WITH_HEIF ? 1 << ('H' - 'A') % 16 | 1 << 0 : 0);
    assert_int_equal(formats, want);
}

/* Cut at every offset of the small files, at 1500 spread offsets of larger ones. A cut
 * file never decodes, except a TIFF whose pages are complete before the cut. */
static void test_truncations(void **state)
{
    (void)state;
    for (size_t i = 0; i < nseeds; i++) {
        const seed *s = &seeds[i];
        size_t step = s->size / 1500 + 1;
        for (size_t n = 0; n < s->size; n += step) {
            char name[128];
            snprintf(name, sizeof name, "%.60s cut to %zu", s->name, n);
            unsigned allowed = ALLOW(IMGCOLOR_E_DECODE);
            if (n < 16)
                allowed |= ALLOW(IMGCOLOR_E_FORMAT);
            if (!strcmp(s->format, "TIFF"))
                allowed |= ALLOW(IMGCOLOR_OK);
            hostile(name, n < 16 ? NULL : s->format, s->data, n, NULL, allowed);
        }
    }
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* 250 mutants of each seed, 1 to 8 bits flipped each, the same on every run. */
static void test_bit_flips(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < nseeds; i++) {
        const seed *s = &seeds[i];
        uint8_t *m = malloc(s->size);
        assert_non_null(m);
        for (int k = 0; k < 250; k++) {
            memcpy(m, s->data, s->size);
            int flips = 1 + (int)(xorshift(&rng) % 8);
            for (int f = 0; f < flips; f++) {
                uint64_t r = xorshift(&rng);
                m[(r >> 3) % s->size] ^= (uint8_t)(1u << (r & 7));
            }
            char name[128];
            snprintf(name, sizeof name, "%.63s mutant %d", s->name, k);
            hostile(name, s->format, m, s->size, NULL, ANY);
        }
        free(m);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Dimensions that lie                                                                   */

static const seed *find_seed(const char *name)
{
    for (size_t i = 0; i < nseeds; i++)
        if (!strcmp(seeds[i].name, name))
            return &seeds[i];
    return NULL;
}

static void put_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Runs a copy of a seed with patch() applied; E_TOO_LARGE (or, where the lie is caught
 * as corruption first, E_DECODE). */
static void dimension_bomb(const char *file, void (*patch)(uint8_t *, size_t), unsigned allowed)
{
    const seed *s = find_seed(file);
    if (!s)
        fail_msg("no seed %s", file);
    uint8_t *m = malloc(s->size);
    assert_non_null(m);
    memcpy(m, s->data, s->size);
    patch(m, s->size);
    char name[128];
    snprintf(name, sizeof name, "%.63s with huge dimensions", file);
    hostile(name, s->format, m, s->size, NULL, allowed);
    free(m);
}

/* GIF: the logical screen, 65535 x 65535. */
static void gif_screen(uint8_t *d, size_t n)
{
    (void)n;
    put_le16(d + 6, 65535);
    put_le16(d + 8, 65535);
}

/* GIF: the first frame, 65535 x 65535 on its small screen. */
static void gif_frame(uint8_t *d, size_t n)
{
    size_t pos = 13 + (d[10] & 0x80 ? 3u << ((d[10] & 7) + 1) : 0);
    while (pos < n && d[pos] == 0x21) { /* extensions: label, then sub-blocks */
        pos += 2;
        while (pos < n && d[pos])
            pos += 1u + d[pos];
        pos++;
    }
    assert_true(pos + 9 < n && d[pos] == 0x2c);
    put_le16(d + pos + 5, 65535);
    put_le16(d + pos + 7, 65535);
}

/* WebP, simple lossy: the VP8 frame header's 14-bit sides, 16383 x 16383. */
static void webp_vp8(uint8_t *d, size_t n)
{
    assert_true(n > 30 && !memcmp(d + 12, "VP8 ", 4));
    put_le16(d + 26, 16383);
    put_le16(d + 28, 16383);
}

/* WebP, extended: the canvas, 2^24 x 2^24. */
static void webp_vp8x(uint8_t *d, size_t n)
{
    assert_true(n > 30 && !memcmp(d + 12, "VP8X", 4));
    memset(d + 24, 0xff, 6);
}

/* TIFF (little-endian): ImageWidth and ImageLength, 100000 each. */
static void tiff_ifd(uint8_t *d, size_t n)
{
    assert_true(d[0] == 'I');
    size_t ifd = (size_t)d[4] | (size_t)d[5] << 8 | (size_t)d[6] << 16 | (size_t)d[7] << 24;
    assert_true(ifd + 2 < n);
    unsigned count = d[ifd] | d[ifd + 1] << 8;
    int patched = 0;
    for (unsigned i = 0; i < count && ifd + 2 + 12 * (i + 1) <= n; i++) {
        uint8_t *e = d + ifd + 2 + 12 * i;
        unsigned tag = e[0] | e[1] << 8, type = e[2] | e[3] << 8;
        if (tag != 256 && tag != 257)
            continue;
        assert_true(type == 3 || type == 4);
        if (type == 3) {
            put_le16(e + 8, 65535); /* 65535 x 65535 is over the limit too */
        } else {
            e[8] = 0xa0;
            e[9] = 0x86;
            e[10] = 0x01;
            e[11] = 0;
        }
        patched++;
    }
    assert_int_equal(patched, 2);
}

/* HEIF: the image spatial extent ('ispe') of every item, 100000 x 100000. */
static void heif_ispe(uint8_t *d, size_t n)
{
    int patched = 0;
    for (size_t i = 0; i + 16 <= n; i++)
        if (!memcmp(d + i, "ispe", 4)) {
            put_be32(d + i + 8, 100000);
            put_be32(d + i + 12, 100000);
            patched++;
        }
    assert_true(patched > 0);
}

/*
 * The other lie: a HEIC whose 'ispe' passes the pixel limit while its HEVC sequence
 * parameter set declares more. tests/data/decode/heic-coded-4096x4096-declared-48x32.heic
 * (4.4 KB, one flat colour, made with heif-enc and its 'ispe' patched) made libde265
 * decode 16 MP before libheif noticed; the SPS is read first now. The honest seed, coded
 * 64x64 for 48x32, still decodes at a limit of its own size.
 */
/*
 * libde265, libheif's HEVC decoder, checks five rules of a sequence parameter set once
 * it has read it and breaks each with a line on stderr of its own ("SPS error: CB
 * alignment"). tests/data/decode/heic-sps-width-63-cb-8.heic, a 64x48 HEIC of
 * chelsea.png (heif-enc through ImageMagick) with one bit of its SPS's width flipped, so
 * that 63 is no multiple of its 8-pixel coding blocks, made it print; the set is
 * checked first now, and the file is a silent E_DECODE.
 */
static void test_heif_sps_rules(void **state)
{
    (void)state;
    if (!IMGCOLOR_WITH_HEIF)
        return;
    size_t size;
    uint8_t *bad = test_read_file(IMGCOLOR_TEST_DATA "/decode/heic-sps-width-63-cb-8.heic", &size);
    hostile("HEIC whose SPS width is no multiple of its coding block", "HEIF", bad, size, NULL,
            ALLOW(IMGCOLOR_E_DECODE));
    imgcolor_error err;
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(bad, size, NULL, &res, &err), IMGCOLOR_E_DECODE);
    assert_non_null(strstr(err.message, "corrupt HEVC sequence parameter set"));
    free(bad);
}

static void test_heif_coded_size(void **state)
{
    (void)state;
    if (!IMGCOLOR_WITH_HEIF)
        return;
    size_t size;
    uint8_t *lie = test_read_file(IMGCOLOR_TEST_DATA "/decode/heic-coded-4096x4096-declared-48x32.heic",
                                  &size);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 48 * 32), IMGCOLOR_OK);
    hostile("HEIC coded 4096x4096, declared 48x32", "HEIF", lie, size, opt,
            ALLOW(IMGCOLOR_E_TOO_LARGE));
    imgcolor_error err;
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(lie, size, opt, &res, &err), IMGCOLOR_E_TOO_LARGE);
    assert_non_null(strstr(err.message, "HEIF: coded image of 4096x4096 for a 48x32 image"));
    const seed *s = find_seed("heic.heic");
    assert_non_null(s);
    hostile("heic.heic at its own size's limit", "HEIF", s->data, s->size, opt,
            ALLOW(IMGCOLOR_OK));
    /* Within the limit the lie costs what an honest image of that size would, and
     * libheif refuses the result. */
    hostile("HEIC coded 4096x4096, declared 48x32, default limits", "HEIF", lie, size, NULL,
            ALLOW(IMGCOLOR_E_DECODE));
    imgcolor_options_free(opt);
    free(lie);
}

static void test_dimension_bombs(void **state)
{
    (void)state;
    unsigned big = ALLOW(IMGCOLOR_E_TOO_LARGE);
    if (IMGCOLOR_WITH_GIF) {
        dimension_bomb("gif-still.gif", gif_screen, big);
        dimension_bomb("gif-anim.gif", gif_screen, big);
        dimension_bomb("gif-still.gif", gif_frame, big);
        dimension_bomb("gif-interlaced-transparent.gif", gif_frame, big);
    }
    if (IMGCOLOR_WITH_WEBP) {
        dimension_bomb("webp-lossy.webp", webp_vp8, big);
        dimension_bomb("webp-icc.webp", webp_vp8x, big | ALLOW(IMGCOLOR_E_DECODE));
        dimension_bomb("webp-anim.webp", webp_vp8x, big | ALLOW(IMGCOLOR_E_DECODE));
    }
    if (IMGCOLOR_WITH_TIFF) {
        dimension_bomb("tiff-rgb8-deflate.tif", tiff_ifd, big);
        dimension_bomb("tiff-rgba8-tiled.tif", tiff_ifd, big | ALLOW(IMGCOLOR_E_DECODE));
        dimension_bomb("tiff-jpeg-ycbcr.tif", tiff_ifd, big | ALLOW(IMGCOLOR_E_DECODE));
    }
    if (IMGCOLOR_WITH_HEIF) {
        dimension_bomb("heic.heic", heif_ispe, big | ALLOW(IMGCOLOR_E_DECODE));
        dimension_bomb("avif-alpha.avif", heif_ispe, big | ALLOW(IMGCOLOR_E_DECODE));
    }
}

/* ------------------------------------------------------------------------------------ */
/* Frame bombs: many tiny frames on a large canvas, each costing the whole canvas        */

/* A GIF89a of `frames` 1x1 frames on a w x h screen: 15 bytes a frame. */
static test_buffer gif_frames(unsigned w, unsigned h, unsigned frames)
{
    static const uint8_t frame[15] = {0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0};
    test_buffer b = {0};
    uint8_t head[13 + 6] = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0, 0x80, 0, 0,
                            255, 0, 0, 0, 0, 255};
    put_le16(head + 6, w);
    put_le16(head + 8, h);
    test_buf_append(&b, head, sizeof head);
    for (unsigned i = 0; i < frames; i++)
        test_buf_append(&b, frame, sizeof frame);
    test_buf_append(&b, ";", 1);
    return b;
}

#if IMGCOLOR_WITH_WEBP
static void put_le24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
}

static void riff_chunk(test_buffer *b, const char *type, const void *data, uint32_t len)
{
    uint8_t head[8];
    memcpy(head, type, 4);
    head[4] = (uint8_t)len;
    head[5] = (uint8_t)(len >> 8);
    head[6] = (uint8_t)(len >> 16);
    head[7] = (uint8_t)(len >> 24);
    test_buf_append(b, head, 8);
    test_buf_append(b, data, len);
    if (len & 1)
        test_buf_append(b, "", 1);
}

/* An animated WebP of `frames` lossless 1x1 frames on a w x h canvas. */
static test_buffer webp_frames(uint32_t w, uint32_t h, unsigned frames)
{
    static const uint8_t red[4] = {255, 0, 0, 255};
    uint8_t *one = NULL;
    size_t one_len = WebPEncodeLosslessRGBA(red, 1, 1, 4, &one);
    assert_true(one_len > 20 && !memcmp(one + 12, "VP8L", 4));
    /* The frame: ANMF's 16 bytes, then the VP8L chunk of the 1x1 file. */
    test_buffer frame = {0};
    uint8_t anmf[16] = {0};
    put_le24(anmf + 12, 100); /* duration; x, y, w-1, h-1 and flags 0 */
    test_buf_append(&frame, anmf, 16);
    test_buf_append(&frame, one + 12, one_len - 12);
    WebPFree(one);

    test_buffer body = {0};
    uint8_t vp8x[10] = {0x02}; /* animation */
    put_le24(vp8x + 4, w - 1);
    put_le24(vp8x + 7, h - 1);
    riff_chunk(&body, "VP8X", vp8x, 10);
    uint8_t anim[6] = {0};
    riff_chunk(&body, "ANIM", anim, 6);
    for (unsigned i = 0; i < frames; i++)
        riff_chunk(&body, "ANMF", frame.data, (uint32_t)frame.len);
    test_buffer b = {0};
    test_buf_append(&b, "RIFF", 4);
    uint32_t size = (uint32_t)body.len + 4;
    uint8_t le[4] = {(uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
                     (uint8_t)(size >> 24)};
    test_buf_append(&b, le, 4);
    test_buf_append(&b, "WEBP", 4);
    test_buf_append(&b, body.data, body.len);
    free(body.data);
    free(frame.data);
    return b;
}
#endif

typedef test_buffer (*frames_fn)(uint32_t w, uint32_t h, unsigned frames);

static test_buffer gif_frames_fn(uint32_t w, uint32_t h, unsigned frames)
{
    return gif_frames(w, h, frames);
}

static void expect_too_large(const char *name, const char *format, const test_buffer *b,
                             const imgcolor_options *opt, const char *needle)
{
    imgcolor_error err;
    imgcolor_result *res = NULL;
    hostile(name, format, b->data, b->len, opt, ALLOW(IMGCOLOR_E_TOO_LARGE));
    assert_int_equal(imgcolor_prominent(b->data, b->len, opt, &res, &err),
                     IMGCOLOR_E_TOO_LARGE);
    if (!strstr(err.message, needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.message, needle);
}

static void frame_bombs(const char *format, frames_fn make)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    char name[128];

    /* 5000 frames: over max_frames (1000), found before a frame is decoded. */
    test_buffer b = make(1000, 1000, 5000);
    snprintf(name, sizeof name, "%s, 5000 frames of 1000x1000", format);
    expect_too_large(name, format, &b, NULL, "more than 1000 frames");

    /* With every cap lifted, the frames past the first must still be paid for in bytes:
     * 5e9 pixels from 75 KB is over 8192 a byte. */
    assert_int_equal(imgcolor_options_set_max_frames(opt, 100000), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_total_pixels(opt, (uint64_t)1 << 40), IMGCOLOR_OK);
    snprintf(name, sizeof name, "%s, 5000 frames, caps lifted", format);
    expect_too_large(name, format, &b, opt, "pixels a byte");

    /* The first frame alone is a fine image. */
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    snprintf(name, sizeof name, "%s, first of 5000 frames", format);
    hostile(name, format, b.data, b.len, opt, ALLOW(IMGCOLOR_OK));
    free(b.data);

    /* 900 frames of a megapixel: within max_frames, over max_total_pixels (64e6). */
    b = make(1000, 1000, 900);
    snprintf(name, sizeof name, "%s, 900 frames of 1000x1000", format);
    expect_too_large(name, format, &b, NULL, "(900000000 pixels), over the limit of 64000000");
    free(b.data);
    imgcolor_options_free(opt);
}

static void test_frame_bombs(void **state)
{
    (void)state;
    if (IMGCOLOR_WITH_GIF)
        frame_bombs("GIF", gif_frames_fn);
#if IMGCOLOR_WITH_WEBP
    frame_bombs("WebP", webp_frames);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds_decode),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_dimension_bombs),
        cmocka_unit_test(test_heif_coded_size),
        cmocka_unit_test(test_heif_sps_rules),
        cmocka_unit_test(test_frame_bombs),
    };
    return cmocka_run_group_tests(tests, load_seeds, free_seeds);
}
