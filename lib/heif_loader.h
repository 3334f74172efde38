/* heif_loader.h: libheif and libaom, opened with dlopen() when a HEIF or AVIF file is
 * decoded, so that a process that never decodes one does not pay for loading them. */
#ifndef IMGCOLOR_HEIF_LOADER_H
#define IMGCOLOR_HEIF_LOADER_H

#include "dl_symbols.h"
#include "internal.h"

#include <aom/aom_decoder.h>
#include <aom/aomdx.h>
#include <libheif/heif.h>

/* The sonames of the Debian 12 packages libheif1 and libaom3. */
#define IMGCOLOR__HEIF_SONAME "libheif.so.1"
#define IMGCOLOR__AOM_SONAME "libaom.so.3"

/* The functions decode_heif.c and decode_heif_av1.c call, each a member of the same
 * name and type as in libheif's header. */
#define IMGCOLOR__HEIF_FUNCTIONS(X)                                                              \
    X(heif_context_alloc)                                                                       \
    X(heif_context_free)                                                                        \
    X(heif_context_set_max_decoding_threads)                                                    \
    X(heif_register_decoder)                                                                    \
    X(heif_context_read_from_memory_without_copy)                                               \
    X(heif_context_get_primary_image_handle)                                                    \
    X(heif_image_handle_get_width)                                                              \
    X(heif_image_handle_get_height)                                                             \
    X(heif_image_handle_has_alpha_channel)                                                      \
    X(heif_image_handle_is_premultiplied_alpha)                                                 \
    X(heif_image_handle_get_color_profile_type)                                                 \
    X(heif_image_handle_get_raw_color_profile_size)                                             \
    X(heif_image_handle_get_raw_color_profile)                                                  \
    X(heif_image_handle_release)                                                                \
    X(heif_decoding_options_alloc)                                                              \
    X(heif_decoding_options_free)                                                               \
    X(heif_decode_image)                                                                        \
    X(heif_image_create)                                                                        \
    X(heif_image_add_plane)                                                                     \
    X(heif_image_get_plane)                                                                     \
    X(heif_image_get_plane_readonly)                                                            \
    X(heif_image_get_width)                                                                     \
    X(heif_image_get_height)                                                                    \
    X(heif_image_get_bits_per_pixel_range)                                                      \
    X(heif_image_release)

/* The AV1 decoder's: aom_codec_dec_init() is a macro over aom_codec_dec_init_ver(). */
#define IMGCOLOR__AOM_FUNCTIONS(X)                                                               \
    X(aom_codec_av1_dx)                                                                         \
    X(aom_codec_dec_init_ver)                                                                   \
    X(aom_codec_decode)                                                                         \
    X(aom_codec_get_frame)                                                                      \
    X(aom_codec_destroy)


/* One opened libheif: valid between imgcolor__heif_open() and imgcolor__heif_close(). */
typedef struct imgcolor__heif_api {
    void *lib;
    IMGCOLOR__HEIF_FUNCTIONS(IMGCOLOR__API_MEMBER)
} imgcolor__heif_api;

typedef struct imgcolor__aom_api {
    void *lib;
    IMGCOLOR__AOM_FUNCTIONS(IMGCOLOR__API_MEMBER)
} imgcolor__aom_api;

/*
 * Opens the library `soname` (IMGCOLOR__HEIF_SONAME; tests pass others) and resolves
 * every function into *api. `format` names the input in the message ("HEIF", "AVIF").
 * Returns IMGCOLOR_OK, or IMGCOLOR_E_FORMAT, "FORMAT support not available: SONAME
 * could not be loaded" (or "...lacks FUNCTION"), with *api closed. Each call opens the
 * library anew: it stays mapped once loaded (RTLD_NODELETE), so a later open only counts
 * a reference. Thread-safe, as dlopen() is.
 */
imgcolor_status imgcolor__heif_open(imgcolor__heif_api *api, const char *soname,
                                    const char *format, imgcolor_error *err);
void imgcolor__heif_close(imgcolor__heif_api *api);

/* The same for libaom; returns 0 on success, or -1 with *api closed. */
int imgcolor__aom_open(imgcolor__aom_api *api, const char *soname);
void imgcolor__aom_close(imgcolor__aom_api *api);

#endif
