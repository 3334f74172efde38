/* internal.h: declarations shared by the library's own files, never installed.
 * Names here carry the imgcolor__ prefix; everything else in lib/ is static. */
#ifndef IMGCOLOR_INTERNAL_H
#define IMGCOLOR_INTERNAL_H

#include "imgcolor.h"

struct imgcolor_options {
    int k;
    int n_init;
    int max_iter;
    double tol;
    uint64_t seed;
    int min_alpha;
    int threads;
    uint64_t max_pixels;
    uint64_t max_bytes;
    int all_frames;
    int max_frames;
    uint64_t max_total_pixels;
    int color_management; /* convert pixels from the image's colour profile to sRGB */
    imgcolor_space space; /* where the distinct colours are clustered */
    uint64_t time_limit_ms; /* CPU time per call; 0: none */
    int fast;                  /* count a sample of the pixels (sample.c) */
    uint64_t fast_min_pixels;  /* the fewest pixels the sample keeps */
    int where;                 /* place each cluster's pixels (where.c) */
    int has_region;            /* region holds the region counted; 0: the whole image */
    imgcolor_region_spec region;
    imgcolor_background_mode background;
    imgcolor_rgb background_color; /* with IMGCOLOR_BACKGROUND_COLOR */
    double bg_tolerance;       /* deltaE OK */
};

/* Fills err (when not NULL) with status and a printf-style message; returns status so
 * that callers can write `return imgcolor__fail(err, IMGCOLOR_E_DECODE, "...")`. */
