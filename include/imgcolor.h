/*
 * libimgcolor: the prominent colours of an image, as exact k-means of its pixels.
 *
 *     imgcolor_options *opt = NULL;
 *     imgcolor_result *res = NULL;
 *     imgcolor_error err;
 *     imgcolor_options_new(&opt);
 *     imgcolor_options_set_k(opt, 6);
 *     if (imgcolor_prominent_file("photo.jpg", opt, &res, &err) == IMGCOLOR_OK)
 *         for (size_t i = 0; i < imgcolor_result_count(res); i++)
 *             printf("%s %llu\n", imgcolor_result_color(res, i)->hex,
 *                    (unsigned long long)imgcolor_result_color(res, i)->count);
 *     else
 *         fprintf(stderr, "photo.jpg: %s\n", err.message);
 *     imgcolor_result_free(res);
 *     imgcolor_options_free(opt);
 *
 * The library is stateless: it uses no global or thread-local storage, so any number
 * of threads may call it at once. An options handle may be shared by threads that only
 * read it. Every object the caller receives has a free function that accepts NULL.
 */
#ifndef IMGCOLOR_H
#define IMGCOLOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(IMGCOLOR_BUILDING) && defined(__GNUC__)
#define IMGCOLOR_API __attribute__((visibility("default")))
#else
#define IMGCOLOR_API
#endif

#define IMGCOLOR_VERSION_MAJOR 0
#define IMGCOLOR_VERSION_MINOR 1
#define IMGCOLOR_VERSION_PATCH 0
#define IMGCOLOR_VERSION_STRING "0.1.0"
#define IMGCOLOR_VERSION_NUMBER \
    (IMGCOLOR_VERSION_MAJOR * 10000 + IMGCOLOR_VERSION_MINOR * 100 + IMGCOLOR_VERSION_PATCH)

/* The version of the library actually linked, as "x.y.z". */
IMGCOLOR_API const char *imgcolor_version(void);

/* The image formats this build decodes, space-separated, e.g. "PNG JPEG WebP GIF TIFF
 * HEIC AVIF" (WebP, GIF, TIFF and HEIC/AVIF are build options). A static string. */
IMGCOLOR_API const char *imgcolor_formats(void);

/* ------------------------------------------------------------------------------------ */
/* Status codes                                                                          */

/* X(name, value, description): the single list behind the enum and imgcolor_strerror(). */
#define IMGCOLOR_STATUS_MAP(X)                                                      \
    X(OK, 0, "success")                                                             \
    X(E_INVALID, -1, "invalid argument")                                            \
    X(E_RANGE, -2, "value out of range")                                            \
    X(E_NOMEM, -3, "out of memory")                                                 \
    X(E_IO, -4, "cannot read or write file")                                        \
    X(E_FORMAT, -5, "unrecognised image format")                                    \
    X(E_DECODE, -6, "corrupt or truncated image")                                   \
    X(E_TOO_LARGE, -7, "input exceeds the configured size limit")                   \
    X(E_NO_PIXELS, -8, "image has no opaque pixels")                                \
    X(E_PARSE, -9, "malformed text")                                                \
    X(E_FONT, -10, "font unavailable")                                              \
    X(E_ENCODE, -11, "cannot encode image")                                         \
    X(E_INTERNAL, -12, "internal error")                                            \
    X(E_LIMIT, -13, "work limit exceeded")

typedef enum imgcolor_status {
#define IMGCOLOR_STATUS_ENUM_(name, value, text) IMGCOLOR_##name = value,
    IMGCOLOR_STATUS_MAP(IMGCOLOR_STATUS_ENUM_)
#undef IMGCOLOR_STATUS_ENUM_
} imgcolor_status;

/* A static English description of a status; never NULL, even for unknown values. */
IMGCOLOR_API const char *imgcolor_strerror(imgcolor_status status);

/* The symbolic name of a status ("E_DECODE"), for logs and machine-readable errors. */
IMGCOLOR_API const char *imgcolor_status_name(imgcolor_status status);

