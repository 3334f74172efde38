/* test_kmeans.c: histogram k-means against a plain per-pixel Lloyd, quality against
 * scikit-learn's recorded inertia, determinism, bounds, and the odd images (fewer colours
 * than k, transparency). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "kmeans.h"
#include "morton.h"
#include "support.h"

/* ---- a plain per-pixel Lloyd, the reference the histogram version must equal --------- */

typedef struct pixels {
    size_t n;
    uint8_t (*px)[3];
} pixels;

typedef struct oracle_sums {
    uint64_t w, s[3], sq;
} oracle_sums;

static int oracle_nearest(const uint8_t *p, const double (*c)[3], int k, double *dist)
{
    int best = 0;
    double bd = imgcolor__dist2(p[0], p[1], p[2], c[0]);
    for (int t = 1; t < k; t++) {
        double d = imgcolor__dist2(p[0], p[1], p[2], c[t]);
        if (d < bd) {
            bd = d;
            best = t;
        }
    }
    *dist = bd;
    return best;
}

static void oracle_assign(const pixels *im, const double (*c)[3], int k, oracle_sums *sums,
                          int *labels, double *dist)
{
    memset(sums, 0, (size_t)k * sizeof *sums);
    for (size_t i = 0; i < im->n; i++) {
        const uint8_t *p = im->px[i];
        int l = oracle_nearest(p, c, k, &dist[i]);
        labels[i] = l;
        sums[l].w++;
        for (int j = 0; j < 3; j++)
            sums[l].s[j] += p[j];
        sums[l].sq += (uint64_t)p[0] * p[0] + (uint64_t)p[1] * p[1] + (uint64_t)p[2] * p[2];
    }
}

