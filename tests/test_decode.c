/* test_decode.c: the PNG and JPEG decoders, format sniffing, size limits and file
 * reading. Inputs are made here with libpng's and libjpeg's encoders, so expected pixels
 * are known exactly (PNG) or closely (JPEG). */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "internal.h"
#include "support.h"

/* Internal functions take no NULL options: these are the defaults. */
#define DEFAULTS imgcolor__options_defaults()

/* ------------------------------------------------------------------------------------ */
/* PNG encoding                                                                          */

typedef struct png_spec {
    uint32_t w, h;
    int color_type;
    int depth;
    int interlace;
    int trns;         /* 1: a tRNS chunk (palette: trns_count entries; else one colour) */
    int trns_count;   /* palette entries with alpha */
    int palette_size; /* palette images */
} png_spec;

static int spec_channels(const png_spec *s)
{
    switch (s->color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE:
        return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        return 2;
    case PNG_COLOR_TYPE_RGB:
        return 3;
    default:
        return 4;
    }
}

/* A deterministic sample that exercises the whole range of the bit depth. */
static unsigned sample(const png_spec *s, uint32_t x, uint32_t y, int c)
{
    uint32_t v = x * 2654435761u ^ (y + 7) * 40503u ^ (uint32_t)(c + 1) * 2246822519u;
    v ^= v >> 13;
    v *= 0x5bd1e995u;
    v ^= v >> 15;
    if (s->color_type == PNG_COLOR_TYPE_PALETTE)
        return v % (unsigned)s->palette_size;
    return v & ((1u << s->depth) - 1);
}

static png_color palette_entry(int i)
{
    png_color c = {(png_byte)(i * 37 + 11), (png_byte)(255 - i * 13), (png_byte)(i * i)};
    return c;
}

static png_byte palette_alpha(int i)
{
    return (png_byte)(i * 29 % 256);
}

/* The transparent colour of a grey or RGB image with tRNS: the colour of a pixel of the
 * first row, so that the decoder has matches to find. */
static png_color_16 trns_colour(const png_spec *s)
{
    png_color_16 t = {0};
    uint32_t x = s->w > 1 ? 1 : 0;
    t.gray = (png_uint_16)sample(s, x, 0, 0);
    t.red = (png_uint_16)sample(s, x, 0, 0);
    t.green = (png_uint_16)sample(s, x, 0, 1);
    t.blue = (png_uint_16)sample(s, x, 0, 2);
    return t;
}

static void png_write_to_buffer(png_structp png, png_bytep data, size_t len)
{
    test_buf_append(png_get_io_ptr(png), data, len);
}

static void png_flush_nothing(png_structp png)
{
    (void)png;
}

static test_buffer make_png(const png_spec *s)
{
    test_buffer out = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    assert_non_null(png);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng failed to encode a test image");
    png_set_write_fn(png, &out, png_write_to_buffer, png_flush_nothing);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->color_type,
                 s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        png_byte alpha[256];
        for (int i = 0; i < s->palette_size; i++) {
            pal[i] = palette_entry(i);
            alpha[i] = palette_alpha(i);
        }
        png_set_PLTE(png, info, pal, s->palette_size);
        if (s->trns)
            png_set_tRNS(png, info, alpha, s->trns_count, NULL);
    } else if (s->trns) {
        png_color_16 t = trns_colour(s);
        png_set_tRNS(png, info, NULL, 1, &t);
    }
    /* Ancillary chunks the decoder must get past without using them. */
    png_text text = {PNG_TEXT_COMPRESSION_zTXt, "Comment", "made by test_decode", 0, 0, 0, 0};
    png_set_text(png, info, &text, 1);
    png_set_gAMA(png, info, 1.0 / 1.8);
    png_write_info(png, info);

    int ch = spec_channels(s);
    size_t rowbytes = ((size_t)s->w * (size_t)ch * (size_t)s->depth + 7) / 8;
    uint8_t *image = calloc(rowbytes * s->h, 1);
    png_bytep *rows = malloc(sizeof *rows * s->h);
    assert_true(image && rows);
    for (uint32_t y = 0; y < s->h; y++) {
        uint8_t *row = image + rowbytes * y;
        rows[y] = row;
        size_t bit = 0;
        for (uint32_t x = 0; x < s->w; x++)
            for (int c = 0; c < ch; c++) {
                unsigned v = sample(s, x, y, c);
                if (s->depth == 16) {
                    row[bit / 8] = (uint8_t)(v >> 8);
                    row[bit / 8 + 1] = (uint8_t)v;
                } else if (s->depth == 8) {
                    row[bit / 8] = (uint8_t)v;
                } else {
                    row[bit / 8] |= (uint8_t)(v << (8 - s->depth - bit % 8));
                }
                bit += (size_t)s->depth;
            }
    }
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(image);
    return out;
}

static uint8_t to8(unsigned v, int depth)
{
    if (depth == 16)
        return (uint8_t)((v * 255 + 32767) / 65535);
    return (uint8_t)(v * 255 / ((1u << depth) - 1));
}

static void expected_png_pixel(const png_spec *s, uint32_t x, uint32_t y, uint8_t px[4])
{
    unsigned v[4] = {0};
    for (int c = 0; c < spec_channels(s); c++)
        v[c] = sample(s, x, y, c);
    png_color_16 t = trns_colour(s);
    switch (s->color_type) {
    case PNG_COLOR_TYPE_PALETTE: {
        png_color e = palette_entry((int)v[0]);
        px[0] = e.red;
        px[1] = e.green;
        px[2] = e.blue;
        px[3] = s->trns && (int)v[0] < s->trns_count ? palette_alpha((int)v[0]) : 255;
        break;
    }
    case PNG_COLOR_TYPE_GRAY:
        px[0] = px[1] = px[2] = to8(v[0], s->depth);
        px[3] = s->trns && v[0] == t.gray ? 0 : 255;
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        px[0] = px[1] = px[2] = to8(v[0], s->depth);
        px[3] = to8(v[1], s->depth);
        break;
    case PNG_COLOR_TYPE_RGB:
        for (int c = 0; c < 3; c++)
            px[c] = to8(v[c], s->depth);
        px[3] = s->trns && v[0] == t.red && v[1] == t.green && v[2] == t.blue ? 0 : 255;
        break;
    default:
        for (int c = 0; c < 4; c++)
            px[c] = to8(v[c], s->depth);
        break;
    }
}

