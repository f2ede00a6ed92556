/* The tile transforms of F(2x2, 3x3) (winograd_tiles.h) or F(4x4, 3x3) (winograd4_tiles.h) by `tile` (2 or 4),
 * under one set of names, so that winograd.pyx declares and calls each transform once. Arguments and results
 * as in those headers. */
#ifndef MINIGRAD_WINOGRAD_DISPATCH_H
#define MINIGRAD_WINOGRAD_DISPATCH_H

#include "winograd4_tiles.h"
#include "winograd_tiles.h"

static inline ptrdiff_t mgwd_work_size(int tile, ptrdiff_t rows, ptrdiff_t tiles_w)
{
    return tile == 2 ? mgw_work_size(rows, tiles_w) : mgw4_work_size(rows, tiles_w);
}

#define MGWD_DEFINE(T, SUF)                                                                                    \
static inline void mgwd_input_rows_##SUF(int tile, const T *x, ptrdiff_t channels, ptrdiff_t height,           \
                                         ptrdiff_t width, ptrdiff_t tiles_h, ptrdiff_t tiles_w, ptrdiff_t pad_h, \
                                         ptrdiff_t pad_w, ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, \
                                         T *v, T *work)                                                        \
{                                                                                                              \
    (tile == 2 ? mgw_input_rows_##SUF : mgw4_input_rows_##SUF)(x, channels, height, width, tiles_h, tiles_w,   \
                                                               pad_h, pad_w, first_row, rows, stride, v, work); \
}                                                                                                              \
                                                                                                               \
static inline void mgwd_output_rows_##SUF(int tile, const T *m, ptrdiff_t kernels, ptrdiff_t out_h,            \
                                          ptrdiff_t out_w, ptrdiff_t tiles_h, ptrdiff_t tiles_w,               \
                                          ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride,               \
                                          const T *shift, T *y, T *work)                                       \
{                                                                                                              \
    (tile == 2 ? mgw_output_rows_##SUF : mgw4_output_rows_##SUF)(m, kernels, out_h, out_w, tiles_h, tiles_w,   \
                                                                 first_row, rows, stride, shift, y, work);     \
}                                                                                                              \
                                                                                                               \
static inline void mgwd_gradient_rows_##SUF(int tile, const T *g, ptrdiff_t kernels, ptrdiff_t out_h,          \
                                            ptrdiff_t out_w, ptrdiff_t tiles_h, ptrdiff_t tiles_w,             \
                                            ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t stride, T *dm,      \
                                            T *work)                                                           \
{                                                                                                              \
    (tile == 2 ? mgw_gradient_rows_##SUF : mgw4_gradient_rows_##SUF)(g, kernels, out_h, out_w, tiles_h,        \
                                                                     tiles_w, first_row, rows, stride, dm,     \
                                                                     work);                                    \
}

MGWD_DEFINE(float, f32)
MGWD_DEFINE(double, f64)

#endif
