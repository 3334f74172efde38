/* cli.h: what the imgcolor subcommands share: option scanning, number parsing, reading
 * input, and error reporting. Subcommands include only this and <imgcolor.h>. */
#ifndef IMGCOLOR_CLI_H
#define IMGCOLOR_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <imgcolor.h>

/* Exit codes. */
enum { CLI_OK = 0, CLI_BAD_INPUT = 1, CLI_USAGE = 2 };

/* An option a subcommand accepts: "--name" and/or "-c", with or without a value. */
typedef struct cli_option {
    const char *name; /* long name without "--", or NULL */
    char short_name;  /* or 0 */
    int has_value;
    int id;           /* returned by cli_next(); must be > 0 */
} cli_option;

/* The scanning state over a subcommand's arguments; options and operands may mix, and
 * "--" ends the options. */
typedef struct cli_args {
    int argc;
    char **argv;
    int i;
    int operands_only;
    const char *value; /* the option's value, or the operand */
    const char *name;  /* the option as written, for messages */
} cli_args;

enum { CLI_OPERAND = 0, CLI_END = -1, CLI_ERROR = -2 };

void cli_args_init(cli_args *a, int argc, char **argv);

/* The next option's id, CLI_OPERAND (a->value is the operand), CLI_END, or CLI_ERROR
 * after printing a usage error naming cmd. */
int cli_next(cli_args *a, const cli_option *options, const char *cmd);

/* Parses a decimal integer in [lo, hi]; prints a usage error naming the option and
 * returns -1 when it is not one. */
int cli_parse_int(const char *text, long long lo, long long hi, const char *option, long long *out);

/* Prints "imgcolor: <fmt>" and a newline on stderr. */
void cli_error(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Reads all of a file, or standard input for "-", up to max_bytes. On failure prints
 * "imgcolor: <path>: <reason>" and returns -1. Free *data with free(). */
int cli_read_input(const char *path, uint64_t max_bytes, uint8_t **data, size_t *size);

/* Writes size bytes to path, or standard output for "-". Prints the error and returns -1
 * on failure. */
int cli_write_output(const char *path, const void *data, size_t size);

/* The subcommands: each takes its own arguments (argv[0] is the subcommand name) and
 * returns an exit code. */
/* The palette formats of `prominent --format` (palette.c): the kind a name means, or
 * -1; whether a --name-prefix is usable; and one image's palette on stdout. */
enum { CLI_PALETTE_GPL, CLI_PALETTE_CSS, CLI_PALETTE_HEX };
int cli_palette_kind(const char *name);
int cli_css_prefix_ok(const char *prefix);
void cli_print_palette(int kind, const char *file, const imgcolor_result *res,
                       const char *prefix);

int cli_prominent(int argc, char **argv);
int cli_hex(int argc, char **argv);
int cli_pie(int argc, char **argv);

/* Help text of each subcommand. */
extern const char cli_prominent_help[];
extern const char cli_hex_help[];
extern const char cli_pie_help[];

#endif
