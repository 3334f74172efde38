/* decode.c: the front door of the image decoders: input limits, format sniffing from
 * magic bytes, the pixel-count check every decoder shares, and whole-image decoding. */
#include <stdlib.h>
#include <string.h>

#include "manage.h"

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const uint8_t jpeg_soi[3] = {0xff, 0xd8, 0xff};

/* True when data (size bytes) begins with, or is a beginning of, magic. */
static int has_prefix(const uint8_t *data, size_t size, const uint8_t *magic, size_t len)
{
    return memcmp(data, magic, size < len ? size : len) == 0;
}

/* Names a few formats people commonly hand us by mistake, so that the error says what
 * was seen rather than only what was expected. */
static const char *known_format(const uint8_t *d, size_t n)
{
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "GIF";
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "WebP";
    if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
        return "TIFF";
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
        return "HEIF/AVIF or MP4";
    if (n >= 2 && memcmp(d, "BM", 2) == 0)
        return "BMP";
    if (n >= 4 && memcmp(d, "\0\0\1\0", 4) == 0)
        return "ICO";
    if (n >= 4 && memcmp(d, "%PDF", 4) == 0)
        return "PDF";
    if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7')
        return "PNM";
    return NULL;
}

static imgcolor_status unknown_format(const uint8_t *d, size_t n, imgcolor_error *err)
{
    const char *name = known_format(d, n);
    if (name)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "not a PNG or JPEG image (looks like %s)",
                              name);
    char hex[4 * 3 + 1] = "";
    size_t shown = n < 4 ? n : 4;
    for (size_t i = 0; i < shown; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[3 * i] = digits[d[i] >> 4];
        hex[3 * i + 1] = digits[d[i] & 15];
        hex[3 * i + 2] = ' ';
    }
    hex[3 * shown - 1] = '\0';
    return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "not a PNG or JPEG image (starts with %s)",
                          hex);
}

imgcolor_status imgcolor__check_dimensions(uint32_t width, uint32_t height,
                                           const imgcolor_options *opt, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    if (width == 0 || height == 0)
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "image is %ux%u: no pixels", width, height);
    uint64_t pixels = (uint64_t)width * height;
    if (pixels > opt->max_pixels)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "image is %ux%u (%llu pixels), over the limit of %llu", width,
                              height, (unsigned long long)pixels,
                              (unsigned long long)opt->max_pixels);
    /* Only bites where size_t is 32 bits, but then an RGBA buffer must still fit. */
    if (width > SIZE_MAX / height / 4)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "image is %ux%u, too large for this platform's memory", width,
                              height);
    return IMGCOLOR_OK;
}

static imgcolor_status sniff_and_decode(const uint8_t *d, size_t size, const imgcolor_options *opt,
                                        const imgcolor__sink *sink, imgcolor_error *err)
{
    /* A short prefix of a known signature is a truncated file, not a foreign format. */
    if (has_prefix(d, size, png_signature, sizeof png_signature)) {
        if (size <= sizeof png_signature)
            return imgcolor__fail(err, IMGCOLOR_E_DECODE, "PNG: truncated after %zu bytes",
                                  size);
        return imgcolor__decode_png(d, size, opt, sink, err);
    }
    if (has_prefix(d, size, jpeg_soi, sizeof jpeg_soi)) {
        if (size <= sizeof jpeg_soi)
            return imgcolor__fail(err, IMGCOLOR_E_DECODE, "JPEG: truncated after %zu bytes",
                                  size);
        return imgcolor__decode_jpeg(d, size, opt, sink, err);
    }
    return unknown_format(d, size, err);
}

