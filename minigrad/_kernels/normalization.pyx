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
                    x), or grad_x = w·invstd·g  with fixed (running) statistics; done as one pass
                    grad_x = a·g + b·x + k per channel.

Layer norm. Row r: mean_r, invstd_r over its D values, x̂ = (x - mean_r)·invstd_r, w and b (D,) (the caller passes
ones and zeros for an absent weight or bias).

layer_norm_forward  y = x̂·w + b; also returns mean and invstd per row.
layer_norm_backward ĝ = g·w;  grad_x = invstd·(ĝ - Σĝ/D - x̂·Σ(ĝ·x̂)/D)  (when grad_x is given), and adds
                    Σ_r g·x̂ and Σ_r g into row ``threadid`` of the (threads, D) buffers sum_gx and sum_g (the
                    caller zeroes them and adds their rows up: the weight and bias gradients).

Example::

    x = np.array([[[1.0, 3.0]]]); mean = np.empty(1); var = np.empty(1)
    channel_stats(x, mean, var, 1)            # mean == [2.0], var == [1.0]
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport sqrt

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t channels, Py_ssize_t size, int num_threads) noexcept nogil:
    if channels < 2 or size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


def channel_stats(const floating[:, :, ::1] x, double[::1] mean, double[::1] var, int num_threads):
    """Per-channel mean and biased variance in one pass: Σ (x - K) and Σ (x - K)² with K the channel's first value
    (the shift keeps the difference of the two sums free of cancellation whenever K is within a few standard
    deviations of the mean, which a sample of the channel is), in double over four running sums each."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c
    cdef double total, squares, plane, plane_squares, shift, m, count = batch * size
    if batch * size == 0:  # no plane to point into (the caller handles empty inputs)
        return
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        shift = x[0, c, 0]
        total = 0
        squares = 0
        for n in range(batch):
            _shifted_sums(&x[n, c, 0], size, shift, &plane, &plane_squares)
            total = total + plane
            squares = squares + plane_squares
        m = total / count
        mean[c] = shift + m
        var[c] = max(squares / count - m * m, 0.0)


def channel_affine(const floating[:, :, ::1] x, const double[::1] scale, const double[::1] shift,
                   floating[:, :, ::1] y, int num_threads):
    """``y[n, c, s] = x[n, c, s]·scale[c] + shift[c]``, split over the (n, c) planes."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], p, c, s
    cdef floating a, b
    cdef const floating *source
    cdef floating *target
    if batch * size == 0:  # no plane to point into (the caller handles empty inputs)
        return
    for p in prange(batch * channels, nogil=True, schedule="static",
                    num_threads=_threads(batch * channels, batch * channels * size, num_threads)):
        c = p % channels
        a = <floating>scale[c]
        b = <floating>shift[c]
        source = &x[p // channels, c, 0]
        target = &y[p // channels, c, 0]
        for s in range(size):  # contiguous and branch-free: vectorised
            target[s] = source[s] * a + b


def batch_norm_backward(const floating[:, :, ::1] grad, const floating[:, :, ::1] x, const double[::1] mean,
                        const double[::1] invstd, const double[::1] weight, bint training, double[::1] sum_g,
                        double[::1] sum_gx, floating[:, :, ::1] grad_x, int num_threads):
    """Σ g and Σ g·x̂ per channel, and grad_x when it is not None (see the module docstring)."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c, s
    cdef double tg, tgx, plane_g, plane_gx, m, scale, count = batch * size
    cdef floating a, b, k
    cdef const floating *g
    cdef const floating *source
    cdef floating *target
    if batch * size == 0:  # nothing to sum, no plane to point into
        sum_g[:] = 0
        sum_gx[:] = 0
        return
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        m = mean[c]
        tg = 0
        tgx = 0
        for n in range(batch):
            _grad_sums(&grad[n, c, 0], &x[n, c, 0], m, size, &plane_g, &plane_gx)
            tg = tg + plane_g
            tgx = tgx + plane_gx
        sum_g[c] = tg
        sum_gx[c] = tgx * invstd[c]
        if grad_x is None:
            continue
        scale = weight[c] * invstd[c]
        a = <floating>scale
        b = 0
        k = 0
        if training:  # grad_x = scale·g - scale·invstd²·(Σ g·(x-m))/M · (x - m) - scale·(Σ g)/M
            b = <floating>(-scale * invstd[c] * invstd[c] * tgx / count)
            k = <floating>(-scale * tg / count - b * m)
        for n in range(batch):
            g = &grad[n, c, 0]
            source = &x[n, c, 0]
            target = &grad_x[n, c, 0]
            for s in range(size):  # contiguous and branch-free: vectorised
                target[s] = a * g[s] + b * source[s] + k


cdef inline void _shifted_sums(const floating *x, Py_ssize_t size, double shift, double *total,
                               double *squares) noexcept nogil:
    """Σ (x - shift) and Σ (x - shift)², each over four running sums."""
    cdef double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, d0, d1, d2, d3
    cdef Py_ssize_t d = 0
    while d + 4 <= size:
        d0 = x[d] - shift
        d1 = x[d + 1] - shift
        d2 = x[d + 2] - shift
        d3 = x[d + 3] - shift
        a0 = a0 + d0
        a1 = a1 + d1
        a2 = a2 + d2
        a3 = a3 + d3
        b0 = b0 + d0 * d0
        b1 = b1 + d1 * d1
        b2 = b2 + d2 * d2
        b3 = b3 + d3 * d3
        d = d + 4
    while d < size:
        d0 = x[d] - shift
        a0 = a0 + d0
        b0 = b0 + d0 * d0
        d = d + 1
    total[0] = (a0 + a1) + (a2 + a3)
    squares[0] = (b0 + b1) + (b2 + b3)


cdef inline void _grad_sums(const floating *g, const floating *x, double shift, Py_ssize_t size,
                            double *total_g, double *total_gx) noexcept nogil:
    """Σ g and Σ g·(x - shift), each over four running sums."""
    cdef double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0
    cdef Py_ssize_t d = 0
    while d + 4 <= size:
        a0 = a0 + g[d]
        a1 = a1 + g[d + 1]
        a2 = a2 + g[d + 2]
        a3 = a3 + g[d + 3]
        b0 = b0 + g[d] * (x[d] - shift)
        b1 = b1 + g[d + 1] * (x[d + 1] - shift)
        b2 = b2 + g[d + 2] * (x[d + 2] - shift)
        b3 = b3 + g[d + 3] * (x[d + 3] - shift)
        d = d + 4
    while d < size:
        a0 = a0 + g[d]
        b0 = b0 + g[d] * (x[d] - shift)
        d = d + 1
    total_g[0] = (a0 + a1) + (a2 + a3)
    total_gx[0] = (b0 + b1) + (b2 + b3)


cdef inline double _sum(const floating *row, Py_ssize_t size, double shift) noexcept nogil:
    """Σ (row[d] - shift) over four running sums (a single chain waits on each addition's latency)."""
    cdef double s0 = 0, s1 = 0, s2 = 0, s3 = 0
    cdef Py_ssize_t d = 0
    while d + 4 <= size:
        s0 = s0 + (row[d] - shift)
        s1 = s1 + (row[d + 1] - shift)
        s2 = s2 + (row[d + 2] - shift)
        s3 = s3 + (row[d + 3] - shift)
        d = d + 4
    while d < size:
        s0 = s0 + (row[d] - shift)
        d = d + 1
    return (s0 + s1) + (s2 + s3)


cdef inline double _sum_squares(const floating *row, Py_ssize_t size, double shift) noexcept nogil:
    """Σ (row[d] - shift)² over four running sums."""
    cdef double s0 = 0, s1 = 0, s2 = 0, s3 = 0, a, b, c, e
    cdef Py_ssize_t d = 0
    while d + 4 <= size:
        a = row[d] - shift
        b = row[d + 1] - shift
        c = row[d + 2] - shift
        e = row[d + 3] - shift
        s0 = s0 + a * a
        s1 = s1 + b * b
        s2 = s2 + c * c
        s3 = s3 + e * e
        d = d + 4
    while d < size:
        a = row[d] - shift
        s0 = s0 + a * a
        d = d + 1
    return (s0 + s1) + (s2 + s3)


cdef inline void _weighted_sums(const floating *g, const floating *w, const floating *x, double shift,
                                Py_ssize_t size, double *total_g, double *total_gx) noexcept nogil:
    """Σ g·w and Σ g·w·(x - shift), each over two running sums (chains of dependent additions wait on latency)."""
    cdef double a0 = 0, a1 = 0, b0 = 0, b1 = 0, gw
    cdef Py_ssize_t d = 0
    while d + 2 <= size:
        gw = g[d] * w[d]
        a0 = a0 + gw
        b0 = b0 + gw * (x[d] - shift)
        gw = g[d + 1] * w[d + 1]
        a1 = a1 + gw
        b1 = b1 + gw * (x[d + 1] - shift)
        d = d + 2
    if d < size:
        gw = g[d] * w[d]
        a0 = a0 + gw
        b0 = b0 + gw * (x[d] - shift)
    total_g[0] = a0 + a1
    total_gx[0] = b0 + b1


def layer_norm_forward(const floating[:, ::1] x, const floating[::1] weight not None,
                       const floating[::1] bias not None, double eps,
                       floating[:, ::1] out, double[::1] mean, double[::1] invstd, int num_threads):
    """Standardise each row, then ``·weight + bias`` (see the module docstring)."""
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], r, d
    cdef double m, inv
    cdef floating shift, scale
    for r in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, rows * size, num_threads)):
        m = _sum(&x[r, 0], size, 0.0) / size
        inv = 1 / sqrt(_sum_squares(&x[r, 0], size, m) / size + eps)
        mean[r] = m
        invstd[r] = inv
        shift = <floating>m
        scale = <floating>inv
        for d in range(size):  # branch-free in the input's precision, so the compiler vectorises it
            out[r, d] = (x[r, d] - shift) * scale * weight[d] + bias[d]