static uint32_t rgb_of(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* sklearn's relocation, one pixel at a time: the farthest pixel (ties: lower colour). */
static void oracle_relocate(const pixels *im, int k, oracle_sums *sums, const int *labels,
                            double *dist)
{
    for (int t = 0; t < k; t++) {
        if (sums[t].w)
            continue;
        size_t far = 0;
        for (size_t i = 1; i < im->n; i++)
            if (dist[i] > dist[far] || (dist[i] == dist[far] && rgb_of(im->px[i]) < rgb_of(im->px[far])))
                far = i;
        const uint8_t *p = im->px[far];
        uint64_t sq = (uint64_t)p[0] * p[0] + (uint64_t)p[1] * p[1] + (uint64_t)p[2] * p[2];
        oracle_sums *old = &sums[labels[far]];
        old->w--;
        old->sq -= sq;
        for (int j = 0; j < 3; j++)
            old->s[j] -= p[j];
        sums[t] = (oracle_sums){1, {p[0], p[1], p[2]}, sq};
        dist[far] = -1; /* taken */
    }
}

static double oracle_inertia(const oracle_sums *sums, const double (*c)[3], int k)
{
    double total = 0;
    for (int t = 0; t < k; t++) {
        if (!sums[t].w)
            continue;
        double dot = 0, norm = 0;
        for (int j = 0; j < 3; j++) {
            dot += c[t][j] * (double)sums[t].s[j];
            norm += c[t][j] * c[t][j];
        }
        double v = (double)sums[t].sq - 2 * dot + (double)sums[t].w * norm;
        total += v > 0 ? v : 0;
    }
    return total;
}

static void oracle_lloyd(const pixels *im, int k, const double *init, int max_iter, double tol,
                         imgcolor__clustering *out, double *direct_inertia)
{
    double c[IMGCOLOR_K_MAX][3];
    memcpy(c, init, (size_t)k * sizeof c[0]);
    oracle_sums sums[IMGCOLOR_K_MAX];
    int *labels = malloc(im->n * sizeof *labels);
    double *dist = malloc(im->n * sizeof *dist);
    assert_non_null(labels);
    assert_non_null(dist);
    int it = 0;
    while (it < max_iter) {
        oracle_assign(im, (const double(*)[3])c, k, sums, labels, dist);
        oracle_relocate(im, k, sums, labels, dist);
        double shift = 0;
        for (int t = 0; t < k; t++) {
            if (!sums[t].w)
                continue;
            for (int j = 0; j < 3; j++) {
                double v = (double)sums[t].s[j] / (double)sums[t].w;
                shift += (v - c[t][j]) * (v - c[t][j]);
                c[t][j] = v;
            }
        }
        it++;
        if (shift <= tol)
            break;
    }
    oracle_assign(im, (const double(*)[3])c, k, sums, labels, dist);
    out->k = k;
    out->iterations = it;
    for (int t = 0; t < k; t++) {
        memcpy(out->centres[t], c[t], sizeof c[t]);
        out->counts[t] = sums[t].w;
    }
    out->inertia = oracle_inertia(sums, (const double(*)[3])c, k);
    double direct = 0;
    for (size_t i = 0; i < im->n; i++)
        direct += dist[i];
    *direct_inertia = direct;
    free(labels);
    free(dist);
}

/* ---- helpers --------------------------------------------------------------------------- */

static pixels load_photo(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/photos/%s", IMGCOLOR_TEST_DATA, name);
    size_t size;
    uint8_t *data = test_read_file(path, &size);
    imgcolor_image *img = NULL;
    imgcolor_error err;
    if (imgcolor_decode(data, size, NULL, &img, &err) != IMGCOLOR_OK)
        fail_msg("%s: %s", path, err.message);
    free(data);
    pixels im = {(size_t)img->width * img->height, NULL};
    im.px = malloc(im.n * sizeof *im.px);
    assert_non_null(im.px);
    for (size_t i = 0; i < im.n; i++)
        memcpy(im.px[i], img->rgba + 4 * i, 3);
    imgcolor_image_free(img);
    return im;
}

/* A synthetic image: a few colour blobs with noise, many repeated colours. */
static pixels synthetic(size_t n, uint64_t seed)
{
    static const uint8_t base[5][3] = {{200, 30, 30}, {30, 200, 30}, {30, 30, 200},
                                       {240, 240, 240}, {20, 20, 20}};
    pixels im = {n, malloc(n * sizeof(uint8_t[3]))};
    assert_non_null(im.px);
    uint64_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int b = (int)((x >> 33) % 5);
        for (int j = 0; j < 3; j++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            int v = base[b][j] + (int)((x >> 40) % 41) - 20;
            im.px[i][j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    return im;
}

static imgcolor__kmeans_data *prepare(const pixels *im)
{
    imgcolor__histogram *h = NULL;
    assert_int_equal(imgcolor__histogram_new(0, &h), IMGCOLOR_OK);
    assert_int_equal(imgcolor__histogram_add(h, &im->px[0][0], im->n, 3), IMGCOLOR_OK);
    uint32_t *codes;
    uint64_t *counts;
    size_t n;
    assert_int_equal(imgcolor__histogram_take(h, &codes, &counts, &n), IMGCOLOR_OK);
    imgcolor__histogram_free(h);
    imgcolor__kmeans_data *d = NULL;
    assert_int_equal(imgcolor__kmeans_prepare(codes, counts, n, &d), IMGCOLOR_OK);
    free(codes);
    return d;
}

static void assert_same_clustering(const imgcolor__clustering *a, const imgcolor__clustering *b)
{
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->iterations, b->iterations);
    for (int t = 0; t < a->k; t++) {
        assert_memory_equal(a->centres[t], b->centres[t], sizeof a->centres[t]);
        assert_int_equal(a->counts[t], b->counts[t]);
    }
    assert_memory_equal(&a->inertia, &b->inertia, sizeof a->inertia);
}

/* The histogram Lloyd equals the per-pixel Lloyd, bit for bit, from the same start. */
static void check_iterations_against_oracle(const pixels *im, int k, const double *init,
                                            double tol_rel, int max_iter)
{
    imgcolor__kmeans_data *d = prepare(im);
    double tol = imgcolor__kmeans_tolerance(d, tol_rel);
    imgcolor__clustering *fast = malloc(sizeof *fast), *slow = malloc(sizeof *slow);
    assert_non_null(fast);
    assert_non_null(slow);
    assert_int_equal(imgcolor__kmeans_lloyd(d, k, init, max_iter, tol, fast), IMGCOLOR_OK);
    double direct;
    oracle_lloyd(im, k, init, max_iter, tol, slow, &direct);
    assert_same_clustering(fast, slow);
    /* The exact-sum inertia agrees with summing every pixel's distance. */
    assert_true(fabs(direct - fast->inertia) <= 1e-9 * direct + 1e-6);
    free(fast);
    free(slow);
    imgcolor__kmeans_data_free(d);
}

static void check_against_oracle(const pixels *im, int k, const double *init, double tol_rel)
{
    check_iterations_against_oracle(im, k, init, tol_rel, 300);
}

static void test_equals_per_pixel_lloyd_synthetic(void **state)
{
    (void)state;
    pixels im = synthetic(40000, 7);
    imgcolor__kmeans_data *d = prepare(&im);
    for (int k = 1; k <= 12; k += 3) {
        for (int run = 0; run < 3; run++) {
            double init[IMGCOLOR_K_MAX * 3];
            assert_int_equal(imgcolor__kmeans_plusplus(d, k, 42, run, init), IMGCOLOR_OK);
            check_against_oracle(&im, k, init, 1e-4);
            check_against_oracle(&im, k, init, 0); /* run to unchanged labels */
        }
    }
    imgcolor__kmeans_data_free(d);
    free(im.px);
}

static void test_equals_per_pixel_lloyd_photo(void **state)
{
    (void)state;
    pixels im = load_photo("rocket.jpg");
    imgcolor__kmeans_data *d = prepare(&im);
    const int ks[] = {2, 6, 16};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double init[IMGCOLOR_K_MAX * 3];
        assert_int_equal(imgcolor__kmeans_plusplus(d, ks[i], 1, 0, init), IMGCOLOR_OK);
        check_against_oracle(&im, ks[i], init, 1e-4);
    }
    imgcolor__kmeans_data_free(d);
    free(im.px);
}

/*
 * k-means++ draws its first centre as a pixel, uniformly. 1000 colours of one pixel
 * each and one or two holding nearly every pixel: those are drawn every time, wherever
 * they sit in the tree (first, on either side of a leaf's end, inside, last), and two of
 * equal weight take turns. (A light colour is drawn with probability 2e-9.)
 */
static void test_first_centre_by_pixel(void **state)
{
    (void)state;
    enum { N = 1000 };
    const size_t heavy[][2] = {{0, 0}, {1, 1}, {31, 31}, {32, 32}, {500, 500}, {N - 1, N - 1},
                               {10, 900}};
    for (size_t h = 0; h < sizeof heavy / sizeof heavy[0]; h++) {
        uint32_t *codes = malloc(N * sizeof *codes);
        uint64_t *counts = malloc(N * sizeof *counts);
        assert_non_null(codes);
        assert_non_null(counts);
        for (size_t i = 0; i < N; i++) {
            codes[i] = (uint32_t)(i * 16000 + 7); /* ascending: the tree's order */
            counts[i] = i == heavy[h][0] || i == heavy[h][1] ? (uint64_t)1 << 38 : 1;
        }
        uint32_t want[2] = {imgcolor__morton_rgb(codes[heavy[h][0]]),
                            imgcolor__morton_rgb(codes[heavy[h][1]])};
        imgcolor__kmeans_data *d = NULL;
        assert_int_equal(imgcolor__kmeans_prepare(codes, counts, N, &d), IMGCOLOR_OK);
        int seen[2] = {0, 0};
        for (int run = 0; run < 40; run++) {
            double c[3];
            assert_int_equal(imgcolor__kmeans_plusplus(d, 1, 3, run, c), IMGCOLOR_OK);
            uint32_t got = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | (uint32_t)c[2];
            assert_true(got == want[0] || got == want[1]);
            seen[got == want[1]] = 1;
        }
        if (heavy[h][0] != heavy[h][1])
            assert_true(seen[0] && seen[1]);
        imgcolor__kmeans_data_free(d);
        free(codes);
    }
}

/* Centres that start where no pixel is nearest: sklearn's relocation must kick in, the
 * same way in both versions. */
static void test_empty_cluster_relocation(void **state)
{
    (void)state;
    pixels im = synthetic(20000, 3);
    double init[4 * 3] = {128, 128, 128, 1000, 1000, 1000, -900, -900, -900, 128, 128, 128.5};
    check_against_oracle(&im, 4, init, 1e-4);
    /* A single colour repeated: both empty clusters take pixels of the same colour. */
    pixels flat = {1000, malloc(1000 * sizeof(uint8_t[3]))};
    assert_non_null(flat.px);
    for (size_t i = 0; i < flat.n; i++) {
        flat.px[i][0] = (uint8_t)(i < 990 ? 10 : 250);
        flat.px[i][1] = 20;
        flat.px[i][2] = 30;
    }
    double init2[3 * 3] = {10, 20, 30, 500, 500, 500, 600, 600, 600};
    check_against_oracle(&flat, 3, init2, 1e-4);
    free(flat.px);
    free(im.px);
}

/* Centres placed so that many colours are exactly, or within a float's rounding, as far
 * from two of them: the first look at a leaf cannot tell those apart and the exact
 * comparison (lowest index on ties) must decide, as the per-pixel Lloyd does. One
 * iteration, then to convergence (which can wash out a wrong first assignment). */
static void test_ties_and_near_ties(void **state)
{
    (void)state;
    pixels im = synthetic(30000, 11);
    double exact[3 * 3] = {30, 199, 30, 30, 201, 30, 200, 30, 30};
    /* Green 201 is nearer the second centre, by 2e-7: as floats, both are 1 away. */
    double near[3 * 3] = {30, 199.9999999, 30, 30, 202, 30, 200, 30, 30};
    /* Centres far outside the cube, where floats are too coarse to decide anything. */
    double outside[2 * 3] = {-5000, 128, 128, 5000, 128, 128.25};
    for (int max_iter = 1; max_iter <= 300; max_iter += 299) {
        check_iterations_against_oracle(&im, 3, exact, 0, max_iter);
        check_iterations_against_oracle(&im, 3, near, 0, max_iter);
        check_iterations_against_oracle(&im, 2, outside, 1e-4, max_iter);
    }
    free(im.px);
}

static void swap_colours(uint32_t *codes, uint64_t *counts, size_t i, size_t j)
{
    uint32_t c = codes[i];
    codes[i] = codes[j];
    codes[j] = c;
    uint64_t w = counts[i];
    counts[i] = counts[j];
    counts[j] = w;
}

/* prepare takes colours in any order (sorting them with their counts) and refuses
 * repeated colours, zero counts and codes past 24 bits; counts are its in every case. */
static void test_prepare_sorts_and_validates(void **state)
{
    (void)state;
    pixels im = synthetic(20000, 5);
    imgcolor__kmeans_data *sorted = prepare(&im);
    imgcolor__histogram *h = NULL;
    assert_int_equal(imgcolor__histogram_new(0, &h), IMGCOLOR_OK);
    assert_int_equal(imgcolor__histogram_add(h, &im.px[0][0], im.n, 3), IMGCOLOR_OK);
    uint32_t *codes;
    uint64_t *counts;
    size_t n;
    assert_int_equal(imgcolor__histogram_take(h, &codes, &counts, &n), IMGCOLOR_OK);
    imgcolor__histogram_free(h);
    assert_true(n > 100);
    /* Reversed, then every third pair swapped: far from Morton order. */
    for (size_t i = 0; i < n / 2; i++)
        swap_colours(codes, counts, i, n - 1 - i);
    for (size_t i = 0; i + 1 < n; i += 3)
        swap_colours(codes, counts, i, i + 1);
    uint32_t *codes2 = malloc(n * sizeof *codes2);
    uint64_t *counts2 = malloc(n * sizeof *counts2);
    assert_non_null(codes2);
    assert_non_null(counts2);
    memcpy(codes2, codes, n * sizeof *codes);
    memcpy(counts2, counts, n * sizeof *counts);
    imgcolor__kmeans_data *shuffled = NULL;
    assert_int_equal(imgcolor__kmeans_prepare(codes, counts, n, &shuffled), IMGCOLOR_OK);
    double init[4 * 3] = {200, 30, 30, 30, 200, 30, 30, 30, 200, 128, 128, 128};
    imgcolor__clustering a, b;
    assert_int_equal(imgcolor__kmeans_lloyd(sorted, 4, init, 300, 1e-3, &a), IMGCOLOR_OK);
    assert_int_equal(imgcolor__kmeans_lloyd(shuffled, 4, init, 300, 1e-3, &b), IMGCOLOR_OK);
    assert_same_clustering(&a, &b);
    imgcolor__kmeans_data_free(shuffled);
    imgcolor__kmeans_data_free(sorted);

    /* A repeated colour, a zero count, a code past 24 bits: refused, counts freed. */
    const struct {
        size_t at;
        uint32_t code;
        uint64_t count;
    } bad[] = {{7, 0, 0}, {7, 0x1000000u, 1}, {n - 1, 0, 1}};
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        uint64_t *w = malloc(n * sizeof *w);
        assert_non_null(w);
        memcpy(codes, codes2, n * sizeof *codes);
        memcpy(w, counts2, n * sizeof *w);
        if (bad[t].count == 0)
            w[bad[t].at] = 0;
        else if (bad[t].code)
            codes[bad[t].at] = bad[t].code;
        else
            codes[bad[t].at] = codes[0];
        imgcolor__kmeans_data *d = (imgcolor__kmeans_data *)&d;
        assert_int_equal(imgcolor__kmeans_prepare(codes, w, n, &d), IMGCOLOR_E_INVALID);
        assert_null(d);
    }
    free(codes);
    free(codes2);
    free(counts2);
    free(im.px);
}

