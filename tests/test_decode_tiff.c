/* test_decode_tiff.c: the TIFF decoder on files written here with libtiff: every bit
 * depth, photometric and alpha kind it converts, strips and tiles, compressions, the
 * first of several pages, the ICC tag, what it refuses, limits and damage. */
#include <stdio.h>

#include "decode_helpers.h"

#if IMGCOLOR_WITH_TIFF
#include <tiffio.h>

typedef struct tiff_spec {
    const char *name;
    uint32_t w, h;
    uint16_t bits, samples, photometric;
    uint16_t extra; /* EXTRASAMPLE_* of the last sample, when samples exceed the colours */
    uint16_t compression;
    uint32_t tile;  /* tile side (a multiple of 16), or 0 for strips */
    uint32_t rows_per_strip;
    uint16_t format; /* SAMPLEFORMAT_* */
    uint16_t planar;
    int pages;
    int icc;
} tiff_spec;

/* Raw sample s of pixel (x, y), within the spec's bit depth. */
static unsigned raw_sample(const tiff_spec *t, uint32_t x, uint32_t y, int s)
{
    uint32_t v = (x * 2654435761u) ^ ((y + 3) * 40503u) ^ ((uint32_t)s * 2246822519u);
    v ^= v >> 15;
    v *= 0x5bd1e995u;
    v ^= v >> 13;
    if (t->extra == EXTRASAMPLE_ASSOCALPHA && s < t->samples - 1) {
        /* Premultiplied: no colour above its alpha. */
        unsigned a = raw_sample(t, x, y, t->samples - 1);
        return a ? (v & ((1u << t->bits) - 1)) % (a + 1) : 0;
    }
    return v & ((1u << t->bits) - 1);
}

static uint16_t palette_entry(int c, unsigned i)
{
    return (uint16_t)(((i * 97 + (unsigned)c * 71) & 255) * 257);
}

static unsigned to8(const tiff_spec *t, unsigned v)
{
    if (t->bits == 16)
        return (v * 255 + 32767) / 65535;
    if (t->bits < 8)
        return v * 255 / ((1u << t->bits) - 1);
    return v;
}

static unsigned mul_div255(unsigned a, unsigned b)
{
    return (a * b + 127) / 255;
}

/* The RGBA the decoder should give for pixel (x, y), from first principles. */
static void expected(const tiff_spec *t, uint32_t x, uint32_t y, uint8_t out[4])
{
    unsigned s[5];
    for (int i = 0; i < t->samples; i++)
        s[i] = raw_sample(t, x, y, i);
    unsigned r, g, b, a = 255;
    int colours = t->photometric == PHOTOMETRIC_RGB ? 3 : t->photometric == PHOTOMETRIC_SEPARATED ? 4 : 1;
    switch (t->photometric) {
    case PHOTOMETRIC_PALETTE:
        r = palette_entry(0, s[0]) / 257;
        g = palette_entry(1, s[0]) / 257;
        b = palette_entry(2, s[0]) / 257;
        break;
    case PHOTOMETRIC_MINISWHITE:
        r = g = b = 255 - to8(t, s[0]);
        break;
    case PHOTOMETRIC_RGB:
        r = to8(t, s[0]);
        g = to8(t, s[1]);
        b = to8(t, s[2]);
        break;
    case PHOTOMETRIC_SEPARATED: {
        unsigned k = 255 - to8(t, s[3]);
        r = mul_div255(255 - to8(t, s[0]), k);
        g = mul_div255(255 - to8(t, s[1]), k);
        b = mul_div255(255 - to8(t, s[2]), k);
        break;
    }
    default:
        r = g = b = to8(t, s[0]);
    }
    if (t->samples > colours && t->extra != EXTRASAMPLE_UNSPECIFIED) {
        a = to8(t, s[colours]);
        if (t->extra == EXTRASAMPLE_ASSOCALPHA) {
            unsigned *c[3] = {&r, &g, &b};
            for (int i = 0; i < 3; i++)
                *c[i] = a == 0 ? 0 : *c[i] >= a ? 255 : (*c[i] * 255 + a / 2) / a;
        }
    }
    out[0] = (uint8_t)r;
    out[1] = (uint8_t)g;
    out[2] = (uint8_t)b;
    out[3] = (uint8_t)a;
}

