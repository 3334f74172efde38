/* manage.c: colour management between a decoder and the histogram or image it fills.
 * An RGB or grey profile is a function of the colour alone, so the distinct colours are
 * converted once each after counting rather than every pixel as it is decoded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage.h"
#include "morton.h"

void imgcolor__warnings_add(imgcolor__warnings *w, const char *message)
{
    for (int i = 0; i < w->count; i++)
        if (strcmp(w->text[i], message) == 0)
            return;
    if (w->count < IMGCOLOR__WARNINGS_MAX)
        snprintf(w->text[w->count++], IMGCOLOR__WARNING_LEN, "%s", message);
}

static imgcolor_status managed_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__managed *m = user;
    return m->inner.begin(m->inner.user, width, height);
}

static imgcolor_status managed_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__managed *m = user;
    return m->inner.rows(m->inner.user, rgba, y, count);
}

static imgcolor_status managed_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor__managed *m = user;
    *out = NULL;
    return m->inner.buffer ? m->inner.buffer(m->inner.user, y, count, out) : IMGCOLOR_OK;
}

static void managed_warning(void *user, const char *message)
{
    imgcolor__managed *m = user;
    imgcolor__warnings_add(&m->warnings, message);
}

/* A profile that cannot be used is a warning, and the pixels count as sRGB; only
 * running out of memory stops decoding. */
static imgcolor_status managed_profile(void *user, const uint8_t *icc, size_t size)
{
    imgcolor__managed *m = user;
    if (!m->enabled || m->icc)
        return IMGCOLOR_OK;
    char why[IMGCOLOR__WARNING_LEN];
    imgcolor_status st = imgcolor__icc_new(icc, size, 0, 0, &m->icc, why, sizeof why);
    if (st == IMGCOLOR_E_NOMEM)
        return st;
    if (st != IMGCOLOR_OK) {
        imgcolor__warnings_add(&m->warnings, why);
        return IMGCOLOR_OK;
    }
    snprintf(m->profile, sizeof m->profile, "%s", imgcolor__icc_description(m->icc));
    return IMGCOLOR_OK;
}

imgcolor__sink imgcolor__managed_sink(imgcolor__managed *m, imgcolor__sink inner,
                                      const imgcolor_options *opt)
{
    memset(m, 0, sizeof *m);
    m->inner = inner;
    m->enabled = opt->color_management;
    return (imgcolor__sink){.begin = managed_begin, .rows = managed_rows, .user = m,
                            .buffer = managed_buffer, .profile = managed_profile,
                            .warning = managed_warning};
}

void imgcolor__managed_free(imgcolor__managed *m)
{
    imgcolor__icc_free(m->icc);
    m->icc = NULL;
}

/* A grey profile reads only the red channel: it fits only pixels with R = G = B. */
static int fits(const imgcolor__managed *m, const uint8_t *rgb, size_t n)
{
    if (imgcolor__icc_kind(m->icc) != IMGCOLOR__ICC_GREY)
        return 1;
    for (size_t i = 0; i < n; i++, rgb += 3)
        if (rgb[0] != rgb[1] || rgb[0] != rgb[2])
            return 0;
    return 1;
}

static void drop_unfit(imgcolor__managed *m)
{
    imgcolor__warnings_add(&m->warnings,
                           "grey colour profile on a colour image ignored; pixels used as sRGB");
    imgcolor__icc_free(m->icc);
    m->icc = NULL;
    m->profile[0] = '\0';
}