def layer_norm_backward(const floating[:, ::1] grad, const floating[:, ::1] x, const double[::1] mean,
                        const double[::1] invstd, const floating[::1] weight not None, floating[:, ::1] grad_x,
                        double[:, ::1] sum_gx, double[:, ::1] sum_g, int num_threads):
    """grad_x per row, and the per-thread partial weight and bias gradients (see the module docstring)."""
    cdef Py_ssize_t rows = x.shape[0], size = x.shape[1], r, d
    cdef int t
    cdef double m, inv, total_g, total_gx
    cdef floating a, b, k
    for r in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, rows * size, num_threads)):
        t = threadid()
        m = mean[r]
        inv = invstd[r]
        for d in range(size):  # independent across d: vectorised
            sum_gx[t, d] += grad[r, d] * ((x[r, d] - m) * inv)
            sum_g[t, d] += grad[r, d]
        if grad_x is None:
            continue
        _weighted_sums(&grad[r, 0], &weight[0], &x[r, 0], m, size, &total_g, &total_gx)
        total_gx = total_gx * inv
        # grad_x = a·g·w + b·x + k, branch-free in the input's precision
        a = <floating>inv
        b = <floating>(-inv * inv * total_gx / size)
        k = <floating>(-inv * total_g / size - b * m)
        for d in range(size):
            grad_x[r, d] = a * grad[r, d] * weight[d] + b * x[r, d] + k
