/* test_hostile_images.c: images built to hurt, through the whole imgcolor_prominent()
 * pipeline with default options: decompression bombs, chunk lengths that lie, absurd
 * dimensions, endless scans and markers. Each must fail cleanly (or succeed, where the
 * damage is harmless), within a time bound, and leave the library able to do real work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <zlib.h>

#include "internal.h"
#include "support.h"

/* Generous: every case here runs in well under a tenth of it on a slow machine, even
 * with sanitizers; a limit that stopped working would take seconds to minutes. */
#define TIME_BOUND_S 2.0

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ------------------------------------------------------------------------------------ */
/* The harness                                                                           */

/* The slowest hostile input of the run under the ordinary bound, printed at the end to
 * show the margin. */
static char slowest_name[64];
static double slowest_s;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A known-good image: 4x4 PNG, top half red, bottom half blue. */
static test_buffer reference_png(void);

/* After any hostile input, real work must still come out right. */
static void check_still_works(void)
{
    test_buffer ref = reference_png();
    imgcolor_result *res = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_prominent(ref.data, ref.len, NULL, &res, &err), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 2);
    assert_int_equal(imgcolor_result_color(res, 0)->count, 8);
    assert_int_equal(imgcolor_result_color(res, 1)->count, 8);
    const char *a = imgcolor_result_color(res, 0)->hex, *b = imgcolor_result_color(res, 1)->hex;
    assert_true((!strcmp(a, "#ff0000") && !strcmp(b, "#0000ff")) ||
                (!strcmp(a, "#0000ff") && !strcmp(b, "#ff0000")));
    imgcolor_result_free(res);
    free(ref.data);
}

/* Statuses a case accepts, as a bit mask of -status (IMGCOLOR_OK is bit 0). */
#define ALLOW(s) (1u << -(s))
#define ANY_ERROR                                                                       \
    (ALLOW(IMGCOLOR_E_DECODE) | ALLOW(IMGCOLOR_E_TOO_LARGE) | ALLOW(IMGCOLOR_E_FORMAT) | \
     ALLOW(IMGCOLOR_E_NO_PIXELS))

/*
 * Runs one hostile input through imgcolor_prominent() with default options, from an
 * exact-size copy so that a read past the end is caught by ASan or valgrind. Fails
 * unless the status is one of `allowed`, the error is filled in, the call took less
 * than TIME_BOUND_S, and a valid image still gives the right answer straight after.
 * Returns the status.
 */
static imgcolor_status hostile_within(const char *name, const uint8_t *data, size_t size,
                                      unsigned allowed, double bound_s)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    if (size)
        memcpy(copy, data, size);
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    double t0 = now_s();
    imgcolor_status st = imgcolor_prominent(copy, size, NULL, &res, &err);
    double took = now_s() - t0;
    free(copy);
    if (bound_s == TIME_BOUND_S && took > slowest_s) {
        slowest_s = took;
        snprintf(slowest_name, sizeof slowest_name, "%s", name);
    }
    if (took > bound_s)
        fail_msg("%s: took %.2f s (bound %.1f s)", name, took, bound_s);
    if (!(allowed & ALLOW(st)))
        fail_msg("%s: %s (%s)", name, imgcolor_status_name(st),
                 st == IMGCOLOR_OK ? "unexpected success" : err.message);
    if (st == IMGCOLOR_OK) {
        assert_non_null(res);
        assert_true(imgcolor_result_count(res) >= 1);
    } else {
        assert_null(res);
        assert_int_equal(err.status, st);
        assert_true(err.message[0] != '\0');
    }
    imgcolor_result_free(res);
    check_still_works();
    return st;
}

static imgcolor_status hostile(const char *name, const uint8_t *data, size_t size,
                               unsigned allowed)
{
    return hostile_within(name, data, size, allowed, TIME_BOUND_S);
}

/* ------------------------------------------------------------------------------------ */
/* PNG by hand: every length, CRC and byte is ours to get wrong                           */

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void png_ihdr(test_buffer *b, uint32_t w, uint32_t h, uint8_t depth, uint8_t color_type,
                     uint8_t interlace)
{
    uint8_t ihdr[13];
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = depth;
    ihdr[9] = color_type;
    ihdr[10] = 0;
    ihdr[11] = 0;
    ihdr[12] = interlace;
    test_png_chunk(b, "IHDR", ihdr, 13);
}

/* zlib data for raw_len zero bytes, streamed, so that a 100 MB bomb costs no 100 MB. */
static test_buffer zlib_zeros(uint64_t raw_len)
{
    static const uint8_t zeros[1 << 16];
    test_buffer out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit(&z, 9), Z_OK);
    uint8_t chunk[1 << 16];
    uint64_t left = raw_len;
    int flush;
    do {
        uInt n = left < sizeof zeros ? (uInt)left : (uInt)sizeof zeros;
        left -= n;
        flush = left ? Z_NO_FLUSH : Z_FINISH;
        z.next_in = (Bytef *)zeros;
        z.avail_in = n;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            assert_true(deflate(&z, flush) != Z_STREAM_ERROR);
            test_buf_append(&out, chunk, sizeof chunk - z.avail_out);
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&z);
    return out;
}

