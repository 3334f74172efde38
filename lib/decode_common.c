/* decode_common.c: what every image decoder shares and nothing else: the size and work
 * limits checked from a header, and the ways rows and profiles reach a decoder's sink. */
#include <stdlib.h>

#include "icc.h"

imgcolor_status imgcolor__check_dimensions(uint32_t width, uint32_t height,
                                           const imgcolor_options *opt, imgcolor_error *err)
{
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

imgcolor_status imgcolor__check_frames(const char *format, uint32_t width, uint32_t height,
                                       uint64_t frames, size_t input_size,
                                       const imgcolor_options *opt, imgcolor_error *err)
{
    /* Counting may stop at the first frame past the limit. */
    if (frames > (uint64_t)opt->max_frames)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE, "%s: more than %d frames, the limit",
                              format, opt->max_frames);
    uint64_t each = (uint64_t)width * height, total = each * frames;
    if (total > opt->max_total_pixels)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "%s: %llu frames of %ux%u (%llu pixels), over the limit of %llu",
                              format, (unsigned long long)frames, width, height,
                              (unsigned long long)total,
                              (unsigned long long)opt->max_total_pixels);
    /* Each frame costs a whole canvas whatever its size in the file: past the first, the
     * frames must be paid for in bytes, at the rate PNG's deflate allows at best. */
    if (total - each > (uint64_t)input_size * IMGCOLOR__PIXELS_PER_BYTE_MAX)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "%s: %llu frames of %ux%u from %zu bytes is over %u pixels a byte",
                              format, (unsigned long long)frames, width, height, input_size,
                              IMGCOLOR__PIXELS_PER_BYTE_MAX);
    if (total > SIZE_MAX / 4 || (uint64_t)height * frames > UINT32_MAX)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "%s: %llu frames of %ux%u do not fit one image", format,
                              (unsigned long long)frames, width, height);
    return IMGCOLOR_OK;
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

imgcolor_status imgcolor__cmyk_profile(const imgcolor__sink *sink, const uint8_t *icc,
                                       size_t size, int inverted, imgcolor__icc **out)
{
    char why[160];
    *out = NULL;
    imgcolor_status st = imgcolor__icc_new(icc, size, 1, inverted, out, why, sizeof why);
    if (st == IMGCOLOR_E_DECODE) {
        imgcolor__sink_warning(sink, why);
        st = IMGCOLOR_OK;
    }
    return st;
}

/* Rows handed to the sink per call from a whole decoded frame: as the streaming
 * decoders batch them. */
#define FRAME_BATCH_BYTES (128u << 10)
#define FRAME_BATCH_ROWS_MAX 32u

imgcolor_status imgcolor__sink_frame(const imgcolor__sink *sink, const uint8_t *rgba,
                                     uint32_t width, uint32_t height, uint32_t y0)
{
    size_t stride = (size_t)width * 4;
    size_t fit = FRAME_BATCH_BYTES / stride;
    uint32_t batch = fit < 1 ? 1 : fit > FRAME_BATCH_ROWS_MAX ? FRAME_BATCH_ROWS_MAX
                                                               : (uint32_t)fit;
    for (uint32_t y = 0; y < height; y += batch) {
        uint32_t n = height - y < batch ? height - y : batch;
        imgcolor_status st = sink->rows(sink->user, rgba + stride * y, y0 + y, n);
        if (st != IMGCOLOR_OK)
            return st;
    }
    return IMGCOLOR_OK;
}
