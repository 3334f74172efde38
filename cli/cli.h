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

/* The same, without printing: on failure why holds the reason. Thread-safe. */
int cli_read_input_quiet(const char *path, uint64_t max_bytes, uint8_t **data, size_t *size,
                         char *why, size_t why_size);

/* A growing text buffer; failed is set, and the text kept short, when memory ran out. */
typedef struct cli_buf {
    char *data; /* NUL-terminated once anything was written */
    size_t len, cap;
    int failed;
} cli_buf;

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_buf_free(cli_buf *b);

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

/* A list of paths, each owned. */
typedef struct cli_paths {
    char **items;
    size_t n, cap;
} cli_paths;

/* What walking directories left out: files skipped (not images, with a note on
 * standard error) and directories that could not be read (reported). */
typedef struct cli_walk {
    size_t skipped;
    size_t failed;
} cli_walk;

/* Appends a copy of path[0..len); -1 (reported) when out of memory. */
int cli_paths_add(cli_paths *p, const char *path, size_t len);
void cli_paths_free(cli_paths *p);
/* Appends the paths listed in file ("-": standard input), one a line, or NUL-separated
 * when nul; empty entries are ignored. -1 after printing the error. */
int cli_paths_from_file(cli_paths *p, const char *file, int nul);
/* Appends path; with recursive, a directory is replaced by the images under it, walked
 * depth first in bytewise order of names, images told by their magic bytes. -1 only when
 * out of memory. */
int cli_paths_expand(cli_paths *p, const char *path, int recursive, cli_walk *w);

/* Work on input index of a batch: writes what goes to standard output into out and any
 * messages into err; returns CLI_OK, or CLI_BAD_INPUT when the input failed. Called
 * from several threads at once. */
typedef int (*cli_work_fn)(void *ctx, size_t index, cli_buf *out, cli_buf *err);

typedef struct cli_batch {
    size_t count;   /* inputs */
    int jobs;       /* worker threads, >= 1 */
    int progress;   /* redraw a progress line on standard error */
    int summary;    /* print the one-line summary at the end */
    size_t skipped; /* inputs left out before the batch, for the summary */
    size_t failed;  /* inputs that failed before the batch, for the summary */
    cli_work_fn work;
    void *ctx;
} cli_batch;

/* Runs work over every input on b->jobs threads and writes the results in input order,
 * at most a few per job waiting, so memory does not grow with the number of inputs.
 * Stops early when standard output fails. Returns CLI_OK when every input succeeded and
 * everything was written, otherwise CLI_BAD_INPUT. */
int cli_batch_run(const cli_batch *b);

/* The subcommands: each takes its own arguments (argv[0] is the subcommand name) and
 * returns an exit code. */
/* The palette formats of `prominent --format` (palette.c): the kind a name means, or
 * -1; whether a --name-prefix is usable; and one image's palette on stdout. */
enum { CLI_PALETTE_GPL, CLI_PALETTE_CSS, CLI_PALETTE_HEX };
int cli_palette_kind(const char *name);
int cli_css_prefix_ok(const char *prefix);
/* The options that choose the pixels counted (subject.c): each parses value through
 * the library, sets it, and returns 0; or prints a usage error naming the option as
 * written (name) and returns -1. */
int cli_set_background(imgcolor_options *opt, const char *name, const char *value);
int cli_set_bg_tolerance(imgcolor_options *opt, const char *name, const char *value);
int cli_set_region(imgcolor_options *opt, const char *name, const char *value);
/* Text output: the region line (before the colours) and the background line (after
 * them), each only when it was asked for. */
void cli_print_region_text(cli_buf *out, const imgcolor_result *res);
void cli_print_background_text(cli_buf *out, const imgcolor_result *res, int swatch);
/* CSV: the rest of the background's row, after its file field, when one was found. */
void cli_print_background_csv(cli_buf *out, const imgcolor_result *res);

void cli_print_palette(cli_buf *out, int kind, const char *file, const imgcolor_result *res,
                       const char *prefix);

int cli_prominent(int argc, char **argv);
int cli_hex(int argc, char **argv);
int cli_pie(int argc, char **argv);

/* Help text of each subcommand. */
extern const char cli_prominent_help[];
extern const char cli_hex_help[];
extern const char cli_pie_help[];

#endif
