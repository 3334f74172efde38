/* main.c: the imgcolor command: dispatches to a subcommand, and prints help and the
 * version. */
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
    const char *summary;
} command;

static const command commands[] = {
    {"prominent", cli_prominent, cli_prominent_help, "prominent colours of images (k-means)"},
    {"hex", cli_hex, cli_hex_help, "RGB triples to #rrggbb"},
    {"pie", cli_pie, cli_pie_help, "pie chart of colours, as PNG or SVG"},
    {"swatch", cli_swatch, cli_swatch_help, "palette strip of an image, as PNG or SVG"},
    {"map", cli_map, cli_map_help, "the image painted in its prominent colours, as PNG"},
};

static const command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fputs("Usage: imgcolor COMMAND [ARGS...]\n"
          "       imgcolor help COMMAND | --help | --version\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nExit status: 0 success, 1 bad input or output not written, 2 bad usage.\n", out);
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("imgcolor %s\nformats: %s\n", imgcolor_version(), imgcolor_formats());
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return CLI_OK;
        }
        const command *c = find(argv[2]);
        if (!c) {
            cli_error("no command '%s' (see 'imgcolor --help')", argv[2]);
            return CLI_USAGE;
        }
        fputs(c->help, stdout);
        return CLI_OK;
    }
    const command *c = find(name);
    if (!c) {
        cli_error("no command '%s' (see 'imgcolor --help')", name);
        return CLI_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c->help, stdout);
            return CLI_OK;
        }
    }
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    if (cli_close_stdout() < 0 && rc == CLI_OK)
        rc = CLI_BAD_INPUT;
    return rc;
}
