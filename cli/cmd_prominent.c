/* cmd_prominent.c: `imgcolor prominent`: the prominent colours of each image given, as
 * text, JSON Lines or CSV, several images at once and written in input order. A bad
 * file is reported and the rest still run. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char cli_prominent_help[] =
    "Usage: imgcolor prominent IMAGE... [options]\n"
    "       imgcolor prominent -r DIR... [options]\n"
    "       imgcolor prominent --files-from LIST [-0] [options]\n\n"
    "Prints the k prominent colours of each image (k-means of its pixels, as\n"
    "scikit-learn's KMeans computes it), largest cluster first. '-' reads standard input.\n"
    "Images are processed several at once and printed in the order given; a bad file is\n"
    "reported and the rest still run.\n\n"
    "Options:\n"
    CLI_CLUSTER_HELP
    "      --where          also say where each colour is: its mean position (x, y as\n"
    "                       fractions of the width and height), bounding box (x0,y0\n"
    "                       inclusive, x1,y1 exclusive) and spread; decodes twice\n"
    "  -f, --format FMT     text (default), json (JSON Lines) or csv\n"
    "                       or a palette: gpl (GIMP), css (custom properties), hex\n"
    "      --name-prefix P  css: the custom properties' prefix (default color)\n"
    "  -j, --jobs N         images processed at once, 1..256 (default: one per core); with\n"
    "                       N > 1 and no --threads, each image gets cores/N threads\n"
    "      --files-from F   read the images' paths from file F ('-': standard input),\n"
    "                       one a line\n"
    "  -0, --null           the --files-from list is NUL-separated\n"
    "  -r, --recursive      read the images under each directory, in sorted order; other\n"
    "                       files are skipped, with a note\n"
    "      --progress       show progress on standard error (default: when a terminal)\n"
    "      --no-progress    do not show progress\n\n"
    "Text output shows a colour swatch when standard output is a terminal, unless\n"
    "NO_COLOR is set. With more than one image, a summary line ends standard error.\n"
    "Exit status: 0 when every image was done, 1 when any failed or output was lost,\n"
    "2 for bad usage.\n";

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_PALETTE };

/* The most images processed at once. */
#define JOBS_MAX 256

/* What every image of the batch shares, read-only while the batch runs. */
typedef struct prominent_batch {
    const imgcolor_options *opt;
    enum format format;
    int palette;        /* FORMAT_PALETTE: which (CLI_PALETTE_...) */
    const char *prefix; /* css palette: the properties' prefix */
    int many;   /* name each file in text output */
    int swatch; /* colour swatches in text output */
    const cli_paths *paths;
} prominent_batch;

static void print_text(cli_buf *out, const char *file, const imgcolor_result *res, int many,
                       int swatch)
{
    if (many)
        cli_buf_printf(out, "%s:\n", file);
    cli_print_region_text(out, res);
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        if (swatch)
            cli_buf_printf(out, "\x1b[48;2;%d;%d;%dm    \x1b[0m ", c->rgb.r, c->rgb.g, c->rgb.b);
        cli_buf_printf(out, "%s  rgb(%3d, %3d, %3d)  %10llu  %6.2f%%  ", c->hex, c->rgb.r,
                       c->rgb.g, c->rgb.b, (unsigned long long)c->count, 100.0 * c->fraction);
        if (c->has_where)
            cli_buf_printf(out, "at %.3f,%.3f  box %u,%u-%u,%u  spread %.3f  ", c->where.x,
                           c->where.y, c->where.box[0], c->where.box[1], c->where.box[2],
                           c->where.box[3], c->where.spread);
        cli_buf_printf(out, "%s\n", c->name);
    }
    cli_print_background_text(out, res, swatch);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static void print_csv_field(cli_buf *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        cli_buf_printf(out, "%s", s);
        return;
    }
    cli_buf_printf(out, "\"");
    for (; *s; s++)
        cli_buf_printf(out, *s == '"' ? "\"\"" : "%c", *s);
    cli_buf_printf(out, "\"");
}

static void print_csv(cli_buf *out, const char *file, const imgcolor_result *res)
{
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        print_csv_field(out, file);
        char text[8];
        imgcolor_rgb_to_hex(c->text, text);
        cli_buf_printf(out, ",%zu,%s,%d,%d,%d,%llu,%.6f,%.5f,%.5f,%.2f,%s,%.5f,%s,%.2f", i + 1,
                       c->hex, c->rgb.r, c->rgb.g, c->rgb.b, (unsigned long long)c->count,
                       c->fraction, c->oklch[0], c->oklch[1], c->oklch[2], c->name,
                       c->name_distance, text, c->text_contrast);
        if (c->has_where)
            cli_buf_printf(out, ",%.5f,%.5f,%u,%u,%u,%u,%.5f", c->where.x, c->where.y,
                           c->where.box[0], c->where.box[1], c->where.box[2], c->where.box[3],
                           c->where.spread);
        cli_buf_printf(out, "\n");
    }
    if (imgcolor_result_background(res)) {
        print_csv_field(out, file);
        cli_print_background_csv(out, res);
    }
}

