/* fuzz_bytes.h: what the chart targets (pie, swatch) read their parameters with: the
 * input a byte at a time, and weights drawn from the hard cases (NaN, infinities,
 * negatives, denormals, huge values) as well as plain ones. */
#ifndef IMGCOLOR_FUZZ_BYTES_H
#define IMGCOLOR_FUZZ_BYTES_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Reads the input a byte at a time; past its end every byte is zero. */
typedef struct reader {
    const uint8_t *p;
    const uint8_t *end;
} reader;

static inline uint8_t byte(reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static inline double raw_double(reader *r)
{
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits = bits << 8 | byte(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline double weight(reader *r)
{
    uint8_t sel = byte(r);
    switch (sel % 16) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return 1.0;
    case 3: return 5e-324; /* the smallest denormal */
    case 4: return DBL_MIN;
    case 5: return DBL_MAX;
    case 6: return 1e300;
    case 7: return -1.0;
    case 8: return NAN;
    case 9: return INFINITY;
    case 10: return -INFINITY;
    case 11: return raw_double(r);
    default: return (double)(sel >> 4) + 0.25 * (sel % 4);
    }
}

/* How often word occurs in text. */
static inline size_t occurrences(const char *text, const char *word)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, word)) != NULL; p++)
        n++;
    return n;
}

#endif
