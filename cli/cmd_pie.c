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
    "      --font-size PX   label size in pixels, 4..512 (default 10 pt at 75 dpi, scaled)\n"
    "  -k, --k N            with IMAGE: clusters, 1..256 (default 6)\n"
    "      --seed N         with IMAGE: random seed, 0..18446744073709551615 (default 0)\n";

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

/* Parses "WxH" and sets it; on failure prints the error with the library's range. */
static int set_size(imgcolor_pie_options *opt, const cli_args *a)
{
    char *end = NULL;
    const char *text = a->value, *p = text;
    unsigned long w = 0, h = 0;
    int ok = *p >= '0' && *p <= '9';
    if (ok) {
        errno = 0;
        w = strtoul(p, &end, 10);
        ok = !errno && (*end == 'x' || *end == 'X');
        p = end + 1;
    }
    if (ok && (ok = *p >= '0' && *p <= '9')) {
        h = strtoul(p, &end, 10);
        ok = !errno && !*end && w <= UINT32_MAX && h <= UINT32_MAX &&
             imgcolor_pie_options_set_size(opt, (uint32_t)w, (uint32_t)h) == IMGCOLOR_OK;
    }
    if (!ok) {
        double lo = 0, hi = 0;
        if (imgcolor_pie_options_range("width", &lo, &hi) != IMGCOLOR_OK)
            lo = hi = 0;
        cli_error("%s: expected WxH, each side from %g to %g, got '%s'", a->name, lo, hi, text);
        return -1;
    }
    return 0;
}

/* Parses a number of degrees, or a font size, and sets it through the library. */
static int set_number(imgcolor_pie_options *opt, int font_size, const cli_args *a)
{
    char *end = NULL;
    double v = strtod(a->value, &end), lo = 0, hi = 0;
    if (end != a->value && !*end &&
        (font_size ? imgcolor_pie_options_set_font_size(opt, v)
                   : imgcolor_pie_options_set_start_angle(opt, v)) == IMGCOLOR_OK)
        return 0;
    if (!font_size)
        cli_error("%s: expected a finite number of degrees, got '%s'", a->name, a->value);
    else if (imgcolor_pie_options_range("font_size", &lo, &hi) == IMGCOLOR_OK)
        cli_error("%s: expected a size in pixels from %g to %g, got '%s'", a->name, lo, hi,
                  a->value);
    return -1;
}

/* What the command line asks for. */
typedef struct pie_request {
    const char *colors, *counts, *labels, *output, *image;
    int svg;
    imgcolor_options *opt;     /* -k and --seed, for an IMAGE */
    imgcolor_pie_options *pie; /* how to draw */
} pie_request;

/* The wedges to draw; every pointer is owned. */
typedef struct pie_data {
    imgcolor_rgb *colors;
    double *counts;
    size_t n;
    char *label_text; /* --labels, split in place into labels */
    char *labels[PIE_MAX_WEDGES];
    int nlabels;
    imgcolor_pie_wedge *wedges;
} pie_data;

/* The prominent colours of an image as wedges. */
static int wedges_from_image(const pie_request *q, pie_data *d)
{
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    int rc = -1;
    imgcolor_status st = cli_cluster_file(q->image, q->opt, &res, &err);
    if (st != IMGCOLOR_OK) {
        cli_error("%s: %s", q->image, err.message[0] ? err.message : imgcolor_strerror(st));
        goto done;
    }
    d->n = imgcolor_result_count(res);
    d->colors = malloc(d->n * sizeof *d->colors + 1);
    d->counts = malloc(d->n * sizeof *d->counts + 1);
    if (!d->colors || !d->counts) {
        cli_error("pie: out of memory");
        goto done;
    }
    for (size_t i = 0; i < d->n; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        d->colors[i] = c->rgb;
        d->counts[i] = (double)c->count;
    }
    rc = 0;
done:
    imgcolor_result_free(res);
    return rc;
}

/* The wedges given as --colors and --counts. */
static int wedges_from_lists(const pie_request *q, pie_data *d)
{
    void *c = NULL, *v = NULL;
    size_t ncounts = 0;
    int bad = parse_list(q->colors, &colors_list, &c, &d->n) < 0 ||
              parse_list(q->counts, &counts_list, &v, &ncounts) < 0;
    d->colors = c;
    d->counts = v;
    if (bad)
        return -1;
    if (d->n != ncounts) {
        cli_error("pie: %zu colours but %zu counts", d->n, ncounts);
        return -1;
    }
    return 0;
}

/* The colours, counts and labels, as wedges ready to draw. */
static int load_wedges(const pie_request *q, pie_data *d)
{
    if ((q->image ? wedges_from_image(q, d) : wedges_from_lists(q, d)) < 0)
        return -1;
    if (q->labels) {
        d->label_text = strdup(q->labels);
        d->nlabels = d->label_text ? split_commas(d->label_text, d->labels, PIE_MAX_WEDGES) : -1;
        if (d->nlabels < 0 || (size_t)d->nlabels != d->n) {
            cli_error("pie: --labels: expected %zu comma-separated labels", d->n);
            return -1;
        }
    }
    d->wedges = calloc(d->n + 1, sizeof *d->wedges);
    if (!d->wedges) {
        cli_error("pie: out of memory");
        return -1;
    }
    for (size_t i = 0; i < d->n; i++)
        d->wedges[i] =
            (imgcolor_pie_wedge){d->colors[i], d->counts[i], d->nlabels ? d->labels[i] : NULL};
    return 0;
}

