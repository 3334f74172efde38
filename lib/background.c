/* background.c: leaves the background out of the count without holding the image: the
 * runs of near-background pixels of each row are labelled with union-find as the image
 * is decoded, those joined to the border are the background, and a last decode counts
 * every other pixel. Memory grows with the runs, not with the pixels. */
#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "border.h"
#include "colorspace.h"

/* The colours whose answer is kept: 256 KiB, enough for the distinct colours of most
 * photos (hits measured on a 12-MP photo: see docs/BENCHMARKS.md). */
#define CACHE_BITS 16
#define BORDER_NODE 0u /* the union-find node of the border; runs are 1.. */

struct imgcolor__background {
    const imgcolor_options *opt;
    imgcolor__meter *meter;
    imgcolor__managed *managed; /* of the labelling pass's chain */
    int found;
    imgcolor_rgb rgb;
    double lab[3], tol2;
    const char *note;
    uint32_t cache[1u << CACHE_BITS]; /* rgb | (1 + near) << 24; 0: empty */
    uint32_t last_key;                /* the colour asked last, and its answer */
    int last_near;
    uint32_t width, height;
    uint8_t *row;   /* a row converted to sRGB; or the foreground of a batch */
    size_t row_cap;
    /* The runs: [x0, x1) of row y for row_start[y] <= r < row_start[y + 1]. */
    uint32_t *x0, *x1, *parent;
    size_t runs, cap, max_runs;
    uint32_t *row_start;
    uint64_t pixels; /* in runs joined to the border */
    imgcolor__histogram *hist;
    imgcolor__sink inner; /* a later pass's, behind the mask */
};

static imgcolor_status grow(void **p, size_t count, size_t size)
{
    void *grown = realloc(*p, count * size);
    if (!grown)
        return IMGCOLOR_E_NOMEM;
    *p = grown;
    return IMGCOLOR_OK;
}

static imgcolor_status grow_row(imgcolor__background *b, size_t bytes)
{
    if (bytes <= b->row_cap)
        return IMGCOLOR_OK;
    imgcolor_status st = grow((void **)&b->row, bytes, 1);
    if (st == IMGCOLOR_OK)
        b->row_cap = bytes;
    return st;
}

/* Whether a pixel (sRGB) is near the background; each colour's answer is cached, as a
 * photo's neighbouring pixels repeat colours, and a backdrop one colour. */
static int near(imgcolor__background *b, const uint8_t *p)
{
    if (p[3] < b->opt->min_alpha)
        return 0;
    uint32_t key = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    if (key == b->last_key)
        return b->last_near;
    uint32_t slot = (key * 2654435761u) >> (32 - CACHE_BITS);
    uint32_t e = b->cache[slot];
    int verdict;
    if ((e & 0xffffffu) == key && e >> 24) {
        verdict = (int)(e >> 24) - 1;
    } else {
        double lab[3];
        imgcolor__rgb8_to_oklab((imgcolor_rgb){p[0], p[1], p[2]}, lab);
        double d0 = lab[0] - b->lab[0], d1 = lab[1] - b->lab[1], d2 = lab[2] - b->lab[2];
        verdict = d0 * d0 + d1 * d1 + d2 * d2 <= b->tol2;
        b->cache[slot] = key | (uint32_t)(1 + verdict) << 24;
    }
    b->last_key = key;
    b->last_near = verdict;
    return verdict;
}

static uint32_t find(uint32_t *parent, uint32_t r)
{
    while (parent[r] != r) {
        parent[r] = parent[parent[r]]; /* path halving */
        r = parent[r];
    }
    return r;
}

/* Joins two sets under the lower root, so that the border's node stays a root. */
static void join(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

static imgcolor_status label_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__background *b = user;
    b->width = width;
    b->height = height;
    /* A run costs 12 bytes: at one per eight pixels the runs would take 1.5 bytes a
     * pixel, over a third of the decoded image, and so speckled an image has no
     * background worth the name. */
    uint64_t most = (uint64_t)width * height / 8 + 2;
    b->max_runs = most < UINT32_MAX ? (size_t)most : UINT32_MAX;
    b->row_start = calloc((size_t)height + 1, sizeof *b->row_start);
    b->cap = 1024;
    imgcolor_status st = b->row_start ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
    if (st == IMGCOLOR_OK && (st = grow((void **)&b->x0, b->cap, 4)) == IMGCOLOR_OK &&
        (st = grow((void **)&b->x1, b->cap, 4)) == IMGCOLOR_OK)
        st = grow((void **)&b->parent, b->cap, 4);
    if (st == IMGCOLOR_OK) {
        b->parent[BORDER_NODE] = BORDER_NODE;
        b->runs = 1;
    }
    return st;
}