/* A complete RGB8 PNG of w x h from raw (filter byte + 3w bytes per row) data. */
static test_buffer png_rgb(uint32_t w, uint32_t h, const uint8_t *raw, size_t raw_len)
{
    test_buffer b = {0};
    test_buf_append(&b, png_sig, 8);
    png_ihdr(&b, w, h, 8, 2, 0);
    uLongf zlen = compressBound((uLong)raw_len);
    uint8_t *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress(z, &zlen, raw, (uLong)raw_len), Z_OK);
    test_png_chunk(&b, "IDAT", z, (uint32_t)zlen);
    test_png_chunk(&b, "IEND", NULL, 0);
    free(z);
    return b;
}

static test_buffer reference_png(void)
{
    uint8_t raw[4 * 13];
    for (int y = 0; y < 4; y++) {
        raw[13 * y] = 0;
        for (int x = 0; x < 4; x++) {
            uint8_t *p = raw + 13 * y + 1 + 3 * x;
            p[0] = y < 2 ? 255 : 0;
            p[1] = 0;
            p[2] = y < 2 ? 0 : 255;
        }
    }
    return png_rgb(4, 4, raw, sizeof raw);
}

/* A 16x16 RGB PNG of a few colours, the base that the chunk-level attacks corrupt. */
static test_buffer small_png(void)
{
    uint8_t raw[16 * 49];
    for (int y = 0; y < 16; y++) {
        raw[49 * y] = 0;
        for (int x = 0; x < 16; x++) {
            uint8_t *p = raw + 49 * y + 1 + 3 * x;
            p[0] = (uint8_t)(x < 8 ? 200 : 20);
            p[1] = (uint8_t)(y < 8 ? 100 : 30);
            p[2] = (uint8_t)((x + y) % 3 * 60);
        }
    }
    return png_rgb(16, 16, raw, sizeof raw);
}

/* Offset of the first chunk of the given type in a PNG made here. */
static size_t find_chunk(const test_buffer *b, const char *type)
{
    for (size_t pos = 8; pos + 12 <= b->len;) {
        uint32_t len = (uint32_t)b->data[pos] << 24 | (uint32_t)b->data[pos + 1] << 16 |
                       (uint32_t)b->data[pos + 2] << 8 | b->data[pos + 3];
        if (memcmp(b->data + pos + 4, type, 4) == 0)
            return pos;
        pos += 12 + (size_t)len;
    }
    fail_msg("no %s chunk", type);
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* PNG: chunk lengths that lie                                                           */

static void test_png_chunk_length_lies(void **state)
{
    (void)state;
    static const uint32_t lies[] = {0, 1, 12, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0xfffffff4u};
    static const char *const chunks[] = {"IHDR", "IDAT", "IEND"};
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
            test_buffer b = small_png();
            size_t pos = find_chunk(&b, chunks[c]);
            uint32_t truth = (uint32_t)b.data[pos] << 24 | (uint32_t)b.data[pos + 1] << 16 |
                             (uint32_t)b.data[pos + 2] << 8 | b.data[pos + 3];
            put_be32(b.data + pos, lies[i]); /* the CRC stays that of the true length */
            char name[64];
            snprintf(name, sizeof name, "%s length %#x", chunks[c], lies[i]);
            /* IEND carries no pixels, but a reader that trusts its length runs off the
             * end of the file: an error too, unless the "lie" is the truth. */
            hostile(name, b.data, b.len, ANY_ERROR | (lies[i] == truth ? ALLOW(IMGCOLOR_OK) : 0));
            free(b.data);
        }
}

/* An ancillary chunk claiming 2 GB, then the real data: libpng must neither allocate
 * it nor scan forever for it. With a correct CRC over nothing, it is still a lie. */
static void test_png_ancillary_lies(void **state)
{
    (void)state;
    static const char *const types[] = {"tEXt", "zTXt", "iCCP", "iTXt", "eXIf", "abCd", "PLTE"};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        test_buffer good = small_png();
        size_t idat = find_chunk(&good, "IDAT");
        test_buffer b = {0};
        test_buf_append(&b, good.data, idat);
        test_buf_be32(&b, 0x7fffffffu);
        test_buf_append(&b, types[t], 4);
        test_buf_append(&b, "hello", 5);
        test_buf_append(&b, good.data + idat, good.len - idat);
        char name[64];
        snprintf(name, sizeof name, "%s length 0x7fffffff", types[t]);
        hostile(name, b.data, b.len, ANY_ERROR);
        free(b.data);
        free(good.data);
    }
}

/* Bad CRCs: on critical chunks an error, on ancillary ones harmless. */
static void test_png_bad_crcs(void **state)
{
    (void)state;
    test_buffer good = small_png();
    size_t idat = find_chunk(&good, "IDAT");
    test_buffer b = {0};
    test_buf_append(&b, good.data, idat);
    test_png_chunk(&b, "tEXt", "Comment\0hello", 13);
    size_t text = idat;
    test_buf_append(&b, good.data + idat, good.len - idat);
    b.data[text + 8 + 13] ^= 0x55; /* the tEXt CRC */
    hostile("tEXt bad CRC", b.data, b.len, ALLOW(IMGCOLOR_OK));
    size_t iend = b.len - 12;
    b.data[iend + 8] ^= 0x55; /* and IEND's */
    hostile("IEND bad CRC", b.data, b.len, ANY_ERROR);
    free(b.data);
    free(good.data);
}

