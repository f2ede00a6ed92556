/* Vectorisable loops for the elementwise losses (used by elementwise_losses.pyx): MSE, smooth L1, Huber, the two
 * binary cross-entropies, soft margin, hinge embedding and margin ranking. Each computes the loss of a block of
 * elements and its gradients in one pass.
 *
 * Why C: PyTorch runs these as fused, vectorised TensorIterator kernels; composed from NumPy ufuncs the same
 * loss takes five to ten passes over memory, and NumPy has no fast log1p(exp(.)). The loops here keep the loss
 * sum in MG_LANES double partial sums (combined in a fixed order, so the result does not depend on the ISA
 * clone or the thread count) and use the branch-free exp of simd_exp.h and the log below, so GCC and Clang
 * vectorise them; MG_CLONES compiles them for AVX-512, AVX2 and the baseline ISA.
 *
 * The functions are written once, in elementwise_rows_body.h, and instantiated for T = float (names ending in
 * _f32) and T = double (_f64).
 */
#ifndef MINIGRAD_ELEMENTWISE_ROWS_H
#define MINIGRAD_ELEMENTWISE_ROWS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "simd_exp.h"

/* Marks every loop function. GCC if-converts (and so vectorises) selects such as `x < 0 ? -x : x` only when it
 * may ignore floating-point exception flags, which nothing in minigrad reads; the results are the same bits
 * (unlike -ffast-math this changes no arithmetic). `#pragma GCC optimize` does not reach target_clones
 * functions (measured: the loops stayed scalar), so the attribute is given on each function. */
#if defined(__GNUC__) && !defined(__clang__)
#define MGE_KERNEL MG_CLONES MG_ROW __attribute__((optimize("no-trapping-math")))
#else
#define MGE_KERNEL MG_CLONES MG_ROW
#endif

/* log for float: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 + f^3 P(f) with f = m - 1
 * (Cephes logf's polynomial), ln2 split in two so e * ln2_hi is exact. About 1 ulp. Subnormals are scaled up
 * first; log(0) = -inf, log(inf) = inf, log(negative or nan) = nan. */
MG_INLINE float mge_logf(float x)
{
    int tiny = x < 1.17549435e-38f;
    float xs = tiny ? x * 8388608.0f : x;  /* 2^23 */
    uint32_t u = mg_f32_to_bits(xs);
    int32_t e = (int32_t)((u >> 23) & 0xff) - 127 - (tiny ? 23 : 0);
    float m = mg_bits_to_f32((u & 0x007fffffu) | 0x3f800000u);  /* in [1, 2) */
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    float fe = (float)(e + big);
    float f = m - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float r = p * f * z + fe * -2.12194440e-4f - 0.5f * z;
    r = (f + r) + fe * 0.693359375f;
    r = x == INFINITY ? x : r;
    r = x == 0.0f ? -INFINITY : r;
    return x < 0.0f || x != x ? NAN : r;
}

/* log for double: fdlibm's e_log.c algorithm (s = f / (2 + f), an even polynomial in s), below 1 ulp. */
MG_INLINE double mge_log(double x)
{
    int tiny = x < 2.2250738585072014e-308;
    double xs = tiny ? x * 18014398509481984.0 : x;  /* 2^54 */
    uint64_t u = mg_f64_to_bits(xs);
    int64_t e = (int64_t)((u >> 52) & 0x7ff) - 1023 - (tiny ? 54 : 0);
    double m = mg_bits_to_f64((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  /* in [1, 2) */
    int big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    double k = (double)(e + big);
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s, w = z * z;
    double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    double t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01
                                                                                  + w * 1.479819860511658591e-01)));
    double hfsq = 0.5 * f * f;
    double r = k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + t1 + t2) + k * 1.90821492927058770002e-10))
                                                  - f);
    r = x == INFINITY ? x : r;
    r = x == 0.0 ? -INFINITY : r;
    return x < 0.0 || x != x ? NAN : r;
}

/* log1p(a) = log(u) * a / (u - 1) with u = 1 + a rounded (Goldberg's correction for the rounding of u), and a
 * itself where u == 1. For a in [-1, 1]. */
MG_INLINE float mge_log1pf(float a)
{
    float u = 1.0f + a;
    float d = u - 1.0f;
    return d == 0.0f ? a : mge_logf(u) * (a / (d == 0.0f ? 1.0f : d));
}

MG_INLINE double mge_log1p(double a)
{
    double u = 1.0 + a;
    double d = u - 1.0;
    return d == 0.0 ? a : mge_log(u) * (a / (d == 0.0 ? 1.0 : d));
}

/* log1p(a) for a in [0, 1] (the softplus term log1p(exp(-|x|))): with s = a / (2 + a) <= 1/3,
 * log1p(a) = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), truncated where the next term is below half an ulp.
 * Cheaper than the general log (no exponent split, no special cases) and as accurate for tiny a. */
MG_INLINE float mge_log1p_unitf(float a)
{
    float s = a / (2.0f + a);
    float z = s * s;
    float p = 1.0f / 13.0f;
    p = p * z + 1.0f / 11.0f;
    p = p * z + 1.0f / 9.0f;
    p = p * z + 1.0f / 7.0f;
    p = p * z + 1.0f / 5.0f;
    p = p * z + 1.0f / 3.0f;
    return 2.0f * s + 2.0f * s * z * p;
}

MG_INLINE double mge_log1p_unit(double a)
{
    double s = a / (2.0 + a);
    double z = s * s;
    double p = 1.0 / 31.0;
    for (int k = 29; k >= 3; k -= 2)  /* unrolled by the compiler: constant trip count */
        p = p * z + 1.0 / k;
    return 2.0 * s + 2.0 * s * z * p;
}

#define MGE_CAT_(a, b) a##b
#define MGE_CAT(a, b) MGE_CAT_(a, b)
#define FN(name) MGE_CAT(name, MGE_SUFFIX)

#define T float
#define MGE_SUFFIX _f32
#define EXP mg_expf
#define LOG mge_logf
#define LOG1P mge_log1pf
#define LOG1P_UNIT mge_log1p_unitf
#include "elementwise_rows_body.h"
#undef T
#undef MGE_SUFFIX
#undef EXP
#undef LOG
#undef LOG1P
#undef LOG1P_UNIT

#define T double
#define MGE_SUFFIX _f64
#define EXP mg_exp
#define LOG mge_log
#define LOG1P mge_log1p
#define LOG1P_UNIT mge_log1p_unit
#include "elementwise_rows_body.h"
#undef T
#undef MGE_SUFFIX
#undef EXP
#undef LOG
#undef LOG1P
#undef LOG1P_UNIT

#undef FN

#endif /* MINIGRAD_ELEMENTWISE_ROWS_H */