/* Draws the chart and writes it out. */
static int draw(const pie_request *q, const pie_data *d)
{
    void *out = NULL;
    size_t out_len = 0;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    imgcolor_status st = imgcolor_pie_encode(d->wedges, d->n, q->pie,
                                             q->svg ? IMGCOLOR_PIE_SVG : IMGCOLOR_PIE_PNG, &out,
                                             &out_len, &err);
    int rc = -1;
    if (st != IMGCOLOR_OK)
        cli_error("%s%s", err.message[0] ? err.message : imgcolor_strerror(st),
                  st == IMGCOLOR_E_FONT ? " (use --font FILE, or --no-labels)" : "");
    else
        rc = cli_write_output(q->output, out, out_len);
    imgcolor_free(out);
    return rc;
}

enum { OPT_COLORS = 1, OPT_COUNTS, OPT_OUTPUT, OPT_SVG, OPT_SIZE, OPT_PERCENT, OPT_NO_LABELS,
       OPT_LABELS, OPT_START, OPT_CLOCKWISE, OPT_TRANSPARENT, OPT_FONT, OPT_FONT_SIZE, OPT_K,
       OPT_SEED };

static const cli_option pie_options[] = {
    {"colors", 0, 1, OPT_COLORS},           {"counts", 0, 1, OPT_COUNTS},
    {"output", 'o', 1, OPT_OUTPUT},         {"svg", 0, 0, OPT_SVG},
    {"size", 0, 1, OPT_SIZE},               {"percent", 0, 0, OPT_PERCENT},
    {"no-labels", 0, 0, OPT_NO_LABELS},     {"labels", 0, 1, OPT_LABELS},
    {"start-angle", 0, 1, OPT_START},       {"clockwise", 0, 0, OPT_CLOCKWISE},
    {"transparent", 0, 0, OPT_TRANSPARENT}, {"font", 0, 1, OPT_FONT},
    {"font-size", 0, 1, OPT_FONT_SIZE},     {"k", 'k', 1, OPT_K},
    {"seed", 0, 1, OPT_SEED},               {NULL, 0, 0, 0},
};

/* Applies one option; -1 after printing a usage error. */
static int apply_option(pie_request *q, int id, const cli_args *a)
{
    imgcolor_pie_options *o = q->pie;
    switch (id) {
    case OPT_COLORS: q->colors = a->value; return 0;
    case OPT_COUNTS: q->counts = a->value; return 0;
    case OPT_OUTPUT: q->output = a->value; return 0;
    case OPT_LABELS: q->labels = a->value; return 0;
    case OPT_SVG: q->svg = 1; return 0;
    /* The flag setters take any int: they cannot fail on a valid handle. */
    case OPT_PERCENT: return imgcolor_pie_options_set_percent(o, 1) == IMGCOLOR_OK ? 0 : -1;
    case OPT_NO_LABELS: return imgcolor_pie_options_set_labels(o, 0) == IMGCOLOR_OK ? 0 : -1;
    case OPT_CLOCKWISE: return imgcolor_pie_options_set_clockwise(o, 1) == IMGCOLOR_OK ? 0 : -1;
    case OPT_TRANSPARENT:
        return imgcolor_pie_options_set_transparent(o, 1) == IMGCOLOR_OK ? 0 : -1;
    case OPT_SIZE: return set_size(o, a);
    case OPT_START: return set_number(o, 0, a);
    case OPT_FONT_SIZE: return set_number(o, 1, a);
    case OPT_K: return cli_set_int(q->opt, imgcolor_options_set_k, "k", a);
    case OPT_SEED: return cli_set_u64(q->opt, imgcolor_options_set_seed, "seed", a);
    case OPT_FONT:
        if (imgcolor_pie_options_set_font_path(o, a->value) == IMGCOLOR_OK)
            return 0;
        cli_error("%s: expected a font file, got '%s'", a->name, a->value);
        return -1;
    }
    return -1;
}

/* Reads the command line into q; -1 after printing a usage error. */
static int parse_request(int argc, char **argv, pie_request *q)
{
    cli_args a;
    int id;
    cli_args_init(&a, argc, argv);
    while ((id = cli_next(&a, pie_options, "pie")) != CLI_END) {
        if (id == CLI_ERROR)
            return -1;
        if (id == CLI_OPERAND ? cli_take_image("pie", &q->image, a.value) < 0
                              : apply_option(q, id, &a) < 0)
            return -1;
    }
    if (!q->output) {
        cli_error("pie: no output given: -o FILE, or -o - for standard output");
        return -1;
    }
    if (q->image && (q->colors || q->counts)) {
        cli_error("pie: give either an IMAGE or --colors and --counts, not both");
        return -1;
    }
    if (!q->image && (!q->colors || !q->counts)) {
        cli_error("pie: need --colors and --counts, or an IMAGE (see 'imgcolor help pie')");
        return -1;
    }
    q->svg = q->svg || cli_ends_with(q->output, ".svg") || cli_ends_with(q->output, ".SVG");
    return 0;
}

int cli_pie(int argc, char **argv)
{
    pie_request q = {0};
    pie_data d = {0};
    int rc = CLI_BAD_INPUT;
    if (imgcolor_options_new(&q.opt) != IMGCOLOR_OK ||
        imgcolor_pie_options_new(&q.pie) != IMGCOLOR_OK) {
        cli_error("out of memory");
        goto done;
    }
    rc = CLI_USAGE;
    if (parse_request(argc, argv, &q) < 0)
        goto done;
    rc = CLI_BAD_INPUT;
    if (load_wedges(&q, &d) < 0 || draw(&q, &d) < 0)
        goto done;
    rc = CLI_OK;
done:
    free(d.wedges);
    free(d.label_text);
    imgcolor_free(d.colors);
    imgcolor_free(d.counts);
    imgcolor_pie_options_free(q.pie);
    imgcolor_options_free(q.opt);
    return rc;
}
