/* test_icc.c: colour management. Tagged images are made here: a photo converted with
 * Little CMS to Adobe RGB and to ProPhoto RGB, its profile embedded, as PNG and JPEG;
 * their prominent colours must be the sRGB original's, and must not be without colour
 * management. Broken profiles, PNG's gAMA/cHRM, grey and CMYK profiles too. */
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <zlib.h>
#if IMGCOLOR_WITH_WEBP
#include <webp/encode.h>
#endif

#if IMGCOLOR_WITH_TIFF
#include <tiffio.h>
#include <unistd.h>
#endif

#include "internal.h"
#include "support.h"

#define ICC_DIR "/usr/share/color/icc/colord/"
#define PHOTO IMGCOLOR_TEST_DATA "/photos/coffee.png"

typedef struct rgb_image {
    uint32_t w, h;
    uint8_t *rgb; /* packed RGB */
} rgb_image;

static uint8_t *read_profile(const char *name, size_t *size)
{
    char path[256];
    snprintf(path, sizeof path, ICC_DIR "%s", name);
    return test_read_file(path, size);
}

/* The photo's stored values, which are sRGB. */
static rgb_image load_photo(void)
{
    size_t size;
    uint8_t *data = test_read_file(PHOTO, &size);
    imgcolor_options *raw = NULL;
    assert_int_equal(imgcolor_options_new(&raw), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_color_management(raw, 0), IMGCOLOR_OK);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, raw, &img, NULL), IMGCOLOR_OK);
    rgb_image out = {img->width, img->height, malloc((size_t)img->width * img->height * 3)};
    assert_non_null(out.rgb);
    for (size_t i = 0; i < (size_t)img->width * img->height; i++)
        memcpy(out.rgb + 3 * i, img->rgba + 4 * i, 3);
    imgcolor_image_free(img);
    imgcolor_options_free(raw);
    free(data);
    return out;
}

/* The image converted from sRGB into the profile's space, as Little CMS does it. */
static rgb_image to_profile(const rgb_image *src, const uint8_t *icc, size_t icc_size)
{
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHPROFILE dst = cmsOpenProfileFromMem(icc, (cmsUInt32Number)icc_size);
    assert_true(srgb && dst);
    cmsHTRANSFORM x = cmsCreateTransform(srgb, TYPE_RGB_8, dst, TYPE_RGB_8,
                                         INTENT_RELATIVE_COLORIMETRIC, 0);
    assert_non_null(x);
    rgb_image out = {src->w, src->h, malloc((size_t)src->w * src->h * 3)};
    assert_non_null(out.rgb);
    cmsDoTransform(x, src->rgb, out.rgb, src->w * src->h);
    cmsDeleteTransform(x);
    cmsCloseProfile(dst);
    cmsCloseProfile(srgb);
    return out;
}

/* PNG from the library's own encoder, with an iCCP chunk spliced in after IHDR. */
static test_buffer make_png(const rgb_image *im, const uint8_t *icc, size_t icc_size)
{
    imgcolor_image rgba = {.width = im->w,
                             .height = im->h,
                             .rgba = malloc((size_t)im->w * im->h * 4)};
    assert_non_null(rgba.rgba);
    for (size_t i = 0; i < (size_t)im->w * im->h; i++) {
        memcpy(rgba.rgba + 4 * i, im->rgb + 3 * i, 3);
        rgba.rgba[4 * i + 3] = 255;
    }
    void *png = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_png_encode(&rgba, &png, &len, NULL), IMGCOLOR_OK);
    free(rgba.rgba);
    test_buffer out = {0};
    test_buf_append(&out, png, 33); /* signature and IHDR */
    if (icc) {
        uLongf zlen = compressBound((uLong)icc_size);
        uint8_t *chunk = malloc(5 + zlen);
        assert_non_null(chunk);
        memcpy(chunk, "icc\0\0", 5); /* name, NUL, compression method 0 */
        assert_int_equal(compress(chunk + 5, &zlen, icc, (uLong)icc_size), Z_OK);
        test_png_chunk(&out, "iCCP", chunk, (uint32_t)(5 + zlen));
        free(chunk);
    }
    test_buf_append(&out, (uint8_t *)png + 33, len - 33);
    imgcolor_free(png);
    return out;
}

