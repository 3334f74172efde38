/* decode_tiff.c: the first page of a TIFF to RGBA8 with libtiff (opened when a TIFF is
 * decoded: tiff_loader.h), a strip or a row of tiles at a time: 1-16 bit grey, 8/16-bit
 * RGB and CMYK, palettes, alpha of both kinds. */
#include "icc.h"

#if IMGCOLOR_WITH_TIFF
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiff_loader.h"

typedef struct tiff_src {
    const uint8_t *data;
    uint64_t size, pos;
    imgcolor_error *err;
    int failed; /* libtiff reported an error; err holds the first */
} tiff_src;

static tmsize_t read_fn(thandle_t h, void *buf, tmsize_t len)
{
    tiff_src *s = h;
    uint64_t n = len < 0 ? 0 : (uint64_t)len;
    if (s->pos >= s->size)
        return 0;
    if (n > s->size - s->pos)
        n = s->size - s->pos;
    memcpy(buf, s->data + s->pos, (size_t)n);
    s->pos += n;
    return (tmsize_t)n;
}

static tmsize_t write_fn(thandle_t h, void *buf, tmsize_t len)
{
    (void)h;
    (void)buf;
    (void)len;
    return -1;
}

static toff_t seek_fn(thandle_t h, toff_t off, int whence)
{
    tiff_src *s = h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->size : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->pos = base + off;
    return s->pos;
}

