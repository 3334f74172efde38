/* encode_png.c: RGBA rasters to PNG in memory with libpng. Images of at most 256 colours
 * are written with a palette, other opaque ones as RGB; zlib is tuned for flat colour. */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"

typedef struct png_out {
    uint8_t *data;
    size_t len, cap;
    int nomem;
} png_out;

static void write_cb(png_structp png, png_bytep data, size_t len)
{
    png_out *o = png_get_io_ptr(png);
    if (len > o->cap - o->len) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap - o->len < len) {
            if (cap > SIZE_MAX / 2) {
                o->nomem = 1;
                png_error(png, "output too large");
            }
            cap *= 2;
        }
        uint8_t *p = realloc(o->data, cap);
        if (!p) {
            o->nomem = 1;
            png_error(png, "out of memory");
        }
        o->data = p;
        o->cap = cap;
    }
    memcpy(o->data + o->len, data, len);
    o->len += len;
}

static void flush_cb(png_structp png)
{
    (void)png;
}

static void error_cb(png_structp png, png_const_charp msg)
{
    imgcolor_error *err = png_get_error_ptr(png);
    if (err)
        imgcolor__fail(err, IMGCOLOR_E_ENCODE, "PNG: %s", msg);
    png_longjmp(png, 1);
}

static void warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/*
 * The palette of an image with at most 256 colours: *index gets one byte per pixel.
 * Returns the number of colours, 0 when there are more (or no memory), so that the
 * caller writes RGB(A) instead. Charts are mostly flat colour, so consecutive equal
 * pixels skip the hash table.
 */
#define HASH_SLOTS 1024 /* a power of two, at least 4 * 256 */
static int build_palette(const imgcolor_image *img, uint32_t palette[256], uint8_t **index)
{
    size_t n = (size_t)img->width * img->height;
    uint32_t keys[HASH_SLOTS];
    int16_t slot_index[HASH_SLOTS];
    memset(slot_index, -1, sizeof slot_index);
    uint8_t *idx = malloc(n);
    if (!idx)
        return 0;
    int colors = 0;
    uint32_t last;
    memcpy(&last, img->rgba, 4);
    last = ~last; /* differs from the first pixel */
    uint8_t last_index = 0, run[16]; /* run: the last pixel four times */
    for (int k = 0; k < 4; k++)
        memcpy(run + 4 * k, &last, 4);
    for (size_t i = 0; i < n; i++) {
        /* Runs of the last colour go four pixels at a time. */
        size_t j = i;
        while (j + 4 <= n && memcmp(img->rgba + 4 * j, run, 16) == 0)
            j += 4;
        if (j > i) {
            memset(idx + i, last_index, j - i);
            i = j;
            if (i == n)
                break;
        }
        uint32_t key; /* the pixel's bytes in native order */
        memcpy(&key, img->rgba + 4 * i, 4);
        if (key != last) {
            uint32_t h = (key * 2654435761u) >> 22; /* 10 bits */
            while (slot_index[h] >= 0 && keys[h] != key)
                h = (h + 1) & (HASH_SLOTS - 1);
            if (slot_index[h] < 0) {
                if (colors == 256) {
                    free(idx);
                    return 0;
                }
                keys[h] = key;
                slot_index[h] = (int16_t)colors;
                palette[colors++] = key;
            }
            last = key;
            last_index = (uint8_t)slot_index[h];
            for (int k = 0; k < 4; k++)
                memcpy(run + 4 * k, &key, 4);
        }
        idx[i] = last_index;
    }
    *index = idx;
    return colors;
}

static int is_opaque(const imgcolor_image *img)
{
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n; i++)
        if (img->rgba[4 * i + 3] != 255)
            return 0;
    return 1;
}

/* What to write: the pixels, and their palette when there is one. */
typedef struct png_plan {
    const imgcolor_image *img;
    const uint8_t *index; /* one palette index per pixel, or NULL */
    png_color plte[256];
    png_byte trns[256];
    int colors, ntrns, opaque;
} png_plan;

