/* The tile transforms of Winograd F(4x4, 3x3) (used by winograd.pyx), for a block of whole tile rows.
 *
 * F(4x4, 3x3) interpolates at 0, 1, -1, 2, -2 and infinity (Lavin & Gray's points): 36 multiplies per 4x4
 * outputs (4x fewer than a direct 3x3 sum, against F(2x2)'s 2.25x) for larger transforms, whose coefficients
 * (up to 8) round about 10x more than a direct sum in float32. Their 1-d forms, on the 6 entries of a tile's row
 * or column:
 *
 *   B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
 *          [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
 *   A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
 *
 * A block is `rows` consecutive tile rows from `first_row` (tile row = image n, tile row ty; `tiles_w` tiles of
 * 4x4 outputs each); its tiles are the columns t = q tiles_w + tx of `count = rows tiles_w` columns (no spare
 * column, unlike F(2x2): at a 28-wide image it would be 1 in 8 of the GEMMs' work). Its 36 transformed matrices
 * lie `stride` numbers apart; matrix e = 6 i + j is (channels or kernels, count), row-major.
 *
 * mgw4_input_rows:    v[e, c, t] = (B^T d B)[e], d the 6x6 input patch of tile t in channel c, starting at input
 *                     (4 ty - pad_h, 4 tx - pad_w), zero outside the height x width image.
 * mgw4_output_rows:   y[n, k, 4 ty + a, 4 tx + b] = (A^T m[:, k, t] A)[a, b] + shift[k] (shift may be NULL),
 *                     the tile clipped to the out_h x out_w image.
 * mgw4_gradient_rows: dm[e, k, t] = (A g A^T)[e], g the tile's 4x4 output gradient (zero past the image): the
 *                     adjoint of the output transform.
 *
 * Each stage is a loop over a whole row of tiles or the whole block (so GCC vectorises it; MG_CLONES compiles
 * it for AVX-512, AVX2 and the baseline ISA). `work` is the thread's scratch: mgw4_work_size(rows, tiles_w).
 */
#ifndef MINIGRAD_WINOGRAD4_TILES_H
#define MINIGRAD_WINOGRAD4_TILES_H

#include <stddef.h>
#include <string.h>

#include "simd_exp.h"

static inline ptrdiff_t mgw4_work_size(ptrdiff_t rows, ptrdiff_t tiles_w)
{
    ptrdiff_t span = 4 * tiles_w + 2, count = rows * tiles_w;
    ptrdiff_t input = span + 6 * (4 * count + 2) + 12 * rows, other = 40 * count;
    return input > other ? input : other;
}

/* o = B^T e on 6 numbers (the input transform along a row or a column of a tile) */
#define MGW4_BT(T, e0, e1, e2, e3, e4, e5, o0, o1, o2, o3, o4, o5)                                               \
    do {                                                                                                       \
        T p_ = e4 - 4 * e2, q_ = e3 - 4 * e1, r_ = e4 - e2, s_ = 2 * (e3 - e1);                                \
        o0 = 4 * e0 - 5 * e2 + e4;                                                                             \
        o1 = p_ + q_;                                                                                          \
        o2 = p_ - q_;                                                                                          \
        o3 = r_ + s_;                                                                                          \
        o4 = r_ - s_;                                                                                          \
        o5 = 4 * e1 - 5 * e3 + e5;                                                                             \
    } while (0)

/* o = A^T e on 6 numbers (the output transform along a row or a column of a tile) */
#define MGW4_AT(T, e0, e1, e2, e3, e4, e5, o0, o1, o2, o3)                                                        \
    do {                                                                                                       \
        T p_ = e1 + e2, q_ = e1 - e2, r_ = e3 + e4, s_ = e3 - e4;                                              \
        o0 = e0 + p_ + r_;                                                                                     \
        o1 = q_ + 2 * s_;                                                                                      \
        o2 = p_ + 4 * r_;                                                                                      \
        o3 = q_ + 8 * s_ + e5;                                                                                 \
    } while (0)

/* o = A e on 4 numbers (the gradient transform: the output transform's adjoint) */
#define MGW4_A(T, e0, e1, e2, e3, o0, o1, o2, o3, o4, o5)                                                         \
    do {                                                                                                       \
        T p_ = e0 + e2, q_ = e1 + e3, r_ = e0 + 4 * e2, s_ = 2 * e1 + 8 * e3;                                  \
        o0 = e0;                                                                                               \
        o1 = p_ + q_;                                                                                          \
        o2 = p_ - q_;                                                                                          \
        o3 = r_ + s_;                                                                                          \
        o4 = r_ - s_;                                                                                          \
        o5 = e3;                                                                                               \
    } while (0)