/*
 * Details of a failure. Functions that can fail for reasons worth explaining take an
 * optional imgcolor_error *; on failure they fill it with the status and a message such
 * as "PNG: IHDR: CRC error" or "image is 100000x100000, over the limit of 64000000
 * pixels". Passing NULL is allowed. The struct is the caller's: no allocation.
 */
typedef struct imgcolor_error {
    imgcolor_status status;
    char message[256];
} imgcolor_error;

/* ------------------------------------------------------------------------------------ */
/* Options                                                                               */

typedef struct imgcolor_options imgcolor_options;

#define IMGCOLOR_K_MAX 256
#define IMGCOLOR_DEFAULT_MAX_PIXELS 64000000u

/*
 * Creates an options handle with the defaults: k = 6, n_init = 10, max_iter = 300,
 * tol = 1e-4, seed = 0, min_alpha = 128, threads = 0 (automatic, see
 * imgcolor_options_set_threads()), max_pixels = 64 000 000, max_bytes = 256 MiB.
 * Free it with imgcolor_options_free(). Returns IMGCOLOR_E_NOMEM or IMGCOLOR_OK.
 */
IMGCOLOR_API imgcolor_status imgcolor_options_new(imgcolor_options **out);

/* Frees an options handle. Accepts NULL. */
IMGCOLOR_API void imgcolor_options_free(imgcolor_options *opt);

/* Copies an options handle; free the copy with imgcolor_options_free(). */
IMGCOLOR_API imgcolor_status imgcolor_options_copy(const imgcolor_options *opt,
                                                   imgcolor_options **out);

/*
 * Setters validate their argument and return IMGCOLOR_E_RANGE, leaving the option
 * unchanged, when it is outside the range given, or IMGCOLOR_E_INVALID for a NULL handle.
 */
/* Number of clusters, 1..IMGCOLOR_K_MAX. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_k(imgcolor_options *opt, int k);
/* Number of k-means++ initialisations; the run with the lowest inertia wins. 1..1000. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_n_init(imgcolor_options *opt, int n_init);
/* Maximum Lloyd iterations per initialisation, 1..100000. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_max_iter(imgcolor_options *opt, int max_iter);
/* Relative tolerance (times the mean per-channel pixel variance), 0..1, finite. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_tol(imgcolor_options *opt, double tol);
/* Seed of the random initialisation; equal seeds give bit-identical results. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_seed(imgcolor_options *opt, uint64_t seed);
/* Pixels whose alpha is below this are counted as transparent, not clustered. 0..255. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_min_alpha(imgcolor_options *opt, int min_alpha);
/*
 * Threads per call, 0 (automatic) or 1..64; results do not depend on it. The n_init runs
 * are spread over this many threads (the calling thread among them), never more than
 * n_init; 0 is one per online processor, at most 8. With any value but 1, an image of a
 * megapixel or more is also counted on a second thread while it is decoded.
 */
IMGCOLOR_API imgcolor_status imgcolor_options_set_threads(imgcolor_options *opt, int threads);
/* Largest accepted width x height, checked from the image header before decoding,
 * 1..2^40. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_max_pixels(imgcolor_options *opt,
                                                             uint64_t max_pixels);
/* Largest accepted encoded input, in bytes. >= 1. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_max_bytes(imgcolor_options *opt,
                                                            uint64_t max_bytes);

/* Colour management, 1 (the default) or 0: pixels are converted from the colour space
 * the image declares (an embedded ICC profile; PNG's sRGB, gAMA and cHRM) to sRGB,
 * relative colorimetric, before they are counted. CMYK JPEGs without a profile use the
 * naive formula R = 255 * (1 - C) * (1 - K) and so on. 0 takes the stored values as sRGB. */
IMGCOLOR_API imgcolor_status imgcolor_options_set_color_management(imgcolor_options *opt,
                                                                   int on);
IMGCOLOR_API int imgcolor_options_get_color_management(const imgcolor_options *opt);

/* Where k-means runs: on sRGB code values (the default, scikit-learn's result on the
 * pixels), in Oklab, or in CIELAB (D65). */
typedef enum imgcolor_space {
    IMGCOLOR_SPACE_RGB = 0,
    IMGCOLOR_SPACE_OKLAB = 1,
    IMGCOLOR_SPACE_LAB = 2
} imgcolor_space;
IMGCOLOR_API imgcolor_status imgcolor_options_set_space(imgcolor_options *opt,
                                                        imgcolor_space space);
