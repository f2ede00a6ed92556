/* Vectorised row primitives for softmax-style kernels: max, exp(x - shift) with its sum, and the small
 * elementwise passes around them.
 *
 * Why this header exists: with scalar expf a softmax / cross-entropy kernel is bound by the exp
 * (~3.5 ns per element). glibc's vector exp (libmvec) is only declared under -ffast-math and needs an
 * extra link library, so instead exp is written here as plain branch-free C (range reduction
 * x = n*ln2 + r, a polynomial for exp(r), 2^n built from the exponent bits) that GCC and Clang
 * auto-vectorise. Each row function is compiled for x86-64-v4 (AVX-512), x86-64-v3 (AVX2+FMA) and
 * the baseline ISA, and the best one for the running CPU is picked once at load time (GCC's
 * target_clones, an ELF ifunc), so a wheel built without -march=native still uses the wide vectors.
 *
 * On CPUs with AVX-512 the exp pass uses a hand-written loop instead (see mg_exp_shift_sum_avx512_f32).
 *
 * Numerics: about 1 ulp against a correctly rounded exp; exp(-inf) = 0, exp(+inf) = inf, exp(nan) = nan,
 * results in the subnormal range are computed (not flushed). Sums are accumulated in double in
 * independent lanes combined in a fixed order; results depend on the CPU's ISA only in the last bits,
 * never on the number of threads.
 */
#ifndef MINIGRAD_SIMD_EXP_H
#define MINIGRAD_SIMD_EXP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(MG_CLONES)
/* defined by the includer (e.g. empty, to time one ISA with -march=...) */
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 12
#define MG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 8
#define MG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MG_CLONES
#endif

#if defined(_MSC_VER) && !defined(__cplusplus)
#define restrict __restrict
#endif

#if defined(__GNUC__)
#define MG_INLINE static inline __attribute__((always_inline))
#define MG_ROW static __attribute__((unused)) /* a kernel uses only some of the row functions */
#else
#define MG_INLINE static inline
#define MG_ROW static
#endif

/* The clamps and nan checks in the exp are plain comparisons; GCC only turns them into vector blends
 * (instead of branches that stop vectorisation on AVX2 and SSE) when it may ignore floating-point
 * exception flags, which nothing in minigrad reads. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
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

/* Keys that order like the floats they come from: flipping the magnitude bits of negative numbers
 * turns sign-magnitude into two's complement order (-inf < -1 < -0 < 0 < 1 < inf; a nan with the sign
 * bit clear sorts above inf, one with it set below -inf). Applying the same flip again undoes it. */
MG_INLINE int32_t mg_key_f32(float f)
{
    int32_t b = (int32_t)mg_f32_to_bits(f);
    return b ^ (int32_t)((uint32_t)(b >> 31) >> 1);
}
MG_INLINE float mg_unkey_f32(int32_t k) { return mg_bits_to_f32((uint32_t)(k ^ (int32_t)((uint32_t)(k >> 31) >> 1))); }
MG_INLINE int64_t mg_key_f64(double f)
{
    int64_t b = (int64_t)mg_f64_to_bits(f);
    return b ^ (int64_t)((uint64_t)(b >> 63) >> 1);
}
MG_INLINE double mg_unkey_f64(int64_t k) { return mg_bits_to_f64((uint64_t)(k ^ (int64_t)((uint64_t)(k >> 63) >> 1))); }

MG_INLINE double mg_sum_lanes(const double *acc)
{
    double s = 0.0;
    for (int j = 0; j < MG_LANES; j++) s += acc[j];
    return s;
}

/* The row functions, written once and instantiated for float (suffix f32) and double (f64).
 *
 * mg_max:             max of x[0:n], -inf when n == 0. A nan may or may not be returned (it depends
 *                     on its sign bit); either way it reaches every softmax result of its row through
 *                     the sum of exponentials. max(-0.0, 0.0) is 0.0.
 * mg_exp_shift_sum:   out[i] = exp(x[i] - shift); returns sum(out) in double.
 * mg_sub2:            out[i] = (x[i] - a) - b: log-softmax as (x - max) - log(sum), which keeps the
 *                     small differences exact where x - (max + log(sum)) would round at |x|'s scale.
 * mg_scale:           x[i] *= a.
 * mg_axpb:            g[i] = a * g[i] - b * w[i]  (w == NULL means w[i] = 1).
 * mg_dot:             sum(w * x) in double (w == NULL means w[i] = 1).
 * Output rows never overlap input rows (restrict).
 */
