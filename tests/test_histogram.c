/* test_histogram.c: the colour histogram, counted in its table of counters or (for an
 * announced small image) as a sorted list, against a plain sort of the pixels: the same
 * colours, in Morton order, with the same counts, transparent pixels left out. */
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "morton.h"
#include "support.h"

typedef struct image {
    size_t n;
    int bpp;
    uint8_t *px;
} image;

/* Pixels from a few hundred colours, most repeated, some runs of one colour; with
 * bpp 4, a third of them below alpha 128. */
static image random_image(size_t n, int bpp, uint64_t seed)
{
    image im = {n, bpp, malloc(n * (size_t)bpp)};
    assert_non_null(im.px);
    uint64_t x = seed * 0x9E3779B97F4A7C15u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint8_t *p = im.px + i * (size_t)bpp;
        if (i > 0 && (x >> 60) == 0) {
            memcpy(p, p - bpp, (size_t)bpp); /* runs */
            continue;
        }
        p[0] = (uint8_t)(x >> 24 & 0x1F) * 8;
        p[1] = (uint8_t)(x >> 32);
        p[2] = (uint8_t)(x >> 40 & 0x07) * 36;
        if (bpp == 4)
            p[3] = (uint8_t)((x >> 48) % 3 == 0 ? (x >> 52) % 128 : 128 + (x >> 52) % 128);
    }
    return im;
}

static int by_code(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The expected histogram: every counted pixel's code, sorted, counted in runs. */
static size_t expected(const image *im, int min_alpha, uint32_t *distinct, uint64_t *counts,
                       uint64_t *transparent)
{
    uint32_t *codes = malloc((im->n ? im->n : 1) * sizeof *codes);
    assert_non_null(codes);
    size_t m = 0;
    *transparent = 0;
    for (size_t i = 0; i < im->n; i++) {
        const uint8_t *p = im->px + i * (size_t)im->bpp;
        if (im->bpp == 4 && p[3] < min_alpha) {
            ++*transparent;
            continue;
        }
        codes[m++] = imgcolor__morton(p[0], p[1], p[2]);
    }
    qsort(codes, m, sizeof *codes, by_code);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || codes[i] != codes[i - 1]) {
            distinct[k] = codes[i];
            counts[k++] = 0;
        }
        counts[k - 1]++;
    }
    free(codes);
    return k;
}

/* Counts im in batches of `batch` pixels, after announcing `announce` pixels (0: none),
 * and compares with the plain sort. */
static void check(const image *im, int min_alpha, uint64_t announce, size_t batch)
{
    uint32_t *want_c = malloc((im->n + 1) * sizeof *want_c);
    uint64_t *want_w = malloc((im->n + 1) * sizeof *want_w);
    assert_non_null(want_c);
    assert_non_null(want_w);
    uint64_t transparent;
    size_t want_n = expected(im, min_alpha, want_c, want_w, &transparent);

    imgcolor__histogram *h = NULL;
    assert_int_equal(imgcolor__histogram_new(min_alpha, &h), IMGCOLOR_OK);
    if (announce)
        imgcolor__histogram_expect(h, announce);
    for (size_t i = 0; i < im->n; i += batch) {
        size_t n = im->n - i < batch ? im->n - i : batch;
        assert_int_equal(imgcolor__histogram_add(h, im->px + i * (size_t)im->bpp, n, im->bpp),
                         IMGCOLOR_OK);
    }
    assert_int_equal(imgcolor__histogram_pixels(h), im->n - transparent);
    assert_int_equal(imgcolor__histogram_transparent(h), transparent);
    uint32_t *c;
    uint64_t *w;
    size_t n;
    assert_int_equal(imgcolor__histogram_take(h, &c, &w, &n), IMGCOLOR_OK);
    imgcolor__histogram_free(h);
    assert_int_equal(n, want_n);
    assert_memory_equal(c, want_c, n * sizeof *c);
    assert_memory_equal(w, want_w, n * sizeof *w);
    free(c);
    free(w);
    free(want_c);
    free(want_w);
}

static void test_table_and_list_agree_with_sort(void **state)
{
    (void)state;
    for (int bpp = 3; bpp <= 4; bpp++) {
        image im = random_image(50000, bpp, (uint64_t)bpp);
        check(&im, 128, 0, 777);       /* the table */
        check(&im, 128, im.n, 777);    /* the list */
        check(&im, 0, im.n, im.n);     /* one batch; min_alpha 0 counts everything */
        check(&im, 256, im.n, 1000);   /* nothing counted */
        free(im.px);
    }
}

/* Every pixel a colour of its own, and almost: the list's read-back keeps its counts in
 * place when at most half the pixels are distinct, in a new array otherwise. */
static void test_mostly_distinct(void **state)
{
    (void)state;
    image im = {40000, 3, malloc(40000 * 3)};
    assert_non_null(im.px);
    for (size_t i = 0; i < im.n; i++) {
        size_t v = i * 7919 % 40000; /* a permutation: no two alike, no order */
        im.px[3 * i] = (uint8_t)v;
        im.px[3 * i + 1] = (uint8_t)(v >> 8);
        im.px[3 * i + 2] = 99;
    }
    check(&im, 0, im.n, 1000);
    for (size_t i = 0; i < im.n; i += 3) /* two thirds distinct */
        memcpy(im.px + 3 * i, im.px, 3);
    check(&im, 0, im.n, 1000);
    check(&im, 0, 0, 1000);
    free(im.px);
}

/* More pixels than announced: the list hands over to the table mid-image. */
static void test_more_pixels_than_announced(void **state)
{
    (void)state;
    image im = random_image(30000, 4, 9);
    check(&im, 128, 10000, 999);
    check(&im, 128, 1, 5);
    free(im.px);
}

/* Counts past a 16-bit counter: a flat image, and one colour that comes back between
 * others, in both ways of counting. */
static void test_large_counts(void **state)
{
    (void)state;
    image im = {200000, 3, calloc(200000, 3)};
    assert_non_null(im.px);
    for (size_t i = 0; i < im.n; i++)
        if (i % 7 == 0)
            im.px[3 * i] = (uint8_t)(i % 251);
    check(&im, 0, 0, 4096);
    check(&im, 0, im.n, 4096);
    memset(im.px, 200, im.n * 3);
    check(&im, 0, 0, 65536);
    check(&im, 0, im.n, 65536);
    free(im.px);
}

static void test_empty(void **state)
{
    (void)state;
    image im = {0, 3, NULL};
    check(&im, 0, 0, 1);
    check(&im, 0, 100, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_and_list_agree_with_sort),
        cmocka_unit_test(test_mostly_distinct),
        cmocka_unit_test(test_more_pixels_than_announced),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
