/* histogram.c: counts the distinct colours of an image in an open-addressing hash table.
 * k-means over all pixels has the same objective as count-weighted k-means over the
 * distinct colours, and a photo has far fewer of those than pixels. */
#include <stdlib.h>
#include <string.h>

#include "histogram.h"

/* A slot holds count << 24 | rgb; count 0 marks an empty slot. */
#define SLOT_RGB(s) ((uint32_t)((s) & 0xFFFFFFu))
#define SLOT_COUNT(s) ((s) >> 24)

struct imgcolor__histogram {
    uint64_t *slots;
    size_t mask;     /* capacity - 1, capacity a power of two */
    size_t used;
    uint64_t pixels;
    uint64_t transparent;
    int min_alpha;
};

static size_t slot_of(uint32_t rgb, size_t mask)
{
    /* Fibonacci hashing spreads the 24-bit colours over the whole table. */
    return (size_t)(((uint64_t)rgb * 0x9E3779B97F4A7C15u) >> 40) & mask;
}

imgcolor_status imgcolor__histogram_new(int min_alpha, imgcolor__histogram **out)
{
    imgcolor__histogram *h = calloc(1, sizeof *h);
    if (!h)
        return IMGCOLOR_E_NOMEM;
    h->mask = (1u << 12) - 1;
    h->slots = calloc(h->mask + 1, sizeof *h->slots);
    if (!h->slots) {
        free(h);
        return IMGCOLOR_E_NOMEM;
    }
    h->min_alpha = min_alpha;
    *out = h;
    return IMGCOLOR_OK;
}

void imgcolor__histogram_free(imgcolor__histogram *h)
{
    if (!h)
        return;
    free(h->slots);
    free(h);
}

static imgcolor_status grow(imgcolor__histogram *h)
{
    size_t cap = (h->mask + 1) * 2;
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return IMGCOLOR_E_NOMEM;
    for (size_t i = 0; i <= h->mask; i++) {
        uint64_t s = h->slots[i];
        if (!s)
            continue;
        size_t j = slot_of(SLOT_RGB(s), cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(h->slots);
    h->slots = slots;
    h->mask = cap - 1;
    return IMGCOLOR_OK;
}

/* Adds `run` pixels of colour rgb. */
static imgcolor_status add_run(imgcolor__histogram *h, uint32_t rgb, uint64_t run)
{
    size_t j = slot_of(rgb, h->mask);
    for (;;) {
        uint64_t s = h->slots[j];
        if (!s)
            break;
        if (SLOT_RGB(s) == rgb) {
            h->slots[j] = s + (run << 24);
            return IMGCOLOR_OK;
        }
        j = (j + 1) & h->mask;
    }
    /* Keep the load at most one half, so probes stay short. */
    if ((h->used + 1) * 2 > h->mask + 1) {
        imgcolor_status st = grow(h);
        if (st != IMGCOLOR_OK)
            return st;
        j = slot_of(rgb, h->mask);
        while (h->slots[j])
            j = (j + 1) & h->mask;
    }
    h->slots[j] = run << 24 | rgb;
    h->used++;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__histogram_add(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                        int bytes_per_pixel)
{
    /* Neighbouring pixels are often equal: count runs, and look each run up once. */
    uint32_t run_rgb = 0;
    uint64_t run = 0, counted = 0;
    for (size_t i = 0; i < npix; i++, px += bytes_per_pixel) {
        if (bytes_per_pixel == 4 && px[3] < h->min_alpha)
            continue;
        uint32_t rgb = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
        counted++;
        if (run && rgb == run_rgb) {
            run++;
            continue;
        }
        if (run) {
            imgcolor_status st = add_run(h, run_rgb, run);
            if (st != IMGCOLOR_OK)
                return st;
        }
        run_rgb = rgb;
        run = 1;
    }
    if (run) {
        imgcolor_status st = add_run(h, run_rgb, run);
        if (st != IMGCOLOR_OK)
            return st;
    }
    h->pixels += counted;
    h->transparent += npix - counted;
    return IMGCOLOR_OK;
}

uint64_t imgcolor__histogram_pixels(const imgcolor__histogram *h)
{
    return h->pixels;
}

uint64_t imgcolor__histogram_transparent(const imgcolor__histogram *h)
{
    return h->transparent;
}

imgcolor_status imgcolor__histogram_take(imgcolor__histogram *h, uint32_t **colors,
                                         uint64_t **counts, size_t *n)
{
    size_t used = h->used;
    uint64_t *packed = malloc((used ? used : 1) * sizeof *packed);
    uint64_t *tmp = malloc((used ? used : 1) * sizeof *tmp);
    if (!packed || !tmp) {
        free(packed);
        free(tmp);
        return IMGCOLOR_E_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i <= h->mask; i++)
        if (h->slots[i])
            packed[m++] = h->slots[i];
    free(h->slots);
    h->slots = NULL;
    h->mask = 0;
    h->used = 0;

    /* LSD radix sort on the 24 colour bits: three byte-wide counting passes. */
    for (int shift = 0; shift < 24; shift += 8) {
        size_t bucket[257] = {0};
        for (size_t i = 0; i < m; i++)
            bucket[((packed[i] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++)
            bucket[b + 1] += bucket[b];
        for (size_t i = 0; i < m; i++)
            tmp[bucket[(packed[i] >> shift) & 0xFF]++] = packed[i];
        uint64_t *swap = packed;
        packed = tmp;
        tmp = swap;
    }
    free(tmp);

    uint32_t *c = malloc((m ? m : 1) * sizeof *c);
    uint64_t *w = malloc((m ? m : 1) * sizeof *w);
    if (!c || !w) {
        free(c);
        free(w);
        free(packed);
        return IMGCOLOR_E_NOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        c[i] = SLOT_RGB(packed[i]);
        w[i] = SLOT_COUNT(packed[i]);
    }
    free(packed);
    *colors = c;
    *counts = w;
    *n = m;
    return IMGCOLOR_OK;
}