#define MGW4_DEFINE(T, SUF)                                                                                    \
/* B^T d along the rows of one tile row: 6 input rows to 6 rows. Parameters, not block-scope pointers, so that  \
 * GCC trusts `restrict` and vectorises. */                                                                    \
MG_INLINE void mgw4_combine_rows_##SUF(const T *restrict d0, const T *restrict d1, const T *restrict d2,       \
                                       const T *restrict d3, const T *restrict d4, const T *restrict d5,       \
                                       ptrdiff_t n, T *restrict b0, T *restrict b1, T *restrict b2,            \
                                       T *restrict b3, T *restrict b4, T *restrict b5)                         \
{                                                                                                              \
    for (ptrdiff_t j = 0; j < n; j++)                                                                          \
        MGW4_BT(T, d0[j], d1[j], d2[j], d3[j], d4[j], d5[j], b0[j], b1[j], b2[j], b3[j], b4[j], b5[j]);          \
}                                                                                                              \
                                                                                                               \
/* (B^T d) B along one transformed row of the block: tile t reads br[4 t .. 4 t + 5] */                        \
MG_INLINE void mgw4_combine_columns_##SUF(const T *restrict br, ptrdiff_t count, T *restrict o0,               \
                                          T *restrict o1, T *restrict o2, T *restrict o3, T *restrict o4,      \
                                          T *restrict o5)                                                      \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) {                                                                    \
        const T *e = br + 4 * t;                                                                               \
        MGW4_BT(T, e[0], e[1], e[2], e[3], e[4], e[5], o0[t], o1[t], o2[t], o3[t], o4[t], o5[t]);                 \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw4_input_rows_##SUF(                                                                   \
    const T *restrict x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t tiles_h,             \
    ptrdiff_t tiles_w, ptrdiff_t pad_h, ptrdiff_t pad_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, \
    T *restrict v, T *restrict work)                                                                           \
{                                                                                                              \
    /* The transformed rows of tile row q start at 4 q tiles_w, so that every tile of the block is at 4 t: the  \
     * last 2 columns of a tile row, overwritten by the next one, are kept in `ends` and that row's last tile   \
     * redone from them. */                                                                                    \
    ptrdiff_t span = 4 * tiles_w + 2, count = rows * tiles_w, length = 4 * count + 2;                          \
    /* padded column j is x column j - pad_w: inside the image for lo <= j < hi */                             \
    ptrdiff_t lo = pad_w > 0 ? pad_w : 0, hi = width + pad_w < span ? width + pad_w : span;                    \
    hi = hi > lo ? hi : lo;                                                                                    \
    T *restrict zeros = work, *restrict b = work + span, *restrict ends = b + 6 * length;                      \
    memset(zeros, 0, (size_t)span * sizeof(T));                                                               \
    for (ptrdiff_t c = 0; c < channels; c++) {                                                                 \
        for (ptrdiff_t q = 0; q < rows; q++) { /* B^T d: combine the 6 input rows of each tile row */          \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 4 * (row % tiles_h) - pad_h;                \
            const T *plane = x + (n * channels + c) * height * width + (lo - pad_w), *in[6];                   \
            for (int r = 0; r < 6; r++) /* a row above or below the image reads zeros */                       \
                in[r] = y0 + r >= 0 && y0 + r < height ? plane + (y0 + r) * width : zeros;                     \
            T *out[6];                                                                                         \
            for (int r = 0; r < 6; r++) {                                                                      \
                out[r] = b + r * length + 4 * q * tiles_w;                                                     \
                for (ptrdiff_t j = 0; j < lo; j++)                                                             \
                    out[r][j] = 0;                                                                             \
                for (ptrdiff_t j = hi; j < span; j++)                                                          \
                    out[r][j] = 0;                                                                             \
            }                                                                                                  \
            mgw4_combine_rows_##SUF(in[0], in[1], in[2], in[3], in[4], in[5], hi - lo, out[0] + lo,            \
                                    out[1] + lo, out[2] + lo, out[3] + lo, out[4] + lo, out[5] + lo);          \
            for (int r = 0; r < 6; r++) {                                                                      \
                ends[(r * rows + q) * 2] = out[r][span - 2];                                                   \
                ends[(r * rows + q) * 2 + 1] = out[r][span - 1];                                               \
            }                                                                                                  \
        }                                                                                                      \
        for (int r = 0; r < 6; r++) { /* (B^T d) B: combine the columns of each tile, the block at once */     \
            const T *br = b + r * length;                                                                      \
            T *o = v + 6 * r * stride + c * count;                                                             \
            mgw4_combine_columns_##SUF(br, count, o, o + stride, o + 2 * stride, o + 3 * stride,               \
                                       o + 4 * stride, o + 5 * stride);                                        \
            for (ptrdiff_t q = 0; q < rows; q++) { /* each tile row's last tile, from its own last columns */  \
                ptrdiff_t t = (q + 1) * tiles_w - 1;                                                           \
                const T *e = br + 4 * t, *end = ends + (r * rows + q) * 2;                                     \
                MGW4_BT(T, e[0], e[1], e[2], e[3], end[0], end[1], o[t], o[stride + t], o[2 * stride + t],        \
                        o[3 * stride + t], o[4 * stride + t], o[5 * stride + t]);                              \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* A^T e + add for each tile t, e the 6 numbers `step` apart from m + t (a row of a tile's m, or a column of its  \
 * m A), into o0..o3 */                                                                                        \
MG_INLINE void mgw4_untile_##SUF(const T *restrict m, ptrdiff_t step, ptrdiff_t count, T add, T *restrict o0,   \
                                 T *restrict o1, T *restrict o2, T *restrict o3)                               \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) {                                                                    \
        const T *e = m + t;                                                                                    \
        MGW4_AT(T, e[0], e[step], e[2 * step], e[3 * step], e[4 * step], e[5 * step], o0[t], o1[t], o2[t],     \
                o3[t]);                                                                                        \
        o0[t] += add;                                                                                          \
        o1[t] += add;                                                                                          \
        o2[t] += add;                                                                                          \
        o3[t] += add;                                                                                          \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* out[4 i + b] = o_b[i] for i < quads */                                                                      \
MG_INLINE void mgw4_interleave_##SUF(const T *restrict o0, const T *restrict o1, const T *restrict o2,         \
                                     const T *restrict o3, ptrdiff_t quads, T *restrict out)                   \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < quads; i++) {                                                                    \
        out[4 * i] = o0[i];                                                                                    \
        out[4 * i + 1] = o1[i];                                                                                \
        out[4 * i + 2] = o2[i];                                                                                \
        out[4 * i + 3] = o3[i];                                                                                \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw4_output_rows_##SUF(                                                                  \
    const T *restrict m, ptrdiff_t kernels, ptrdiff_t out_h, ptrdiff_t out_w, ptrdiff_t tiles_h,               \
    ptrdiff_t tiles_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, const T *restrict shift,         \
    T *restrict y, T *restrict work)                                                                           \
{                                                                                                              \
    /* s[(4 i + b) count + t] = (m A)[i, b] of tile t; o[(4 a + b) count + t] = output (a, b) of tile t */      \
    ptrdiff_t count = rows * tiles_w, quads = out_w / 4, rest = out_w % 4;                                     \
    T *s = work, *o = work + 24 * count;                                                                       \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        for (int i = 0; i < 6; i++) /* m A, row by row */                                                     \
            mgw4_untile_##SUF(m + 6 * i * stride + k * count, stride, count, 0, s + 4 * i * count,             \
                              s + (4 * i + 1) * count, s + (4 * i + 2) * count, s + (4 * i + 3) * count);      \
        for (int bx = 0; bx < 4; bx++) /* A^T (m A) + shift, column by column */                               \
            mgw4_untile_##SUF(s + bx * count, 4 * count, count, shift ? shift[k] : (T)0, o + bx * count,       \
                              o + (4 + bx) * count, o + (8 + bx) * count, o + (12 + bx) * count);              \
        for (ptrdiff_t q = 0; q < rows; q++) { /* interleave the tiles' columns into the image's rows */       \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 4 * (row % tiles_h), t0 = q * tiles_w;      \
            for (int a = 0; a < 4 && y0 + a < out_h; a++) {                                                    \
                T *line = y + ((n * kernels + k) * out_h + y0 + a) * out_w;                                    \
                const T *oa = o + 4 * a * count + t0;                                                          \
                mgw4_interleave_##SUF(oa, oa + count, oa + 2 * count, oa + 3 * count, quads, line);            \
                for (ptrdiff_t bx = 0; bx < rest; bx++)                                                        \
                    line[4 * quads + bx] = oa[bx * count + quads];                                             \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* o_b[i] = in[4 i + b] for i < quads */                                                                       \
MG_INLINE void mgw4_split_##SUF(const T *restrict in, ptrdiff_t quads, T *restrict o0, T *restrict o1,         \
                                T *restrict o2, T *restrict o3)                                                \
{                                                                                                              \
    for (ptrdiff_t i = 0; i < quads; i++) {                                                                    \
        o0[i] = in[4 * i];                                                                                     \
        o1[i] = in[4 * i + 1];                                                                                 \
        o2[i] = in[4 * i + 2];                                                                                 \
        o3[i] = in[4 * i + 3];                                                                                 \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* Column b of A g for each tile: g's rows 0..3 (`count` apart, 4 count between columns) into h0..h5 */        \
MG_INLINE void mgw4_retile_column_##SUF(const T *restrict g, ptrdiff_t count, T *restrict h0, T *restrict h1,  \
                                        T *restrict h2, T *restrict h3, T *restrict h4, T *restrict h5)        \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) {                                                                    \
        const T *e = g + t;                                                                                    \
        MGW4_A(T, e[0], e[4 * count], e[8 * count], e[12 * count], h0[t], h1[t], h2[t], h3[t], h4[t], h5[t]);    \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
/* Row i of (A g) A^T for each tile: (A g)[i, 0..3] (`count` apart) into the entries (i, 0..5), `stride` apart */ \
MG_INLINE void mgw4_retile_row_##SUF(const T *restrict h, ptrdiff_t count, ptrdiff_t stride, T *restrict dm)   \
{                                                                                                              \
    for (ptrdiff_t t = 0; t < count; t++) {                                                                    \
        const T *e = h + t;                                                                                    \
        T *d = dm + t;                                                                                         \
        MGW4_A(T, e[0], e[count], e[2 * count], e[3 * count], d[0], d[stride], d[2 * stride], d[3 * stride],      \
               d[4 * stride], d[5 * stride]);                                                                  \
    }                                                                                                          \
}                                                                                                              \
                                                                                                               \
MG_CLONES MG_ROW void mgw4_gradient_rows_##SUF(                                                                \
    const T *restrict g, ptrdiff_t kernels, ptrdiff_t out_h, ptrdiff_t out_w, ptrdiff_t tiles_h,               \
    ptrdiff_t tiles_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, T *restrict dm,                  \
    T *restrict work)                                                                                          \
{                                                                                                              \
    /* p[(4 a + b) count + t] = gradient (a, b) of tile t; h[(4 i + b) count + t] = (A g)[i, b] of tile t */    \
    ptrdiff_t count = rows * tiles_w, quads = out_w / 4, rest = out_w % 4;                                     \
    T *p = work, *h = work + 16 * count;                                                                       \
    for (ptrdiff_t k = 0; k < kernels; k++) {                                                                  \
        for (ptrdiff_t q = 0; q < rows; q++) { /* the image's rows split into the tiles' columns, zero past */ \
            ptrdiff_t row = first_row + q, n = row / tiles_h, y0 = 4 * (row % tiles_h), t0 = q * tiles_w;      \
            for (int a = 0; a < 4; a++) {                                                                      \
                T *pa = p + 4 * a * count + t0;                                                                \
                if (y0 + a >= out_h) { /* past the image's last row */                                         \
                    for (int bx = 0; bx < 4; bx++)                                                             \
                        memset(pa + bx * count, 0, (size_t)tiles_w * sizeof(T));                               \
                    continue;                                                                                  \
                }                                                                                              \
                const T *line = g + ((n * kernels + k) * out_h + y0 + a) * out_w;                              \
                mgw4_split_##SUF(line, quads, pa, pa + count, pa + 2 * count, pa + 3 * count);                 \
                for (ptrdiff_t bx = 0; bx < 4 && quads < tiles_w; bx++) /* a last, partial tile */             \
                    pa[bx * count + quads] = bx < rest ? line[4 * quads + bx] : (T)0;                          \
            }                                                                                                  \
        }                                                                                                      \
        for (int bx = 0; bx < 4; bx++)                                                                         \
            mgw4_retile_column_##SUF(p + bx * count, count, h + bx * count, h + (4 + bx) * count,              \
                                     h + (8 + bx) * count, h + (12 + bx) * count, h + (16 + bx) * count,       \
                                     h + (20 + bx) * count);                                                   \
        for (int i = 0; i < 6; i++)                                                                            \
            mgw4_retile_row_##SUF(h + 4 * i * count, count, stride, dm + 6 * i * stride + k * count);          \
    }                                                                                                          \
}

MGW4_DEFINE(float, f32)
MGW4_DEFINE(double, f64)

#endif