imgcolor_status imgcolor__fail(imgcolor_error *err, imgcolor_status status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* malloc() for an array that will be written front to back (all of it, or a prefix that
 * no smaller bound predicts): a large one is placed so that the system can back it with
 * huge pages, and fault it in a few times rather than once per 4 KiB. Freed with free(). */
void *imgcolor__alloc_large(size_t size);

/* The options in force: opt itself, or the defaults when opt is NULL. Only the public
 * entry points call it, once: every internal function takes a non-NULL options pointer. */
const imgcolor_options *imgcolor__options_or_default(const imgcolor_options *opt,
                                                     imgcolor_options *storage);

/* The defaults, for white-box tests of internal functions, which take no NULL. */
const imgcolor_options *imgcolor__options_defaults(void);

/*
 * Where a decoder delivers pixels. begin() is called once, after the size limits have
 * passed and before any pixel buffer is allocated; rows() receives RGBA rows top to
 * bottom, `count` rows of 4 * width bytes at a time. A non-OK return from any callback
 * stops decoding and is passed on.
 *
 * buffer(), when not NULL, is asked before each rows() where to decode those rows: it
 * sets *out to room for `count` rows from row y, which rows() then receives, so that
 * the rows are written once, in place; or to NULL, and the decoder uses its own buffer.
 *
 * profile(), when not NULL, receives the colour profile the image carries (see
 * imgcolor__sink_profile()); rows are always delivered as the file codes them.
 *
 * warning(), when not NULL, is told of something the result should mention, such as a
 * colour profile that could not be used (see imgcolor__sink_warning()).
 */
typedef struct imgcolor__sink {
    imgcolor_status (*begin)(void *user, uint32_t width, uint32_t height);
    imgcolor_status (*rows)(void *user, const uint8_t *rgba, uint32_t y, uint32_t count);
    void *user;
    imgcolor_status (*buffer)(void *user, uint32_t y, uint32_t count, uint8_t **out);
    imgcolor_status (*profile)(void *user, const uint8_t *icc, size_t size);
    void (*warning)(void *user, const char *message);
    /* scale(), when not NULL, is asked by a decoder that can decode at a reduced scale
     * (JPEG: 1/2, 1/4, 1/8 by its DCT) before begin(), with the full size: it sets
     * *denom to 1, 2, 4 or 8, and begin() then receives the size divided by it, rounded
     * up. */
    imgcolor_status (*scale)(void *user, uint32_t width, uint32_t height, uint32_t *denom);
    /* bands(), when not NULL, is asked by a decoder that can skip bands of band_rows
     * rows for less than decoding them (JPEG: whole iMCU rows), after scale() and before
     * begin(), with the size begin() will receive: it sets *step to keep one band in
     * step, the first one first (1: every row). The decoder may still deliver rows of
     * the other bands, which rows() then ignores. */
    imgcolor_status (*bands)(void *user, uint32_t width, uint32_t height, uint32_t band_rows,
                             uint32_t *step);
    /* crop(), when not NULL, is asked by a decoder that can decode a part of the image
     * only (JPEG), after scale() and before begin(), with the size it would deliver: it
     * sets *x, *y, *w, *h to the part wanted (all of it by default), and begin() and
     * rows() then receive that part only, rows numbered from 0 within it. */
    imgcolor_status (*crop)(void *user, uint32_t width, uint32_t height, uint32_t *x,
                            uint32_t *y, uint32_t *w, uint32_t *h);
    /* frames(), when not NULL, is told by a decoder of an animation that stacks more
     * than one frame, before begin(), how many frames of frame_height rows follow. */
    imgcolor_status (*frames)(void *user, uint32_t frame_height, uint64_t count);
} imgcolor__sink;

/* Hands the image's embedded ICC profile (size bytes, valid only during the call) to
 * the sink's profile(), when it has one; decoders call it at most once, before begin().
 * The bytes are untrusted: the sink checks them. */
imgcolor_status imgcolor__sink_profile(const imgcolor__sink *sink, const uint8_t *icc,
                                       size_t size);

/* Passes a warning (copied during the call) to the sink's warning(), when it has one. */
void imgcolor__sink_warning(const imgcolor__sink *sink, const char *message);

/* Where the decoder should write `count` rows of `stride` bytes from row y: the sink's
 * room, or else own_rows, allocated on first use (with room for max_rows rows) and kept
 * for the caller to free. */
imgcolor_status imgcolor__sink_buffer(const imgcolor__sink *sink, uint32_t y, uint32_t count,
                                      size_t stride, uint32_t max_rows, uint8_t **own_rows,
                                      uint8_t **out);

/* Decodes an image of any format imgcolor_formats() names, sniffed from its magic bytes,
 * into sink. */
imgcolor_status imgcolor__decode_stream(const void *data, size_t size, const imgcolor_options *opt,
                                        const imgcolor__sink *sink, imgcolor_error *err);
imgcolor_status imgcolor__decode_png(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                     const imgcolor__sink *sink, imgcolor_error *err);
imgcolor_status imgcolor__decode_jpeg(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err);

/* Checks width x height against opt->max_pixels and against SIZE_MAX for an RGBA buffer. */
imgcolor_status imgcolor__check_dimensions(uint32_t width, uint32_t height,
                                           const imgcolor_options *opt, imgcolor_error *err);

/* The formats other than PNG and JPEG, each present when the build enables it. */
#ifndef IMGCOLOR_WITH_WEBP
#define IMGCOLOR_WITH_WEBP 0
#endif
#ifndef IMGCOLOR_WITH_GIF
#define IMGCOLOR_WITH_GIF 0
#endif
#ifndef IMGCOLOR_WITH_TIFF
#define IMGCOLOR_WITH_TIFF 0
#endif
#ifndef IMGCOLOR_WITH_HEIF
#define IMGCOLOR_WITH_HEIF 0
#endif
imgcolor_status imgcolor__decode_webp(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err);
imgcolor_status imgcolor__decode_gif(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                     const imgcolor__sink *sink, imgcolor_error *err);
imgcolor_status imgcolor__decode_tiff(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err);
imgcolor_status imgcolor__decode_heif(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err);

/* The AV1 decoder the HEIF decoder registers with libheif (decode_heif_av1.c). */
struct heif_decoder_plugin;
const struct heif_decoder_plugin *imgcolor__heif_av1_plugin(void);

/* The most pixels a decoder may produce per input byte beyond a first image: PNG's
 * deflate, at 1032:1 on one-bit rows, reaches 8256; this is the same order. */
#define IMGCOLOR__PIXELS_PER_BYTE_MAX 8192u

/* Checks an animation of `frames` frames of width x height (each already through
 * imgcolor__check_dimensions()) against opt->max_frames, opt->max_total_pixels and
 * IMGCOLOR__PIXELS_PER_BYTE_MAX of input_size, and that the frames stacked fit one
 * image. format names the format in the message. */
imgcolor_status imgcolor__check_frames(const char *format, uint32_t width, uint32_t height,
                                       uint64_t frames, size_t input_size,
                                       const imgcolor_options *opt, imgcolor_error *err);

/* Delivers a whole decoded RGBA frame (width x height, packed) to sink->rows() in
 * batches, its first row as row y0 of the sink's image. */
imgcolor_status imgcolor__sink_frame(const imgcolor__sink *sink, const uint8_t *rgba,
                                     uint32_t width, uint32_t height, uint32_t y0);

/* Reads a whole file of at most max_bytes into a malloc'd buffer. */
imgcolor_status imgcolor__read_file(const char *path, uint64_t max_bytes, uint8_t **data,
                                    size_t *size, imgcolor_error *err);

#endif