/* Chunks out of order, duplicated, missing, or in their hundred thousands. */
static void test_png_chunk_structure(void **state)
{
    (void)state;
    test_buffer good = small_png();
    size_t ihdr = 8, idat = find_chunk(&good, "IDAT"), iend = good.len - 12;
    test_buffer b = {0};

    /* IDAT before IHDR. */
    test_buf_append(&b, png_sig, 8);
    test_buf_append(&b, good.data + idat, iend - idat);
    test_buf_append(&b, good.data + ihdr, idat - ihdr);
    test_buf_append(&b, good.data + iend, 12);
    hostile("IDAT before IHDR", b.data, b.len, ANY_ERROR);

    /* Two IHDRs. */
    b.len = 0;
    test_buf_append(&b, good.data, idat);
    test_buf_append(&b, good.data + ihdr, idat - ihdr);
    test_buf_append(&b, good.data + idat, good.len - idat);
    hostile("two IHDRs", b.data, b.len, ANY_ERROR);

    /* No IDAT, no IEND. */
    b.len = 0;
    test_buf_append(&b, good.data, idat);
    hostile("IHDR only", b.data, b.len, ANY_ERROR);
    b.len = 0;
    test_buf_append(&b, good.data, iend);
    hostile("no IEND", b.data, b.len, ANY_ERROR);

    /* A palette image without its palette, and with one of 300 entries. */
    b.len = 0;
    test_buf_append(&b, png_sig, 8);
    png_ihdr(&b, 16, 16, 8, 3, 0);
    test_buffer z = zlib_zeros(16 * 17);
    test_buffer tail = {0};
    test_png_chunk(&tail, "IDAT", z.data, (uint32_t)z.len);
    test_png_chunk(&tail, "IEND", NULL, 0);
    size_t head = b.len;
    test_buf_append(&b, tail.data, tail.len);
    hostile("palette without PLTE", b.data, b.len, ANY_ERROR);
    uint8_t plte[900] = {0};
    b.len = head;
    test_png_chunk(&b, "PLTE", plte, sizeof plte);
    test_buf_append(&b, tail.data, tail.len);
    hostile("PLTE of 300 entries", b.data, b.len, ANY_ERROR | ALLOW(IMGCOLOR_OK));
    /* tRNS longer than the palette. */
    b.len = head;
    test_png_chunk(&b, "PLTE", plte, 6);
    test_png_chunk(&b, "tRNS", plte, 200);
    test_buf_append(&b, tail.data, tail.len);
    hostile("tRNS longer than PLTE", b.data, b.len, ANY_ERROR | ALLOW(IMGCOLOR_OK));

    /* The image data split into one-byte IDATs, and 100000 unknown chunks before it:
     * each costs a CRC and a little parsing, never an allocation that stays. */
    test_buffer many = {0};
    test_buf_append(&many, good.data, idat);
    for (int i = 0; i < 100000; i++)
        test_png_chunk(&many, "abCd", "x", 1);
    uint32_t zlen = (uint32_t)(iend - idat - 12);
    for (uint32_t i = 0; i < zlen; i++)
        test_png_chunk(&many, "IDAT", good.data + idat + 8 + i, 1);
    test_buf_append(&many, good.data + iend, 12);
    hostile("100000 unknown chunks, one-byte IDATs", many.data, many.len, ALLOW(IMGCOLOR_OK));

    /* A hundred thousand empty IDATs, then nothing. */
    many.len = 0;
    test_buf_append(&many, good.data, idat);
    for (int i = 0; i < 100000; i++)
        test_png_chunk(&many, "IDAT", NULL, 0);
    test_buf_append(&many, good.data + iend, 12);
    hostile("100000 empty IDATs", many.data, many.len, ANY_ERROR);

    free(many.data);
    free(z.data);
    free(tail.data);
    free(b.data);
    free(good.data);
}

/* ------------------------------------------------------------------------------------ */
/* PNG: dimensions                                                                       */

