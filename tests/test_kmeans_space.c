/* test_kmeans_space.c: the k-d tree of k-means in a perceptual space (kmeans_ftree.c) and
 * the searches on it: the tree covers the points with exact sums, k-means++ on the tree
 * picks the centres the plain computation picks, the summary cut from it partitions the
 * points, the codes only shape the tree, and bad points are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_space.h"
#include "kmeans_ftree.h"
#include "kmeans_summary.h"
#include "morton.h"
#include "support.h"

/* The distinct colours of every 4th pixel of a photo, in Morton order with their codes
 * and counts, converted to a space: what the library clusters. */
typedef struct colours {
    imgcolor__points p;
    double (*x)[3];
    uint64_t *w;
    uint32_t *codes;
} colours;

static int by_code(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static colours load(const char *name, imgcolor_space space)
{
    char path[512];
    snprintf(path, sizeof path, "%s/photos/%s", IMGCOLOR_TEST_DATA, name);
    size_t size;
    uint8_t *data = test_read_file(path, &size);
    imgcolor_image *img = NULL;
    assert_int_equal(imgcolor_decode(data, size, NULL, &img, NULL), IMGCOLOR_OK);
    size_t m = (size_t)img->width * img->height / 4;
    uint32_t *all = malloc(m * sizeof *all);
    colours c = {{0, NULL, NULL, NULL}, malloc(m * sizeof *c.x), malloc(m * sizeof *c.w),
                 malloc(m * sizeof *c.codes)};
    assert_true(all && c.x && c.w && c.codes);
    for (size_t i = 0; i < m; i++) {
        const uint8_t *q = img->rgba + 16 * i;
        all[i] = imgcolor__morton(q[0], q[1], q[2]);
    }
    qsort(all, m, sizeof *all, by_code);
    size_t n = 0;
    for (size_t i = 0; i < m; i++) {
        if (n && all[i] == c.codes[n - 1]) {
            c.w[n - 1]++;
            continue;
        }
        uint32_t v = imgcolor__morton_rgb(all[i]);
        imgcolor__to_space(space, (imgcolor_rgb){(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v},
                           c.x[n]);
        c.codes[n] = all[i];
        c.w[n++] = 1;
    }
    c.p = (imgcolor__points){n, (const double (*)[3])c.x, c.w, c.codes};
    free(all);
    imgcolor_image_free(img);
    free(data);
    return c;
}

static void unload(colours *c)
{
    free(c->x);
    free(c->w);
    free(c->codes);
}

/* Checks node id and below: contiguous runs that its children split, boxes holding their
 * points, the exact sums of them; returns the points' count. */
static uint32_t check_node(const imgcolor__ftree *t, uint32_t id, int depth)
{
    const imgcolor__fnode *nd = &t->nodes[id];
    assert_true(depth <= t->depth);
    imgcolor__fsums want;
    memset(&want, 0, sizeof want);
    for (uint32_t i = nd->begin; i < nd->begin + nd->len; i++) {
        for (int j = 0; j < 3; j++)
            assert_true(t->p->x[i][j] >= nd->lo[j] && t->p->x[i][j] <= nd->hi[j]);
        int64_t q[1][3];
        imgcolor__fixed_point(t->p->x + i, 1, t->scale, q);
        imgcolor__fsums_add_point(&want, t->p->w[i], q[0]);
    }
    assert_memory_equal(&want, &t->sums[id], sizeof want);
    if (!nd->right) {
        assert_true(nd->len >= 1 && nd->len <= FTREE_LEAF);
        return nd->len;
    }
    const imgcolor__fnode *l = &t->nodes[id + 1], *r = &t->nodes[nd->right];
    assert_int_equal(l->begin, nd->begin);
    assert_int_equal(r->begin, l->begin + l->len);
    assert_int_equal(l->len + r->len, nd->len);
    return check_node(t, id + 1, depth + 1) + check_node(t, nd->right, depth + 1);
}

static void test_tree_covers_points(void **state)
{
    (void)state;
    colours c = load("coffee.png", IMGCOLOR_SPACE_OKLAB);
    for (int with_codes = 0; with_codes < 2; with_codes++) {
        imgcolor__points p = c.p;
        p.codes = with_codes ? c.codes : NULL;
        imgcolor__ftree t;
        assert_int_equal(imgcolor__ftree_build(&p, 1, &t), IMGCOLOR_OK);
        assert_int_equal(check_node(&t, 0, 0), p.n);
        assert_true(t.nnodes <= 2 * p.n - 1);
        print_message("%zu colours, %zu nodes, depth %d, codes %d\n", p.n, t.nnodes, t.depth,
                      with_codes);
        imgcolor__ftree_free(&t);
    }
    unload(&c);
}

/* numpy.searchsorted(cumulative, v), clipped to n - 1. */
static size_t search(const double *cumulative, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cumulative[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? lo : n - 1;
}

/* scikit-learn's _kmeans_plusplus with sample weights, written out over every point. */
static void plain_plusplus(const imgcolor__points *p, int k, imgcolor__rng *r, double (*c)[3])
{
    size_t n = p->n;
    double *closest = malloc(n * sizeof *closest), *cum = malloc(n * sizeof *cum), total = 0;
    assert_true(closest && cum);
    for (size_t i = 0; i < n; i++)
        cum[i] = total += (double)p->w[i];
    memcpy(c[0], p->x[search(cum, n, imgcolor__rng_uniform(r) * total)], sizeof c[0]);
    for (size_t i = 0; i < n; i++)
        closest[i] = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[0]);
    for (int t = 1; t < k; t++) {
        double pot = 0;
        for (size_t i = 0; i < n; i++)
            cum[i] = pot += (double)p->w[i] * closest[i];
        size_t best = 0;
        double best_pot = INFINITY;
        for (int j = 0; j < 2 + (int)log(k); j++) {
            size_t cand = search(cum, n, imgcolor__rng_uniform(r) * pot);
            double cp = 0;
            for (size_t i = 0; i < n; i++) {
                double d = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], p->x[cand]);
                cp += (double)p->w[i] * (d < closest[i] ? d : closest[i]);
            }
            if (cp < best_pot) {
                best_pot = cp;
                best = cand;
            }
        }
        memcpy(c[t], p->x[best], sizeof c[t]);
        for (size_t i = 0; i < n; i++) {
            double d = imgcolor__dist2(p->x[i][0], p->x[i][1], p->x[i][2], c[t]);
            closest[i] = d < closest[i] ? d : closest[i];
        }
    }
    free(closest);
    free(cum);
}

