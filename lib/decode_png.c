/* decode_png.c: PNG to RGBA8 rows with libpng, streamed a few rows at a time; every
 * colour type and bit depth, stored values as they are, the colour chunks to the sink. */
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "icc.h"

/* Bounds on what libpng may allocate for ancillary chunks before the image data. */
#define PNG_CHUNK_CACHE_MAX 128
#define PNG_CHUNK_MALLOC_MAX (8u << 20)
/* Rows handed to the sink per call: enough to amortise the call, small enough to stay
 * in cache. */
#define PNG_BATCH_BYTES (128u << 10)
#define PNG_BATCH_ROWS_MAX 32u

typedef struct png_ctx {
    const uint8_t *data;
    size_t size;
    size_t pos;
    const imgcolor_options *opt; /* never NULL */
    imgcolor_error *err;
    imgcolor_status status; /* what a longjmp out of libpng means */
    int out_of_memory;
    uint32_t height;        /* 0 until the header is read */
    size_t chunk;           /* start of the chunk that holds input position pos */
    size_t trailing;        /* image data read after the last row was complete */
} png_ctx;

/* Encoders end the image data with a few bytes; more than this after the last row is
 * padding that would only cost inflate time. */
#define PNG_TRAILING_IDAT_MAX (4u << 10)

/*
 * Once the last row is complete, libpng inflates whatever image data remains, to its
 * end, before it looks for IEND: a small file of compressed zeros after a 1x1 image
 * would cost seconds per megabyte. The row counter tells that state (all rows read, or
 * past the last Adam7 pass), and then only a little more image data is accepted.
 * Only IDAT contents count: empty IDAT chunks, which encoders may write and which cost
 * no inflating, are as many as the file's bytes allow.
 */
static int rows_complete(png_structp png, const png_ctx *c)
{
    return c->height && (png_get_current_row_number(png) >= c->height ||
                         png_get_current_pass_number(png) >= 7);
}

static uint32_t be32(const uint8_t *p);

/* The bytes of IDAT contents in [from, to), from a walk over the chunk headers that
 * starts at c->chunk and only moves forward, as reads do. */
static size_t idat_bytes(png_ctx *c, size_t from, size_t to)
{
    size_t n = 0;
    while (c->chunk < to && c->size - c->chunk >= 12) {
        size_t len = be32(c->data + c->chunk);
        if (len > c->size - c->chunk - 12)
            len = c->size - c->chunk - 12;
        size_t start = c->chunk + 8, end = start + len;
        if (memcmp(c->data + c->chunk + 4, "IDAT", 4) == 0 && from < end && to > start)
            n += (to < end ? to : end) - (from > start ? from : start);
        if (end + 4 > to)
            break; /* the next read continues in this chunk */
        c->chunk = end + 4;
    }
    return n;
}

static void read_fn(png_structp png, png_bytep out, size_t len)
{
    png_ctx *c = png_get_io_ptr(png);
    if (len > c->size - c->pos)
        png_error(png, "file is truncated");
    if (rows_complete(png, c)) {
        c->trailing += idat_bytes(c, c->pos, c->pos + len);
        if (c->trailing > PNG_TRAILING_IDAT_MAX)
            png_error(png, "more image data than the image holds");
    }
    memcpy(out, c->data + c->pos, len);
    c->pos += len;
}

/* libpng prints to stderr unless its error function longjmps itself: copy the message
 * and leave. */
static void error_fn(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    c->status = c->out_of_memory ? IMGCOLOR_E_NOMEM : IMGCOLOR_E_DECODE;
    imgcolor__fail(c->err, c->status, "PNG: %s", msg);
    png_longjmp(png, 1);
}

/* Warnings are about ancillary data we do not use (bad CRCs of text chunks and the like). */
static void warning_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* A malloc that remembers failing, so that libpng's "Out of memory" becomes E_NOMEM. */
static png_voidp malloc_fn(png_structp png, png_alloc_size_t size)
{
    void *p = malloc(size);
    if (!p) {
        png_ctx *c = png_get_mem_ptr(png);
        c->out_of_memory = 1;
    }
    return p;
}

