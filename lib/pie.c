/* pie.c: pie-chart options, validation and layout (matplotlib's geometry), and the
 * anti-aliased rasterizer that fills the wedges; text is drawn by text.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pie_internal.h"

#define TWO_PI 6.283185307179586
/* Half the diagonal of a pixel, with a margin: a pixel whose centre is farther than
 * this from every wedge boundary and from the circle lies wholly inside one wedge. */
#define EDGE_REACH 0.75
/* Samples per side where several boundaries meet inside one pixel (near the centre). */
#define SUPERSAMPLE 8
/* Edge coverage is rounded to sixteenths, the resolution of 16 samples per pixel: no
 * visible difference, but a chart of a few wedges then has under 256 colours and
 * encodes as a palette PNG, three times less data for zlib than RGB. */
#define AA_LEVELS 16

/* ------------------------------------------------------------------------------------ */
/* Options                                                                               */

imgcolor_status imgcolor_pie_options_new(imgcolor_pie_options **out)
{
    if (!out)
        return IMGCOLOR_E_INVALID;
    *out = malloc(sizeof **out);
    if (!*out)
        return IMGCOLOR_E_NOMEM;
    **out = (imgcolor_pie_options){.width = 480, .height = 360, .labels = 1};
    return IMGCOLOR_OK;
}

void imgcolor_pie_options_free(imgcolor_pie_options *opt)
{
    if (!opt)
        return;
    free(opt->font_path);
    free(opt);
}

/* The ranges the setters check, published by imgcolor_pie_options_range(). */
#define PIE_SIDE_MIN 16
#define PIE_SIDE_MAX 8192
#define PIE_FONT_MIN 4.0
#define PIE_FONT_MAX 512.0

imgcolor_status imgcolor_pie_options_range(const char *name, double *min, double *max)
{
    if (!name || !min || !max)
        return IMGCOLOR_E_INVALID;
    if (strcmp(name, "width") == 0 || strcmp(name, "height") == 0) {
        *min = PIE_SIDE_MIN;
        *max = PIE_SIDE_MAX;
    } else if (strcmp(name, "font_size") == 0) {
        *min = PIE_FONT_MIN;
        *max = PIE_FONT_MAX;
    } else {
        return IMGCOLOR_E_INVALID;
    }
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_size(imgcolor_pie_options *opt, uint32_t width,
                                              uint32_t height)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (width < PIE_SIDE_MIN || width > PIE_SIDE_MAX || height < PIE_SIDE_MIN ||
        height > PIE_SIDE_MAX)
        return IMGCOLOR_E_RANGE;
    opt->width = width;
    opt->height = height;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_start_angle(imgcolor_pie_options *opt, double degrees)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (!isfinite(degrees))
        return IMGCOLOR_E_RANGE;
    opt->start_angle = degrees;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_clockwise(imgcolor_pie_options *opt, int clockwise)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->clockwise = clockwise != 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_transparent(imgcolor_pie_options *opt, int transparent)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->transparent = transparent != 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_labels(imgcolor_pie_options *opt, int labels)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->labels = labels != 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_percent(imgcolor_pie_options *opt, int percent)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    opt->percent = percent != 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_font_size(imgcolor_pie_options *opt, double pixels)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    if (!isfinite(pixels) || (pixels != 0.0 && (pixels < PIE_FONT_MIN || pixels > PIE_FONT_MAX)))
        return IMGCOLOR_E_RANGE;
    opt->font_px = pixels;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_pie_options_set_font_path(imgcolor_pie_options *opt, const char *path)
{
    if (!opt)
        return IMGCOLOR_E_INVALID;
    return imgcolor__set_font_path(&opt->font_path, path);
}

/* ------------------------------------------------------------------------------------ */
/* Validation and layout                                                                 */

/* Whether s[0..len) is UTF-8 without overlong forms, surrogates or control characters. */
static int label_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p++;
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c < 0x80)
            continue;
        int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
        if (more < 0 || c > 0xf4 || end - p < more)
            return 0;
        unsigned cp = c & (0x3fu >> more);
        for (int i = 0; i < more; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3fu);
        }
        static const unsigned min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
    }
    return 1;
}

/* Normalises an angle in radians to [0, 2pi). */
static double norm_angle(double a)
{
    a = fmod(a, TWO_PI);
    if (a < 0)
        a += TWO_PI;
    return a >= TWO_PI ? 0.0 : a;
}

