"""Fused cross-entropy and NLL kernels: loss and gradient of each row in one pass.

Rows are the N positions (the caller moves the class axis last: x is (N, C) C-contiguous), the classes
are the C entries of a row; cross_entropy_index_columns takes (N, C, D) inputs with the class axis in the
middle instead. Notation (spec/losses.md §2.3, §2.5): w class weights (1 when None),
W = sum_c w_c, eps label smoothing, lse = logsumexp(x_n), p = softmax(x_n), valid_n = [y_n != ignore_index],
w'_n = w[y_n] * valid_n.

cross_entropy_index  (index targets y, optional smoothing):
    l_n  = valid_n * [(1-eps) w[y_n] (lse - x[n,y_n]) + (eps/C) sum_c w_c (lse - x[n,c])]
    dl_n/dx[n,:] = valid_n * [(1-eps) w[y_n] (p - onehot(y_n)) + (eps/C) (W p - w)]
cross_entropy_probs  (probability targets t, t' = (1-eps) t + eps/C):
    l_n  = sum_c w_c t'[n,c] (lse - x[n,c])
    dl_n/dx[n,:] = (sum_c w_c t'[n,c]) p - w * t'[n,:]        dl_n/dt[n,:] = (1-eps) w * (lse - x[n,:])
nll  (x already log-probabilities):
    l_n  = -w'_n x[n,y_n]          dl_n/dx[n,c] = -w'_n [c == y_n]

Calling convention (every kernel of minigrad._kernels)::

    kernel(inputs..., options..., double scale, loss_out, grad_out..., int num_threads) -> double

The caller allocates the outputs: loss_out (N,) receives l_n; each gradient buffer (None: not computed)
receives dl_n/d(row n) multiplied by ``scale`` -- the caller passes 1/sum_n w'_n for the weighted 'mean'
of index targets (valid_weight_sum gives the denominator), 1/N for the probability-target 'mean', and 1
otherwise -- so for a reduced loss with upstream gradient 1 the buffer is already the final gradient, and
the autograd backward only multiplies by the upstream value. The return value is sum_n l_n.
Ignored rows have zero loss and a zero gradient row, whatever the scale (torch gives zeros, not nan,
when every target is ignored). Losses and sums are accumulated in double; the returned sums add the
rows in order, so the result does not depend on the thread count.

Each row costs one max pass over x, one pass writing exp(x - max) into the gradient row while summing
it, and one pass scaling that row in place (cache-hot): the logits are read from memory once and the
gradient is written once. Without a gradient buffer (inference) each thread uses one scratch row. The
column kernel makes the same passes down the class axis over blocks of BLOCK positions.

Targets are checked here (out-of-range targets raise IndexError like torch); everything else
(shapes, dtypes, contiguity) is the Python wrapper's job.

Example::

    x = np.array([[1.0, 2.0, 3.0]]); loss = np.empty(1); grad = np.empty_like(x)
    cross_entropy_index(x, np.array([2]), None, -100, 0.0, 1.0, loss, grad, 1)
    # -> 0.4076; loss == [0.4076]; grad == [[0.0900, 0.2447, -0.3348]]
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, log
from libc.stdint cimport int64_t
from libc.string cimport memset

from minigrad._kernels.simd_exp cimport (col_dot_acc, col_exp_acc, col_max, col_scale_sub, ordered_sum, row_axpb,
                                         row_dot, row_exp_shift_sum, row_max, row_scale, threads_for)

import numpy as np


cdef double _valid_weight_sum(const int64_t[::1] target, Py_ssize_t num_classes, const floating *w,
                              int64_t ignore_index, Py_ssize_t *bad_row) noexcept nogil:
    """sum_n w'_n; sets bad_row to the first row whose target is neither ignored nor in [0, C)."""
    cdef Py_ssize_t i
    cdef int64_t y
    cdef double total = 0
    bad_row[0] = -1
    for i in range(target.shape[0]):
        y = target[i]
        if y == ignore_index:
            continue
        if y < 0 or y >= num_classes:
            bad_row[0] = i
            return 0
        total += w[y] if w != NULL else 1.0
    return total


cdef double _checked_weight_sum(const int64_t[::1] target, Py_ssize_t num_classes, const floating *w,
                                int64_t ignore_index) except? -1:
    cdef Py_ssize_t bad_row
    cdef double total = _valid_weight_sum(target, num_classes, w, ignore_index, &bad_row)
    if bad_row >= 0:
        raise IndexError(f"Target {target[bad_row]} is out of bounds.")
    return total


