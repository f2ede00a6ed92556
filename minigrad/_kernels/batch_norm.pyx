"""Batch-norm kernels on an (N, C, S) array: per-channel statistics, the normalising affine map, and its backward,
each one pass over the data (statistics: two, over a channel that stays in cache).

Notation: channel c holds M = N·S values x[n, c, s]; mean_c = Σ x / M, var_c = Σ (x - mean_c)² / M (biased),
invstd_c = 1 / √(var_c + eps), x̂ = (x - mean_c)·invstd_c, w_c the weight (1 when None).

channel_stats       mean[c], var[c] as above; sums accumulated in double.
channel_affine      y = x·scale[c] + shift[c]   (the caller folds the normalisation and the weight and bias into
                    scale = w·invstd and shift = b - mean·w·invstd).
batch_norm_backward sum_g[c] = Σ g,  sum_gx[c] = Σ g·x̂   (the bias and weight gradients), and, when grad_x is
                    given, grad_x = w·invstd·(g - [sum_g + x̂·sum_gx] / M)  in training (the statistics depend on
                    x), or grad_x = w·invstd·g  with fixed (running) statistics; done as one pass
                    grad_x = a·g + b·x + k per channel.

Example::

    x = np.array([[[1.0, 3.0]]]); mean = np.empty(1); var = np.empty(1)
    channel_stats(x, mean, var, 1)            # mean == [2.0], var == [1.0]
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t channels, Py_ssize_t size, int num_threads) noexcept nogil:
    if channels < 2 or size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


def channel_stats(const floating[:, :, ::1] x, double[::1] mean, double[::1] var, int num_threads):
    """Per-channel mean and biased variance (two passes: the mean, then the squared deviations)."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c, s
    cdef double total, m, d, count = batch * size
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        total = 0
        for n in range(batch):
            for s in range(size):
                total = total + x[n, c, s]
        m = total / count
        total = 0
        for n in range(batch):
            for s in range(size):
                d = x[n, c, s] - m
                total = total + d * d
        mean[c] = m
        var[c] = total / count


def channel_affine(const floating[:, :, ::1] x, const double[::1] scale, const double[::1] shift,
                   floating[:, :, ::1] y, int num_threads):
    """``y[n, c, s] = x[n, c, s]·scale[c] + shift[c]``, split over the (n, c) planes."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], p, c, s
    cdef floating a, b
    for p in prange(batch * channels, nogil=True, schedule="static",
                    num_threads=_threads(batch * channels, batch * channels * size, num_threads)):
        c = p % channels
        a = <floating>scale[c]
        b = <floating>shift[c]
        for s in range(size):
            y[p // channels, c, s] = x[p // channels, c, s] * a + b


def batch_norm_backward(const floating[:, :, ::1] grad, const floating[:, :, ::1] x, const double[::1] mean,
                        const double[::1] invstd, const double[::1] weight, bint training, double[::1] sum_g,
                        double[::1] sum_gx, floating[:, :, ::1] grad_x, int num_threads):
    """Σ g and Σ g·x̂ per channel, and grad_x when it is not None (see the module docstring)."""
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], size = x.shape[2], n, c, s
    cdef double tg, tgx, m, scale, count = batch * size
    cdef floating a, b, k
    for c in prange(channels, nogil=True, schedule="static",
                    num_threads=_threads(channels, batch * channels * size, num_threads)):
        m = mean[c]
        tg = 0
        tgx = 0
        for n in range(batch):
            for s in range(size):
                tg = tg + grad[n, c, s]
                tgx = tgx + grad[n, c, s] * (x[n, c, s] - m)
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
            for s in range(size):
                grad_x[n, c, s] = a * grad[n, c, s] + b * x[n, c, s] + k
