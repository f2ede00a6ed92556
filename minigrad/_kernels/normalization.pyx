"""Normalisation kernels: batch norm on an (N, C, S) array (per-channel statistics, the normalising affine map, and
its backward, each one pass over the data), and layer norm on
(R, D) rows (forward and backward, one row at a time).

Batch norm.
Notation: channel c holds M = N·S values x[n, c, s]; mean_c = Σ x / M, var_c = Σ (x - mean_c)² / M (biased),
invstd_c = 1 / √(var_c + eps), x̂ = (x - mean_c)·invstd_c, w_c the weight (1 when None).

channel_stats       mean[c], var[c] as above, in one pass (shifted sums of x and x², in double).
channel_affine      y = x·scale[c] + shift[c]   (the caller folds the normalisation and the weight and bias into
                    scale = w·invstd and shift = b - mean·w·invstd).
batch_norm_backward sum_g[c] = Σ g,  sum_gx[c] = Σ g·x̂   (the bias and weight gradients), and, when grad_x is
                    given, grad_x = w·invstd·(g - [sum_g + x̂·sum_gx] / M)  in training (the statistics depend on
                    x), done as a second pass grad_x = a·g + b·x + k per channel; or grad_x = w·invstd·g with
                    fixed (running) statistics, written in the same pass as the sums.

Layer norm. Row r: mean_r, invstd_r over its D values, x̂ = (x - mean_r)·invstd_r, w and b (D,) (the caller passes
ones and zeros for an absent weight or bias).

layer_norm_forward  y = x̂·w + b; also returns mean and invstd per row.
layer_norm_backward ĝ = g·w;  grad_x = invstd·(ĝ - Σĝ/D - x̂·Σ(ĝ·x̂)/D)  (when grad_x is given), and adds
                    Σ_r g·x̂ and Σ_r g into row ``threadid`` of the (threads, D) buffers sum_gx and sum_g (the
                    caller zeroes them and adds their rows up: the weight and bias gradients). One pass over
                    the row's g and x gathers both the parameter sums and the row's Σĝ, Σĝ·x̂; a second, on
                    the row still in cache, writes grad_x.

The loops over one plane or row are in normalization_rows.h (vectorised for AVX-512, AVX2 and the baseline
ISA); this file splits the planes or rows over the threads.

Example::

    x = np.array([[[1.0, 3.0]]]); mean = np.empty(1); var = np.empty(1)
    channel_stats(x, mean, var, 1)            # mean == [2.0], var == [1.0]
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport sqrt

cdef extern from "normalization_rows.h" nogil:
    void mgn_shifted_sums_f32(const float *x, Py_ssize_t n, double shift, double *total, double *squares)
    void mgn_shifted_sums_f64(const double *x, Py_ssize_t n, double shift, double *total, double *squares)
    void mgn_grad_sums_f32(const float *g, const float *w, const float *x, Py_ssize_t n, double shift,
                           double *total_g, double *total_gx)
    void mgn_grad_sums_f64(const double *g, const double *w, const double *x, Py_ssize_t n, double shift,
                           double *total_g, double *total_gx)
    void mgn_grad_sums_scale_f32(const float *g, const float *x, Py_ssize_t n, double shift, float a, float *out,
                                 double *total_g, double *total_gx)
    void mgn_grad_sums_scale_f64(const double *g, const double *x, Py_ssize_t n, double shift, double a,
                                 double *out, double *total_g, double *total_gx)
    void mgn_affine_f32(const float *x, float a, float b, float *y, Py_ssize_t n)
    void mgn_affine_f64(const double *x, double a, double b, double *y, Py_ssize_t n)
    void mgn_axpbypc_f32(const float *g, const float *w, const float *x, float a, float b, float c, float *out,
                         Py_ssize_t n)
    void mgn_axpbypc_f64(const double *g, const double *w, const double *x, double a, double b, double c,
                         double *out, Py_ssize_t n)
    void mgn_scale_shift_f32(const float *x, const float *w, const float *b, float shift, float scale, float *out,
                             Py_ssize_t n)
    void mgn_scale_shift_f64(const double *x, const double *w, const double *b, double shift, double scale,
                             double *out, Py_ssize_t n)
    void mgn_row_backward_sums_f32(const float *g, const float *w, const float *x, Py_ssize_t n, double shift,
                                   double scale, double *sum_gx, double *sum_g, double *total_g, double *total_gx)
    void mgn_row_backward_sums_f64(const double *g, const double *w, const double *x, Py_ssize_t n, double shift,
                                   double scale, double *sum_gx, double *sum_g, double *total_g, double *total_gx)


# Two sums of one pass, returned by value: a prange body that assigns the result gets a thread-private copy.
# (Passing the address of a loop variable the body never assigns would share it between the threads: Cython makes
# a prange variable private only when the body assigns it.)
cdef struct Sums:
    double first
    double second


# One wrapper per loop of normalization_rows.h, picking the float or double version from the fused type.
cdef inline Sums _shifted_sums(const floating *x, Py_ssize_t n, double shift) noexcept nogil:
    """Σ (x - shift) and Σ (x - shift)², in double."""
    cdef Sums sums
    if floating is float:
        mgn_shifted_sums_f32(x, n, shift, &sums.first, &sums.second)
    else:
        mgn_shifted_sums_f64(x, n, shift, &sums.first, &sums.second)
    return sums


cdef inline Sums _grad_sums(const floating *g, const floating *w, const floating *x, Py_ssize_t n,
                            double shift) noexcept nogil:
    """Σ g·w and Σ g·w·(x - shift), in double (w == NULL: w = 1)."""
    cdef Sums sums
    if floating is float:
        mgn_grad_sums_f32(g, w, x, n, shift, &sums.first, &sums.second)
    else:
        mgn_grad_sums_f64(g, w, x, n, shift, &sums.first, &sums.second)
    return sums


cdef inline Sums _grad_sums_scale(const floating *g, const floating *x, Py_ssize_t n, double shift, floating a,
                                  floating *out) noexcept nogil:
    """Σ g and Σ g·(x - shift), in double, and out = a·g."""
    cdef Sums sums
    if floating is float:
        mgn_grad_sums_scale_f32(g, x, n, shift, a, out, &sums.first, &sums.second)
    else:
        mgn_grad_sums_scale_f64(g, x, n, shift, a, out, &sums.first, &sums.second)
    return sums


cdef inline void _affine(const floating *x, floating a, floating b, floating *y, Py_ssize_t n) noexcept nogil:
    """y = x·a + b."""
    if floating is float:
        mgn_affine_f32(x, a, b, y, n)
    else:
        mgn_affine_f64(x, a, b, y, n)


cdef inline void _axpbypc(const floating *g, const floating *w, const floating *x, floating a, floating b,
                          floating c, floating *out, Py_ssize_t n) noexcept nogil:
    """out = a·g·w + b·x + c (w == NULL: w = 1)."""
    if floating is float:
        mgn_axpbypc_f32(g, w, x, a, b, c, out, n)
    else:
        mgn_axpbypc_f64(g, w, x, a, b, c, out, n)


cdef inline void _scale_shift(const floating *x, const floating *w, const floating *b, floating shift,
                              floating scale, floating *out, Py_ssize_t n) noexcept nogil:
    """out = (x - shift)·scale·w + b."""
    if floating is float:
        mgn_scale_shift_f32(x, w, b, shift, scale, out, n)
    else:
        mgn_scale_shift_f64(x, w, b, shift, scale, out, n)


cdef inline Sums _row_backward_sums(const floating *g, const floating *w, const floating *x, Py_ssize_t n,
                                    double shift, double scale, double *sum_gx, double *sum_g) noexcept nogil:
    """sum_gx += g·(x - shift)·scale, sum_g += g; returns Σ g·w and Σ g·w·(x - shift), in double."""
    cdef Sums sums
    if floating is float:
        mgn_row_backward_sums_f32(g, w, x, n, shift, scale, sum_gx, sum_g, &sums.first, &sums.second)
    else:
        mgn_row_backward_sums_f64(g, w, x, n, shift, scale, sum_gx, sum_g, &sums.first, &sums.second)
    return sums


cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves

# layer norm: a one-pass variance whose shifted mean² exceeds this many variances (losing more than ~10 of its
# 53 bits) is recomputed in a centred pass
cdef double CANCELLATION_LIMIT = 1024.0


cdef inline int _threads(Py_ssize_t channels, Py_ssize_t size, int num_threads) noexcept nogil:
    if channels < 2 or size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


def channel_stats(const floating[:, :, ::1] x, double[::1] mean, double[::1] var, int num_threads):
    """Per-channel mean and biased variance in one pass: Σ (x - K) and Σ (x - K)² with K the channel's first value
    (the shift keeps the difference of the two sums free of cancellation whenever K is within a few standard
    deviations of the mean, which a sample of the channel is), in double over four running sums each."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c
    cdef double total, squares, shift, m, count = batch * size
    cdef Sums plane
    if batch * size == 0:  # no plane to point into (the caller handles empty inputs)
        return
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        shift = x[0, c, 0]
        total = 0
        squares = 0
        for n in range(batch):
            plane = _shifted_sums(&x[n, c, 0], size, shift)
            total = total + plane.first
            squares = squares + plane.second
        m = total / count
        mean[c] = shift + m
        var[c] = max(squares / count - m * m, 0.0)