IMGCOLOR_API imgcolor_space imgcolor_options_get_space(const imgcolor_options *opt);
/* "rgb", "oklab", "lab"; "unknown" for other values. */
IMGCOLOR_API const char *imgcolor_space_name(imgcolor_space space);
/* The space of a name imgcolor_space_name() gives; anything else is IMGCOLOR_E_PARSE. */
IMGCOLOR_API imgcolor_status imgcolor_space_parse(const char *name, imgcolor_space *out);

/*
 * A time budget for each call of imgcolor_prominent(), imgcolor_prominent_file() and
 * imgcolor_prominent_pixels(), in milliseconds of CPU time: 0 (the default: none) or
 * 1..86 400 000. A call whose threads have used more CPU time than this between them
 * stops and returns IMGCOLOR_E_LIMIT, with no result. CPU time, not wall-clock time, so
 * that the verdict on an input follows from the work it causes and not from how busy
 * the machine is: an honest image is not failed for waiting its turn on a loaded server,
 * and an input that costs too much is stopped whatever the load (a server still bounds
 * each request's wall-clock time on its own). The time is checked at coarse points, in
 * every thread: between batches of decoded rows, before each k-means++ centre and before
 * each Lloyd pass. A call may run past the limit by the work between two checks (the
 * 16-megapixel photos measured stopped within 5 ms of it) plus about a millisecond per
 * thread. Work inside a decoder before it delivers its first rows (the scans of a
 * progressive JPEG) is counted but not interrupted.
 */
IMGCOLOR_API imgcolor_status imgcolor_options_set_time_limit_ms(imgcolor_options *opt,
                                                                uint64_t time_limit_ms);
IMGCOLOR_API uint64_t imgcolor_options_get_time_limit_ms(const imgcolor_options *opt);

/*
 * Fast mode (fast = 1; 0, the default, is the exact mode; other values are
 * IMGCOLOR_E_RANGE): the colours are counted on a regular sample of the pixels that
 * keeps at least fast_min_pixels of them, and k-means runs at most
 * IMGCOLOR_FAST_N_INIT initialisations once sampled. A JPEG that keeps enough pixels at
 * half its size is decoded so by its DCT (each pixel the mean of 2 x 2; smaller scales
 * merge fine textures), and any image still above the minimum is thinned to one pixel in
 * s x s, for the largest s that keeps it; an image of less than about four times the
 * minimum is counted in full, with every initialisation. Counts, fractions, pixels, transparent and inertia are scaled back to
 * the whole image (the counts still sum to pixels: each share is rounded down and the
 * rest go to the largest remainders); distinct is the sample's.
 * imgcolor_result_sampled() and the functions after it say what was done. The result is
 * as deterministic as the exact mode's.
 */
#define IMGCOLOR_FAST_N_INIT 3
IMGCOLOR_API imgcolor_status imgcolor_options_set_fast(imgcolor_options *opt, int fast);
IMGCOLOR_API int imgcolor_options_get_fast(const imgcolor_options *opt);
/* The fewest pixels the fast mode keeps: 1024 to 2^40, default 250 000
 * (IMGCOLOR_DEFAULT_FAST_MIN_PIXELS); IMGCOLOR_E_RANGE outside. */
#define IMGCOLOR_DEFAULT_FAST_MIN_PIXELS 250000u
IMGCOLOR_API imgcolor_status imgcolor_options_set_fast_min_pixels(imgcolor_options *opt,
                                                                  uint64_t fast_min_pixels);
IMGCOLOR_API uint64_t imgcolor_options_get_fast_min_pixels(const imgcolor_options *opt);

IMGCOLOR_API int imgcolor_options_get_k(const imgcolor_options *opt);
IMGCOLOR_API int imgcolor_options_get_n_init(const imgcolor_options *opt);
IMGCOLOR_API int imgcolor_options_get_max_iter(const imgcolor_options *opt);
IMGCOLOR_API double imgcolor_options_get_tol(const imgcolor_options *opt);
IMGCOLOR_API uint64_t imgcolor_options_get_seed(const imgcolor_options *opt);
IMGCOLOR_API int imgcolor_options_get_min_alpha(const imgcolor_options *opt);
IMGCOLOR_API int imgcolor_options_get_threads(const imgcolor_options *opt);
IMGCOLOR_API uint64_t imgcolor_options_get_max_pixels(const imgcolor_options *opt);
IMGCOLOR_API uint64_t imgcolor_options_get_max_bytes(const imgcolor_options *opt);