/* ------------------------------------------------------------------------------------ */
/* JPEG encoding                                                                         */

typedef struct jpeg_spec {
    uint32_t w, h;
    J_COLOR_SPACE in;  /* JCS_RGB, JCS_GRAYSCALE or JCS_CMYK */
    J_COLOR_SPACE out; /* colour space in the file; JCS_UNKNOWN: libjpeg's default */
    int quality;
    int progressive;
    int h_samp, v_samp; /* of the first component; 0: libjpeg's default (2x2) */
    int no_adobe;       /* CMYK without the Adobe marker: plain, not inverted */
} jpeg_spec;

/* Smooth content (JPEG's home ground) with every channel spanning most of its range. */
static void jpeg_source_pixel(const jpeg_spec *s, uint32_t x, uint32_t y, uint8_t *px)
{
    uint32_t wx = s->w > 1 ? s->w - 1 : 1, hy = s->h > 1 ? s->h - 1 : 1;
    px[0] = (uint8_t)(x * 255 / wx);
    px[1] = (uint8_t)(y * 255 / hy);
    px[2] = (uint8_t)((x + y) * 255 / (wx + hy));
    px[3] = (uint8_t)(255 - (x * 127 / wx));
}

static void expected_jpeg_pixel(const jpeg_spec *s, uint32_t x, uint32_t y, uint8_t rgb[3])
{
    uint8_t p[4];
    jpeg_source_pixel(s, x, y, p);
    if (s->in == JCS_GRAYSCALE) {
        rgb[0] = rgb[1] = rgb[2] = p[0];
    } else if (s->in == JCS_CMYK) {
        for (int c = 0; c < 3; c++) {
            double ink = s->no_adobe ? (255.0 - p[c]) * (255.0 - p[3]) : (double)p[c] * p[3];
            rgb[c] = (uint8_t)(ink / 255.0 + 0.5);
        }
    } else {
        memcpy(rgb, p, 3);
    }
}

static test_buffer make_jpeg(const jpeg_spec *s)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long mem_len = 0;
    jpeg_mem_dest(&c, &mem, &mem_len);
    c.image_width = s->w;
    c.image_height = s->h;
    c.input_components = s->in == JCS_GRAYSCALE ? 1 : s->in == JCS_CMYK ? 4 : 3;
    c.in_color_space = s->in;
    jpeg_set_defaults(&c);
    if (s->out != JCS_UNKNOWN)
        jpeg_set_colorspace(&c, s->out);
    if (s->no_adobe)
        c.write_Adobe_marker = FALSE;
    jpeg_set_quality(&c, s->quality, TRUE);
    if (s->h_samp) {
        c.comp_info[0].h_samp_factor = s->h_samp;
        c.comp_info[0].v_samp_factor = s->v_samp;
    }
    if (s->progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)s->w * 4);
    assert_non_null(row);
    while (c.next_scanline < c.image_height) {
        for (uint32_t x = 0; x < s->w; x++) {
            uint8_t p[4];
            jpeg_source_pixel(s, x, c.next_scanline, p);
            memcpy(row + (size_t)x * (size_t)c.input_components, p, (size_t)c.input_components);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    test_buffer out = {0};
    test_buf_append(&out, mem, mem_len);
    free(mem);
    return out;
}

/* ------------------------------------------------------------------------------------ */
/* Sinks and helpers                                                                     */

/* A sink that checks the protocol (one begin, rows in order, all rows) and sums pixels. */
typedef struct checker {
    int begun;
    uint32_t w, h, next_y;
    uint64_t sum;
    int refuse_begin;
    /* For checker_buffer(): room to offer, and what became of it. */
    int offer, refuse_buffer;
    uint8_t *room;
    size_t offered; /* batches offered */
} checker;

static imgcolor_status checker_begin(void *user, uint32_t w, uint32_t h)
{
    checker *c = user;
    assert_int_equal(c->begun, 0);
    c->begun = 1;
    c->w = w;
    c->h = h;
    return c->refuse_begin ? IMGCOLOR_E_NOMEM : IMGCOLOR_OK;
}

static imgcolor_status checker_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    checker *c = user;
    assert_int_equal(c->begun, 1);
    assert_int_equal(y, c->next_y);
    assert_true(count >= 1 && count <= c->h - y);
    size_t n = (size_t)c->w * 4 * count;
    for (size_t i = 0; i < n; i++)
        c->sum += rgba[i];
    c->next_y = y + count;
    if (c->offer)
        assert_ptr_equal(rgba, c->room); /* the rows came where they were asked to */
    return IMGCOLOR_OK;
}

static imgcolor_status checker_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    checker *c = user;
    assert_int_equal(c->begun, 1);
    assert_int_equal(y, c->next_y);
    assert_true(count >= 1 && count <= c->h - y);
    if (c->refuse_buffer)
        return IMGCOLOR_E_NOMEM;
    *out = NULL;
    if (c->offer) {
        free(c->room);
        c->room = malloc((size_t)c->w * 4 * count);
        assert_non_null(c->room);
        *out = c->room;
    }
    c->offered++;
    return IMGCOLOR_OK;
}

/* Decodes an exact-size copy, so that valgrind and ASan see any read past the end. */
static imgcolor_status decode_copy(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                   imgcolor_image **img, imgcolor_error *err)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    if (size)
        memcpy(copy, data, size);
    imgcolor_status st = imgcolor_decode(copy, size, opt, img, err);
    free(copy);
    return st;
}

