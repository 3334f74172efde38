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
    const cli_option *more; /* a second table cli_next() looks in, or NULL */
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

/* The clustering options every command that clusters an image takes (cluster.c), with
 * ids from CLI_CLUSTER_FIRST on: put cli_cluster_options in cli_args.more, and hand each
 * such id to cli_cluster_option(), which sets it in opt (-1 after a usage error). */
enum { CLI_CLUSTER_FIRST = 1000, CLI_OPT_K = CLI_CLUSTER_FIRST, CLI_OPT_N_INIT, CLI_OPT_MAX_ITER,
       CLI_OPT_SEED, CLI_OPT_MIN_ALPHA, CLI_OPT_THREADS, CLI_OPT_MAX_PIXELS,
       CLI_OPT_NO_COLOR_MANAGEMENT, CLI_OPT_SPACE, CLI_OPT_FAST, CLI_OPT_FAST_MIN_PIXELS,
       CLI_OPT_FIRST_FRAME, CLI_OPT_BACKGROUND, CLI_OPT_BG_TOLERANCE, CLI_OPT_REGION };
extern const cli_option cli_cluster_options[];
int cli_cluster_option(imgcolor_options *opt, int id, const cli_args *a);
/* The clusters of one image file, "-" being standard input; on failure err says why
 * (nothing is printed). Thread-safe. */
imgcolor_status cli_cluster_file(const char *file, const imgcolor_options *opt,
                                 imgcolor_result **res, imgcolor_error *err);

/* Their help lines. */
#define CLI_CLUSTER_HELP                                                                      \
    "      --space SPACE    cluster in rgb (default: the sRGB code values, as scikit-learn\n" \
    "                       on the pixels), oklab or lab (CIELAB D65)\n"                      \
    "      --no-color-management  take the stored values as sRGB, ignoring the image's\n"   \
    "                       colour profile (default: convert from it to sRGB)\n"              \
    "  -k, --k N            clusters, 1..256 (default 6)\n"                                   \
    "      --n-init N       k-means++ initialisations, 1..1000; best inertia wins (default 10)\n" \
    "      --max-iter N     Lloyd iterations per initialisation, 1..100000 (default 300)\n"   \
    "      --seed N         random seed, 0..18446744073709551615; equal seeds give identical\n" \
    "                       output (default 0)\n"                                             \
    "      --min-alpha N    pixels with lower alpha are left out, 0..255 (default 128)\n"     \
    "      --threads N      worker threads per image, 0..64; 0 = one per core (default 0)\n"  \
    "      --max-pixels N   refuse larger images, 1..1099511627776 (default 64000000)\n"      \
    "      --first-frame    of an animation (GIF, WebP), count only the first frame\n"        \
    "                       (default: every frame)\n"                                         \
    "      --fast           count a sample of at least --fast-min-pixels pixels (a JPEG:\n"   \
    "                       bands of rows, the others only entropy-decoded), with at\n"      \
    "                       most 2 initialisations; counts still refer to the whole image\n" \
    "      --fast-min-pixels N  1024..2^40 (default 250000)\n"                              \
    "      --background B   keep (default: every pixel counts), exclude (detect the\n"     \
    "                       colour most of the border has and leave out the pixels near\n" \
    "                       it that join the border), or a colour #rrggbb to leave out\n"  \
    "      --bg-tolerance D  how near, in deltaE OK, 0..1 (default 0.04)\n"                \
    "      --region X,Y,W,H  count only this part, in pixels or percent\n"                 \
    "                       (10%,10%,80%,80%), clipped to the image\n"

/* An unsigned decimal integer, no sign, spaces or anything after it: 0, or -1. */
int cli_parse_u64(const char *text, uint64_t *out);
/* Whether s ends with suffix. */
int cli_ends_with(const char *s, const char *suffix);
/* An IMAGE operand of a command that reads one image (pie, swatch, map) into *image: 0,
 * or -1 after printing the error when it already has one. */
int cli_take_image(const char *command, const char **image, const char *value);

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
int cli_swatch(int argc, char **argv);
int cli_map(int argc, char **argv);

/* Help text of each subcommand. */
extern const char cli_prominent_help[];
extern const char cli_hex_help[];
extern const char cli_pie_help[];
extern const char cli_swatch_help[];
extern const char cli_map_help[];

#endif
