/* cmd_pie.c: `imgcolor pie`: a pie chart of colours and counts, given as lists or found
 * as the prominent colours of an image, written as PNG or SVG. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_pie_help[] =
    "Usage: imgcolor pie --colors LIST --counts LIST -o FILE [options]\n"
    "       imgcolor pie IMAGE [-k N] -o FILE [options]\n\n"
    "Draws a pie chart, one wedge per colour sized by its count and labelled with its hex\n"
    "code, laid out as matplotlib's plt.pie() draws it. LIST is a JSON list\n"
    "('[\"#7f6a55\",\"#d8d3cc\"]', '[51234,43210]') or a comma list (#7f6a55,#d8d3cc).\n"
    "With an IMAGE (PNG or JPEG, '-' for standard input) the wedges are its k prominent\n"
    "colours and their pixel counts.\n\n"
    "Options:\n"
    "  -o, --output FILE    where to write the chart; '-' is standard output (required)\n"
    "      --svg            write SVG instead of PNG (also when FILE ends in .svg)\n"
    "      --size WxH       size in pixels, each side 16..8192 (default 480x360)\n"
    "      --percent        percentages inside the wedges\n"
    "      --no-labels      no labels beside the wedges\n"
    "      --labels LIST    label text instead of the hex codes (JSON or comma list)\n"
    "      --start-angle D  first wedge's start, degrees counter-clockwise from 3 o'clock\n"
    "      --clockwise      wedges follow clockwise\n"
    "      --transparent    transparent background instead of white\n"
    "      --font FILE      TrueType font for the labels (default DejaVu Sans)\n"
    "      --font-size PX   label size in pixels (default 10 pt at 75 dpi, scaled)\n"
    "  -k, --k N            with IMAGE: clusters, 1..256 (default 6)\n"
    "      --seed N         with IMAGE: random seed (default 0)\n";

#define PIE_MAX_WEDGES 256
#define PIE_MAX_LIST_BYTES (1u << 20)

/* Splits a comma list in place; returns the number of items, or -1 over max. Items are
 * trimmed of spaces. */
static int split_commas(char *text, char **items, int max)
{
    int n = 0;
    char *p = text;
    for (;;) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        while (*p == ' ')
            p++;
        size_t len = strlen(p);
        while (len && p[len - 1] == ' ')
            p[--len] = '\0';
        if (n == max)
            return -1;
        items[n++] = p;
        if (!end)
            return n;
        p = end + 1;
    }
}

static int is_json_list(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '[';
}

/* One list option: how to read it as JSON, and one comma-separated item at a time. */
typedef struct list_kind {
    const char *option;   /* "--colors" */
    const char *noun;     /* "colours", for "more than 256 colours" */
    const char *expected; /* "#rgb or #rrggbb", for "'x' is not ..." */
    size_t elem_size;
    imgcolor_status (*json)(const char *text, size_t len, void **out, size_t *n,
                            imgcolor_error *err);
    int (*item)(const char *text, void *slot); /* 0, or -1 when the item is bad */
} list_kind;

/* Parses a JSON list, or a comma list, of at most PIE_MAX_WEDGES items. On failure
 * prints the reason and returns -1. Free *out with imgcolor_free(), which is free(). */
static int parse_list(const char *text, const list_kind *kind, void **out, size_t *n)
{
    imgcolor_error err;
    *out = NULL;
    if (is_json_list(text)) {
        if (kind->json(text, strlen(text), out, n, &err) != IMGCOLOR_OK) {
            cli_error("pie: %s: %s", kind->option, err.message);
            return -1;
        }
        return 0;
    }
    char *copy = strdup(text), *items[PIE_MAX_WEDGES];
    uint8_t *values = malloc(PIE_MAX_WEDGES * kind->elem_size);
    int count = copy && values ? split_commas(copy, items, PIE_MAX_WEDGES) : -2;
    if (count == -2)
        cli_error("pie: out of memory");
    else if (count < 0)
        cli_error("pie: %s: more than %d %s", kind->option, PIE_MAX_WEDGES, kind->noun);
    for (int i = 0; i < count; i++)
        if (kind->item(items[i], values + (size_t)i * kind->elem_size) < 0) {
            cli_error("pie: %s: '%s' is not %s", kind->option, items[i], kind->expected);
            count = -1;
        }
    free(copy);
    if (count < 0) {
        free(values);
        return -1;
    }
    *out = values;
    *n = (size_t)count;
    return 0;
}