/* JPEG, quality 98 without chroma subsampling, the profile in APP2 chunks. */
static test_buffer make_jpeg(const uint8_t *px, uint32_t w, uint32_t h, int components,
                             const uint8_t *icc, size_t icc_size)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long mem_len = 0;
    jpeg_mem_dest(&c, &mem, &mem_len);
    c.image_width = w;
    c.image_height = h;
    c.input_components = components;
    c.in_color_space = components == 4 ? JCS_CMYK : components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 98, TRUE);
    c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    if (icc)
        jpeg_write_icc_profile(&c, icc, (unsigned)icc_size);
    while (c.next_scanline < h) {
        JSAMPROW r = (JSAMPROW)(px + (size_t)c.next_scanline * w * (size_t)components);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    test_buffer out = {0};
    test_buf_append(&out, mem, mem_len);
    free(mem);
    return out;
}

static imgcolor_result *prominent(const test_buffer *b, int managed)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 4), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_color_management(opt, managed), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent(b->data, b->len, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    imgcolor_options_free(opt);
    return res;
}

/* The largest difference of any channel between each colour of a and the colour of b
 * nearest to it. */
static int worst_channel(const imgcolor_result *a, const imgcolor_result *b)
{
    int worst = 0;
    assert_int_equal(imgcolor_result_count(a), imgcolor_result_count(b));
    for (size_t i = 0; i < imgcolor_result_count(a); i++) {
        imgcolor_rgb p = imgcolor_result_color(a, i)->rgb;
        int best = 256;
        for (size_t j = 0; j < imgcolor_result_count(b); j++) {
            imgcolor_rgb q = imgcolor_result_color(b, j)->rgb;
            int d = abs(p.r - q.r);
            d = abs(p.g - q.g) > d ? abs(p.g - q.g) : d;
            d = abs(p.b - q.b) > d ? abs(p.b - q.b) : d;
            best = d < best ? d : best;
        }
        worst = best > worst ? best : worst;
    }
    return worst;
}

#if IMGCOLOR_WITH_WEBP
static void le32(test_buffer *b, uint32_t v)
{
    const uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    test_buf_append(b, p, 4);
}

/* A RIFF chunk, padded to an even size. */
static void riff_chunk(test_buffer *b, const char *fourcc, const void *data, size_t n)
{
    test_buf_append(b, fourcc, 4);
    le32(b, (uint32_t)n);
    test_buf_append(b, data, n);
    if (n & 1)
        test_buf_append(b, "", 1);
}

/* Lossless WebP from libwebp's encoder; with a profile, in the extended format: VP8X
 * with the ICC flag, ICCP, then the image chunk (the WebP container specification). */
static test_buffer make_webp(const rgb_image *im, const uint8_t *icc, size_t icc_size)
{
    uint8_t *enc = NULL;
    size_t len = WebPEncodeLosslessRGB(im->rgb, (int)im->w, (int)im->h, (int)im->w * 3, &enc);
    assert_true(len > 20);
    test_buffer body = {0};
    test_buf_append(&body, "WEBP", 4);
    if (icc) {
        uint8_t vp8x[10] = {0x20, 0, 0, 0};
        for (int i = 0; i < 3; i++) {
            vp8x[4 + i] = (uint8_t)((im->w - 1) >> (8 * i));
            vp8x[7 + i] = (uint8_t)((im->h - 1) >> (8 * i));
        }
        riff_chunk(&body, "VP8X", vp8x, sizeof vp8x);
        riff_chunk(&body, "ICCP", icc, icc_size);
    }
    test_buf_append(&body, enc + 12, len - 12); /* the encoder's chunks after its header */
    WebPFree(enc);
    test_buffer out = {0};
    test_buf_append(&out, "RIFF", 4);
    le32(&out, (uint32_t)body.len);
    test_buf_append(&out, body.data, body.len);
    free(body.data);
    return out;
}
#endif

