/* where.c: where each cluster's pixels lie. The histogram keeps no positions, so once the
 * colours are clustered the image is decoded again, through the same pipeline, and each
 * pixel is looked up by its colour in the final assignment and added to its cluster's
 * sums of coordinates. Nothing of the decoded image is kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "where.h"

__extension__ typedef unsigned __int128 u128;

/*
 * One cluster's sums. Coordinates are doubled pixel centres, a = x0 + x1 of the
 * footprint [x0, x1) a pixel stands for (2x + 1 at full size), so that they stay
 * integers and the sums exact.
 */
typedef struct place {
    uint64_t n;
    u128 sa, saa, sb, sbb;
    uint32_t x0, y0, x1, y1;
} place;

/* One cluster's pixels in the row being added: sums in 64 bits, added to its place at
 * the row's end, and the first and last delivered pixels, whose footprints bound it. */
typedef struct row_sums {
    uint64_t n, sa, saa;
    uint32_t first, last;
} row_sums;

/* Up to this width, a row's sum of squared doubled coordinates (at most width pixels,
 * each below (2 width)^2: 4 width^3 in all) fits 64 bits; a wider image adds every pixel
 * to its place in 128. */
#define ROW_SUMS_MAX_WIDTH (1u << 20)

struct imgcolor__where {
    imgcolor__assignment *assignment;
    int clusters;
    int min_alpha;
    imgcolor__meter *meter;
    const imgcolor__sampler *sampler; /* the sink's, read at begin() */
    uint32_t width, height;           /* the full image */
    uint32_t step;                    /* one pixel in step x step kept, or */
    uint32_t band_rows, band_step;    /* rows in bands (sample.h), one pixel in step
                                         along each row */
    uint32_t row_pixels;              /* pixels in a delivered row */
    row_sums row[IMGCOLOR_K_MAX];
    place at[];
};

imgcolor_status imgcolor__where_new(imgcolor__assignment *a, int min_alpha,
                                    imgcolor__meter *meter, imgcolor__where **out)
{
    imgcolor__where *w = calloc(1, sizeof *w + (size_t)a->clusters * sizeof w->at[0]);
    *out = w;
    if (!w)
        return IMGCOLOR_E_NOMEM;
    w->assignment = a;
    w->clusters = a->clusters;
    w->min_alpha = min_alpha;
    w->meter = meter;
    w->step = 1;
    for (int t = 0; t < w->clusters; t++)
        w->at[t].x0 = w->at[t].y0 = UINT32_MAX;
    return IMGCOLOR_OK;
}

void imgcolor__where_free(imgcolor__where *w)
{
    free(w);
}

void imgcolor__where_geometry(imgcolor__where *w, uint32_t width, uint32_t height,
                              uint32_t step)
{
    w->width = width;
    w->height = height;
    w->step = step;
}

/* The footprint [*lo, *hi) of delivered pixel i along a side of `side` pixels. */
static void footprint(const imgcolor__where *w, uint32_t i, uint32_t side, uint32_t *lo,
                      uint32_t *hi)
{
    uint64_t a = (uint64_t)i * w->step, b = a + 1;
    *lo = (uint32_t)(a < side ? a : side - 1);
    *hi = (uint32_t)(b < side ? b : side);
}

/* The doubled centre of delivered pixel i along the width. */
static uint64_t centre_x(const imgcolor__where *w, uint32_t i)
{
    uint32_t x0, x1;
    footprint(w, i, w->width, &x0, &x1);
    return (uint64_t)x0 + x1;
}

/* Adds a row of pixels to the row sums: the common case, every pixel added once, in 64
 * bits. With wide, the coordinate sums go straight to the places, in 128. */
static void add_pixels(imgcolor__where *w, const uint8_t *px, uint32_t npix, int bpp, int wide)
{
    const int min_alpha = bpp == 4 ? w->min_alpha : 0;
    const int full = w->step == 1;
    for (uint32_t i = 0; i < npix; i++, px += bpp) {
        if (bpp == 4 && px[3] < min_alpha)
            continue;
        int t = imgcolor__assignment_of(w->assignment, px[0], px[1], px[2]);
        row_sums *r = &w->row[t];
        uint64_t a = full ? 2 * (uint64_t)i + 1 : centre_x(w, i);
        if (!r->n++)
            r->first = i;
        r->last = i;
        if (wide) {
            w->at[t].sa += a;
            w->at[t].saa += (u128)a * a;
        } else {
            r->sa += a;
            r->saa += a * a;
        }
    }
}

