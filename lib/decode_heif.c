/* decode_heif.c: the primary image of a HEIF file (HEIC, AVIF) to RGBA8 with libheif, opened
 * at run time, and the codecs Debian builds it with: libde265 for HEVC, libaom for AV1. */
#include "internal.h"

#if IMGCOLOR_WITH_HEIF
#include <stdlib.h>
#include <string.h>

#include "heif_loader.h"

static imgcolor_status fail_heif(const char *name, struct heif_error e, imgcolor_error *err)
{
    imgcolor_status st = IMGCOLOR_E_DECODE;
    if (e.subcode == heif_suberror_Security_limit_exceeded)
        st = IMGCOLOR_E_TOO_LARGE; /* libheif's own size limits, reported as memory errors */
    else if (e.code == heif_error_Memory_allocation_error)
        st = IMGCOLOR_E_NOMEM;
    else if (e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature)
        st = IMGCOLOR_E_FORMAT;
    const char *msg = e.message && e.message[0] ? e.message : "corrupt file";
    size_t len = strlen(msg); /* some of libheif's messages end in a newline */
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    return imgcolor__fail(err, st, "%s: %.*s", name, (int)len, msg);
}

/* The file's ICC profile (a 'prof' or 'rICC' colour box), if any, to the sink. */
static imgcolor_status send_profile(const imgcolor__heif_api *api, const char *name,
                                    struct heif_image_handle *h,
                                    const imgcolor__sink *sink, imgcolor_error *err)
{
    enum heif_color_profile_type type = api->heif_image_handle_get_color_profile_type(h);
    if (type != heif_color_profile_type_prof && type != heif_color_profile_type_rICC)
        return IMGCOLOR_OK;
    size_t n = api->heif_image_handle_get_raw_color_profile_size(h);
    if (n == 0)
        return IMGCOLOR_OK;
    uint8_t *icc = malloc(n);
    if (!icc)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "%s: out of memory", name);
    struct heif_error e = api->heif_image_handle_get_raw_color_profile(h, icc);
    imgcolor_status st = e.code == heif_error_Ok ? imgcolor__sink_profile(sink, icc, n)
                                                 : fail_heif(name, e, err);
    free(icc);
    return st;
}

/* Hands the decoded interleaved plane to the sink, RGB widened to RGBA, alpha straight. */
static imgcolor_status send_rows(const uint8_t *plane, int stride, uint32_t w, uint32_t h,
                                 int alpha, int premultiplied, const imgcolor__sink *sink)
{
    size_t out_stride = (size_t)w * 4;
    uint32_t batch = 16;
    uint8_t *rows = malloc(out_stride * batch);
    if (!rows)
        return IMGCOLOR_E_NOMEM;
    imgcolor_status st = IMGCOLOR_OK;
    for (uint32_t y = 0; y < h && st == IMGCOLOR_OK; y += batch) {
        uint32_t n = h - y < batch ? h - y : batch;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *src = plane + (size_t)stride * (y + i);
            uint8_t *dst = rows + out_stride * i;
            for (uint32_t x = 0; x < w; x++, dst += 4, src += alpha ? 4 : 3) {
                unsigned a = alpha ? src[3] : 255;
                for (int c = 0; c < 3; c++)
                    dst[c] = !premultiplied ? src[c]
                             : a == 0       ? 0
                             : src[c] >= a  ? 255
                                            : (uint8_t)((src[c] * 255u + a / 2) / a);
                dst[3] = (uint8_t)a;
            }
        }
        st = sink->rows(sink->user, rows, y, n);
    }
    free(rows);
    return st;
}

/* An HEVC parameter set read bit by bit, emulation-prevention bytes dropped. */
typedef struct bits {
    const uint8_t *p;
    size_t n, at; /* bytes; bit position */
    int zeros;    /* zero bytes just read, for emulation prevention */
    size_t byte;  /* index of the byte being read */
    uint8_t cur;
} bits;

static unsigned read_bit(bits *b)
{
    if (b->at % 8 == 0) {
        if (b->byte < b->n && b->zeros >= 2 && b->p[b->byte] == 3) {
            b->byte++; /* 00 00 03: the 03 is not data */
            b->zeros = 0;
        }
        b->cur = b->byte < b->n ? b->p[b->byte] : 0;
        b->zeros = b->cur == 0 ? b->zeros + 1 : 0;
        b->byte++;
    }
    return (b->cur >> (7 - b->at++ % 8)) & 1;
}

static uint32_t read_bits(bits *b, int n)
{
    uint32_t v = 0;
    while (n-- > 0)
        v = v << 1 | read_bit(b);
    return v;
}

/* ue(v); UINT32_MAX when longer than 32 bits. */
static uint32_t read_ue(bits *b)
{
    int lead = 0;
    while (!read_bit(b))
        if (++lead > 31 || b->byte > b->n)
            return UINT32_MAX;
    return (uint32_t)((1ull << lead) - 1 + read_bits(b, lead));
}

