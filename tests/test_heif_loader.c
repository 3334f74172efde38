/* test_heif_loader.c: libheif is loaded only when a HEIF file is decoded, and libtiff
 * only when a TIFF is, both stay loaded after, and a library that cannot be loaded is a
 * clear format error. This program links neither, so what it finds mapped the library
 * loaded. */
#include <dlfcn.h>
#include <stdio.h>

#include "decode_helpers.h"

/* True when the process has soname loaded; loads nothing. */
static int mapped(const char *soname)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    if (lib)
        dlclose(lib);
    return lib != NULL;
}

#if IMGCOLOR_WITH_TIFF || IMGCOLOR_WITH_HEIF
static void decode_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/decode/%s", IMGCOLOR_SOURCE_DIR, name);
    size_t size;
    uint8_t *data = test_read_file(path, &size);
    probe p;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = probe_decode(data, size, NULL, &p, &err);
    if (st != IMGCOLOR_OK)
        fail_msg("%s: %s", name, err.message);
    assert_true(p.width > 0 && p.height > 0);
    probe_free(&p);
    free(data);
}
#endif

#if IMGCOLOR_WITH_TIFF
#include "tiff_loader.h"

/* libtiff and what it needs are not mapped until the first TIFF, and stay after (the
 * test program links cmocka and the library's C dependencies only). */
static void test_tiff_loaded_on_first_tiff(void **state)
{
    (void)state;
    assert_false(mapped(IMGCOLOR__TIFF_SONAME));
    assert_false(mapped("libLerc.so.4"));
    assert_false(mapped("libstdc++.so.6"));
    decode_file("baseline.jpg");
    decode_file("interlaced.png");
    assert_false(mapped(IMGCOLOR__TIFF_SONAME));
    decode_file("tiff-rgb8-deflate.tif");
    assert_true(mapped(IMGCOLOR__TIFF_SONAME));
    decode_file("tiff-jpeg-ycbcr.tif");
    assert_true(mapped(IMGCOLOR__TIFF_SONAME));
}

static void test_tiff_missing(void **state)
{
    (void)state;
    imgcolor__tiff_api api;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    assert_int_equal(imgcolor__tiff_open(&api, "libtiff-absent.so.6", &err), IMGCOLOR_E_FORMAT);
    assert_string_equal(err.message,
                        "TIFF support not available: libtiff-absent.so.6 could not be loaded");
    assert_null(api.lib);
    imgcolor__tiff_close(&api);
    assert_int_equal(imgcolor__tiff_open(&api, "libc.so.6", &err), IMGCOLOR_E_FORMAT);
    assert_string_equal(err.message,
                        "TIFF support not available: libc.so.6 lacks TIFFOpenOptionsAlloc");
    assert_null(api.TIFFGetField);
}
#endif

#if IMGCOLOR_WITH_HEIF
#include "heif_loader.h"

/* One test, in order: what is mapped depends on what ran before in this process. */
static void test_loaded_on_first_heif(void **state)
{
    (void)state;
    assert_false(mapped(IMGCOLOR__HEIF_SONAME));
    assert_false(mapped("libde265.so.0"));
    assert_false(mapped(IMGCOLOR__AOM_SONAME));
    decode_file("baseline.jpg");
    decode_file("interlaced.png");
    assert_false(mapped(IMGCOLOR__HEIF_SONAME));
    decode_file("heic.heic");
    /* RTLD_NODELETE: closed by the decoder, still mapped, libde265 with it. */
    assert_true(mapped(IMGCOLOR__HEIF_SONAME));
    assert_true(mapped("libde265.so.0"));
    decode_file("heic-alpha.heic");
    decode_file("avif-alpha.avif");
    assert_true(mapped(IMGCOLOR__AOM_SONAME));
}

static void test_open_close(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        imgcolor__heif_api api;
        imgcolor_error err = {IMGCOLOR_OK, ""};
        assert_int_equal(imgcolor__heif_open(&api, IMGCOLOR__HEIF_SONAME, "HEIF", &err),
                         IMGCOLOR_OK);
        assert_non_null(api.lib);
        assert_non_null(api.heif_context_alloc);
        struct heif_context *ctx = api.heif_context_alloc();
        assert_non_null(ctx);
        api.heif_context_free(ctx);
        imgcolor__heif_close(&api);
        assert_null(api.lib);
        imgcolor__aom_api aom;
        assert_int_equal(imgcolor__aom_open(&aom, IMGCOLOR__AOM_SONAME), 0);
        assert_non_null(aom.aom_codec_av1_dx());
        imgcolor__aom_close(&aom);
    }
}

static void test_missing_library(void **state)
{
    (void)state;
    imgcolor__heif_api api;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    assert_int_equal(imgcolor__heif_open(&api, "libheif-absent.so.1", "HEIF", &err),
                     IMGCOLOR_E_FORMAT);
    assert_int_equal(err.status, IMGCOLOR_E_FORMAT);
    assert_string_equal(err.message,
                        "HEIF support not available: libheif-absent.so.1 could not be loaded");
    assert_null(api.lib);
    assert_null(api.heif_decode_image);
    imgcolor__heif_close(&api); /* closing what failed to open is harmless */
    assert_int_equal(imgcolor__heif_open(&api, "libheif-absent.so.1", "AVIF", NULL),
                     IMGCOLOR_E_FORMAT);

    imgcolor__aom_api aom;
    assert_int_equal(imgcolor__aom_open(&aom, "libaom-absent.so.3"), -1);
    assert_null(aom.lib);
    assert_null(aom.aom_codec_decode);
    imgcolor__aom_close(&aom);
}

/* A library of that name that is not libheif (here libc): the first function it lacks. */
static void test_missing_function(void **state)
{
    (void)state;
    imgcolor__heif_api api;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    assert_int_equal(imgcolor__heif_open(&api, "libc.so.6", "AVIF", &err), IMGCOLOR_E_FORMAT);
    assert_string_equal(err.message, "AVIF support not available: libc.so.6 lacks "
                                     "heif_context_alloc");
    assert_null(api.lib);
    assert_null(api.heif_context_alloc);
    imgcolor__aom_api aom;
    assert_int_equal(imgcolor__aom_open(&aom, "libc.so.6"), -1);
    assert_null(aom.lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#if IMGCOLOR_WITH_TIFF /* first: libheif would bring libstdc++ in */
        cmocka_unit_test(test_tiff_loaded_on_first_tiff),
        cmocka_unit_test(test_tiff_missing),
#endif
        cmocka_unit_test(test_loaded_on_first_heif),
        cmocka_unit_test(test_open_close),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_missing_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
/* Built without HEIF: a HEIF file is refused, and libheif is never opened for it. */
static void test_never_loaded(void **state)
{
    (void)state;
    static const char heic[] = "\0\0\0\x18" "ftypheic\0\0\0\0mif1heic";
    probe p;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    assert_int_equal(probe_decode(heic, sizeof heic - 1, NULL, &p, &err), IMGCOLOR_E_FORMAT);
    assert_false(mapped("libheif.so.1"));
    probe_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#if IMGCOLOR_WITH_TIFF
        cmocka_unit_test(test_tiff_loaded_on_first_tiff),
        cmocka_unit_test(test_tiff_missing),
#endif
        cmocka_unit_test(test_never_loaded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