static int close_fn(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t size_fn(thandle_t h)
{
    return ((tiff_src *)h)->size;
}

/* libtiff prints to stderr through its global handlers unless a handler of the file's
 * own says it took the message (returns 1). The first error is the one reported. */
#ifdef __GNUC__
__attribute__((format(printf, 4, 0)))
#endif
static int error_fn(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    tiff_src *s = user;
    if (!s->failed) {
        char msg[200];
        vsnprintf(msg, sizeof msg, fmt, ap);
        imgcolor__fail(s->err, IMGCOLOR_E_DECODE, "TIFF: %s%s%s", module ? module : "",
                       module ? ": " : "", msg);
        s->failed = 1;
    }
    return 1;
}

/* Warnings are about tags we do not use or repairs libtiff made; swallowed. */
static int warning_fn(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

/* What the first page holds, and how a row of it becomes RGBA. */
typedef struct tiff_layout {
    uint32_t width, height;
    uint16_t bits, samples, photometric;
    int colors;        /* colour samples per pixel: 1, 3 or 4 */
    int alpha;         /* index of the alpha sample, or -1 */
    int premultiplied; /* associated alpha */
    uint8_t map[3][256];
} tiff_layout;

/* x / 255 rounded to nearest, exact for 0 <= x <= 255 * 255. */
static uint8_t div255(unsigned x)
{
    x += 128;
    return (uint8_t)((x + (x >> 8)) >> 8);
}

/* Sample s of pixel x of a row, scaled to 8 bits (16-bit rounded, not truncated). */
static unsigned sample(const tiff_layout *t, const uint8_t *row, uint32_t x, int s)
{
    size_t i = (size_t)x * t->samples + (size_t)s;
    if (t->bits == 8)
        return row[i];
    if (t->bits == 16) {
        uint16_t v;
        memcpy(&v, row + 2 * i, 2);
        return (v * 255u + 32767u) / 65535u;
    }
    size_t bit = i * t->bits;
    unsigned v = (row[bit / 8] >> (8 - t->bits - bit % 8)) & ((1u << t->bits) - 1);
    return t->photometric == PHOTOMETRIC_PALETTE ? v : v * 255u / ((1u << t->bits) - 1);
}

static void convert_row(const tiff_layout *t, const uint8_t *row, uint8_t *out, uint32_t x0,
                        uint32_t n)
{
    for (uint32_t x = x0; x < x0 + n; x++, out += 4) {
        unsigned v0 = sample(t, row, x - x0, 0);
        unsigned a = t->alpha >= 0 ? sample(t, row, x - x0, t->alpha) : 255;
        unsigned c[3] = {v0, v0, v0};
        switch (t->photometric) {
        case PHOTOMETRIC_MINISWHITE:
            c[0] = c[1] = c[2] = 255 - v0;
            break;
        case PHOTOMETRIC_PALETTE:
            for (int i = 0; i < 3; i++)
                c[i] = t->map[i][v0];
            break;
        case PHOTOMETRIC_RGB:
        case PHOTOMETRIC_YCBCR: /* JPEG-compressed, which libtiff hands over as RGB */
            c[1] = sample(t, row, x - x0, 1);
            c[2] = sample(t, row, x - x0, 2);
            break;
        case PHOTOMETRIC_SEPARATED: {
            unsigned k = 255 - sample(t, row, x - x0, 3);
            c[0] = div255((255 - v0) * k);
            c[1] = div255((255 - sample(t, row, x - x0, 1)) * k);
            c[2] = div255((255 - sample(t, row, x - x0, 2)) * k);
            break;
        }
        default:
            break;
        }
        for (int i = 0; i < 3; i++) {
            if (t->premultiplied)
                c[i] = a == 0 ? 0 : c[i] >= a ? 255 : (c[i] * 255 + a / 2) / a;
            out[i] = (uint8_t)c[i];
        }
        out[3] = (uint8_t)a;
    }
}

/* A CMYK row through the image's profile: the inks (TIFF's: 0 = none) go to Little CMS
 * as they are, then alpha, when the image has it, is put back. */
static void convert_cmyk_row(const tiff_layout *t, const imgcolor__icc *icc, const uint8_t *row,
                             uint8_t *out, uint32_t n)
{
    for (uint32_t x = 0; x < n; x++)
        for (int s = 0; s < 4; s++)
            out[4 * x + (uint32_t)s] = (uint8_t)sample(t, row, x, s);
    imgcolor__icc_cmyk_rows(icc, out, n);
    if (t->alpha < 0)
        return;
    for (uint32_t x = 0; x < n; x++, out += 4) {
        unsigned a = sample(t, row, x, t->alpha);
        for (int i = 0; i < 3 && t->premultiplied; i++) /* as convert_row() does */
            out[i] = (uint8_t)(a == 0 ? 0 : out[i] >= a ? 255 : (out[i] * 255u + a / 2) / a);
        out[3] = (uint8_t)a;
    }
}

/* The palette, 16 bits an entry; files whose entries all fit 8 bits wrote them so. */
static imgcolor_status read_palette(const imgcolor__tiff_api *api, TIFF *tif, tiff_layout *t,
                                    imgcolor_error *err)
{
    uint16_t *rgb[3];
    if (!api->TIFFGetField(tif, TIFFTAG_COLORMAP, &rgb[0], &rgb[1], &rgb[2]))
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "TIFF: palette image without a palette");
    size_t n = (size_t)1 << t->bits;
    int wide = 0;
    for (int i = 0; i < 3; i++)
        for (size_t j = 0; j < n; j++)
            wide |= rgb[i][j] > 255;
    for (int i = 0; i < 3; i++)
        for (size_t j = 0; j < n; j++)
            t->map[i][j] = (uint8_t)(wide ? (rgb[i][j] * 255u + 32767u) / 65535u : rgb[i][j]);
    return IMGCOLOR_OK;
}

/* Reads the first page's tags into t, refusing what this decoder does not convert. */
static imgcolor_status read_layout(const imgcolor__tiff_api *api, TIFF *tif, tiff_layout *t,
                                   imgcolor_error *err)
{
    uint16_t planar, format, compression, inkset, nextra, *extra;
    api->TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &t->width);
    api->TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &t->height);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &t->bits);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &t->samples);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
    if (!api->TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &t->photometric))
        t->photometric = t->samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    if (!api->TIFFIsCODECConfigured(compression))
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "TIFF: compression %u is not supported",
                              compression);
    switch (t->photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_PALETTE:
        t->colors = 1;
        break;
    case PHOTOMETRIC_YCBCR:
        if (compression != COMPRESSION_JPEG)
            return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                                  "TIFF: YCbCr is supported only JPEG-compressed");
        api->TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        t->colors = 3;
        break;
    case PHOTOMETRIC_RGB:
        t->colors = 3;
        break;
    case PHOTOMETRIC_SEPARATED:
        api->TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &inkset);
        if (inkset != INKSET_CMYK)
            return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "TIFF: only CMYK separations are "
                                                          "supported");
        t->colors = 4;
        break;
    default:
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "TIFF: photometric %u is not supported",
                              t->photometric);
    }
    int low = t->bits == 1 || t->bits == 2 || t->bits == 4;
    if (!(t->bits == 8 || t->bits == 16 || (low && t->colors == 1)) ||
        format != SAMPLEFORMAT_UINT || planar != PLANARCONFIG_CONTIG ||
        t->samples < t->colors || (t->photometric == PHOTOMETRIC_PALETTE && t->bits > 8))
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                              "TIFF: %u samples of %u bits (format %u, planar %u) are not "
                              "supported",
                              t->samples, t->bits, format, planar);
    t->alpha = -1;
    if (t->samples > t->colors && nextra > 0 &&
        (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA)) {
        t->alpha = t->colors;
        t->premultiplied = extra[0] == EXTRASAMPLE_ASSOCALPHA;
    }
    if (t->photometric == PHOTOMETRIC_PALETTE)
        return read_palette(api, tif, t, err);
    return IMGCOLOR_OK;
}