/*
 * Animations (GIF, WebP). With all_frames = 1, the default, every frame is counted, as
 * composited on the canvas, each frame once: the colours of an animation are those of
 * all it shows, and its first frame is often only a title or a blank. The frames reach
 * the result stacked top to bottom, so imgcolor_decode() gives an image, and a result
 * its height, of height x frames. With 0 only the first frame is decoded.
 * max_frames (1..100000, default 1000) and max_total_pixels (width x height x frames,
 * 1..2^40, default 64 000 000) are checked from the file's headers before any frame is
 * decoded; so is the rule that frames past the first cost at most 8192 pixels per byte
 * of input. Over any of them is IMGCOLOR_E_TOO_LARGE.
 */
IMGCOLOR_API imgcolor_status imgcolor_options_set_all_frames(imgcolor_options *opt,
                                                             int all_frames);
IMGCOLOR_API imgcolor_status imgcolor_options_set_max_frames(imgcolor_options *opt,
                                                             int max_frames);
IMGCOLOR_API imgcolor_status imgcolor_options_set_max_total_pixels(imgcolor_options *opt,
                                                                   uint64_t max_total_pixels);
IMGCOLOR_API int imgcolor_options_get_all_frames(const imgcolor_options *opt);
IMGCOLOR_API int imgcolor_options_get_max_frames(const imgcolor_options *opt);
IMGCOLOR_API uint64_t imgcolor_options_get_max_total_pixels(const imgcolor_options *opt);

/* ------------------------------------------------------------------------------------ */
/* Colours                                                                               */

typedef struct imgcolor_rgb {
    uint8_t r, g, b;
} imgcolor_rgb;

/* Writes "#rrggbb" (lowercase, NUL-terminated) into out, which holds at least 8 bytes. */
IMGCOLOR_API void imgcolor_rgb_to_hex(imgcolor_rgb rgb, char out[8]);

/*
 * Converts integer channels to "#rrggbb". Any channel outside 0..255 is
 * IMGCOLOR_E_RANGE (never wrapped or clamped), and out is left untouched.
 */
IMGCOLOR_API imgcolor_status imgcolor_hex_from_ints(long long r, long long g, long long b,
                                                    char out[8]);

/*
 * Parses "#rgb" or "#rrggbb" (either case; the '#' is required) of exactly len bytes.
 * Anything else is IMGCOLOR_E_PARSE.
 */
IMGCOLOR_API imgcolor_status imgcolor_hex_parse(const char *text, size_t len, imgcolor_rgb *out);

/*
 * Parsers of the JSON lists the front ends accept, strict and bounded: whitespace,
 * nesting and element types are checked, and at most max_items elements are accepted
 * (more is IMGCOLOR_E_TOO_LARGE; memory never grows past max_items elements).
 * len is the text's length; it need not be NUL-terminated. On success the caller
 * frees *out with imgcolor_free(); an empty list gives *n = 0 and *out = NULL.
 */
/* A list of [r, g, b] integer triples, each channel 0..255 ("[[255,0,0],[0,0,0]]"). */
IMGCOLOR_API imgcolor_status imgcolor_rgb_list_parse(const char *json, size_t len,
                                                     size_t max_items, imgcolor_rgb **out,
                                                     size_t *n, imgcolor_error *err);
/* A list of colour strings "#rgb" or "#rrggbb" ("[\"#7f6a55\",\"#fff\"]"). */
IMGCOLOR_API imgcolor_status imgcolor_color_list_parse(const char *json, size_t len,
                                                       size_t max_items, imgcolor_rgb **out,
                                                       size_t *n, imgcolor_error *err);