/* ---- whole pipeline ------------------------------------------------------------------- */

static char *prominent_json(const void *data, size_t size, int k, int threads, uint64_t seed)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_seed(opt, seed), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent(data, size, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    return json;
}

/* The same answer on every run and at every thread count: for chelsea.png counted from
 * the decoder's rows as they come, for retina.jpg (2 MP) also through the pipe to a
 * counting thread, which more than one thread turns on. */
static void test_deterministic_across_runs_and_threads(void **state)
{
    (void)state;
    const char *photos[] = {IMGCOLOR_TEST_DATA "/photos/chelsea.png",
                            IMGCOLOR_TEST_DATA "/photos/retina.jpg"};
    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        size_t size;
        uint8_t *data = test_read_file(photos[p], &size);
        char *ref = prominent_json(data, size, 6, 1, 0);
        const int threads[] = {1, 2, 3, 8, 0};
        for (int rep = 0; rep < 2; rep++)
            for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
                char *json = prominent_json(data, size, 6, threads[i], 0);
                assert_string_equal(json, ref);
                imgcolor_free(json);
            }
        /* Another seed is another (valid) answer, also reproducible. */
        char *other = prominent_json(data, size, 6, 2, 12345);
        char *again = prominent_json(data, size, 6, 1, 12345);
        assert_string_equal(other, again);
        imgcolor_free(other);
        imgcolor_free(again);
        imgcolor_free(ref);
        free(data);
    }
}