/* The tree's k-means++ skips and takes boxes whole only where that cannot change a pick:
 * from the same generator it picks the plain computation's centres. */
static void test_plusplus_is_plain(void **state)
{
    (void)state;
    const imgcolor_space spaces[2] = {IMGCOLOR_SPACE_OKLAB, IMGCOLOR_SPACE_LAB};
    const char *photos[2] = {"astronaut.png", "rocket.jpg"};
    const int ks[3] = {2, 6, 24};
    for (int sp = 0; sp < 2; sp++)
        for (int ph = 0; ph < 2; ph++) {
            colours c = load(photos[ph], spaces[sp]);
            imgcolor__ftree t;
            assert_int_equal(imgcolor__ftree_build(&c.p, 1, &t), IMGCOLOR_OK);
            for (int ki = 0; ki < 3; ki++) {
                int k = ks[ki];
                imgcolor__space_scratch s;
                assert_int_equal(imgcolor__space_scratch_init(&s, &t, k), IMGCOLOR_OK);
                for (int run = 0; run < 4; run++) {
                    double got[IMGCOLOR_K_MAX][3], want[IMGCOLOR_K_MAX][3];
                    imgcolor__rng r1, r2;
                    imgcolor__rng_seed(&r1, 7, run);
                    imgcolor__rng_seed(&r2, 7, run);
                    imgcolor__meter meter;
                    imgcolor__meter_start(&meter, NULL);
                    assert_int_equal(imgcolor__space_plusplus(&t, k, &r1, &meter, &s, got),
                                     IMGCOLOR_OK);
                    plain_plusplus(&c.p, k, &r2, want);
                    assert_memory_equal(got, want, (size_t)k * sizeof got[0]);
                }
                imgcolor__space_scratch_free(&s);
            }
            imgcolor__ftree_free(&t);
            unload(&c);
        }
}

/* The summary cut from the tree of a mostly dark photo (where Oklab stretches the RGB
 * boxes most), with and without codes: at most target points and near it, each standing
 * for a run of the points in their order, the runs covering every point once: its pixels
 * their pixels, its coordinates their mean (a point alone: its own), its code the first
 * one's. */
static void test_summary_partitions_points(void **state)
{
    (void)state;
    colours c = load("retina.jpg", IMGCOLOR_SPACE_OKLAB);
    for (int with_codes = 0; with_codes < 2; with_codes++) {
        imgcolor__points p = c.p;
        if (!with_codes)
            p.codes = NULL;
        imgcolor__ftree t;
        imgcolor__points s;
        assert_int_equal(imgcolor__ftree_build(&p, 1, &t), IMGCOLOR_OK);
        assert_int_equal(imgcolor__ftree_summary(&t, 2048, &s), IMGCOLOR_OK);
        assert_true(s.n <= 2048 && s.n > 2048 - FTREE_LEAF);
        assert_true(with_codes ? s.codes != NULL : s.codes == NULL);
        size_t at = 0, alone = 0;
        for (size_t i = 0; i < s.n; i++) {
            /* The run ends where the pixels add up to the summary point's. */
            size_t begin = at;
            uint64_t w = 0;
            double sum[3] = {0, 0, 0};
            while (w < s.w[i] && at < p.n) {
                w += p.w[at];
                for (int j = 0; j < 3; j++)
                    sum[j] += (double)p.w[at] * p.x[at][j];
                at++;
            }
            assert_true(w == s.w[i] && at > begin);
            if (s.codes)
                assert_int_equal(s.codes[i], p.codes[begin]);
            if (at - begin == 1) {
                assert_memory_equal(s.x[i], p.x[begin], sizeof s.x[i]);
                alone++;
            }
            for (int j = 0; j < 3; j++)
                assert_true(fabs(s.x[i][j] - sum[j] / (double)w) <= 1e-12);
        }
        assert_int_equal(at, p.n);
        print_message("%zu colours, summary %zu points, %zu of them single colours\n", p.n, s.n,
                      alone);
        assert_true(alone > 0); /* the most scattered leaves were split */
        imgcolor__points_summary_free(&s);
        imgcolor__ftree_free(&t);
    }
    unload(&c);
}