static imgcolor_status add_run(imgcolor__background *b, uint32_t x0, uint32_t x1)
{
    if (b->runs == b->cap) {
        size_t cap = b->cap * 2 < b->max_runs ? b->cap * 2 : b->max_runs;
        imgcolor_status st;
        if ((st = grow((void **)&b->x0, cap, 4)) != IMGCOLOR_OK ||
            (st = grow((void **)&b->x1, cap, 4)) != IMGCOLOR_OK ||
            (st = grow((void **)&b->parent, cap, 4)) != IMGCOLOR_OK)
            return st;
        b->cap = cap;
    }
    uint32_t r = (uint32_t)b->runs++;
    b->x0[r] = x0;
    b->x1[r] = x1;
    b->parent[r] = r;
    return IMGCOLOR_OK;
}

/* Row y (sRGB) into runs, each joined to the border when it touches it and to every run
 * of the row above it shares a column with (4-connectivity). */
static imgcolor_status label_row(imgcolor__background *b, const uint8_t *px, uint32_t y)
{
    uint32_t first = (uint32_t)b->runs, above = y ? b->row_start[y - 1] : first;
    int edge_row = y == 0 || y == b->height - 1;
    for (uint32_t x = 0; x < b->width;) {
        if (!near(b, px + 4 * (size_t)x)) {
            x++;
            continue;
        }
        uint32_t x0 = x;
        while (x < b->width && near(b, px + 4 * (size_t)x))
            x++;
        if (b->runs >= b->max_runs) {
            b->note = "background not left out: the pixels near its colour are too scattered";
            return IMGCOLOR_E_TOO_LARGE;
        }
        imgcolor_status st = add_run(b, x0, x);
        if (st != IMGCOLOR_OK)
            return st;
        uint32_t r = (uint32_t)b->runs - 1;
        if (edge_row || x0 == 0 || x == b->width)
            join(b->parent, r, BORDER_NODE);
        while (above < first && b->x1[above] <= x0)
            above++;
        for (uint32_t q = above; q < first && b->x0[q] < x; q++)
            join(b->parent, r, q);
    }
    b->row_start[y] = first;
    b->row_start[y + 1] = (uint32_t)b->runs;
    return IMGCOLOR_OK;
}

static imgcolor_status label_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__background *b = user;
    size_t stride = (size_t)b->width * 4;
    imgcolor_status st = imgcolor__meter_check(b->meter);
    if (st == IMGCOLOR_OK && b->managed->icc)
        st = grow_row(b, stride);
    for (uint32_t i = 0; i < count && st == IMGCOLOR_OK; i++) {
        const uint8_t *px = rgba + stride * i;
        if (b->managed->icc) { /* the colours people see, as the tolerance is of them */
            memcpy(b->row, px, stride);
            st = imgcolor__managed_convert_rgba(b->managed, b->row, b->width);
            px = b->row;
        }
        if (st == IMGCOLOR_OK)
            st = y + i < b->height ? label_row(b, px, y + i) : IMGCOLOR_E_INTERNAL;
    }
    return st;
}

/* After labelling: keeps only the runs joined to the border, row by row, and counts
 * their pixels. */
static void keep_background(imgcolor__background *b)
{
    size_t kept = 0;
    uint32_t start = 0;
    for (uint32_t y = 0; y < b->height; y++) {
        uint32_t from = b->row_start[y], to = b->row_start[y + 1];
        b->row_start[y] = start;
        for (uint32_t r = from; r < to; r++) {
            if (find(b->parent, r) != BORDER_NODE)
                continue;
            b->x0[kept] = b->x0[r];
            b->x1[kept] = b->x1[r];
            b->pixels += b->x1[r] - b->x0[r];
            kept++;
        }
        start = (uint32_t)kept;
    }
    b->row_start[b->height] = start;
    b->runs = kept;
    free(b->parent);
    b->parent = NULL;
}

static imgcolor_status find_colour(imgcolor__background *b, const imgcolor__source *src,
                                   imgcolor_error *err)
{
    if (b->opt->background == IMGCOLOR_BACKGROUND_COLOR) {
        b->rgb = b->opt->background_color;
        b->found = 1;
        return IMGCOLOR_OK;
    }
    imgcolor__chain c;
    imgcolor__border border;
    imgcolor__sink end =
        imgcolor__border_sink(&border, &c.managed, b->opt->min_alpha, b->meter);
    imgcolor_status st = imgcolor__chain_run(&c, src, b->opt, 1, end, err);
    if (st == IMGCOLOR_OK)
        st = imgcolor__border_dominant(&border, b->opt->bg_tolerance, &b->found, &b->rgb);
    if (st == IMGCOLOR_OK && !b->found)
        b->note = "no background found: no one colour covers most of the border";
    imgcolor__border_free(&border);
    imgcolor__chain_free(&c);
    return st;
}