/* One image of the batch (a cli_work_fn). */
static int prominent_one(void *ctx, size_t index, cli_buf *out, cli_buf *errors)
{
    const prominent_batch *b = ctx;
    const char *file = b->paths->items[index];
    imgcolor_result *res = NULL;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    char *json = NULL;
    int rc = CLI_BAD_INPUT;
    imgcolor_status st = cli_cluster_file(file, b->opt, &res, &err);
    if (st != IMGCOLOR_OK) {
        cli_buf_printf(errors, "imgcolor: %s: %s\n", file,
                       err.message[0] ? err.message : imgcolor_strerror(st));
        goto done;
    }
    if (b->format == FORMAT_JSON) {
        if (imgcolor_result_to_json(res, file, &json) != IMGCOLOR_OK) {
            cli_buf_printf(errors, "imgcolor: %s: out of memory\n", file);
            goto done;
        }
        cli_buf_printf(out, "%s\n", json);
    } else if (b->format == FORMAT_PALETTE) {
        cli_print_palette(out, b->palette, file, res, b->prefix);
    } else if (b->format == FORMAT_CSV) {
        print_csv(out, file, res);
    } else {
        print_text(out, file, res, b->many, b->swatch);
    }
    rc = CLI_OK;
done:
    imgcolor_free(json);
    imgcolor_result_free(res);
    return rc;
}

/* The command line. */
typedef struct prominent_request {
    imgcolor_options *opt;
    enum format format;
    int palette;        /* FORMAT_PALETTE: which */
    const char *prefix; /* css palette: the properties' prefix */
    int jobs;          /* 0: one per core */
    int threads_given; /* --threads was given */
    const char *files_from;
    int nul, recursive;
    int progress;      /* -1: when standard error is a terminal */
    cli_paths paths;
    cli_walk walk;
    int stdin_used;
} prominent_request;

enum { OPT_FORMAT = 1, OPT_JOBS, OPT_FILES_FROM, OPT_NULL, OPT_RECURSIVE, OPT_PROGRESS,
       OPT_NO_PROGRESS, OPT_NAME_PREFIX, OPT_WHERE };

/* With cli_cluster_options. */
static const cli_option prominent_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    {"jobs", 'j', 1, OPT_JOBS},
    {"files-from", 0, 1, OPT_FILES_FROM},
    {"null", '0', 0, OPT_NULL},
    {"recursive", 'r', 0, OPT_RECURSIVE},
    {"progress", 0, 0, OPT_PROGRESS},
    {"no-progress", 0, 0, OPT_NO_PROGRESS},
    {"name-prefix", 0, 1, OPT_NAME_PREFIX},
    {"where", 0, 0, OPT_WHERE},
    {NULL, 0, 0, 0},
};

static int parse_format(prominent_request *q, const cli_args *a)
{
    static const char *const names[] = {"text", "json", "csv"};
    for (int i = 0; i < 3; i++)
        if (strcmp(a->value, names[i]) == 0) {
            q->format = (enum format)i;
            return 0;
        }
    if ((q->palette = cli_palette_kind(a->value)) >= 0) {
        q->format = FORMAT_PALETTE;
        return 0;
    }
    cli_error("%s: expected text, json, csv, gpl, css or hex, got '%s'", a->name, a->value);
    return -1;
}

static int parse_name_prefix(prominent_request *q, const cli_args *a)
{
    if (!cli_css_prefix_ok(a->value)) {
        cli_error("%s: expected 1..64 letters, digits, '-' or '_', got '%s'", a->name, a->value);
        return -1;
    }
    q->prefix = a->value;
    return 0;
}

static int parse_jobs(prominent_request *q, const cli_args *a)
{
    char *end = NULL;
    long v = a->value[0] >= '0' && a->value[0] <= '9' ? strtol(a->value, &end, 10) : 0;
    if (!end || *end || v < 1 || v > JOBS_MAX) {
        cli_error("%s: expected an integer from 1 to %d, got '%s'", a->name, JOBS_MAX, a->value);
        return -1;
    }
    q->jobs = (int)v;
    return 0;
}

/* Applies one option; -1 after printing a usage error. */
static int apply_option(prominent_request *q, int id, const cli_args *a)
{
    if (id >= CLI_CLUSTER_FIRST) {
        q->threads_given |= id == CLI_OPT_THREADS;
        return cli_cluster_option(q->opt, id, a);
    }
    switch (id) {
    case OPT_FORMAT: return parse_format(q, a);
    case OPT_JOBS: return parse_jobs(q, a);
    case OPT_FILES_FROM: q->files_from = a->value; return 0;
    case OPT_NULL: q->nul = 1; return 0;
    case OPT_RECURSIVE: q->recursive = 1; return 0;
    case OPT_PROGRESS: q->progress = 1; return 0;
    case OPT_NO_PROGRESS: q->progress = 0; return 0;
    case OPT_NAME_PREFIX: return parse_name_prefix(q, a);
    case OPT_WHERE: return imgcolor_options_set_where(q->opt, 1) == IMGCOLOR_OK ? 0 : -1;
    }
    return -1;
}