def channel_affine(const floating[:, :, ::1] x, const double[::1] scale, const double[::1] shift,
                   floating[:, :, ::1] y, int num_threads):
    """``y[n, c, s] = x[n, c, s]·scale[c] + shift[c]``, split over the (n, c) planes."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], p, c
    cdef floating a, b
    if batch * size == 0:  # no plane to point into (the caller handles empty inputs)
        return
    for p in prange(batch * channels, nogil=True, schedule="static",
                    num_threads=_threads(batch * channels, batch * channels * size, num_threads)):
        c = p % channels
        a = <floating>scale[c]
        b = <floating>shift[c]
        _affine(&x[p // channels, c, 0], a, b, &y[p // channels, c, 0], size)


def batch_norm_backward(const floating[:, :, ::1] grad, const floating[:, :, ::1] x, const double[::1] mean,
                        const double[::1] invstd, const double[::1] weight, bint training, double[::1] sum_g,
                        double[::1] sum_gx, floating[:, :, ::1] grad_x, int num_threads):
    """Σ g and Σ g·x̂ per channel, and grad_x when it is not None (see the module docstring)."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c
    cdef double tg, tgx, m, scale, count = batch * size
    cdef Sums plane
    cdef floating a, b, k
    if batch * size == 0:  # nothing to sum, no plane to point into
        sum_g[:] = 0
        sum_gx[:] = 0
        return
    cdef bint fused = grad_x is not None and not training  # grad_x = scale·g does not wait for the sums
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        m = mean[c]
        scale = weight[c] * invstd[c]
        tg = 0
        tgx = 0
        for n in range(batch):
            if fused:
                plane = _grad_sums_scale(&grad[n, c, 0], &x[n, c, 0], size, m, <floating>scale, &grad_x[n, c, 0])
            else:
                plane = _grad_sums(&grad[n, c, 0], <const floating *>NULL, &x[n, c, 0], size, m)
            tg = tg + plane.first
            tgx = tgx + plane.second
        sum_g[c] = tg
        sum_gx[c] = tgx * invstd[c]
        if grad_x is None or fused:
            continue
        # training: grad_x = scale·g - scale·invstd²·(Σ g·(x-m))/M · (x - m) - scale·(Σ g)/M
        a = <floating>scale
        b = <floating>(-scale * invstd[c] * invstd[c] * tgx / count)
        k = <floating>(-scale * tg / count - b * m)
        for n in range(batch):
            _axpbypc(&grad[n, c, 0], <const floating *>NULL, &x[n, c, 0], a, b, k, &grad_x[n, c, 0], size)


