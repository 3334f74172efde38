/* cmd_prominent.c: `imgcolor prominent`: the prominent colours of each image given, as
 * text, JSON Lines or CSV. A bad file is reported and the rest still run. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char cli_prominent_help[] =
    "Usage: imgcolor prominent IMAGE... [options]\n\n"
    "Prints the k prominent colours of each PNG or JPEG image (k-means of its pixels, as\n"
    "scikit-learn's KMeans computes it), largest cluster first. '-' reads standard input.\n\n"
    "Options:\n"
    "      --space SPACE    cluster in rgb (default: the sRGB code values, as scikit-learn\n"
    "                       on the pixels), oklab or lab (CIELAB D65)\n"
    "      --no-color-management  take the stored values as sRGB, ignoring the image's\n"
    "                       colour profile (default: convert from it to sRGB)\n"
    "  -k, --k N            clusters, 1..256 (default 6)\n"
    "      --n-init N       k-means++ initialisations, best inertia wins (default 10)\n"
    "      --max-iter N     Lloyd iterations per initialisation (default 300)\n"
    "      --seed N         random seed; equal seeds give identical output (default 0)\n"
    "      --min-alpha N    pixels with lower alpha are left out (default 128)\n"
    "      --threads N      worker threads, 0 = one per core (default 0)\n"
    "      --max-pixels N   refuse larger images (default 64000000)\n"
    "  -f, --format FMT     text (default), json (JSON Lines) or csv\n"
    "                       or a palette: gpl (GIMP), css (custom properties), hex\n"
    "      --name-prefix P  css: properties named --P-1, --P-2... (default color)\n"
    "      --fast           count a sample of at least --fast-min-pixels pixels (a JPEG\n"
    "                       decoded at half size), with at most 3 initialisations;\n"
    "                       counts still refer to the whole image\n"
    "      --fast-min-pixels N  1024..2^40 (default 250000)\n\n"
    "Text output shows a colour swatch when standard output is a terminal, unless\n"
    "NO_COLOR is set.\n";

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_PALETTE };

/* How results are printed: the format, and for palettes their kind and CSS prefix. */
typedef struct output {
    enum format format;
    int palette;
    const char *prefix;
} output;

static void print_text(const char *file, const imgcolor_result *res, int many, int swatch)
{
    if (many)
        printf("%s:\n", file);
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        if (swatch)
            printf("\x1b[48;2;%d;%d;%dm    \x1b[0m ", c->rgb.r, c->rgb.g, c->rgb.b);
        printf("%s  rgb(%3d, %3d, %3d)  %10llu  %6.2f%%  %s\n", c->hex, c->rgb.r, c->rgb.g,
               c->rgb.b, (unsigned long long)c->count, 100.0 * c->fraction, c->name);
    }
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static void print_csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void print_csv(const char *file, const imgcolor_result *res)
{
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        print_csv_field(file);
        char text[8];
        imgcolor_rgb_to_hex(c->text, text);
        printf(",%zu,%s,%d,%d,%d,%llu,%.6f,%.5f,%.5f,%.2f,%s,%.5f,%s,%.2f\n", i + 1, c->hex,
               c->rgb.r, c->rgb.g, c->rgb.b, (unsigned long long)c->count, c->fraction,
               c->oklch[0], c->oklch[1], c->oklch[2], c->name, c->name_distance, text,
               c->text_contrast);
    }
}

static int print_json(const char *file, const imgcolor_result *res)
{
    char *json = NULL;
    if (imgcolor_result_to_json(res, file, &json) != IMGCOLOR_OK) {
        cli_error("%s: out of memory", file);
        return -1;
    }
    puts(json);
    imgcolor_free(json);
    return 0;
}

static int run_one(const char *file, const imgcolor_options *opt, const output *o, int many,
                   int swatch)
{
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st;
    if (strcmp(file, "-") == 0) {
        uint8_t *data = NULL;
        size_t size = 0;
        if (cli_read_input("-", imgcolor_options_get_max_bytes(opt), &data, &size) < 0)
            return CLI_BAD_INPUT;
        st = imgcolor_prominent(data, size, opt, &res, &err);
        free(data);
    } else {
        st = imgcolor_prominent_file(file, opt, &res, &err);
    }
    if (st != IMGCOLOR_OK) {
        cli_error("%s: %s", file, err.message[0] ? err.message : imgcolor_strerror(st));
        return CLI_BAD_INPUT;
    }
    int rc = CLI_OK;
    enum format format = o->format;
    if (format == FORMAT_PALETTE)
        cli_print_palette(o->palette, file, res, o->prefix);
    else if (format == FORMAT_JSON)
        rc = print_json(file, res) < 0 ? CLI_BAD_INPUT : CLI_OK;
    else if (format == FORMAT_CSV)
        print_csv(file, res);
    else
        print_text(file, res, many, swatch);
    fflush(stdout);
    imgcolor_result_free(res);
    return rc;
}

