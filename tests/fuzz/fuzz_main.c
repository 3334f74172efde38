/* fuzz_main.c: replays files through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so that every ordinary build (gcc included) re-runs the seed corpora and
 * the crashers on each `make test`. Arguments are files or directories (read
 * recursively, names sorted, dot-files skipped); any crash or sanitizer report fails. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path into a buffer of exactly its size, so that sanitizers and valgrind catch a
 * read one byte past the end, as libFuzzer's own buffers do. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    for (;;) {
        uint8_t chunk[65536];
        size_t got = fread(chunk, 1, sizeof chunk, f);
        if (got == 0)
            break;
        uint8_t *grown = realloc(data, size + got);
        if (!grown) {
            free(data);
            fclose(f);
            fprintf(stderr, "%s: out of memory\n", path);
            return -1;
        }
        data = grown;
        memcpy(data + size, chunk, got);
        size += got;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(data);
        fprintf(stderr, "%s: read error\n", path);
        return -1;
    }
    /* Named first, so that the input behind a crash is the last line printed. */
    printf("%s\n", path);
    fflush(stdout);
    /* An empty file is an input too; give the target a valid pointer all the same. */
    uint8_t empty = 0;
    LLVMFuzzerTestOneInput(data ? data : &empty, size);
    free(data);
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays path, a file or a directory; returns the number of inputs or -1. */
static long replay(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return replay_file(path);

    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    long total = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                total = -1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(path) + 1 + strlen(e->d_name) + 1;
        if (!(names[n] = malloc(len))) {
            total = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(dir);
    /* Sorted, so that a failure is reported at the same input on every machine. */
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (total >= 0) {
            long got = replay(names[i]);
            total = got < 0 ? -1 : total + got;
        }
        free(names[i]);
    }
    free(names);
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long n = replay(argv[i]);
        if (n < 0)
            return 1;
        printf("%s: %ld inputs replayed\n", argv[i], n);
    }
    return 0;
}
