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
/* B^T d along a row: b_r = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)_r. Its own function because GCC trusts          \
 * `restrict` on parameters (inlined or not) but not on block-scope pointers: inline, its loop ran scalar. */   \
MG_INLINE void mgw_combine_rows_##SUF(const T *restrict d0, const T *restrict d1, const T *restrict d2,        \
                                      const T *restrict d3, ptrdiff_t n, T *restrict b0, T *restrict b1,       \
                                      T *restrict b2, T *restrict b3)                                          \
{                                                                                                              \
    for (ptrdiff_t j = 0; j < n; j++) {                                                                        \
        b0[j] = d0[j] - d2[j];                                                                                 \
        b1[j] = d1[j] + d2[j];                                                                                 \
        b2[j] = d2[j] - d1[j];                                                                                 \
        b3[j] = d1[j] - d3[j];                                                                                 \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
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
    for (int r = 0; r < 4; r++) { /* the columns left and right of the image, the same in every channel */     \
        b[r * length + rows * span] = b[r * length + rows * span + 1] = 0; /* read by the last spare column */ \
        for (ptrdiff_t q = 0; q < rows; q++) {                                                                 \
            T *br = b + r * length + q * span;                                                                 \
            for (ptrdiff_t j = 0; j < lo; j++)                                                                 \
                br[j] = 0;                                                                                     \
            for (ptrdiff_t j = hi; j < span; j++)                                                              \
                br[j] = 0;                                                                                     \
        }                                                                                                      \
    }                                                                                                          \
    for (ptrdiff_t c = 0; c < channels; c++) {                                                                 \
        for (ptrdiff_t q = 0; q < rows; q++) { /* B^T d: combine the 4 input rows of each tile row */          \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h) - pad_h;                \
            const T *plane = x + (n * channels + c) * height * width + (lo - pad_w), *in[4];                   \
            for (int r = 0; r < 4; r++) /* a row above or below the image reads zeros */                       \
                in[r] = y0 + r >= 0 && y0 + r < height ? plane + (y0 + r) * width : zeros;                     \
            T *b0 = b + q * span, *b1 = b0 + length, *b2 = b1 + length, *b3 = b2 + length;                     \
            mgw_combine_rows_##SUF(in[0], in[1], in[2], in[3], hi - lo, b0 + lo, b1 + lo, b2 + lo, b3 + lo);   \
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
/* Per tile t of a kernel's row of m (16 rows `stride` apart): the 2x2 A^T m A + add, as 4 rows of tiles. */    \
MG_INLINE void mgw_untile_##SUF(const T *restrict m, ptrdiff_t stride, ptrdiff_t count, T add, T *restrict o00, \
                                T *restrict o01, T *restrict o10, T *restrict o11)                             \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) { /* row r of m A: (m_r0 + m_r1 + m_r2, m_r1 - m_r2 - m_r3) */       \
        const T *e = m + t;                                                                                    \
        T l0 = e[0] + e[stride] + e[2 * stride], r0 = e[stride] - e[2 * stride] - e[3 * stride];               \
        T l1 = e[4 * stride] + e[5 * stride] + e[6 * stride], r1 = e[5 * stride] - e[6 * stride] - e[7 * stride]; \
        T l2 = e[8 * stride] + e[9 * stride] + e[10 * stride];                                                 \
        T r2 = e[9 * stride] - e[10 * stride] - e[11 * stride];                                                \
        T l3 = e[12 * stride] + e[13 * stride] + e[14 * stride];                                               \
        T r3 = e[13 * stride] - e[14 * stride] - e[15 * stride];                                               \
        o00[t] = l0 + l1 + l2 + add; /* A^T (m A) */                                                          \
        o01[t] = r0 + r1 + r2 + add;                                                                           \
        o10[t] = l1 - l2 - l3 + add;                                                                           \
        o11[t] = r1 - r2 - r3 + add;                                                                           \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* out[2 i] = even[i], out[2 i + 1] = odd[i] for i < pairs */                                                  \
MG_INLINE void mgw_interleave_##SUF(const T *restrict even, const T *restrict odd, ptrdiff_t pairs,            \
                                    T *restrict out)                                                           \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < pairs; i++) {                                                                    \
        out[2 * i] = even[i];                                                                                  \
        out[2 * i + 1] = odd[i];                                                                               \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* even[i] = in[2 i], odd[i] = in[2 i + 1] for i < pairs */                                                    \
MG_INLINE void mgw_split_##SUF(const T *restrict in, ptrdiff_t pairs, T *restrict even, T *restrict odd)       \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < pairs; i++) {                                                                    \
        even[i] = in[2 * i];                                                                                   \
        odd[i] = in[2 * i + 1];                                                                                \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* Per tile t: row r of A g A^T for its 2x2 gradient (g00 g01; g10 g11) into s0..s3. Row r of A g is        \
 * (g0, g0 + g1, g0 - g1, -g1)[r] down each column; times A^T it is (l, l + r, l - r, -r). One row per call    \
 * (r a constant once inlined): 16 stores in one loop ran scalar. */                                            \
MG_INLINE void mgw_retile_##SUF(const T *restrict g00, const T *restrict g01, const T *restrict g10,           \
                                const T *restrict g11, int r, ptrdiff_t count, T *restrict s0, T *restrict s1, \
                                T *restrict s2, T *restrict s3)                                                \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) {                                                                    \
        T left = r == 0 ? g00[t] : r == 1 ? g00[t] + g10[t] : r == 2 ? g00[t] - g10[t] : -g10[t];              \
        T right = r == 0 ? g01[t] : r == 1 ? g01[t] + g11[t] : r == 2 ? g01[t] - g11[t] : -g11[t];             \
        s0[t] = left;                                                                                          \
        s1[t] = left + right;                                                                                  \
        s2[t] = left - right;                                                                                  \
        s3[t] = -right;                                                                                        \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw_output_rows_##SUF(                                                                   \
    const T *restrict m, ptrdiff_t kernels, ptrdiff_t out_h, ptrdiff_t out_w, ptrdiff_t tiles_h,               \
    ptrdiff_t tiles_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, const T *restrict shift,         \
    T *restrict y, T *restrict work)                                                                           \
{                                                                                                              \
    ptrdiff_t count = rows * (tiles_w + 1), pairs = out_w / 2;                                                 \
    T *o00 = work, *o01 = work + count, *o10 = work + 2 * count, *o11 = work + 3 * count;                      \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        mgw_untile_##SUF(m + k * count, stride, count, shift ? shift[k] : (T)0, o00, o01, o10, o11);           \
        for (ptrdiff_t q = 0; q < rows; q++) { /* interleave the tiles' columns into the image's rows */       \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h), t0 = q * (tiles_w + 1); \
            T *top = y + ((n * kernels + k) * out_h + y0) * out_w, *bottom = top + out_w;                      \
            mgw_interleave_##SUF(o00 + t0, o01 + t0, pairs, top);                                              \
            if (out_w % 2)                                                                                     \
                top[2 * pairs] = o00[t0 + pairs];                                                              \
            if (y0 + 1 < out_h) {                                                                              \
                mgw_interleave_##SUF(o10 + t0, o11 + t0, pairs, bottom);                                       \
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
    T *g00 = work, *g01 = work + count, *g10 = work + 2 * count, *g11 = work + 3 * count;                      \
    /* past the image (an odd last column, the spare column, a missing bottom row): zeros, in the same places  \
     * for every kernel, and the splits below never write there */                                             \
    for (ptrdiff_t q = 0; q < rows; q++) {                                                                     \
        ptrdiff_t t0 = q * (tiles_w + 1), y0 = 2 * ((first_row + q) % tiles_h);                                \
        for (ptrdiff_t tx = pairs; tx <= tiles_w; tx++)                                                        \
            g00[t0 + tx] = g01[t0 + tx] = g10[t0 + tx] = g11[t0 + tx] = 0;                                     \
        if (y0 + 1 >= out_h) {                                                                                 \
            memset(g10 + t0, 0, (size_t)pairs * sizeof(T));                                                    \
            memset(g11 + t0, 0, (size_t)pairs * sizeof(T));                                                    \
        }                                                                                                      \
    }                                                                                                          \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        for (ptrdiff_t q = 0; q < rows; q++) { /* the image's rows split into the tiles' columns */            \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 2 * (row % tiles_h), t0 = q * (tiles_w + 1); \
            const T *top = g + ((n * kernels + k) * out_h + y0) * out_w, *bottom = top + out_w;                \
            mgw_split_##SUF(top, pairs, g00 + t0, g01 + t0);                                                   \
            if (out_w % 2)                                                                                     \
                g00[t0 + pairs] = top[2 * pairs];                                                              \
            if (y0 + 1 < out_h) {                                                                              \
                mgw_split_##SUF(bottom, pairs, g10 + t0, g11 + t0);                                            \
                if (out_w % 2)                                                                                 \
                    g10[t0 + pairs] = bottom[2 * pairs];                                                       \
            }                                                                                                  \
        }                                                                                                      \
        T *s = dm + k * count;                                                                                 \
        mgw_retile_##SUF(g00, g01, g10, g11, 0, count, s, s + stride, s + 2 * stride, s + 3 * stride);         \
        s += 4 * stride;                                                                                       \
        mgw_retile_##SUF(g00, g01, g10, g11, 1, count, s, s + stride, s + 2 * stride, s + 3 * stride);         \
        s += 4 * stride;                                                                                       \
        mgw_retile_##SUF(g00, g01, g10, g11, 2, count, s, s + stride, s + 2 * stride, s + 3 * stride);         \
        s += 4 * stride;                                                                                       \
        mgw_retile_##SUF(g00, g01, g10, g11, 3, count, s, s + stride, s + 2 * stride, s + 3 * stride);         \
    }                                                                                                          \
}

MGW_DEFINE(float, f32)
MGW_DEFINE(double, f64)

#endif