typedef enum container { AS_PNG, AS_JPEG, AS_WEBP } container;

static test_buffer encode(container as, const rgb_image *im, const uint8_t *icc, size_t n)
{
#if IMGCOLOR_WITH_WEBP
    if (as == AS_WEBP)
        return make_webp(im, icc, n);
#endif
    return as == AS_PNG ? make_png(im, icc, n) : make_jpeg(im->rgb, im->w, im->h, 3, icc, n);
}

/* The photo tagged with the profile must give the sRGB original's colours within 2
 * levels per channel; read as if it were sRGB, it must not. */
static void check_tagged(container as, const char *profile)
{
    rgb_image photo = load_photo();
    size_t icc_size;
    uint8_t *icc = read_profile(profile, &icc_size);
    rgb_image tagged = to_profile(&photo, icc, icc_size);
    test_buffer ref = encode(as, &photo, NULL, 0);
    test_buffer b = encode(as, &tagged, icc, icc_size);
    imgcolor_result *want = prominent(&ref, 1);
    imgcolor_result *got = prominent(&b, 1);
    imgcolor_result *unmanaged = prominent(&b, 0);
    int managed_diff = worst_channel(got, want), unmanaged_diff = worst_channel(unmanaged, want);
    static const char *const names[] = {"PNG", "JPEG", "WebP"};
    print_message("%s %s: managed %d levels off, unmanaged %d (profile \"%s\")\n",
                  names[as], profile, managed_diff, unmanaged_diff,
                  imgcolor_result_profile(got) ? imgcolor_result_profile(got) : "(none)");
    assert_true(managed_diff <= 2);
    assert_true(unmanaged_diff > 2);
    assert_non_null(imgcolor_result_profile(got));
    assert_null(imgcolor_result_profile(unmanaged));
    assert_int_equal(imgcolor_result_warning_count(got), 0);
    /* The decoded image names the profile it was converted from. */
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(b.data, b.len, NULL, &img, NULL), IMGCOLOR_OK);
    assert_non_null(img->profile);
    assert_string_equal(img->profile, imgcolor_result_profile(got));
    assert_int_equal(img->warning_count, 0);
    assert_null(img->warnings);
    imgcolor_image_free(img);
    imgcolor_result_free(want);
    imgcolor_result_free(got);
    imgcolor_result_free(unmanaged);
    free(ref.data);
    free(b.data);
    free(tagged.rgb);
    free(photo.rgb);
    free(icc);
}

static void test_png_adobe_rgb(void **state)
{
    (void)state;
    check_tagged(AS_PNG, "AdobeRGB1998.icc");
}

static void test_png_prophoto_rgb(void **state)
{
    (void)state;
    check_tagged(AS_PNG, "ProPhotoRGB.icc");
}

static void test_jpeg_adobe_rgb(void **state)
{
    (void)state;
    check_tagged(AS_JPEG, "AdobeRGB1998.icc");
}