static void test_png_dimensions(void **state)
{
    (void)state;
    static const struct {
        uint32_t w, h;
        unsigned allowed;
    } cases[] = {
        {0, 16, ALLOW(IMGCOLOR_E_DECODE)},
        {16, 0, ALLOW(IMGCOLOR_E_DECODE)},
        {0, 0, ALLOW(IMGCOLOR_E_DECODE)},
        {0x7fffffffu, 1, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {1, 0x7fffffffu, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {0x7fffffffu, 0x7fffffffu, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        /* Over PNG's own 2^31 - 1 maximum: invalid, whatever the limits. */
        {0x80000000u, 1, ALLOW(IMGCOLOR_E_DECODE) | ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {0xffffffffu, 0xffffffffu, ALLOW(IMGCOLOR_E_DECODE) | ALLOW(IMGCOLOR_E_TOO_LARGE)},
        /* Exactly at the default limit, and one past it, with a few bytes of data. */
        {8000, 8000, ALLOW(IMGCOLOR_E_DECODE)},
        {64000000, 1, ALLOW(IMGCOLOR_E_DECODE)},
        {1, 64000000, ALLOW(IMGCOLOR_E_DECODE)},
        {64000001, 1, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {8000, 8001, ALLOW(IMGCOLOR_E_TOO_LARGE)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_buffer b = {0};
        test_buf_append(&b, png_sig, 8);
        png_ihdr(&b, cases[i].w, cases[i].h, 8, 2, 0);
        test_buffer z = zlib_zeros(64);
        test_png_chunk(&b, "IDAT", z.data, (uint32_t)z.len);
        test_png_chunk(&b, "IEND", NULL, 0);
        char name[64];
        snprintf(name, sizeof name, "PNG %ux%u", cases[i].w, cases[i].h);
        hostile(name, b.data, b.len, cases[i].allowed);
        /* Interlaced, where libpng works on the whole frame. */
        b.data[8 + 8 + 12] = 1;
        put_be32(b.data + 8 + 8 + 13, (uint32_t)crc32(0, b.data + 12, 17));
        snprintf(name, sizeof name, "PNG %ux%u interlaced", cases[i].w, cases[i].h);
        /* libpng would set up whole-frame buffers for it; the decoder refuses a file too
         * short to hold the image at deflate's best ratio before that. */
        hostile(name, b.data, b.len, cases[i].allowed);
        free(z.data);
        free(b.data);
    }
}

/* ------------------------------------------------------------------------------------ */
/* PNG: decompression bombs                                                              */

/*
 * A file of a few hundred kilobytes whose IDAT inflates to w x h RGB pixels of zeros.
 * Within the pixel limit it is a legitimate (if dull) image and must succeed in bounded
 * time and memory, since rows are streamed into the histogram; over it, the header
 * alone must stop it.
 */
static test_buffer png_bomb(uint32_t w, uint32_t h, uint64_t raw_len, uint8_t interlace)
{
    test_buffer b = {0};
    test_buf_append(&b, png_sig, 8);
    png_ihdr(&b, w, h, 8, 2, interlace);
    test_buffer z = zlib_zeros(raw_len);
    /* In IDATs of 64 KiB, as encoders write them. */
    for (size_t off = 0; off < z.len; off += 1 << 16) {
        size_t n = z.len - off < (1u << 16) ? z.len - off : 1u << 16;
        test_png_chunk(&b, "IDAT", z.data + off, (uint32_t)n);
    }
    test_png_chunk(&b, "IEND", NULL, 0);
    free(z.data);
    return b;
}

/*
 * A valid PNG may split its image data over any number of IDAT chunks, empty ones
 * included (pngfix accepts them). The bound on image data after the last row counts
 * IDAT contents, not chunk headers: 20000 empty IDATs, between the data and after it,
 * decode to the right pixels; real data after the last row is still refused.
 */
static void test_png_empty_idats(void **state)
{
    (void)state;
    test_buffer good = small_png();
    size_t idat = find_chunk(&good, "IDAT");
    uint32_t zlen = (uint32_t)good.data[idat] << 24 | (uint32_t)good.data[idat + 1] << 16 |
                    (uint32_t)good.data[idat + 2] << 8 | good.data[idat + 3];
    const uint8_t *z = good.data + idat + 8;
    test_buffer b = {0};
    test_buf_append(&b, good.data, idat);
    for (uint32_t i = 0; i < zlen; i++) {
        test_png_chunk(&b, "IDAT", z + i, 1);
        for (int e = 0; e < 20000 / (int)zlen; e++)
            test_png_chunk(&b, "IDAT", NULL, 0);
    }
    for (int e = 0; e < 10000; e++)
        test_png_chunk(&b, "IDAT", NULL, 0);
    test_png_chunk(&b, "IEND", NULL, 0);

    imgcolor_image *want = NULL, *got = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_decode(good.data, good.len, NULL, &want, &err), IMGCOLOR_OK);
    if (imgcolor_decode(b.data, b.len, NULL, &got, &err) != IMGCOLOR_OK)
        fail_msg("%zu bytes of empty IDATs: %s", b.len, err.message);
    assert_memory_equal(got->rgba, want->rgba, 16 * 16 * 4);
    hostile("PNG with 30000 empty IDATs", b.data, b.len, ALLOW(IMGCOLOR_OK));
    imgcolor_image_free(got);
    imgcolor_image_free(want);

    /* A 1x1 image whose image data inflates on to 64 MB, cut into IDATs of 16 bytes
     * with empty ones between: the surplus is counted, and refused, all the same. */
    test_buffer one = png_bomb(1, 1, 64u << 20, 0);
    size_t at = find_chunk(&one, "IDAT");
    uint32_t len = (uint32_t)one.data[at] << 24 | (uint32_t)one.data[at + 1] << 16 |
                   (uint32_t)one.data[at + 2] << 8 | one.data[at + 3];
    test_buffer bomb = {0};
    test_buf_append(&bomb, one.data, at);
    for (uint32_t i = 0; i < len; i += 16) {
        test_png_chunk(&bomb, "IDAT", one.data + at + 8 + i, len - i < 16 ? len - i : 16);
        test_png_chunk(&bomb, "IDAT", NULL, 0);
    }
    test_png_chunk(&bomb, "IEND", NULL, 0);
    assert_int_equal(imgcolor_decode(bomb.data, bomb.len, NULL, &got, &err), IMGCOLOR_E_DECODE);
    assert_non_null(strstr(err.message, "more image data than the image holds"));
    hostile("1x1 with 64 MB of IDAT among empty IDATs", bomb.data, bomb.len,
            ALLOW(IMGCOLOR_E_DECODE));
    free(bomb.data);
    free(one.data);
    free(b.data);
    free(good.data);
}

static void test_png_bombs(void **state)
{
    (void)state;
    /* 2048 x 2048: 12 MB of pixels from about 12 KB. One colour, black. */
    test_buffer b = png_bomb(2048, 2048, (uint64_t)2048 * (3 * 2048 + 1), 0);
    assert_true(b.len < 64 * 1024);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(b.data, b.len, NULL, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 1);
    assert_string_equal(imgcolor_result_color(res, 0)->hex, "#000000");
    assert_int_equal(imgcolor_result_pixels(res), 2048u * 2048u);
    imgcolor_result_free(res);
    hostile("2048x2048 bomb", b.data, b.len, ALLOW(IMGCOLOR_OK));
    free(b.data);

    /* 100000 x 100000 declared, 30 GB of zeros promised: refused from the header. */
    b = png_bomb(100000, 100000, 64u << 20, 0);
    hostile("100000x100000 bomb", b.data, b.len, ALLOW(IMGCOLOR_E_TOO_LARGE));
    free(b.data);

    /* A 1x1 image whose IDAT goes on inflating to 256 MB: everything past the one row
     * is surplus, which libpng would inflate to its end looking for IEND (2.7 s per MB
     * of input); the decoder refuses more than a little image data after the last row. */
    b = png_bomb(1, 1, 256u << 20, 0);
    hostile("1x1 with 256 MB of IDAT", b.data, b.len, ALLOW(IMGCOLOR_E_DECODE));
    free(b.data);

    /* The same surplus after an interlaced image. */
    b = png_bomb(3, 3, 64u << 20, 1);
    hostile("3x3 interlaced with 64 MB of IDAT", b.data, b.len, ALLOW(IMGCOLOR_E_DECODE));
    free(b.data);

    /* A zTXt and an iCCP chunk each inflating to 256 MB, before a valid image:
     * ancillary data we never use must cost neither the memory nor the time. */
    static const char *const types[] = {"zTXt", "iCCP", "iTXt"};
    for (size_t t = 0; t < 3; t++) {
        test_buffer good = small_png();
        size_t idat = find_chunk(&good, "IDAT");
        test_buffer z = zlib_zeros(256u << 20);
        test_buffer body = {0};
        if (t == 2)
            test_buf_append(&body, "Comment\0\1\0\0\0", 12); /* keyword, compressed, no lang */
        else
            test_buf_append(&body, "Comment\0\0", 9); /* keyword, method 0 */
        test_buf_append(&body, z.data, z.len);
        test_buffer bomb = {0};
        test_buf_append(&bomb, good.data, idat);
        test_png_chunk(&bomb, types[t], body.data, (uint32_t)body.len);
        test_buf_append(&bomb, good.data + idat, good.len - idat);
        char name[64];
        snprintf(name, sizeof name, "%s bomb of 256 MB", types[t]);
        hostile(name, bomb.data, bomb.len, ALLOW(IMGCOLOR_OK));
        free(bomb.data);
        free(body.data);
        free(z.data);
        free(good.data);
    }
}

/* ------------------------------------------------------------------------------------ */
/* PNG: truncation and mutation through the whole pipeline                               */

static uint64_t next_random(uint64_t *s)
{
    /* xorshift64*: deterministic, so a failure names a reproducible case. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static test_buffer mutation_base(int jpeg);

static void test_truncated_and_mutated(void **state)
{
    (void)state;
    for (int jpeg = 0; jpeg < 2; jpeg++) {
        test_buffer b = mutation_base(jpeg);
        /* Every prefix: the histogram sink sees partial images that decode never hands
         * out, so this is its own path. */
        for (size_t cut = 0; cut < b.len; cut++) {
            char name[64];
            snprintf(name, sizeof name, "%s cut at %zu", jpeg ? "JPEG" : "PNG", cut);
            hostile(name, b.data, cut, ANY_ERROR);
        }
        /* Random damage of 1 to 8 bytes at a time, 1000 times. */
        uint64_t seed = 0x9e3779b97f4a7c15ull + (uint64_t)jpeg;
        uint8_t *m = malloc(b.len);
        assert_non_null(m);
        int failures = 0;
        for (int round = 0; round < 1000; round++) {
            memcpy(m, b.data, b.len);
            int hits = 1 + (int)(next_random(&seed) % 8);
            for (int h = 0; h < hits; h++)
                m[next_random(&seed) % b.len] = (uint8_t)next_random(&seed);
            char name[64];
            snprintf(name, sizeof name, "%s mutant %d", jpeg ? "JPEG" : "PNG", round);
            failures += hostile(name, m, b.len, ANY_ERROR | ALLOW(IMGCOLOR_OK)) != IMGCOLOR_OK;
        }
        assert_true(failures > 0);
        free(m);
        free(b.data);
    }
}

/* ------------------------------------------------------------------------------------ */
/* JPEG                                                                                  */

typedef struct jpeg_out {
    unsigned char *data;
    unsigned long len;
} jpeg_out;

/*
 * A w x h RGB JPEG of a smooth gradient. progressive: 1 for libjpeg's standard scan
 * script, 2 for a script with no successive approximation (DC, then one full AC scan
 * per component), the kind whose AC scans can be repeated without a decoder warning.
 */
/* A w x h JPEG, a gradient or (one_colour) flat; progressive 0: baseline, 1: libjpeg's
 * progressive script, 2: progressive without successive approximation. */
static test_buffer make_jpeg_as(uint32_t w, uint32_t h, int progressive, int one_colour)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_out out = {NULL, 0};
    jpeg_mem_dest(&c, &out.data, &out.len);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 85, TRUE);
    static jpeg_scan_info flat[4];
    if (progressive == 1) {
        jpeg_simple_progression(&c);
    } else if (progressive == 2) {
        flat[0] = (jpeg_scan_info){3, {0, 1, 2, 0}, 0, 0, 0, 0};
        for (int i = 1; i < 4; i++)
            flat[i] = (jpeg_scan_info){1, {i - 1, 0, 0, 0}, 1, 63, 0, 0};
        c.scan_info = flat;
        c.num_scans = 4;
    }
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)w * 3);
    assert_non_null(row);
    while (c.next_scanline < h) {
        for (uint32_t x = 0; x < w; x++) {
            row[3 * x] = one_colour ? 90 : (uint8_t)(x * 255 / (w > 1 ? w - 1 : 1));
            row[3 * x + 1] = one_colour ? 160 : (uint8_t)(c.next_scanline * 255 / (h > 1 ? h - 1 : 1));
            row[3 * x + 2] = 128;
        }
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&c, rows, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    test_buffer b = {0};
    test_buf_append(&b, out.data, out.len);
    free(out.data);
    return b;
}

static test_buffer make_jpeg(uint32_t w, uint32_t h, int progressive)
{
    return make_jpeg_as(w, h, progressive, 0);
}

static test_buffer mutation_base(int jpeg)
{
    if (jpeg)
        return make_jpeg(24, 16, 1);
    /* Interlaced palette PNG with tRNS: the most libpng machinery per byte. */
    test_buffer b = {0};
    test_buf_append(&b, png_sig, 8);
    png_ihdr(&b, 12, 10, 4, 3, 1);
    uint8_t plte[3 * 16], trns[16];
    for (int i = 0; i < 16; i++) {
        plte[3 * i] = (uint8_t)(i * 16);
        plte[3 * i + 1] = (uint8_t)(255 - i * 16);
        plte[3 * i + 2] = (uint8_t)(i * 7);
        trns[i] = (uint8_t)(i * 17);
    }
    test_png_chunk(&b, "PLTE", plte, sizeof plte);
    test_png_chunk(&b, "tRNS", trns, sizeof trns);
    /* Adam7 passes of a 12x10 4-bit image, every filter type in turn. */
    static const uint32_t px[7] = {0, 4, 0, 2, 0, 1, 0}, py[7] = {0, 0, 4, 0, 2, 0, 1};
    static const uint32_t dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    test_buffer raw = {0};
    for (int p = 0; p < 7; p++) {
        uint32_t pw = (12 - px[p] + dx[p] - 1) / dx[p], ph = (10 - py[p] + dy[p] - 1) / dy[p];
        for (uint32_t y = 0; pw && y < ph; y++) {
            uint8_t line[8] = {(uint8_t)(y % 5)};
            for (uint32_t i = 1; i <= (pw + 1) / 2; i++)
                line[i] = (uint8_t)(i * 37 + y * 11 + (uint32_t)p);
            test_buf_append(&raw, line, 1 + (pw + 1) / 2);
        }
    }
    uLongf zlen = compressBound((uLong)raw.len);
    uint8_t *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress(z, &zlen, raw.data, (uLong)raw.len), Z_OK);
    test_png_chunk(&b, "IDAT", z, (uint32_t)zlen);
    test_png_chunk(&b, "IEND", NULL, 0);
    free(z);
    free(raw.data);
    /* Sanity: the base itself is fine. */
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(b.data, b.len, NULL, &res, NULL), IMGCOLOR_OK);
    imgcolor_result_free(res);
    return b;
}

