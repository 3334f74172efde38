/* test_kmeans_summary.c: the summary the k-means starts are compared on (each box of
 * colours merged into its rounded centroid, the boxes the smallest Morton-aligned ones
 * that fit the target), and that a run through it still ends on every colour: exact
 * inertia and counts, the same answer whatever the threads. */
#include <math.h>
#include <stdlib.h>

#include "kmeans_summary.h"
#include "morton.h"
#include "support.h"

/* Colours in a few noisy blobs, each drawn once or more: about n distinct ones. */
static imgcolor__kmeans_data *blobs(size_t n, uint64_t seed)
{
    static const int base[6][3] = {{200, 40, 40},  {40, 190, 60}, {50, 60, 210},
                                   {235, 235, 225}, {25, 20, 30}, {150, 120, 40}};
    uint8_t *seen = calloc(1u << 24, 1);
    uint32_t *codes = malloc(n * sizeof *codes);
    uint64_t *counts = malloc(n * sizeof *counts);
    assert_non_null(seen);
    assert_non_null(codes);
    assert_non_null(counts);
    uint64_t x = seed * 2654435761u + 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int b = (int)((x >> 33) % 6);
        uint32_t rgb = 0;
        for (int j = 0; j < 3; j++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            int v = base[b][j] + (int)((x >> 40) % 81) - 40;
            rgb = rgb << 8 | (uint32_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        if (seen[rgb]++)
            continue;
        codes[m] = imgcolor__rgb_morton(rgb); /* unsorted: prepare sorts */
        counts[m] = 1 + (x >> 20) % 50;
        m++;
    }
    free(seen);
    imgcolor__kmeans_data *d = NULL;
    assert_int_equal(imgcolor__kmeans_prepare(codes, counts, m, &d), IMGCOLOR_OK);
    free(codes);
    return d;
}

/* Colour i's box when `drop` low bits of the code are dropped: for drop = 3b a cube of
 * side 2^b, for 3b + 1 and 3b + 2 that cube doubled along blue, then green too. */
static uint32_t box_of(const imgcolor__kmeans_data *d, size_t i, int drop)
{
    int b = drop / 3, extra = drop % 3;
    uint32_t r = d->x[0][i] >> b, g = d->x[1][i] >> b, bl = d->x[2][i] >> b;
    /* The cube's coordinates interleaved as in a code, less the extra low bits: blue's,
     * then green's. */
    return imgcolor__morton(r, g, bl) >> extra;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* d's colour indices, each under its box (the high 32 bits), sorted. */
static uint64_t *by_box(const imgcolor__kmeans_data *d, int drop)
{
    uint64_t *keys = malloc(d->n * sizeof *keys);
    assert_non_null(keys);
    for (size_t i = 0; i < d->n; i++)
        keys[i] = (uint64_t)box_of(d, i, drop) << 32 | i;
    qsort(keys, d->n, sizeof *keys, by_value);
    return keys;
}

/* The distinct boxes among d's colours. */
static size_t boxes(const imgcolor__kmeans_data *d, int drop)
{
    uint64_t *keys = by_box(d, drop);
    size_t count = 0;
    for (size_t i = 0; i < d->n; i++)
        count += i == 0 || keys[i] >> 32 != keys[i - 1] >> 32;
    free(keys);
    return count;
}

/* Every summary colour is the rounded pixel-weighted centroid of one box, with its
 * pixels (the mean rounded half up), computed here box by box; the summary lists them
 * in the order of their codes. */
static void check_boxes(const imgcolor__kmeans_data *d, const imgcolor__kmeans_data *s,
                        int drop)
{
    uint64_t *keys = by_box(d, drop);
    size_t m = 0;
    for (size_t i = 0; i < d->n;) {
        uint64_t a[4] = {0, 0, 0, 0};
        size_t end = i;
        for (; end < d->n && keys[end] >> 32 == keys[i] >> 32; end++) {
            size_t c = (size_t)(keys[end] & 0xFFFFFFFFu);
            a[0] += d->w[c];
            for (int j = 0; j < 3; j++)
                a[1 + j] += d->w[c] * d->x[j][c];
        }
        /* The m-th summary colour is this box's. */
        assert_true(m < s->n);
        assert_int_equal(s->w[m], a[0]);
        for (int j = 0; j < 3; j++)
            assert_int_equal(s->x[j][m], (2 * a[1 + j] + a[0]) / (2 * a[0]));
        m++;
        i = end;
    }
    assert_int_equal(m, s->n);
    free(keys);
}

static void test_summary_is_the_smallest_boxes_that_fit(void **state)
{
    (void)state;
    imgcolor__kmeans_data *d = blobs(60000, 3);
    assert_true(d->n > 20000);
    const size_t targets[] = {20, 300, 2048, 10000};
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        imgcolor__kmeans_data *s = NULL;
        assert_int_equal(imgcolor__kmeans_summary(d, targets[t], &s), IMGCOLOR_OK);
        assert_non_null(s);
        int drop = 1;
        while (boxes(d, drop) > targets[t])
            drop++;
        assert_true(drop == 1 || boxes(d, drop - 1) > targets[t]);
        assert_int_equal(s->n, boxes(d, drop));
        check_boxes(d, s, drop);
        imgcolor__kmeans_data_free(s);
    }
    /* No more colours than the target: the colours are their own summary. */
    imgcolor__kmeans_data *s = d;
    assert_int_equal(imgcolor__kmeans_summary(d, d->n, &s), IMGCOLOR_OK);
    assert_null(s);
    imgcolor__kmeans_data_free(d);
}

static imgcolor_options *options(int k, int n_init, int threads)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_n_init(opt, n_init), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
    return opt;
}