/* A strip or tile may be no larger than the rows of the image it covers need, plus a
 * tile's padding: a header cannot make libtiff inflate more than the image holds. */
static imgcolor_status check_block(const tiff_layout *t, uint64_t block, uint64_t rows,
                                   imgcolor_error *err)
{
    uint64_t row = ((uint64_t)t->width * t->samples * t->bits + 7) / 8;
    if (block > 4 * row * rows + (1u << 20))
        return imgcolor__fail(err, IMGCOLOR_E_DECODE,
                              "TIFF: %llu-byte blocks for rows of %llu bytes",
                              (unsigned long long)block, (unsigned long long)row);
    return IMGCOLOR_OK;
}

/* The rows a libtiff read covers, converted into the sink's room (or ours) and handed on. */
typedef struct tiff_out {
    const imgcolor__sink *sink;
    uint8_t *own; /* our rows, when the sink has none */
    uint32_t max_rows;
    imgcolor__icc *cmyk_icc; /* a CMYK image's profile, when colour management uses it */
} tiff_out;

static void out_row(const tiff_layout *t, const tiff_out *o, const uint8_t *row, uint8_t *out,
                    uint32_t x0, uint32_t n)
{
    if (o->cmyk_icc)
        convert_cmyk_row(t, o->cmyk_icc, row, out, n);
    else
        convert_row(t, row, out, x0, n);
}

static imgcolor_status read_strips(const imgcolor__tiff_api *api, TIFF *tif, tiff_src *src,
                                   const tiff_layout *t, tiff_out *o, imgcolor_error *err)
{
    uint32_t rps = t->height;
    api->TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > t->height)
        rps = t->height;
    tmsize_t line = api->TIFFScanlineSize(tif);
    uint64_t strip_bytes = (uint64_t)line * rps;
    imgcolor_status st = check_block(t, strip_bytes, rps, err);
    if (st != IMGCOLOR_OK)
        return st;
    uint8_t *strip = malloc((size_t)strip_bytes);
    if (!strip)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "TIFF: out of memory");
    o->max_rows = rps;
    for (uint32_t y = 0; y < t->height && st == IMGCOLOR_OK; y += rps) {
        uint32_t n = t->height - y < rps ? t->height - y : rps;
        /* libtiff can return a whole strip of which a damaged stream filled only part
         * (found by fuzzing): cleared first, what it leaves is zero, never old memory. */
        memset(strip, 0, (size_t)strip_bytes);
        tmsize_t got = api->TIFFReadEncodedStrip(tif, api->TIFFComputeStrip(tif, y, 0), strip,
                                                 (tmsize_t)strip_bytes);
        if (got < 0 || (uint64_t)got < (uint64_t)line * n || src->failed) {
            st = src->failed ? IMGCOLOR_E_DECODE
                             : imgcolor__fail(err, IMGCOLOR_E_DECODE,
                                              "TIFF: strip at row %u is truncated", y);
            break;
        }
        uint8_t *out;
        st = imgcolor__sink_buffer(o->sink, y, n, (size_t)t->width * 4, rps, &o->own, &out);
        if (st != IMGCOLOR_OK)
            break;
        for (uint32_t i = 0; i < n; i++)
            out_row(t, o, strip + (size_t)line * i, out + (size_t)t->width * 4 * i, 0,
                    t->width);
        st = o->sink->rows(o->sink->user, out, y, n);
    }
    free(strip);
    return st;
}