/* Sorts codes (24 bits) with their counts: two stable 12-bit counting passes. */
static imgcolor_status radix_sort(uint32_t *codes, uint64_t *counts, size_t n)
{
    enum { BITS = 12, BUCKETS = 1 << BITS };
    uint32_t *c2 = malloc(n * sizeof *c2);
    uint64_t *w2 = malloc(n * sizeof *w2);
    size_t *start = malloc(BUCKETS * sizeof *start);
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    if (!c2 || !w2 || !start)
        goto done;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *from = pass ? c2 : codes, *to = pass ? codes : c2;
        uint64_t *wfrom = pass ? w2 : counts, *wto = pass ? counts : w2;
        int shift = pass * BITS;
        memset(start, 0, BUCKETS * sizeof *start);
        for (size_t i = 0; i < n; i++)
            start[from[i] >> shift & (BUCKETS - 1)]++;
        size_t sum = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t c = start[b];
            start[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = start[from[i] >> shift & (BUCKETS - 1)]++;
            to[at] = from[i];
            wto[at] = wfrom[i];
        }
    }
    st = IMGCOLOR_OK;
done:
    free(c2);
    free(w2);
    free(start);
    return st;
}

imgcolor_status imgcolor__managed_convert_codes(imgcolor__managed *m, uint32_t *codes,
                                                uint64_t *counts, size_t *n,
                                                uint32_t *converted)
{
    if (converted) /* unchanged, unless converted below */
        memcpy(converted, codes, *n * sizeof *codes);
    if (!m->icc || *n == 0)
        return IMGCOLOR_OK;
    size_t cnt = *n;
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    uint8_t *in = NULL, *out = NULL;
    if (cnt > SIZE_MAX / 3 || !(in = malloc(cnt * 3)) || !(out = malloc(cnt * 3)))
        goto done;
    for (size_t i = 0; i < cnt; i++) {
        uint32_t rgb = imgcolor__morton_rgb(codes[i]);
        in[3 * i] = (uint8_t)(rgb >> 16);
        in[3 * i + 1] = (uint8_t)(rgb >> 8);
        in[3 * i + 2] = (uint8_t)rgb;
    }
    st = IMGCOLOR_OK;
    if (!fits(m, in, cnt)) {
        drop_unfit(m);
        goto done;
    }
    imgcolor__icc_colors(m->icc, in, out, cnt);
    for (size_t i = 0; i < cnt; i++)
        codes[i] = imgcolor__morton(out[3 * i], out[3 * i + 1], out[3 * i + 2]);
    if (converted)
        memcpy(converted, codes, cnt * sizeof *codes);
    if ((st = radix_sort(codes, counts, cnt)) != IMGCOLOR_OK)
        goto done;
    size_t kept = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (kept && codes[kept - 1] == codes[i]) {
            counts[kept - 1] += counts[i];
        } else {
            codes[kept] = codes[i];
            counts[kept++] = counts[i];
        }
    }
    *n = kept;
done:
    free(in);
    free(out);
    return st;
}

/* The batch of pixels converted at once. */
#define RGBA_BATCH 4096

imgcolor_status imgcolor__managed_convert_rgba(imgcolor__managed *m, uint8_t *rgba, size_t pixels)
{
    if (!m->icc)
        return IMGCOLOR_OK;
    if (imgcolor__icc_kind(m->icc) == IMGCOLOR__ICC_GREY)
        for (size_t i = 0; i < pixels; i++) {
            const uint8_t *p = rgba + 4 * i;
            if (p[0] != p[1] || p[0] != p[2]) {
                drop_unfit(m);
                return IMGCOLOR_OK;
            }
        }
    uint8_t in[RGBA_BATCH * 3], out[RGBA_BATCH * 3];
    for (size_t i = 0; i < pixels; i += RGBA_BATCH) {
        size_t n = pixels - i < RGBA_BATCH ? pixels - i : RGBA_BATCH;
        uint8_t *p = rgba + 4 * i;
        for (size_t j = 0; j < n; j++)
            memcpy(in + 3 * j, p + 4 * j, 3);
        imgcolor__icc_colors(m->icc, in, out, n);
        for (size_t j = 0; j < n; j++)
            memcpy(p + 4 * j, out + 3 * j, 3);
    }
    return IMGCOLOR_OK;
}
