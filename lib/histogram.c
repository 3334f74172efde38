/* histogram.c: counts the distinct colours of an image while its rows are decoded.
 * k-means over all pixels has the same objective as count-weighted k-means over the
 * distinct colours, and a photo has far fewer of those than pixels. */
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "morton.h"

/*
 * Two ways to count, both giving the colours in Morton order:
 *
 * A table: one 16-bit counter per possible colour, indexed by Morton code, 32 MiB of
 * address space in 4 KiB pages that each hold an 8x16x16 cube of colours. The memory
 * comes zeroed from the system and only pages a colour touches become resident;
 * neighbouring pixels, having similar colours, stay in the same pages. A colour with
 * 65535 pixels or more moves to a small hash table of large counts, and its counter
 * stays at MOVED to say so.
 *
 * A list, for images of at most LIST_MAX_PIXELS announced in advance: every pixel's code
 * is appended and its two 12-bit digits counted, then the list is radix-sorted in two
 * scatters and counted in runs. A small photo has nearly as many colours as pixels,
 * spread over hundreds of table pages, and faulting in those pages costs more than the
 * sort; from about half a megapixel on, the sort costs more (measured on the sample
 * photos: 0.27 MP faster as a list by 3-7 ms, 0.87 MP faster in the table by 6 ms).
 */
#define COLORS (1u << 24)
#define PAGE_BITS 11
#define PAGES (COLORS >> PAGE_BITS)
#define MOVED 0xFFFFu
#define LIST_MAX_PIXELS (1u << 19)
#define RADIX_BITS 12
#define DIGITS (1u << RADIX_BITS)

typedef struct carry_table {
    uint64_t *slots; /* count << 24 | code; 0 = empty */
    size_t mask, used;
} carry_table;

struct imgcolor__histogram {
    /* The list, when announced and allocated. */
    uint32_t *codes;
    size_t ncodes, cap;
    uint32_t *digits; /* 2 * DIGITS: how many listed codes have each low, then each high
                         digit, the sort's first pass counted while appending */
    /* Otherwise the table, allocated with the first pixels. */
    uint16_t *counter;   /* COLORS, indexed by Morton code */
    uint16_t distinct[PAGES]; /* colours counted in each page: reading back skips the
                                 pages without, and stops at the last one */
    carry_table carry;
    uint64_t pixels;
    uint64_t transparent;
    int min_alpha;
};

static size_t carry_slot(uint32_t code, size_t mask)
{
    return (size_t)(((uint64_t)code * 0x9E3779B97F4A7C15u) >> 40) & mask;
}

/* Adds n pixels to the count of the colour with this code in the table. */
static imgcolor_status carry_add(carry_table *t, uint32_t code, uint64_t n)
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
    size_t j = carry_slot(code, t->mask);
    while (t->slots[j] && (t->slots[j] & 0xFFFFFF) != code)
        j = (j + 1) & t->mask;
    if (!t->slots[j])
        t->used++;
    t->slots[j] = (((t->slots[j] >> 24) + n) << 24) | code;
    return IMGCOLOR_OK;
}