imgcolor_status imgcolor__background_find(const imgcolor__source *src,
                                          const imgcolor_options *opt, imgcolor__meter *meter,
                                          imgcolor__background **out, imgcolor_error *err)
{
    imgcolor__background *b = calloc(1, sizeof *b);
    if (!b)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
    b->opt = opt;
    b->meter = meter;
    b->tol2 = opt->bg_tolerance * opt->bg_tolerance;
    b->last_key = UINT32_MAX; /* no colour */
    imgcolor_status st = find_colour(b, src, err);
    if (st == IMGCOLOR_OK && b->found) {
        imgcolor__rgb8_to_oklab(b->rgb, b->lab);
        imgcolor__chain c;
        b->managed = &c.managed;
        imgcolor__sink end = {.begin = label_begin, .rows = label_rows, .user = b};
        st = imgcolor__chain_run(&c, src, opt, 1, end, err);
        b->managed = NULL;
        imgcolor__chain_free(&c);
        if (st == IMGCOLOR_E_TOO_LARGE && b->note) { /* too scattered: counted as KEEP */
            b->found = 0;
            st = IMGCOLOR_OK;
        }
        if (st == IMGCOLOR_OK && b->found)
            keep_background(b);
    }
    if (st == IMGCOLOR_OK) {
        *out = b;
        return st;
    }
    imgcolor__background_free(b);
    return st;
}

void imgcolor__background_free(imgcolor__background *b)
{
    if (!b)
        return;
    free(b->row);
    free(b->x0);
    free(b->x1);
    free(b->parent);
    free(b->row_start);
    free(b);
}

int imgcolor__background_found(const imgcolor__background *b)
{
    return b && b->found && b->pixels > 0;
}

imgcolor_rgb imgcolor__background_rgb(const imgcolor__background *b)
{
    return b->rgb;
}

uint64_t imgcolor__background_pixels(const imgcolor__background *b)
{
    return b->pixels;
}

const char *imgcolor__background_note(const imgcolor__background *b)
{
    return b ? b->note : NULL;
}

static imgcolor_status count_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__background *b = user;
    if (width != b->width || height != b->height)
        return IMGCOLOR_E_INTERNAL; /* the same bytes decoded to another size */
    imgcolor__histogram_expect(b->hist, (uint64_t)width * height - b->pixels);
    return IMGCOLOR_OK;
}

/* A batch of rows of a pass after the labelling: within the time budget, and within the
 * image the runs were found in. */
static imgcolor_status check_batch(imgcolor__background *b, uint32_t y, uint32_t count)
{
    imgcolor_status st = imgcolor__meter_check(b->meter);
    if (st == IMGCOLOR_OK && (y > b->height || count > b->height - y))
        st = IMGCOLOR_E_INTERNAL;
    return st;
}

/* The pixels of a batch outside its background runs, packed, into the histogram. */
static imgcolor_status count_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__background *b = user;
    imgcolor_status st = check_batch(b, y, count);
    if (st != IMGCOLOR_OK)
        return st;
    size_t stride = (size_t)b->width * 4;
    if (b->row_start[y] == b->row_start[y + count]) /* no background here */
        return imgcolor__histogram_add(b->hist, rgba, (size_t)b->width * count, 4);
    if ((st = grow_row(b, stride * count)) != IMGCOLOR_OK)
        return st;
    size_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *row = rgba + stride * i;
        uint32_t x = 0;
        for (uint32_t r = b->row_start[y + i]; r < b->row_start[y + i + 1]; r++) {
            memcpy(b->row + 4 * n, row + 4 * (size_t)x, 4 * (size_t)(b->x0[r] - x));
            n += b->x0[r] - x;
            x = b->x1[r];
        }
        memcpy(b->row + 4 * n, row + 4 * (size_t)x, 4 * (size_t)(b->width - x));
        n += b->width - x;
    }
    return imgcolor__histogram_add(b->hist, b->row, n, 4);
}

imgcolor__sink imgcolor__background_count_sink(imgcolor__background *b,
                                               imgcolor__histogram *hist,
                                               imgcolor__meter *meter)
{
    b->hist = hist;
    b->meter = meter;
    return (imgcolor__sink){.begin = count_begin, .rows = count_rows, .user = b};
}

/* A later pass: rows go on to the inner sink with the background's alpha set to 0. */
static imgcolor_status mask_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__background *b = user;
    if (width != b->width || height != b->height)
        return IMGCOLOR_E_INTERNAL; /* the same bytes decoded to another size */
    return b->inner.begin(b->inner.user, width, height);
}

static imgcolor_status mask_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__background *b = user;
    imgcolor_status st = check_batch(b, y, count);
    if (st != IMGCOLOR_OK)
        return st;
    if (b->row_start[y] == b->row_start[y + count]) /* no background here */
        return b->inner.rows(b->inner.user, rgba, y, count);
    size_t stride = (size_t)b->width * 4;
    if ((st = grow_row(b, stride * count)) != IMGCOLOR_OK)
        return st;
    memcpy(b->row, rgba, stride * count);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *row = b->row + stride * i;
        for (uint32_t r = b->row_start[y + i]; r < b->row_start[y + i + 1]; r++)
            for (uint32_t x = b->x0[r]; x < b->x1[r]; x++)
                row[4 * (size_t)x + 3] = 0;
    }
    return b->inner.rows(b->inner.user, b->row, y, count);
}

imgcolor__sink imgcolor__background_mask_sink(imgcolor__background *b, imgcolor__sink inner,
                                              imgcolor__meter *meter)
{
    b->inner = inner;
    b->meter = meter;
    return (imgcolor__sink){.begin = mask_begin, .rows = mask_rows, .user = b};
}
