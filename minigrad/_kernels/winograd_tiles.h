/* The tile transforms of Winograd F(2x2, 3x3) (used by winograd.pyx), for a block of whole tile rows.
 *
 * Why C: the transforms are additions across a tile's 4x4 entries, one tile at a time in Cython's loops (65% of
 * a forward with a branch per tile for the image's edge). Here each stage runs along a row of tiles or along the
 * whole block, so GCC vectorises it; MG_CLONES compiles it for AVX-512, AVX2 and the baseline ISA.
 *
 * A block is `rows` consecutive tile rows from `first_row` (tile row = image n, tile row ty; `tiles_w` tiles of
 * 2x2 outputs each). Its tiles are the columns t = q (tiles_w + 1) + tx of `count = rows (tiles_w + 1)` columns:
 * one spare column (tx = tiles_w, kept zero) per tile row makes the input tiles of the whole block a uniform
 * stride-2 walk over the block's transformed rows, so the column stage runs as one long loop instead of a
 * 14-long one per tile row (the extra GEMM work is 1 / (tiles_w + 1)). A block's 16 transformed matrices lie
 * `stride` numbers apart; matrix e is (channels or kernels, count), row-major.
 *
 * mgw_input_rows:    v[e, c, t] = (B^T d B)[e], d the 4x4 input patch of tile t in channel c, starting at input
 *                    (2 ty - pad_h, 2 tx - pad_w), zero outside the height x width image.
 * mgw_output_rows:   y[n, k, 2 ty + a, 2 tx + b] = (A^T m[:, k, t] A)[a, b] + shift[k] (shift may be NULL), the
 *                    tile clipped to the out_h x out_w image.
 * mgw_gradient_rows: dm[e, k, t] = (A g A^T)[e], g the tile's 2x2 output gradient (zero past the image): the
 *                    adjoint of the output transform.
 *
 * B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
 * `work` is the thread's scratch: mgw_work_size(rows, tiles_w) numbers.
 */
#ifndef MINIGRAD_WINOGRAD_TILES_H
#define MINIGRAD_WINOGRAD_TILES_H

#include <stddef.h>
#include <string.h>

#include "simd_exp.h"

static inline ptrdiff_t mgw_work_size(ptrdiff_t rows, ptrdiff_t tiles_w)
{
    ptrdiff_t span = 2 * tiles_w + 2, input = span + 4 * (rows * span + 2), other = 4 * rows * (tiles_w + 1);
    return input > other ? input : other;
}