/* Black or white, whichever reads better on a wedge of colour c. */
static imgcolor_rgb contrast_text(imgcolor_rgb c)
{
    double luma = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
    return luma < 110.0 ? (imgcolor_rgb){255, 255, 255} : (imgcolor_rgb){0, 0, 0};
}

/*
 * matplotlib's geometry: the axes occupy [0.125, 0.9] x [0.11, 0.88] of the figure;
 * pie() autoscales the data limits to the unit circle plus 5% margins (+-1.1), and
 * axis('equal') widens the longer side, so the radius is min(axes w, axes h) / 2.2
 * pixels and the centre is the centre of the axes box. At 480x360 that is a radius of
 * 126 px centred at (246, 181.8), as in the reference picture.
 */
imgcolor_status imgcolor__pie_layout_new(const imgcolor_pie_wedge *wedges, size_t n,
                                         const imgcolor_pie_options *opt,
                                         imgcolor__pie_layout **out, imgcolor_error *err)
{
    if (!wedges || !out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "pie: NULL argument");
    *out = NULL;
    if (n < 1 || n > IMGCOLOR__PIE_MAX_WEDGES)
        return imgcolor__fail(err, IMGCOLOR_E_RANGE, "pie: %zu wedges, expected 1 to %d", n,
                              IMGCOLOR__PIE_MAX_WEDGES);
    imgcolor_pie_options defaults = {.width = 480, .height = 360, .labels = 1};
    if (!opt)
        opt = &defaults;

    double max_w = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = wedges[i].weight;
        if (!isfinite(w) || w < 0.0)
            return imgcolor__fail(err, IMGCOLOR_E_RANGE,
                                  "pie: weight %zu is %g, expected a finite number >= 0", i + 1, w);
        if (w > max_w)
            max_w = w;
        if (wedges[i].label) {
            size_t len = strlen(wedges[i].label);
            if (len > IMGCOLOR__PIE_MAX_LABEL)
                return imgcolor__fail(err, IMGCOLOR_E_RANGE,
                                      "pie: label %zu is %zu bytes, over the limit of %d", i + 1,
                                      len, IMGCOLOR__PIE_MAX_LABEL);
            if (!label_ok(wedges[i].label, len))
                return imgcolor__fail(err, IMGCOLOR_E_INVALID,
                                      "pie: label %zu is not printable UTF-8", i + 1);
        }
    }
    if (max_w <= 0.0)
        return imgcolor__fail(err, IMGCOLOR_E_RANGE, "pie: the weights sum to zero");
    /* Scaled by the largest weight first, so that the sum cannot overflow. */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += wedges[i].weight / max_w;

    imgcolor__pie_layout *L = malloc(sizeof *L);
    if (!L)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "pie: out of memory");
    L->width = opt->width;
    L->height = opt->height;
    L->transparent = opt->transparent;
    double aw = 0.775 * opt->width, ah = 0.77 * opt->height;
    L->r = fmin(aw, ah) / 2.2;
    L->cx = 0.5125 * opt->width;
    L->cy = 0.505 * opt->height;
    double scale = fmin(opt->width / 480.0, opt->height / 360.0);
    L->font_px = opt->font_px > 0.0 ? opt->font_px : fmax(4.0, 10.0 * 75.0 / 72.0 * scale);
    L->nseg = 0;
    L->ntext = 0;

    double start = opt->start_angle * (TWO_PI / 360.0), cum = 0.0;
    double sign = opt->clockwise ? -1.0 : 1.0;
    for (size_t i = 0; i < n; i++) {
        double f = wedges[i].weight / max_w / sum;
        if (f <= 0.0)
            continue;
        imgcolor__pie_segment *s = &L->seg[L->nseg++];
        s->extent = f * TWO_PI;
        s->lo = norm_angle(opt->clockwise ? start - (cum + f) * TWO_PI : start + cum * TWO_PI);
        s->color = wedges[i].color;
        double mid = start + sign * (cum + f / 2) * TWO_PI, c = cos(mid), sn = sin(mid);
        if (opt->labels) {
            imgcolor__text *t = &L->text[L->ntext++];
            t->clip_lo = t->clip_hi = 0;
            if (wedges[i].label)
                strcpy(t->text, wedges[i].label);
            else
                imgcolor_rgb_to_hex(wedges[i].color, t->text);
            t->x = L->cx + 1.1 * L->r * c;
            t->y = L->cy - 1.1 * L->r * sn;
            t->align = c > 0 ? IMGCOLOR__ALIGN_LEFT : IMGCOLOR__ALIGN_RIGHT;
            t->color = (imgcolor_rgb){0, 0, 0};
        }
        if (opt->percent) {
            imgcolor__text *t = &L->text[L->ntext++];
            t->clip_lo = t->clip_hi = 0;
            snprintf(t->text, sizeof t->text, "%.1f%%", f * 100.0);
            t->x = L->cx + 0.6 * L->r * c;
            t->y = L->cy - 0.6 * L->r * sn;
            t->align = IMGCOLOR__ALIGN_CENTRE;
            t->color = contrast_text(wedges[i].color);
        }
        cum += f;
    }
    /* Segments in counter-clockwise order starting from the smallest angle, so that the
     * wedge under an angle is a binary search away. */
    if (opt->clockwise)
        for (size_t i = 0; i < L->nseg / 2; i++) {
            imgcolor__pie_segment tmp = L->seg[i];
            L->seg[i] = L->seg[L->nseg - 1 - i];
            L->seg[L->nseg - 1 - i] = tmp;
        }
    size_t first = 0;
    for (size_t i = 1; i < L->nseg; i++)
        if (L->seg[i].lo < L->seg[first].lo)
            first = i;
    if (first) {
        imgcolor__pie_segment tmp[IMGCOLOR__PIE_MAX_WEDGES];
        memcpy(tmp, L->seg, L->nseg * sizeof *tmp);
        for (size_t i = 0; i < L->nseg; i++)
            L->seg[i] = tmp[(first + i) % L->nseg];
    }
    *out = L;
    return IMGCOLOR_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Rasterizer                                                                            */