#define MG_DEFINE_ROW_FUNCS(T, IT, SUF, EXP)                                                          \
MG_CLONES MG_ROW T mg_max_##SUF(const T *x, ptrdiff_t n)                                          \
{                                                                                                 \
    /* An integer max over order-preserving keys: compilers vectorise integer max reductions, but \
     * not floating-point ones (their nan and signed-zero rules forbid reordering). */             \
    IT m = mg_key_##SUF(-INFINITY);                                                               \
    for (ptrdiff_t i = 0; i < n; i++) {                                                           \
        IT k = mg_key_##SUF(x[i]);                                                                \
        m = k > m ? k : m;                                                                        \
    }                                                                                             \
    return mg_unkey_##SUF(m);                                                                     \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW double mg_exp_shift_sum_generic_##SUF(const T *restrict x, T shift, T *restrict out, \
                                                       ptrdiff_t n)                               \
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
MG_CLONES MG_ROW double mg_dot_##SUF(const T *restrict w, const T *restrict x, ptrdiff_t n)      \
{                                                                                                 \
    double acc[MG_LANES] = {0}, tail = 0.0;                                                       \
    ptrdiff_t i = 0;                                                                              \
    if (w == NULL) {                                                                              \
        for (; i + MG_LANES <= n; i += MG_LANES)                                                  \
            for (int j = 0; j < MG_LANES; j++) acc[j] += (double)x[i + j];                        \
        for (; i < n; i++) tail += (double)x[i];                                                  \
    } else {                                                                                      \
        for (; i + MG_LANES <= n; i += MG_LANES)                                                  \
            for (int j = 0; j < MG_LANES; j++) acc[j] += (double)w[i + j] * (double)x[i + j];     \
        for (; i < n; i++) tail += (double)w[i] * (double)x[i];                                   \
    }                                                                                             \
    return mg_sum_lanes(acc) + tail;                                                              \
}

MG_DEFINE_ROW_FUNCS(float, int32_t, f32, mg_expf)
MG_DEFINE_ROW_FUNCS(double, int64_t, f64, mg_exp)

/* Column functions: a softmax down the class axis of a (C, D) block, vectorised along the D positions
 * (the layout of (N, C, d1, ..., dK) inputs, where moving the class axis last would cost a transposing
 * copy and rows of C values too short to vectorise). Called once per class row of a block of positions.
 *
 * mg_col_max:         m[i] = max(m[i], x[i])  (a nan in x is skipped; it reaches the sum below).
 * mg_col_exp_acc:     out[i] = exp(x[i] - m[i]); acc[i] += out[i] in double.
 * mg_col_dot_acc:     acc[i] += w * x[i] in double.
 * mg_col_scale_sub:   g[i] = a[i] * g[i] - w * b[i].
 */
#define MG_DEFINE_COLUMN_FUNCS(T, SUF, EXP)                                                       \
MG_CLONES MG_ROW void mg_col_max_##SUF(T *restrict m, const T *restrict x, ptrdiff_t n)           \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) m[i] = x[i] > m[i] ? x[i] : m[i];                           \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_col_exp_acc_##SUF(const T *restrict x, const T *restrict m, T *restrict out,\
                                           double *restrict acc, ptrdiff_t n)                     \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) {                                                           \
        T e = EXP(x[i] - m[i]);                                                                   \
        out[i] = e;                                                                               \
        acc[i] += (double)e;                                                                      \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_col_dot_acc_##SUF(double *restrict acc, double w, const T *restrict x,   \
                                           ptrdiff_t n)                                           \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) acc[i] += w * (double)x[i];                                 \
}                                                                                                 \
                                                                                                  \
MG_CLONES MG_ROW void mg_col_scale_sub_##SUF(T *restrict g, const T *restrict a, T w,             \
                                             const T *restrict b, ptrdiff_t n)                    \
{                                                                                                 \
    for (ptrdiff_t i = 0; i < n; i++) g[i] = a[i] * g[i] - w * b[i];                              \
}

MG_DEFINE_COLUMN_FUNCS(float, f32, mg_expf)
MG_DEFINE_COLUMN_FUNCS(double, f64, mg_exp)

/* The exp pass is the hot loop of every softmax-style kernel, and AVX-512 has two instructions that
 * shorten it a lot: vscalefps multiplies by 2^n with correct overflow, subnormal and nan handling (the
 * generic code needs ten integer and float operations for that), and masked loads and stores run a
 * row's tail, or a whole short row, as one vector step. The same formulas as mg_expf / mg_exp, written
 * with intrinsics because compilers do not generate vscalef from C; about 2x faster than the
 * auto-vectorised AVX-512 clone. */
#if defined(__x86_64__) && ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8) || \
                            (defined(__clang__) && __clang_major__ >= 8))
#define MG_AVX512_EXP 1
#include <immintrin.h>

#define MG_AVX512 __attribute__((target("avx512f")))

/* exp of 16 floats, as mg_expf; min/max return their second operand when either is nan, so a nan
 * passes the clamps and the result is nan */