static void free_fn(png_structp png, png_voidp p)
{
    (void)png;
    free(p);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Rejects an oversized image from its IHDR before libpng is even set up, so that the
 * answer is E_TOO_LARGE with the dimensions in the message rather than libpng's
 * "Invalid IHDR data" from the per-side user limits. Only an IHDR with a correct CRC
 * counts; anything else is left for libpng to diagnose.
 */
static imgcolor_status precheck_ihdr(const uint8_t *d, size_t size, const imgcolor_options *opt,
                                     imgcolor_error *err)
{
    if (size < 33 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0)
        return IMGCOLOR_OK;
    if (crc32(crc32(0L, Z_NULL, 0), d + 12, 17) != be32(d + 29))
        return IMGCOLOR_OK;
    uint32_t w = be32(d + 16), h = be32(d + 20);
    if (w == 0 || h == 0 || w > PNG_UINT_31_MAX || h > PNG_UINT_31_MAX)
        return IMGCOLOR_OK;
    return imgcolor__check_dimensions(w, h, opt, err);
}

/* The chunks that say which colours the stored values mean, by precedence. */
static const png_byte colour_chunks[] = "iCCP\0sRGB\0gAMA\0cHRM";

/* Hands the sink the image's colour space: iCCP as it is; sRGB as no profile at all;
 * gAMA (and cHRM) as a profile built from them. libpng has checked their CRCs and
 * ranges, and dropped an iCCP whose profile header is inconsistent. */
static imgcolor_status send_profile(png_structp png, png_infop info, const imgcolor__sink *sink)
{
    png_charp name;
    int method;
    png_bytep icc;
    png_uint_32 len;
    if (png_get_iCCP(png, info, &name, &method, &icc, &len))
        return imgcolor__sink_profile(sink, icc, len);
    if (png_get_valid(png, info, PNG_INFO_sRGB))
        return IMGCOLOR_OK;
    double gamma, c[8];
    if (!png_get_gAMA(png, info, &gamma))
        return IMGCOLOR_OK; /* cHRM alone leaves the transfer curve unknown */
    int chrm = png_get_cHRM(png, info, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]);
    uint8_t *built = NULL;
    size_t size = 0;
    imgcolor_status st = imgcolor__icc_from_png(gamma, chrm ? c : NULL, &built, &size);
    if (st == IMGCOLOR_OK)
        st = imgcolor__sink_profile(sink, built, size);
    else
        imgcolor__sink_warning(sink, "PNG: gAMA/cHRM describe no display; pixels used as sRGB");
    free(built);
    return st == IMGCOLOR_E_DECODE ? IMGCOLOR_OK : st;
}

/* Deflate cannot compress better than 1032:1. */
#define DEFLATE_MAX_RATIO 1032u