/* The result is that of its centres on every colour, not on the summary: counts and
 * inertia from a colour-by-colour assignment. */
static void check_exact_on_every_colour(const imgcolor__kmeans_data *d,
                                        const imgcolor__clustering *cl)
{
    uint64_t counts[IMGCOLOR_K_MAX] = {0};
    double inertia = 0;
    for (size_t i = 0; i < d->n; i++) {
        int best = 0;
        double bd = INFINITY;
        for (int t = 0; t < cl->k; t++) {
            double dd = imgcolor__dist2(d->x[0][i], d->x[1][i], d->x[2][i], cl->centres[t]);
            if (dd < bd) {
                bd = dd;
                best = t;
            }
        }
        counts[best] += d->w[i];
        inertia += (double)d->w[i] * bd;
    }
    for (int t = 0; t < cl->k; t++)
        assert_int_equal(counts[t], cl->counts[t]);
    assert_true(fabs(inertia - cl->inertia) <= 1e-9 * inertia);
}

static void test_runs_end_on_every_colour(void **state)
{
    (void)state;
    imgcolor__kmeans_data *d = blobs(60000, 5);
    const int ks[] = {1, 3, 6, 12};
    const int n_inits[] = {1, 2, 10};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        for (size_t j = 0; j < sizeof n_inits / sizeof n_inits[0]; j++) {
            imgcolor_options *opt = options(ks[i], n_inits[j], 1);
            imgcolor__clustering *one = malloc(sizeof *one), *many = malloc(sizeof *many);
            assert_non_null(one);
            assert_non_null(many);
            assert_int_equal(imgcolor__kmeans_run(d, opt, NULL, one), IMGCOLOR_OK);
            check_exact_on_every_colour(d, one);
            assert_int_equal(imgcolor_options_set_threads(opt, 3), IMGCOLOR_OK);
            assert_int_equal(imgcolor__kmeans_run(d, opt, NULL, many), IMGCOLOR_OK);
            assert_int_equal(one->k, many->k);
            assert_int_equal(one->iterations, many->iterations);
            size_t k = (size_t)one->k;
            assert_memory_equal(one->centres, many->centres, k * sizeof one->centres[0]);
            assert_memory_equal(one->counts, many->counts, k * sizeof one->counts[0]);
            assert_memory_equal(&one->inertia, &many->inertia, sizeof one->inertia);
            free(one);
            free(many);
            imgcolor_options_free(opt);
        }
    imgcolor__kmeans_data_free(d);
}

/* max_iter bounds the passes of a run, on the summary and on every colour together. */
static void test_max_iter_counts_both_stages(void **state)
{
    (void)state;
    imgcolor__kmeans_data *d = blobs(60000, 9);
    imgcolor__clustering *cl = malloc(sizeof *cl);
    assert_non_null(cl);
    int unbounded = 0;
    for (int max_iter = 1; max_iter <= 301; max_iter += 3) {
        imgcolor_options *opt = options(6, 4, 1);
        assert_int_equal(imgcolor_options_set_max_iter(opt, max_iter), IMGCOLOR_OK);
        assert_int_equal(imgcolor__kmeans_run(d, opt, NULL, cl), IMGCOLOR_OK);
        assert_true(cl->iterations >= 1 && cl->iterations <= max_iter);
        check_exact_on_every_colour(d, cl);
        unbounded |= cl->iterations < max_iter;
        imgcolor_options_free(opt);
    }
    assert_true(unbounded); /* and the runs did converge before the largest bound */
    free(cl);
    imgcolor__kmeans_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_is_the_smallest_boxes_that_fit),
        cmocka_unit_test(test_runs_end_on_every_colour),
        cmocka_unit_test(test_max_iter_counts_both_stages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
