/* The window-maximum loop of the pooling kernels (used by pooling.pyx), for one (D, H, W) plane.
 *
 * Why C: the maximum's running compare is a data-dependent choice per tap. Written as a branch (what Cython's
 * code compiles to), random data mispredicts it about half the time, and a 2x2 max pool of 64x32x28x28 took
 * 7.3 ms on one core; as selects GCC turns it into conditional moves (2 ms). GCC if-converts floating-point
 * selects only when it may ignore floating-point exception flags, which nothing in minigrad reads (the same
 * bits come out: this is not -ffast-math), hence the attribute on the function. MG_CLONES compiles it for
 * AVX-512, AVX2 and the baseline ISA.
 *
 * mgp_window_max: out[a, i, j] = max of plane over the taps d in [dep_start[a], dep_stop[a]) step dep_step,
 * h in [row_start[i], row_stop[i]) step row_step, w in [col_start[j], col_stop[j]) step col_step;
 * index[a, i, j] = (d * height + h) * width + w of the first maximum in (d, h, w) order, a NaN winning over
 * everything and a later NaN over an earlier one (torch's `val > max || isnan(val)`). An empty window gives
 * -inf and the index of its first tap.
 */
#ifndef MINIGRAD_POOLING_ROWS_H
#define MINIGRAD_POOLING_ROWS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simd_exp.h"

#if defined(__GNUC__) && !defined(__clang__)
#define MGP_KERNEL MG_CLONES MG_ROW __attribute__((optimize("no-trapping-math")))
#else
#define MGP_KERNEL MG_CLONES MG_ROW
#endif

/* Keys that order like the floats (mg_key of simd_exp.h) with -0.0 read as 0.0 (torch's `>` does not prefer
 * 0.0 to -0.0) and every NaN as the largest key, so a maximum is an integer compare and the select after it a
 * conditional move. */
#define MGP_DEFINE(T, IT, UT, SUF, ABS_MASK, INF_BITS, NAN_KEY)                                                \
MG_INLINE IT mgp_key_##SUF(T value)                                                                           \
{                                                                                                              \
    UT bits;                                                                                                   \
    T unsigned_zero = value + (T)0; /* -0 + 0 = +0 */                                                          \
    memcpy(&bits, &unsigned_zero, sizeof bits);                                                                \
    IT key = mg_key_##SUF(unsigned_zero);                                                                      \
    return (bits & ABS_MASK) > INF_BITS ? NAN_KEY : key;                                                       \
}                                                                                                              \
                                                                                                               \
MGP_KERNEL void mgp_window_max_##SUF(                                                                         \
    const T *restrict plane, ptrdiff_t height, ptrdiff_t width, const int64_t *dep_start,                     \
    const int64_t *dep_stop, int64_t dep_step, const int64_t *row_start, const int64_t *row_stop,             \
    int64_t row_step, const int64_t *col_start, const int64_t *col_stop, int64_t col_step, ptrdiff_t out_d,   \
    ptrdiff_t out_h, ptrdiff_t out_w, T *restrict out, int64_t *restrict index)                               \
{                                                                                                              \
    const IT lowest = mg_key_##SUF(-INFINITY);                                                                 \
    for (ptrdiff_t a = 0; a < out_d; a++)                                                                      \
        for (ptrdiff_t i = 0; i < out_h; i++)                                                                  \
            for (ptrdiff_t j = 0; j < out_w; j++, out++, index++) {                                            \
                IT best = lowest;                                                                              \
                int64_t best_index = -1;                                                                       \
                for (int64_t d = dep_start[a]; d < dep_stop[a]; d += dep_step)                                 \
                    for (int64_t h = row_start[i]; h < row_stop[i]; h += row_step) {                           \
                        int64_t row = (d * height + h) * width;                                                \
                        for (int64_t w = col_start[j]; w < col_stop[j]; w += col_step) {                       \
                            IT key = mgp_key_##SUF(plane[row + w]);                                            \
                            /* a later NaN replaces an earlier one: >= for the NaN key only */                 \
                            /* as masks: GCC turns `take ? a : b` back into a branch here */                   \
                            int64_t take = -(int64_t)((key > best) | (key == NAN_KEY));                        \
                            best = (IT)((key & take) | (best & ~take));                                        \
                            best_index = ((row + w) & take) | (best_index & ~take);                            \
                        }                                                                                      \
                    }                                                                                          \
                if (best_index < 0) { /* every tap -inf (or none): the first tap */                           \
                    best_index = (dep_start[a] * height + row_start[i]) * width + col_start[j];                \
                    *out = -INFINITY;                                                                          \
                } else {                                                                                       \
                    *out = plane[best_index];                                                                  \
                }                                                                                              \
                *index = best_index;                                                                           \
            }                                                                                                  \
}

