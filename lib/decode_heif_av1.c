/* decode_heif_av1.c: an AV1 decoder for libheif, on libaom, registered on each of the
 * HEIF decoder's contexts: libheif 1.15 would use dav1d, which prints to stderr. Both
 * libraries are opened at run time (heif_loader.h), by each decoder libheif creates. */
#include "internal.h"

#if IMGCOLOR_WITH_HEIF
#include <stdlib.h>
#include <string.h>

#include <libheif/heif_plugin.h>

#include "heif_loader.h"

/* The coded data libheif pushes (configuration OBUs, then the item), decoded at once;
 * the libraries, opened for this decoder: its callbacks have no other context. */
typedef struct av1_decoder {
    uint8_t *data;
    size_t size, cap;
    imgcolor__heif_api heif;
    imgcolor__aom_api aom;
} av1_decoder;

static struct heif_error heif_ok(void)
{
    struct heif_error e = {heif_error_Ok, heif_suberror_Unspecified, "Success"};
    return e;
}

static struct heif_error heif_fail(enum heif_error_code code, const char *msg)
{
    struct heif_error e = {code, heif_suberror_Unspecified, msg};
    return e;
}

static const char *plugin_name(void)
{
    return "libimgcolor AV1 (libaom)";
}

static int supports(enum heif_compression_format format)
{
    /* Above dav1d's and libheif's own libaom plugin's priorities. */
    return format == heif_compression_AV1 ? 1000 : 0;
}

static void free_decoder(void *p)
{
    av1_decoder *d = p;
    if (!d)
        return;
    imgcolor__aom_close(&d->aom);
    imgcolor__heif_close(&d->heif);
    free(d->data);
    free(d);
}

/* libheif is loaded already (it calls this), so opening it only counts a reference. */
static struct heif_error new_decoder(void **out)
{
    *out = NULL;
    av1_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return heif_fail(heif_error_Memory_allocation_error, "out of memory");
    const char *missing = NULL;
    if (imgcolor__heif_open(&d->heif, IMGCOLOR__HEIF_SONAME, "AVIF", NULL) != IMGCOLOR_OK)
        missing = "AVIF support not available: " IMGCOLOR__HEIF_SONAME " could not be loaded";
    else if (imgcolor__aom_open(&d->aom, IMGCOLOR__AOM_SONAME) != 0)
        missing = "AVIF support not available: " IMGCOLOR__AOM_SONAME " could not be loaded";
    if (missing) { /* heif_error's message must outlive the call: these are literals */
        free_decoder(d);
        return heif_fail(heif_error_Unsupported_feature, missing);
    }
    *out = d;
    return heif_ok();
}

static struct heif_error push_data(void *p, const void *data, size_t size)
{
    av1_decoder *d = p;
    if (size == 0) /* libheif pushes empty configurations; NULL + 0 is undefined */
        return heif_ok();
    if (size > d->cap - d->size) {
        if (size > SIZE_MAX / 2 - d->size)
            return heif_fail(heif_error_Memory_allocation_error, "AV1 data too large");
        size_t cap = (d->size + size) * 2;
        uint8_t *grown = realloc(d->data, cap);
        if (!grown)
            return heif_fail(heif_error_Memory_allocation_error, "out of memory");
        d->data = grown;
        d->cap = cap;
    }
    memcpy(d->data + d->size, data, size);
    d->size += size;
    return heif_ok();
}

