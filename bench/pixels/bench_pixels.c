/* bench_pixels.c: the library in the scope of the seed lesson's timed cell,
 * `prominent_colors(img)` on an image already decoded: imgcolor_prominent_pixels() on raw
 * RGB pixels (written by bench_prominent.py from Pillow's array, the very pixels
 * scikit-learn clusters). Prints {"first": the first call's seconds, "seconds": the median
 * call's, "inertia": ...} as one JSON line.
 * Usage: bench_pixels RAW.rgb WIDTH HEIGHT K REPEAT */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <imgcolor.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The whole file, or NULL. */
static unsigned char *read_all(const char *path, size_t want)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(want ? want : 1);
    size_t got = f && buf ? fread(buf, 1, want, f) : 0;
    if (f)
        fclose(f);
    if (got != want) {
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s RAW.rgb WIDTH HEIGHT K REPEAT\n", argv[0]);
        return 2;
    }
    uint32_t w = (uint32_t)strtoul(argv[2], NULL, 10), h = (uint32_t)strtoul(argv[3], NULL, 10);
    int k = atoi(argv[4]), repeat = atoi(argv[5]), rc = 1;
    unsigned char *px = read_all(argv[1], (size_t)w * h * 3);
    double *t = malloc((size_t)(repeat > 0 ? repeat : 1) * sizeof *t), inertia = 0;
    imgcolor_options *opt = NULL;
    imgcolor_error err;
    if (!px || !t || repeat < 1 || imgcolor_options_new(&opt) != IMGCOLOR_OK ||
        imgcolor_options_set_k(opt, k) != IMGCOLOR_OK) {
        fprintf(stderr, "bench_pixels: cannot read %s or set k = %d\n", argv[1], k);
        goto done;
    }
    for (int r = 0; r < repeat; r++) {
        imgcolor_result *res = NULL;
        double start = now();
        if (imgcolor_prominent_pixels(px, w, h, (size_t)w * 3, IMGCOLOR_PIXEL_RGB8, opt, &res,
                                      &err) != IMGCOLOR_OK) {
            fprintf(stderr, "bench_pixels: %s\n", err.message);
            goto done;
        }
        t[r] = now() - start;
        inertia = imgcolor_result_inertia(res);
        imgcolor_result_free(res);
    }
    double first = t[0];
    qsort(t, (size_t)repeat, sizeof *t, by_value);
    printf("{\"first\": %.6f, \"seconds\": %.6f, \"inertia\": %.17g}\n", first,
           t[repeat / 2], inertia);
    rc = 0;
done:
    imgcolor_options_free(opt);
    free(px);
    free(t);
    return rc;
}