static void check_png(const png_spec *s)
{
    test_buffer b = make_png(s);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    /* The stored values, not what the file's gAMA makes of them. */
    imgcolor_options *raw = NULL;
    assert_int_equal(imgcolor_options_new(&raw), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_color_management(raw, 0), IMGCOLOR_OK);
    imgcolor_status st = decode_copy(b.data, b.len, raw, &img, &err);
    imgcolor_options_free(raw);
    if (st != IMGCOLOR_OK)
        fail_msg("type %d depth %d: %s", s->color_type, s->depth, err.message);
    assert_int_equal(img->width, s->w);
    assert_int_equal(img->height, s->h);
    int transparent = 0;
    for (uint32_t y = 0; y < s->h; y++)
        for (uint32_t x = 0; x < s->w; x++) {
            uint8_t want[4];
            expected_png_pixel(s, x, y, want);
            const uint8_t *got = img->rgba + ((size_t)y * s->w + x) * 4;
            if (memcmp(got, want, 4) != 0)
                fail_msg("type %d depth %d interlace %d pixel (%u,%u): got %d,%d,%d,%d want "
                         "%d,%d,%d,%d",
                         s->color_type, s->depth, s->interlace, x, y, got[0], got[1], got[2],
                         got[3], want[0], want[1], want[2], want[3]);
            transparent += got[3] == 0;
        }
    if (s->trns && s->color_type != PNG_COLOR_TYPE_PALETTE)
        assert_true(transparent > 0);

    /* The streaming path delivers the same rows, in order, each once. */
    checker c = {0};
    imgcolor__sink sink = {.begin = checker_begin, .rows = checker_rows, .user = &c};
    assert_int_equal(imgcolor__decode_stream(b.data, b.len, DEFAULTS, &sink, &err), IMGCOLOR_OK);
    assert_int_equal(c.next_y, s->h);
    imgcolor_image_free(img);
    free(b.data);
}

static void check_jpeg(const jpeg_spec *s, int max_err, double mean_err)
{
    test_buffer b = make_jpeg(s);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    imgcolor_status st = decode_copy(b.data, b.len, NULL, &img, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("JPEG: %s", err.message);
    assert_int_equal(img->width, s->w);
    assert_int_equal(img->height, s->h);
    int worst = 0;
    double total = 0;
    for (uint32_t y = 0; y < s->h; y++)
        for (uint32_t x = 0; x < s->w; x++) {
            uint8_t want[3];
            expected_jpeg_pixel(s, x, y, want);
            const uint8_t *got = img->rgba + ((size_t)y * s->w + x) * 4;
            assert_int_equal(got[3], 255);
            for (int c = 0; c < 3; c++) {
                int d = abs((int)got[c] - (int)want[c]);
                worst = d > worst ? d : worst;
                total += d;
            }
            if (s->in == JCS_GRAYSCALE)
                assert_true(got[0] == got[1] && got[1] == got[2]);
        }
    double mean = total / (3.0 * s->w * s->h);
    if (worst > max_err || mean > mean_err)
        fail_msg("JPEG in %d out %d prog %d: max error %d, mean %.2f", (int)s->in, (int)s->out,
                 s->progressive, worst, mean);
    imgcolor_image_free(img);
    free(b.data);
}

/* ------------------------------------------------------------------------------------ */
/* PNG colour types and bit depths                                                       */

static void test_png_grey_depths(void **state)
{
    (void)state;
    static const int depths[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++)
        for (int trns = 0; trns <= 1; trns++) {
            png_spec s = {37, 11, PNG_COLOR_TYPE_GRAY, depths[i], 0, trns, 0, 0};
            check_png(&s);
        }
}

static void test_png_palette(void **state)
{
    (void)state;
    static const int depths[] = {1, 2, 4, 8};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        int n = depths[i] == 8 ? 200 : 1 << depths[i];
        png_spec plain = {29, 13, PNG_COLOR_TYPE_PALETTE, depths[i], 0, 0, 0, n};
        check_png(&plain);
        /* tRNS shorter than the palette: the rest is opaque. */
        png_spec alpha = {29, 13, PNG_COLOR_TYPE_PALETTE, depths[i], 0, 1, (n + 1) / 2, n};
        check_png(&alpha);
    }
}

static void test_png_grey_alpha(void **state)
{
    (void)state;
    png_spec s8 = {23, 9, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0, 0, 0};
    check_png(&s8);
    png_spec s16 = {23, 9, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0, 0, 0};
    check_png(&s16);
}

static void test_png_rgb_rgba(void **state)
{
    (void)state;
    static const int depths[] = {8, 16};
    for (size_t i = 0; i < 2; i++) {
        png_spec rgb = {31, 17, PNG_COLOR_TYPE_RGB, depths[i], 0, 0, 0, 0};
        check_png(&rgb);
        png_spec rgb_trns = {31, 17, PNG_COLOR_TYPE_RGB, depths[i], 0, 1, 0, 0};
        check_png(&rgb_trns);
        png_spec rgba = {31, 17, PNG_COLOR_TYPE_RGBA, depths[i], 0, 0, 0, 0};
        check_png(&rgba);
    }
}

static void test_png_interlaced(void **state)
{
    (void)state;
    /* Sizes below 8 leave some Adam7 passes empty. */
    static const uint32_t sizes[][2] = {{1, 1}, {3, 5}, {33, 19}};
    for (size_t i = 0; i < 3; i++) {
        png_spec rgb = {sizes[i][0], sizes[i][1], PNG_COLOR_TYPE_RGB, 8, 1, 0, 0, 0};
        check_png(&rgb);
        png_spec grey = {sizes[i][0], sizes[i][1], PNG_COLOR_TYPE_GRAY, 2, 1, 1, 0, 0};
        check_png(&grey);
        png_spec pal = {sizes[i][0], sizes[i][1], PNG_COLOR_TYPE_PALETTE, 4, 1, 1, 5, 16};
        check_png(&pal);
        png_spec rgba = {sizes[i][0], sizes[i][1], PNG_COLOR_TYPE_RGBA, 16, 1, 0, 0, 0};
        check_png(&rgba);
    }
}

