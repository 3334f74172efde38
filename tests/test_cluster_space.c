/* test_cluster_space.c: k-means in Oklab and CIELAB: the histogram's weighted k-means is
 * per-pixel k-means from the same start, relocation included; results do not depend on
 * runs or threads; the result reports centres in the space and in sRGB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_space.h"
#include "kmeans_ftree.h"
#include "colorspace.h"
#include "morton.h"
#include "support.h"

#define PHOTO IMGCOLOR_TEST_DATA "/photos/chelsea.png"

typedef struct pixels {
    size_t n;
    imgcolor_rgb *px;
} pixels;

/* A 96 x 64 crop of the photo, posterised to 3 bits a channel so that colours repeat
 * and a relocation takes one pixel of a colour of many. */
static pixels crop(void)
{
    size_t size;
    uint8_t *data = test_read_file(PHOTO, &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    pixels p = {96 * 64, malloc(96 * 64 * sizeof(imgcolor_rgb))};
    assert_non_null(p.px);
    for (uint32_t y = 0; y < 64; y++)
        for (uint32_t x = 0; x < 96; x++) {
            const uint8_t *s = img->rgba + 4 * ((size_t)(y + 100) * img->width + x + 150);
            p.px[y * 96 + x] = (imgcolor_rgb){(uint8_t)((s[0] & 0xe0) | 0x10),
                                              (uint8_t)((s[1] & 0xe0) | 0x10),
                                              (uint8_t)((s[2] & 0xe0) | 0x10)};
        }
    imgcolor_image_free(img);
    free(data);
    return p;
}

static int by_code(const void *a, const void *b)
{
    const imgcolor_rgb *x = a, *y = b;
    uint32_t cx = imgcolor__morton(x->r, x->g, x->b), cy = imgcolor__morton(y->r, y->g, y->b);
    return cx < cy ? -1 : cx > cy;
}

/* The crop twice over, so that every colour has at least two pixels and a relocation
 * that moved a whole colour instead of one pixel would show. */
static pixels crop_twice(void)
{
    pixels once = crop(), twice = {2 * once.n, malloc(2 * once.n * sizeof(imgcolor_rgb))};
    assert_non_null(twice.px);
    memcpy(twice.px, once.px, once.n * sizeof(imgcolor_rgb));
    memcpy(twice.px + once.n, once.px, once.n * sizeof(imgcolor_rgb));
    free(once.px);
    return twice;
}

/* The same start, as per-pixel points (weight 1 each, in the crop's order) and as the
 * histogram's distinct colours (with their codes, as the library has them); the results
 * must agree, the centres bit for bit. */
static void check_histogram_equals_pixels(imgcolor_space space, int k, const double (*init)[3])
{
    pixels im = crop_twice();
    double (*px)[3] = malloc(im.n * sizeof *px);
    uint64_t *ones = malloc(im.n * sizeof *ones);
    imgcolor_rgb *sorted = malloc(im.n * sizeof *sorted);
    double (*hx)[3] = malloc(im.n * sizeof *hx);
    uint64_t *hw = malloc(im.n * sizeof *hw);
    uint32_t *codes = malloc(im.n * sizeof *codes);
    assert_true(px && ones && sorted && hx && hw && codes);
    for (size_t i = 0; i < im.n; i++) {
        imgcolor__to_space(space, im.px[i], px[i]);
        ones[i] = 1;
    }
    memcpy(sorted, im.px, im.n * sizeof *sorted);
    qsort(sorted, im.n, sizeof *sorted, by_code);
    size_t n = 0;
    for (size_t i = 0; i < im.n; i++) {
        if (n && by_code(&sorted[i], &sorted[i - 1]) == 0) {
            hw[n - 1]++;
            continue;
        }
        imgcolor__to_space(space, sorted[i], hx[n]);
        codes[n] = imgcolor__morton(sorted[i].r, sorted[i].g, sorted[i].b);
        hw[n++] = 1;
    }
    imgcolor__points per_pixel = {im.n, (const double (*)[3])px, ones, NULL};
    imgcolor__points hist = {n, (const double (*)[3])hx, hw, codes};
    imgcolor__clustering a, b;
    assert_int_equal(imgcolor__kmeans_space_lloyd(&per_pixel, k, init, 300, 0, &a), IMGCOLOR_OK);
    assert_int_equal(imgcolor__kmeans_space_lloyd(&hist, k, init, 300, 0, &b), IMGCOLOR_OK);
    print_message("%s k=%d: %zu pixels, %zu colours, %d iterations, inertia %.9g / %.9g\n",
                  imgcolor_space_name(space), k, im.n, n, a.iterations, a.inertia, b.inertia);
    assert_int_equal(a.iterations, b.iterations);
    /* The inertia is summed in another order; the centres come from exact sums. */
    assert_true(fabs(a.inertia - b.inertia) <= 1e-9 * a.inertia);
    for (int t = 0; t < k; t++) {
        assert_true(a.counts[t] == b.counts[t]);
        assert_memory_equal(a.centres[t], b.centres[t], sizeof a.centres[t]);
    }
    free(px);
    free(ones);
    free(sorted);
    free(hx);
    free(hw);
    free(codes);
    free(im.px);
}

static void test_histogram_equals_pixels(void **state)
{
    (void)state;
    /* Centres at colours of the crop, and two far outside it that no pixel is nearest
     * to: they must be relocated, a pixel at a time (both to pixels of the farthest
     * colour), the same way in both. */
    const double ok[5][3] = {{0.3, 0, 0}, {0.5, 0.02, 0.03}, {0.7, 0.01, 0.04}, {0.2, 0.3, -0.3},
                             {0.1, -0.3, 0.3}};
    check_histogram_equals_pixels(IMGCOLOR_SPACE_OKLAB, 5, ok);
    const double lab[3][3] = {{30, 5, 10}, {60, 5, 20}, {90, 80, -80}};
    check_histogram_equals_pixels(IMGCOLOR_SPACE_LAB, 3, lab);
}

/* Lloyd as plainly as it can be written, every distance computed (no relocation: the
 * start below leaves no cluster empty), for the tree search of kmeans_space_lloyd.c to
 * match. The sums are the fixed-point ones of kmeans_ftree.h, exact in any order. */
static void plain_lloyd(const imgcolor__points *p, int k, double (*c)[3], int max_iter,
                        imgcolor__clustering *out)
{
    imgcolor__ftree tree; /* for its scale and fixed-point coordinates alone */
    assert_int_equal(imgcolor__ftree_build(p, 1, &tree), IMGCOLOR_OK);
    int *labels = malloc(p->n * sizeof *labels), it = 0, strict = 0;
    assert_non_null(labels);
    for (size_t i = 0; i < p->n; i++)
        labels[i] = -1;
    while (it < max_iter) {
        imgcolor__fsums s[IMGCOLOR_K_MAX];
        memset(s, 0, sizeof s);
        int changed = 0;
        for (size_t i = 0; i < p->n; i++) {
            int t = imgcolor__nearest_centre(p->x[i], (const double (*)[3])c, k);
            changed |= t != labels[i];
            labels[i] = t;
            int64_t q[1][3];
            imgcolor__fixed_point(&p->x[i], 1, tree.scale, q);
            imgcolor__fsums_add_point(&s[t], p->w[i], q[0]);
        }
        for (int t = 0; t < k; t++) {
            assert_true(s[t].w > 0);
            imgcolor__fsums_mean(&s[t], tree.scale, c[t]);
        }
        it++;
        if (!changed) {
            strict = 1;
            break;
        }
    }
    assert_true(strict);
    memset(out, 0, sizeof *out);
    out->iterations = it;
    for (size_t i = 0; i < p->n; i++)
        out->counts[labels[i]] += p->w[i];
    free(labels);
    imgcolor__ftree_free(&tree);
}

/* The tree's pruning skips only what cannot change: the labels, counts and centres are
 * those of the exhaustive search, pass for pass, bit for bit; w0 is the first point's
 * weight. */
static void check_bounds_are_exact(uint64_t w0)
{
    size_t size;
    uint8_t *data = test_read_file(IMGCOLOR_TEST_DATA "/photos/coffee.png", &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    size_t n = (size_t)img->width * img->height / 16;
    double (*x)[3] = malloc(n * sizeof *x);
    uint64_t *w = malloc(n * sizeof *w);
    assert_true(x && w);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = img->rgba + 4 * 16 * i;
        imgcolor__to_space(IMGCOLOR_SPACE_OKLAB, (imgcolor_rgb){q[0], q[1], q[2]}, x[i]);
        w[i] = i == 0 ? w0 : 1 + i % 3;
    }
    imgcolor__points p = {n, (const double (*)[3])x, w, NULL};
    for (int k = 2; k <= 12; k += 5) {
        double init[IMGCOLOR_K_MAX][3], c[IMGCOLOR_K_MAX][3];
        for (int t = 0; t < k; t++)
            memcpy(init[t], x[(size_t)t * (n / (size_t)k)], sizeof init[t]);
        memcpy(c, init, sizeof c);
        imgcolor__clustering got, want;
        assert_int_equal(imgcolor__kmeans_space_lloyd(&p, k, (const double (*)[3])init, 300, 0,
                                                      &got),
                         IMGCOLOR_OK);
        plain_lloyd(&p, k, c, 300, &want);
        print_message("k=%d: %d iterations\n", k, got.iterations);
        assert_int_equal(got.iterations, want.iterations);
        for (int t = 0; t < k; t++) {
            assert_true(got.counts[t] == want.counts[t]);
            assert_memory_equal(got.centres[t], c[t], sizeof c[t]);
        }
    }
    free(x);
    free(w);
    imgcolor_image_free(img);
    free(data);
}

static void test_bounds_are_exact(void **state)
{
    (void)state;
    check_bounds_are_exact(1);
}

/* A weight of 2^63: the products w * q of the sums near the top of their 128 bits. */
static void test_heavy_weight(void **state)
{
    (void)state;
    check_bounds_are_exact((uint64_t)1 << 63);
}

static char *json_of(const char *path, imgcolor_space space, int threads)
{
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_space(opt, space), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_threads(opt, threads), IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    if (imgcolor_prominent_file(path, opt, &res, &err) != IMGCOLOR_OK)
        fail_msg("%s", err.message);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    return json;
}

static void test_deterministic(void **state)
{
    (void)state;
    const imgcolor_space spaces[2] = {IMGCOLOR_SPACE_OKLAB, IMGCOLOR_SPACE_LAB};
    for (int s = 0; s < 2; s++) {
        char *one = json_of(PHOTO, spaces[s], 1), *two = json_of(PHOTO, spaces[s], 2);
        char *again = json_of(PHOTO, spaces[s], 0), *rgb = json_of(PHOTO, IMGCOLOR_SPACE_RGB, 1);
        assert_string_equal(one, two);
        assert_string_equal(one, again);
        assert_string_not_equal(one, rgb);
        imgcolor_free(one);
        imgcolor_free(two);
        imgcolor_free(again);
        imgcolor_free(rgb);
    }
}

/* The result: centres in the space, sRGB the gamut-mapped centre, inertia in the space. */
static void test_result_in_space(void **state)
{
    (void)state;
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_space(opt, 7), IMGCOLOR_E_RANGE);
    assert_int_equal(imgcolor_options_set_space(opt, IMGCOLOR_SPACE_OKLAB), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_get_space(opt), IMGCOLOR_SPACE_OKLAB);
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_file(PHOTO, opt, &res, NULL), IMGCOLOR_OK);
    assert_int_equal(imgcolor_result_space(res), IMGCOLOR_SPACE_OKLAB);
    double inertia = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        assert_true(c->space_centroid[0] > 0 && c->space_centroid[0] < 1);
        imgcolor_rgb back = imgcolor__oklab_to_rgb8(c->space_centroid);
        assert_memory_equal(&back, &c->rgb, sizeof back);
        assert_true(fabs(c->oklch[0] - c->space_centroid[0]) < 1e-12);
        /* The RGB mean of the cluster is near its Oklab centre's colour. */
        for (int j = 0; j < 3; j++)
            assert_true(fabs(c->centroid[j] - (&c->rgb.r)[j]) < 12);
        inertia += c->fraction;
    }
    assert_true(fabs(inertia - 1) < 1e-12);
    /* Pixels per cluster times squared Oklab distances: far below RGB's scale. */
    assert_true(imgcolor_result_inertia(res) > 0 && imgcolor_result_inertia(res) < 1e5);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, NULL, &json), IMGCOLOR_OK);
    assert_non_null(strstr(json, "\"space\":\"oklab\""));
    assert_non_null(strstr(json, "\"oklab\":["));
    imgcolor_space sp;
    assert_int_equal(imgcolor_space_parse("lab", &sp), IMGCOLOR_OK);
    assert_int_equal(sp, IMGCOLOR_SPACE_LAB);
    assert_int_equal(imgcolor_space_parse("Lab", &sp), IMGCOLOR_E_PARSE);
    assert_string_equal(imgcolor_space_name(IMGCOLOR_SPACE_OKLAB), "oklab");
    imgcolor_free(json);
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
}