static void test_jpeg_prophoto_rgb(void **state)
{
    (void)state;
    check_tagged(AS_JPEG, "ProPhotoRGB.icc");
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The profile with the type of tag `sig` overwritten: the header and tag table stay
 * valid (libpng checks those), the tag itself is unreadable. */
static void break_tag(uint8_t *icc, size_t size, const char *sig)
{
    uint32_t tags = be32(icc + 128);
    for (uint32_t i = 0; i < tags; i++) {
        const uint8_t *e = icc + 132 + 12 * i;
        if (memcmp(e, sig, 4) == 0) {
            uint32_t at = be32(e + 4);
            assert_true(at + 4 <= size);
            memcpy(icc + at, "junk", 4);
            return;
        }
    }
    fail_msg("no %s tag", sig);
}

/* A profile that cannot be used: a warning, the pixels taken as sRGB, as unmanaged. */
static void check_broken(container as, uint8_t *icc, size_t icc_size)
{
    rgb_image photo = load_photo();
    test_buffer b = encode(as, &photo, icc, icc_size);
    imgcolor_result *got = prominent(&b, 1);
    imgcolor_result *unmanaged = prominent(&b, 0);
    assert_int_equal(imgcolor_result_warning_count(got), 1);
    print_message("warning: %s\n", imgcolor_result_warning(got, 0));
    assert_non_null(strstr(imgcolor_result_warning(got, 0), "pixels used as sRGB"));
    assert_null(imgcolor_result_warning(got, 1));
    assert_null(imgcolor_result_profile(got));
    assert_int_equal(imgcolor_result_warning_count(unmanaged), 0);
    assert_int_equal(worst_channel(got, unmanaged), 0);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(got, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"warnings\":[\"colour profile "));
    imgcolor_free(json);
    /* imgcolor_decode() leaves the stored values too, and keeps the same warning. */
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(b.data, b.len, NULL, &img, NULL), IMGCOLOR_OK);
    assert_int_equal(img->warning_count, 1);
    assert_string_equal(img->warnings[0], imgcolor_result_warning(got, 0));
    assert_null(img->profile);
    imgcolor_image_free(img);
    imgcolor_result_free(got);
    imgcolor_result_free(unmanaged);
    free(b.data);
    free(photo.rgb);
}

static void test_webp_adobe_and_prophoto_rgb(void **state)
{
    (void)state;
#if IMGCOLOR_WITH_WEBP
    check_tagged(AS_WEBP, "AdobeRGB1998.icc");
    check_tagged(AS_WEBP, "ProPhotoRGB.icc");
    size_t size;
    uint8_t *icc = read_profile("AdobeRGB1998.icc", &size);
    break_tag(icc, size, "rTRC");
    check_broken(AS_WEBP, icc, size);
    free(icc);
#else
    skip();
#endif
}

static void test_broken_profiles(void **state)
{
    (void)state;
    size_t size;
    uint8_t *icc = read_profile("AdobeRGB1998.icc", &size);
    break_tag(icc, size, "rTRC");
    check_broken(AS_PNG, icc, size);
    check_broken(AS_JPEG, icc, size);
    /* Not a profile at all, and one cut short. */
    uint8_t junk[600];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    check_broken(AS_JPEG, junk, sizeof junk);
    free(icc);
    icc = read_profile("AdobeRGB1998.icc", &size);
    check_broken(AS_JPEG, icc, 200); /* cut inside the tag table */
    free(icc);
}

/* A profile larger than one APP2 segment is split into numbered chunks. */
static void test_jpeg_multi_chunk_profile(void **state)
{
    (void)state;
    size_t size;
    uint8_t *icc = read_profile("ProPhotoRGB.icc", &size);
    size_t big = size + 150000;
    uint8_t *padded = calloc(1, big);
    assert_non_null(padded);
    memcpy(padded, icc, size);
    padded[0] = (uint8_t)(big >> 24);
    padded[1] = (uint8_t)(big >> 16);
    padded[2] = (uint8_t)(big >> 8);
    padded[3] = (uint8_t)big;
    rgb_image photo = load_photo();
    rgb_image tagged = to_profile(&photo, icc, size);
    test_buffer ref = encode(AS_JPEG, &photo, NULL, 0);
    test_buffer b = encode(AS_JPEG, &tagged, padded, big);
    imgcolor_result *want = prominent(&ref, 1), *got = prominent(&b, 1);
    assert_int_equal(imgcolor_result_warning_count(got), 0);
    assert_string_equal(imgcolor_result_profile(got), "ProPhoto RGB");
    assert_true(worst_channel(got, want) <= 2);
    imgcolor_result_free(want);
    imgcolor_result_free(got);
    free(ref.data);
    free(b.data);
    free(tagged.rgb);
    free(photo.rgb);
    free(padded);
    free(icc);
}