static void test_png_wide_rows_batched(void **state)
{
    (void)state;
    /* Tall enough for many batches, with a short last one. */
    png_spec s = {1000, 203, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    check_png(&s);
}

/* ------------------------------------------------------------------------------------ */
/* JPEG flavours                                                                         */

static void test_jpeg_baseline_420(void **state)
{
    (void)state;
    jpeg_spec s = {67, 45, JCS_RGB, JCS_UNKNOWN, 95, 0, 2, 2, 0};
    check_jpeg(&s, 24, 2.0);
}

static void test_jpeg_baseline_444(void **state)
{
    (void)state;
    jpeg_spec s = {64, 48, JCS_RGB, JCS_UNKNOWN, 95, 0, 1, 1, 0};
    check_jpeg(&s, 12, 1.5);
}

static void test_jpeg_422_odd_size(void **state)
{
    (void)state;
    jpeg_spec s = {1, 1, JCS_RGB, JCS_UNKNOWN, 95, 0, 2, 1, 0};
    check_jpeg(&s, 12, 12.0);
    jpeg_spec t = {101, 7, JCS_RGB, JCS_UNKNOWN, 95, 0, 2, 1, 0};
    check_jpeg(&t, 24, 2.0);
}

static void test_jpeg_progressive(void **state)
{
    (void)state;
    jpeg_spec s = {80, 61, JCS_RGB, JCS_UNKNOWN, 95, 1, 2, 2, 0};
    check_jpeg(&s, 24, 2.0);
    jpeg_spec t = {80, 61, JCS_RGB, JCS_UNKNOWN, 95, 1, 1, 1, 0};
    check_jpeg(&t, 12, 1.5);
}

static void test_jpeg_rgb_colourspace(void **state)
{
    (void)state;
    jpeg_spec s = {40, 40, JCS_RGB, JCS_RGB, 95, 0, 1, 1, 0};
    check_jpeg(&s, 12, 1.5);
}

static void test_jpeg_greyscale(void **state)
{
    (void)state;
    jpeg_spec s = {50, 30, JCS_GRAYSCALE, JCS_UNKNOWN, 95, 0, 0, 0, 0};
    check_jpeg(&s, 8, 1.0);
    jpeg_spec p = {50, 30, JCS_GRAYSCALE, JCS_UNKNOWN, 95, 1, 0, 0, 0};
    check_jpeg(&p, 8, 1.0);
}

static void test_jpeg_cmyk(void **state)
{
    (void)state;
    /* libjpeg writes CMYK with the Adobe marker: read as inverted, R = C * K / 255. */
    jpeg_spec adobe = {48, 32, JCS_CMYK, JCS_UNKNOWN, 95, 0, 1, 1, 0};
    check_jpeg(&adobe, 12, 1.5);
    jpeg_spec plain = {48, 32, JCS_CMYK, JCS_UNKNOWN, 95, 0, 1, 1, 1};
    check_jpeg(&plain, 12, 1.5);
    jpeg_spec ycck = {48, 32, JCS_CMYK, JCS_YCCK, 95, 0, 2, 2, 0};
    check_jpeg(&ycck, 24, 2.0);
    jpeg_spec prog = {48, 32, JCS_CMYK, JCS_YCCK, 95, 1, 1, 1, 0};
    check_jpeg(&prog, 12, 1.5);
}

/* ImageMagick's CMYK JPEG (Adobe-inverted, as Photoshop writes them) of one colour:
 * convert -size 16x16 'xc:rgb(200,30,60)' -colorspace CMYK -quality 95 cmyk_adobe.jpg */
static void test_jpeg_cmyk_imagemagick(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/decode/cmyk_adobe.jpg", &size);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, &err), IMGCOLOR_OK);
    assert_int_equal(img->width, 16);
    assert_int_equal(img->height, 16);
    static const int want[3] = {200, 30, 60};
    for (size_t i = 0; i < 16 * 16; i++)
        for (int c = 0; c < 3; c++)
            assert_true(abs(img->rgba[i * 4 + (size_t)c] - want[c]) <= 4);
    imgcolor_image_free(img);
    free(data);
}

/* ------------------------------------------------------------------------------------ */
/* Damaged input                                                                         */

static test_buffer sample_file(int which)
{
    switch (which) {
    case 0: {
        png_spec s = {19, 7, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
        return make_png(&s);
    }
    case 1: {
        png_spec s = {9, 9, PNG_COLOR_TYPE_PALETTE, 4, 1, 1, 3, 16};
        return make_png(&s);
    }
    case 2: {
        png_spec s = {12, 5, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0, 0, 0};
        return make_png(&s);
    }
    case 3: {
        jpeg_spec s = {24, 17, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
        return make_jpeg(&s);
    }
    case 4: {
        jpeg_spec s = {24, 17, JCS_RGB, JCS_UNKNOWN, 90, 1, 2, 2, 0};
        return make_jpeg(&s);
    }
    default: {
        jpeg_spec s = {16, 9, JCS_CMYK, JCS_YCCK, 90, 0, 1, 1, 0};
        return make_jpeg(&s);
    }
    }
}
#define SAMPLE_FILES 6

static void test_truncated_is_error(void **state)
{
    (void)state;
    for (int f = 0; f < SAMPLE_FILES; f++) {
        test_buffer b = sample_file(f);
        imgcolor_image *img = NULL;
        imgcolor_error err;
        assert_int_equal(decode_copy(b.data, b.len, NULL, &img, &err), IMGCOLOR_OK);
        imgcolor_image_free(img);
        for (size_t cut = 0; cut < b.len; cut++) {
            img = NULL;
            imgcolor_status st = decode_copy(b.data, cut, NULL, &img, &err);
            if (st == IMGCOLOR_OK)
                fail_msg("file %d cut to %zu of %zu bytes decoded", f, cut, b.len);
            assert_null(img);
            assert_int_equal(err.status, st);
            assert_true(err.message[0] != '\0');
            assert_true(st == IMGCOLOR_E_DECODE || (cut == 0 && st == IMGCOLOR_E_FORMAT));
        }
        free(b.data);
    }
}

static void test_bit_flips_never_crash(void **state)
{
    (void)state;
    for (int f = 0; f < SAMPLE_FILES; f++) {
        test_buffer b = sample_file(f);
        int errors = 0;
        for (size_t i = 0; i < b.len; i++)
            for (int m = 0; m < 2; m++) {
                uint8_t saved = b.data[i];
                b.data[i] ^= m ? 0xff : (uint8_t)(1u << (i % 8));
                imgcolor_image *img = NULL;
                imgcolor_error err;
                imgcolor_status st = decode_copy(b.data, b.len, NULL, &img, &err);
                if (st == IMGCOLOR_OK) {
                    assert_non_null(img);
                    assert_true(img->width > 0 && img->height > 0);
                } else {
                    assert_null(img);
                    assert_int_equal(err.status, st);
                    errors++;
                }
                imgcolor_image_free(img);
                b.data[i] = saved;
            }
        assert_true(errors > 0);
        free(b.data);
    }
}

static void test_png_bad_crc(void **state)
{
    (void)state;
    png_spec s = {8, 8, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    test_buffer b = make_png(&s);
    imgcolor_error err;
    imgcolor_image *img = NULL;
    /* IHDR's CRC is bytes 29..32. */
    b.data[30] ^= 1;
    assert_int_equal(decode_copy(b.data, b.len, NULL, &img, &err), IMGCOLOR_E_DECODE);
    assert_non_null(strstr(err.message, "CRC"));
    b.data[30] ^= 1;
    /* The last byte of the IDAT CRC, just before the 12-byte IEND chunk. */
    b.data[b.len - 13] ^= 1;
    assert_int_equal(decode_copy(b.data, b.len, NULL, &img, &err), IMGCOLOR_E_DECODE);
    assert_non_null(strstr(err.message, "CRC"));
    free(b.data);
}

/* Replays every input that ever broke a decoder. */
static void test_crashers(void **state)
{
    (void)state;
    DIR *dir = opendir(IMGCOLOR_TEST_CRASHERS "/decode");
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/decode/%s", IMGCOLOR_TEST_CRASHERS, e->d_name);
        size_t size;
        uint8_t *data = test_read_file(path, &size);
        imgcolor_image *img = NULL;
        imgcolor_error err;
        if (imgcolor_decode(data, size, NULL, &img, &err) == IMGCOLOR_OK)
            imgcolor_image_free(img);
        free(data);
    }
    closedir(dir);
}

/* ------------------------------------------------------------------------------------ */
/* Limits                                                                                */

/* A valid PNG (correct CRCs) of about 100 bytes whose IHDR claims w x h. */
static test_buffer png_claiming(uint32_t w, uint32_t h)
{
    test_buffer b = {0};
    test_buf_append(&b, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                        (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                        8, 2, 0, 0, 0};
    test_png_chunk(&b, "IHDR", ihdr, 13);
    uint8_t raw[64] = {0}, z[128];
    uLongf zlen = sizeof z;
    assert_int_equal(compress(z, &zlen, raw, sizeof raw), Z_OK);
    test_png_chunk(&b, "IDAT", z, (uint32_t)zlen);
    test_png_chunk(&b, "IEND", NULL, 0);
    return b;
}

static void test_png_claims_huge(void **state)
{
    (void)state;
    test_buffer b = png_claiming(100000, 100000);
    assert_true(b.len < 120);
    checker c = {0};
    imgcolor__sink sink = {.begin = checker_begin, .rows = checker_rows, .user = &c};
    imgcolor_error err;
    assert_int_equal(imgcolor__decode_stream(b.data, b.len, DEFAULTS, &sink, &err),
                     IMGCOLOR_E_TOO_LARGE);
    assert_int_equal(c.begun, 0);
    assert_string_equal(err.message,
                        "image is 100000x100000 (10000000000 pixels), over the limit of 64000000");
    /* One side over libpng's own default limit of a million, the product allowed. */
    test_buffer wide = png_claiming(2000000, 1);
    assert_int_equal(imgcolor__decode_stream(wide.data, wide.len, DEFAULTS, &sink, &err),
                     IMGCOLOR_E_DECODE); /* gets past the header, then runs out of data */
    free(wide.data);
    free(b.data);
}

static void test_jpeg_claims_huge(void **state)
{
    (void)state;
    jpeg_spec s = {8, 8, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
    test_buffer b = make_jpeg(&s);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < b.len; i++)
        if (b.data[i] == 0xff && b.data[i + 1] == 0xc0) {
            sof = i;
            break;
        }
    assert_true(sof > 0);
    b.data[sof + 5] = 65000 >> 8; /* height */
    b.data[sof + 6] = 65000 & 255;
    b.data[sof + 7] = 65000 >> 8; /* width */
    b.data[sof + 8] = 65000 & 255;
    checker c = {0};
    imgcolor__sink sink = {.begin = checker_begin, .rows = checker_rows, .user = &c};
    imgcolor_error err;
    assert_int_equal(imgcolor__decode_stream(b.data, b.len, DEFAULTS, &sink, &err),
                     IMGCOLOR_E_TOO_LARGE);
    assert_int_equal(c.begun, 0);
    assert_non_null(strstr(err.message, "65000x65000"));

    /* With the limit lifted, the missing data is found before much work is done. */
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1ull << 40), IMGCOLOR_OK);
    checker c2 = {0};
    sink.user = &c2;
    assert_int_equal(imgcolor__decode_stream(b.data, b.len, opt, &sink, &err), IMGCOLOR_E_DECODE);
    assert_int_equal(c2.begun, 1);
    imgcolor_options_free(opt);
    free(b.data);
}

static void test_small_max_pixels(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    png_spec ps = {16, 16, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    test_buffer png = make_png(&ps);
    jpeg_spec js = {16, 16, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
    test_buffer jpg = make_jpeg(&js);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    static const uint64_t limits[] = {255, 100, 10, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(imgcolor_options_set_max_pixels(opt, limits[i]), IMGCOLOR_OK);
        assert_int_equal(imgcolor_decode(png.data, png.len, opt, &img, &err),
                         IMGCOLOR_E_TOO_LARGE);
        assert_null(img);
        assert_int_equal(imgcolor_decode(jpg.data, jpg.len, opt, &img, &err),
                         IMGCOLOR_E_TOO_LARGE);
        assert_non_null(strstr(err.message, "16x16 (256 pixels)"));
    }
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 256), IMGCOLOR_OK);
    assert_int_equal(imgcolor_decode(png.data, png.len, opt, &img, &err), IMGCOLOR_OK);
    imgcolor_image_free(img);
    assert_int_equal(imgcolor_decode(jpg.data, jpg.len, opt, &img, &err), IMGCOLOR_OK);
    imgcolor_image_free(img);
    imgcolor_options_free(opt);
    free(png.data);
    free(jpg.data);
}

static void test_check_dimensions(void **state)
{
    (void)state;
    imgcolor_error err;
    assert_int_equal(imgcolor__check_dimensions(0, 5, DEFAULTS, &err), IMGCOLOR_E_DECODE);
    assert_int_equal(imgcolor__check_dimensions(5, 0, DEFAULTS, &err), IMGCOLOR_E_DECODE);
    assert_int_equal(imgcolor__check_dimensions(8000, 8000, DEFAULTS, &err), IMGCOLOR_OK);
    assert_int_equal(imgcolor__check_dimensions(8000, 8001, DEFAULTS, &err), IMGCOLOR_E_TOO_LARGE);
    assert_int_equal(imgcolor__check_dimensions(UINT32_MAX, UINT32_MAX, DEFAULTS, &err),
                     IMGCOLOR_E_TOO_LARGE);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, UINT64_MAX), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, (uint64_t)1 << 40), IMGCOLOR_OK);
    assert_int_equal(imgcolor__check_dimensions(1u << 20, 1u << 20, opt, &err), IMGCOLOR_OK);
    assert_int_equal(imgcolor__check_dimensions(UINT32_MAX, UINT32_MAX, opt, &err),
                     IMGCOLOR_E_TOO_LARGE);
    imgcolor_options_free(opt);
    assert_int_equal(imgcolor__check_dimensions(100000, 100000, DEFAULTS, NULL),
                     IMGCOLOR_E_TOO_LARGE);
}