/*
 * Wedges are filled row by row. Pixels farther than EDGE_REACH from the circle and from
 * every boundary ray are solid: they take the colour of their run, found once per run.
 * The rest are edge pixels, whose colour is the exact area of the pixel square on each
 * side of the boundary line (or of the circle, taken as its tangent line), or, where
 * two boundaries meet in one pixel, the average of 8x8 samples. Coverage of the wedges
 * in a pixel always sums to one, so adjacent wedges never let the background through.
 */
typedef struct raster {
    const imgcolor__pie_layout *L;
    double bcos[IMGCOLOR__PIE_MAX_WEDGES]; /* direction of the boundary at seg[i].lo */
    double bsin[IMGCOLOR__PIE_MAX_WEDGES];
    double bkey[IMGCOLOR__PIE_MAX_WEDGES]; /* pseudo_angle() of each boundary, ascending */
    uint8_t *mask; /* one row: nonzero where the pixel is an edge pixel */
} raster;

/*
 * A cheap stand-in for atan2 that orders directions exactly as their angles do: the
 * position along the unit diamond, 0..4 counter-clockwise from 3 o'clock (y up). Wedge
 * lookups compare only order, so one division replaces a transcendental per lookup.
 */
static double pseudo_angle(double x, double y)
{
    double s = fabs(x) + fabs(y);
    if (s == 0.0)
        return 0.0;
    double t = y / s; /* -1..1 */
    if (x >= 0)
        return y >= 0 ? t : 4.0 + t;
    return 2.0 - t;
}