static void put_sample(uint8_t *row, const tiff_spec *t, size_t i, unsigned v)
{
    if (t->bits == 16) {
        uint16_t w = (uint16_t)v;
        memcpy(row + 2 * i, &w, 2);
    } else if (t->bits == 8) {
        row[i] = (uint8_t)v;
    } else {
        size_t bit = i * t->bits;
        row[bit / 8] |= (uint8_t)(v << (8 - t->bits - bit % 8));
    }
}

static const uint8_t test_icc[200] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static void write_page(TIFF *tif, const tiff_spec *t, int page)
{
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, t->w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, t->h);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, t->bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, t->samples);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, t->photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, t->planar ? t->planar : PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, t->compression ? t->compression : COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, t->format ? t->format : SAMPLEFORMAT_UINT);
    if (t->photometric == PHOTOMETRIC_SEPARATED)
        TIFFSetField(tif, TIFFTAG_INKSET, INKSET_CMYK);
    int colours = t->photometric == PHOTOMETRIC_RGB ? 3 : t->photometric == PHOTOMETRIC_SEPARATED ? 4 : 1;
    if (t->samples > colours) {
        uint16_t extra[1] = {t->extra};
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    if (t->photometric == PHOTOMETRIC_PALETTE) {
        static uint16_t map[3][256];
        for (int c = 0; c < 3; c++)
            for (unsigned i = 0; i < 256; i++)
                map[c][i] = palette_entry(c, i);
        TIFFSetField(tif, TIFFTAG_COLORMAP, map[0], map[1], map[2]);
    }
    if (t->icc)
        TIFFSetField(tif, TIFFTAG_ICCPROFILE, (uint32_t)sizeof test_icc, test_icc);
    if (page > 0) {
        TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    }
    size_t row_bytes = ((size_t)t->w * t->samples * t->bits + 7) / 8;
    uint8_t *rows = calloc(t->h, row_bytes);
    assert_non_null(rows);
    for (uint32_t y = 0; y < t->h; y++)
        for (uint32_t x = 0; x < t->w; x++)
            for (int s = 0; s < t->samples; s++)
                put_sample(rows + row_bytes * y, t, (size_t)x * t->samples + (size_t)s,
                           page ? 0 : raw_sample(t, x, y, s));
    if (t->tile) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, t->tile);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, t->tile);
        tmsize_t tsize = TIFFTileSize(tif);
        uint8_t *tile = malloc((size_t)tsize);
        assert_non_null(tile);
        size_t tile_row = (size_t)TIFFTileRowSize(tif);
        for (uint32_t ty = 0; ty < t->h; ty += t->tile)
            for (uint32_t tx = 0; tx < t->w; tx += t->tile) {
                memset(tile, 0, (size_t)tsize);
                /* Whole bytes only: tiled images here have bits >= 8. */
                size_t px_bytes = (size_t)t->samples * t->bits / 8;
                for (uint32_t y = 0; y < t->tile && ty + y < t->h; y++) {
                    uint32_t n = t->w - tx < t->tile ? t->w - tx : t->tile;
                    memcpy(tile + tile_row * y, rows + row_bytes * (ty + y) + px_bytes * tx,
                           px_bytes * n);
                }
                assert_true(TIFFWriteTile(tif, tile, tx, ty, 0, 0) >= 0);
            }
        free(tile);
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, t->rows_per_strip ? t->rows_per_strip : t->h);
        for (uint32_t y = 0; y < t->h; y++)
            assert_int_equal(TIFFWriteScanline(tif, rows + row_bytes * y, y, 0), 1);
    }
    free(rows);
    assert_true(TIFFWriteDirectory(tif));
}

static test_buffer encode_tiff(const tiff_spec *t)
{
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.tif", dir);
    TIFF *tif = TIFFOpen(path, "w");
    assert_non_null(tif);
    for (int p = 0; p < (t->pages ? t->pages : 1); p++)
        write_page(tif, t, p);
    TIFFClose(tif);
    test_buffer b = {0};
    b.data = test_read_file(path, &b.len);
    test_rmdir_r(dir);
    free(dir);
    return b;
}