static uint64_t carry_get(const carry_table *t, uint32_t code)
{
    if (!t->slots)
        return 0;
    size_t j = carry_slot(code, t->mask);
    while (t->slots[j]) {
        if ((t->slots[j] & 0xFFFFFF) == code)
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
    free(h->codes);
    free(h->digits);
    free(h->counter);
    free(h->carry.slots);
    free(h);
}

void imgcolor__histogram_expect(imgcolor__histogram *h, uint64_t pixels)
{
    if (pixels == 0 || pixels > LIST_MAX_PIXELS || h->codes || h->counter)
        return;
    /* Without the memory, the table will do. */
    h->codes = imgcolor__alloc_large((size_t)pixels * sizeof *h->codes);
    h->digits = calloc(2 * DIGITS, sizeof *h->digits);
    if (!h->codes || !h->digits) {
        free(h->codes);
        free(h->digits);
        h->codes = h->digits = NULL;
        return;
    }
    h->cap = (size_t)pixels;
}

/* Four counters from index i (a multiple of 4) as one word, zero when all are: memcpy
 * rather than a cast, which the aliasing rules forbid. */
static uint64_t four_counters(const uint16_t *counter, size_t i)
{
    uint64_t word;
    memcpy(&word, counter + i, sizeof word);
    return word;
}

/* Adds `run` pixels of the colour with this code, moving it to the table of large
 * counts when its counter would fill. */
static imgcolor_status add_run(imgcolor__histogram *h, uint32_t code, uint64_t run)
{
    uint16_t *counter = &h->counter[code];
    if (*counter == 0)
        h->distinct[code >> PAGE_BITS]++;
    if (*counter == MOVED)
        return carry_add(&h->carry, code, run);
    uint64_t total = *counter + run;
    if (total < MOVED) {
        *counter = (uint16_t)total;
        return IMGCOLOR_OK;
    }
    *counter = MOVED;
    return carry_add(&h->carry, code, total);
}

/*
 * The counting loop, specialised by the compiler for 3 and 4 bytes per pixel. Pixels go
 * in blocks: first every code of the block, with a prefetch of its counter, then the
 * counts, so that the block's cache misses overlap rather than follow one another (the
 * table is far larger than the caches; a quarter less time on the 16-MP sample photo).
 * The common case is one increment; a counter about to fill, or a colour already moved
 * to the table of large counts, takes add_run() with the whole run of equal pixels that
 * starts there in the block, so that a flat background costs one table update per run
 * rather than per pixel.
 */
#define BLOCK 64
#define LEFT_OUT 0xFFFFFFFFu /* the code of a transparent pixel in a block */
#ifdef __GNUC__
#define PREFETCH_FOR_WRITE(p) __builtin_prefetch((p), 1)
#else
#define PREFETCH_FOR_WRITE(p) ((void)(p))
#endif

static inline imgcolor_status count(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                    int bpp)
{
    uint64_t counted = 0;
    const int min_alpha = h->min_alpha;
    uint16_t *counters = h->counter, *distinct = h->distinct;
    uint32_t code[BLOCK];
    for (size_t base = 0; base < npix; base += BLOCK) {
        size_t nb = npix - base < BLOCK ? npix - base : BLOCK;
        for (size_t j = 0; j < nb; j++) {
            const uint8_t *p = px + (base + j) * (size_t)bpp;
            uint32_t c = imgcolor__morton(p[0], p[1], p[2]);
            code[j] = bpp == 4 && p[3] < min_alpha ? LEFT_OUT : c;
            PREFETCH_FOR_WRITE(&counters[c]);
        }
        for (size_t j = 0; j < nb; j++) {
            uint32_t c = code[j];
            if (bpp == 4 && c == LEFT_OUT)
                continue;
            counted++;
            if (distinct[c >> PAGE_BITS] == 0) {
                /* A page no pixel reached yet is written without being read: a read
                 * would map the shared zero page, and the write then fault a second
                 * time, with a TLB shootdown across the process's threads. */
                distinct[c >> PAGE_BITS] = 1;
                counters[c] = 1;
                continue;
            }
            uint16_t v = counters[c];
            if (v - 1u < MOVED - 2u) { /* 1 .. MOVED - 2: the common case */
                counters[c] = (uint16_t)(v + 1);
                continue;
            }
            if (v == 0) {
                distinct[c >> PAGE_BITS]++;
                counters[c] = 1;
                continue;
            }
            uint64_t run = 1;
            while (j + 1 < nb && code[j + 1] == c) {
                run++;
                j++;
            }
            counted += run - 1;
            imgcolor_status st = add_run(h, c, run);
            if (st != IMGCOLOR_OK)
                return st;
        }
    }
    h->pixels += counted;
    h->transparent += npix - counted;
    return IMGCOLOR_OK;
}

/* Appends the codes of the counted pixels to the list, and counts their digits. */
static inline void append(imgcolor__histogram *h, const uint8_t *px, size_t npix, int bpp)
{
    uint32_t *out = h->codes + h->ncodes, *low = h->digits, *high = h->digits + DIGITS;
    size_t m = 0;
    for (size_t i = 0; i < npix; i++) {
        const uint8_t *p = px + i * (size_t)bpp;
        uint32_t c = imgcolor__morton(p[0], p[1], p[2]);
        unsigned kept = bpp == 3 || p[3] >= h->min_alpha;
        out[m] = c;
        low[c & (DIGITS - 1)] += kept;
        high[c >> RADIX_BITS] += kept;
        m += kept;
    }
    h->ncodes += m;
    h->pixels += m;
    h->transparent += npix - m;
}

/* More pixels than announced: moves the list's codes to the table, which counts the
 * rest. */
static imgcolor_status list_to_table(imgcolor__histogram *h)
{
    if (!h->counter && !(h->counter = calloc(COLORS, sizeof *h->counter)))
        return IMGCOLOR_E_NOMEM;
    for (size_t i = 0; i < h->ncodes; i++) {
        imgcolor_status st = add_run(h, h->codes[i], 1);
        if (st != IMGCOLOR_OK)
            return st;
    }
    free(h->codes);
    free(h->digits);
    h->codes = h->digits = NULL;
    h->ncodes = h->cap = 0;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__histogram_add(imgcolor__histogram *h, const uint8_t *px, size_t npix,
                                        int bytes_per_pixel)
{
    if (h->codes && npix > h->cap - h->ncodes) {
        imgcolor_status st = list_to_table(h);
        if (st != IMGCOLOR_OK)
            return st;
    }
    if (h->codes) {
        if (bytes_per_pixel == 4)
            append(h, px, npix, 4);
        else
            append(h, px, npix, 3);
        return IMGCOLOR_OK;
    }
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

/* Turns the counts of one digit into the index where each digit's codes begin. */
static void starts(uint32_t *count)
{
    uint32_t sum = 0;
    for (size_t d = 0; d < DIGITS; d++) {
        uint32_t c = count[d];
        count[d] = sum;
        sum += c;
    }
}

/* Sorts the m codes, low digit then high digit, through scratch (m codes) and back,
 * with the digits counted while appending. */
static void sort_codes(uint32_t *codes, uint32_t *scratch, size_t m, uint32_t *digits)
{
    uint32_t *low = digits, *high = digits + DIGITS;
    starts(low);
    starts(high);
    for (size_t i = 0; i < m; i++)
        scratch[low[codes[i] & (DIGITS - 1)]++] = codes[i];
    for (size_t i = 0; i < m; i++)
        codes[high[scratch[i] >> RADIX_BITS]++] = scratch[i];
}

/* Each run of a code in the sorted list becomes the code, packed to the front of the
 * list, and its length, packed to the front of lengths; returns the number of runs. */
static size_t count_runs(uint32_t *codes, uint32_t *lengths, size_t m)
{
    size_t k = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && codes[j] == codes[i])
            j++;
        codes[k] = codes[i];
        lengths[k] = (uint32_t)(j - i); /* at most LIST_MAX_PIXELS */
        k++;
        i = j;
    }
    return k;
}

/* The k 32-bit counts at the front of *counts widened to 64 bits, in place (backwards:
 * count i lands on slots 2i and 2i + 1, already read) or by realloc when m slots are
 * too few. On failure *counts is freed. */
static imgcolor_status widen_counts(uint32_t **counts, size_t k, size_t m)
{
    uint32_t *to = *counts;
    if (2 * k > m) {
        uint32_t *wide = realloc(to, (k ? k : 1) * sizeof(uint64_t));
        if (!wide) {
            free(to);
            *counts = NULL;
            return IMGCOLOR_E_NOMEM;
        }
        *counts = to = wide;
    }
    unsigned char *bytes = (unsigned char *)to; /* one array, two element types: memcpy */
    for (size_t i = k; i-- > 0;) {
        uint32_t narrow;
        memcpy(&narrow, bytes + i * sizeof narrow, sizeof narrow);
        uint64_t count = narrow;
        memcpy(bytes + i * sizeof count, &count, sizeof count);
    }
    return IMGCOLOR_OK;
}

static imgcolor_status take_list(imgcolor__histogram *h, uint32_t **codes, uint64_t **counts,
                                 size_t *n)
{
    size_t m = h->ncodes;
    uint32_t *list = h->codes;
    uint32_t *tmp = imgcolor__alloc_large(m * sizeof *tmp);
    if (!tmp)
        return IMGCOLOR_E_NOMEM;
    sort_codes(list, tmp, m, h->digits);
    size_t k = count_runs(list, tmp, m);
    imgcolor_status st = widen_counts(&tmp, k, m);
    if (st != IMGCOLOR_OK)
        return st;
    uint32_t *c = realloc(list, (k ? k : 1) * sizeof *c);
    h->codes = NULL;
    h->ncodes = h->cap = 0;
    *codes = c ? c : list;
    *counts = (uint64_t *)(void *)tmp;
    *n = k;
    return IMGCOLOR_OK;
}

static imgcolor_status take_table(imgcolor__histogram *h, uint32_t **codes, uint64_t **counts,
                                  size_t *n)
{
    size_t m = 0;
    for (uint32_t pg = 0; h->counter && pg < PAGES; pg++)
        m += h->distinct[pg];
    uint32_t *c = imgcolor__alloc_large(m * sizeof *c);
    uint64_t *w = imgcolor__alloc_large(m * sizeof *w);
    if (!c || !w) {
        free(c);
        free(w);
        return IMGCOLOR_E_NOMEM;
    }
    /* Only pages with colours are read, four counters at a time (most counters even of
     * such a page are zero), up to the page's last colour. */
    size_t k = 0;
    for (uint32_t pg = 0; h->counter && pg < PAGES; pg++) {
        size_t last = k + h->distinct[pg];
        for (uint32_t i = pg << PAGE_BITS; k < last; i += 4) {
            if (!four_counters(h->counter, i))
                continue;
            for (uint32_t code = i; code < i + 4; code++) {
                uint16_t v = h->counter[code];
                if (!v)
                    continue;
                c[k] = code;
                w[k] = v == MOVED ? carry_get(&h->carry, code) : v;
                k++;
            }
        }
    }
    free(h->counter);
    free(h->carry.slots);
    h->counter = NULL;
    h->carry = (carry_table){NULL, 0, 0};
    *codes = c;
    *counts = w;
    *n = k;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__histogram_take(imgcolor__histogram *h, uint32_t **codes,
                                         uint64_t **counts, size_t *n)
{
    return h->codes ? take_list(h, codes, counts, n) : take_table(h, codes, counts, n);
}