def layer_norm_forward(const floating[:, ::1] x, const floating[::1] weight not None,
                       const floating[::1] bias not None, double eps,
                       floating[:, ::1] out, double[::1] mean, double[::1] invstd, int num_threads):
    """Standardise each row, then ``·weight + bias`` (see the module docstring)."""
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], r
    cdef double m, inv, shift, var
    cdef Sums sums
    if size == 0:
        return
    for r in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, rows * size, num_threads)):
        # one pass of sums shifted by the row's first value; the variance is their difference, which loses
        # (shift - mean)² / var of the double's 53 bits: beyond CANCELLATION_LIMIT (the first value many standard
        # deviations off) a second pass centred on the mean gives it without cancellation
        shift = x[r, 0]
        sums = _shifted_sums(&x[r, 0], size, shift)
        m = sums.first / size
        var = sums.second / size - m * m
        if not m * m <= CANCELLATION_LIMIT * var:
            sums = _shifted_sums(&x[r, 0], size, shift + m)
            var = sums.second / size - (sums.first / size) * (sums.first / size)
            m = m + sums.first / size
        m = shift + m
        inv = 1 / sqrt(max(var, 0.0) + eps)
        mean[r] = m
        invstd[r] = inv
        _scale_shift(&x[r, 0], &weight[0], &bias[0], <floating>m, <floating>inv, &out[r, 0], size)


def layer_norm_backward(const floating[:, ::1] grad, const floating[:, ::1] x, const double[::1] mean,
                        const double[::1] invstd, const floating[::1] weight not None, floating[:, ::1] grad_x,
                        double[:, ::1] sum_gx, double[:, ::1] sum_g, int num_threads):
    """grad_x per row, and the per-thread partial weight and bias gradients (see the module docstring)."""
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], r
    cdef int t
    cdef double m, inv, total_gx
    cdef Sums sums
    cdef floating a, b, k
    if size == 0:  # no row to point into (the caller zeroed the sums)
        return
    for r in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, rows * size, num_threads)):
        t = threadid()
        m = mean[r]
        inv = invstd[r]
        sums = _row_backward_sums(&grad[r, 0], &weight[0], &x[r, 0], size, m, inv, &sum_gx[t, 0], &sum_g[t, 0])
        if grad_x is None:
            continue
        total_gx = sums.second * inv
        # grad_x = a·g·w + b·x + k
        a = <floating>inv
        b = <floating>(-inv * inv * total_gx / size)
        k = <floating>(-inv * sums.first / size - b * m)
        _axpbypc(&grad[r, 0], &weight[0], &x[r, 0], a, b, k, &grad_x[r, 0], size)
