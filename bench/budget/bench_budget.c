/* bench_budget.c: how far past its CPU-time budget (imgcolor_options_set_time_limit_ms)
 * a call runs before it stops with IMGCOLOR_E_LIMIT, and what a budget never reached
 * costs. For each image: the call without a budget, then with each limit given, each
 * `repeat` times; prints the median CPU time of the process (all the call's threads)
 * per call, and the status.
 *
 *     bench/budget/run.sh 5 5,50,200 IMAGE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <imgcolor.h>

static double cpu_ms(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *data = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            unsigned char *grown = realloc(data, cap = cap ? 2 * cap : 1 << 20);
            if (!grown) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = grown;
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    *size = len;
    return data;
}

/* The median CPU time of `repeat` calls with the given limit; the last status in *st. */
static double measure(const unsigned char *data, size_t size, uint64_t limit, int repeat,
                      imgcolor_status *st)
{
    double *t = calloc((size_t)repeat, sizeof *t);
    imgcolor_options *opt = NULL;
    if (!t || imgcolor_options_new(&opt) != IMGCOLOR_OK ||
        imgcolor_options_set_time_limit_ms(opt, limit) != IMGCOLOR_OK) {
        fprintf(stderr, "bench_budget: cannot set up\n");
        exit(1);
    }
    for (int i = 0; i < repeat; i++) {
        imgcolor_result *res = NULL;
        double before = cpu_ms();
        *st = imgcolor_prominent(data, size, opt, &res, NULL);
        t[i] = cpu_ms() - before;
        imgcolor_result_free(res);
    }
    qsort(t, (size_t)repeat, sizeof *t, by_value);
    double median = t[repeat / 2];
    imgcolor_options_free(opt);
    free(t);
    return median;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_budget REPEAT LIMIT_MS[,LIMIT_MS...] IMAGE...\n");
        return 2;
    }
    int repeat = atoi(argv[1]);
    if (repeat < 1)
        repeat = 1;
    printf("| image | no budget | limit | CPU time used | status |\n");
    printf("|-------|-----------|-------|---------------|--------|\n");
    for (int a = 3; a < argc; a++) {
        size_t size = 0;
        unsigned char *data = read_all(argv[a], &size);
        if (!data) {
            fprintf(stderr, "bench_budget: cannot read %s\n", argv[a]);
            return 1;
        }
        imgcolor_status st;
        double free_ms = measure(data, size, 0, repeat, &st);
        char *limits = strdup(argv[2]);
        for (char *tok = strtok(limits, ","); tok; tok = strtok(NULL, ",")) {
            uint64_t limit = strtoull(tok, NULL, 10);
            double used = measure(data, size, limit, repeat, &st);
            const char *name = strrchr(argv[a], '/');
            printf("| %s | %.1f ms | %llu ms | %.1f ms | %s |\n", name ? name + 1 : argv[a],
                   free_ms, (unsigned long long)limit, used, imgcolor_status_name(st));
        }
        free(limits);
        free(data);
    }
    return 0;
}