imgcolor_status imgcolor__where_add(imgcolor__where *w, const uint8_t *px, uint32_t npix,
                                    int bpp, uint32_t y)
{
    add_pixels(w, px, npix, bpp, w->width > ROW_SUMS_MAX_WIDTH);
    uint32_t x0, x1, y0, y1, unused;
    if (w->band_step > 1) { /* delivered row y is row y % band_rows of kept band y / band_rows */
        uint64_t row = (uint64_t)y / w->band_rows * w->band_rows * w->band_step +
                       y % w->band_rows;
        y0 = (uint32_t)(row < w->height ? row : w->height - 1);
        y1 = y0 + 1;
    } else {
        footprint(w, y, w->height, &y0, &y1);
    }
    uint64_t b = (uint64_t)y0 + y1;
    for (int t = 0; t < w->clusters; t++) {
        row_sums *r = &w->row[t];
        if (!r->n)
            continue;
        place *p = &w->at[t];
        p->n += r->n;
        p->sa += r->sa;
        p->saa += r->saa;
        p->sb += (u128)r->n * b;
        p->sbb += (u128)r->n * b * b;
        footprint(w, r->first, w->width, &x0, &unused);
        footprint(w, r->last, w->width, &unused, &x1);
        p->x0 = x0 < p->x0 ? x0 : p->x0;
        p->x1 = x1 > p->x1 ? x1 : p->x1;
        p->y0 = y0 < p->y0 ? y0 : p->y0;
        p->y1 = y1 > p->y1 ? y1 : p->y1;
        memset(r, 0, sizeof *r);
    }
    return imgcolor__meter_check(w->meter);
}

static imgcolor_status where_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__where *w = user;
    const imgcolor__sampler *s = w->sampler;
    (void)height;
    w->row_pixels = width;
    w->width = s->width;
    w->height = s->height;
    w->step = s->step;
    w->band_rows = s->band_rows;
    w->band_step = s->band_step;
    return IMGCOLOR_OK;
}

static imgcolor_status where_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__where *w = user;
    imgcolor_status st = IMGCOLOR_OK;
    for (uint32_t i = 0; i < count && st == IMGCOLOR_OK; i++)
        st = imgcolor__where_add(w, rgba + (size_t)i * w->row_pixels * 4, w->row_pixels, 4,
                                 y + i);
    return st;
}

imgcolor__sink imgcolor__where_sink(imgcolor__where *w, const imgcolor__sampler *s)
{
    w->sampler = s;
    return (imgcolor__sink){.begin = where_begin, .rows = where_rows, .user = w};
}

/* Sum of squared deviations from the mean of n values with sum s and sum of squares ss:
 * exactly, as (n ss - s^2) / n, unless n ss overflows (past any image the limits allow
 * today), else in long double. */
static long double deviation(u128 s, u128 ss, uint64_t n)
{
    if (ss <= ~(u128)0 / n)
        return (long double)(n * ss - s * s) / (long double)n;
    long double d = (long double)ss - (long double)s * (long double)s / (long double)n;
    return d > 0 ? d : 0;
}

imgcolor_status imgcolor__where_finish(const imgcolor__where *w, const uint64_t *counted,
                                       imgcolor_cluster *clusters, imgcolor_error *err)
{
    if (w->assignment->late)
        return imgcolor__fail(err, IMGCOLOR_E_INTERNAL,
                              "where: %llu colours decoded differently the second time",
                              (unsigned long long)w->assignment->late);
    double diagonal = hypot((double)w->width, (double)w->height);
    for (int t = 0; t < w->clusters; t++) {
        const place *p = &w->at[t];
        if (p->n != counted[t])
            return imgcolor__fail(err, IMGCOLOR_E_INTERNAL,
                                  "where: cluster %d has %llu pixels, not %llu", t,
                                  (unsigned long long)p->n, (unsigned long long)counted[t]);
        if (p->n == 0)
            continue;
        imgcolor_where *o = &clusters[t].where;
        long double n = (long double)p->n;
        o->x = (double)((long double)p->sa / (2 * n) / w->width);
        o->y = (double)((long double)p->sb / (2 * n) / w->height);
        o->box[0] = p->x0;
        o->box[1] = p->y0;
        o->box[2] = p->x1;
        o->box[3] = p->y1;
        /* Doubled coordinates: the squared deviations are four times the true ones. */
        long double dev = deviation(p->sa, p->saa, p->n) + deviation(p->sb, p->sbb, p->n);
        o->spread = (double)sqrtl(dev / (4 * n)) / diagonal;
        o->pixels = p->n;
        clusters[t].has_where = 1;
    }
    return IMGCOLOR_OK;
}
