/* options.c: the clustering and limit options, with setters that validate and refuse
 * out-of-range values instead of clamping them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const imgcolor_options defaults = {
    .k = 6,
    .n_init = 10,
    .max_iter = 300,
    .tol = 1e-4,
    .seed = 0,
    .min_alpha = 128,
    .threads = 0,
    .max_pixels = IMGCOLOR_DEFAULT_MAX_PIXELS,
    .max_bytes = 256u << 20,
    .all_frames = 1,
    .max_frames = 1000,
    .max_total_pixels = IMGCOLOR_DEFAULT_MAX_PIXELS,
    .color_management = 1,
    .space = IMGCOLOR_SPACE_RGB,
    .fast = 0,
    .fast_min_pixels = IMGCOLOR_DEFAULT_FAST_MIN_PIXELS,
    .background = IMGCOLOR_BACKGROUND_KEEP,
    .bg_tolerance = IMGCOLOR_DEFAULT_BG_TOLERANCE,
};

const imgcolor_options *imgcolor__options_defaults(void)
{
    return &defaults;
}

const imgcolor_options *imgcolor__options_or_default(const imgcolor_options *opt,
                                                     imgcolor_options *storage)
{
    if (opt)
        return opt;
    *storage = defaults;
    return storage;
}

imgcolor_status imgcolor_options_new(imgcolor_options **out)
{
    if (!out)
        return IMGCOLOR_E_INVALID;
    *out = malloc(sizeof **out);
    if (!*out)
        return IMGCOLOR_E_NOMEM;
    **out = defaults;
    return IMGCOLOR_OK;
}

void imgcolor_options_free(imgcolor_options *opt)
{
    free(opt);
}

imgcolor_status imgcolor_options_copy(const imgcolor_options *opt, imgcolor_options **out)
{
    if (!opt || !out)
        return IMGCOLOR_E_INVALID;
    *out = malloc(sizeof **out);
    if (!*out)
        return IMGCOLOR_E_NOMEM;
    **out = *opt;
    return IMGCOLOR_OK;
}

/* The inclusive range of an integer option, for imgcolor_options_range(). */
typedef struct option_range {
    const char *name;
    uint64_t min, max;
} option_range;

/* One validating setter and one getter per integer option, each with its own inclusive
 * range, written once here and published by imgcolor_options_range(). */
#define IMGCOLOR_OPTION_(type, field, lo, hi)                                            \
    static const option_range range_##field = {#field, (lo), (hi)};                      \
    imgcolor_status imgcolor_options_set_##field(imgcolor_options *opt, type value)      \
    {                                                                                    \
        if (!opt)                                                                        \
            return IMGCOLOR_E_INVALID;                                                   \
        if (value < (lo) || value > (hi))                                                \
            return IMGCOLOR_E_RANGE;                                                     \
        opt->field = value;                                                              \
        return IMGCOLOR_OK;                                                              \
    }                                                                                    \
    type imgcolor_options_get_##field(const imgcolor_options *opt)                       \
    {                                                                                    \
        return opt ? opt->field : defaults.field;                                        \
    }

IMGCOLOR_OPTION_(int, k, 1, IMGCOLOR_K_MAX)
IMGCOLOR_OPTION_(int, n_init, 1, 1000)
IMGCOLOR_OPTION_(int, max_iter, 1, 100000)
IMGCOLOR_OPTION_(int, min_alpha, 0, 255)
IMGCOLOR_OPTION_(int, threads, 0, 64)
/* Pixel counts stay below 2^40 so that every per-colour count and channel sum is exact. */
IMGCOLOR_OPTION_(uint64_t, max_pixels, 1, (uint64_t)1 << 40)
IMGCOLOR_OPTION_(uint64_t, max_bytes, 1, UINT64_MAX)
IMGCOLOR_OPTION_(int, all_frames, 0, 1)
IMGCOLOR_OPTION_(int, max_frames, 1, 100000)
IMGCOLOR_OPTION_(uint64_t, max_total_pixels, 1, (uint64_t)1 << 40)
IMGCOLOR_OPTION_(int, color_management, 0, 1)
IMGCOLOR_OPTION_(int, fast, 0, 1)
IMGCOLOR_OPTION_(uint64_t, fast_min_pixels, 1024, (uint64_t)1 << 40)
IMGCOLOR_OPTION_(int, where, 0, 1)
#undef IMGCOLOR_OPTION_

imgcolor_status imgcolor_options_set_tol(imgcolor_options *opt, double tol)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (!isfinite(tol) || tol < 0.0 || tol > 1.0)
        return IMGCOLOR_E_RANGE;
    opt->tol = tol;
    return IMGCOLOR_OK;
}

double imgcolor_options_get_tol(const imgcolor_options *opt)
{
    return opt ? opt->tol : defaults.tol;
}

imgcolor_status imgcolor_options_set_seed(imgcolor_options *opt, uint64_t seed)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->seed = seed;
    return IMGCOLOR_OK;
}

uint64_t imgcolor_options_get_seed(const imgcolor_options *opt)
{
    return opt ? opt->seed : defaults.seed;
}