/* A list of finite numbers ("[51234, 4.5e3]"). */
IMGCOLOR_API imgcolor_status imgcolor_number_list_parse(const char *json, size_t len,
                                                        size_t max_items, double **out,
                                                        size_t *n, imgcolor_error *err);
/* Colours as a JSON list of "#rrggbb" strings; free *out with imgcolor_free(). */
IMGCOLOR_API imgcolor_status imgcolor_hex_list_to_json(const imgcolor_rgb *colors, size_t n,
                                                       char **out);

/* ------------------------------------------------------------------------------------ */
/* Decoded images                                                                        */

/* An RGBA image, 8 bits per channel, rows packed (stride = 4 * width). */
typedef struct imgcolor_image {
    uint32_t width;
    uint32_t height;
    uint8_t *rgba;
} imgcolor_image;

/*
 * Decodes an image held in memory (PNG, JPEG, and those of imgcolor_formats()), the
 * format sniffed from its magic bytes, into RGBA; of a TIFF, its first page. The size
 * limits of opt (NULL: defaults) are checked before any pixel buffer exists. With colour management on (the default), the pixels are converted to sRGB
 * from the profile the image declares; a profile that cannot be used leaves them as
 * stored. On success *out must be freed with imgcolor_image_free().
 */
IMGCOLOR_API imgcolor_status imgcolor_decode(const void *data, size_t size,
                                             const imgcolor_options *opt, imgcolor_image **out,
                                             imgcolor_error *err);

/* Frees a decoded image. Accepts NULL. */
IMGCOLOR_API void imgcolor_image_free(imgcolor_image *img);

/* ------------------------------------------------------------------------------------ */
/* Prominent colours                                                                     */

typedef struct imgcolor_cluster {
    double centroid[3];  /* exact mean of the cluster's pixels, R, G, B in 0..255 */
    imgcolor_rgb rgb;    /* rgb space: centroid rounded half to even, as numpy.rint;
                            oklab, lab: the nearest sRGB colour in gamut to space_centroid */
    char hex[8];         /* "#rrggbb" of rgb */
    uint64_t count;      /* pixels in the cluster */
    double fraction;     /* count / pixels counted */
    /* What the colour is, for a person. */
    double oklch[3];     /* the centroid in OKLCH: L 0..1, chroma, hue in degrees 0..360 */
    double lab[3];       /* the centroid in CIELAB with the D65 white, L 0..100 */
    double space_centroid[3]; /* the centroid in the space clustered (rgb: = centroid) */
    const char *name;    /* the nearest CSS named colour to rgb (a static string) */
    double name_distance; /* its distance from rgb in Oklab (deltaE OK) */
    imgcolor_rgb text;   /* black or white, whichever reads better on rgb */
    double text_contrast; /* the WCAG 2 contrast ratio of text on rgb, 1..21 */
} imgcolor_cluster;

typedef struct imgcolor_result imgcolor_result;

/*
 * The prominent colours of an encoded image in memory: k-means with scikit-learn's
 * KMeans semantics (greedy k-means++, n_init runs, Lloyd iterations) computed exactly
 * over the image's colour histogram. Clusters are sorted by count, largest first. An
 * image with fewer distinct colours than k gives one cluster per colour. opt may be NULL.
 * On success *out must be freed with imgcolor_result_free().
 */
IMGCOLOR_API imgcolor_status imgcolor_prominent(const void *data, size_t size,
                                                const imgcolor_options *opt,
                                                imgcolor_result **out, imgcolor_error *err);

/* The same for a file; "-" is not special here. Reads at most max_bytes. */
IMGCOLOR_API imgcolor_status imgcolor_prominent_file(const char *path,
                                                     const imgcolor_options *opt,
                                                     imgcolor_result **out, imgcolor_error *err);

typedef enum imgcolor_pixel_format {
    IMGCOLOR_PIXEL_RGB8 = 3,  /* r, g, b */
    IMGCOLOR_PIXEL_RGBA8 = 4  /* r, g, b, a (straight alpha) */
} imgcolor_pixel_format;

/*
 * The same for raw pixels: width x height pixels, rows stride bytes apart (stride >=
 * width * format). The max_pixels limit applies.
 */
