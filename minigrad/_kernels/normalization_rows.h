/* Vectorisable loops of the normalisation kernels (used by normalization.pyx): the per-plane sums of batch norm
 * and the per-row passes of layer norm.
 *
 * Why C: written in Cython the same loops compile for the baseline ISA only (SSE2: two doubles per register),
 * and the sums, accumulated in double from float data, ran at a fraction of memory speed (a 4096x512 layer norm
 * backward took 2.5x torch's). Here MG_CLONES compiles each loop for AVX-512, AVX2 and the baseline, and the
 * sums are vectorised (see MGN_SIMD_SUMS).
 *
 * mgn_shifted_sums:  Σ (x - shift) and Σ (x - shift)², in double.
 * mgn_grad_sums:     Σ g and Σ g·(x - shift), in double (w == NULL) or Σ g·w and Σ g·w·(x - shift).
 * mgn_grad_sums_scale: Σ g and Σ g·(x - shift), and out = a·g in the same pass (batch norm with fixed statistics,
 *                    whose input gradient does not depend on the sums).
 * mgn_affine:        y = x·a + b.
 * mgn_axpbypc:       out = a·g·w + b·x + c (w == NULL means w = 1): the gradient of a standardisation.
 * mgn_scale_shift:   out = (x - shift)·scale·w + b: a layer-norm row.
 * mgn_row_backward_sums: the layer-norm backward's pass over a row: sum_gx[d] += g·(x - shift)·scale and
 *                    sum_g[d] += g (double accumulators of length n, the parameter gradients), and the row's
 *                    Σ g·w and Σ g·w·(x - shift) (in double).
 * Output arrays never overlap input arrays (restrict).
 */
#ifndef MINIGRAD_NORMALIZATION_ROWS_H
#define MINIGRAD_NORMALIZATION_ROWS_H

#include <stddef.h>

#include "simd_exp.h"

/* The sums are OpenMP SIMD reductions: the pragma lets the compiler keep one partial sum per vector lane (GCC
 * does not turn MG_LANES-array accumulators holding a product into vector code: measured, they stayed scalar).
 * So a sum's rounding depends on the vector width of the clone that runs (in the last bits of a double), never on
 * the thread count. Without OpenMP the pragma is ignored and the loop is a plain, scalar sum. */
#define MGN_PRAGMA(text) _Pragma(#text)
#define MGN_SIMD_SUMS(a, b) MGN_PRAGMA(omp simd reduction(+ : a, b))

/* The row sums run over the two halves of the row at once, each half with its own partial sums: one sum's
 * additions form dependency chains as long as the row (4 cycles an addition), which held the layer-norm rows
 * below the FP units' throughput (a 4096x512 float forward took 1.06 ms, now 0.9; torch's: 0.86); two halves
 * double the independent chains. (Four quarters measured no faster: their partial sums cost more to add up.)
 * MGN_HALVES(n, BODY) calls BODY(a, b, i) for every element i with the partial sums (a, b) of i's half
 * (a0, b0 or a1, b1, which the caller declares and adds up), an odd last element going to (a0, b0). */
#define MGN_HALVES(n, BODY)                                                                                    \
    do {                                                                                                       \
        ptrdiff_t half_ = (n) / 2;                                                                             \
        MGN_PRAGMA(omp simd reduction(+ : a0, a1, b0, b1))                                                     \
        for (ptrdiff_t i = 0; i < half_; i++) {                                                                \
            BODY(a0, b0, i) BODY(a1, b1, i + half_)                                                            \
        }                                                                                                      \
        if ((n) % 2) {                                                                                         \
            ptrdiff_t i = (n) - 1;                                                                             \
            BODY(a0, b0, i)                                                                                    \
        }                                                                                                      \
    } while (0)

