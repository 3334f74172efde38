/* decode_webp.c: WebP to RGBA8 with libwebp: lossy, lossless and alpha, whole frames (the
 * library decodes a frame at a time); animations composited frame by frame. */
#include "internal.h"

#if IMGCOLOR_WITH_WEBP
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

/* The message for a libwebp status; the file was parsed far enough to know its kind. */
static imgcolor_status fail_vp8(VP8StatusCode code, const char *what, imgcolor_error *err)
{
    switch (code) {
    case VP8_STATUS_OUT_OF_MEMORY:
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "WebP: out of memory");
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "WebP: %s uses an unsupported feature",
                              what);
    case VP8_STATUS_NOT_ENOUGH_DATA:
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: %s is truncated", what);
    default:
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: %s is corrupt (status %d)", what,
                              (int)code);
    }
}

/* Hands the ICCP chunk, if any, to the sink. */
static imgcolor_status send_profile(const WebPDemuxer *dmux, const imgcolor__sink *sink)
{
    if (!(WebPDemuxGetI(dmux, WEBP_FF_FORMAT_FLAGS) & ICCP_FLAG))
        return IMGCOLOR_OK;
    WebPChunkIterator chunk;
    imgcolor_status st = IMGCOLOR_OK;
    if (WebPDemuxGetChunk(dmux, "ICCP", 1, &chunk))
        st = imgcolor__sink_profile(sink, chunk.chunk.bytes, chunk.chunk.size);
    WebPDemuxReleaseChunkIterator(&chunk);
    return st;
}

/* A still image: one WebPDecode() into the sink's room for the whole image, or ours. */
static imgcolor_status decode_still(const WebPData *in, uint32_t w, uint32_t h,
                                    const imgcolor__sink *sink, imgcolor_error *err)
{
    size_t stride = (size_t)w * 4;
    uint8_t *own = NULL, *out;
    imgcolor_status st = imgcolor__sink_buffer(sink, 0, h, stride, h, &own, &out);
    if (st != IMGCOLOR_OK)
        goto done;
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "WebP: library version mismatch");
        goto done;
    }
    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = out;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = stride * h;
    VP8StatusCode code = WebPDecode(in->bytes, in->size, &config);
    WebPFreeDecBuffer(&config.output);
    if (code != VP8_STATUS_OK) {
        st = fail_vp8(code, "image", err);
        goto done;
    }
    st = sink->rows(sink->user, out, 0, h);
done:
    free(own);
    return st;
}

/* An animation: each frame as libwebp composites it on the canvas, stacked top to
 * bottom; `frames` of them (the first only, or all). */
static imgcolor_status decode_frames(const WebPData *in, uint32_t w, uint32_t h, uint32_t frames,
                                     const imgcolor__sink *sink, imgcolor_error *err)
{
    WebPAnimDecoderOptions aopt;
    if (!WebPAnimDecoderOptionsInit(&aopt))
        return imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "WebP: library version mismatch");
    aopt.color_mode = MODE_RGBA;
    aopt.use_threads = 0;
    WebPAnimDecoder *dec = WebPAnimDecoderNew(in, &aopt);
    if (!dec)
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: animation is corrupt");
    imgcolor_status st = IMGCOLOR_OK;
    WebPAnimInfo info;
    if (!WebPAnimDecoderGetInfo(dec, &info) || info.canvas_width != w ||
        info.canvas_height != h || info.frame_count < frames) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: animation header is inconsistent");
        goto done;
    }
    for (uint32_t i = 0; i < frames; i++) {
        uint8_t *canvas;
        int timestamp;
        if (!WebPAnimDecoderGetNext(dec, &canvas, &timestamp)) {
            st = imgcolor__fail(err, IMGCOLOR_E_DECODE,
                                "WebP: frame %u of %u is corrupt or truncated", i + 1, frames);
            goto done;
        }
        if ((st = imgcolor__sink_frame(sink, canvas, w, h, i * h)) != IMGCOLOR_OK)
            goto done;
    }
done:
    WebPAnimDecoderDelete(dec);
    return st;
}

imgcolor_status imgcolor__decode_webp(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err)
{
    WebPBitstreamFeatures features;
    VP8StatusCode code = WebPGetFeatures(data, size, &features);
    if (code != VP8_STATUS_OK)
        return fail_vp8(code, "header", err);
    WebPData in = {data, size};
    WebPDemuxState state;
    WebPDemuxer *dmux = WebPDemuxPartial(&in, &state);
    if (!dmux || state == WEBP_DEMUX_PARSE_ERROR) {
        WebPDemuxDelete(dmux);
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: container is corrupt");
    }
    imgcolor_status st = IMGCOLOR_OK;
    if (state != WEBP_DEMUX_DONE) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: container is truncated");
        goto done;
    }
    uint32_t w = WebPDemuxGetI(dmux, WEBP_FF_CANVAS_WIDTH);
    uint32_t h = WebPDemuxGetI(dmux, WEBP_FF_CANVAS_HEIGHT);
    uint32_t count = WebPDemuxGetI(dmux, WEBP_FF_FRAME_COUNT);
    if ((st = imgcolor__check_dimensions(w, h, opt, err)) != IMGCOLOR_OK)
        goto done;
    /* A still image fills its canvas exactly, or rows would be left undecoded. */
    if (!features.has_animation &&
        ((uint32_t)features.width != w || (uint32_t)features.height != h)) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: image of %dx%d on a %ux%u canvas",
                            features.width, features.height, w, h);
        goto done;
    }
    uint32_t frames = features.has_animation && opt->all_frames ? count : 1;
    if (features.has_animation && count == 0) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "WebP: animation has no frames");
        goto done;
    }
    if (features.has_animation &&
        (st = imgcolor__check_frames("WebP", w, h, frames, size, opt, err)) != IMGCOLOR_OK)
        goto done;
    if ((st = send_profile(dmux, sink)) != IMGCOLOR_OK)
        goto done;
    if (frames > 1 && sink->frames && (st = sink->frames(sink->user, h, frames)) != IMGCOLOR_OK)
        goto done;
    if ((st = sink->begin(sink->user, w, h * frames)) != IMGCOLOR_OK)
        goto done;
    st = features.has_animation ? decode_frames(&in, w, h, frames, sink, err)
                                : decode_still(&in, w, h, sink, err);
done:
    WebPDemuxDelete(dmux);
    return st;
}
#endif
