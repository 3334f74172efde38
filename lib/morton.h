/* morton.h: colours as Morton codes, the bits of red, green and blue interleaved from the
 * high bit down. Sorted by code, the colours of every box the k-d tree splits off (and of
 * every 4 KiB page of histogram counters) are a contiguous run. */
#ifndef IMGCOLOR_MORTON_H
#define IMGCOLOR_MORTON_H

#include <stdint.h>

/* Byte b with its bit i moved to bit 3i. */
#define IMGCOLOR__SPREAD(b)                                                                     \
    (((b) & 1u) | ((b) & 2u) << 2 | ((b) & 4u) << 4 | ((b) & 8u) << 6 | ((b) & 16u) << 8 |      \
     ((b) & 32u) << 10 | ((b) & 64u) << 12 | ((b) & 128u) << 14)
#define IMGCOLOR__SPREAD4(b)                                                                    \
    IMGCOLOR__SPREAD((b)), IMGCOLOR__SPREAD((b) + 1u), IMGCOLOR__SPREAD((b) + 2u),             \
        IMGCOLOR__SPREAD((b) + 3u)
#define IMGCOLOR__SPREAD16(b)                                                                   \
    IMGCOLOR__SPREAD4(b), IMGCOLOR__SPREAD4((b) + 4u), IMGCOLOR__SPREAD4((b) + 8u),            \
        IMGCOLOR__SPREAD4((b) + 12u)
#define IMGCOLOR__SPREAD64(b)                                                                   \
    IMGCOLOR__SPREAD16(b), IMGCOLOR__SPREAD16((b) + 16u), IMGCOLOR__SPREAD16((b) + 32u),       \
        IMGCOLOR__SPREAD16((b) + 48u)

static const uint32_t imgcolor__spread[256] = {IMGCOLOR__SPREAD64(0u), IMGCOLOR__SPREAD64(64u),
                                               IMGCOLOR__SPREAD64(128u),
                                               IMGCOLOR__SPREAD64(192u)};

static inline uint32_t imgcolor__morton(uint32_t r, uint32_t g, uint32_t b)
{
    return imgcolor__spread[r] << 2 | imgcolor__spread[g] << 1 | imgcolor__spread[b];
}

/* Bits 0, 3, 6, ... of v, packed. */
static inline uint32_t imgcolor__compact(uint32_t v)
{
    v &= 0x249249u;
    v = (v | v >> 2) & 0x0C30C3u;
    v = (v | v >> 4) & 0x00F00Fu;
    v = (v | v >> 8) & 0x0000FFu;
    return v;
}

/* 0xRRGGBB of a code. */
static inline uint32_t imgcolor__morton_rgb(uint32_t code)
{
    return imgcolor__compact(code >> 2) << 16 | imgcolor__compact(code >> 1) << 8 |
           imgcolor__compact(code);
}

/* The code of 0xRRGGBB. */
static inline uint32_t imgcolor__rgb_morton(uint32_t rgb)
{
    return imgcolor__morton(rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF);
}

#endif
