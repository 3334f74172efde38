/* cluster.c: the clustering options of the commands that cluster an image (prominent,
 * swatch): one table, one place that hands each to the library's setter. */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

const cli_option cli_cluster_options[] = {
    {"k", 'k', 1, CLI_OPT_K},
    {"n-init", 0, 1, CLI_OPT_N_INIT},
    {"max-iter", 0, 1, CLI_OPT_MAX_ITER},
    {"seed", 0, 1, CLI_OPT_SEED},
    {"min-alpha", 0, 1, CLI_OPT_MIN_ALPHA},
    {"threads", 0, 1, CLI_OPT_THREADS},
    {"max-pixels", 0, 1, CLI_OPT_MAX_PIXELS},
    {"no-color-management", 0, 0, CLI_OPT_NO_COLOR_MANAGEMENT},
    {"space", 0, 1, CLI_OPT_SPACE},
    {"fast", 0, 0, CLI_OPT_FAST},
    {"fast-min-pixels", 0, 1, CLI_OPT_FAST_MIN_PIXELS},
    {"first-frame", 0, 0, CLI_OPT_FIRST_FRAME},
    {"background", 0, 1, CLI_OPT_BACKGROUND},
    {"bg-tolerance", 0, 1, CLI_OPT_BG_TOLERANCE},
    {"region", 0, 1, CLI_OPT_REGION},
    {NULL, 0, 0, 0},
};

static int set_space(imgcolor_options *opt, const cli_args *a)
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
    case CLI_OPT_K: return cli_set_int(o, imgcolor_options_set_k, "k", a);
    case CLI_OPT_N_INIT: return cli_set_int(o, imgcolor_options_set_n_init, "n_init", a);
    case CLI_OPT_MAX_ITER: return cli_set_int(o, imgcolor_options_set_max_iter, "max_iter", a);
    case CLI_OPT_SEED: return cli_set_u64(o, imgcolor_options_set_seed, "seed", a);
    case CLI_OPT_MIN_ALPHA: return cli_set_int(o, imgcolor_options_set_min_alpha, "min_alpha", a);
    case CLI_OPT_MAX_PIXELS:
        return cli_set_u64(o, imgcolor_options_set_max_pixels, "max_pixels", a);
    case CLI_OPT_THREADS: return cli_set_int(o, imgcolor_options_set_threads, "threads", a);
    /* The flag setters take any int: they cannot fail on a valid handle. */
    case CLI_OPT_NO_COLOR_MANAGEMENT:
        return imgcolor_options_set_color_management(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case CLI_OPT_SPACE: return set_space(o, a);
    case CLI_OPT_FAST: return imgcolor_options_set_fast(o, 1) == IMGCOLOR_OK ? 0 : -1;
    case CLI_OPT_FIRST_FRAME: return imgcolor_options_set_all_frames(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case CLI_OPT_FAST_MIN_PIXELS:
        return cli_set_u64(o, imgcolor_options_set_fast_min_pixels, "fast_min_pixels", a);
    case CLI_OPT_BACKGROUND: return cli_set_background(o, a->name, a->value);
    case CLI_OPT_BG_TOLERANCE: return cli_set_bg_tolerance(o, a->name, a->value);
    case CLI_OPT_REGION: return cli_set_region(o, a->name, a->value);
    }
    return -1;
}

imgcolor_status cli_cluster_file(const char *file, const imgcolor_options *opt,
                                 imgcolor_result **res, imgcolor_error *err)
{
    struct stat st;
    if (strcmp(file, "-") != 0) {
        if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(err->message, sizeof err->message, "is a directory (-r reads its images)");
            return IMGCOLOR_E_IO;
        }
        return imgcolor_prominent_file(file, opt, res, err);
    }
    uint8_t *data = NULL;
    size_t size = 0;
    if (cli_read_input_quiet("-", imgcolor_options_get_max_bytes(opt), &data, &size,
                             err->message, sizeof err->message) < 0)
        return IMGCOLOR_E_IO;
    imgcolor_status status = imgcolor_prominent(data, size, opt, res, err);
    free(data);
    return status;
}
