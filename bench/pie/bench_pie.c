/* bench_pie.c: times libimgcolor rendering the seed lesson's reference pie chart and
 * encoding it as PNG, the work of one POST /centroids. Prints per-chart times in ms: CPU
 * time (steady on a shared machine) and wall-clock time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <imgcolor.h>

static double now_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 1000;
    const char *out = argc > 2 ? argv[2] : NULL;
    static const char *hex[] = {"#7f6a55", "#d8d3cc", "#3b3a34", "#a89a88", "#b6c2cc", "#57524b"};
    static const double counts[] = {51234, 43210, 39876, 30211, 25000, 12000};
    imgcolor_pie_wedge w[6];
    for (int i = 0; i < 6; i++) {
        if (imgcolor_hex_parse(hex[i], strlen(hex[i]), &w[i].color) != IMGCOLOR_OK) {
            fprintf(stderr, "bench_pie: %s is not a colour\n", hex[i]);
            return 1;
        }
        w[i].weight = counts[i];
        w[i].label = NULL;
    }
    if (iters < 1)
        iters = 1;
    double *t = malloc((size_t)iters * sizeof *t), *wall = malloc((size_t)iters * sizeof *wall);
    double t_render = 0;
    void *png = NULL;
    size_t len = 0;
    imgcolor_error err;
    for (int i = 0; i < iters; i++) {
        imgcolor_image *img = NULL;
        imgcolor_free(png);
        double w0 = now_ms(CLOCK_MONOTONIC), t0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (imgcolor_pie_render(w, 6, NULL, &img, &err) != IMGCOLOR_OK) {
            fprintf(stderr, "bench_pie: %s\n", err.message);
            return 1;
        }
        double t1 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (imgcolor_png_encode(img, &png, &len, &err) != IMGCOLOR_OK) {
            fprintf(stderr, "bench_pie: %s\n", err.message);
            return 1;
        }
        t[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - t0;
        wall[i] = now_ms(CLOCK_MONOTONIC) - w0;
        t_render += t1 - t0;
        imgcolor_image_free(img);
    }
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(png, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "bench_pie: cannot write %s\n", out);
            return 1;
        }
    }
    qsort(t, (size_t)iters, sizeof *t, cmp);
    qsort(wall, (size_t)iters, sizeof *wall, cmp);
    printf("{\"iterations\": %d, \"cpu_median_ms\": %.4f, \"cpu_min_ms\": %.4f, "
           "\"wall_median_ms\": %.4f, \"render_cpu_mean_ms\": %.4f, \"png_bytes\": %zu}\n",
           iters, t[iters / 2], t[0], wall[iters / 2], t_render / iters, len);
    imgcolor_free(png);
    free(t);
    free(wall);
    return 0;
}
