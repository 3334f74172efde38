/* histogram.c: counts the distinct colours of an image while its rows are decoded.
 * k-means over all pixels has the same objective as count-weighted k-means over the
 * distinct colours, and a photo has far fewer of those than pixels. */
#include <stdlib.h>
#include <string.h>

#include "histogram.h"

/*
 * The colour cube is cut into 4x4x4 blocks of 16-bit counters, allocated when a pixel
 * first lands in them and found through a direct index: neighbouring pixels have similar
 * colours, so counting stays in cache, where a hash table would miss on almost every
 * pixel. A colour with 65535 pixels or more moves to a small hash table of large counts,
 * and its counter stays at 0xFFFF to say so.
 */
#define MOVED 0xFFFFu
#define BLOCK_BITS 2
#define BLOCK_COLORS (1u << (3 * BLOCK_BITS))       /* 64 colours per block */
#define TOP_ENTRIES (1u << (3 * (8 - BLOCK_BITS))) /* 2^18 blocks */

typedef struct carry_table {
    uint64_t *slots; /* count << 24 | rgb; 0 = empty */
    size_t mask, used;
} carry_table;

struct imgcolor__histogram {
    uint32_t *top;       /* block number + 1, or 0 when the block is absent */
    uint16_t *blocks;    /* BLOCK_COLORS counters per block */
    size_t nblocks, capblocks;
    carry_table carry;
    uint64_t pixels;
    uint64_t transparent;
    int min_alpha;
};

static uint32_t block_of(uint32_t rgb)
{
    return (rgb >> 18 & 0x3F) << 12 | (rgb >> 10 & 0x3F) << 6 | (rgb >> 2 & 0x3F);
}

static uint32_t cell_of(uint32_t rgb)
{
    return (rgb >> 16 & 3) << 4 | (rgb >> 8 & 3) << 2 | (rgb & 3);
}

static uint32_t rgb_of(uint32_t block, uint32_t cell)
{
    uint32_t r = (block >> 12) << 2 | cell >> 4, g = (block >> 6 & 0x3F) << 2 | (cell >> 2 & 3),
             b = (block & 0x3F) << 2 | (cell & 3);
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
    /* 1 MiB of block indices; pages no colour touches are never made resident. */
    h->top = calloc(TOP_ENTRIES, sizeof *h->top);
    if (!h->top) {
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
    free(h->top);
    free(h->blocks);
    free(h->carry.slots);
    free(h);
}

/* Adds `run` pixels of colour rgb. */
static imgcolor_status add_run(imgcolor__histogram *h, uint32_t rgb, uint64_t run)
{
    uint32_t b = block_of(rgb);
    if (!h->top[b]) {
        if (h->nblocks == h->capblocks) {
            size_t cap = h->capblocks ? h->capblocks * 2 : 256;
            uint16_t *grown = realloc(h->blocks, cap * BLOCK_COLORS * sizeof *grown);
            if (!grown)
                return IMGCOLOR_E_NOMEM;
            h->blocks = grown;
            h->capblocks = cap;
        }
        memset(h->blocks + h->nblocks * BLOCK_COLORS, 0, BLOCK_COLORS * sizeof *h->blocks);
        h->top[b] = (uint32_t)++h->nblocks;
    }
    uint16_t *counter = &h->blocks[(size_t)(h->top[b] - 1) * BLOCK_COLORS + cell_of(rgb)];
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

imgcolor_status imgcolor__histogram_add(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                        int bytes_per_pixel)
{
    /* Neighbouring pixels are often equal: count runs, and add each run once. */
    uint32_t run_rgb = 0;
    uint64_t run = 0, counted = 0;
    for (size_t i = 0; i < npix; i++, px += bytes_per_pixel) {
#ifdef __GNUC__
        /* Start fetching the block index of a pixel a little ahead: on photos with many
         * colours, waiting for memory is most of the cost of counting. */
        if (i + 16 < npix) {
            const uint8_t *ahead = px + 16 * bytes_per_pixel;
            __builtin_prefetch(&h->top[block_of((uint32_t)ahead[0] << 16 |
                                                (uint32_t)ahead[1] << 8 | ahead[2])]);
        }
#endif
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
    /* Count first, to allocate the output exactly. */
    size_t m = 0;
    for (size_t i = 0; i < h->nblocks * BLOCK_COLORS; i++)
        m += h->blocks[i] != 0;
    uint32_t *c = malloc((m ? m : 1) * sizeof *c);
    uint64_t *w = malloc((m ? m : 1) * sizeof *w);
    if (!c || !w) {
        free(c);
        free(w);
        return IMGCOLOR_E_NOMEM;
    }
    /* A fixed order that depends only on the colours: blocks in cube order, then cells. */
    size_t k = 0;
    for (uint32_t b = 0; b < TOP_ENTRIES; b++) {
        if (!h->top[b])
            continue;
        const uint16_t *blk = &h->blocks[(size_t)(h->top[b] - 1) * BLOCK_COLORS];
        for (uint32_t cell = 0; cell < BLOCK_COLORS; cell++) {
            uint32_t rgb = rgb_of(b, cell);
            uint64_t count = blk[cell] == MOVED ? carry_get(&h->carry, rgb) : blk[cell];
            if (count) {
                c[k] = rgb;
                w[k] = count;
                k++;
            }
        }
    }
    free(h->top);
    free(h->blocks);
    free(h->carry.slots);
    h->top = NULL;
    h->blocks = NULL;
    h->carry = (carry_table){NULL, 0, 0};
    h->nblocks = h->capblocks = 0;
    *colors = c;
    *counts = w;
    *n = k;
    return IMGCOLOR_OK;
}
