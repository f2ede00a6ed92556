"""Pooling kernels: window maxima and window means over the volumes of a (P, D, H, W) array.

A plane is one (image, channel) pair: the caller reshapes (N, C, *spatial) to (N·C, D, H, W) (2-D pooling is
D = 1, 1-D pooling D = H = 1) and the planes are split over the threads. The windows are described by their
clipped bounds along each axis, computed once in Python for every kind of pooling (strided, padded, dilated,
ceil-mode, adaptive), so one kernel serves them all: output depth ``a`` reads input depths ``dep_start[a],
dep_start[a] + dep_step, ...`` below ``dep_stop[a]``, output row ``i`` and column ``j`` likewise with the row and
column arrays.

window_max_forward   out[p, a, i, j] = max over the window of x[p]; index[p, a, i, j] = (d·H + h)·W + w of that
                     maximum (the first one in (d, h, w) order; a NaN wins over everything, the last NaN over
                     earlier ones, as torch's ``val > max || isnan(val)``).
scatter_to_planes    grad_x[p].flat[index[p, k]] += grad[p, k] (grad_x zeroed first): max pooling's backward,
                     and the adjoint of gathering ``x[p].flat[index]``.
window_sum_forward   out[p, a, i, j] = scale[a, i, j] · Σ_window x[p]     (average pooling: scale = 1/divisor)
window_sum_backward  grad_x[p, d, h, w] = Σ over the windows holding (d, h, w) of scale[a, i, j] · grad[p, a, i, j]
                     (grad_x zeroed first, unless ``tiled`` says each input is in exactly one window): the adjoint
                     of window_sum_forward.

Example::

    x = np.arange(16.0).reshape(1, 1, 4, 4); out = np.empty((1, 1, 2, 2)); index = np.empty((1, 1, 2, 2), np.int64)
    one = np.array([0]); starts = np.array([0, 2]); stops = np.array([2, 4])
    window_max_forward(x, one, one + 1, 1, starts, stops, 1, starts, stops, 1, out, index, 1)
    # out == [[[[5, 7], [13, 15]]]], index == [[[[5, 7], [13, 15]]]]
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

cdef extern from "pooling_rows.h" nogil:
    void mgp_window_max_f32(const float *plane, Py_ssize_t height, Py_ssize_t width, const int64_t *dep_start,
                            const int64_t *dep_stop, int64_t dep_step, const int64_t *row_start,
                            const int64_t *row_stop, int64_t row_step, const int64_t *col_start,
                            const int64_t *col_stop, int64_t col_step, Py_ssize_t out_d, Py_ssize_t out_h,
                            Py_ssize_t out_w, float *out, int64_t *index)
    void mgp_window_max_f64(const double *plane, Py_ssize_t height, Py_ssize_t width, const int64_t *dep_start,
                            const int64_t *dep_stop, int64_t dep_step, const int64_t *row_start,
                            const int64_t *row_stop, int64_t row_step, const int64_t *col_start,
                            const int64_t *col_stop, int64_t col_step, Py_ssize_t out_d, Py_ssize_t out_h,
                            Py_ssize_t out_w, double *out, int64_t *index)
    void mgp_window_sum_f32(const float *plane, Py_ssize_t height, Py_ssize_t width, const int64_t *dep_start,
                            const int64_t *dep_stop, const int64_t *row_start, const int64_t *row_stop,
                            const int64_t *col_start, const int64_t *col_stop, const double *scale, Py_ssize_t out_d,
                            Py_ssize_t out_h, Py_ssize_t out_w, float *out, double *column)
    void mgp_window_sum_f64(const double *plane, Py_ssize_t height, Py_ssize_t width, const int64_t *dep_start,
                            const int64_t *dep_stop, const int64_t *row_start, const int64_t *row_stop,
                            const int64_t *col_start, const int64_t *col_stop, const double *scale, Py_ssize_t out_d,
                            Py_ssize_t out_h, Py_ssize_t out_w, double *out, double *column)
    void mgp_window_sum_backward_f32(const float *grad, Py_ssize_t depth, Py_ssize_t height, Py_ssize_t width,
                                     const int64_t *dep_start, const int64_t *dep_stop, const int64_t *row_start,
                                     const int64_t *row_stop, const int64_t *col_start, const int64_t *col_stop,
                                     const double *scale, Py_ssize_t out_d, Py_ssize_t out_h, Py_ssize_t out_w,
                                     int tiled, float *grad_x, double *spread)
    void mgp_window_sum_backward_f64(const double *grad, Py_ssize_t depth, Py_ssize_t height, Py_ssize_t width,
                                     const int64_t *dep_start, const int64_t *dep_stop, const int64_t *row_start,
                                     const int64_t *row_stop, const int64_t *col_start, const int64_t *col_stop,
                                     const double *scale, Py_ssize_t out_d, Py_ssize_t out_h, Py_ssize_t out_w,
                                     int tiled, double *grad_x, double *spread)

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many input elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t planes, Py_ssize_t plane_size, int num_threads) noexcept nogil:
    if planes < 2 or planes * plane_size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


def window_max_forward(const floating[:, :, :, ::1] x, const int64_t[::1] dep_start, const int64_t[::1] dep_stop,
                       int64_t dep_step, const int64_t[::1] row_start, const int64_t[::1] row_stop,
                       int64_t row_step, const int64_t[::1] col_start, const int64_t[::1] col_stop,
                       int64_t col_step, floating[:, :, :, ::1] out, int64_t[:, :, :, ::1] index, int num_threads):
    """Window maxima and their flat positions (see the module docstring; the loop is in pooling_rows.h)."""
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[2], width = x.shape[3], p
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3], volume
    volume = x.shape[1] * height * width
    # (counted first: a shape read in the prange clause breaks the bounds-checked build)
    cdef int threads = _threads(planes, volume, num_threads)
    if volume == 0 or planes * out_d * out_h * out_w == 0:
        return
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgp_window_max_f32(&x[p, 0, 0, 0], height, width, &dep_start[0], &dep_stop[0], dep_step,
                               &row_start[0], &row_stop[0], row_step, &col_start[0], &col_stop[0], col_step,
                               out_d, out_h, out_w, &out[p, 0, 0, 0], &index[p, 0, 0, 0])
        else:
            mgp_window_max_f64(&x[p, 0, 0, 0], height, width, &dep_start[0], &dep_stop[0], dep_step,
                               &row_start[0], &row_stop[0], row_step, &col_start[0], &col_stop[0], col_step,
                               out_d, out_h, out_w, &out[p, 0, 0, 0], &index[p, 0, 0, 0])


def scatter_to_planes(const floating[:, ::1] grad, const int64_t[:, ::1] index, floating[:, ::1] grad_x,
                      int num_threads):
    """``grad_x[p] = 0; grad_x[p, index[p, k]] += grad[p, k]`` for (P, K) grad/index and a (P, S) grad_x."""
    cdef Py_ssize_t planes = grad.shape[0], size = grad_x.shape[1], p, k
    for p in prange(planes, nogil=True, schedule="static", num_threads=_threads(planes, size, num_threads)):
        memset(&grad_x[p, 0], 0, size * sizeof(floating))
        for k in range(grad.shape[1]):
            grad_x[p, index[p, k]] += grad[p, k]


def window_sum_forward(const floating[:, :, :, ::1] x, const int64_t[::1] dep_start, const int64_t[::1] dep_stop,
                       const int64_t[::1] row_start, const int64_t[::1] row_stop, const int64_t[::1] col_start,
                       const int64_t[::1] col_stop, const double[:, :, ::1] scale, floating[:, :, :, ::1] out,
                       int num_threads):
    """Scaled window sums, accumulated in double (see the module docstring; the loop is in pooling_rows.h)."""
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[2], width = x.shape[3], p
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    # (counted first: a shape read in the prange clause breaks the bounds-checked build)
    cdef int threads = _threads(planes, x.shape[1] * height * width, num_threads)
    if planes * out_d * out_h * out_w == 0:
        return
    if x.shape[1] * height * width == 0:  # every window empty
        out[...] = 0
        return
    cdef double *column = _scratch(threads, width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgp_window_sum_f32(&x[p, 0, 0, 0], height, width, &dep_start[0], &dep_stop[0], &row_start[0],
                               &row_stop[0], &col_start[0], &col_stop[0], &scale[0, 0, 0], out_d, out_h, out_w,
                               &out[p, 0, 0, 0], column + threadid() * width)
        else:
            mgp_window_sum_f64(&x[p, 0, 0, 0], height, width, &dep_start[0], &dep_stop[0], &row_start[0],
                               &row_stop[0], &col_start[0], &col_stop[0], &scale[0, 0, 0], out_d, out_h, out_w,
                               &out[p, 0, 0, 0], column + threadid() * width)
    free(column)


def window_sum_backward(const floating[:, :, :, ::1] grad, const int64_t[::1] dep_start,
                        const int64_t[::1] dep_stop, const int64_t[::1] row_start, const int64_t[::1] row_stop,
                        const int64_t[::1] col_start, const int64_t[::1] col_stop, const double[:, :, ::1] scale,
                        bint tiled, floating[:, :, :, ::1] grad_x, int num_threads):
    """Each scaled output gradient added to every input of its window; ``tiled``: the windows hold every input
    exactly once (see the module docstring; the loop is in pooling_rows.h)."""
    cdef Py_ssize_t planes = grad.shape[0], p
    cdef Py_ssize_t out_d = grad.shape[1], out_h = grad.shape[2], out_w = grad.shape[3]
    cdef Py_ssize_t depth = grad_x.shape[1], height = grad_x.shape[2], width = grad_x.shape[3]
    # (counted first: a shape read in the prange clause breaks the bounds-checked build)
    cdef int threads = _threads(planes, depth * height * width, num_threads)
    if planes * depth * height * width == 0:
        return
    if out_d * out_h * out_w == 0:  # no window: nothing flows back
        grad_x[...] = 0
        return
    cdef double *spread = _scratch(threads, width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgp_window_sum_backward_f32(&grad[p, 0, 0, 0], depth, height, width, &dep_start[0], &dep_stop[0],
                                        &row_start[0], &row_stop[0], &col_start[0], &col_stop[0], &scale[0, 0, 0],
                                        out_d, out_h, out_w, tiled, &grad_x[p, 0, 0, 0], spread + threadid() * width)
        else:
            mgp_window_sum_backward_f64(&grad[p, 0, 0, 0], depth, height, width, &dep_start[0], &dep_stop[0],
                                        &row_start[0], &row_stop[0], &col_start[0], &col_stop[0], &scale[0, 0, 0],
                                        out_d, out_h, out_w, tiled, &grad_x[p, 0, 0, 0], spread + threadid() * width)
    free(spread)


cdef double *_scratch(int threads, Py_ssize_t width) except NULL:
    """A row of ``width`` doubles per thread (the caller frees it)."""
    cdef double *rows = <double *>malloc(threads * width * sizeof(double))
    if rows == NULL:
        raise MemoryError()
    return rows
