/* histogram.c: counts the distinct colours of an image while its rows are decoded.
 * k-means over all pixels has the same objective as count-weighted k-means over the
 * distinct colours, and a photo has far fewer of those than pixels. */
#include <stdlib.h>
#include <string.h>

#include "histogram.h"

/*
 * One 16-bit counter per possible colour, 32 MiB of address space, laid out in 4 KiB
 * pages that each hold a 16x16x8 cube of colours. The memory comes zeroed from the
 * system and only pages a colour touches become resident: a photo touches a few hundred
 * to a few thousand, and neighbouring pixels, having similar colours, stay in the same
 * pages. A colour with 65535 pixels or more moves to a small hash table of large counts,
 * and its counter stays at MOVED to say so.
 */
#define COLORS (1u << 24)
#define PAGE_BITS 11
#define PAGES (COLORS >> PAGE_BITS)
#define MOVED 0xFFFFu

typedef struct carry_table {
    uint64_t *slots; /* count << 24 | rgb; 0 = empty */
    size_t mask, used;
} carry_table;

struct imgcolor__histogram {
    uint16_t *counter; /* COLORS, indexed by index_of() */
    uint8_t used[PAGES]; /* pages any colour touched, so reading back skips the rest */
    carry_table carry;
    uint64_t pixels;
    uint64_t transparent;
    int min_alpha;
};

static uint32_t index_of(uint32_t r, uint32_t g, uint32_t b)
{
    uint32_t page = (r >> 4) << 9 | (g >> 4) << 5 | b >> 3;
    return page << PAGE_BITS | (r & 15) << 7 | (g & 15) << 3 | (b & 7);
}

static uint32_t rgb_at(uint32_t index)
{
    uint32_t page = index >> PAGE_BITS;
    uint32_t r = (page >> 9) << 4 | (index >> 7 & 15);
    uint32_t g = (page >> 5 & 15) << 4 | (index >> 3 & 15);
    uint32_t b = (page & 31) << 3 | (index & 7);
    return r << 16 | g << 8 | b;
}

static size_t carry_slot(uint32_t rgb, size_t mask)
{
    return (size_t)(((uint64_t)rgb * 0x9E3779B97F4A7C15u) >> 40) & mask;
}

