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

/* Sets the integer option named name (as imgcolor_options_range() knows it) to the value
 * of the option just scanned, through the library's setter set. When the value is not an
 * integer the setter accepts, prints a usage error naming the option as written and the
 * library's range, and returns -1. */
int cli_set_int(imgcolor_options *opt, imgcolor_status (*set)(imgcolor_options *, int),
                const char *name, const cli_args *a);
int cli_set_u64(imgcolor_options *opt, imgcolor_status (*set)(imgcolor_options *, uint64_t),
                const char *name, const cli_args *a);

/* Prints "imgcolor: <fmt>" and a newline on stderr. */
void cli_error(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Reads all of a file, or standard input for "-", up to max_bytes. On failure prints
 * "imgcolor: <path>: <reason>" and returns -1. Free *data with free(). */
int cli_read_input(const char *path, uint64_t max_bytes, uint8_t **data, size_t *size);

/* Writes size bytes to path, or standard output for "-", and closes the file. Returns -1
 * on failure, having printed the error for a file (standard output's is printed by
 * cli_close_stdout()). */
int cli_write_output(const char *path, const void *data, size_t size);

/* Flushes standard output; -1 when it or any earlier write to it failed. The error is
 * remembered for cli_close_stdout(), so a command stops writing and says nothing. */
int cli_flush_stdout(void);

/* Flushes and closes standard output at exit, as gnulib's close_stdout() does; prints
 * "imgcolor: standard output: write error: <reason>" and returns -1 when any write to it
 * failed, so that no output is lost silently. */
int cli_close_stdout(void);

/* The subcommands: each takes its own arguments (argv[0] is the subcommand name) and
 * returns an exit code. */
int cli_prominent(int argc, char **argv);
int cli_hex(int argc, char **argv);
int cli_pie(int argc, char **argv);

/* Help text of each subcommand. */
extern const char cli_prominent_help[];
extern const char cli_hex_help[];
extern const char cli_pie_help[];

#endif