/* Copies one plane of the decoded frame into the heif_image. */
static struct heif_error copy_plane(const imgcolor__heif_api *heif, const aom_image_t *img,
                                    int plane, struct heif_image *out, enum heif_channel channel)
{
    int shift_x = plane ? (int)img->x_chroma_shift : 0;
    int shift_y = plane ? (int)img->y_chroma_shift : 0;
    int w = (int)((img->d_w + (unsigned)shift_x) >> shift_x);
    int h = (int)((img->d_h + (unsigned)shift_y) >> shift_y);
    int high = (img->fmt & AOM_IMG_FMT_HIGHBITDEPTH) != 0;
    int depth = (int)img->bit_depth;
    struct heif_error e = heif->heif_image_add_plane(out, channel, w, h, depth);
    if (e.code != heif_error_Ok)
        return e;
    int stride;
    uint8_t *dst = heif->heif_image_get_plane(out, channel, &stride);
    if (!dst)
        return heif_fail(heif_error_Decoder_plugin_error, "AV1: no plane");
    for (int y = 0; y < h; y++) {
        const uint8_t *src = img->planes[plane] + (size_t)img->stride[plane] * (size_t)y;
        uint8_t *row = dst + (size_t)stride * (size_t)y;
        if (high && depth == 8) /* 8-bit samples in a 16-bit buffer */
            for (int x = 0; x < w; x++)
                row[x] = src[2 * x];
        else
            memcpy(row, src, (size_t)w * (high ? 2 : 1));
    }
    return heif_ok();
}

static struct heif_error decode_image(void *p, struct heif_image **out)
{
    av1_decoder *d = p;
    *out = NULL;
    aom_codec_ctx_t codec;
    aom_codec_dec_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.threads = 1;
    cfg.allow_lowbitdepth = 1;
    const imgcolor__aom_api *aom = &d->aom;
    if (aom->aom_codec_dec_init_ver(&codec, aom->aom_codec_av1_dx(), &cfg, 0,
                                    AOM_DECODER_ABI_VERSION) != AOM_CODEC_OK)
        return heif_fail(heif_error_Decoder_plugin_error, "AV1: cannot start libaom");
    struct heif_error e = heif_ok();
    aom_codec_iter_t iter = NULL;
    const aom_image_t *img = NULL;
    if (aom->aom_codec_decode(&codec, d->data, d->size, NULL) != AOM_CODEC_OK ||
        !(img = aom->aom_codec_get_frame(&codec, &iter))) {
        e = heif_fail(heif_error_Decoder_plugin_error, "AV1: corrupt image data");
        goto done;
    }
    enum heif_chroma chroma;
    if (img->monochrome)
        chroma = heif_chroma_monochrome;
    else if (img->x_chroma_shift == 1 && img->y_chroma_shift == 1)
        chroma = heif_chroma_420;
    else if (img->x_chroma_shift == 1 && img->y_chroma_shift == 0)
        chroma = heif_chroma_422;
    else if (img->x_chroma_shift == 0 && img->y_chroma_shift == 0)
        chroma = heif_chroma_444;
    else {
        e = heif_fail(heif_error_Unsupported_feature, "AV1: unsupported chroma layout");
        goto done;
    }
    e = d->heif.heif_image_create((int)img->d_w, (int)img->d_h,
                          img->monochrome ? heif_colorspace_monochrome : heif_colorspace_YCbCr,
                          chroma, out);
    if (e.code != heif_error_Ok)
        goto done;
    e = copy_plane(&d->heif, img, 0, *out, heif_channel_Y);
    if (e.code == heif_error_Ok && !img->monochrome)
        e = copy_plane(&d->heif, img, 1, *out, heif_channel_Cb);
    if (e.code == heif_error_Ok && !img->monochrome)
        e = copy_plane(&d->heif, img, 2, *out, heif_channel_Cr);
done:
    if (e.code != heif_error_Ok && *out) {
        d->heif.heif_image_release(*out);
        *out = NULL;
    }
    aom->aom_codec_destroy(&codec);
    return e;
}

static void set_strict(void *p, int strict)
{
    (void)p;
    (void)strict; /* libaom either decodes a frame or fails */
}

static const struct heif_decoder_plugin av1_plugin = {
    .plugin_api_version = 3,
    .get_plugin_name = plugin_name,
    .init_plugin = NULL,
    .deinit_plugin = NULL,
    .does_support_format = supports,
    .new_decoder = new_decoder,
    .free_decoder = free_decoder,
    .push_data = push_data,
    .decode_image = decode_image,
    .set_strict_decoding = set_strict,
    .id_name = "imgcolor-aom",
};

const struct heif_decoder_plugin *imgcolor__heif_av1_plugin(void)
{
    return &av1_plugin;
}
#endif