/* A 64x4 RGB image: a grey ramp, then red, green and blue ramps. */
static rgb_image ramp(void)
{
    rgb_image im = {64, 4, malloc(64 * 4 * 3)};
    assert_non_null(im.rgb);
    for (uint32_t x = 0; x < 64; x++) {
        uint8_t v = (uint8_t)(x * 4 + 2);
        const uint8_t rows[4][3] = {{v, v, v}, {v, 20, 20}, {20, v, 20}, {20, 20, v}};
        for (int y = 0; y < 4; y++)
            memcpy(im.rgb + 3 * ((size_t)y * 64 + x), rows[y], 3);
    }
    return im;
}

/* Inserts a chunk after IHDR. */
static test_buffer with_chunk(const test_buffer *png, const char *type, const void *data,
                              uint32_t len)
{
    test_buffer out = {0};
    test_buf_append(&out, png->data, 33);
    test_png_chunk(&out, type, data, len);
    test_buf_append(&out, png->data + 33, png->len - 33);
    return out;
}

static double srgb_encode(double v)
{
    return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
}

/* Each decoded channel against what a display of the given gamma shows, re-encoded
 * as sRGB; returns the largest difference in levels. */
static int gamma_error(const imgcolor_image *img, const rgb_image *src, double gamma)
{
    int worst = 0;
    for (size_t i = 0; i < (size_t)src->w * src->h * 3; i++) {
        double want = 255 * srgb_encode(pow(src->rgb[i] / 255.0, 1 / gamma));
        int d = (int)lrint(fabs(img->rgba[i / 3 * 4 + i % 3] - want));
        worst = d > worst ? d : worst;
    }
    return worst;
}