MG_AVX512 static inline __m512 mg_exp_avx512_ps(__m512 v)
{
    v = _mm512_min_ps(_mm512_set1_ps(88.8f), _mm512_max_ps(_mm512_set1_ps(-104.0f), v));
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), v);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, k);
}

/* exp of 8 doubles, as mg_exp */
MG_AVX512 static inline __m512d mg_exp_avx512_pd(__m512d v)
{
    static const double taylor[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
                                    1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0,
                                    1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5};
    v = _mm512_min_pd(_mm512_set1_pd(709.8), _mm512_max_pd(_mm512_set1_pd(-746.0), v));
    __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(v, _mm512_set1_pd(1.4426950408889634074)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(6.93147180369123816490e-01), v);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.90821492927058770002e-10), r);
    __m512d p = _mm512_set1_pd(taylor[0]);
    for (int j = 1; j < 12; j++)
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(taylor[j]));
    p = _mm512_fmadd_pd(_mm512_mul_pd(p, r), r, _mm512_add_pd(r, _mm512_set1_pd(1.0)));
    return _mm512_scalef_pd(p, k);
}

/* The 16 floats of e added to 16 double lanes. */
MG_AVX512 static inline void mg_accumulate_ps(__m512 e, __m512d *lo, __m512d *hi)
{
    *lo = _mm512_add_pd(*lo, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    *hi = _mm512_add_pd(*hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
}

MG_AVX512 MG_ROW double
mg_exp_shift_sum_avx512_f32(const float *restrict x, float shift, float *restrict out, ptrdiff_t n)
{
    const __m512 vshift = _mm512_set1_ps(shift);
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    ptrdiff_t i = 0;
    /* Two vectors per step, added in float before going to double: converting every vector to double
     * costs a third of the loop, and one float addition of two terms in [0, 1] loses no more than the
     * exp's own last-bit error. */
    for (; i + 32 <= n; i += 32) {
        __m512 e0 = mg_exp_avx512_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vshift));
        __m512 e1 = mg_exp_avx512_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vshift));
        _mm512_storeu_ps(out + i, e0);
        _mm512_storeu_ps(out + i + 16, e1);
        mg_accumulate_ps(_mm512_add_ps(e0, e1), &lo, &hi);
    }
    for (; i < n; i += 16) {   /* the rest in masked steps: dead lanes load nothing and add 0 */
        __mmask16 live = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(live, mg_exp_avx512_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(live, x + i),
                                                                              vshift)));
        _mm512_mask_storeu_ps(out + i, live, e);
        mg_accumulate_ps(e, &lo, &hi);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}

MG_AVX512 MG_ROW double
mg_exp_shift_sum_avx512_f64(const double *restrict x, double shift, double *restrict out, ptrdiff_t n)
{
    const __m512d vshift = _mm512_set1_pd(shift);
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();   /* even and odd steps */
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d e0 = mg_exp_avx512_pd(_mm512_sub_pd(_mm512_loadu_pd(x + i), vshift));
        __m512d e1 = mg_exp_avx512_pd(_mm512_sub_pd(_mm512_loadu_pd(x + i + 8), vshift));
        _mm512_storeu_pd(out + i, e0);
        _mm512_storeu_pd(out + i + 8, e1);
        lo = _mm512_add_pd(lo, e0);
        hi = _mm512_add_pd(hi, e1);
    }
    for (; i < n; i += 8) {
        __mmask8 live = n - i >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (n - i)) - 1);
        __m512d e = _mm512_maskz_mov_pd(live, mg_exp_avx512_pd(_mm512_sub_pd(_mm512_maskz_loadu_pd(live, x + i),
                                                                              vshift)));
        _mm512_mask_storeu_pd(out + i, live, e);
        lo = _mm512_add_pd(lo, e);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}
#endif

/* mg_exp_shift_sum: the AVX-512 loop where the CPU has it, else the best auto-vectorised clone. */
#define MG_DEFINE_EXP_SHIFT_SUM(T, SUF)                                                           \
MG_ROW double mg_exp_shift_sum_##SUF(const T *restrict x, T shift, T *restrict out, ptrdiff_t n)  \
{                                                                                                 \
    MG_IF_AVX512(return mg_exp_shift_sum_avx512_##SUF(x, shift, out, n));                         \
    return mg_exp_shift_sum_generic_##SUF(x, shift, out, n);                                      \
}
#ifdef MG_AVX512_EXP
#define MG_IF_AVX512(statement) if (__builtin_cpu_supports("avx512f")) statement
#else
#define MG_IF_AVX512(statement)
#endif
MG_DEFINE_EXP_SHIFT_SUM(float, f32)
MG_DEFINE_EXP_SHIFT_SUM(double, f64)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif /* MINIGRAD_SIMD_EXP_H */
