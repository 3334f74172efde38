/* border.c: the first pass of background detection: the image's outermost pixels,
 * converted to sRGB and Oklab, and the one colour most of them are near. */
#include <stdlib.h>
#include <string.h>

#include "border.h"
#include "colorspace.h"

static imgcolor_status border_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__border *b = user;
    b->width = width;
    b->height = height;
    /* Each pixel of the outermost rows and columns once. */
    b->cap = width <= 2 || height <= 2 ? (size_t)width * height
                                       : 2 * (size_t)width + 2 * (size_t)(height - 2);
    b->lab = malloc((b->cap ? b->cap : 1) * sizeof *b->lab);
    return b->lab ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
}

static imgcolor_status grow_row(imgcolor__border *b, size_t pixels)
{
    if (pixels * 4 <= b->row_cap)
        return IMGCOLOR_OK;
    uint8_t *grown = realloc(b->row, pixels * 4);
    if (!grown)
        return IMGCOLOR_E_NOMEM;
    b->row = grown;
    b->row_cap = pixels * 4;
    return IMGCOLOR_OK;
}

/* Converts the n pixels gathered in b->row and keeps them. */
static imgcolor_status keep(imgcolor__border *b, size_t n)
{
    imgcolor_status st = imgcolor__managed_convert_rgba(b->managed, b->row, n);
    for (size_t i = 0; i < n && st == IMGCOLOR_OK; i++) {
        const uint8_t *p = b->row + 4 * i;
        if (b->n == b->cap)
            return IMGCOLOR_E_INTERNAL; /* more rows than begin() announced */
        b->n++;
        if (p[3] < b->min_alpha)
            continue;
        double lab[3];
        imgcolor__rgb8_to_oklab((imgcolor_rgb){p[0], p[1], p[2]}, lab);
        for (int j = 0; j < 3; j++)
            b->lab[b->opaque][j] = (float)lab[j];
        b->opaque++;
    }
    return st;
}

static imgcolor_status border_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__border *b = user;
    size_t stride = (size_t)b->width * 4;
    imgcolor_status st = imgcolor__meter_check(b->meter);
    if (st == IMGCOLOR_OK)
        st = grow_row(b, b->width > 2 * count ? b->width : 2 * count);
    size_t n = 0;
    for (uint32_t i = 0; i < count && st == IMGCOLOR_OK; i++) {
        const uint8_t *row = rgba + stride * i;
        if (y + i == 0 || y + i == b->height - 1) { /* a whole row: on its own */
            if ((st = keep(b, n)) != IMGCOLOR_OK)
                break;
            memcpy(b->row, row, stride);
            st = keep(b, b->width);
            n = 0;
            continue;
        }
        memcpy(b->row + 4 * n++, row, 4);
        if (b->width > 1)
            memcpy(b->row + 4 * n++, row + stride - 4, 4);
    }
    return st == IMGCOLOR_OK ? keep(b, n) : st;
}

imgcolor__sink imgcolor__border_sink(imgcolor__border *b, imgcolor__managed *m, int min_alpha,
                                     imgcolor__meter *meter)
{
    memset(b, 0, sizeof *b);
    b->managed = m;
    b->meter = meter;
    b->min_alpha = min_alpha;
    return (imgcolor__sink){.begin = border_begin, .rows = border_rows, .user = b};
}

void imgcolor__border_free(imgcolor__border *b)
{
    free(b->lab);
    free(b->row);
    b->lab = NULL;
    b->row = NULL;
}

static double dist2(const float a[3], const double b[3])
{
    double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
    return d0 * d0 + d1 * d1 + d2 * d2;
}

/* The border pixels within tolerance of c, and (when mean is not NULL) their mean. */
static size_t cover(const imgcolor__border *b, const double c[3], double tol2, double mean[3])
{
    size_t n = 0;
    double sum[3] = {0, 0, 0};
    for (size_t i = 0; i < b->opaque; i++)
        if (dist2(b->lab[i], c) <= tol2) {
            n++;
            for (int j = 0; j < 3; j++)
                sum[j] += b->lab[i][j];
        }
    for (int j = 0; mean && n && j < 3; j++)
        mean[j] = sum[j] / (double)n;
    return n;
}

/* Bins of 4 bits a channel of sRGB, by where an Oklab colour converts back to. */
#define BIN_BITS 4
#define BINS (1u << (3 * BIN_BITS))

static unsigned bin_of(const float lab[3])
{
    const double l[3] = {lab[0], lab[1], lab[2]};
    imgcolor_rgb c = imgcolor__oklab_to_rgb8(l);
    return (unsigned)(c.r >> (8 - BIN_BITS)) << (2 * BIN_BITS) |
           (unsigned)(c.g >> (8 - BIN_BITS)) << BIN_BITS | (unsigned)(c.b >> (8 - BIN_BITS));
}

imgcolor_status imgcolor__border_dominant(const imgcolor__border *b, double tolerance,
                                          int *found, imgcolor_rgb *out)
{
    *found = 0;
    uint32_t *count = calloc(BINS, sizeof *count);
    double (*sum)[3] = calloc(BINS, sizeof *sum);
    imgcolor_status st = count && sum ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
    for (size_t i = 0; st == IMGCOLOR_OK && i < b->opaque; i++) {
        unsigned k = bin_of(b->lab[i]);
        count[k]++;
        for (int j = 0; j < 3; j++)
            sum[k][j] += b->lab[i][j];
    }
    double tol2 = tolerance * tolerance, best[3] = {0, 0, 0};
    size_t best_n = 0;
    for (int c = 0; st == IMGCOLOR_OK && c < IMGCOLOR_BACKGROUND_CANDIDATES; c++) {
        unsigned top = 0; /* the fullest bin left; ties to the lowest */
        for (unsigned k = 1; k < BINS; k++)
            if (count[k] > count[top])
                top = k;
        if (count[top] == 0)
            break;
        double cand[3], centred[3];
        for (int j = 0; j < 3; j++)
            cand[j] = sum[top][j] / count[top];
        count[top] = 0;
        size_t n = cover(b, cand, tol2, centred);
        size_t m = n ? cover(b, centred, tol2, NULL) : 0;
        if (m > n)
            memcpy(cand, centred, sizeof cand);
        if ((m > n ? m : n) > best_n) {
            best_n = m > n ? m : n;
            memcpy(best, cand, sizeof best);
        }
    }
    if (st == IMGCOLOR_OK && b->n && best_n * 100 >= (size_t)IMGCOLOR_BACKGROUND_MAJORITY * b->n) {
        *found = 1;
        *out = imgcolor__oklab_to_rgb8(best);
    }
    free(count);
    free(sum);
    return st;
}