#define MGN_SHIFTED(a, b, i) { double d = (double)x[i] - shift; a += d; b += d * d; }
#define MGN_GRAD_W(a, b, i) { double gw = (double)(g[i] * w[i]); a += gw; b += gw * ((double)x[i] - shift); }
#define MGN_GRAD(a, b, i) { a += (double)g[i]; b += (double)g[i] * ((double)x[i] - shift); }
/* the layer-norm backward's one pass over a row: the parameter gradients' per-column sums and the row's sums */
#define MGN_ROW_BACKWARD(a, b, i)                                                                              \
    {                                                                                                          \
        double gd = (double)g[i], xc = (double)x[i] - shift, gw = (double)(g[i] * w[i]);                       \
        sum_gx[i] += gd * (xc * scale);                                                                        \
        sum_g[i] += gd;                                                                                        \
        a += gw;                                                                                               \
        b += gw * xc;                                                                                          \
    }

#define MGN_DEFINE(T, SUF)                                                                                     \
MG_CLONES MG_ROW void mgn_shifted_sums_##SUF(const T *restrict x, ptrdiff_t n, double shift, double *total,    \
                                             double *squares)                                                  \
{                                                                                                              \
    double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;                                                             \
    MGN_HALVES(n, MGN_SHIFTED);                                                                                \
    *total = a0 + a1;                                                                                          \
    *squares = b0 + b1;                                                                                        \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_grad_sums_##SUF(const T *restrict g, const T *restrict w, const T *restrict x,       \
                                          ptrdiff_t n, double shift, double *total_g, double *total_gx)        \
{                                                                                                              \
    double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;                                                             \
    if (w)                                                                                                     \
        MGN_HALVES(n, MGN_GRAD_W);                                                                             \
    else                                                                                                       \
        MGN_HALVES(n, MGN_GRAD);                                                                               \
    *total_g = a0 + a1;                                                                                        \
    *total_gx = b0 + b1;                                                                                       \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_row_backward_sums_##SUF(const T *restrict g, const T *restrict w,                    \
                                                  const T *restrict x, ptrdiff_t n, double shift,              \
                                                  double scale, double *restrict sum_gx,                       \
                                                  double *restrict sum_g, double *total_g, double *total_gx)   \
{                                                                                                              \
    double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;                                                             \
    MGN_HALVES(n, MGN_ROW_BACKWARD);                                                                           \
    *total_g = a0 + a1;                                                                                        \
    *total_gx = b0 + b1;                                                                                       \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_grad_sums_scale_##SUF(const T *restrict g, const T *restrict x, ptrdiff_t n,         \
                                                double shift, T a, T *restrict out, double *total_g,           \
                                                double *total_gx)                                              \
{                                                                                                              \
    double s = 0.0, t = 0.0;                                                                                   \
    MGN_SIMD_SUMS(s, t)                                                                                        \
    for (ptrdiff_t i = 0; i < n; i++) {                                                                        \
        s += (double)g[i];                                                                                     \
        t += (double)g[i] * ((double)x[i] - shift);                                                            \
        out[i] = a * g[i];                                                                                     \
    }                                                                                                          \
    *total_g = s;                                                                                              \
    *total_gx = t;                                                                                             \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_affine_##SUF(const T *restrict x, T a, T b, T *restrict y, ptrdiff_t n)              \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * a + b;                                                     \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_axpbypc_##SUF(const T *restrict g, const T *restrict w, const T *restrict x, T a,    \
                                        T b, T c, T *restrict out, ptrdiff_t n)                                \
{                                                                                                              \
    if (w)                                                                                                     \
        for (ptrdiff_t i = 0; i < n; i++) out[i] = a * g[i] * w[i] + b * x[i] + c;                             \
    else                                                                                                       \
        for (ptrdiff_t i = 0; i < n; i++) out[i] = a * g[i] + b * x[i] + c;                                    \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgn_scale_shift_##SUF(const T *restrict x, const T *restrict w, const T *restrict b,     \
                                            T shift, T scale, T *restrict out, ptrdiff_t n)                    \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < n; i++) out[i] = (x[i] - shift) * scale * w[i] + b[i];                           \
}                                                                                                              \

MGN_DEFINE(float, f32)
MGN_DEFINE(double, f64)

#endif /* MINIGRAD_NORMALIZATION_ROWS_H */