/* Adds n pixels to colour rgb's count in the table. */
static imgcolor_status carry_add(carry_table *t, uint32_t rgb, uint64_t n)
{
    if ((t->used + 1) * 2 > t->mask + 1) {
        size_t cap = t->mask ? (t->mask + 1) * 2 : 64;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return IMGCOLOR_E_NOMEM;
        for (size_t i = 0; t->slots && i <= t->mask; i++) {
            if (!t->slots[i])
                continue;
            size_t j = carry_slot((uint32_t)(t->slots[i] & 0xFFFFFF), cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->mask = cap - 1;
    }
    size_t j = carry_slot(rgb, t->mask);
    while (t->slots[j] && (t->slots[j] & 0xFFFFFF) != rgb)
        j = (j + 1) & t->mask;
    if (!t->slots[j])
        t->used++;
    t->slots[j] = (((t->slots[j] >> 24) + n) << 24) | rgb;
    return IMGCOLOR_OK;
}

static uint64_t carry_get(const carry_table *t, uint32_t rgb)
{
    if (!t->slots)
        return 0;
    size_t j = carry_slot(rgb, t->mask);
    while (t->slots[j]) {
        if ((t->slots[j] & 0xFFFFFF) == rgb)
            return t->slots[j] >> 24;
        j = (j + 1) & t->mask;
    }
    return 0;
}

imgcolor_status imgcolor__histogram_new(int min_alpha, imgcolor__histogram **out)
{
    imgcolor__histogram *h = calloc(1, sizeof *h);
    if (!h)
        return IMGCOLOR_E_NOMEM;
    h->min_alpha = min_alpha;
    *out = h;
    return IMGCOLOR_OK;
}

void imgcolor__histogram_free(imgcolor__histogram *h)
{
    if (!h)
        return;
    free(h->counter);
    free(h->carry.slots);
    free(h);
}

/* Four counters from index i (a multiple of 4) as one word, zero when all are: memcpy
 * rather than a cast, which the aliasing rules forbid. */
static uint64_t four_counters(const uint16_t *counter, size_t i)
{
    uint64_t word;
    memcpy(&word, counter + i, sizeof word);
    return word;
}

/* Adds `run` pixels of colour rgb at counter index i, moving it to the table of large
 * counts when its counter would fill. */
static imgcolor_status add_run(imgcolor__histogram *h, uint32_t i, uint32_t rgb, uint64_t run)
{
    uint16_t *counter = &h->counter[i];
    if (*counter == MOVED)
        return carry_add(&h->carry, rgb, run);
    uint64_t total = *counter + run;
    if (total < MOVED) {
        *counter = (uint16_t)total;
        return IMGCOLOR_OK;
    }
    *counter = MOVED;
    return carry_add(&h->carry, rgb, total);
}

/*
 * The counting loop, specialised by the compiler for 3 and 4 bytes per pixel. The common
 * case is one increment; a counter about to fill, or a colour already moved to the table
 * of large counts, takes add_run() with the whole run of equal pixels that starts there,
 * so that a flat background costs one table update per run rather than per pixel.
 */
static inline imgcolor_status count(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                    int bpp)
{
    uint64_t counted = 0;
    const int min_alpha = h->min_alpha;
    uint16_t *counters = h->counter;
    for (size_t i = 0; i < npix; i++) {
        const uint8_t *p = px + i * (size_t)bpp;
        if (bpp == 4 && p[3] < min_alpha)
            continue;
        counted++;
        uint32_t idx = index_of(p[0], p[1], p[2]);
        h->used[idx >> PAGE_BITS] = 1;
        if (counters[idx] < MOVED - 1) {
            counters[idx]++;
            continue;
        }
        uint64_t run = 1;
        while (i + 1 < npix) {
            const uint8_t *q = p + run * (size_t)bpp;
            if (q[0] != p[0] || q[1] != p[1] || q[2] != p[2] || (bpp == 4 && q[3] < min_alpha))
                break;
            run++;
            i++;
        }
        counted += run - 1;
        imgcolor_status st =
            add_run(h, idx, (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], run);
        if (st != IMGCOLOR_OK)
            return st;
    }
    h->pixels += counted;
    h->transparent += npix - counted;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__histogram_add(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                        int bytes_per_pixel)
{
    /* The counters are reserved with the first pixels, so that input which never
     * decodes a row costs nothing. */
    if (!h->counter && !(h->counter = calloc(COLORS, sizeof *h->counter)))
        return IMGCOLOR_E_NOMEM;
    return bytes_per_pixel == 4 ? count(h, px, npix, 4) : count(h, px, npix, 3);
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
    /* Count first, to allocate the output exactly. Only touched pages are read, four
     * counters at a time: most counters even of a touched page are zero. */
    const uint32_t page_size = 1u << PAGE_BITS;
    size_t m = 0;
    for (uint32_t pg = 0; pg < PAGES; pg++) {
        if (!h->used[pg])
            continue;
        for (size_t i = (size_t)pg * page_size; i < (size_t)(pg + 1) * page_size; i += 4)
            if (four_counters(h->counter, i))
                for (size_t j = 0; j < 4; j++)
                    m += h->counter[i + j] != 0;
    }
    uint32_t *c = malloc((m ? m : 1) * sizeof *c);
    uint64_t *w = malloc((m ? m : 1) * sizeof *w);
    if (!c || !w) {
        free(c);
        free(w);
        return IMGCOLOR_E_NOMEM;
    }
    /* Counter order: a fixed order that depends only on the colours. */
    size_t k = 0;
    for (uint32_t pg = 0; pg < PAGES; pg++) {
        if (!h->used[pg])
            continue;
        for (uint32_t i = pg * page_size; i < (pg + 1) * page_size; i += 4) {
            if (!four_counters(h->counter, i))
                continue;
            for (uint32_t j = 0; j < 4; j++) {
                uint32_t idx = i + j;
                uint16_t v = h->counter[idx];
                if (!v)
                    continue;
                c[k] = rgb_at(idx);
                w[k] = v == MOVED ? carry_get(&h->carry, c[k]) : v;
                k++;
            }
        }
    }
    free(h->counter);
    free(h->carry.slots);
    h->counter = NULL;
    h->carry = (carry_table){NULL, 0, 0};
    *colors = c;
    *counts = w;
    *n = k;
    return IMGCOLOR_OK;
}