/* Index of the segment that contains the direction (x, y), y up. */
static size_t segment_at(const raster *R, double x, double y)
{
    size_t n = R->L->nseg;
    double key = pseudo_angle(x, y);
    if (n == 1 || key < R->bkey[0])
        return n - 1;
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (R->bkey[mid] <= key)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Area of the part of a unit pixel square, centred at the origin, where n.q <= t, for a
 * unit normal n = (a, b) given by |components|. Exact for a straight edge. */
static double square_coverage(double a, double b, double t)
{
    if (a < b) {
        double tmp = a;
        a = b;
        b = tmp;
    }
    double h = 0.5 * (a + b), e = 0.5 * (a - b);
    if (t >= h)
        return 1.0;
    if (t <= -h)
        return 0.0;
    if (fabs(t) <= e)
        return 0.5 + t / a;
    double u = h - fabs(t), corner = u * u / (2.0 * a * b);
    return t > 0 ? 1.0 - corner : corner;
}

/* Writes colour (r, g, b) covering a fraction cov of pixel p over the background. */
static void put(uint8_t *p, double r, double g, double b, double cov, int transparent)
{
    cov = round(cov * AA_LEVELS) / AA_LEVELS;
    if (transparent) {
        p[0] = (uint8_t)lrint(r);
        p[1] = (uint8_t)lrint(g);
        p[2] = (uint8_t)lrint(b);
        p[3] = (uint8_t)lrint(255.0 * cov);
    } else {
        double bg = 255.0 * (1.0 - cov);
        p[0] = (uint8_t)lrint(r * cov + bg);
        p[1] = (uint8_t)lrint(g * cov + bg);
        p[2] = (uint8_t)lrint(b * cov + bg);
        p[3] = 255;
    }
}

static void edge_pixel(const raster *R, double px, double py, uint8_t *p)
{
    const imgcolor__pie_layout *L = R->L;
    double dist = sqrt(px * px + py * py), cov = 1.0;
    if (dist > L->r - EDGE_REACH && dist > 0.0)
        cov = square_coverage(fabs(px) / dist, fabs(py) / dist, L->r - dist);
    if (cov <= 0.0) {
        memset(p, L->transparent ? 0 : 255, 4);
        return;
    }
    const imgcolor_rgb *c;
    if (L->nseg == 1) {
        c = &L->seg[0].color;
        put(p, c->r, c->g, c->b, cov, L->transparent);
        return;
    }
    double r = 0, g = 0, b = 0;
    size_t w = 0, bound = 0, nb = 3; /* nb: boundaries in the pixel's reach, 3 = many */
    if (dist >= 2.0) {
        /* The boundaries that reach the pixel are consecutive around the centre's
         * direction, so looking at two on each side tells none, one or several. */
        size_t n = L->nseg;
        w = segment_at(R, px, -py);
        size_t cand[4] = {(w + n - 1) % n, w, (w + 1) % n, (w + 2) % n};
        nb = 0;
        for (int i = 0; i < 4; i++) {
            size_t k = cand[i];
            int dup = 0;
            for (int j = 0; j < i; j++)
                dup |= cand[j] == k;
            double cross = R->bcos[k] * -py - R->bsin[k] * px;
            double dot = R->bcos[k] * px - R->bsin[k] * py;
            if (!dup && fabs(cross) < EDGE_REACH && dot > -1.0) {
                nb++;
                bound = k;
            }
        }
    }
    if (nb == 0) {
        c = &L->seg[w].color;
        r = c->r, g = c->g, b = c->b;
    } else if (nb == 1) {
        /* Counter-clockwise of the boundary lies seg[bound], clockwise seg[bound - 1];
         * the normal (-sin, cos) points counter-clockwise, in y-up coordinates. */
        double nx = -R->bsin[bound], ny = R->bcos[bound];
        double f = square_coverage(fabs(nx), fabs(ny), nx * px - ny * py);
        f = round(f * AA_LEVELS) / AA_LEVELS;
        const imgcolor_rgb *c1 = &L->seg[bound].color;
        const imgcolor_rgb *c0 = &L->seg[(bound + L->nseg - 1) % L->nseg].color;
        r = f * c1->r + (1 - f) * c0->r;
        g = f * c1->g + (1 - f) * c0->g;
        b = f * c1->b + (1 - f) * c0->b;
    } else {
        for (int sy = 0; sy < SUPERSAMPLE; sy++)
            for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                double qx = px + (sx + 0.5) / SUPERSAMPLE - 0.5;
                double qy = py + (sy + 0.5) / SUPERSAMPLE - 0.5;
                c = &L->seg[segment_at(R, qx, -qy)].color;
                r += c->r, g += c->g, b += c->b;
            }
        double k = 1.0 / (SUPERSAMPLE * SUPERSAMPLE);
        r *= k, g *= k, b *= k;
    }
    put(p, r, g, b, cov, L->transparent);
}

/* Marks the pixels of the current row whose centres lie at x offsets [lo, hi] from the
 * centre. */
static void mark(const raster *R, double lo, double hi)
{
    double x0 = ceil(R->L->cx + lo - 0.5), x1 = floor(R->L->cx + hi - 0.5);
    if (x0 < 0)
        x0 = 0;
    if (x1 > R->L->width - 1.0)
        x1 = R->L->width - 1.0;
    if (x0 <= x1)
        memset(R->mask + (size_t)x0, 1, (size_t)(x1 - x0) + 1);
}