def valid_weight_sum(const int64_t[::1] target, Py_ssize_t num_classes, const floating[::1] weight,
                     int64_t ignore_index):
    """sum_n w'_n, the denominator of the index targets' 'mean' (0 when every target is ignored); raises
    torch's IndexError for a target that is neither ignore_index nor in [0, num_classes)."""
    return _checked_weight_sum(target, num_classes, _weight_ptr(weight), ignore_index)


cdef inline const floating *_weight_ptr(const floating[::1] weight) noexcept:
    return &weight[0] if weight is not None and weight.shape[0] > 0 else NULL


# Returned by value, so a prange body that assigns it gets a thread-private copy.
cdef struct IndexTerms:
    double loss
    double a
    double b
    double at_target


cdef inline IndexTerms _ce_index_terms(double nll, double smooth, double wy, double weight_total, double eps,
                                       Py_ssize_t num_classes, double total, double scale) noexcept nogil:
    """The index-target loss of one valid position, and its scaled gradient as three coefficients.

    With e_c = exp(x_c - max), total = sum_c e_c, nll = lse - x_y and smooth = sum_c w_c (lse - x_c) (0 when
    eps == 0), the module docstring's gradient times scale is  g_c = a e_c - b w_c - [c == y] at_target.
    The one place the index-target gradient is written: the row and the column layouts both use it.
    """
    cdef IndexTerms terms
    terms.a = scale * ((1 - eps) * wy + eps * weight_total / num_classes) / total
    terms.b = scale * eps / num_classes
    terms.at_target = scale * (1 - eps) * wy
    terms.loss = (1 - eps) * wy * nll + eps / num_classes * smooth
    return terms


cdef inline double _ce_index_row(const floating *x, Py_ssize_t num_classes, Py_ssize_t y,
                                 const floating *w, double weight_total, double eps, double scale,
                                 floating *g, bint want_grad) noexcept nogil:
    """Loss of one valid row; writes its scaled gradient into g (or uses g as scratch)."""
    cdef floating m = row_max(x, num_classes)
    cdef double total = row_exp_shift_sum(x, m, g, num_classes)      # g = exp(x - m)
    cdef double log_total = log(total)
    cdef double wy = w[y] if w != NULL else 1.0
    cdef double nll = (m - x[y]) + log_total                          # lse - x_y, exact for big |x|
    # sum_c w_c (lse - x_c) = W lse - sum_c w_c x_c
    cdef double smooth = weight_total * (m + log_total) - row_dot(w, x, num_classes) if eps != 0 else 0.0
    cdef IndexTerms terms = _ce_index_terms(nll, smooth, wy, weight_total, eps, num_classes, total, scale)
    if want_grad:
        if eps == 0:
            row_scale(g, <floating>terms.a, num_classes)
        else:
            row_axpb(g, w, <floating>terms.a, <floating>terms.b, num_classes)
        g[y] = g[y] - <floating>terms.at_target
    return terms.loss


def cross_entropy_index(const floating[:, ::1] x, const int64_t[::1] target, const floating[::1] weight,
                        int64_t ignore_index, double label_smoothing, double scale,
                        floating[::1] loss_out, floating[:, ::1] grad_out, int num_threads):
    """Cross-entropy with class-index targets.

    x (N, C); target (N,) int64; weight (C,) or None; label_smoothing in [0, 1]; loss_out (N,) receives
    l_n; grad_out (N, C), or None for no gradient, receives dl_n/dx[n,:] times ``scale`` (for 'mean'
    1 / valid_weight_sum(...): an infinite scale when that is 0 gives nan gradients on the rows whose target
    weight is 0, as in torch; ignored rows stay exactly 0). Returns sum_n l_n.
    """
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i
    cdef const floating *w = _weight_ptr(weight)
    _checked_weight_sum(target, cols, w, ignore_index)
    # W = sum_c w_c (row_dot with no weights sums its second argument)
    cdef double weight_total = row_dot(<const floating *>NULL, w, cols) if w != NULL else cols
    cdef bint want_grad = grad_out is not None
    cdef int nt = threads_for(rows, cols, num_threads)
    cdef floating[:, ::1] out_rows = grad_out if want_grad else _scratch_rows(nt, cols, loss_out)
    cdef floating *g
    if rows == 0 or cols == 0:  # no classes: every target was ignored (any other raised above)
        loss_out[:] = 0
        return 0.0
    with nogil, parallel(num_threads=nt):
        for i in prange(rows, schedule="static"):
            g = &out_rows[i if want_grad else threadid(), 0]
            if target[i] == ignore_index:
                loss_out[i] = 0
                if want_grad:
                    memset(g, 0, cols * sizeof(floating))
            else:
                loss_out[i] = _ce_index_row(&x[i, 0], cols, target[i], w, weight_total, label_smoothing,
                                            scale, g, want_grad)
    return ordered_sum(loss_out)