static imgcolor_status read_tiles(const imgcolor__tiff_api *api, TIFF *tif, tiff_src *src,
                                  const tiff_layout *t, tiff_out *o, imgcolor_error *err)
{
    uint32_t tw = 0, th = 0;
    api->TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    api->TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    if (tw == 0 || th == 0 || tw > t->width + 65536 || th > t->height + 65536)
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "TIFF: tiles of %ux%u", tw, th);
    tmsize_t line = api->TIFFTileRowSize(tif);
    uint64_t tile_bytes = (uint64_t)line * th;
    imgcolor_status st = check_block(t, tile_bytes / tw * t->width, th, err);
    if (st != IMGCOLOR_OK)
        return st;
    uint8_t *tile = malloc((size_t)tile_bytes);
    if (!tile)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "TIFF: out of memory");
    o->max_rows = th;
    size_t stride = (size_t)t->width * 4;
    for (uint32_t y = 0; y < t->height && st == IMGCOLOR_OK; y += th) {
        uint32_t n = t->height - y < th ? t->height - y : th;
        uint8_t *out;
        st = imgcolor__sink_buffer(o->sink, y, n, stride, th, &o->own, &out);
        for (uint32_t x = 0; x < t->width && st == IMGCOLOR_OK; x += tw) {
            uint32_t cols = t->width - x < tw ? t->width - x : tw;
            memset(tile, 0, (size_t)tile_bytes); /* as for strips */
            tmsize_t got =
                api->TIFFReadEncodedTile(tif, api->TIFFComputeTile(tif, x, y, 0, 0), tile,
                                         (tmsize_t)tile_bytes);
            if (got < 0 || (uint64_t)got < (uint64_t)line * n || src->failed) {
                st = src->failed ? IMGCOLOR_E_DECODE
                                 : imgcolor__fail(err, IMGCOLOR_E_DECODE,
                                                  "TIFF: tile at %u,%u is truncated", x, y);
                break;
            }
            for (uint32_t i = 0; i < n; i++)
                out_row(t, o, tile + (size_t)line * i, out + stride * i + (size_t)x * 4, x,
                        cols);
        }
        if (st == IMGCOLOR_OK)
            st = o->sink->rows(o->sink->user, out, y, n);
    }
    free(tile);
    return st;
}

imgcolor_status imgcolor__decode_tiff(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err)
{
    tiff_src src = {data, size, 0, err, 0};
    tiff_layout t;
    memset(&t, 0, sizeof t);
    tiff_out o = {sink, NULL, 0, NULL};
    TIFF *tif = NULL;
    TIFFOpenOptions *topt = NULL;
    imgcolor__tiff_api lib;
    imgcolor_status st = imgcolor__tiff_open(&lib, IMGCOLOR__TIFF_SONAME, err);
    if (st != IMGCOLOR_OK)
        return st;
    const imgcolor__tiff_api *api = &lib;
    if (!(topt = api->TIFFOpenOptionsAlloc())) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "TIFF: out of memory");
        goto done;
    }
    api->TIFFOpenOptionsSetErrorHandlerExtR(topt, error_fn, &src);
    api->TIFFOpenOptionsSetWarningHandlerExtR(topt, warning_fn, &src);
    /* No single allocation past what the largest accepted image needs at 16 bits. */
    uint64_t most = opt->max_pixels * 8 + (1u << 20);
    api->TIFFOpenOptionsSetMaxSingleMemAlloc(topt,
                                             most < (uint64_t)INT64_MAX ? (tmsize_t)most : 0);
    /* "m": no memory mapping. Only the first directory is read. */
    tif = api->TIFFClientOpenExt("TIFF", "rm", &src, read_fn, write_fn, seek_fn, close_fn,
                                 size_fn, NULL, NULL, topt);
    if (!tif) {
        st = src.failed ? IMGCOLOR_E_DECODE
                        : imgcolor__fail(err, IMGCOLOR_E_DECODE, "TIFF: cannot read header");
        goto done;
    }
    if ((st = read_layout(api, tif, &t, err)) != IMGCOLOR_OK)
        goto done;
    if ((st = imgcolor__check_dimensions(t.width, t.height, opt, err)) != IMGCOLOR_OK)
        goto done;
    uint32_t icc_size = 0;
    const uint8_t *icc = NULL;
    /* RGB and grey profiles are the sink's; a CMYK image converts through its own here,
     * every pixel, as a CMYK JPEG does. */
    if (api->TIFFGetField(tif, TIFFTAG_ICCPROFILE, &icc_size, &icc)) {
        if (t.photometric != PHOTOMETRIC_SEPARATED)
            st = imgcolor__sink_profile(sink, icc, icc_size);
        else if (opt->color_management)
            st = imgcolor__cmyk_profile(sink, icc, icc_size, 0, &o.cmyk_icc);
        if (st != IMGCOLOR_OK)
            goto done;
    }
    if ((st = sink->begin(sink->user, t.width, t.height)) != IMGCOLOR_OK)
        goto done;
    st = api->TIFFIsTiled(tif) ? read_tiles(api, tif, &src, &t, &o, err)
                               : read_strips(api, tif, &src, &t, &o, err);
done:
    if (tif)
        api->TIFFClose(tif);
    if (topt)
        api->TIFFOpenOptionsFree(topt);
    imgcolor__tiff_close(&lib);
    imgcolor__icc_free(o.cmyk_icc);
    free(o.own);
    return st;
}
#endif
