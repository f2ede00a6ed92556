/* Vectorised row primitives for softmax-style kernels: max, exp(x - shift) with its sum, and the small
 * elementwise passes around them.
 *
 * Why this header exists: with scalar expf a softmax / cross-entropy kernel is bound by the exp
 * (~3.5 ns per element). glibc's vector exp (libmvec) is only declared under -ffast-math and needs an
 * extra link library, so instead exp is written here as plain branch-free C (range reduction
 * x = n*ln2 + r, a polynomial for exp(r), 2^n built from the exponent bits) that GCC and Clang
 * auto-vectorise. Each row function is compiled for AVX-512, AVX2+FMA and the baseline ISA, and the
 * best one for the running CPU is picked once at load time (GCC's target_clones, an ELF ifunc), so a
 * wheel built without -march=native still uses the wide vectors.
 *
 * Numerics: about 1 ulp against a correctly rounded exp; exp(-inf) = 0, exp(+inf) = inf, exp(nan) = nan,
 * results in the subnormal range are computed (not flushed). Sums are accumulated in double, in
 * MG_LANES independent lanes combined in a fixed order, so every ISA variant returns the same bits
 * for a given summation (the polynomial may differ in the last ulp where FMA is used).
 */
#ifndef MINIGRAD_SIMD_EXP_H
#define MINIGRAD_SIMD_EXP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 8
#define MG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MG_CLONES
#endif

#if defined(__GNUC__)
#define MG_INLINE static inline __attribute__((always_inline))
#define MG_ROW static __attribute__((unused)) /* a kernel uses only some of the row functions */
#else
#define MG_INLINE static inline
#define MG_ROW static
#endif

/* Independent accumulators per row reduction: wide enough for one AVX-512 register of floats. */
#define MG_LANES 16

MG_INLINE float mg_bits_to_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
MG_INLINE uint32_t mg_f32_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
MG_INLINE double mg_bits_to_f64(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }
MG_INLINE uint64_t mg_f64_to_bits(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }

/* exp for float, Cephes expf's polynomial on |r| <= ln2/2. */
MG_INLINE float mg_expf(float x)
{
    /* Clamp first (a nan becomes the low bound here and is restored at the end) so the integer
     * conversions below never see nan or huge values. Below -104 the result rounds to 0, above
     * 88.8 it overflows to inf. */
    float xc = x > -104.0f ? x : -104.0f;
    xc = xc < 88.8f ? xc : 88.8f;
    /* n = round(x / ln2) by the 1.5*2^23 trick: adding the magic constant rounds to an integer that
     * also sits, as two's complement, in the low mantissa bits. Works on every SSE level. */
    const float magic = 12582912.0f;
    float t = xc * 1.44269504088896341f + magic;
    float n = t - magic;
    int32_t ni = (int32_t)(mg_f32_to_bits(t) - mg_f32_to_bits(magic));
    float r = xc - n * 0.693359375f;          /* ln2 split in two so n*hi is exact */
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^n as two factors 2^n1 * 2^n2 (n in [-150, 128]) so subnormal and overflowing results come out
     * right with a single final rounding. Offsetting by 256 keeps the halving a logical shift, which
     * every vector ISA has. */
    uint32_t biased = (uint32_t)(ni + 256);
    int32_t n1 = (int32_t)(biased >> 1) - 128;
    int32_t n2 = ni - n1;
    float s1 = mg_bits_to_f32((uint32_t)(n1 + 127) << 23);
    float s2 = mg_bits_to_f32((uint32_t)(n2 + 127) << 23);
    float y = p * s1 * s2;
    return x == x ? y : x;
}

/* exp for double: degree-13 Taylor polynomial on |r| <= ln2/2 (truncation error < 1e-17 relative). */
MG_INLINE double mg_exp(double x)
{
    double xc = x > -746.0 ? x : -746.0;
    xc = xc < 709.8 ? xc : 709.8;
    const double magic = 6755399441055744.0; /* 1.5 * 2^52 */
    double t = xc * 1.4426950408889634074 + magic;
    double n = t - magic;
    int64_t ni = (int64_t)(mg_f64_to_bits(t) - mg_f64_to_bits(magic));
    double r = xc - n * 6.93147180369123816490e-01;   /* fdlibm's ln2_hi / ln2_lo */
    r = r - n * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r + 1.0;
    uint64_t biased = (uint64_t)(ni + 2048);
    int64_t n1 = (int64_t)(biased >> 1) - 1024;
    int64_t n2 = ni - n1;
    double s1 = mg_bits_to_f64((uint64_t)(n1 + 1023) << 52);
    double s2 = mg_bits_to_f64((uint64_t)(n2 + 1023) << 52);
    double y = p * s1 * s2;
    return x == x ? y : x;
}

MG_INLINE double mg_sum_lanes(const double *acc)
{
    double s = 0.0;
    for (int j = 0; j < MG_LANES; j++) s += acc[j];
    return s;
}

