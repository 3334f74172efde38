/* test_icc_shaper.c: RGB matrix/TRC profiles evaluated directly (lib/icc_shaper.c)
 * against Little CMS's own floating-point transform, and the profiles that must still
 * go through Little CMS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "icc.h"
#include "icc_shaper.h"
#include "support.h"

#define ICC_DIR "/usr/share/color/icc/colord/"

/* Every STRIDE-th colour of the 2^24, a prime stride so that all channel values occur. */
#define STRIDE 61u
#define COLOURS ((1u << 24) / STRIDE + 1)

static uint8_t *every_stride(void)
{
    uint8_t *rgb = malloc((size_t)COLOURS * 3);
    assert_non_null(rgb);
    for (uint32_t i = 0; i < COLOURS; i++) {
        uint32_t c = i * STRIDE;
        rgb[3 * i] = (uint8_t)(c >> 16);
        rgb[3 * i + 1] = (uint8_t)(c >> 8);
        rgb[3 * i + 2] = (uint8_t)c;
    }
    return rgb;
}

static uint8_t to_byte(double v)
{
    double r = rint(v * 255.0);
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* Colours through Little CMS's double transform, rounded as icc.c rounds. */
static void lcms_colours(cmsHPROFILE src, const uint8_t *rgb, uint8_t *out, size_t n)
{
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHTRANSFORM x = cmsCreateTransform(src, TYPE_RGB_8, srgb, TYPE_RGB_DBL,
                                         INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOCACHE);
    assert_non_null(x);
    double buf[3 * 1024];
    for (size_t i = 0; i < n; i += 1024) {
        size_t m = n - i < 1024 ? n - i : 1024;
        cmsDoTransform(x, rgb + 3 * i, buf, (cmsUInt32Number)m);
        for (size_t j = 0; j < 3 * m; j++)
            out[3 * i + j] = to_byte(buf[j]);
    }
    cmsDeleteTransform(x);
    cmsCloseProfile(srgb);
}

/* Each colour through the library's transform for the profile file. */
static void library_colours(const char *path, const uint8_t *rgb, uint8_t *out, size_t n)
{
    size_t size;
    uint8_t *icc = test_read_file(path, &size);
    imgcolor__icc *x = NULL;
    char why[160];
    assert_int_equal(imgcolor__icc_new(icc, size, 0, 0, &x, why, sizeof why), IMGCOLOR_OK);
    imgcolor__icc_colors(x, rgb, out, n);
    imgcolor__icc_free(x);
    free(icc);
}

/* On the profiles of real images the direct evaluation agrees with Little CMS but where
 * Little CMS's single precision lands on the other side of a rounding boundary: one
 * level, on at most 1 channel in 100 000 (measured over all 2^24 colours: at most 264
 * of 50 331 648, Adobe RGB). */
static void test_matches_little_cms(void **state)
{
    (void)state;
    static const char *names[] = {"AdobeRGB1998.icc", "ProPhotoRGB.icc", "AppleRGB.icc",
                                  "WideGamutRGB.icc", "Rec709.icc",     "sRGB.icc",
                                  "ECI-RGBv2.icc",    "BestRGB.icc"};
    uint8_t *rgb = every_stride();
    uint8_t *ours = malloc((size_t)COLOURS * 3), *theirs = malloc((size_t)COLOURS * 3);
    assert_true(ours && theirs);
    for (size_t p = 0; p < sizeof names / sizeof names[0]; p++) {
        char path[256];
        snprintf(path, sizeof path, ICC_DIR "%s", names[p]);
        cmsHPROFILE src = cmsOpenProfileFromFile(path, "r"), srgb = cmsCreate_sRGBProfile();
        assert_non_null(src);
        imgcolor__shaper s;
        assert_int_equal(imgcolor__shaper_init(&s, src, srgb), 1);
        library_colours(path, rgb, ours, COLOURS);
        lcms_colours(src, rgb, theirs, COLOURS);
        size_t differ = 0;
        for (size_t i = 0; i < (size_t)COLOURS * 3; i++) {
            assert_true(abs(ours[i] - theirs[i]) <= 1);
            differ += ours[i] != theirs[i];
        }
        assert_true(differ <= (size_t)COLOURS * 3 / 100000);
        cmsCloseProfile(srgb);
        cmsCloseProfile(src);
    }
    free(theirs);
    free(ours);
    free(rgb);
}

/* sRGB's own thresholds: every byte value of a profile identical to sRGB comes back
 * unchanged, the boundary cases included. */
static void test_srgb_is_identity(void **state)
{
    (void)state;
    cmsHPROFILE a = cmsCreate_sRGBProfile(), b = cmsCreate_sRGBProfile();
    imgcolor__shaper s;
    assert_int_equal(imgcolor__shaper_init(&s, a, b), 1);
    uint8_t in[256 * 3], out[256 * 3];
    for (int v = 0; v < 256; v++)
        in[3 * v] = in[3 * v + 1] = in[3 * v + 2] = (uint8_t)v;
    imgcolor__shaper_colors(&s, in, out, 256);
    for (int i = 0; i < 256 * 3; i++)
        assert_int_equal(out[i], in[i]);
    cmsCloseProfile(b);
    cmsCloseProfile(a);
}

/* Lab of the sRGB colour with red and blue swapped: a table no matrix could mistake. */
static cmsInt32Number swap_sampler(const cmsUInt16Number in[], cmsUInt16Number out[],
                                   void *cargo)
{
    double rgb[3] = {in[2] / 65535.0, in[1] / 65535.0, in[0] / 65535.0};
    cmsCIELab lab;
    cmsDoTransform(cargo, rgb, &lab, 1);
    cmsFloat2LabEncoded(out, &lab);
    return TRUE;
}

/* sRGB's matrix and curves plus an A-to-B table of the given tag, serialised to path. */
static void table_profile(cmsTagSignature tag, const char *path)
{
    cmsHPROFILE srgb = cmsCreate_sRGBProfile(), lab = cmsCreateLab4Profile(NULL);
    cmsHTRANSFORM to_lab = cmsCreateTransform(srgb, TYPE_RGB_DBL, lab, TYPE_Lab_DBL,
                                              INTENT_RELATIVE_COLORIMETRIC, 0);
    cmsHPROFILE p = cmsCreate_sRGBProfile();
    cmsPipeline *lut = cmsPipelineAlloc(NULL, 3, 3);
    cmsStage *clut = cmsStageAllocCLut16bit(NULL, 17, 3, 3, NULL);
    assert_true(to_lab && p && lut && clut);
    assert_true(cmsStageSampleCLut16bit(clut, swap_sampler, to_lab, 0));
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, NULL)));
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, clut));
    assert_true(cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, NULL)));
    cmsSetPCS(p, cmsSigLabData);
    assert_true(cmsWriteTag(p, tag, lut));
    assert_true(cmsSaveProfileToFile(p, path));
    cmsPipelineFree(lut);
    cmsCloseProfile(p);
    cmsDeleteTransform(to_lab);
    cmsCloseProfile(lab);
    cmsCloseProfile(srgb);
}