imgcolor_status imgcolor__decode_png(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                     const imgcolor__sink *sink, imgcolor_error *err)
{
    png_ctx ctx = {data, size, 0, opt, err, IMGCOLOR_E_DECODE, 0, 0, 8, 0};
    imgcolor_status pre = precheck_ihdr(data, size, ctx.opt, err);
    if (pre != IMGCOLOR_OK)
        return pre;

    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &ctx, error_fn, warning_fn,
                                               &ctx, malloc_fn, free_fn);
    if (!png)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
    }

    /* Written after setjmp and read after a longjmp, hence volatile. */
    volatile imgcolor_status st = IMGCOLOR_OK;
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;

    if (setjmp(png_jmpbuf(png))) {
        st = ctx.status;
        goto done;
    }

    png_set_read_fn(png, &ctx, read_fn);
    /* No side of an acceptable image exceeds max_pixels; the product is checked below. */
    png_uint_32 side_max = ctx.opt->max_pixels < PNG_UINT_31_MAX ? (png_uint_32)ctx.opt->max_pixels
                                                                 : PNG_UINT_31_MAX;
    png_set_user_limits(png, side_max, side_max);
    png_set_chunk_cache_max(png, PNG_CHUNK_CACHE_MAX);
    png_set_chunk_malloc_max(png, PNG_CHUNK_MALLOC_MAX);
    /* Skip every ancillary chunk but tRNS: text, ICC profiles and the like cost time and
     * memory and do not change the stored pixel values we report. */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    /* With colour management, the chunks that say what the stored values mean. */
    if (ctx.opt->color_management)
        png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_AS_DEFAULT, colour_chunks, 4);

    png_read_info(png, info);
    png_uint_32 width, height;
    int depth, color_type, interlace;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, &interlace, NULL, NULL);
    st = imgcolor__check_dimensions(width, height, ctx.opt, err);
    if (st != IMGCOLOR_OK)
        goto done;
    /* The filtered rows need at least this much compressed data: a file with less is
     * truncated, and is refused before any row buffer exists. */
    uint64_t raw = (uint64_t)height * ((uint64_t)png_get_rowbytes(png, info) + 1);
    if (size - ctx.pos < raw / DEFLATE_MAX_RATIO) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE,
                            "PNG: file is truncated (%zu bytes left for %llu bytes of rows)",
                            size - ctx.pos, (unsigned long long)raw);
        goto done;
    }
    ctx.height = height;
    if (ctx.opt->color_management && (st = send_profile(png, info, sink)) != IMGCOLOR_OK)
        goto done;
    /* Before png_read_update_info(), which allocates libpng's row buffers. */
    st = sink->begin(sink->user, width, height);
    if (st != IMGCOLOR_OK)
        goto done;

    /* Everything to RGBA8: palette and low-bit grey expanded, tRNS to alpha, 16-bit
     * scaled (rounded, not truncated), grey replicated, opaque filler where no alpha. */
    png_set_expand(png);
    png_set_scale_16(png);
    png_set_gray_to_rgb(png);
    if (!(color_type & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_filler(png, 0xff, PNG_FILLER_AFTER);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t stride = (size_t)width * 4;
    if (png_get_rowbytes(png, info) != stride || png_get_bit_depth(png, info) != 8 ||
        png_get_channels(png, info) != 4) {
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "PNG: unexpected output layout");
        goto done;
    }

    /* Adam7 fills every row on each pass, so only an interlaced image needs the whole
     * frame at once; the pixel limit has bounded it above. */
    uint32_t batch = height;
    if (passes == 1) {
        size_t fit = PNG_BATCH_BYTES / stride;
        batch = fit < 1 ? 1 : fit > PNG_BATCH_ROWS_MAX ? PNG_BATCH_ROWS_MAX : (uint32_t)fit;
        if (batch > height)
            batch = height;
    }
    rows = malloc(sizeof *rows * batch);
    if (!rows) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
        goto done;
    }
    for (uint32_t y = 0; y < height; y += batch) {
        uint32_t n = height - y < batch ? height - y : batch;
        uint8_t *own = pixels, *out;
        st = imgcolor__sink_buffer(sink, y, n, stride, batch, &own, &out);
        pixels = own;
        if (st != IMGCOLOR_OK)
            goto done; /* imgcolor__decode_stream() words the error */
        for (uint32_t i = 0; i < n; i++)
            rows[i] = out + stride * i;
        if (passes > 1)
            png_read_image(png, rows); /* batch is the whole image */
        else
            png_read_rows(png, rows, NULL, n);
        st = sink->rows(sink->user, out, y, n);
        if (st != IMGCOLOR_OK)
            goto done;
    }
    /* Reading through IEND is what tells a complete file from a truncated one. */
    png_read_end(png, NULL);

done:
    png_destroy_read_struct(&png, &info, NULL);
    free(pixels);
    free(rows);
    return st;
}