imgcolor_status imgcolor_options_set_space(imgcolor_options *opt, imgcolor_space space)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (space != IMGCOLOR_SPACE_RGB && space != IMGCOLOR_SPACE_OKLAB && space != IMGCOLOR_SPACE_LAB)
        return IMGCOLOR_E_RANGE;
    opt->space = space;
    return IMGCOLOR_OK;
}

imgcolor_space imgcolor_options_get_space(const imgcolor_options *opt)
{
    return opt ? opt->space : defaults.space;
}

static const char *const space_names[] = {"rgb", "oklab", "lab"};

const char *imgcolor_space_name(imgcolor_space space)
{
    return (unsigned)space < 3 ? space_names[space] : "unknown";
}

imgcolor_status imgcolor_space_parse(const char *name, imgcolor_space *out)
{
    if (!name || !out)
        return IMGCOLOR_E_INVALID;
    for (int i = 0; i < 3; i++)
        if (strcmp(name, space_names[i]) == 0) {
            *out = (imgcolor_space)i;
            return IMGCOLOR_OK;
        }
    return IMGCOLOR_E_PARSE;
}

/* A day at most, so that the limit in nanoseconds is far inside 64 bits. */
#define TIME_LIMIT_MS_MAX 86400000u

imgcolor_status imgcolor_options_set_time_limit_ms(imgcolor_options *opt, uint64_t time_limit_ms)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (time_limit_ms > TIME_LIMIT_MS_MAX)
        return IMGCOLOR_E_RANGE;
    opt->time_limit_ms = time_limit_ms;
    return IMGCOLOR_OK;
}

uint64_t imgcolor_options_get_time_limit_ms(const imgcolor_options *opt)
{
    return opt ? opt->time_limit_ms : defaults.time_limit_ms;
}

imgcolor_status imgcolor_options_set_background(imgcolor_options *opt,
                                                imgcolor_background_mode mode, imgcolor_rgb color)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (mode != IMGCOLOR_BACKGROUND_KEEP && mode != IMGCOLOR_BACKGROUND_EXCLUDE &&
        mode != IMGCOLOR_BACKGROUND_COLOR)
        return IMGCOLOR_E_RANGE;
    opt->background = mode;
    opt->background_color = mode == IMGCOLOR_BACKGROUND_COLOR ? color : (imgcolor_rgb){0, 0, 0};
    return IMGCOLOR_OK;
}

imgcolor_background_mode imgcolor_options_get_background(const imgcolor_options *opt,
                                                         imgcolor_rgb *color)
{
    if (!opt)
        opt = &defaults;
    if (color)
        *color = opt->background_color;
    return opt->background;
}

imgcolor_status imgcolor_background_parse(const char *text, size_t len,
                                          imgcolor_background_mode *mode, imgcolor_rgb *color)
{
    if (!text || !mode || !color)
        return IMGCOLOR_E_INVALID;
    *color = (imgcolor_rgb){0, 0, 0};
    if (len == 4 && memcmp(text, "keep", 4) == 0) {
        *mode = IMGCOLOR_BACKGROUND_KEEP;
        return IMGCOLOR_OK;
    }
    if (len == 7 && memcmp(text, "exclude", 7) == 0) {
        *mode = IMGCOLOR_BACKGROUND_EXCLUDE;
        return IMGCOLOR_OK;
    }
    imgcolor_status st = imgcolor_hex_parse(text, len, color);
    if (st == IMGCOLOR_OK)
        *mode = IMGCOLOR_BACKGROUND_COLOR;
    return st == IMGCOLOR_OK ? st : IMGCOLOR_E_PARSE;
}

imgcolor_status imgcolor_options_set_bg_tolerance(imgcolor_options *opt, double tolerance)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (!isfinite(tolerance) || tolerance < 0.0 || tolerance > IMGCOLOR_BG_TOLERANCE_MAX)
        return IMGCOLOR_E_RANGE;
    opt->bg_tolerance = tolerance;
    return IMGCOLOR_OK;
}

double imgcolor_options_get_bg_tolerance(const imgcolor_options *opt)
{
    return opt ? opt->bg_tolerance : defaults.bg_tolerance;
}

static const option_range range_seed = {"seed", 0, UINT64_MAX};
static const option_range range_time_limit_ms = {"time_limit_ms", 0, TIME_LIMIT_MS_MAX};

static const option_range *const ranges[] = {
    &range_k,         &range_n_init,     &range_max_iter, &range_seed,
    &range_min_alpha, &range_threads,    &range_max_pixels, &range_max_bytes,
    &range_time_limit_ms, &range_all_frames, &range_max_frames, &range_max_total_pixels,
    &range_color_management, &range_fast, &range_fast_min_pixels, &range_where,
};

imgcolor_status imgcolor_options_range(const char *name, uint64_t *min, uint64_t *max)
{
    if (!name || !min || !max)
        return IMGCOLOR_E_INVALID;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (strcmp(ranges[i]->name, name) == 0) {
            *min = ranges[i]->min;
            *max = ranges[i]->max;
            return IMGCOLOR_OK;
        }
    return IMGCOLOR_E_INVALID;
}