/* What check_hevc_sizes() needs of an HEVC sequence parameter set (H.265 7.3.2.2). */
typedef struct sps_info {
    uint32_t w, h; /* the coded luma size */
    int refused;   /* one of the rules libde265 prints to stderr for when broken */
} sps_info;

static int ue_ok(uint32_t v)
{
    return v != UINT32_MAX;
}

/*
 * The rules libde265 checks once it has read a set whole, and breaks with a line on
 * stderr of its own ("SPS error: CB alignment" and four more) before it fails the
 * decode: so a set that breaks one is refused here, and libde265 never sees it. Checked
 * only where libde265's own earlier limits (which fail without a word) hold, so that
 * nothing it would decode is refused.
 */
static int breaks_libde265_rules(bits *b, unsigned sub_layers, uint32_t w, uint32_t h)
{
    if (read_bit(b)) /* conformance_window_flag */
        for (int i = 0; i < 4; i++)
            read_ue(b);
    read_ue(b); /* bit_depth_luma_minus8 */
    read_ue(b); /* bit_depth_chroma_minus8 */
    read_ue(b); /* log2_max_pic_order_cnt_lsb_minus4 */
    unsigned first = read_bit(b) ? 0 : sub_layers; /* sub-layer ordering info present */
    for (unsigned i = first; i <= sub_layers; i++)
        for (int j = 0; j < 3; j++)
            read_ue(b);
    uint32_t min_cb = read_ue(b), diff_cb = read_ue(b), min_tb = read_ue(b),
             diff_tb = read_ue(b), depth_inter = read_ue(b), depth_intra = read_ue(b);
    if (b->byte > b->n || !ue_ok(depth_inter) || !ue_ok(depth_intra))
        return 0;
    if (min_cb > 3 || diff_cb > 3 - min_cb || min_tb > 3 || diff_tb > 3 - min_tb)
        return 0; /* libde265's limits: coding blocks up to 64, transforms up to 32 */
    uint32_t log2_min_cb = min_cb + 3, log2_ctb = log2_min_cb + diff_cb;
    uint32_t log2_min_tb = min_tb + 2, log2_max_tb = log2_min_tb + diff_tb;
    int64_t depth_room = (int64_t)log2_ctb - log2_min_tb;
    return depth_inter > depth_room || depth_intra > depth_room ||
           w % (1u << log2_min_cb) != 0 || h % (1u << log2_min_cb) != 0 ||
           log2_min_tb > log2_min_cb || log2_max_tb > (log2_ctb < 5 ? log2_ctb : 5);
}

/* Reads what sps_info holds; returns 0 when the set ends before the size. */
static int sps_read(const uint8_t *nal, size_t n, sps_info *out)
{
    bits b = {nal, n, 0, 0, 0, 0};
    read_bits(&b, 16); /* NAL unit header */
    read_bits(&b, 4);  /* sps_video_parameter_set_id */
    unsigned sub_layers = read_bits(&b, 3);
    read_bits(&b, 1);
    read_bits(&b, 96); /* general profile, tier and level */
    unsigned profile[8] = {0}, level[8] = {0};
    for (unsigned i = 0; i < sub_layers; i++) {
        profile[i] = read_bit(&b);
        level[i] = read_bit(&b);
    }
    if (sub_layers > 0)
        read_bits(&b, 2 * (8 - (int)sub_layers));
    for (unsigned i = 0; i < sub_layers; i++)
        read_bits(&b, (profile[i] ? 88 : 0) + (level[i] ? 8 : 0));
    read_ue(&b); /* sps_seq_parameter_set_id */
    if (read_ue(&b) == 3)
        read_bit(&b); /* separate_colour_plane_flag */
    out->w = read_ue(&b);
    out->h = read_ue(&b);
    if (b.byte > b.n || !ue_ok(out->w) || !ue_ok(out->h))
        return 0;
    out->refused = breaks_libde265_rules(&b, sub_layers, out->w, out->h);
    return 1;
}

/*
 * Checks the size every HEVC decoder configuration ('hvcC') in the file declares in its
 * SPS: one over max_pixels is refused unless it is the image's own size, give or take
 * the 64 pixels of a coding tree block that encoders pad each side to.
 */
static imgcolor_status check_hevc_sizes(const char *name, const uint8_t *d, size_t n,
                                        uint32_t width, uint32_t height,
                                        const imgcolor_options *opt, imgcolor_error *err)
{
    for (size_t i = 4; i + 4 <= n; i++) {
        if (d[i] != 'h' || memcmp(d + i, "hvcC", 4) != 0)
            continue;
        size_t box = (size_t)d[i - 4] << 24 | (size_t)d[i - 3] << 16 | (size_t)d[i - 2] << 8 |
                     d[i - 1];
        size_t end = box >= 8 && box - 4 <= n - i ? i - 4 + box : n;
        size_t at = i + 4 + 22; /* the configuration record's fixed part */
        if (at >= end)
            continue;
        unsigned arrays = d[at++];
        for (unsigned a = 0; a < arrays && at + 3 <= end; a++) {
            unsigned type = d[at] & 0x3f, count = (unsigned)d[at + 1] << 8 | d[at + 2];
            at += 3;
            for (unsigned k = 0; k < count && at + 2 <= end; k++) {
                size_t len = (size_t)d[at] << 8 | d[at + 1];
                at += 2;
                if (len > end - at)
                    break;
                sps_info sps;
                if (type == 33 && sps_read(d + at, len, &sps)) {
                    if (sps.refused)
                        return imgcolor__fail(err, IMGCOLOR_E_DECODE,
                                              "%s: corrupt HEVC sequence parameter set", name);
                    if ((uint64_t)sps.w * sps.h > opt->max_pixels &&
                        ((uint64_t)sps.w > (uint64_t)width + 64 ||
                         (uint64_t)sps.h > (uint64_t)height + 64))
                        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                                              "%s: coded image of %ux%u for a %ux%u image, over "
                                              "the limit of %llu pixels",
                                              name, sps.w, sps.h, width, height,
                                              (unsigned long long)opt->max_pixels);
                }
                at += len;
            }
        }
    }
    return IMGCOLOR_OK;
}

