/* cmd_hex.c: `imgcolor hex`: RGB triples to "#rrggbb", from arguments or a JSON list. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_hex_help[] =
    "Usage: imgcolor hex R,G,B ...\n"
    "       imgcolor hex --json '[[r,g,b],...]'\n"
    "       imgcolor hex --json -        (the JSON list on standard input)\n\n"
    "Prints one #rrggbb line per colour; with --json, a JSON list of strings.\n"
    "Channels are integers from 0 to 255; anything else is an error, never wrapped.\n";

/* The longest JSON list accepted, in elements, and in bytes on standard input. */
#define HEX_MAX_ITEMS 1000000
#define HEX_MAX_BYTES (64u << 20)

static int parse_triple(const char *text, imgcolor_rgb *out)
{
    long long v[3];
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        char *end = NULL;
        if (*p < '0' || *p > '9') {
            if (*p != '-')
                return -1;
        }
        v[i] = strtoll(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
        if (i < 2) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    if (*p != '\0')
        return -1;
    char hex[8];
    if (imgcolor_hex_from_ints(v[0], v[1], v[2], hex) != IMGCOLOR_OK)
        return -2;
    *out = (imgcolor_rgb){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2]};
    return 0;
}

static int hex_json(const char *arg)
{
    uint8_t *data = NULL;
    size_t size = 0;
    if (strcmp(arg, "-") == 0) {
        if (cli_read_input("-", HEX_MAX_BYTES, &data, &size) < 0)
            return CLI_BAD_INPUT;
    } else {
        size = strlen(arg);
    }
    const char *text = data ? (const char *)data : arg;
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    imgcolor_error err;
    char *json = NULL;
    int rc = CLI_BAD_INPUT;
    if (imgcolor_rgb_list_parse(text, size, HEX_MAX_ITEMS, &rgbs, &n, &err) != IMGCOLOR_OK) {
        cli_error("hex: %s", err.message);
        goto done;
    }
    if (imgcolor_hex_list_to_json(rgbs, n, &json) != IMGCOLOR_OK) {
        cli_error("hex: out of memory");
        goto done;
    }
    puts(json);
    rc = CLI_OK;
done:
    imgcolor_free(json);
    imgcolor_free(rgbs);
    free(data);
    return rc;
}

int cli_hex(int argc, char **argv)
{
    enum { OPT_JSON = 1 };
    static const cli_option options[] = {{"json", 0, 1, OPT_JSON}, {NULL, 0, 0, 0}};
    cli_args a;
    cli_args_init(&a, argc, argv);
    const char *json = NULL;
    int operands = 0, rc = CLI_OK, id;
    /* Validate everything first: a usage error prints nothing on stdout. */
    while ((id = cli_next(&a, options, "hex")) != CLI_END) {
        if (id == CLI_ERROR)
            return CLI_USAGE;
        if (id == OPT_JSON)
            json = a.value;
        else
            operands++;
    }
    if (json && operands) {
        cli_error("hex: give either R,G,B operands or --json, not both");
        return CLI_USAGE;
    }
    if (json)
        return hex_json(json);
    if (!operands) {
        cli_error("hex: no colours given (see 'imgcolor help hex')");
        return CLI_USAGE;
    }
    cli_args_init(&a, argc, argv);
    while ((id = cli_next(&a, options, "hex")) != CLI_END && cli_flush_stdout() == 0) {
        imgcolor_rgb rgb;
        int bad = parse_triple(a.value, &rgb);
        if (bad == -1) {
            cli_error("hex: '%s': expected R,G,B", a.value);
            rc = CLI_BAD_INPUT;
        } else if (bad == -2) {
            cli_error("hex: '%s': channels must be integers from 0 to 255", a.value);
            rc = CLI_BAD_INPUT;
        } else {
            char hex[8];
            imgcolor_rgb_to_hex(rgb, hex);
            puts(hex);
        }
    }
    return rc;
}