static imgcolor_image *decode(const test_buffer *b)
{
    imgcolor_image *img = NULL;
    imgcolor_error err;
    if (imgcolor_decode(b->data, b->len, NULL, &img, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    return img;
}

/* PNG without a profile: gAMA (with or without cHRM) is honoured, unless sRGB says
 * the values are sRGB already. */
static void test_png_gamma_chunks(void **state)
{
    (void)state;
    rgb_image im = ramp();
    test_buffer plain = make_png(&im, NULL, 0);
    uint8_t gama[4] = {0, 0, 0xd9, 0x04}; /* 55556: encoded for a 1.8 display */
    test_buffer g = with_chunk(&plain, "gAMA", gama, 4);
    imgcolor_image *img = decode(&g);
    int err18 = gamma_error(img, &im, 1 / 1.8), err_none = gamma_error(img, &im, 1 / 2.2);
    print_message("gAMA 1/1.8: %d levels from a 1.8 display, %d from 2.2\n", err18, err_none);
    assert_true(err18 <= 1);
    assert_true(err_none > 5);
    imgcolor_image_free(img);

    /* cHRM with sRGB's primaries changes nothing more. */
    uint8_t chrm[32];
    const uint32_t xy[8] = {31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000};
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            chrm[4 * i + j] = (uint8_t)(xy[i] >> (24 - 8 * j));
    test_buffer gc = with_chunk(&g, "cHRM", chrm, 32);
    img = decode(&gc);
    assert_true(gamma_error(img, &im, 1 / 1.8) <= 1);
    imgcolor_image_free(img);

    /* sRGB takes precedence over gAMA: the stored values come back. */
    uint8_t intent = 0;
    test_buffer gs = with_chunk(&g, "sRGB", &intent, 1);
    img = decode(&gs);
    for (size_t i = 0; i < (size_t)im.w * im.h; i++)
        assert_memory_equal(img->rgba + 4 * i, im.rgb + 3 * i, 3);
    imgcolor_image_free(img);

    /* A gAMA no display has is ignored with a warning. */
    uint8_t bad[4] = {0, 0x0f, 0x42, 0x40}; /* 10.0: libpng accepts it, no display fits */
    test_buffer gb = with_chunk(&plain, "gAMA", bad, 4);
    imgcolor_result *res = prominent(&gb, 1);
    assert_int_equal(imgcolor_result_warning_count(res), 1);
    print_message("warning: %s\n", imgcolor_result_warning(res, 0));
    imgcolor_result_free(res);
    free(plain.data);
    free(g.data);
    free(gc.data);
    free(gs.data);
    free(gb.data);
    free(im.rgb);
}

/* The test's CMYK "press": cyan and magenta inks swapped, so that a decoder that
 * ignores the profile is told apart from one that honours it. */
static void press_rgb(const double ink[4], double rgb[3])
{
    rgb[0] = (1 - ink[1]) * (1 - ink[3]);
    rgb[1] = (1 - ink[0]) * (1 - ink[3]);
    rgb[2] = (1 - ink[2]) * (1 - ink[3]);
}

static cmsInt32Number press_sampler(const cmsUInt16Number in[], cmsUInt16Number out[],
                                    void *cargo)
{
    double ink[4], rgb[3];
    for (int i = 0; i < 4; i++)
        ink[i] = in[i] / 65535.0;
    press_rgb(ink, rgb);
    cmsCIELab lab;
    cmsDoTransform(cargo, rgb, &lab, 1);
    cmsFloat2LabEncoded(out, &lab);
    return TRUE;
}

/* An output-class CMYK profile for the press, A-to-B only, serialised. */
static uint8_t *press_profile(size_t *size)
{
    cmsHPROFILE srgb = cmsCreate_sRGBProfile(), lab = cmsCreateLab4Profile(NULL);
    cmsHTRANSFORM to_lab = cmsCreateTransform(srgb, TYPE_RGB_DBL, lab, TYPE_Lab_DBL,
                                              INTENT_RELATIVE_COLORIMETRIC, 0);
    cmsHPROFILE p = cmsCreateProfilePlaceholder(NULL);
    cmsPipeline *lut = cmsPipelineAlloc(NULL, 4, 3);
    cmsStage *clut = cmsStageAllocCLut16bit(NULL, 17, 4, 3, NULL);
    assert_true(to_lab && p && lut && clut);
    assert_true(cmsStageSampleCLut16bit(clut, press_sampler, to_lab, 0));
    /* lutAToBType: A curves, CLUT, B curves (identity curves here). */
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 4, NULL)));
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, clut));
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, NULL)));
    cmsSetProfileVersion(p, 4.3);
    cmsSetDeviceClass(p, cmsSigOutputClass);
    cmsSetColorSpace(p, cmsSigCmykData);
    cmsSetPCS(p, cmsSigLabData);
    assert_true(cmsWriteTag(p, cmsSigAToB0Tag, lut));
    assert_true(cmsWriteTag(p, cmsSigMediaWhitePointTag, cmsD50_XYZ()));
    cmsUInt32Number n = 0;
    assert_true(cmsSaveProfileToMem(p, NULL, &n));
    uint8_t *out = malloc(n);
    assert_non_null(out);
    assert_true(cmsSaveProfileToMem(p, out, &n));
    *size = n;
    cmsPipelineFree(lut);
    cmsCloseProfile(p);
    cmsDeleteTransform(to_lab);
    cmsCloseProfile(lab);
    cmsCloseProfile(srgb);
    return out;
}

/* Flat patches of ink, 16x16 each, stored as Adobe applications store CMYK (inverted,
 * with the APP14 marker libjpeg writes). */
#define PATCHES 4
static const uint8_t patch_ink[PATCHES][4] = {
    {200, 30, 10, 0}, {20, 180, 40, 10}, {0, 0, 0, 0}, {60, 120, 200, 40}};

static test_buffer cmyk_jpeg(const uint8_t *icc, size_t icc_size)
{
    uint8_t px[16 * 16 * PATCHES * 4];
    for (size_t i = 0; i < 16 * 16 * PATCHES; i++)
        for (int c = 0; c < 4; c++)
            px[4 * i + c] = (uint8_t)(255 - patch_ink[i % (16 * PATCHES) / 16][c]);
    return make_jpeg(px, 16 * PATCHES, 16, 4, icc, icc_size);
}