static const tiff_spec good[] = {
    {"grey 8", 37, 23, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, 0, 0, 0, 0},
    {"grey 16", 37, 23, 16, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, 0, 0, 0, 0},
    {"grey 1", 37, 23, 1, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, 0, 0, 0, 0},
    {"grey 4 min-is-white", 37, 23, 4, 1, PHOTOMETRIC_MINISWHITE, 0, 0, 0, 0, 0, 0, 0, 0},
    {"grey+alpha 8", 37, 23, 8, 2, PHOTOMETRIC_MINISBLACK, EXTRASAMPLE_UNASSALPHA, 0, 0, 0, 0, 0, 0, 0},
    {"RGB 8", 37, 23, 8, 3, PHOTOMETRIC_RGB, 0, 0, 0, 0, 0, 0, 0, 0},
    {"RGB 16", 37, 23, 16, 3, PHOTOMETRIC_RGB, 0, 0, 0, 0, 0, 0, 0, 0},
    {"RGBA 8 unassociated", 37, 23, 8, 4, PHOTOMETRIC_RGB, EXTRASAMPLE_UNASSALPHA, 0, 0, 0, 0, 0, 0, 0},
    {"RGBA 8 associated", 37, 23, 8, 4, PHOTOMETRIC_RGB, EXTRASAMPLE_ASSOCALPHA, 0, 0, 0, 0, 0, 0, 0},
    {"RGBA 16 unassociated", 37, 23, 16, 4, PHOTOMETRIC_RGB, EXTRASAMPLE_UNASSALPHA, 0, 0, 0, 0, 0, 0, 0},
    {"RGB + unspecified extra", 37, 23, 8, 4, PHOTOMETRIC_RGB, EXTRASAMPLE_UNSPECIFIED, 0, 0, 0, 0, 0, 0, 0},
    {"palette 8", 37, 23, 8, 1, PHOTOMETRIC_PALETTE, 0, 0, 0, 0, 0, 0, 0, 0},
    {"palette 4", 37, 23, 4, 1, PHOTOMETRIC_PALETTE, 0, 0, 0, 0, 0, 0, 0, 0},
    {"CMYK 8", 37, 23, 8, 4, PHOTOMETRIC_SEPARATED, 0, 0, 0, 0, 0, 0, 0, 0},
    {"CMYK 16", 37, 23, 16, 4, PHOTOMETRIC_SEPARATED, 0, 0, 0, 0, 0, 0, 0, 0},
    {"RGB 8 LZW, strips of 5", 37, 23, 8, 3, PHOTOMETRIC_RGB, 0, COMPRESSION_LZW, 0, 5, 0, 0, 0, 0},
    {"RGB 8 deflate, strips of 1", 37, 23, 8, 3, PHOTOMETRIC_RGB, 0, COMPRESSION_ADOBE_DEFLATE, 0, 1, 0, 0, 0, 0},
    {"grey 8 packbits", 37, 23, 8, 1, PHOTOMETRIC_MINISBLACK, 0, COMPRESSION_PACKBITS, 0, 4, 0, 0, 0, 0},
    {"RGBA 8 tiled 16", 37, 23, 8, 4, PHOTOMETRIC_RGB, EXTRASAMPLE_UNASSALPHA, 0, 16, 0, 0, 0, 0, 0},
    {"RGB 16 tiled 32 deflate", 70, 40, 16, 3, PHOTOMETRIC_RGB, 0, COMPRESSION_ADOBE_DEFLATE, 32, 0, 0, 0, 0, 0},
    {"CMYK 8 tiled 16 LZW", 37, 23, 8, 4, PHOTOMETRIC_SEPARATED, 0, COMPRESSION_LZW, 16, 0, 0, 0, 0, 0},
    {"grey 8, 3 pages", 37, 23, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, 0, 0, 3, 0},
    {"RGB 8 with ICC", 37, 23, 8, 3, PHOTOMETRIC_RGB, 0, 0, 0, 0, 0, 0, 0, 1},
};

