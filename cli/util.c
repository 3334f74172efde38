/* util.c: option scanning, numbers, input and output for the imgcolor subcommands. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("imgcolor: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_args_init(cli_args *a, int argc, char **argv)
{
    *a = (cli_args){argc, argv, 1, 0, NULL, NULL, NULL};
}

/* The option of the table that arg ("--name[=value]" or "-c[value]") names, or NULL;
 * *inline_value gets the value written into arg, if any. */
static const cli_option *find_option(const cli_option *options, const char *arg,
                                     const char **inline_value)
{
    const cli_option *hit = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        size_t len = strcspn(name, "=");
        for (const cli_option *o = options; o->id; o++)
            if (o->name && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                hit = o;
        if (hit && name[len] == '=')
            *inline_value = name + len + 1;
    } else {
        for (const cli_option *o = options; o->id; o++)
            if (o->short_name && o->short_name == arg[1])
                hit = o;
        if (hit && arg[2] != '\0')
            *inline_value = arg + 2;
    }
    return hit;
}

int cli_next(cli_args *a, const cli_option *options, const char *cmd)
{
    if (a->i >= a->argc)
        return CLI_END;
    const char *arg = a->argv[a->i++];
    a->name = arg;
    if (a->operands_only || arg[0] != '-' || strcmp(arg, "-") == 0) {
        a->value = arg;
        return CLI_OPERAND;
    }
    if (strcmp(arg, "--") == 0) {
        a->operands_only = 1;
        return cli_next(a, options, cmd);
    }
    const cli_option *hit = NULL;
    const char *inline_value = NULL;
    const cli_option *tables[2] = {options, a->more};
    for (int t = 0; t < 2 && !hit && tables[t]; t++)
        hit = find_option(tables[t], arg, &inline_value);
    if (!hit) {
        cli_error("%s: unknown option '%s' (see 'imgcolor help %s')", cmd, arg, cmd);
        return CLI_ERROR;
    }
    if (!hit->has_value) {
        if (inline_value) {
            cli_error("%s: option '%s' takes no value", cmd, arg);
            return CLI_ERROR;
        }
        a->value = NULL;
        return hit->id;
    }
    if (inline_value) {
        a->value = inline_value;
    } else if (a->i < a->argc) {
        a->value = a->argv[a->i++];
    } else {
        cli_error("%s: option '%s' needs a value", cmd, arg);
        return CLI_ERROR;
    }
    return hit->id;
}

int cli_parse_u64(const char *text, uint64_t *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The usage error of an integer option whose value the library refused, quoting the
 * library's own range. */
static int option_error(const char *option, const char *name, const char *text)
{
    uint64_t lo = 0, hi = 0;
    if (imgcolor_options_range(name, &lo, &hi) == IMGCOLOR_OK)
        cli_error("%s: expected an integer from %llu to %llu, got '%s'", option,
                  (unsigned long long)lo, (unsigned long long)hi, text);
    else
        cli_error("%s: invalid value '%s'", option, text);
    return -1;
}

int cli_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cli_take_image(const char *command, const char **image, const char *value)
{
    if (*image) {
        cli_error("%s: one image at a time ('%s' and '%s')", command, *image, value);
        return -1;
    }
    *image = value;
    return 0;
}

int cli_set_int(imgcolor_options *opt, imgcolor_status (*set)(imgcolor_options *, int),
                const char *name, const cli_args *a)
{
    uint64_t v = 0;
    if (cli_parse_u64(a->value, &v) < 0 || v > INT_MAX || set(opt, (int)v) != IMGCOLOR_OK)
        return option_error(a->name, name, a->value);
    return 0;
}

int cli_set_u64(imgcolor_options *opt, imgcolor_status (*set)(imgcolor_options *, uint64_t),
                const char *name, const cli_args *a)
{
    uint64_t v = 0;
    if (cli_parse_u64(a->value, &v) < 0 || set(opt, v) != IMGCOLOR_OK)
        return option_error(a->name, name, a->value);
    return 0;
}

int cli_read_input_quiet(const char *path, uint64_t max_bytes, uint8_t **data, size_t *size,
                         char *why, size_t why_size)
{
    int from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "%s", strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = -1;
    snprintf(why, why_size, "out of memory");
    if (!buf)
        goto done;
    for (;;) {
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown)
                goto done;
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > max_bytes) {
            snprintf(why, why_size, "larger than the limit of %llu bytes",
                     (unsigned long long)max_bytes);
            goto done;
        }
        if (got == 0) {
            if (ferror(f)) {
                snprintf(why, why_size, "%s", strerror(errno));
                goto done;
            }
            break;
        }
    }
    *data = buf;
    *size = len;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    if (!from_stdin)
        fclose(f);
    return rc;
}

int cli_read_input(const char *path, uint64_t max_bytes, uint8_t **data, size_t *size)
{
    char why[256];
    if (cli_read_input_quiet(path, max_bytes, data, size, why, sizeof why) == 0)
        return 0;
    cli_error("%s: %s", path, why);
    return -1;
}

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->failed)
        goto fail;
    size_t need = b->len + (size_t)n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            goto fail;
        b->data = grown;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return;
fail:
    b->failed = 1;
}

void cli_buf_free(cli_buf *b)
{
    free(b->data);
    *b = (cli_buf){0};
}

int cli_write_output(const char *path, const void *data, size_t size)
{
    if (strcmp(path, "-") == 0) {
        fwrite(data, 1, size, stdout);
        return cli_flush_stdout();
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    errno = 0;
    int ok = fwrite(data, 1, size, f) == size;
    int saved = errno;
    errno = 0;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        saved = errno ? errno : saved;
        cli_error("%s: write error%s%s", path, saved ? ": " : "", saved ? strerror(saved) : "");
        return -1;
    }
    return 0;
}

/* Standard output's first write error (an errno value, or -1 when stdio did not say),
 * kept so that it is reported once, at exit, whoever wrote the lost bytes. */
static int stdout_error;

int cli_flush_stdout(void)
{
    if (stdout_error)
        return -1;
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    stdout_error = errno ? errno : -1;
    return -1;
}

int cli_close_stdout(void)
{
    int failed = cli_flush_stdout() < 0;
    errno = 0;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        stdout_error = errno ? errno : -1;
    }
    if (failed)
        cli_error("standard output: write error%s%s", stdout_error > 0 ? ": " : "",
                  stdout_error > 0 ? strerror(stdout_error) : "");
    return failed ? -1 : 0;
}
