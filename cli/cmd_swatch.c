/* cmd_swatch.c: `imgcolor swatch`: the prominent colours of an image as a palette strip,
 * each colour as wide as its share and labelled, written as PNG or SVG. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_swatch_help[] =
    "Usage: imgcolor swatch IMAGE -o FILE [options]\n\n"
    "Draws the k prominent colours of IMAGE ('-' for standard input) as a palette strip,\n"
    "largest first, each colour as wide as its share of the pixels and labelled with its\n"
    "hex code and nearest CSS colour name where the label fits (the name is dropped\n"
    "first, then the hex code).\n\n"
    "Options:\n"
    "  -o, --output FILE    where to write the strip; '-' is standard output (required)\n"
    "      --svg            write SVG instead of PNG (also when FILE ends in .svg)\n"
    "      --width N        strip width in pixels, 32..8192 (default 640)\n"
    "      --height N       strip height in pixels, 16..4096 (default 120)\n"
    "      --no-labels      only the colours, no text\n"
    "      --font FILE      TrueType font for the PNG's labels (default DejaVu Sans)\n"
    CLI_CLUSTER_HELP
    "\nExit status: 0 when the strip was written, 1 when the image or the output failed,\n"
    "2 for bad usage.\n";

enum { OPT_OUTPUT = 1, OPT_SVG, OPT_WIDTH, OPT_HEIGHT, OPT_NO_LABELS, OPT_FONT };

/* With cli_cluster_options. */
static const cli_option swatch_options[] = {
    {"output", 'o', 1, OPT_OUTPUT}, {"svg", 0, 0, OPT_SVG},
    {"width", 0, 1, OPT_WIDTH},     {"height", 0, 1, OPT_HEIGHT},
    {"no-labels", 0, 0, OPT_NO_LABELS}, {"font", 0, 1, OPT_FONT},
    {NULL, 0, 0, 0},
};

typedef struct swatch_request {
    const char *image, *output;
    int svg;
    imgcolor_options *opt;            /* how to cluster */
    imgcolor_swatch_options *swatch; /* how to draw */
} swatch_request;

/* Sets --width or --height, keeping the other side; the range is the library's. */
static int set_side(imgcolor_swatch_options *o, int height, const cli_args *a)
{
    uint32_t w = 0, h = 0;
    uint64_t v = 0;
    int ok = imgcolor_swatch_options_get_size(o, &w, &h) == IMGCOLOR_OK &&
             cli_parse_u64(a->value, &v) == 0 && v <= UINT32_MAX &&
             imgcolor_swatch_options_set_size(o, height ? w : (uint32_t)v,
                                               height ? (uint32_t)v : h) == IMGCOLOR_OK;
    if (ok)
        return 0;
    double lo = 0, hi = 0;
    if (imgcolor_swatch_options_range(height ? "height" : "width", &lo, &hi) != IMGCOLOR_OK)
        lo = hi = 0;
    cli_error("%s: expected an integer from %g to %g, got '%s'", a->name, lo, hi, a->value);
    return -1;
}

/* Applies one option; -1 after printing a usage error. */
static int apply_option(swatch_request *q, int id, const cli_args *a)
{
    imgcolor_swatch_options *o = q->swatch;
    if (id >= CLI_CLUSTER_FIRST)
        return cli_cluster_option(q->opt, id, a);
    switch (id) {
    case OPT_OUTPUT: q->output = a->value; return 0;
    case OPT_SVG: q->svg = 1; return 0;
    case OPT_WIDTH: return set_side(o, 0, a);
    case OPT_HEIGHT: return set_side(o, 1, a);
    case OPT_NO_LABELS: return imgcolor_swatch_options_set_labels(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case OPT_FONT:
        if (imgcolor_swatch_options_set_font_path(o, a->value) == IMGCOLOR_OK)
            return 0;
        cli_error("%s: expected a font file, got '%s'", a->name, a->value);
        return -1;
    }
    return -1;
}

/* Reads the command line into q; -1 after printing a usage error. */
static int parse_request(int argc, char **argv, swatch_request *q)
{
    cli_args a;
    int id;
    cli_args_init(&a, argc, argv);
    a.more = cli_cluster_options;
    while ((id = cli_next(&a, swatch_options, "swatch")) != CLI_END) {
        if (id == CLI_ERROR)
            return -1;
        if (id == CLI_OPERAND ? cli_take_image("swatch", &q->image, a.value) < 0
                              : apply_option(q, id, &a) < 0)
            return -1;
    }
    if (!q->image) {
        cli_error("swatch: no image given (see 'imgcolor help swatch')");
        return -1;
    }
    if (!q->output) {
        cli_error("swatch: no output given: -o FILE, or -o - for standard output");
        return -1;
    }
    q->svg = q->svg || cli_ends_with(q->output, ".svg") || cli_ends_with(q->output, ".SVG");
    return 0;
}

/* Clusters the image, draws the strip and writes it out; -1 after printing the error. */
static int draw(const swatch_request *q)
{
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    void *out = NULL;
    size_t out_len = 0;
    int rc = -1;
    imgcolor_status st = cli_cluster_file(q->image, q->opt, &res, &err);
    if (st != IMGCOLOR_OK) {
        cli_error("%s: %s", q->image, err.message[0] ? err.message : imgcolor_strerror(st));
        goto done;
    }
    st = imgcolor_result_swatch_encode(res, imgcolor_result_background(res), q->swatch,
                                       q->svg ? IMGCOLOR_PIE_SVG : IMGCOLOR_PIE_PNG, &out,
                                       &out_len, &err);
    if (st != IMGCOLOR_OK)
        cli_error("swatch: %s%s", err.message[0] ? err.message : imgcolor_strerror(st),
                  st == IMGCOLOR_E_FONT ? " (use --font FILE, --no-labels or --svg)" : "");
    else
        rc = cli_write_output(q->output, out, out_len);
done:
    imgcolor_free(out);
    imgcolor_result_free(res);
    return rc;
}

int cli_swatch(int argc, char **argv)
{
    swatch_request q = {0};
    int rc = CLI_BAD_INPUT;
    if (imgcolor_options_new(&q.opt) != IMGCOLOR_OK ||
        imgcolor_swatch_options_new(&q.swatch) != IMGCOLOR_OK) {
        cli_error("out of memory");
        goto done;
    }
    rc = CLI_USAGE;
    if (parse_request(argc, argv, &q) < 0)
        goto done;
    rc = draw(&q) < 0 ? CLI_BAD_INPUT : CLI_OK;
done:
    imgcolor_swatch_options_free(q.swatch);
    imgcolor_options_free(q.opt);
    return rc;
}