/* Offset of the first marker 0xff m at or after from, or 0. */
static size_t find_marker(const test_buffer *b, uint8_t m, size_t from)
{
    for (size_t i = from; i + 1 < b->len; i++)
        if (b->data[i] == 0xff && b->data[i + 1] == m)
            return i;
    return 0;
}

static void set_sof_size(test_buffer *b, uint32_t w, uint32_t h)
{
    size_t sof = find_marker(b, 0xc0, 2);
    if (!sof)
        sof = find_marker(b, 0xc2, 2);
    assert_true(sof > 0);
    b->data[sof + 5] = (uint8_t)(h >> 8);
    b->data[sof + 6] = (uint8_t)h;
    b->data[sof + 7] = (uint8_t)(w >> 8);
    b->data[sof + 8] = (uint8_t)w;
}

/* Huge declared sizes over a few bytes of scan data, baseline and progressive. A
 * progressive decoder allocates its coefficient buffer for the whole declared image up
 * front; the pixel limit is what bounds it. */
static void test_jpeg_huge_declared(void **state)
{
    (void)state;
    static const struct {
        uint32_t w, h;
        unsigned allowed;
    } cases[] = {
        {65535, 65535, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {65500, 65500, ALLOW(IMGCOLOR_E_TOO_LARGE)},
        {65500, 978, ALLOW(IMGCOLOR_E_TOO_LARGE)}, /* 64 059 000 pixels: just over */
        {65500, 977, ALLOW(IMGCOLOR_E_DECODE)},    /* 63 993 500: just under */
        {8000, 8000, ALLOW(IMGCOLOR_E_DECODE)}, /* exactly at the limit */
        {65500, 1, ALLOW(IMGCOLOR_E_DECODE)},
        {1, 65500, ALLOW(IMGCOLOR_E_DECODE)},
        {0, 16, ALLOW(IMGCOLOR_E_DECODE)},
        {16, 0, ALLOW(IMGCOLOR_E_DECODE)},
    };
    for (int progressive = 0; progressive < 2; progressive++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            test_buffer b = make_jpeg(16, 16, progressive);
            set_sof_size(&b, cases[i].w, cases[i].h);
            unsigned allowed = cases[i].allowed;
            /* Over the limit is refused by us, or before that by libjpeg's own maximum
             * side of 65500. */
            if ((uint64_t)cases[i].w * cases[i].h > IMGCOLOR_DEFAULT_MAX_PIXELS)
                allowed = ALLOW(IMGCOLOR_E_TOO_LARGE) |
                          (cases[i].w > 65500 || cases[i].h > 65500 ? ALLOW(IMGCOLOR_E_DECODE) : 0);
            char name[64];
            snprintf(name, sizeof name, "JPEG %s %ux%u", progressive ? "progressive" : "baseline",
                     cases[i].w, cases[i].h);
            hostile(name, b.data, b.len, allowed);
            /* And with the data cut to a few bytes after the start of scan. */
            size_t sos = find_marker(&b, 0xda, 2);
            assert_true(sos > 0);
            size_t keep = sos + 2 + ((size_t)b.data[sos + 2] << 8 | b.data[sos + 3]) + 4;
            snprintf(name, sizeof name, "JPEG %s %ux%u, 4 bytes of scan",
                     progressive ? "progressive" : "baseline", cases[i].w, cases[i].h);
            hostile(name, b.data, keep < b.len ? keep : b.len, allowed);
            free(b.data);
        }
}

/*
 * A progressive JPEG whose AC scans are repeated thousands of times. Without
 * successive approximation a repeated scan raises no warning, so only a limit on the
 * number of scans stops the decoder re-reading the whole coefficient buffer each time.
 */
static void test_jpeg_many_scans(void **state)
{
    (void)state;
    test_buffer b = make_jpeg(512, 512, 2);
    size_t first_ac = find_marker(&b, 0xda, 2);
    assert_true(first_ac > 0);
    first_ac = find_marker(&b, 0xda, first_ac + 2); /* after the DC scan */
    assert_true(first_ac > 0);
    size_t eoi = b.len - 2;
    assert_true(b.data[eoi] == 0xff && b.data[eoi + 1] == 0xd9);
    /* The original decodes: the copies are the only problem. */
    hostile("progressive, 4 scans", b.data, b.len, ALLOW(IMGCOLOR_OK));

    test_buffer many = {0};
    test_buf_append(&many, b.data, eoi);
    for (int i = 0; i < 3000; i++)
        test_buf_append(&many, b.data + first_ac, eoi - first_ac);
    test_buf_append(&many, b.data + eoi, 2);
    imgcolor_error err;
    imgcolor_result *res = NULL;
    double t0 = now_s();
    assert_int_equal(imgcolor_prominent(many.data, many.len, NULL, &res, &err),
                     IMGCOLOR_E_DECODE);
    assert_true(now_s() - t0 < TIME_BOUND_S);
    assert_non_null(strstr(err.message, "scans"));
    hostile("progressive, 9004 scans", many.data, many.len, ALLOW(IMGCOLOR_E_DECODE));

    /* The same scans, the size lifted to 4096 x 4096 so that each costs more. */
    set_sof_size(&many, 4096, 4096);
    hostile("progressive 4096x4096, 9004 scans", many.data, many.len,
            ALLOW(IMGCOLOR_E_DECODE));
    free(many.data);
    free(b.data);
}

/*
 * Work bounded by bytes: a flat 2048x2048 progressive JPEG whose luma AC scan repeats
 * 495 times is 31 KB; each repeat costs a pass over 65536 blocks. Decoding stops once
 * the scans have decoded 12 times the image's blocks plus 64 per byte of input, near the
 * 50th scan, instead of running all 499 at 5 times the cost of an honest photo of the
 * size. The honest progressive file of the same size, in 10 scans, decodes.
 */
static void test_jpeg_scan_work(void **state)
{
    (void)state;
    test_buffer b = make_jpeg_as(2048, 2048, 2, 1);
    test_buffer honest = make_jpeg_as(2048, 2048, 1, 1);
    hostile("progressive 2048x2048, 10 scans", honest.data, honest.len, ALLOW(IMGCOLOR_OK));
    size_t ac = find_marker(&b, 0xda, 2);
    ac = find_marker(&b, 0xda, ac + 2);
    size_t ac_end = find_marker(&b, 0xda, ac + 2);
    assert_true(ac > 0 && ac_end > ac);
    test_buffer many = {0};
    test_buf_append(&many, b.data, b.len - 2);
    for (int i = 4; i < 499; i++)
        test_buf_append(&many, b.data + ac, ac_end - ac);
    test_buf_append(&many, b.data + b.len - 2, 2);
    imgcolor_error err;
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent(many.data, many.len, NULL, &res, &err),
                     IMGCOLOR_E_DECODE);
    int scans = 0;
    if (sscanf(err.message, "JPEG: %d scans decode more than", &scans) != 1)
        fail_msg("unexpected message: %s", err.message);
    /* Luma 256x256 blocks, chroma 128x128 each (4:2:0). The DC scan and the first three
     * AC scans decode 2 * blocks; each repeat, the luma's; the scan that crosses the
     * bound is the first refused. */
    uint64_t luma = 256 * 256, blocks = luma + 2 * 128 * 128;
    uint64_t budget = 12 * blocks + 64 * (uint64_t)many.len;
    assert_int_equal(scans, 4 + (int)((budget - 2 * blocks) / luma) + 1);
    assert_true(scans < 60);
    hostile("progressive 2048x2048, 499 scans", many.data, many.len, ALLOW(IMGCOLOR_E_DECODE));
    free(many.data);
    free(honest.data);
    free(b.data);
}