static imgcolor_status colors_json(const char *text, size_t len, void **out, size_t *n,
                                   imgcolor_error *err)
{
    imgcolor_rgb *v = NULL;
    imgcolor_status st = imgcolor_color_list_parse(text, len, PIE_MAX_WEDGES, &v, n, err);
    *out = v;
    return st;
}

static int color_item(const char *text, void *slot)
{
    return imgcolor_hex_parse(text, strlen(text), slot) == IMGCOLOR_OK ? 0 : -1;
}

static imgcolor_status counts_json(const char *text, size_t len, void **out, size_t *n,
                                   imgcolor_error *err)
{
    double *v = NULL;
    imgcolor_status st = imgcolor_number_list_parse(text, len, PIE_MAX_WEDGES, &v, n, err);
    *out = v;
    return st;
}

static int count_item(const char *text, void *slot)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return -1;
    memcpy(slot, &v, sizeof v);
    return 0;
}

static const list_kind colors_list = {"--colors", "colours", "#rgb or #rrggbb",
                                      sizeof(imgcolor_rgb), colors_json, color_item};
static const list_kind counts_list = {"--counts", "numbers", "a finite number", sizeof(double),
                                      counts_json, count_item};

/* Parses "WxH". */
static int parse_size(const char *text, uint32_t *w, uint32_t *h)
{
    char *end = NULL;
    errno = 0;
    unsigned long a = strtoul(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X') || errno)
        return -1;
    const char *p = end + 1;
    unsigned long b = strtoul(p, &end, 10);
    if (end == p || *end || errno || a < 16 || a > 8192 || b < 16 || b > 8192 ||
        text[0] == '-' || p[0] == '-')
        return -1;
    *w = (uint32_t)a;
    *h = (uint32_t)b;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The prominent colours of an image as wedges. */
static int wedges_from_image(const char *file, int k, long long seed, imgcolor_rgb **colors,
                             double **counts, size_t *n)
{
    imgcolor_options *opt = NULL;
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_options_new(&opt);
    if (st == IMGCOLOR_OK)
        st = imgcolor_options_set_k(opt, k);
    if (st == IMGCOLOR_OK)
        st = imgcolor_options_set_seed(opt, (uint64_t)seed);
    if (st == IMGCOLOR_OK) {
        if (strcmp(file, "-") == 0) {
            uint8_t *data = NULL;
            size_t size = 0;
            if (cli_read_input("-", imgcolor_options_get_max_bytes(opt), &data, &size) < 0) {
                imgcolor_options_free(opt);
                return -1;
            }
            st = imgcolor_prominent(data, size, opt, &res, &err);
            free(data);
        } else {
            st = imgcolor_prominent_file(file, opt, &res, &err);
        }
    }
    imgcolor_options_free(opt);
    if (st != IMGCOLOR_OK) {
        cli_error("%s: %s", file, err.message[0] ? err.message : imgcolor_strerror(st));
        return -1;
    }
    *n = imgcolor_result_count(res);
    *colors = malloc(*n * sizeof **colors + 1);
    *counts = malloc(*n * sizeof **counts + 1);
    if (!*colors || !*counts) {
        imgcolor_result_free(res);
        cli_error("pie: out of memory");
        return -1;
    }
    for (size_t i = 0; i < *n; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        (*colors)[i] = c->rgb;
        (*counts)[i] = (double)c->count;
    }
    imgcolor_result_free(res);
    return 0;
}

int cli_pie(int argc, char **argv)
{
    enum { OPT_COLORS = 1, OPT_COUNTS, OPT_OUTPUT, OPT_SVG, OPT_SIZE, OPT_PERCENT,
           OPT_NO_LABELS, OPT_LABELS, OPT_START, OPT_CLOCKWISE, OPT_TRANSPARENT, OPT_FONT,
           OPT_FONT_SIZE, OPT_K, OPT_SEED };
    static const cli_option options[] = {
        {"colors", 0, 1, OPT_COLORS},         {"counts", 0, 1, OPT_COUNTS},
        {"output", 'o', 1, OPT_OUTPUT},       {"svg", 0, 0, OPT_SVG},
        {"size", 0, 1, OPT_SIZE},             {"percent", 0, 0, OPT_PERCENT},
        {"no-labels", 0, 0, OPT_NO_LABELS},   {"labels", 0, 1, OPT_LABELS},
        {"start-angle", 0, 1, OPT_START},     {"clockwise", 0, 0, OPT_CLOCKWISE},
        {"transparent", 0, 0, OPT_TRANSPARENT}, {"font", 0, 1, OPT_FONT},
        {"font-size", 0, 1, OPT_FONT_SIZE},   {"k", 'k', 1, OPT_K},
        {"seed", 0, 1, OPT_SEED},             {NULL, 0, 0, 0},
    };
    const char *colors_arg = NULL, *counts_arg = NULL, *output = NULL, *image = NULL;
    const char *labels_arg = NULL;
    int svg = 0, rc = CLI_USAGE, id;
    long long k = 6, seed = 0;
    imgcolor_rgb *colors = NULL;
    double *counts = NULL;
    size_t ncolors = 0, ncounts = 0;
    imgcolor_pie_wedge *wedges = NULL;
    char *label_copy = NULL, *labels[PIE_MAX_WEDGES];
    void *out = NULL;
    size_t out_len = 0;
    imgcolor_image *img = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_pie_options *opt = NULL;
    if (imgcolor_pie_options_new(&opt) != IMGCOLOR_OK) {
        cli_error("out of memory");
        return CLI_BAD_INPUT;
    }
    cli_args a;
    cli_args_init(&a, argc, argv);
    while ((id = cli_next(&a, options, "pie")) != CLI_END) {
        uint32_t w, h;
        char *end = NULL;
        double v;
        switch (id) {
        case CLI_ERROR:
            goto done;
        case CLI_OPERAND:
            if (image) {
                cli_error("pie: one image at a time ('%s' and '%s')", image, a.value);
                goto done;
            }
            image = a.value;
            break;
        case OPT_COLORS: colors_arg = a.value; break;
        case OPT_COUNTS: counts_arg = a.value; break;
        case OPT_OUTPUT: output = a.value; break;
        case OPT_SVG: svg = 1; break;
        case OPT_LABELS: labels_arg = a.value; break;
        case OPT_PERCENT: imgcolor_pie_options_set_percent(opt, 1); break;
        case OPT_NO_LABELS: imgcolor_pie_options_set_labels(opt, 0); break;
        case OPT_CLOCKWISE: imgcolor_pie_options_set_clockwise(opt, 1); break;
        case OPT_TRANSPARENT: imgcolor_pie_options_set_transparent(opt, 1); break;
        case OPT_SIZE:
            if (parse_size(a.value, &w, &h) < 0) {
                cli_error("%s: expected WxH, each side 16..8192, got '%s'", a.name, a.value);
                goto done;
            }
            imgcolor_pie_options_set_size(opt, w, h);
            break;
        case OPT_START:
        case OPT_FONT_SIZE:
            v = strtod(a.value, &end);
            if (end == a.value || *end ||
                (id == OPT_START ? imgcolor_pie_options_set_start_angle(opt, v)
                                 : imgcolor_pie_options_set_font_size(opt, v)) != IMGCOLOR_OK) {
                cli_error("%s: expected %s, got '%s'", a.name,
                          id == OPT_START ? "a number of degrees" : "a size from 4 to 512",
                          a.value);
                goto done;
            }
            break;
        case OPT_FONT:
            if (imgcolor_pie_options_set_font_path(opt, a.value) != IMGCOLOR_OK) {
                cli_error("%s: expected a font file, got '%s'", a.name, a.value);
                goto done;
            }
            break;
        case OPT_K:
            if (cli_parse_int(a.value, 1, IMGCOLOR_K_MAX, a.name, &k) < 0)
                goto done;
            break;
        case OPT_SEED:
            if (cli_parse_int(a.value, 0, INT64_MAX, a.name, &seed) < 0)
                goto done;
            break;
        }
    }
    if (!output) {
        cli_error("pie: no output given: -o FILE, or -o - for standard output");
        goto done;
    }
    if (image && (colors_arg || counts_arg)) {
        cli_error("pie: give either an IMAGE or --colors and --counts, not both");
        goto done;
    }
    if (!image && (!colors_arg || !counts_arg)) {
        cli_error("pie: need --colors and --counts, or an IMAGE (see 'imgcolor help pie')");
        goto done;
    }
    svg = svg || ends_with(output, ".svg") || ends_with(output, ".SVG");

    rc = CLI_BAD_INPUT;
    if (image) {
        if (wedges_from_image(image, (int)k, seed, &colors, &counts, &ncolors) < 0)
            goto done;
        ncounts = ncolors;
    } else {
        void *c = NULL, *v = NULL;
        int bad = parse_list(colors_arg, &colors_list, &c, &ncolors) < 0 ||
                  parse_list(counts_arg, &counts_list, &v, &ncounts) < 0;
        colors = c;
        counts = v;
        if (bad)
            goto done;
        if (ncolors != ncounts) {
            cli_error("pie: %zu colours but %zu counts", ncolors, ncounts);
            goto done;
        }
    }
    int nlabels = 0;
    if (labels_arg) {
        label_copy = strdup(labels_arg);
        nlabels = label_copy ? split_commas(label_copy, labels, PIE_MAX_WEDGES) : -1;
        if (nlabels < 0 || (size_t)nlabels != ncolors) {
            cli_error("pie: --labels: expected %zu comma-separated labels", ncolors);
            goto done;
        }
    }
    wedges = calloc(ncolors + 1, sizeof *wedges);
    if (!wedges) {
        cli_error("pie: out of memory");
        goto done;
    }
    for (size_t i = 0; i < ncolors; i++)
        wedges[i] = (imgcolor_pie_wedge){colors[i], counts[i], nlabels ? labels[i] : NULL};

    imgcolor_status st;
    if (svg) {
        char *text = NULL;
        st = imgcolor_pie_svg(wedges, ncolors, opt, &text, &out_len, &err);
        out = text;
    } else {
        st = imgcolor_pie_render(wedges, ncolors, opt, &img, &err);
        if (st == IMGCOLOR_OK)
            st = imgcolor_png_encode(img, &out, &out_len, &err);
    }
    if (st != IMGCOLOR_OK) {
        cli_error("%s%s", err.message[0] ? err.message : imgcolor_strerror(st),
                  st == IMGCOLOR_E_FONT ? " (use --font FILE, or --no-labels)" : "");
        goto done;
    }
    if (cli_write_output(output, out, out_len) < 0)
        goto done;
    rc = CLI_OK;
done:
    imgcolor_free(out);
    imgcolor_image_free(img);
    free(wedges);
    free(label_copy);
    imgcolor_free(colors);
    imgcolor_free(counts);
    imgcolor_pie_options_free(opt);
    return rc;
}
