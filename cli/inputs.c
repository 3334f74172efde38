/* inputs.c: the list of files a batch reads: operands, a list file (lines or
 * NUL-separated), and directories walked in sorted order, keeping images only. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The longest list file read by --files-from. */
#define FILES_FROM_MAX_BYTES ((uint64_t)1 << 30)

int cli_paths_add(cli_paths *p, const char *path, size_t len)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        char **grown = realloc(p->items, cap * sizeof *grown);
        if (!grown)
            goto nomem;
        p->items = grown;
        p->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        goto nomem;
    memcpy(copy, path, len);
    copy[len] = '\0';
    p->items[p->n++] = copy;
    return 0;
nomem:
    cli_error("out of memory");
    return -1;
}

void cli_paths_free(cli_paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i]);
    free(p->items);
    *p = (cli_paths){0};
}

int cli_paths_from_file(cli_paths *p, const char *file, int nul)
{
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = -1;
    if (cli_read_input(file, FILES_FROM_MAX_BYTES, &data, &size) < 0)
        return -1;
    const char *s = (const char *)data, *end = s + size;
    char sep = nul ? '\0' : '\n';
    while (s < end) {
        const char *e = memchr(s, sep, (size_t)(end - s));
        size_t len = (size_t)((e ? e : end) - s);
        if (!nul && memchr(s, '\0', len)) {
            cli_error("%s: a NUL byte in a line; use -0 for a NUL-separated list", file);
            goto done;
        }
        /* Empty entries (blank lines, a trailing separator) name nothing. */
        if (len && cli_paths_add(p, s, len) < 0)
            goto done;
        s += len + 1;
    }
    rc = 0;
done:
    free(data);
    return rc;
}

/* 1 when the file starts like an image the library decodes, 0 when not, -1 when it
 * cannot be read (it is then kept, so that its error is reported in its turn). The
 * library's own sniffing decides: only a foreign format gives IMGCOLOR_E_FORMAT, and a
 * one-pixel limit stops any decoder at the header. */
static int looks_like_image(const char *path)
{
    uint8_t head[64];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(head, 1, sizeof head, f);
    int unreadable = ferror(f);
    fclose(f);
    if (unreadable)
        return -1;
    imgcolor_options *opt = NULL;
    imgcolor_image *img = NULL;
    imgcolor_status st = imgcolor_options_new(&opt);
    if (st == IMGCOLOR_OK)
        st = imgcolor_options_set_max_pixels(opt, 1);
    if (st == IMGCOLOR_OK)
        st = imgcolor_decode(head, n, opt, &img, NULL);
    imgcolor_image_free(img);
    imgcolor_options_free(opt);
    return st != IMGCOLOR_E_FORMAT;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted bytewise, without "." and "..". A directory that
 * cannot be read is reported and counted as failed, and the walk goes on. */
static int read_names(const char *dir, cli_paths *names, cli_walk *w)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("%s: %s", dir, strerror(errno));
        w->failed++;
        return 0;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            rc = cli_paths_add(names, e->d_name, strlen(e->d_name));
    closedir(d);
    if (names->n)
        qsort(names->items, names->n, sizeof *names->items, compare_names);
    return rc;
}

static int walk(cli_paths *p, const char *dir, cli_walk *w);

/* One entry of a directory being walked. Symbolic links to files are followed, those to
 * directories are not, so that a walk always ends. */
static int visit(cli_paths *p, const char *path, cli_walk *w)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return cli_paths_add(p, path, strlen(path)); /* reported in its turn */
    if (S_ISDIR(st.st_mode))
        return walk(p, path, w);
    const char *why = NULL;
    if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        why = "a symbolic link to a directory, not followed";
    else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        why = "not a regular file";
    else if (looks_like_image(path) == 0)
        why = "not an image";
    if (!why)
        return cli_paths_add(p, path, strlen(path));
    fprintf(stderr, "imgcolor: %s: skipped, %s\n", path, why);
    w->skipped++;
    return 0;
}

static int walk(cli_paths *p, const char *dir, cli_walk *w)
{
    cli_paths names = {0};
    char *path = NULL;
    int rc = read_names(dir, &names, w);
    size_t dlen = strlen(dir);
    int slash = dlen && dir[dlen - 1] == '/';
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        free(path);
        path = malloc(dlen + strlen(names.items[i]) + 2);
        if (!path) {
            cli_error("out of memory");
            rc = -1;
            break;
        }
        sprintf(path, "%s%s%s", dir, slash ? "" : "/", names.items[i]);
        rc = visit(p, path, w);
    }
    free(path);
    cli_paths_free(&names);
    return rc;
}

int cli_paths_expand(cli_paths *p, const char *path, int recursive, cli_walk *w)
{
    struct stat st;
    if (recursive && strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(p, path, w);
    return cli_paths_add(p, path, strlen(path));
}