/* Paints every pixel of row j once: background outside the disc's span, wedges in it. */
static void render_row(raster *R, uint32_t j, uint8_t *row)
{
    const imgcolor__pie_layout *L = R->L;
    int bg = L->transparent ? 0 : 255;
    double py = j + 0.5 - L->cy, ro = L->r + EDGE_REACH, ri = L->r - EDGE_REACH;
    double ho = py * py < ro * ro ? sqrt(ro * ro - py * py) : -1.0;
    double hi = ri > 0 && py * py < ri * ri ? sqrt(ri * ri - py * py) : -1.0;
    double x0 = fmax(0.0, ceil(L->cx - ho - 0.5));
    double x1 = fmin(L->width - 1.0, floor(L->cx + ho - 0.5));
    if (ho < 0 || x0 > x1) {
        memset(row, bg, (size_t)L->width * 4);
        return;
    }
    memset(row, bg, (size_t)x0 * 4);
    memset(row + ((size_t)x1 + 1) * 4, bg, (L->width - (size_t)x1 - 1) * 4);
    memset(R->mask + (size_t)x0, 0, (size_t)(x1 - x0) + 1);
    if (hi < 0) {
        mark(R, -ho, ho);
    } else {
        mark(R, -ho, -hi);
        mark(R, hi, ho);
    }
    if (L->nseg > 1)
        for (size_t k = 0; k < L->nseg; k++) {
            /* Boundary k in y-down coordinates: direction (ux, uy). Its edge pixels are
             * within EDGE_REACH of the line and not behind the centre (t >= -1). */
            double ux = R->bcos[k], uy = -R->bsin[k], lo = -ho, hi_x = ho;
            if (fabs(uy) > 1e-12) {
                double mid = ux * py / uy, half = EDGE_REACH / fabs(uy);
                lo = fmax(lo, mid - half);
                hi_x = fmin(hi_x, mid + half);
            } else if (fabs(py) >= EDGE_REACH) {
                continue;
            }
            if (fabs(ux) > 1e-12) {
                double t0 = (-1.0 - uy * py) / ux;
                if (ux > 0)
                    lo = fmax(lo, t0);
                else
                    hi_x = fmin(hi_x, t0);
            } else if (uy * py < -1.0) {
                continue;
            }
            if (lo <= hi_x)
                mark(R, lo, hi_x);
        }
    /* Edge pixels one by one; between them, runs of one wedge's colour. */
    size_t i = (size_t)x0, end = (size_t)x1 + 1;
    while (i < end) {
        double px = (double)i + 0.5 - L->cx;
        if (R->mask[i]) {
            edge_pixel(R, px, py, row + 4 * i);
            i++;
            continue;
        }
        const uint8_t *next = memchr(R->mask + i, 1, end - i);
        size_t stop = next ? (size_t)(next - R->mask) : end;
        const imgcolor_rgb *c = &L->seg[segment_at(R, px, -py)].color;
        uint8_t rgba[4] = {c->r, c->g, c->b, 255};
        uint32_t v;
        memcpy(&v, rgba, 4);
        for (uint8_t *p = row + 4 * i, *q = row + 4 * stop; p < q; p += 4)
            memcpy(p, &v, 4);
        i = stop;
    }
}

imgcolor_status imgcolor_pie_render(const imgcolor_pie_wedge *wedges, size_t n,
                                    const imgcolor_pie_options *opt, imgcolor_image **out,
                                    imgcolor_error *err)
{
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "pie: NULL argument");
    *out = NULL;
    imgcolor__pie_layout *L = NULL;
    imgcolor_image *img = NULL;
    raster *R = NULL;
    imgcolor_status st = imgcolor__pie_layout_new(wedges, n, opt, &L, err);
    if (st != IMGCOLOR_OK)
        goto done;
    img = calloc(1, sizeof *img);
    R = calloc(1, sizeof *R);
    if (img && R) {
        img->width = L->width;
        img->height = L->height;
        img->rgba = malloc((size_t)L->width * L->height * 4);
        R->mask = malloc(L->width);
    }
    if (!img || !R || !img->rgba || !R->mask) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "pie: out of memory");
        goto done;
    }
    R->L = L;
    for (size_t k = 0; k < L->nseg; k++) {
        R->bcos[k] = cos(L->seg[k].lo);
        R->bsin[k] = sin(L->seg[k].lo);
        R->bkey[k] = pseudo_angle(R->bcos[k], R->bsin[k]);
    }
    size_t stride = (size_t)L->width * 4;
    for (uint32_t j = 0; j < L->height; j++)
        render_row(R, j, img->rgba + j * stride);
    if (L->ntext)
        st = imgcolor__draw_text(L->text, L->ntext, L->font_px,
                                 opt && opt->font_path ? opt->font_path : IMGCOLOR_FONT_PATH,
                                 img, err);
done:
    if (st == IMGCOLOR_OK) {
        *out = img;
    } else if (img) {
        free(img->rgba);
        free(img);
    }
    if (R)
        free(R->mask);
    free(R);
    free(L);
    return st;
}