/* The mean of each patch's decoded pixels against an expected colour; largest error. */
static int patch_error(const imgcolor_image *img, int naive)
{
    int worst = 0;
    for (int p = 0; p < PATCHES; p++) {
        double ink[4], rgb[3], sum[3] = {0, 0, 0};
        for (int c = 0; c < 4; c++)
            ink[c] = patch_ink[p][c] / 255.0;
        if (naive)
            for (int c = 0; c < 3; c++)
                rgb[c] = (1 - ink[c]) * (1 - ink[3]);
        else
            press_rgb(ink, rgb);
        for (uint32_t y = 0; y < 16; y++)
            for (uint32_t x = 0; x < 16; x++)
                for (int c = 0; c < 3; c++)
                    sum[c] += img->rgba[4 * (y * img->width + 16 * (uint32_t)p + x) + (uint32_t)c];
        for (int c = 0; c < 3; c++) {
            int d = (int)lrint(fabs(sum[c] / 256 - 255 * rgb[c]));
            worst = d > worst ? d : worst;
        }
    }
    return worst;
}

static void test_cmyk_jpeg_profiles(void **state)
{
    (void)state;
    size_t size;
    uint8_t *icc = press_profile(&size);
    test_buffer b = cmyk_jpeg(icc, size);
    imgcolor_image *img = decode(&b);
    int through = patch_error(img, 0), naive = patch_error(img, 1);
    print_message("CMYK with a profile: %d levels from it, %d from the naive formula\n",
                  through, naive);
    assert_true(through <= 3);
    assert_true(naive > 20);
    for (size_t i = 0; i < (size_t)img->width * img->height; i++)
        assert_int_equal(img->rgba[4 * i + 3], 255);
    imgcolor_image_free(img);
    imgcolor_result *res = prominent(&b, 1);
    assert_int_equal(imgcolor_result_warning_count(res), 0);
    imgcolor_result_free(res);
    free(b.data);

    /* Without a profile, and with one that does not fit: the documented default. */
    size_t rgb_size;
    uint8_t *rgb_icc = read_profile("AdobeRGB1998.icc", &rgb_size);
    const uint8_t *profiles[2] = {NULL, rgb_icc};
    const size_t sizes[2] = {0, rgb_size};
    for (int i = 0; i < 2; i++) {
        b = cmyk_jpeg(profiles[i], sizes[i]);
        img = decode(&b);
        assert_true(patch_error(img, 1) <= 3);
        imgcolor_image_free(img);
        res = prominent(&b, 1);
        assert_int_equal(imgcolor_result_warning_count(res), (size_t)i);
        if (i)
            print_message("warning: %s\n", imgcolor_result_warning(res, 0));
        imgcolor_result_free(res);
        free(b.data);
    }
    free(rgb_icc);
    free(icc);
}

#if IMGCOLOR_WITH_TIFF
/* The same patches as a TIFF: inks as TIFF stores them (0 = none), 8 bits, with the
 * profile in its ICC tag, written through a file as libtiff writes. */
static test_buffer cmyk_tiff(const uint8_t *icc, size_t icc_size)
{
    char path[64];
    snprintf(path, sizeof path, "test_icc_cmyk_%ld.tif", (long)getpid());
    TIFF *tif = TIFFOpen(path, "w");
    assert_non_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 16 * PATCHES);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 16);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 4);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_SEPARATED);
    TIFFSetField(tif, TIFFTAG_INKSET, INKSET_CMYK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 16);
    if (icc)
        TIFFSetField(tif, TIFFTAG_ICCPROFILE, (uint32_t)icc_size, icc);
    uint8_t row[16 * PATCHES * 4];
    for (size_t i = 0; i < 16 * PATCHES; i++)
        memcpy(row + 4 * i, patch_ink[i / 16], 4);
    for (uint32_t y = 0; y < 16; y++)
        assert_int_equal(TIFFWriteScanline(tif, row, y, 0), 1);
    TIFFClose(tif);
    test_buffer b;
    b.data = test_read_file(path, &b.len);
    remove(path);
    return b;
}

/* A CMYK TIFF converts through its profile, as a CMYK JPEG does; one that does not fit
 * (an RGB profile) is a warning that says so, and the plain formula applies. */