imgcolor_status imgcolor__sink_buffer(const imgcolor__sink *sink, uint32_t y, uint32_t count,
                                      size_t stride, uint32_t max_rows, uint8_t **own_rows,
                                      uint8_t **out)
{
    *out = NULL;
    if (sink->buffer) {
        imgcolor_status st = sink->buffer(sink->user, y, count, out);
        if (st != IMGCOLOR_OK || *out)
            return st;
    }
    if (!*own_rows && !(*own_rows = malloc(stride * max_rows)))
        return IMGCOLOR_E_NOMEM;
    *out = *own_rows;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__sink_profile(const imgcolor__sink *sink, const uint8_t *icc,
                                       size_t size)
{
    if (!sink->profile || !icc || size == 0)
        return IMGCOLOR_OK;
    return sink->profile(sink->user, icc, size);
}

void imgcolor__sink_warning(const imgcolor__sink *sink, const char *message)
{
    if (sink->warning && message)
        sink->warning(sink->user, message);
}

imgcolor_status imgcolor__decode_stream(const void *data, size_t size, const imgcolor_options *opt,
                                        const imgcolor__sink *sink, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    if ((!data && size > 0) || !sink || !sink->begin || !sink->rows)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "invalid argument to decode");
    if (size > opt->max_bytes)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "input is %llu bytes, over the limit of %llu",
                              (unsigned long long)size, (unsigned long long)opt->max_bytes);
    if (size == 0)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "not a PNG or JPEG image (empty input)");

    /* Decoders fill err for their own failures; a sink's refusal arrives as a bare
     * status, and is described here unless the sink wrote its own message. */
    if (err) {
        err->status = IMGCOLOR_OK;
        err->message[0] = '\0';
    }
    imgcolor_status st = sniff_and_decode(data, size, opt, sink, err);
    if (st != IMGCOLOR_OK && err && err->status != st)
        imgcolor__fail(err, st, "%s", imgcolor_strerror(st));
    return st;
}

/* The sink behind imgcolor_decode(): the whole image in one buffer, allocated only once
 * the decoder has checked the limits and called begin(). */
static imgcolor_status image_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor_image *img = user;
    img->rgba = imgcolor__alloc_large((size_t)width * height * 4);
    if (!img->rgba)
        return IMGCOLOR_E_NOMEM;
    img->width = width;
    img->height = height;
    return IMGCOLOR_OK;
}

/* Rows are decoded straight into the image... */
static imgcolor_status image_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor_image *img = user;
    if (!img->rgba || y > img->height || count > img->height - y)
        return IMGCOLOR_E_INTERNAL;
    *out = img->rgba + (size_t)img->width * 4 * y;
    return IMGCOLOR_OK;
}

/* ...so that only rows from elsewhere need a copy. */
static imgcolor_status image_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor_image *img = user;
    if (!img->rgba || y > img->height || count > img->height - y)
        return IMGCOLOR_E_INTERNAL;
    size_t stride = (size_t)img->width * 4;
    if (rgba != img->rgba + stride * y)
        memcpy(img->rgba + stride * y, rgba, stride * count);
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_decode(const void *data, size_t size, const imgcolor_options *opt,
                                imgcolor_image **out, imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "invalid argument to decode");
    *out = NULL;
    imgcolor_image *img = calloc(1, sizeof *img);
    if (!img)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    imgcolor__sink inner = {.begin = image_begin, .rows = image_rows, .user = img,
                            .buffer = image_buffer};
    imgcolor__managed m;
    imgcolor__sink sink = imgcolor__managed_sink(&m, inner, opt);
    imgcolor_status st = imgcolor__decode_stream(data, size, opt, &sink, err);
    if (st == IMGCOLOR_OK && !img->rgba)
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "decoder delivered no image");
    if (st == IMGCOLOR_OK)
        st = imgcolor__managed_convert_rgba(&m, img->rgba, (size_t)img->width * img->height);
    imgcolor__managed_free(&m);
    if (st != IMGCOLOR_OK) {
        imgcolor_image_free(img);
        return st;
    }
    *out = img;
    return IMGCOLOR_OK;
}

void imgcolor_image_free(imgcolor_image *img)
{
    if (!img)
        return;
    free(img->rgba);
    free(img);
}