/* scikit-learn's inertia on the sample photos, recorded by bench/sklearn_baseline.py
 * (see tests/data/sklearn_inertia.txt): ours is at most 0.5% above their mean. */
static void test_inertia_matches_scikit_learn(void **state)
{
    (void)state;
    FILE *f = fopen(IMGCOLOR_TEST_DATA "/sklearn_inertia.txt", "r");
    assert_non_null(f);
    char line[512], name[256];
    int k, checked = 0;
    double ref, ratio_sum = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%255s %d %lf", name, &k, &ref) != 3)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/photos/%s", IMGCOLOR_TEST_DATA, name);
        imgcolor_options *opt = NULL;
        assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
        assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
        /* scikit-learn clustered the stored values, as the lesson's Pillow reads them. */
        assert_int_equal(imgcolor_options_set_color_management(opt, 0), IMGCOLOR_OK);
        imgcolor_result *res = NULL;
        imgcolor_error err;
        if (imgcolor_prominent_file(path, opt, &res, &err) != IMGCOLOR_OK)
            fail_msg("%s: %s", path, err.message);
        double ratio = imgcolor_result_inertia(res) / ref;
        print_message("%-24s k=%-2d inertia %.6g  scikit-learn %.6g  ratio %.5f\n", name, k,
                      imgcolor_result_inertia(res), ref, ratio);
        assert_true(ratio <= 1.005);
        ratio_sum += ratio;
        checked++;
        imgcolor_result_free(res);
        imgcolor_options_free(opt);
    }
    fclose(f);
    assert_true(checked >= 12);
    print_message("mean ratio %.5f over %d cases\n", ratio_sum / checked, checked);
}