/* A profile with a colour table for any intent is Little CMS's to apply (it falls back
 * to the perceptual table), exactly as before, though it has a matrix too. */
static void test_tables_go_through_little_cms(void **state)
{
    (void)state;
    static const cmsTagSignature tags[] = {cmsSigAToB0Tag, cmsSigAToB1Tag};
    uint8_t *rgb = every_stride();
    uint8_t *ours = malloc((size_t)COLOURS * 3), *theirs = malloc((size_t)COLOURS * 3);
    assert_true(ours && theirs);
    char path[64];
    snprintf(path, sizeof path, "test_icc_shaper_%ld.icc", (long)getpid());
    for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
        table_profile(tags[t], path);
        cmsHPROFILE src = cmsOpenProfileFromFile(path, "r"), srgb = cmsCreate_sRGBProfile();
        assert_non_null(src);
        imgcolor__shaper s;
        assert_int_equal(imgcolor__shaper_init(&s, src, srgb), 0);
        library_colours(path, rgb, ours, COLOURS);
        lcms_colours(src, rgb, theirs, COLOURS);
        assert_memory_equal(ours, theirs, (size_t)COLOURS * 3);
        /* The table, not the matrix, was applied: pure red came out blue. */
        uint8_t red[3] = {255, 0, 0}, out[3];
        library_colours(path, red, out, 1);
        assert_true(out[2] > 200 && out[0] < 60);
        cmsCloseProfile(srgb);
        cmsCloseProfile(src);
        remove(path);
    }
    free(theirs);
    free(ours);
    free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_little_cms),
        cmocka_unit_test(test_srgb_is_identity),
        cmocka_unit_test(test_tables_go_through_little_cms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