/* Tens of thousands of markers that carry nothing the decoder needs. */
static void test_jpeg_many_markers(void **state)
{
    (void)state;
    test_buffer b = make_jpeg(16, 16, 0);
    static const uint8_t com[] = {0xff, 0xfe, 0x00, 0x04, 'h', 'i'};
    static const uint8_t app[] = {0xff, 0xe9, 0x00, 0x02};
    static const uint8_t fill[] = {0xff, 0xff, 0xff, 0xff};
    test_buffer many = {0};
    test_buf_append(&many, b.data, 2);
    for (int i = 0; i < 50000; i++) {
        test_buf_append(&many, com, sizeof com);
        test_buf_append(&many, app, sizeof app);
        test_buf_append(&many, fill, sizeof fill); /* fill bytes before a marker are legal */
    }
    test_buf_append(&many, b.data + 2, b.len - 2);
    hostile("150000 markers", many.data, many.len, ALLOW(IMGCOLOR_OK) | ANY_ERROR);

    /* A COM marker claiming 65535 bytes at the very end of the file. */
    many.len = 0;
    test_buf_append(&many, b.data, 2);
    static const uint8_t long_com[] = {0xff, 0xfe, 0xff, 0xff, 'x'};
    test_buf_append(&many, long_com, sizeof long_com);
    hostile("COM longer than the file", many.data, many.len, ANY_ERROR);

    /* Restart markers where none belong, and a scan of nothing but 0xff bytes. */
    size_t sos = find_marker(&b, 0xda, 2);
    assert_true(sos > 0);
    size_t data = sos + 2 + ((size_t)b.data[sos + 2] << 8 | b.data[sos + 3]);
    many.len = 0;
    test_buf_append(&many, b.data, data);
    for (int i = 0; i < 100000; i++) {
        uint8_t rst[2] = {0xff, (uint8_t)(0xd0 + i % 8)};
        test_buf_append(&many, rst, 2);
    }
    test_buf_append(&many, b.data + b.len - 2, 2);
    hostile("100000 stray RSTn", many.data, many.len, ANY_ERROR);
    many.len = data;
    for (int i = 0; i < 200000; i++)
        test_buf_append(&many, "\xff", 1);
    hostile("200000 bytes of 0xff", many.data, many.len, ANY_ERROR);
    free(many.data);
    free(b.data);
}

