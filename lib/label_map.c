/* label_map.c: the label map, the image with every pixel painted in its cluster's colour:
 * the colours clustered, then the image decoded again and each pixel looked up in the
 * final assignment, straight into the (possibly smaller) picture. */
#include <stdlib.h>
#include <string.h>

#include "prominent.h"

/* The second pass's sink, painting rows into img as they come. */
typedef struct painter {
    imgcolor__assignment *assignment;
    imgcolor_rgb palette[IMGCOLOR_K_MAX]; /* cluster i's rgb */
    int min_alpha;
    uint32_t max_side;
    imgcolor__meter *meter;
    uint32_t width, height; /* the image decoded */
    imgcolor_image *img;    /* the map */
    uint32_t *column;       /* the image's column under each of the map's */
    uint32_t next;          /* the map's next row to paint */
} painter;

/* The map's length of a side of `side` pixels when the longer side is `longest`. */
static uint32_t scaled(uint32_t side, uint32_t longest, uint32_t max_side)
{
    if (!max_side || longest <= max_side)
        return side;
    uint64_t v = ((uint64_t)side * max_side + longest / 2) / longest;
    return v ? (uint32_t)v : 1;
}

/* The source pixel under the centre of map pixel i of n, along a side of `side`. */
static uint32_t under(uint32_t i, uint32_t n, uint32_t side)
{
    return (uint32_t)(((2 * (uint64_t)i + 1) * side) / (2 * (uint64_t)n));
}

static imgcolor_status paint_begin(void *user, uint32_t width, uint32_t height)
{
    painter *p = user;
    uint32_t longest = width > height ? width : height;
    uint32_t w = scaled(width, longest, p->max_side), h = scaled(height, longest, p->max_side);
    p->width = width;
    p->height = height;
    p->img = calloc(1, sizeof *p->img);
    p->column = malloc((size_t)w * sizeof *p->column);
    if (!p->img || !p->column ||
        !(p->img->rgba = imgcolor__alloc_large((size_t)w * h * 4)))
        return IMGCOLOR_E_NOMEM;
    p->img->width = w;
    p->img->height = h;
    for (uint32_t x = 0; x < w; x++)
        p->column[x] = under(x, w, width);
    return IMGCOLOR_OK;
}

static void paint_row(painter *p, const uint8_t *src, uint8_t *dst)
{
    for (uint32_t x = 0; x < p->img->width; x++, dst += 4) {
        const uint8_t *s = src + (size_t)p->column[x] * 4;
        if (s[3] < p->min_alpha || !p->assignment) { /* no assignment: all background */
            memset(dst, 0, 4); /* left out of the clustering: transparent */
            continue;
        }
        imgcolor_rgb c = p->palette[imgcolor__assignment_of(p->assignment, s[0], s[1], s[2])];
        dst[0] = c.r;
        dst[1] = c.g;
        dst[2] = c.b;
        dst[3] = 255;
    }
}

static imgcolor_status paint_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    painter *p = user;
    uint32_t h = p->img->height;
    for (uint32_t i = 0; i < count; i++)
        while (p->next < h && under(p->next, h, p->height) == y + i) {
            paint_row(p, rgba + (size_t)i * p->width * 4,
                      p->img->rgba + (size_t)p->next * p->img->width * 4);
            p->next++;
        }
    return imgcolor__meter_check(p->meter);
}

static void painter_free(painter *p)
{
    imgcolor_image_free(p->img);
    free(p->column);
}

/* Paints the map of the clustering in c: every pixel of data, at full resolution even
 * when the colours were counted on a sample. */
static imgcolor_status paint(imgcolor__call *c, painter *p, imgcolor_error *err)
{
    const imgcolor_result *res = c->result;
    for (size_t i = 0; i < imgcolor_result_count(res); i++)
        p->palette[i] = imgcolor_result_color(res, i)->rgb;
    imgcolor_options full = *c->opt;
    full.fast = 0;
    imgcolor__pass pass;
    imgcolor__sink sink = {.begin = paint_begin, .rows = paint_rows, .user = p};
    imgcolor_status st = imgcolor__call_pass(c, &full, &pass, sink, err);
    if (st == IMGCOLOR_E_NOMEM)
        return imgcolor__fail(err, st, "out of memory");
    if (st == IMGCOLOR_OK && (!p->img || p->next != p->img->height))
        return imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "map: the image decoded short");
    return st;
}

imgcolor_status imgcolor_label_map(const void *data, size_t size, const imgcolor_options *opt,
                                   uint32_t max_side, imgcolor_image **out,
                                   imgcolor_result **res, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL image pointer");
    *out = NULL;
    if (res)
        *res = NULL;
    if (!data && size)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL data");
    imgcolor_status st = imgcolor__call_check_pass(opt, "the label map", 1, err);
    if (st != IMGCOLOR_OK)
        return st;
    const imgcolor__source src = {.data = data, .size = size};
    imgcolor__call c;
    painter p = {.min_alpha = opt->min_alpha, .max_side = max_side};
    imgcolor_result *result = NULL;
    imgcolor__call_start(&c, opt, &src);
    st = imgcolor__call_count(&c, 1, err);
    p.assignment = c.assignment;
    p.meter = &c.meter;
    if (st == IMGCOLOR_OK)
        st = paint(&c, &p, err);
    if (st == IMGCOLOR_OK)
        st = imgcolor__call_finish(&c, NULL, &result, err);
    if (st == IMGCOLOR_OK) {
        *out = p.img;
        p.img = NULL;
        if (res) {
            *res = result;
            result = NULL;
        }
    }
    imgcolor_result_free(result);
    painter_free(&p);
    imgcolor__call_free(&c);
    return st;
}