static void test_max_bytes(void **state)
{
    (void)state;
    png_spec s = {8, 8, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    test_buffer b = make_png(&s);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_max_bytes(opt, b.len - 1), IMGCOLOR_OK);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_decode(b.data, b.len, opt, &img, &err), IMGCOLOR_E_TOO_LARGE);
    assert_null(img);
    assert_int_equal(imgcolor_options_set_max_bytes(opt, b.len), IMGCOLOR_OK);
    assert_int_equal(imgcolor_decode(b.data, b.len, opt, &img, &err), IMGCOLOR_OK);
    imgcolor_image_free(img);
    imgcolor_options_free(opt);
    free(b.data);
}

/* ------------------------------------------------------------------------------------ */
/* Sniffing                                                                              */

static void expect_format_error(const void *data, size_t size, const char *needle)
{
    imgcolor_image *img = NULL;
    imgcolor_error err;
    assert_int_equal(decode_copy(data, size, NULL, &img, &err), IMGCOLOR_E_FORMAT);
    assert_null(img);
    assert_int_equal(err.status, IMGCOLOR_E_FORMAT);
    assert_non_null(strstr(err.message, "not an image format this build reads"));
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_not_images(void **state)
{
    (void)state;
    expect_format_error("", 0, "empty");
    expect_format_error("hello, world\n", 13, "68 65 6c 6c");
    expect_format_error("\0\0\0\x18" "ftypisom\0\0\0\0isommp41", 24, "MP4");
    expect_format_error("BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", 14, "BMP");
    expect_format_error("RIFF\0\0\0\0AVI LIST", 16, "RIFF (not WebP)");
    expect_format_error("\x89PNX\r\n\x1a\n\0\0\0\0", 12, "89 50 4e 58");
    expect_format_error("\xff\xd8\x00", 3, "ff d8 00");
    expect_format_error("x", 1, "78");

    /* A bare PNG signature or JPEG SOI is a truncated image, not another format. */
    imgcolor_image *img = NULL;
    imgcolor_error err;
    assert_int_equal(decode_copy((const uint8_t *)"\x89PNG\r\n\x1a\n", 8, NULL, &img, &err),
                     IMGCOLOR_E_DECODE);
    assert_int_equal(decode_copy((const uint8_t *)"\xff\xd8", 2, NULL, &img, &err),
                     IMGCOLOR_E_DECODE);
    assert_int_equal(decode_copy((const uint8_t *)"\xff\xd8\xff\xd9", 4, NULL, &img, &err),
                     IMGCOLOR_E_DECODE);
}

/* imgcolor_formats() names exactly what was built in, and --version prints it. */
static void test_formats_list(void **state)
{
    (void)state;
    const char *f = imgcolor_formats();
    assert_non_null(strstr(f, "PNG JPEG"));
    assert_int_equal(strstr(f, "WebP") != NULL, IMGCOLOR_WITH_WEBP);
    assert_int_equal(strstr(f, "GIF") != NULL, IMGCOLOR_WITH_GIF);
    assert_int_equal(strstr(f, "TIFF") != NULL, IMGCOLOR_WITH_TIFF);
    assert_int_equal(strstr(f, "HEIC AVIF") != NULL, IMGCOLOR_WITH_HEIF);
    char want[128];
    snprintf(want, sizeof want, "imgcolor %s\nformats: %s\n", imgcolor_version(), f);
    test_run r = test_run_cmd("'" IMGCOLOR_CLI_PATH "' --version", NULL, 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, want);
    test_run_free(&r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    imgcolor_image *img = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_decode(NULL, 10, NULL, &img, &err), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_decode("x", 1, NULL, NULL, &err), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_decode("x", 1, NULL, &img, NULL), IMGCOLOR_E_FORMAT);
    imgcolor_image_free(NULL);
}

/* A sink whose checker refuses: decoding stops with its status, worded, before any row. */
static void assert_refused(const test_buffer *file, imgcolor__sink sink)
{
    imgcolor_error err;
    assert_int_equal(imgcolor__decode_stream(file->data, file->len, DEFAULTS, &sink, &err),
                     IMGCOLOR_E_NOMEM);
    assert_int_equal(err.status, IMGCOLOR_E_NOMEM);
    assert_true(err.message[0] != '\0');
    assert_int_equal(((const checker *)sink.user)->next_y, 0);
}

static void test_sink_refusal_passed_on(void **state)
{
    (void)state;
    test_buffer files[2];
    png_spec ps = {8, 8, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    jpeg_spec js = {8, 8, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
    files[0] = make_png(&ps);
    files[1] = make_jpeg(&js);
    for (int i = 0; i < 2; i++) {
        checker c = {0};
        c.refuse_begin = 1;
        assert_refused(&files[i],
                       (imgcolor__sink){.begin = checker_begin, .rows = checker_rows, .user = &c});
        free(files[i].data);
    }
}

/* A sink may have the rows decoded into room of its own (as imgcolor_decode() and the
 * histogram's pipe do), decline and take them from the decoder's buffer, or fail. */
static void test_sink_buffer(void **state)
{
    (void)state;
    png_spec plain = {64, 300, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0};
    png_spec interlaced = {64, 300, PNG_COLOR_TYPE_RGB_ALPHA, 8, 1, 0, 0, 0};
    jpeg_spec js = {64, 300, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
    jpeg_spec cmyk = {64, 300, JCS_CMYK, JCS_UNKNOWN, 90, 0, 1, 1, 0};
    test_buffer files[4] = {make_png(&plain), make_png(&interlaced), make_jpeg(&js),
                            make_jpeg(&cmyk)};
    for (int i = 0; i < 4; i++) {
        imgcolor_error err;
        checker plain_sink = {0};
        imgcolor__sink sink = {.begin = checker_begin, .rows = checker_rows, .user = &plain_sink};
        assert_int_equal(
            imgcolor__decode_stream(files[i].data, files[i].len, DEFAULTS, &sink, &err),
            IMGCOLOR_OK);
        for (int offer = 0; offer < 2; offer++) {
            checker c = {0};
            c.offer = offer;
            sink = (imgcolor__sink){.begin = checker_begin, .rows = checker_rows, .user = &c,
                                    .buffer = checker_buffer};
            assert_int_equal(
                imgcolor__decode_stream(files[i].data, files[i].len, DEFAULTS, &sink, &err),
                IMGCOLOR_OK);
            assert_int_equal(c.next_y, 300);
            assert_true(c.offered >= (i == 1 ? 1u : 2u)); /* interlaced: one batch */
            assert_true(c.sum == plain_sink.sum);
            free(c.room);
        }
        checker c = {0};
        c.refuse_buffer = 1;
        assert_refused(&files[i], (imgcolor__sink){.begin = checker_begin, .rows = checker_rows,
                                                   .user = &c, .buffer = checker_buffer});
        free(files[i].data);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Threads                                                                               */

typedef struct thread_job {
    const test_buffer *file;
    uint64_t sum;
    imgcolor_status status;
} thread_job;

static void *decode_job(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 20; i++) {
        imgcolor_image *img = NULL;
        job->status = imgcolor_decode(job->file->data, job->file->len, NULL, &img, NULL);
        if (job->status != IMGCOLOR_OK)
            return NULL;
        uint64_t sum = 0;
        for (size_t k = 0; k < (size_t)img->width * img->height * 4; k++)
            sum += img->rgba[k];
        job->sum = sum;
        imgcolor_image_free(img);
    }
    return NULL;
}

static void test_concurrent_decoding(void **state)
{
    (void)state;
    png_spec ps = {64, 64, PNG_COLOR_TYPE_PALETTE, 8, 0, 1, 40, 200};
    jpeg_spec js = {64, 64, JCS_RGB, JCS_UNKNOWN, 90, 1, 2, 2, 0};
    test_buffer files[2] = {make_png(&ps), make_jpeg(&js)};
    pthread_t threads[8];
    thread_job jobs[8];
    for (int i = 0; i < 8; i++) {
        jobs[i] = (thread_job){&files[i % 2], 0, IMGCOLOR_E_INTERNAL};
        assert_int_equal(pthread_create(&threads[i], NULL, decode_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].status, IMGCOLOR_OK);
        assert_true(jobs[i].sum == jobs[i % 2].sum);
    }
    free(files[0].data);
    free(files[1].data);
}

/* ------------------------------------------------------------------------------------ */
/* Streaming: peak memory well under the size of the decoded image                      */

static int under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "valgrind");
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct sum_sink {
    uint64_t sum;
} sum_sink;

static imgcolor_status sum_begin(void *user, uint32_t w, uint32_t h)
{
    (void)user;
    (void)w;
    (void)h;
    return IMGCOLOR_OK;
}

static imgcolor_status sum_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    sum_sink *s = user;
    (void)y;
    s->sum += rgba[0] + (uint64_t)count;
    return IMGCOLOR_OK;
}

/* Encodes a 4096x4096 (16-megapixel, 64 MB as RGBA) image row by row. */
static test_buffer big_png(void)
{
    test_buffer out = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng failed");
    png_set_write_fn(png, &out, png_write_to_buffer, png_flush_nothing);
    png_set_compression_level(png, 1);
    png_set_IHDR(png, info, 4096, 4096, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    uint8_t *row = malloc(4096 * 3);
    for (uint32_t y = 0; y < 4096; y++) {
        for (uint32_t x = 0; x < 4096; x++) {
            row[x * 3] = (uint8_t)x;
            row[x * 3 + 1] = (uint8_t)y;
            row[x * 3 + 2] = (uint8_t)(x ^ y);
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return out;
}

static void test_streaming_peak_memory(void **state)
{
    (void)state;
    if (under_valgrind())
        skip();
    jpeg_spec js = {4096, 4096, JCS_RGB, JCS_UNKNOWN, 90, 0, 2, 2, 0};
    test_buffer files[2] = {make_jpeg(&js), big_png()};
    for (int i = 0; i < 2; i++) {
        /* A fresh process, so that the high-water mark is this decode's alone. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            long before = max_rss_kb();
            sum_sink s = {0};
            imgcolor__sink sink = {.begin = sum_begin, .rows = sum_rows, .user = &s};
            imgcolor_status st =
                imgcolor__decode_stream(files[i].data, files[i].len, DEFAULTS, &sink, NULL);
            long grown = max_rss_kb() - before;
            if (st != IMGCOLOR_OK)
                _exit(2);
            if (getenv("IMGCOLOR_TEST_VERBOSE"))
                fprintf(stderr, "file %d: peak RSS grew by %ld kB\n", i, grown);
            if (grown > 16 * 1024) {
                fprintf(stderr, "file %d: peak RSS grew by %ld kB\n", i, grown);
                _exit(3);
            }
            _exit(0);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    free(files[0].data);
    free(files[1].data);
}

/* ------------------------------------------------------------------------------------ */
/* Files                                                                                 */

static void test_read_file_errors(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char path[4096];
    uint8_t *data = (uint8_t *)"untouched";
    size_t size = 7;
    imgcolor_error err;

    snprintf(path, sizeof path, "%s/missing.png", dir);
    assert_int_equal(imgcolor__read_file(path, 1000, &data, &size, &err), IMGCOLOR_E_IO);
    assert_null(data);
    assert_int_equal(err.status, IMGCOLOR_E_IO);
    assert_non_null(strstr(err.message, strerror(ENOENT)));

    assert_int_equal(imgcolor__read_file(dir, 1000, &data, &size, &err), IMGCOLOR_E_IO);
    assert_non_null(strstr(err.message, strerror(EISDIR)));

    snprintf(path, sizeof path, "%s/ten.bin", dir);
    test_write_file(path, "0123456789", 10);
    assert_int_equal(imgcolor__read_file(path, 9, &data, &size, &err), IMGCOLOR_E_TOO_LARGE);
    assert_null(data);
    assert_int_equal(imgcolor__read_file(path, 10, &data, &size, &err), IMGCOLOR_OK);
    assert_int_equal(size, 10);
    assert_memory_equal(data, "0123456789", 10);
    free(data);

    snprintf(path, sizeof path, "%s/empty.bin", dir);
    test_write_file(path, "", 0);
    assert_int_equal(imgcolor__read_file(path, 10, &data, &size, &err), IMGCOLOR_OK);
    assert_int_equal(size, 0);
    free(data);

    /* A device with no size and no end. */
    assert_int_equal(imgcolor__read_file("/dev/zero", 100000, &data, &size, &err),
                     IMGCOLOR_E_TOO_LARGE);
    assert_null(data);
    test_rmdir_r(dir);
    free(dir);
}

/* A pipe delivers the file in pieces of unknown total size. */
static void test_read_file_pipe(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    const size_t total = 300000;
    for (int round = 0; round < 2; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            free(dir);
            FILE *f = fopen(path, "wb");
            if (!f)
                _exit(1);
            for (size_t i = 0; i < total; i++)
                if (fputc((int)(i % 251), f) == EOF)
                    break; /* the reader gave up: fine */
            fclose(f);
            _exit(0);
        }
        uint8_t *data = NULL;
        size_t size = 0;
        imgcolor_error err;
        if (round == 0) {
            assert_int_equal(imgcolor__read_file(path, total, &data, &size, &err), IMGCOLOR_OK);
            assert_int_equal(size, total);
            for (size_t i = 0; i < total; i++)
                assert_int_equal(data[i], i % 251);
            free(data);
        } else {
            assert_int_equal(imgcolor__read_file(path, total - 1, &data, &size, &err),
                             IMGCOLOR_E_TOO_LARGE);
            assert_null(data);
        }
        waitpid(pid, NULL, 0);
    }
    test_rmdir_r(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_grey_depths),
        cmocka_unit_test(test_png_palette),
        cmocka_unit_test(test_png_grey_alpha),
        cmocka_unit_test(test_png_rgb_rgba),
        cmocka_unit_test(test_png_interlaced),
        cmocka_unit_test(test_png_wide_rows_batched),
        cmocka_unit_test(test_jpeg_baseline_420),
        cmocka_unit_test(test_jpeg_baseline_444),
        cmocka_unit_test(test_jpeg_422_odd_size),
        cmocka_unit_test(test_jpeg_progressive),
        cmocka_unit_test(test_jpeg_rgb_colourspace),
        cmocka_unit_test(test_jpeg_greyscale),
        cmocka_unit_test(test_jpeg_cmyk),
        cmocka_unit_test(test_jpeg_cmyk_imagemagick),
        cmocka_unit_test(test_truncated_is_error),
        cmocka_unit_test(test_bit_flips_never_crash),
        cmocka_unit_test(test_png_bad_crc),
        cmocka_unit_test(test_crashers),
        cmocka_unit_test(test_png_claims_huge),
        cmocka_unit_test(test_jpeg_claims_huge),
        cmocka_unit_test(test_small_max_pixels),
        cmocka_unit_test(test_check_dimensions),
        cmocka_unit_test(test_max_bytes),
        cmocka_unit_test(test_not_images),
        cmocka_unit_test(test_formats_list),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_sink_refusal_passed_on),
        cmocka_unit_test(test_sink_buffer),
        cmocka_unit_test(test_concurrent_decoding),
        cmocka_unit_test(test_streaming_peak_memory),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_read_file_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