static void test_cmyk_tiff_profiles(void **state)
{
    (void)state;
    size_t size, rgb_size;
    uint8_t *icc = press_profile(&size), *rgb_icc = read_profile("AdobeRGB1998.icc", &rgb_size);
    test_buffer b = cmyk_tiff(icc, size);
    imgcolor_image *img = decode(&b);
    int through = patch_error(img, 0), naive = patch_error(img, 1);
    print_message("CMYK TIFF with a profile: %d levels from it, %d from the naive formula\n",
                  through, naive);
    assert_true(through <= 3);
    assert_true(naive > 20);
    imgcolor_image_free(img);
    imgcolor_result *res = prominent(&b, 1);
    assert_int_equal(imgcolor_result_warning_count(res), 0);
    imgcolor_result_free(res);
    res = prominent(&b, 0); /* colour management off: the formula, no warning */
    assert_int_equal(imgcolor_result_warning_count(res), 0);
    imgcolor_result_free(res);
    free(b.data);

    b = cmyk_tiff(rgb_icc, rgb_size);
    img = decode(&b);
    assert_true(patch_error(img, 1) <= 3);
    imgcolor_image_free(img);
    res = prominent(&b, 1);
    assert_int_equal(imgcolor_result_warning_count(res), 1);
    assert_non_null(strstr(imgcolor_result_warning(res, 0), "does not fit"));
    assert_non_null(strstr(imgcolor_result_warning(res, 0), "for RGB"));
    imgcolor_result_free(res);
    free(b.data);
    free(rgb_icc);
    free(icc);
}
#endif

/* A grey profile fits grey pixels only; on a colour image it is a warning. */
static void test_grey_profile(void **state)
{
    (void)state;
    size_t size;
    uint8_t *icc = test_read_file("/usr/share/color/icc/Gray.icc", &size);
    rgb_image im = ramp();
    test_buffer colour = make_jpeg(im.rgb, im.w, im.h, 3, icc, size);
    imgcolor_result *res = prominent(&colour, 1);
    assert_int_equal(imgcolor_result_warning_count(res), 1);
    print_message("warning: %s\n", imgcolor_result_warning(res, 0));
    assert_null(imgcolor_result_profile(res));
    imgcolor_result_free(res);
    /* The grey ramp alone, as a grey image: converted, and still grey. */
    uint8_t ramp_grey[64];
    for (size_t i = 0; i < 64; i++)
        ramp_grey[i] = im.rgb[3 * i];
    test_buffer g = make_jpeg(ramp_grey, 64, 1, 1, icc, size);
    imgcolor_image *img = decode(&g);
    res = prominent(&g, 1);
    assert_non_null(imgcolor_result_profile(res));
    assert_int_equal(imgcolor_result_warning_count(res), 0);
    int changed = 0;
    for (size_t i = 0; i < im.w; i++) {
        const uint8_t *p = img->rgba + 4 * i;
        assert_true(p[0] == p[1] && p[1] == p[2]);
        changed |= abs(p[0] - im.rgb[3 * i]) > 1; /* JPEG rounding aside */
    }
    print_message("grey profile \"%s\": values %s\n", imgcolor_result_profile(res),
                  changed ? "converted" : "unchanged");
    imgcolor_result_free(res);
    imgcolor_image_free(img);
    free(g.data);
    free(colour.data);
    free(im.rgb);
    free(icc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_adobe_rgb),
        cmocka_unit_test(test_png_prophoto_rgb),
        cmocka_unit_test(test_jpeg_adobe_rgb),
        cmocka_unit_test(test_jpeg_prophoto_rgb),
        cmocka_unit_test(test_broken_profiles),
        cmocka_unit_test(test_webp_adobe_and_prophoto_rgb),
        cmocka_unit_test(test_jpeg_multi_chunk_profile),
        cmocka_unit_test(test_png_gamma_chunks),
        cmocka_unit_test(test_cmyk_jpeg_profiles),
        cmocka_unit_test(test_grey_profile),
#if IMGCOLOR_WITH_TIFF
        cmocka_unit_test(test_cmyk_tiff_profiles),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