MGP_DEFINE(float, int32_t, uint32_t, f32, 0x7fffffffu, 0x7f800000u, INT32_MAX)
MGP_DEFINE(double, int64_t, uint64_t, f64, 0x7fffffffffffffffull, 0x7ff0000000000000ull, INT64_MAX)
/* Window sums, one output row (a, i) at a time: the rows of the window are added into a column total per input
 * column (a vectorised pass over whole rows), then each output adds the column totals of its columns. A window of
 * kh x kw taps costs kh row passes shared by all the outputs of the row instead of kh * kw scattered reads each.
 *
 * mgp_window_sum:          out[a, i, j] = scale[a, i, j] * sum of the window of plane, in double (column: width
 *                          doubles of scratch). Windows of whole rows (a global average pool) are contiguous runs,
 *                          summed directly (an OpenMP SIMD reduction: vector lanes of partial sums).
 * mgp_window_sum_backward: grad_x = 0, then every window's scale[a, i, j] * grad[a, i, j] added to its inputs; the
 *                          shares of one output row are spread over the columns first (spread: width doubles of
 *                          scratch), then added to each input row of the window. When the windows tile the plane
 *                          (`tiled`: along every axis each input in exactly one window, as a 2x2 pool of an even
 *                          size or a global average) every input row is written once, without the zeroing.
 */
#define MGP_PRAGMA(text) _Pragma(#text)
#define MGP_DEFINE_SUMS(T, SUF)                                                                                \
MG_INLINE double mgp_sum_##SUF(const T *restrict x, ptrdiff_t n)                                              \
{                                                                                                              \
    double total = 0.0;                                                                                        \
    MGP_PRAGMA(omp simd reduction(+ : total))                                                                  \
    for (ptrdiff_t k = 0; k < n; k++) total += (double)x[k];                                                   \
    return total;                                                                                              \
}                                                                                                              \
                                                                                                               \
MGP_KERNEL void mgp_window_sum_##SUF(                                                                         \
    const T *restrict plane, ptrdiff_t height, ptrdiff_t width, const int64_t *dep_start,                     \
    const int64_t *dep_stop, const int64_t *row_start, const int64_t *row_stop, const int64_t *col_start,     \
    const int64_t *col_stop, const double *scale, ptrdiff_t out_d, ptrdiff_t out_h, ptrdiff_t out_w,          \
    T *restrict out, double *restrict column)                                                                  \
{                                                                                                              \
    if (out_w == 1 && col_start[0] == 0 && col_stop[0] == width) { /* whole rows: contiguous runs */           \
        for (ptrdiff_t a = 0; a < out_d; a++)                                                                  \
            for (ptrdiff_t i = 0; i < out_h; i++) {                                                            \
                double total = 0.0;                                                                            \
                for (int64_t d = dep_start[a]; d < dep_stop[a]; d++)                                           \
                    total += mgp_sum_##SUF(plane + (d * height + row_start[i]) * width,                        \
                                           (row_stop[i] - row_start[i]) * width);                              \
                *out++ = (T)(total * *scale++);                                                                \
            }                                                                                                  \
        return;                                                                                                \
    }                                                                                                          \
    for (ptrdiff_t a = 0; a < out_d; a++)                                                                      \
        for (ptrdiff_t i = 0; i < out_h; i++) {                                                                \
            for (ptrdiff_t w = 0; w < width; w++) column[w] = 0.0;                                             \
            for (int64_t d = dep_start[a]; d < dep_stop[a]; d++)                                               \
                for (int64_t h = row_start[i]; h < row_stop[i]; h++) {                                         \
                    const T *row = plane + (d * height + h) * width;                                           \
                    for (ptrdiff_t w = 0; w < width; w++) column[w] += (double)row[w];                         \
                }                                                                                              \
            for (ptrdiff_t j = 0; j < out_w; j++) {                                                            \
                double total = 0.0;                                                                            \
                for (int64_t w = col_start[j]; w < col_stop[j]; w++) total += column[w];                       \
                *out++ = (T)(total * *scale++);                                                                \
            }                                                                                                  \
        }                                                                                                      \
}                                                                                                              \
                                                                                                               \
MGP_KERNEL void mgp_window_sum_backward_##SUF(                                                                \
    const T *restrict grad, ptrdiff_t depth, ptrdiff_t height, ptrdiff_t width, const int64_t *dep_start,     \
    const int64_t *dep_stop, const int64_t *row_start, const int64_t *row_stop, const int64_t *col_start,     \
    const int64_t *col_stop, const double *scale, ptrdiff_t out_d, ptrdiff_t out_h, ptrdiff_t out_w,          \
    int tiled, T *restrict grad_x, double *restrict spread)                                                    \
{                                                                                                              \
    if (!tiled) memset(grad_x, 0, (size_t)(depth * height * width) * sizeof(T));                               \
    for (ptrdiff_t a = 0; a < out_d; a++)                                                                      \
        for (ptrdiff_t i = 0; i < out_h; i++) {                                                                \
            for (ptrdiff_t w = 0; w < width; w++) spread[w] = 0.0;                                             \
            for (ptrdiff_t j = 0; j < out_w; j++) {                                                            \
                T share = (T)(*grad++ * *scale++);                                                             \
                for (int64_t w = col_start[j]; w < col_stop[j]; w++) spread[w] += (double)share;               \
            }                                                                                                  \
            for (int64_t d = dep_start[a]; d < dep_stop[a]; d++)                                               \
                for (int64_t h = row_start[i]; h < row_stop[i]; h++) {                                         \
                    T *row = grad_x + (d * height + h) * width;                                                \
                    if (tiled)                                                                                 \
                        for (ptrdiff_t w = 0; w < width; w++) row[w] = (T)spread[w];                           \
                    else                                                                                       \
                        for (ptrdiff_t w = 0; w < width; w++) row[w] += (T)spread[w];                          \
                }                                                                                              \
        }                                                                                                      \
}

MGP_DEFINE_SUMS(float, f32)
MGP_DEFINE_SUMS(double, f64)

#endif