/* SOF headers that libjpeg must reject: bad precision, component counts, sampling. */
static void test_jpeg_bad_frames(void **state)
{
    (void)state;
    test_buffer b = make_jpeg(16, 16, 0);
    size_t sof = find_marker(&b, 0xc0, 2);
    assert_true(sof > 0);
    static const struct {
        size_t offset; /* from the marker */
        uint8_t value;
        const char *what;
    } lies[] = {
        {4, 12, "12-bit precision"},
        {4, 16, "16-bit precision"},
        {4, 0, "0-bit precision"},
        {9, 0, "no components"},
        {9, 255, "255 components"},
        {11, 0x00, "sampling factor 0"},
        {11, 0x55, "sampling factor 5"},
        {11, 0x44, "sampling factor 4x4"},
        {12, 9, "quantisation table 9"},
        {1, 0xc3, "lossless"},
        {1, 0xc5, "hierarchical"},
        {1, 0xc1, "extended sequential"},
        {1, 0xc9, "arithmetic extended"},
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        uint8_t saved = b.data[sof + lies[i].offset];
        b.data[sof + lies[i].offset] = lies[i].value;
        hostile(lies[i].what, b.data, b.len, ANY_ERROR | ALLOW(IMGCOLOR_OK));
        b.data[sof + lies[i].offset] = saved;
    }
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_empty_idats),
        cmocka_unit_test(test_png_chunk_length_lies),
        cmocka_unit_test(test_png_ancillary_lies),
        cmocka_unit_test(test_png_bad_crcs),
        cmocka_unit_test(test_png_chunk_structure),
        cmocka_unit_test(test_png_dimensions),
        cmocka_unit_test(test_png_bombs),
        cmocka_unit_test(test_truncated_and_mutated),
        cmocka_unit_test(test_jpeg_huge_declared),
        cmocka_unit_test(test_jpeg_many_scans),
        cmocka_unit_test(test_jpeg_scan_work),
        cmocka_unit_test(test_jpeg_many_markers),
        cmocka_unit_test(test_jpeg_bad_frames),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("slowest hostile input: %s, %.3f s\n", slowest_name, slowest_s);
    return failed;
}