int cli_prominent(int argc, char **argv)
{
    enum { OPT_K = 1, OPT_N_INIT, OPT_MAX_ITER, OPT_SEED, OPT_MIN_ALPHA, OPT_THREADS,
           OPT_MAX_PIXELS, OPT_FORMAT, OPT_NO_COLOR_MANAGEMENT, OPT_SPACE,
           OPT_NAME_PREFIX, OPT_FAST, OPT_FAST_MIN_PIXELS };
    static const cli_option options[] = {
        {"k", 'k', 1, OPT_K},
        {"n-init", 0, 1, OPT_N_INIT},
        {"max-iter", 0, 1, OPT_MAX_ITER},
        {"seed", 0, 1, OPT_SEED},
        {"min-alpha", 0, 1, OPT_MIN_ALPHA},
        {"threads", 0, 1, OPT_THREADS},
        {"max-pixels", 0, 1, OPT_MAX_PIXELS},
        {"format", 'f', 1, OPT_FORMAT},
        {"no-color-management", 0, 0, OPT_NO_COLOR_MANAGEMENT},
        {"space", 0, 1, OPT_SPACE},
        {"name-prefix", 0, 1, OPT_NAME_PREFIX},
        {"fast", 0, 0, OPT_FAST},
        {"fast-min-pixels", 0, 1, OPT_FAST_MIN_PIXELS},
        {NULL, 0, 0, 0},
    };
    imgcolor_options *opt = NULL;
    if (imgcolor_options_new(&opt) != IMGCOLOR_OK) {
        cli_error("out of memory");
        return CLI_BAD_INPUT;
    }
    const char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0, rc = CLI_USAGE, id;
    enum format format = FORMAT_TEXT;
    output out = {FORMAT_TEXT, 0, "color"};
    cli_args a;
    cli_args_init(&a, argc, argv);
    if (!files) {
        cli_error("out of memory");
        goto done;
    }
    while ((id = cli_next(&a, options, "prominent")) != CLI_END) {
        long long v = 0;
        switch (id) {
        case CLI_ERROR:
            goto done;
        case CLI_OPERAND:
            files[nfiles++] = a.value;
            continue;
        case OPT_FORMAT:
            if (strcmp(a.value, "text") == 0)
                format = FORMAT_TEXT;
            else if (strcmp(a.value, "json") == 0)
                format = FORMAT_JSON;
            else if (strcmp(a.value, "csv") == 0)
                format = FORMAT_CSV;
            else if ((out.palette = cli_palette_kind(a.value)) >= 0)
                format = FORMAT_PALETTE;
            else {
                cli_error("%s: expected text, json, csv, gpl, css or hex, got '%s'", a.name,
                          a.value);
                goto done;
            }
            continue;
        case OPT_K:
            if (cli_parse_int(a.value, 1, IMGCOLOR_K_MAX, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_k(opt, (int)v);
            continue;
        case OPT_N_INIT:
            if (cli_parse_int(a.value, 1, 1000, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_n_init(opt, (int)v);
            continue;
        case OPT_MAX_ITER:
            if (cli_parse_int(a.value, 1, 100000, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_max_iter(opt, (int)v);
            continue;
        case OPT_SEED:
            if (cli_parse_int(a.value, 0, INT64_MAX, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_seed(opt, (uint64_t)v);
            continue;
        case OPT_MIN_ALPHA:
            if (cli_parse_int(a.value, 0, 255, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_min_alpha(opt, (int)v);
            continue;
        case OPT_THREADS:
            if (cli_parse_int(a.value, 0, 64, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_threads(opt, (int)v);
            continue;
        case OPT_MAX_PIXELS:
            if (cli_parse_int(a.value, 1, INT64_MAX, a.name, &v) < 0)
                goto done;
            imgcolor_options_set_max_pixels(opt, (uint64_t)v);
            continue;
        case OPT_NO_COLOR_MANAGEMENT:
            imgcolor_options_set_color_management(opt, 0);
            continue;
        case OPT_NAME_PREFIX:
            if (!cli_css_prefix_ok(a.value)) {
                cli_error("%s: expected 1..64 letters, digits, '-' or '_', got '%s'", a.name,
                          a.value);
                goto done;
            }
            out.prefix = a.value;
            continue;
        case OPT_SPACE: {
            imgcolor_space space;
            if (imgcolor_space_parse(a.value, &space) != IMGCOLOR_OK ||
                imgcolor_options_set_space(opt, space) != IMGCOLOR_OK) {
                cli_error("%s: expected rgb, oklab or lab, got '%s'", a.name, a.value);
                goto done;
            }
            continue;
        }
        case OPT_FAST:
            imgcolor_options_set_fast(opt, 1);
            continue;
        case OPT_FAST_MIN_PIXELS:
            if (cli_parse_int(a.value, 0, INT64_MAX, a.name, &v) < 0)
                goto done;
            if (imgcolor_options_set_fast_min_pixels(opt, (uint64_t)v) != IMGCOLOR_OK) {
                cli_error("%s: %lld is out of range (see 'imgcolor help prominent')", a.name, v);
                goto done;
            }
            continue;
        }
    }
    if (nfiles == 0) {
        cli_error("prominent: no image given (see 'imgcolor help prominent')");
        goto done;
    }
    const char *no_color = getenv("NO_COLOR");
    int swatch = isatty(STDOUT_FILENO) && !(no_color && no_color[0]);
    out.format = format;
    if (format == FORMAT_CSV)
        puts("file,rank,hex,r,g,b,count,fraction,oklch_l,oklch_c,oklch_h,name,name_distance,"
             "text,text_contrast");
    rc = CLI_OK;
    for (int i = 0; i < nfiles; i++)
        if (run_one(files[i], opt, &out, nfiles > 1, swatch) != CLI_OK)
            rc = CLI_BAD_INPUT;
done:
    free(files);
    imgcolor_options_free(opt);
    return rc;
}
