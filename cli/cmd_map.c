/* cmd_map.c: `imgcolor map`: the label map of an image, every pixel painted in the
 * colour of its cluster, written as PNG. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_map_help[] =
    "Usage: imgcolor map IMAGE -o FILE [options]\n\n"
    "Writes the label map of IMAGE as PNG: the image with every pixel painted in the\n"
    "colour of the cluster it belongs to, as `imgcolor prominent` finds the clusters\n"
    "(transparent where a pixel was left out). '-' reads standard input.\n\n"
    "Options:\n"
    "  -o, --output FILE    where to write the PNG; '-' is standard output (required)\n"
    "      --size N         scale down, nearest neighbour, so that the longer side is at\n"
    "                       most N pixels, 1..4294967295 (default: the image's size)\n"
    CLI_CLUSTER_HELP
    "\nExit status: 0 when the map was written, 1 for a bad image or a failed write,\n"
    "2 for bad usage.\n";

enum { OPT_OUTPUT = 1, OPT_SIZE };

/* With cli_cluster_options. */
static const cli_option map_options[] = {
    {"output", 'o', 1, OPT_OUTPUT},
    {"size", 0, 1, OPT_SIZE},
    {NULL, 0, 0, 0},
};

typedef struct map_request {
    imgcolor_options *opt;
    const char *image, *output;
    uint32_t size; /* 0: the image's */
} map_request;

static int parse_size(map_request *q, const cli_args *a)
{
    char *end = NULL;
    unsigned long long v =
        a->value[0] >= '0' && a->value[0] <= '9' ? strtoull(a->value, &end, 10) : 0;
    if (!end || *end || v < 1 || v > UINT32_MAX) {
        cli_error("%s: expected an integer from 1 to %u, got '%s'", a->name, UINT32_MAX,
                  a->value);
        return -1;
    }
    q->size = (uint32_t)v;
    return 0;
}

/* Reads the command line into q; -1 after printing a usage error. */
static int parse_request(int argc, char **argv, map_request *q)
{
    cli_args a;
    int id;
    cli_args_init(&a, argc, argv);
    a.more = cli_cluster_options;
    while ((id = cli_next(&a, map_options, "map")) != CLI_END) {
        int bad = id == CLI_ERROR;
        if (id == CLI_OPERAND) {
            bad = cli_take_image("map", &q->image, a.value) < 0;
        } else if (id == OPT_OUTPUT) {
            q->output = a.value;
        } else if (id == OPT_SIZE) {
            bad = parse_size(q, &a) < 0;
        } else if (!bad) {
            bad = cli_cluster_option(q->opt, id, &a) < 0;
        }
        if (bad)
            return -1;
    }
    if (!q->image) {
        cli_error("map: no image given (see 'imgcolor help map')");
        return -1;
    }
    if (!q->output) {
        cli_error("map: no output given: -o FILE, or -o - for standard output");
        return -1;
    }
    return 0;
}

/* Draws and writes the map; -1 after printing why not. */
static int draw(const map_request *q)
{
    uint8_t *data = NULL;
    size_t size = 0;
    imgcolor_image *map = NULL;
    void *png = NULL;
    size_t png_len = 0;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    int rc = -1;
    if (cli_read_input(q->image, imgcolor_options_get_max_bytes(q->opt), &data, &size) < 0)
        goto done;
    if (imgcolor_label_map(data, size, q->opt, q->size, &map, NULL, &err) != IMGCOLOR_OK ||
        imgcolor_png_encode(map, &png, &png_len, &err) != IMGCOLOR_OK) {
        cli_error("%s: %s", q->image, err.message[0] ? err.message : imgcolor_strerror(err.status));
        goto done;
    }
    rc = cli_write_output(q->output, png, png_len);
done:
    imgcolor_free(png);
    imgcolor_image_free(map);
    free(data);
    return rc;
}

int cli_map(int argc, char **argv)
{
    map_request q = {0};
    int rc = CLI_BAD_INPUT;
    if (imgcolor_options_new(&q.opt) != IMGCOLOR_OK) {
        cli_error("out of memory");
        goto done;
    }
    rc = CLI_USAGE;
    if (parse_request(argc, argv, &q) < 0)
        goto done;
    rc = draw(&q) < 0 ? CLI_BAD_INPUT : CLI_OK;
done:
    imgcolor_options_free(q.opt);
    return rc;
}