#define MGW_DEFINE(T, SUF)                                                                                     \
MG_CLONES MG_ROW void mgw_input_rows_##SUF(                                                                    \
    const T *restrict x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t tiles_h,             \
    ptrdiff_t tiles_w, ptrdiff_t pad_h, ptrdiff_t pad_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, \
    T *restrict v, T *restrict work)                                                                           \
{                                                                                                              \
    ptrdiff_t span = 2 * tiles_w + 2, count = rows * (tiles_w + 1), length = rows * span + 2;                 \
    /* padded column j is x column j - pad_w: inside the image for lo <= j < hi */                             \
    ptrdiff_t lo = pad_w > 0 ? pad_w : 0, hi = width + pad_w < span ? width + pad_w : span;                    \
    hi = hi > lo ? hi : lo;                                                                                    \
    T *restrict zeros = work, *restrict b = work + span;                                                       \
    memset(zeros, 0, (size_t)span * sizeof(T));                                                                \
    for (int r = 0; r < 4; r++) /* past the last tile row: read by its spare column only */                    \
        b[r * length + rows * span] = b[r * length + rows * span + 1] = 0;                                     \
    for (ptrdiff_t c = 0; c < channels; c++) {                                                                 \
        for (ptrdiff_t q = 0; q < rows; q++) { /* B^T d: combine the 4 input rows of each tile row */          \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h) - pad_h;                \
            const T *plane = x + (n * channels + c) * height * width + (lo - pad_w), *in[4];                   \
            for (int r = 0; r < 4; r++) /* a row above or below the image reads zeros */                       \
                in[r] = y0 + r >= 0 && y0 + r < height ? plane + (y0 + r) * width : zeros;                     \
            const T *restrict d0 = in[0], *restrict d1 = in[1], *restrict d2 = in[2], *restrict d3 = in[3];    \
            T *restrict b0 = b + q * span, *restrict b1 = b0 + length, *restrict b2 = b1 + length,             \
                        *restrict b3 = b2 + length;                                                            \
            for (ptrdiff_t j = 0; j < lo; j++)                                                                 \
                b0[j] = b1[j] = b2[j] = b3[j] = 0;                                                             \
            for (ptrdiff_t j = hi; j < span; j++)                                                              \
                b0[j] = b1[j] = b2[j] = b3[j] = 0;                                                             \
            b0 += lo, b1 += lo, b2 += lo, b3 += lo;                                                            \
            for (ptrdiff_t j = 0; j < hi - lo; j++) {                                                          \
                b0[j] = d0[j] - d2[j];                                                                         \
                b1[j] = d1[j] + d2[j];                                                                         \
                b2[j] = d2[j] - d1[j];                                                                         \
                b3[j] = d1[j] - d3[j];                                                                         \
            }                                                                                                  \
        }                                                                                                      \
        for (int r = 0; r < 4; r++) { /* (B^T d) B: combine the columns of each tile, the block at once */     \
            const T *restrict br = b + r * length;                                                             \
            T *restrict o0 = v + 4 * r * stride + c * count, *restrict o1 = o0 + stride,                       \
                        *restrict o2 = o1 + stride, *restrict o3 = o2 + stride;                                \
            for (ptrdiff_t t = 0; t < count; t++) {                                                            \
                T e0 = br[2 * t], e1 = br[2 * t + 1], e2 = br[2 * t + 2], e3 = br[2 * t + 3];                  \
                o0[t] = e0 - e2;                                                                               \
                o1[t] = e1 + e2;                                                                               \
                o2[t] = e2 - e1;                                                                               \
                o3[t] = e1 - e3;                                                                               \
            }                                                                                                  \
            for (ptrdiff_t q = 0; q < rows; q++) /* the spare columns: zero, so they add nothing anywhere */   \
                o0[q * (tiles_w + 1) + tiles_w] = o1[q * (tiles_w + 1) + tiles_w] =                            \
                    o2[q * (tiles_w + 1) + tiles_w] = o3[q * (tiles_w + 1) + tiles_w] = 0;                     \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw_output_rows_##SUF(                                                                   \
    const T *restrict m, ptrdiff_t kernels, ptrdiff_t out_h, ptrdiff_t out_w, ptrdiff_t tiles_h,               \
    ptrdiff_t tiles_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, const T *restrict shift,         \
    T *restrict y, T *restrict work)                                                                           \
{                                                                                                              \
    ptrdiff_t count = rows * (tiles_w + 1), pairs = out_w / 2;                                                 \
    T *restrict o00 = work, *restrict o01 = work + count, *restrict o10 = work + 2 * count,                    \
      *restrict o11 = work + 3 * count;                                                                        \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        const T *s = m + k * count;                                                                            \
        T add = shift ? shift[k] : (T)0;                                                                       \
        const T *restrict m00 = s, *restrict m01 = m00 + stride, *restrict m02 = m01 + stride,              \
                *restrict m03 = m02 + stride, *restrict m10 = m03 + stride, *restrict m11 = m10 + stride,      \
                *restrict m12 = m11 + stride, *restrict m13 = m12 + stride, *restrict m20 = m13 + stride,      \
                *restrict m21 = m20 + stride, *restrict m22 = m21 + stride, *restrict m23 = m22 + stride,      \
                *restrict m30 = m23 + stride, *restrict m31 = m30 + stride, *restrict m32 = m31 + stride,      \
                *restrict m33 = m32 + stride;                                                                  \
        for (ptrdiff_t t = 0; t < count; t++) { /* row r of m A: (m_r0 + m_r1 + m_r2, m_r1 - m_r2 - m_r3) */   \
            T l0 = m00[t] + m01[t] + m02[t], r0 = m01[t] - m02[t] - m03[t];                                    \
            T l1 = m10[t] + m11[t] + m12[t], r1 = m11[t] - m12[t] - m13[t];                                    \
            T l2 = m20[t] + m21[t] + m22[t], r2 = m21[t] - m22[t] - m23[t];                                    \
            T l3 = m30[t] + m31[t] + m32[t], r3 = m31[t] - m32[t] - m33[t];                                    \
            o00[t] = l0 + l1 + l2 + add; /* A^T (m A) */                                                      \
            o01[t] = r0 + r1 + r2 + add;                                                                       \
            o10[t] = l1 - l2 - l3 + add;                                                                       \
            o11[t] = r1 - r2 - r3 + add;                                                                       \
        }                                                                                                      \
        for (ptrdiff_t q = 0; q < rows; q++) { /* interleave the tiles' columns into the image's rows */       \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h), t0 = q * (tiles_w + 1);      \
            T *top = y + ((n * kernels + k) * out_h + y0) * out_w, *bottom = top + out_w;                      \
            for (ptrdiff_t tx = 0; tx < pairs; tx++) {                                                         \
                top[2 * tx] = o00[t0 + tx];                                                                    \
                top[2 * tx + 1] = o01[t0 + tx];                                                                \
            }                                                                                                  \
            if (out_w % 2)                                                                                     \
                top[2 * pairs] = o00[t0 + pairs];                                                              \
            if (y0 + 1 < out_h) {                                                                              \
                for (ptrdiff_t tx = 0; tx < pairs; tx++) {                                                     \
                    bottom[2 * tx] = o10[t0 + tx];                                                             \
                    bottom[2 * tx + 1] = o11[t0 + tx];                                                         \
                }                                                                                              \
                if (out_w % 2)                                                                                 \
                    bottom[2 * pairs] = o10[t0 + pairs];                                                       \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw_gradient_rows_##SUF(                                                                 \
    const T *restrict g, ptrdiff_t kernels, ptrdiff_t out_h, ptrdiff_t out_w, ptrdiff_t tiles_h,               \
    ptrdiff_t tiles_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, T *restrict dm,                  \
    T *restrict work)                                                                                          \
{                                                                                                              \
    ptrdiff_t count = rows * (tiles_w + 1), pairs = out_w / 2;                                                 \
    T *restrict g00 = work, *restrict g01 = work + count, *restrict g10 = work + 2 * count,                    \
      *restrict g11 = work + 3 * count;                                                                        \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        for (ptrdiff_t q = 0; q < rows; q++) { /* the image's rows split into the tiles' columns, zero past */ \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h), t0 = q * (tiles_w + 1);      \
            const T *top = g + ((n * kernels + k) * out_h + y0) * out_w, *bottom = top + out_w;                \
            int has_bottom = y0 + 1 < out_h;                                                                   \
            for (ptrdiff_t tx = 0; tx < pairs; tx++) {                                                         \
                g00[t0 + tx] = top[2 * tx];                                                                    \
                g01[t0 + tx] = top[2 * tx + 1];                                                                \
                g10[t0 + tx] = has_bottom ? bottom[2 * tx] : (T)0;                                             \
                g11[t0 + tx] = has_bottom ? bottom[2 * tx + 1] : (T)0;                                         \
            }                                                                                                  \
            if (out_w % 2) {                                                                                   \
                g00[t0 + pairs] = top[2 * pairs];                                                              \
                g01[t0 + pairs] = 0;                                                                           \
                g10[t0 + pairs] = has_bottom ? bottom[2 * pairs] : (T)0;                                       \
                g11[t0 + pairs] = 0;                                                                           \
            }                                                                                                  \
            g00[t0 + tiles_w] = g01[t0 + tiles_w] = g10[t0 + tiles_w] = g11[t0 + tiles_w] = 0; /* spare */    \
        }                                                                                                      \
        for (int r = 0; r < 4; r++) { /* row r of A g, (g0, g0 + g1, g0 - g1, -g1)[r] per column, times A^T */ \
            T *restrict s0 = dm + k * count + 4 * r * stride, *restrict s1 = s0 + stride,                     \
                        *restrict s2 = s1 + stride, *restrict s3 = s2 + stride;                                \
            T top = r < 3 ? (T)1 : (T)0, bottom = r == 0 ? (T)0 : r == 1 ? (T)1 : (T)-1;                       \
            for (ptrdiff_t t = 0; t < count; t++) {                                                            \
                T left = top * g00[t] + bottom * g10[t], right = top * g01[t] + bottom * g11[t];               \
                s0[t] = left;                                                                                  \
                s1[t] = left + right;                                                                          \
                s2[t] = left - right;                                                                          \
                s3[t] = -right;                                                                                \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
}

MGW_DEFINE(float, f32)
MGW_DEFINE(double, f64)

#endif
