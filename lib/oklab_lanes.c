/* oklab_lanes.c: many 8-bit colours to Oklab at once, four to an AVX2 register where the
 * processor has it, the bits of imgcolor__rgb8_to_oklab() for each: clustering in Oklab
 * converts every distinct colour of an image, up to a few hundred thousand. */
#include <stdint.h>
#include <string.h>

#include "colorspace.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define OKLAB_LANES 1
#endif

static imgcolor_rgb unpack(uint32_t v)
{
    return (imgcolor_rgb){(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
}

#ifdef OKLAB_LANES
#define AVX2 __attribute__((target("avx2")))

/* m times the lanes v[0..2], row i: m[i][0] v0 + m[i][1] v1 + m[i][2] v2, left to right
 * as colorspace.c's mul3(). */
AVX2 static void mul3_lanes(const double m[3][3], const __m256d v[3], __m256d out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(m[i][0]), v[0]),
                                             _mm256_mul_pd(_mm256_set1_pd(m[i][1]), v[1])),
                               _mm256_mul_pd(_mm256_set1_pd(m[i][2]), v[2]));
}

/*
 * colorspace.c's cube_root() in four lanes, the same operations in the same order, for
 * positive normal x (the caller checks): a polynomial guess on the mantissa xm in
 * [0.5, 1), one Halley step, then times 2^(xe / 3) and the third's remainder's factor.
 * The exponent's quotient and remainder by 3 are worked out in doubles, exact for
 * integers this small (|xe| < 1100).
 */
AVX2 static __m256d cube_root_lanes(__m256d x)
{
    const __m256i bits = _mm256_castpd_si256(x);
    __m256i mbits = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFF)),
                                    _mm256_set1_epi64x((int64_t)1022 << 52));
    __m256d xm = _mm256_castsi256_pd(mbits);
    __m256i biased64 = _mm256_srli_epi64(bits, 52); /* the sign bit is clear */
    __m128i biased = _mm256_castsi256_si128(
        _mm256_permutevar8x32_epi32(biased64, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0)));
    __m256d xe = _mm256_sub_pd(_mm256_cvtepi32_pd(biased), _mm256_set1_pd(1022));
    /* xe / 3 truncated: xe times a third is within 2^-40 of the quotient, whose distance
     * from an integer is 0 or at least 1/3, so a nudge of 10^-6 away from zero puts it on
     * the right side of every integer without a division. */
    __m256d third = _mm256_mul_pd(xe, _mm256_set1_pd(1.0 / 3.0));
    __m256d nudge = _mm256_or_pd(_mm256_and_pd(third, _mm256_set1_pd(-0.0)), _mm256_set1_pd(1e-6));
    __m256d q =
        _mm256_round_pd(_mm256_add_pd(third, nudge), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_sub_pd(xe, _mm256_mul_pd(q, _mm256_set1_pd(3)));
    __m256d u = _mm256_sub_pd(_mm256_set1_pd(0.784932344976639262),
                              _mm256_mul_pd(_mm256_set1_pd(0.145263899385486377), xm));
    static const double coef[5] = {-1.83469277483613086, 2.44693122563534430,
                                   -2.11499494167371287, 1.50819193781584896,
                                   0.354895765043919860};
    for (int i = 0; i < 5; i++)
        u = _mm256_add_pd(_mm256_set1_pd(coef[i]), _mm256_mul_pd(u, xm));
    __m256d t2 = _mm256_mul_pd(_mm256_mul_pd(u, u), u);
    __m256d ym = _mm256_div_pd(
        _mm256_mul_pd(u, _mm256_add_pd(t2, _mm256_mul_pd(_mm256_set1_pd(2.0), xm))),
        _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(2.0), t2), xm));
    static const double factor[5] = {1.0 / 1.5874010519681994748, 1.0 / 1.2599210498948731648,
                                     1.0, 1.2599210498948731648, 1.5874010519681994748};
    __m256d f = _mm256_set1_pd(factor[0]);
    for (int i = 1; i < 5; i++)
        f = _mm256_blendv_pd(f, _mm256_set1_pd(factor[i]),
                             _mm256_cmp_pd(r, _mm256_set1_pd(i - 2), _CMP_EQ_OQ));
    ym = _mm256_mul_pd(ym, f);
    __m128i e = _mm256_cvttpd_epi32(_mm256_add_pd(q, _mm256_set1_pd(1023)));
    __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_cvtepi32_epi64(e), 52));
    return _mm256_mul_pd(ym, scale);
}

/* Whether every lane of the three is a positive normal double (the others go to the
 * scalar code, as cube_root() sends them to cbrt()). */
AVX2 static int all_normal(const __m256d v[3])
{
    const __m256d lo = _mm256_set1_pd(0x1p-1022), hi = _mm256_set1_pd(0x1.fffffffffffffp1023);
    int all = 0xF;
    for (int j = 0; j < 3; j++) {
        __m256d in = _mm256_and_pd(_mm256_cmp_pd(v[j], lo, _CMP_GE_OQ),
                                   _mm256_cmp_pd(v[j], hi, _CMP_LE_OQ));
        all &= _mm256_movemask_pd(in);
    }
    return all == 0xF;
}

/* Four colours from rgb into lab; 0 if a lane needs the scalar code. */
AVX2 static int four(const uint32_t *rgb, const imgcolor__oklab_tables *t, double (*lab)[3])
{
    __m256d lin[3], lms[3], out[3];
    const double *l8 = t->linear8;
    for (int j = 0; j < 3; j++) {
        int shift = 16 - 8 * j;
        lin[j] = _mm256_setr_pd(l8[rgb[0] >> shift & 0xFF], l8[rgb[1] >> shift & 0xFF],
                                l8[rgb[2] >> shift & 0xFF], l8[rgb[3] >> shift & 0xFF]);
    }
    mul3_lanes(t->to_lms, lin, lms);
    if (!all_normal(lms))
        return 0;
    for (int j = 0; j < 3; j++)
        lms[j] = cube_root_lanes(lms[j]);
    mul3_lanes(t->to_oklab, lms, out);
    double o[3][4];
    for (int j = 0; j < 3; j++)
        _mm256_storeu_pd(o[j], out[j]);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            lab[i][j] = o[j][i];
    return 1;
}

AVX2 static size_t convert_avx2(const uint32_t *rgb, size_t n, const imgcolor__oklab_tables *t,
                                double (*lab)[3])
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        if (!four(rgb + i, t, lab + i))
            for (size_t j = i; j < i + 4; j++)
                imgcolor__rgb8_to_oklab(unpack(rgb[j]), lab[j]);
    return i;
}
#endif

void imgcolor__rgb8_to_oklab_n(const uint32_t *rgb, size_t n, double (*lab)[3])
{
    size_t i = 0;
#ifdef OKLAB_LANES
    if (__builtin_cpu_supports("avx2"))
        i = convert_avx2(rgb, n, imgcolor__oklab_tables_get(), lab);
#endif
    for (; i < n; i++)
        imgcolor__rgb8_to_oklab(unpack(rgb[i]), lab[i]);
}