/* The libpng part, setjmp and all, kept apart so that nothing the caller owns can be
 * clobbered by the longjmp. */
static imgcolor_status write_png(const png_plan *plan, png_out *o, imgcolor_error *err)
{
    const imgcolor_image *img = plan->img;
    volatile png_structp png = NULL;
    png_infop volatile info = NULL;
    volatile imgcolor_status st = IMGCOLOR_E_ENCODE;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, error_cb, warning_cb);
    if (png)
        info = png_create_info_struct(png);
    if (!png || !info) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
        goto done;
    }
    if (setjmp(png_jmpbuf(png))) {
        if (o->nomem)
            st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
        goto done;
    }
    png_set_write_fn(png, o, write_cb, flush_cb);
    int type = plan->colors ? PNG_COLOR_TYPE_PALETTE
               : plan->opaque ? PNG_COLOR_TYPE_RGB
                              : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_IHDR(png, info, img->width, img->height, 8, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (plan->colors) {
        png_set_PLTE(png, info, plan->plte, plan->colors);
        if (plan->ntrns)
            png_set_tRNS(png, info, plan->trns, plan->ntrns, NULL);
        /* The indices come from the palette itself; libpng's check of every byte
         * would cost as much as compressing them. */
        png_set_check_for_invalid_index(png, 0);
    }
    /* Flat colour: run-length matching after the Sub filter (none for palette indices)
     * gives files within a few percent of zlib's defaults in a fraction of the time. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, plan->colors ? PNG_FILTER_NONE : PNG_FILTER_SUB);
    png_set_compression_level(png, 1);
    png_set_compression_strategy(png, Z_RLE);
    png_set_compression_buffer_size(png, 1 << 16);
    png_write_info(png, info);
    if (plan->opaque && !plan->colors)
        png_set_filler(png, 0, PNG_FILLER_AFTER);
    for (uint32_t y = 0; y < img->height; y++)
        png_write_row(png, plan->index ? plan->index + (size_t)y * img->width
                                       : img->rgba + (size_t)y * img->width * 4);
    png_write_end(png, info);
    st = IMGCOLOR_OK;
done:
    if (png) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_write_struct(&p, i ? &i : NULL);
    }
    return st;
}

imgcolor_status imgcolor_png_encode(const imgcolor_image *img, void **out, size_t *out_len,
                                    imgcolor_error *err)
{
    if (!out || !out_len || !img || !img->rgba)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "PNG: NULL argument");
    *out = NULL;
    *out_len = 0;
    if (img->width == 0 || img->height == 0 || img->width > PNG_UINT_31_MAX ||
        img->height > PNG_UINT_31_MAX || img->width > SIZE_MAX / 4 / img->height)
        return imgcolor__fail(err, IMGCOLOR_E_RANGE, "PNG: cannot encode a %ux%u image",
                              (unsigned)img->width, (unsigned)img->height);
    png_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "PNG: out of memory");
    uint32_t palette[256];
    uint8_t *index = NULL;
    plan->img = img;
    plan->colors = build_palette(img, palette, &index);
    plan->index = index;
    plan->opaque = plan->colors ? 1 : is_opaque(img);
    plan->ntrns = 0;
    for (int i = 0; i < plan->colors; i++) {
        uint8_t px[4];
        memcpy(px, &palette[i], 4);
        plan->plte[i] = (png_color){px[0], px[1], px[2]};
        plan->trns[i] = px[3];
        if (px[3] != 255)
            plan->ntrns = i + 1;
    }
    png_out o = {NULL, 0, 0, 0};
    imgcolor_status st = write_png(plan, &o, err);
    free(index);
    free(plan);
    if (st != IMGCOLOR_OK) {
        free(o.data);
        return st;
    }
    *out = o.data;
    *out_len = o.len;
    return IMGCOLOR_OK;
}