/* The row functions, written once and instantiated for float (suffix f32) and double (f64).
 *
 * mg_max:             max of the non-nan entries of x[0:n]; -inf when there are none. (A nan still
 *                     reaches every softmax result through the sum of exponentials.)
 * mg_exp_shift_sum:   out[i] = exp(x[i] - shift); returns sum(out) in double.
 * mg_sub2:            out[i] = (x[i] - a) - b: log-softmax as (x - max) - log(sum), which keeps the
 *                     small differences exact where x - (max + log(sum)) would round at |x|'s scale.
 * mg_scale:           x[i] *= a.
 * mg_axpb:            g[i] = a * g[i] - b * w[i]  (w == NULL means w[i] = 1).
 * mg_sum / mg_dot:    sum(x) and sum(a * b) in double.
 * Output rows never overlap input rows (restrict).
 */
#define MG_DEFINE_ROW_FUNCS(T, SUF, EXP)                                                          \
MG_CLONES MG_ROW T mg_max_##SUF(const T *x, ptrdiff_t n)                                          \
{                                                                                                 \
    T acc[MG_LANES];                                                                              \
    for (int j = 0; j < MG_LANES; j++) acc[j] = -INFINITY;                                        \
    ptrdiff_t i = 0;                                                                              \
    for (; i + MG_LANES <= n; i += MG_LANES)                                                      \
        for (int j = 0; j < MG_LANES; j++) {                                                      \
            T v = x[i + j];                                                                       \
            acc[j] = v > acc[j] ? v : acc[j];                                                     \
        }                                                                                         \
    for (; i < n; i++) {                                                                          \
        T v = x[i];                                                                               \
        acc[0] = v > acc[0] ? v : acc[0];                                                         \
    }                                                                                             \
    T m = acc[0];                                                                                 \
    for (int j = 1; j < MG_LANES; j++) m = acc[j] > m ? acc[j] : m;                              \
    return m;                                                                                     \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW double mg_exp_shift_sum_##SUF(const T *restrict x, T shift, T *restrict out,      \
                                               ptrdiff_t n)                                       \
{                                                                                                 \
    double acc[MG_LANES] = {0};                                                                   \
    ptrdiff_t i = 0;                                                                              \
    for (; i + MG_LANES <= n; i += MG_LANES)                                                      \
        for (int j = 0; j < MG_LANES; j++) {                                                      \
            T e = EXP(x[i + j] - shift);                                                          \
            out[i + j] = e;                                                                       \
            acc[j] += (double)e;                                                                  \
        }                                                                                         \
    double tail = 0.0;                                                                            \
    for (; i < n; i++) {                                                                          \
        T e = EXP(x[i] - shift);                                                                  \
        out[i] = e;                                                                               \
        tail += (double)e;                                                                        \
    }                                                                                             \
    return mg_sum_lanes(acc) + tail;                                                              \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_sub2_##SUF(const T *restrict x, T a, T b, T *restrict out, ptrdiff_t n)  \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) out[i] = (x[i] - a) - b;                                    \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_scale_##SUF(T *restrict x, T a, ptrdiff_t n)                             \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) x[i] *= a;                                                  \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_axpb_##SUF(T *restrict g, const T *restrict w, T a, T b, ptrdiff_t n)    \
{                                                                                                 \
    if (w == NULL)                                                                                \
        for (ptrdiff_t i = 0; i < n; i++) g[i] = a * g[i] - b;                                    \
    else                                                                                          \
        for (ptrdiff_t i = 0; i < n; i++) g[i] = a * g[i] - b * w[i];                             \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW double mg_sum_##SUF(const T *x, ptrdiff_t n)                                     \
{                                                                                                 \
    double acc[MG_LANES] = {0};                                                                   \
    ptrdiff_t i = 0;                                                                              \
    for (; i + MG_LANES <= n; i += MG_LANES)                                                      \
        for (int j = 0; j < MG_LANES; j++) acc[j] += (double)x[i + j];                            \
    double tail = 0.0;                                                                            \
    for (; i < n; i++) tail += (double)x[i];                                                      \
    return mg_sum_lanes(acc) + tail;                                                              \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW double mg_dot_##SUF(const T *a, const T *b, ptrdiff_t n)                         \
{                                                                                                 \
    double acc[MG_LANES] = {0};                                                                   \
    ptrdiff_t i = 0;                                                                              \
    for (; i + MG_LANES <= n; i += MG_LANES)                                                      \
        for (int j = 0; j < MG_LANES; j++) acc[j] += (double)a[i + j] * (double)b[i + j];         \
    double tail = 0.0;                                                                            \
    for (; i < n; i++) tail += (double)a[i] * (double)b[i];                                       \
    return mg_sum_lanes(acc) + tail;                                                              \
}

MG_DEFINE_ROW_FUNCS(float, f32, mg_expf)
MG_DEFINE_ROW_FUNCS(double, f64, mg_exp)

#endif /* MINIGRAD_SIMD_EXP_H */
