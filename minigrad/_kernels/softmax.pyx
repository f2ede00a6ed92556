"""Row-wise log-softmax, softmax and logsumexp over the last axis of a 2-D C-contiguous array.

For a row x of length C, with m = max(x) (the max trick keeps exp from overflowing):

    logsumexp(x)     = m + log(sum_c exp(x_c - m))
    log_softmax(x)_c = (x_c - m) - log(sum_j exp(x_j - m))
    softmax(x)_c     = exp(x_c - m) / sum_j exp(x_j - m)

float32 and float64; sums of exponentials are accumulated in double; exp is vectorised (simd_exp.h).
Special values follow torch: a row of all -inf has log_softmax and softmax nan and logsumexp -inf;
a row containing +inf has log_softmax and softmax nan and logsumexp +inf; nan anywhere in a row makes
the whole row's results nan. An empty row (C == 0) has logsumexp -inf.

The caller moves the reduced axis last and passes fresh C-contiguous arrays; these kernels trust their
arguments (shapes agree, out does not overlap x). Rows are split among ``num_threads`` threads when
the array is big enough for threads to pay off.

Example::

    x = np.array([[1.0, 2.0, 3.0]]); out = np.empty_like(x)
    log_softmax_rows(x, out, 1)      # out == [[-2.4076, -1.4076, -0.4076]]
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, isinf, log

from minigrad._kernels.simd_exp cimport row_exp_shift_sum, row_max, row_scale, row_sub2, threads_for

import numpy as np


def log_softmax_rows(const floating[:, ::1] x, floating[:, ::1] out, int num_threads):
    """out[i, :] = log_softmax(x[i, :]); x and out are (rows, C), same dtype."""
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i
    cdef double total
    cdef floating m
    cdef int nt = threads_for(rows, cols, num_threads)
    if rows == 0 or cols == 0:
        return
    with nogil, parallel(num_threads=nt):
        for i in prange(rows, schedule="static"):
            m = row_max(&x[i, 0], cols)
            # out holds exp(x - m) only as scratch for the sum, then is overwritten
            total = row_exp_shift_sum(&x[i, 0], m, &out[i, 0], cols)
            row_sub2(&x[i, 0], m, <floating>log(total), &out[i, 0], cols)


def softmax_rows(const floating[:, ::1] x, floating[:, ::1] out, int num_threads):
    """out[i, :] = softmax(x[i, :]); x and out are (rows, C), same dtype."""
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i
    cdef double total
    cdef int nt = threads_for(rows, cols, num_threads)
    if rows == 0 or cols == 0:
        return
    with nogil, parallel(num_threads=nt):
        for i in prange(rows, schedule="static"):
            total = row_exp_shift_sum(&x[i, 0], row_max(&x[i, 0], cols), &out[i, 0], cols)
            row_scale(&out[i, 0], <floating>(1.0 / total), cols)


def logsumexp_rows(const floating[:, ::1] x, floating[::1] out, int num_threads):
    """out[i] = log(sum(exp(x[i, :]))); x is (rows, C), out is (rows,), same dtype."""
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i
    cdef floating m
    cdef int nt = threads_for(rows, cols, num_threads)
    if rows == 0:
        return
    if cols == 0:
        out[:] = -INFINITY
        return
    # the exponentials are not returned, so each thread needs one row of scratch for them
    # (allocated here, where running out of memory is a clean MemoryError)
    cdef floating[:, ::1] scratch = np.empty((nt, cols), dtype=np.asarray(out).dtype)
    with nogil, parallel(num_threads=nt):
        for i in prange(rows, schedule="static"):
            m = row_max(&x[i, 0], cols)
            # torch's rule: an infinite max is not subtracted, so +inf gives +inf, all -inf gives
            # log(0) = -inf, and a nan still propagates through the sum
            if isinf(m):
                m = 0
            out[i] = m + log(row_exp_shift_sum(&x[i, 0], m, &scratch[threadid(), 0], cols))