static void test_k_bounds(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_k(opt, 257), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_k(opt, -1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_get_k(opt), 6);
    assert_int_equal(imgcolor_options_set_k(NULL, 3), IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_options_set_n_init(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_iter(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_min_alpha(opt, 256), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_tol(opt, NAN), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_tol(opt, -1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_threads(opt, 65), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 0), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, (1ull << 40) + 1), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_max_bytes(opt, 0), IMGCOLOR_E_RANGE);

    /* k = 1: the mean colour, exactly. k = 256 on a photo: 256 clusters. */
    pixels im = load_photo("chelsea.png");
    assert_int_equal(imgcolor_options_set_k(opt, 1), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(im.px, (uint32_t)im.n, 1, im.n * 3,
                                               IMGCOLOR_PIXEL_RGB8, opt, &res, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 1);
    uint64_t sum[3] = {0, 0, 0};
    for (size_t i = 0; i < im.n; i++)
        for (int j = 0; j < 3; j++)
            sum[j] += im.px[i][j];
    for (int j = 0; j < 3; j++)
        assert_true(imgcolor_result_color(res, 0)->centroid[j] == (double)sum[j] / (double)im.n);
    imgcolor_result_free(res);
    assert_int_equal(imgcolor_options_set_k(opt, 256), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_n_init(opt, 1), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_pixels(im.px, (uint32_t)im.n, 1, im.n * 3,
                                               IMGCOLOR_PIXEL_RGB8, opt, &res, NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 256);
    uint64_t total = 0;
    for (size_t i = 0; i < 256; i++) {
        total += imgcolor_result_color(res, i)->count;
        if (i)
            assert_true(imgcolor_result_color(res, i)->count <=
                        imgcolor_result_color(res, i - 1)->count);
    }
    assert_int_equal(total, im.n);
    imgcolor_result_free(res);
    free(im.px);
    imgcolor_options_free(opt);
}

static void test_fewer_colours_than_k(void **state)
{
    (void)state;
    /* 3 colours, 10x10 pixels: 50 red, 30 green, 20 blue. */
    uint8_t px[100][3];
    for (int i = 0; i < 100; i++) {
        static const uint8_t c[3][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
        memcpy(px[i], c[i < 50 ? 0 : i < 80 ? 1 : 2], 3);
    }
    imgcolor_result *res = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_prominent_pixels(px, 10, 10, 30, IMGCOLOR_PIXEL_RGB8, NULL, &res, &err),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 3);
    assert_int_equal(imgcolor_result_k(res), 6);
    assert_string_equal(imgcolor_result_color(res, 0)->hex, "#ff0000");
    assert_int_equal(imgcolor_result_color(res, 0)->count, 50);
    assert_string_equal(imgcolor_result_color(res, 1)->hex, "#00ff00");
    assert_int_equal(imgcolor_result_color(res, 1)->count, 30);
    assert_string_equal(imgcolor_result_color(res, 2)->hex, "#0000ff");
    assert_int_equal(imgcolor_result_color(res, 2)->count, 20);
    assert_true(imgcolor_result_inertia(res) == 0.0);
    assert_int_equal(imgcolor_result_distinct(res), 3);
    imgcolor_result_free(res);
}

/* Counts past 16 bits, in runs and in single pixels, stay exact. */
static void test_large_counts(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t (*px)[3] = malloc(n * sizeof *px);
    assert_non_null(px);
    for (size_t i = 0; i < n; i++) {
        /* 200000 of one colour in one run; 70000 of another interleaved with a third. */
        int c = i < 200000 ? 0 : (i % 3 == 0) ? 2 : 1;
        px[i][0] = (uint8_t)(c * 100);
        px[i][1] = (uint8_t)(c * 50);
        px[i][2] = 7;
    }
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(px, 1000, 300, 3000, IMGCOLOR_PIXEL_RGB8, NULL, &res,
                                               NULL),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_count(res), 3);
    assert_int_equal(imgcolor_result_color(res, 0)->count, 200000);
    assert_int_equal(imgcolor_result_color(res, 1)->count, 66667);
    assert_int_equal(imgcolor_result_color(res, 2)->count, 33333);
    assert_string_equal(imgcolor_result_color(res, 0)->hex, "#000007");
    imgcolor_result_free(res);
    free(px);
}

static void test_transparency(void **state)
{
    (void)state;
    /* 8x8 RGBA: the left half opaque red/blue, the right half transparent green. */
    uint8_t px[8][8][4];
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            uint8_t *p = px[y][x];
            if (x < 4) {
                p[0] = y < 4 ? 255 : 0, p[1] = 0, p[2] = y < 4 ? 0 : 255;
                p[3] = (uint8_t)(128 + y); /* at or above the default threshold */
            } else {
                p[0] = 0, p[1] = 255, p[2] = 0;
                p[3] = (uint8_t)(x * 20); /* 80..140: 127 and below are left out */
            }
        }
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 2), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    assert_int_equal(imgcolor_prominent_pixels(px, 8, 8, 32, IMGCOLOR_PIXEL_RGBA8, opt, &res, &err),
                     IMGCOLOR_OK);
    /* x = 7 has alpha 140: counted, so green joins with 8 pixels; x = 4..6 are out. */
    assert_int_equal(imgcolor_result_transparent(res), 24);
    assert_int_equal(imgcolor_result_pixels(res), 40);
    imgcolor_result_free(res);

    assert_int_equal(imgcolor_options_set_min_alpha(opt, 0), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_pixels(px, 8, 8, 32, IMGCOLOR_PIXEL_RGBA8, opt, &res, &err),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_transparent(res), 0);
    assert_int_equal(imgcolor_result_pixels(res), 64);
    imgcolor_result_free(res);

    assert_int_equal(imgcolor_options_set_min_alpha(opt, 255), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_pixels(px, 8, 8, 32, IMGCOLOR_PIXEL_RGBA8, opt, &res, &err),
                     IMGCOLOR_E_NO_PIXELS);
    assert_null(res);
    assert_int_equal(err.status, IMGCOLOR_E_NO_PIXELS);
    assert_non_null(strstr(err.message, "alpha"));
    imgcolor_options_free(opt);
}

