/* Vectorisable loops for torch's tanh GELU and for ReLU (used by activation.pyx), forward and backward in one pass
 * each.
 *
 * Why C: a transformer's MLP applies GELU to its widest activation, (B, T, 4C). Written with NumPy ufuncs the
 * forward takes seven passes over that array and the backward ten; here each is one pass, with the branch-free
 * exp of simd_exp.h so GCC and Clang vectorise the loop, compiled for AVX-512, AVX2 and the baseline ISA
 * (MG_CLONES).
 *
 * With u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u), torch's formula is y = x (1 + t) / 2. Since
 * (1 + t) / 2 = sigmoid(2u), the loop computes s = 1 / (1 + exp(-2u)) and y = x s: no cancellation near t = -1,
 * and exp(-2u) = inf (x very negative) gives s = 0 exactly. The backward reads the saved s:
 * dy/dx = (1 + t)/2 + x/2 (1 - t^2) u' = s + 2 x s (1 - s) u', with u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
 */
#ifndef MINIGRAD_ACTIVATION_ROWS_H
#define MINIGRAD_ACTIVATION_ROWS_H

#include <stddef.h>

#include "simd_exp.h"

/* As in elementwise_rows.h: no-trapping-math lets GCC if-convert the exp's clamps, so the loops vectorise. */
#if defined(__GNUC__) && !defined(__clang__)
#define MGA_KERNEL MG_CLONES MG_ROW __attribute__((optimize("no-trapping-math")))
#else
#define MGA_KERNEL MG_CLONES MG_ROW
#endif

#define MGA_SQRT_2_OVER_PI 0.7978845608028654
#define MGA_CUBIC 0.035677408136300125 /* 0.044715 * sqrt(2 / pi) */

/* y[i] = gelu_tanh(x[i]); s[i] = sigmoid(2 u(x[i])), kept for the backward. */
#define MGA_DEFINE(T, SUF, EXP)                                                                     \
MGA_KERNEL void mga_gelu_tanh_##SUF(const T *restrict x, T *restrict y, T *restrict s, ptrdiff_t n) \
{                                                                                                   \
    for (ptrdiff_t i = 0; i < n; i++) {                                                             \
        T v = x[i];                                                                                 \
        T minus_2u = v * ((T)(-2 * MGA_SQRT_2_OVER_PI) + (T)(-2 * MGA_CUBIC) * v * v);              \
        T sig = (T)1 / ((T)1 + EXP(minus_2u));                                                      \
        s[i] = sig;                                                                                 \
        y[i] = v * sig;                                                                             \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
/* dx[i] = g[i] * (s + 2 x s (1 - s) u'), from the forward's s. */                                  \
MGA_KERNEL void mga_gelu_tanh_backward_##SUF(const T *restrict g, const T *restrict x,              \
                                             const T *restrict s, T *restrict dx, ptrdiff_t n)      \
{                                                                                                   \
    for (ptrdiff_t i = 0; i < n; i++) {                                                             \
        T v = x[i], sig = s[i];                                                                     \
        T du = (T)MGA_SQRT_2_OVER_PI + (T)(3 * MGA_CUBIC) * v * v;                                  \
        dx[i] = g[i] * (sig + (T)2 * v * sig * ((T)1 - sig) * du);                                  \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
/* ReLU as torch computes it: y = x except 0 where x < 0 (-0.0 and NaN pass through), and the mask \
 * its backward reads, torch's threshold_backward on the output: 1 unless x <= 0 (a NaN passes its   \
 * gradient). The backward selects (an inf or NaN gradient where x <= 0 gives 0, as in torch). */   \
MGA_KERNEL void mga_relu_##SUF(const T *restrict x, T *restrict y, unsigned char *restrict mask,   \
                               ptrdiff_t n)                                                         \
{                                                                                                   \
    for (ptrdiff_t i = 0; i < n; i++) {                                                             \
        T v = x[i];                                                                                 \
        y[i] = v < (T)0 ? (T)0 : v;                                                                 \
        mask[i] = !(v <= (T)0);                                                                     \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
MGA_KERNEL void mga_relu_backward_##SUF(const T *restrict g, const unsigned char *restrict mask,    \
                                        T *restrict dx, ptrdiff_t n)                                \
{                                                                                                   \
    for (ptrdiff_t i = 0; i < n; i++) dx[i] = mask[i] ? g[i] : (T)0;                                \
}

MGA_DEFINE(float, f32, mg_expf)
MGA_DEFINE(double, f64, mg_exp)

#endif /* MINIGRAD_ACTIVATION_ROWS_H */