/* scikit-learn's inertia on the photos converted to Oklab, recorded by
 * bench/sklearn_oklab.py (see tests/data/sklearn_oklab_inertia.txt): ours, clustering
 * the same stored values in Oklab, is at most 0.5% above their mean. */
static void test_inertia_matches_scikit_learn(void **state)
{
    (void)state;
    FILE *f = fopen(IMGCOLOR_TEST_DATA "/sklearn_oklab_inertia.txt", "r");
    assert_non_null(f);
    char line[512], name[256];
    int k, checked = 0;
    double ref;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%255s %d %lf", name, &k, &ref) != 3)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/photos/%s", IMGCOLOR_TEST_DATA, name);
        imgcolor_options *opt = NULL;
        assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
        assert_int_equal(imgcolor_options_set_k(opt, k), IMGCOLOR_OK);
        assert_int_equal(imgcolor_options_set_space(opt, IMGCOLOR_SPACE_OKLAB), IMGCOLOR_OK);
        assert_int_equal(imgcolor_options_set_color_management(opt, 0), IMGCOLOR_OK);
        imgcolor_result *res = NULL;
        imgcolor_error err;
        if (imgcolor_prominent_file(path, opt, &res, &err) != IMGCOLOR_OK)
            fail_msg("%s: %s", path, err.message);
        double ratio = imgcolor_result_inertia(res) / ref;
        print_message("%-24s k=%-2d Oklab inertia %.6g  scikit-learn %.6g  ratio %.5f\n", name,
                      k, imgcolor_result_inertia(res), ref, ratio);
        assert_true(ratio <= 1.005);
        checked++;
        imgcolor_result_free(res);
        imgcolor_options_free(opt);
    }
    fclose(f);
    assert_true(checked >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_equals_pixels),
        cmocka_unit_test(test_bounds_are_exact),
        cmocka_unit_test(test_heavy_weight),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_result_in_space),
        cmocka_unit_test(test_inertia_matches_scikit_learn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