/* Raw RGB, raw RGBA and the encoded file give the same answer. */
static void test_pixel_input_matches_decoded(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/photos/rocket.jpg", &size);
    char *from_file = prominent_json(data, size, 5, 0, 0);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 5), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_pixels(img->rgba, img->width, img->height,
                                               (size_t)img->width * 4, IMGCOLOR_PIXEL_RGBA8, opt,
                                               &res, NULL),
                     IMGCOLOR_OK);
    char *from_rgba = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &from_rgba), IMGCOLOR_OK);
    /* Both converted from the file's Adobe RGB profile, one colour at a time and one
     * pixel at a time; the file's document also names the profile. */
    size_t n = strlen(from_rgba) - 1; /* up to the closing brace */
    assert_memory_equal(from_rgba, from_file, n);
    assert_string_equal(from_file + n, ",\"profile\":\"Adobe RGB (1998)\"}");
    imgcolor_result_free(res);
    /* Bad calls are errors, not crashes. */
    assert_int_equal(imgcolor_prominent_pixels(img->rgba, img->width, img->height, 3,
                                               IMGCOLOR_PIXEL_RGBA8, opt, &res, NULL),
                     IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_prominent_pixels(NULL, 1, 1, 4, IMGCOLOR_PIXEL_RGBA8, opt, &res, NULL),
                     IMGCOLOR_E_INVALID);
    assert_int_equal(imgcolor_prominent_pixels(img->rgba, 0, 1, 4, IMGCOLOR_PIXEL_RGBA8, opt, &res,
                                               NULL),
                     IMGCOLOR_E_DECODE);
    assert_int_equal(imgcolor_options_set_max_pixels(opt, 1000), IMGCOLOR_OK);
    assert_int_equal(imgcolor_prominent_pixels(img->rgba, img->width, img->height,
                                               (size_t)img->width * 4, IMGCOLOR_PIXEL_RGBA8, opt,
                                               &res, NULL),
                     IMGCOLOR_E_TOO_LARGE);
    imgcolor_free(from_rgba);
    imgcolor_free(from_file);
    imgcolor_image_free(img);
    imgcolor_options_free(opt);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_per_pixel_lloyd_synthetic),
        cmocka_unit_test(test_equals_per_pixel_lloyd_photo),
        cmocka_unit_test(test_first_centre_by_pixel),
        cmocka_unit_test(test_empty_cluster_relocation),
        cmocka_unit_test(test_ties_and_near_ties),
        cmocka_unit_test(test_prepare_sorts_and_validates),
        cmocka_unit_test(test_deterministic_across_runs_and_threads),
        cmocka_unit_test(test_inertia_matches_scikit_learn),
        cmocka_unit_test(test_k_bounds),
        cmocka_unit_test(test_fewer_colours_than_k),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_transparency),
        cmocka_unit_test(test_pixel_input_matches_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
