/* cluster_opts.c: the options of every subcommand that clusters an image, scanned from
 * one table and applied through the library's setters, so that `prominent` and `map`
 * accept the same ones with the same messages. */

#include "cli.h"

enum { OPT_THREADS = CLI_CLUSTER_THREADS, OPT_K, OPT_N_INIT, OPT_MAX_ITER, OPT_SEED,
       OPT_MIN_ALPHA, OPT_MAX_PIXELS, OPT_NO_COLOR_MANAGEMENT, OPT_SPACE, OPT_FAST,
       OPT_FAST_MIN_PIXELS, OPT_FIRST_FRAME };

const cli_option cli_cluster_options[] = {
    {.name = "k", .short_name = 'k', .has_value = 1, .id = OPT_K},
    {.name = "n-init", .has_value = 1, .id = OPT_N_INIT},
    {.name = "max-iter", .has_value = 1, .id = OPT_MAX_ITER},
    {.name = "seed", .has_value = 1, .id = OPT_SEED},
    {.name = "min-alpha", .has_value = 1, .id = OPT_MIN_ALPHA},
    {.name = "threads", .has_value = 1, .id = OPT_THREADS},
    {.name = "max-pixels", .has_value = 1, .id = OPT_MAX_PIXELS},
    {.name = "no-color-management", .id = OPT_NO_COLOR_MANAGEMENT},
    {.name = "space", .has_value = 1, .id = OPT_SPACE},
    {.name = "fast", .id = OPT_FAST},
    {.name = "fast-min-pixels", .has_value = 1, .id = OPT_FAST_MIN_PIXELS},
    {.name = "first-frame", .id = OPT_FIRST_FRAME},
    {.id = 0},
};

static int parse_space(imgcolor_options *opt, const cli_args *a)
{
    imgcolor_space space;
    if (imgcolor_space_parse(a->value, &space) != IMGCOLOR_OK ||
        imgcolor_options_set_space(opt, space) != IMGCOLOR_OK) {
        cli_error("%s: expected rgb, oklab or lab, got '%s'", a->name, a->value);
        return -1;
    }
    return 0;
}

int cli_cluster_option(imgcolor_options *o, int id, const cli_args *a)
{
    switch (id) {
    case OPT_K: return cli_set_int(o, imgcolor_options_set_k, "k", a);
    case OPT_N_INIT: return cli_set_int(o, imgcolor_options_set_n_init, "n_init", a);
    case OPT_MAX_ITER: return cli_set_int(o, imgcolor_options_set_max_iter, "max_iter", a);
    case OPT_SEED: return cli_set_u64(o, imgcolor_options_set_seed, "seed", a);
    case OPT_MIN_ALPHA: return cli_set_int(o, imgcolor_options_set_min_alpha, "min_alpha", a);
    case OPT_MAX_PIXELS: return cli_set_u64(o, imgcolor_options_set_max_pixels, "max_pixels", a);
    case OPT_THREADS: return cli_set_int(o, imgcolor_options_set_threads, "threads", a);
    case OPT_NO_COLOR_MANAGEMENT:
        return imgcolor_options_set_color_management(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case OPT_SPACE: return parse_space(o, a);
    case OPT_FAST: return imgcolor_options_set_fast(o, 1) == IMGCOLOR_OK ? 0 : -1;
    case OPT_FIRST_FRAME: return imgcolor_options_set_all_frames(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case OPT_FAST_MIN_PIXELS:
        return cli_set_u64(o, imgcolor_options_set_fast_min_pixels, "fast_min_pixels", a);
    }
    cli_error("%s: not an option of clustering", a->name);
    return -1;
}