IMGCOLOR_API imgcolor_status imgcolor_prominent_pixels(const void *pixels, uint32_t width,
                                                       uint32_t height, size_t stride,
                                                       imgcolor_pixel_format format,
                                                       const imgcolor_options *opt,
                                                       imgcolor_result **out,
                                                       imgcolor_error *err);

/* Frees a result. Accepts NULL. */
IMGCOLOR_API void imgcolor_result_free(imgcolor_result *res);

/* Number of clusters (<= k). */
IMGCOLOR_API size_t imgcolor_result_count(const imgcolor_result *res);
/* Cluster i, 0 <= i < count, largest first; NULL when out of range. Owned by res. */
IMGCOLOR_API const imgcolor_cluster *imgcolor_result_color(const imgcolor_result *res, size_t i);
IMGCOLOR_API uint32_t imgcolor_result_width(const imgcolor_result *res);
IMGCOLOR_API uint32_t imgcolor_result_height(const imgcolor_result *res);
/* The k that was asked for. */
IMGCOLOR_API int imgcolor_result_k(const imgcolor_result *res);
/* Pixels clustered (alpha >= min_alpha). */
IMGCOLOR_API uint64_t imgcolor_result_pixels(const imgcolor_result *res);
/* Pixels left out as transparent. */
IMGCOLOR_API uint64_t imgcolor_result_transparent(const imgcolor_result *res);
/* Distinct colours among the clustered pixels. */
IMGCOLOR_API uint64_t imgcolor_result_distinct(const imgcolor_result *res);
/* Sum of squared distances of clustered pixels to their centroid (scikit-learn inertia_),
 * in the space clustered: RGB code values by default. */
IMGCOLOR_API double imgcolor_result_inertia(const imgcolor_result *res);
/* Lloyd iterations of the winning run (scikit-learn n_iter_). */
IMGCOLOR_API int imgcolor_result_iterations(const imgcolor_result *res);

/* The space the colours were clustered in; inertia and space_centroid are in it. */
IMGCOLOR_API imgcolor_space imgcolor_result_space(const imgcolor_result *res);
/* Things the caller should know about how the result was reached, such as a colour
 * profile that could not be used (the pixels were then taken as sRGB): the number of
 * warnings, and warning i as English text owned by res (NULL when out of range). */
IMGCOLOR_API size_t imgcolor_result_warning_count(const imgcolor_result *res);
IMGCOLOR_API const char *imgcolor_result_warning(const imgcolor_result *res, size_t i);
/* The description of the colour profile the pixels were converted from to sRGB
 * ("Adobe RGB (1998)"; "" when it has none), or NULL when none was applied. Owned by res. */
IMGCOLOR_API const char *imgcolor_result_profile(const imgcolor_result *res);

/* 1 when the colours were counted on a sample of the pixels (fast mode; see
 * imgcolor_options_set_fast()), else 0. */
IMGCOLOR_API int imgcolor_result_sampled(const imgcolor_result *res);
/* The DCT scale denominator the image was decoded at: 1 (full size) or 2. */
IMGCOLOR_API uint32_t imgcolor_result_sample_scale(const imgcolor_result *res);
/* The grid step: one pixel in step x step of the decoded image was kept (1: all). */
IMGCOLOR_API uint32_t imgcolor_result_sample_step(const imgcolor_result *res);
/* The pixels actually counted, transparent ones included (the image's pixels when not
 * sampled). */
IMGCOLOR_API uint64_t imgcolor_result_sample_pixels(const imgcolor_result *res);

/*
 * The result as one line of JSON, the document every front end prints:
 * {"width":640,"height":427,"pixels":273280,"transparent":0,"distinct":45526,"k":6,
 *  "inertia":2.28e8,"iterations":12,"colors":[{"rgb":[r,g,b],"hex":"#rrggbb",
 *  "count":n,"fraction":0.31},...]}
 * file, when not NULL, is added first as "file". A sampled result (fast mode) also has
 * "sampled":true,"sample_scale":s,"sample_step":n,"sample_pixels":n before "colors".
 * The string must be freed with imgcolor_free().
 */
IMGCOLOR_API imgcolor_status imgcolor_result_to_json(const imgcolor_result *res, const char *file,
                                                     char **out);