/* The codes shape the tree, not Lloyd's passes: from the same start, with and without
 * them, the same bits. (The runs do depend on them: the summary they compare starts on
 * is cut from the tree.) A run's labels are each point's nearest centre of its result. */
static void test_codes_do_not_matter(void **state)
{
    (void)state;
    colours c = load("chelsea.png", IMGCOLOR_SPACE_OKLAB);
    double init[8][3];
    for (size_t t = 0; t < 8; t++)
        memcpy(init[t], c.p.x[t * (c.p.n / 8)], sizeof init[t]);
    imgcolor__clustering a, b;
    imgcolor__points plain = c.p;
    plain.codes = NULL;
    assert_int_equal(imgcolor__kmeans_space_lloyd(&c.p, 8, (const double (*)[3])init, 300, 0, &a),
                     IMGCOLOR_OK);
    assert_int_equal(imgcolor__kmeans_space_lloyd(&plain, 8, (const double (*)[3])init, 300, 0, &b),
                     IMGCOLOR_OK);
    assert_true(a.iterations > 1);
    assert_memory_equal(&a, &b, sizeof a);

    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 8), IMGCOLOR_OK);
    int *la = malloc(c.p.n * sizeof *la);
    assert_non_null(la);
    assert_int_equal(imgcolor__kmeans_space_run(&c.p, opt, NULL, &a, la), IMGCOLOR_OK);
    for (size_t i = 0; i < c.p.n; i++)
        assert_int_equal(la[i], imgcolor__nearest_centre(c.p.x[i],
                                                         (const double (*)[3])a.centres, a.k));
    free(la);
    imgcolor_options_free(opt);
    unload(&c);
}

/* Non-finite coordinates and zero weights are refused; one point many times over, and
 * coordinates far below 1, still cluster. */
static void test_bad_and_odd_points(void **state)
{
    (void)state;
    double x[4][3] = {{0.5, 0, 0}, {0.6, 0.1, 0}, {0.7, 0, 0.1}, {0.8, 0.1, 0.1}};
    uint64_t w[4] = {1, 2, 3, 4};
    imgcolor__points p = {4, (const double (*)[3])x, w, NULL};
    imgcolor__ftree t;
    const double init[2][3] = {{0.5, 0, 0}, {0.8, 0, 0}};
    imgcolor__clustering cl;
    x[2][1] = NAN;
    assert_int_equal(imgcolor__ftree_build(&p, 1, &t), IMGCOLOR_E_INVALID);
    imgcolor__ftree_free(&t);
    assert_int_equal(imgcolor__kmeans_space_lloyd(&p, 2, init, 10, 0, &cl), IMGCOLOR_E_INVALID);
    x[2][1] = 0;
    w[1] = 0;
    assert_int_equal(imgcolor__kmeans_space_lloyd(&p, 2, init, 10, 0, &cl), IMGCOLOR_E_INVALID);
    w[1] = 2;
    assert_int_equal(imgcolor__kmeans_space_lloyd(&p, 2, init, 10, 0, &cl), IMGCOLOR_OK);
    assert_true(cl.counts[0] == 3 && cl.counts[1] == 7);
    /* Scaled down by 2^-500: the fixed point follows the scale, the result too. */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            x[i][j] = ldexp(x[i][j], -500);
    const double small[2][3] = {{ldexp(0.5, -500), 0, 0}, {ldexp(0.8, -500), 0, 0}};
    assert_int_equal(imgcolor__kmeans_space_lloyd(&p, 2, small, 10, 0, &cl), IMGCOLOR_OK);
    assert_true(cl.counts[0] == 3 && cl.counts[1] == 7);
    assert_true(fabs(ldexp(cl.centres[1][0], 500) - (0.7 * 3 + 0.8 * 4) / 7) < 1e-12);
    /* Scales past a normal power of two go through ldexp(). */
    const double y[1][3] = {{ldexp(1, -1000), ldexp(-3, -1001), 0}};
    int64_t q[1][3];
    imgcolor__fixed_point(y, 1, 1050, q);
    assert_true(q[0][0] == (int64_t)1 << 50 && q[0][1] == -((int64_t)3 << 49) && q[0][2] == 0);
    imgcolor__fsums one;
    memset(&one, 0, sizeof one);
    imgcolor__fsums_add_point(&one, 2, q[0]);
    double mean[3];
    imgcolor__fsums_mean(&one, 1050, mean);
    assert_memory_equal(mean, y[0], sizeof mean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_covers_points),
        cmocka_unit_test(test_plusplus_is_plain),
        cmocka_unit_test(test_summary_partitions_points),
        cmocka_unit_test(test_codes_do_not_matter),
        cmocka_unit_test(test_bad_and_odd_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