# Positions per block of the column kernel: a block's class rows of x and of the gradient (C x BLOCK
# values each) stay in cache between its passes.
cdef enum:
    BLOCK = 256


def cross_entropy_index_columns(const floating[:, :, ::1] x, const int64_t[::1] target,
                                const floating[::1] weight, int64_t ignore_index, double label_smoothing,
                                double scale, floating[::1] loss_out, floating[:, :, ::1] grad_out,
                                int num_threads):
    """Cross-entropy with class-index targets for x (N, C, D): the class axis in the middle, as in
    (N, C, d1..dK) inputs with D = d1···dK positions per sample. No transposing copy: the softmax runs
    down the class axis, vectorised along blocks of positions.

    target and loss_out are (N·D,) in (n, d) order; grad_out is (N, C, D) or None. Same results and gradient
    convention as cross_entropy_index. Returns the sum of the losses.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], D = x.shape[2]
    cdef Py_ssize_t per_sample = (D + BLOCK - 1) // BLOCK, blocks = N * per_sample
    cdef Py_ssize_t block, n, start, length, c, j, pos
    cdef const floating *w = _weight_ptr(weight)
    _checked_weight_sum(target, C, w, ignore_index)
    cdef double weight_total = row_dot(<const floating *>NULL, w, C) if w != NULL else C
    cdef double eps = label_smoothing
    cdef bint want_grad = grad_out is not None
    cdef int nt = threads_for(blocks, C * (D if D < BLOCK else BLOCK), num_threads)
    # per thread: the block's max, the gradient coefficients a, b and at_target of _ce_index_terms, and
    # (without a gradient) a row for the exponentials; sums of exponentials and of w_c x_c in double
    dtype = np.asarray(loss_out).dtype
    cdef floating[:, :, ::1] scratch = np.empty((nt, 5, BLOCK), dtype=dtype)
    cdef double[:, :, ::1] sums = np.empty((nt, 2, BLOCK))
    cdef floating *m
    cdef floating *a
    cdef floating *b
    cdef floating *t
    cdef floating *e
    cdef double *total
    cdef double *weighted_x
    cdef double log_total, smooth
    cdef IndexTerms terms
    cdef int64_t y
    if blocks == 0 or C == 0:
        loss_out[:] = 0
        return 0.0
    with nogil, parallel(num_threads=nt):
        for block in prange(blocks, schedule="static"):
            m = &scratch[threadid(), 0, 0]
            a = &scratch[threadid(), 1, 0]
            b = &scratch[threadid(), 2, 0]
            t = &scratch[threadid(), 3, 0]
            total = &sums[threadid(), 0, 0]
            weighted_x = &sums[threadid(), 1, 0]
            n = block // per_sample
            start = (block % per_sample) * BLOCK
            length = D - start if D - start < BLOCK else BLOCK
            for j in range(length):
                m[j] = -INFINITY
                total[j] = 0
                weighted_x[j] = 0
            for c in range(C):
                col_max(m, &x[n, c, start], length)
            for c in range(C):
                e = &grad_out[n, c, start] if want_grad else &scratch[threadid(), 4, 0]
                col_exp_acc(&x[n, c, start], m, e, total, length)
                if eps > 0:
                    col_dot_acc(weighted_x, w[c] if w != NULL else 1.0, &x[n, c, start], length)
            for j in range(length):
                pos = n * D + start + j
                y = target[pos]
                if y == ignore_index:
                    loss_out[pos] = 0
                    a[j] = 0
                    b[j] = 0
                    continue
                log_total = log(total[j])
                smooth = weight_total * (m[j] + log_total) - weighted_x[j] if eps > 0 else 0.0
                terms = _ce_index_terms((m[j] - x[n, y, start + j]) + log_total, smooth,
                                        w[y] if w != NULL else 1.0, weight_total, eps, C, total[j], scale)
                loss_out[pos] = terms.loss
                a[j] = <floating>terms.a
                b[j] = <floating>terms.b
                t[j] = <floating>terms.at_target
            if want_grad:
                # g = a e - w_c b down every class row, then the target's term
                for c in range(C):
                    col_scale_sub(&grad_out[n, c, start], a, <floating>(w[c] if w != NULL else 1.0), b, length)
                for j in range(length):
                    y = target[n * D + start + j]
                    if y == ignore_index:   # exactly 0, even where x is inf or nan
                        for c in range(C):
                            grad_out[n, c, start + j] = 0
                    else:
                        grad_out[n, y, start + j] = grad_out[n, y, start + j] - t[j]
    return ordered_sum(loss_out)


def cross_entropy_probs(const floating[:, ::1] x, const floating[:, ::1] target, const floating[::1] weight,
                        double label_smoothing, double scale, floating[::1] loss_out,
                        floating[:, ::1] grad_out, floating[:, ::1] grad_target_out, int num_threads):
    """Cross-entropy with class-probability targets.

    x and target (N, C); weight (C,) or None; loss_out (N,) receives l_n; grad_out and grad_target_out
    (N, C), each None when not wanted, receive dl_n/dx[n,:] and dl_n/dt[n,:] times ``scale``.
    Returns sum_n l_n.
    """
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i, c
    cdef const floating *w = _weight_ptr(weight)
    cdef bint want_grad = grad_out is not None, want_grad_target = grad_target_out is not None
    cdef int nt = threads_for(rows, cols, num_threads)
    cdef floating[:, ::1] out_rows = grad_out if want_grad else _scratch_rows(nt, cols, loss_out)
    cdef floating *g
    cdef const floating *xr
    cdef const floating *tr
    cdef floating m
    cdef double total, log_total, lse_minus_x, wc, t_smooth, weight_mass, loss
    cdef double keep = 1 - label_smoothing, spread = label_smoothing / cols if cols else 0
    if rows == 0 or cols == 0:  # a sum over no classes
        loss_out[:] = 0
        return 0.0
    with nogil, parallel(num_threads=nt):
        for i in prange(rows, schedule="static"):
            xr = &x[i, 0]
            tr = &target[i, 0]
            g = &out_rows[i if want_grad else threadid(), 0]
            m = row_max(xr, cols)
            total = row_exp_shift_sum(xr, m, g, cols)
            log_total = log(total)
            loss = 0
            weight_mass = 0                                   # sum_c w_c t'_c
            for c in range(cols):
                wc = w[c] if w != NULL else 1.0
                t_smooth = keep * tr[c] + spread
                lse_minus_x = (m - xr[c]) + log_total
                loss = loss + wc * t_smooth * lse_minus_x
                weight_mass = weight_mass + wc * t_smooth
                if want_grad_target:
                    grad_target_out[i, c] = <floating>(scale * keep * wc * lse_minus_x)
            loss_out[i] = loss
            if want_grad:
                for c in range(cols):
                    wc = w[c] if w != NULL else 1.0
                    g[c] = <floating>(scale * (weight_mass * g[c] / total - wc * (keep * tr[c] + spread)))
    return ordered_sum(loss_out)


def nll(const floating[:, ::1] x, const int64_t[::1] target, const floating[::1] weight, int64_t ignore_index,
        double scale, floating[::1] loss_out, floating[:, ::1] grad_out, int num_threads):
    """NLL loss l_n = -w'_n x[n, y_n] into loss_out (N,); grad_out (N, C) or None receives
    dl_n/dx[n, :] times ``scale``: zeros except -w'_n * scale at y_n. Returns sum_n l_n.

    The gradient's work is zeroing N·C values, so each thread clears one contiguous block of rows with a
    single memset (large memsets avoid the read-for-ownership of row-sized ones: about 25% faster here)
    and then writes its rows' target entries.
    """
    cdef Py_ssize_t rows = x.shape[0], cols = x.shape[1], i, block, first, last
    cdef const floating *w = _weight_ptr(weight)
    _checked_weight_sum(target, cols, w, ignore_index)
    cdef int nt = threads_for(rows, cols, num_threads)
    cdef int64_t y
    for i in range(rows):
        y = target[i]
        # an ignored row is exactly 0 even where x is inf or nan
        loss_out[i] = 0 if y == ignore_index else -(w[y] if w != NULL else 1) * x[i, y]
    if grad_out is None or rows == 0 or cols == 0:
        return ordered_sum(loss_out)
    with nogil, parallel(num_threads=nt):
        for block in prange(nt, schedule="static"):
            first = rows * block // nt
            last = rows * (block + 1) // nt
            memset(&grad_out[first, 0], 0, (last - first) * cols * sizeof(floating))
            for i in range(first, last):
                y = target[i]
                if y != ignore_index:
                    grad_out[i, y] = <floating>(-(w[y] if w != NULL else 1) * scale)
    return ordered_sum(loss_out)


cdef _scratch_rows(int num_threads, Py_ssize_t cols, loss_out):
    """One row of scratch per thread, for the exponentials when no gradient is kept."""
    return np.empty((num_threads, cols), dtype=np.asarray(loss_out).dtype)