/* Frees memory the library returned as a plain buffer (JSON text, encoded images). */
IMGCOLOR_API void imgcolor_free(void *ptr);

/* ------------------------------------------------------------------------------------ */
/* Pie charts                                                                            */

typedef struct imgcolor_pie_options imgcolor_pie_options;

/*
 * Creates pie options with matplotlib's defaults as the seed lesson used them: 480x360,
 * first wedge at 3 o'clock going counter-clockwise, white background, hex labels at 1.1
 * radii, no percentages. Free with imgcolor_pie_options_free().
 */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_new(imgcolor_pie_options **out);
IMGCOLOR_API void imgcolor_pie_options_free(imgcolor_pie_options *opt);
/* Raster size, each side 16..8192. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_size(imgcolor_pie_options *opt,
                                                           uint32_t width, uint32_t height);
/* Angle of the first wedge's start, degrees counter-clockwise from 3 o'clock, finite. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_start_angle(imgcolor_pie_options *opt,
                                                                  double degrees);
/* Nonzero: wedges follow clockwise. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_clockwise(imgcolor_pie_options *opt,
                                                                int clockwise);
/* Nonzero: transparent background instead of white. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_transparent(imgcolor_pie_options *opt,
                                                                  int transparent);
/* Zero: no labels outside the wedges. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_labels(imgcolor_pie_options *opt,
                                                             int labels);
/* Nonzero: percentages inside the wedges. */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_percent(imgcolor_pie_options *opt,
                                                              int percent);
/*
 * Label size in pixels, 4..512, or 0 (the default): 10 points at 75 dpi (10.4 px) at
 * 480x360, scaled with the smaller side ratio for other sizes.
 */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_font_size(imgcolor_pie_options *opt,
                                                                double pixels);
/*
 * TrueType/OpenType font for the raster's labels; the path is copied. NULL restores the
 * default chosen at build time (IMGCOLOR_FONT_PATH, DejaVu Sans). The font is opened at
 * each render; when it cannot be, imgcolor_pie_render() fails with IMGCOLOR_E_FONT
 * unless labels and percentages are both off. The SVG names "DejaVu Sans" and needs no font.
 */
IMGCOLOR_API imgcolor_status imgcolor_pie_options_set_font_path(imgcolor_pie_options *opt,
                                                                const char *path);

/* One wedge: its colour, weight (finite, >= 0) and optional label (NULL: the hex code). */
typedef struct imgcolor_pie_wedge {
    imgcolor_rgb color;
    double weight;
    const char *label;
} imgcolor_pie_wedge;

/*
 * Renders a pie of n wedges (1..256; zero weights skipped; positive weight sum) into an
 * RGBA image. Free *out with imgcolor_image_free().
 * Wedge edges are anti-aliased by exact pixel coverage, so neighbouring wedges leave no
 * seam. Labels are black and sit at 1.1 radii, beside their wedge's middle angle; labels
 * are printable UTF-8 of at most 256 bytes. opt may be NULL (defaults). Errors:
 * IMGCOLOR_E_RANGE for a bad count, weight or label length, IMGCOLOR_E_INVALID for a
 * label that is not UTF-8, IMGCOLOR_E_FONT when the label font cannot be loaded.
 * Reentrant: each call uses its own FreeType instance.
 */
IMGCOLOR_API imgcolor_status imgcolor_pie_render(const imgcolor_pie_wedge *wedges, size_t n,
                                                 const imgcolor_pie_options *opt,
                                                 imgcolor_image **out, imgcolor_error *err);

/* The same pie as an SVG document (NUL-terminated); free *out with imgcolor_free(). */
IMGCOLOR_API imgcolor_status imgcolor_pie_svg(const imgcolor_pie_wedge *wedges, size_t n,
                                              const imgcolor_pie_options *opt, char **out,
                                              size_t *out_len, imgcolor_error *err);

/* Encodes an RGBA image as PNG in memory; free *out with imgcolor_free(). */
IMGCOLOR_API imgcolor_status imgcolor_png_encode(const imgcolor_image *img, void **out,
                                                 size_t *out_len, imgcolor_error *err);

#ifdef __cplusplus
}
#endif

#endif /* IMGCOLOR_H */