static void test_variants_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const tiff_spec *t = &good[i];
        test_buffer b = encode_tiff(t);
        probe p;
        imgcolor_error err;
        imgcolor_status st = probe_decode(b.data, b.len, NULL, &p, &err);
        if (st != IMGCOLOR_OK)
            fail_msg("%s: %s", t->name, err.message);
        assert_int_equal(p.width, t->w);
        assert_int_equal(p.height, t->h);
        for (uint32_t y = 0; y < t->h; y++)
            for (uint32_t x = 0; x < t->w; x++) {
                uint8_t want[4];
                expected(t, x, y, want);
                const uint8_t *got = p.rgba + ((size_t)y * t->w + x) * 4;
                if (memcmp(got, want, 4) != 0)
                    fail_msg("%s: pixel %u,%u is %u %u %u %u, want %u %u %u %u", t->name, x, y,
                             got[0], got[1], got[2], got[3], want[0], want[1], want[2], want[3]);
            }
        if (t->icc) {
            assert_int_equal(p.icc_size, sizeof test_icc);
            assert_memory_equal(p.icc, test_icc, sizeof test_icc);
        } else {
            assert_null(p.icc);
        }
        probe_free(&p);
        free(b.data);
    }
}

static void test_unsupported(void **state)
{
    (void)state;
    static const tiff_spec bad[] = {
        {"float", 8, 8, 16, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, SAMPLEFORMAT_IEEEFP, 0, 0, 0},
        {"signed", 8, 8, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0, 0, SAMPLEFORMAT_INT, 0, 0, 0},
        {"planar", 8, 8, 8, 3, PHOTOMETRIC_RGB, 0, 0, 0, 0, 0, PLANARCONFIG_SEPARATE, 0, 0},
        {"CIE Lab", 8, 8, 8, 3, PHOTOMETRIC_CIELAB, 0, 0, 0, 0, 0, 0, 0, 0},
        {"RGB 4 bit", 8, 8, 4, 3, PHOTOMETRIC_RGB, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_buffer b = encode_tiff(&bad[i]);
        expect_failure(b.data, b.len, NULL, IMGCOLOR_E_FORMAT, "TIFF: ");
        free(b.data);
    }
}

static void test_limits(void **state)
{
    (void)state;
    test_buffer b = encode_tiff(&good[5]);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 37 * 23 - 1), IMGCOLOR_OK);
    expect_failure(b.data, b.len, opt, IMGCOLOR_E_TOO_LARGE, "37x23");
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 37 * 23), IMGCOLOR_OK);
    probe p;
    imgcolor_error err;
    assert_int_equal(probe_decode(b.data, b.len, opt, &p, &err), IMGCOLOR_OK);
    probe_free(&p);
    imgcolor_options_free(opt);
    free(b.data);
}

/* Cut anywhere: E_DECODE naming TIFF. Uncompressed data cut short is caught too. */
static void test_truncated(void **state)
{
    (void)state;
    const tiff_spec *cases[] = {&good[5], &good[16], &good[19]};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        test_buffer b = encode_tiff(cases[c]);
        for (size_t n = 9; n < b.len; n += 1 + n / 24) {
            probe p;
            imgcolor_error err;
            imgcolor_status st = probe_decode(b.data, n, NULL, &p, &err);
            /* The last page directory may sit past the data: a cut there loses nothing. */
            if (st != IMGCOLOR_OK) {
                assert_int_equal(st, IMGCOLOR_E_DECODE);
                assert_non_null(strstr(err.message, "TIFF: "));
            } else {
                assert_true(n > b.len / 2);
            }
            probe_free(&p);
        }
        free(b.data);
    }
    expect_failure("II*\0\x08\0\0", 7, NULL, IMGCOLOR_E_DECODE, "TIFF: truncated");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants_exact),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
static void test_not_built(void **state)
{
    (void)state;
    expect_failure("II*\0\x08\0\0\0\0\0", 10, NULL, IMGCOLOR_E_FORMAT, "TIFF: not built");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