/* Reads the options, then the inputs: operands and directories in order, then the list
 * file's. Returns CLI_OK, CLI_USAGE, or CLI_BAD_INPUT when the inputs cannot be read. */
static int parse_request(int argc, char **argv, prominent_request *q)
{
    cli_args a;
    int id, operands = 0;
    cli_args_init(&a, argc, argv);
    a.more = cli_cluster_options;
    while ((id = cli_next(&a, prominent_options, "prominent")) != CLI_END) {
        if (id == CLI_ERROR)
            return CLI_USAGE;
        if (id == CLI_OPERAND) {
            operands++;
            q->stdin_used |= strcmp(a.value, "-") == 0;
        } else if (apply_option(q, id, &a) < 0)
            return CLI_USAGE;
    }
    if (!operands && !q->files_from) {
        cli_error("prominent: no image given (see 'imgcolor help prominent')");
        return CLI_USAGE;
    }
    if (q->nul && !q->files_from) {
        cli_error("prominent: -0 is for a --files-from list");
        return CLI_USAGE;
    }
    if (q->files_from && strcmp(q->files_from, "-") == 0 && q->stdin_used) {
        cli_error("prominent: standard input cannot be both an image and the --files-from list");
        return CLI_USAGE;
    }
    cli_args_init(&a, argc, argv);
    a.more = cli_cluster_options;
    while ((id = cli_next(&a, prominent_options, "prominent")) != CLI_END)
        if (id == CLI_OPERAND && cli_paths_expand(&q->paths, a.value, q->recursive, &q->walk) < 0)
            return CLI_BAD_INPUT;
    if (q->files_from) {
        cli_paths listed = {0};
        int bad = cli_paths_from_file(&listed, q->files_from, q->nul) < 0;
        for (size_t i = 0; !bad && i < listed.n; i++)
            bad = cli_paths_expand(&q->paths, listed.items[i], q->recursive, &q->walk) < 0;
        cli_paths_free(&listed);
        if (bad)
            return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* The processors this process may run on. */
static int cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Images at once and threads per image: the cores all busy, none oversubscribed. With
 * one image at a time the library's own choice (threads = 0) stands, as before. */
static int plan_jobs(prominent_request *q)
{
    int n = cores(), jobs = q->jobs ? q->jobs : n;
    if ((size_t)jobs > q->paths.n)
        jobs = q->paths.n ? (int)q->paths.n : 1;
    uint64_t lo = 1, hi = 1;
    if (jobs > 1 && !q->threads_given &&
        imgcolor_options_range("threads", &lo, &hi) == IMGCOLOR_OK) {
        int per_image = n / jobs > 1 ? n / jobs : 1;
        if ((uint64_t)per_image > hi)
            per_image = (int)hi;
        if (imgcolor_options_set_threads(q->opt, per_image) != IMGCOLOR_OK)
            jobs = 1; /* cannot happen within the range; keep the library's choice */
    }
    return jobs;
}

int cli_prominent(int argc, char **argv)
{
    prominent_request q = {.progress = -1, .prefix = "color"};
    int rc = CLI_BAD_INPUT;
    if (imgcolor_options_new(&q.opt) != IMGCOLOR_OK) {
        cli_error("out of memory");
        goto done;
    }
    rc = parse_request(argc, argv, &q);
    if (rc != CLI_OK)
        goto done;
    const char *no_color = getenv("NO_COLOR");
    prominent_batch pb = {q.opt, q.format, q.palette, q.prefix, q.paths.n + q.walk.failed > 1,
                          isatty(STDOUT_FILENO) && !(no_color && no_color[0]), &q.paths};
    int progress = q.progress < 0 ? isatty(STDERR_FILENO) : q.progress;
    cli_batch b = {q.paths.n, plan_jobs(&q), progress, progress || pb.many,
                   q.walk.skipped, q.walk.failed, prominent_one, &pb};
    if (q.format == FORMAT_CSV)
        printf("file,rank,hex,r,g,b,count,fraction,oklch_l,oklch_c,oklch_h,name,name_distance,"
              "text,text_contrast%s\n",
              imgcolor_options_get_where(q.opt) ? ",x,y,box_x0,box_y0,box_x1,box_y1,spread" : "");
    rc = cli_batch_run(&b);
done:
    cli_paths_free(&q.paths);
    imgcolor_options_free(q.opt);
    return rc;
}