static imgcolor_status decode(const imgcolor__heif_api *api, const char *name, const uint8_t *data,
                              size_t size, const imgcolor_options *opt, const imgcolor__sink *sink,
                              imgcolor_error *err)
{
    struct heif_context *ctx = api->heif_context_alloc();
    struct heif_image_handle *h = NULL;
    struct heif_image *img = NULL;
    struct heif_decoding_options *dopt = NULL;
    imgcolor_status st = IMGCOLOR_OK;
    if (!ctx)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "%s: out of memory", name);
    if (opt->threads > 0)
        api->heif_context_set_max_decoding_threads(ctx, opt->threads);
    /* AV1 through libaom: libheif 1.15's first choice, dav1d, prints its errors to
     * stderr, and 1.15 ignores heif_decoding_options.decoder_id. */
    struct heif_error e = api->heif_register_decoder(ctx, imgcolor__heif_av1_plugin());
    if (e.code != heif_error_Ok) {
        api->heif_context_free(ctx);
        return fail_heif(name, e, err);
    }
    e = api->heif_context_read_from_memory_without_copy(ctx, data, size, NULL);
    if (e.code == heif_error_Ok)
        e = api->heif_context_get_primary_image_handle(ctx, &h);
    if (e.code != heif_error_Ok) {
        st = fail_heif(name, e, err);
        goto done;
    }
    int hw = api->heif_image_handle_get_width(h), hh = api->heif_image_handle_get_height(h);
    uint32_t w = hw > 0 ? (uint32_t)hw : 0, ht = hh > 0 ? (uint32_t)hh : 0;
    if ((st = imgcolor__check_dimensions(w, ht, opt, err)) != IMGCOLOR_OK)
        goto done;
    if ((st = check_hevc_sizes(name, data, size, w, ht, opt, err)) != IMGCOLOR_OK)
        goto done;
    if ((st = send_profile(api, name, h, sink, err)) != IMGCOLOR_OK)
        goto done;
    int alpha = api->heif_image_handle_has_alpha_channel(h);
    if (!(dopt = api->heif_decoding_options_alloc())) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "%s: out of memory", name);
        goto done;
    }
    dopt->convert_hdr_to_8bit = 1;
    /* Damage is an error, never pixels made up around it. */
    dopt->strict_decoding = 1;
    if ((st = sink->begin(sink->user, w, ht)) != IMGCOLOR_OK)
        goto done;
    e = api->heif_decode_image(h, &img, heif_colorspace_RGB,
                          alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, dopt);
    if (e.code != heif_error_Ok) {
        st = fail_heif(name, e, err);
        goto done;
    }
    int stride = 0;
    const uint8_t *plane =
        api->heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    if (!plane || api->heif_image_get_width(img, heif_channel_interleaved) != hw ||
        api->heif_image_get_height(img, heif_channel_interleaved) != hh ||
        stride < hw * (alpha ? 4 : 3) ||
        api->heif_image_get_bits_per_pixel_range(img, heif_channel_interleaved) != 8) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "%s: decoded image has an unexpected layout",
                            name);
        goto done;
    }
    st = send_rows(plane, stride, w, ht, alpha, api->heif_image_handle_is_premultiplied_alpha(h),
                   sink);
done:
    api->heif_image_release(img);
    api->heif_decoding_options_free(dopt);
    api->heif_image_handle_release(h);
    api->heif_context_free(ctx);
    return st;
}

/* libheif is opened for each file (see heif_loader.h), so that a process that decodes
 * none never loads it. */
imgcolor_status imgcolor__decode_heif(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err)
{
    /* The brand tells the codec; messages name what the user would call the file. */
    const char *name = size >= 12 && memcmp(data + 8, "avi", 3) == 0 ? "AVIF" : "HEIF";
    imgcolor__heif_api api;
    imgcolor_status st = imgcolor__heif_open(&api, IMGCOLOR__HEIF_SONAME, name, err);
    if (st != IMGCOLOR_OK)
        return st;
    st = decode(&api, name, data, size, opt, sink, err);
    imgcolor__heif_close(&api);
    return st;
}
#endif
