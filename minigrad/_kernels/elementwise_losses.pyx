# cython: freethreading_compatible = True
"""Fused loss + gradient kernels for the elementwise losses: MSE, smooth L1, Huber, binary cross-entropy (on
probabilities and on logits) and soft margin.

One pass over the elements computes the loss and its gradient; the autograd backward then only multiplies the
cached gradient by the upstream one. Measured on 1e6 float32 elements (forward + backward, this project's 2-core
machines), these run at or below PyTorch's fused TensorIterator kernels, where the same losses composed of NumPy
ufuncs take several times longer (see benchmarks/bench_margin.py).

Every kernel takes flat C-contiguous arrays of one float dtype (x, y and optional per-element weights of the
same length; the caller broadcasts) and returns ``(loss, grad_x, grad_y)``:

* ``loss``: the per-element array, or with ``reduce=True`` its sum as a float;
* ``grad_x``: ``grad_scale * dl/dx`` (None unless ``need_grad``); for MSE, smooth L1 and Huber the target's
  gradient is ``-grad_x`` and ``grad_y`` is None;
* ``grad_y``: ``grad_scale * dl/dy`` for the two cross-entropies when ``target_grad`` (else None).

Arrays in, arrays out: the kernels trust their inputs; the Python wrappers check them first.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid

import numpy as np

__all__ = ["mse", "smooth_l1", "huber", "binary_cross_entropy", "binary_cross_entropy_with_logits", "soft_margin"]

cdef extern from "elementwise_rows.h" nogil:
    double mge_mse_f32(const float *, const float *, const float *, const float *, float, float, float *,
                       float *, float *, Py_ssize_t)
    double mge_mse_f64(const double *, const double *, const double *, const double *, double, double,
                       double *, double *, double *, Py_ssize_t)
    double mge_smooth_l1_f32(const float *, const float *, const float *, const float *, float, float, float *,
                             float *, float *, Py_ssize_t)
    double mge_smooth_l1_f64(const double *, const double *, const double *, const double *, double, double,
                             double *, double *, double *, Py_ssize_t)
    double mge_huber_f32(const float *, const float *, const float *, const float *, float, float, float *,
                         float *, float *, Py_ssize_t)
    double mge_huber_f64(const double *, const double *, const double *, const double *, double, double,
                         double *, double *, double *, Py_ssize_t)
    double mge_bce_f32(const float *, const float *, const float *, const float *, float, float, float *,
                       float *, float *, Py_ssize_t)
    double mge_bce_f64(const double *, const double *, const double *, const double *, double, double,
                       double *, double *, double *, Py_ssize_t)
    double mge_bce_with_logits_f32(const float *, const float *, const float *, const float *, float, float,
                                   float *, float *, float *, Py_ssize_t)
    double mge_bce_with_logits_f64(const double *, const double *, const double *, const double *, double,
                                   double, double *, double *, double *, Py_ssize_t)
    double mge_soft_margin_f32(const float *, const float *, const float *, const float *, float, float,
                               float *, float *, float *, Py_ssize_t)
    double mge_soft_margin_f64(const double *, const double *, const double *, const double *, double, double,
                               double *, double *, double *, Py_ssize_t)

cdef enum:
    # Elements per block: each block is one unit of parallel work and has its own partial sum, so the total
    # does not depend on the thread count.
    BLOCK = 16384
    # Below this many elements one thread is faster (a parallel region costs microseconds to start).
    PARALLEL_MIN_ELEMENTS = 65536


cdef enum Loss:
    MSE, SMOOTH_L1, HUBER, BCE, BCE_WITH_LOGITS, SOFT_MARGIN


cdef double _block(Loss loss, const floating *x, const floating *y, const floating *w, const floating *pw,
                   floating param, floating scale, floating *out, floating *g, floating *gy,
                   Py_ssize_t n) noexcept nogil:
    """One block of ``loss``'s kernel (see elementwise_rows_body.h for the shared signature)."""
    if floating is float:
        if loss == MSE:
            return mge_mse_f32(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == SMOOTH_L1:
            return mge_smooth_l1_f32(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == HUBER:
            return mge_huber_f32(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == BCE:
            return mge_bce_f32(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == BCE_WITH_LOGITS:
            return mge_bce_with_logits_f32(x, y, w, pw, param, scale, out, g, gy, n)
        return mge_soft_margin_f32(x, y, w, pw, param, scale, out, g, gy, n)
    else:
        if loss == MSE:
            return mge_mse_f64(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == SMOOTH_L1:
            return mge_smooth_l1_f64(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == HUBER:
            return mge_huber_f64(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == BCE:
            return mge_bce_f64(x, y, w, pw, param, scale, out, g, gy, n)
        if loss == BCE_WITH_LOGITS:
            return mge_bce_with_logits_f64(x, y, w, pw, param, scale, out, g, gy, n)
        return mge_soft_margin_f64(x, y, w, pw, param, scale, out, g, gy, n)


cdef _run(Loss loss, const floating[::1] x, const floating[::1] y, weight, pos_weight, double param,
          double grad_scale, bint reduce, bint need_grad, bint target_grad, int num_threads):
    """Run one kernel over x and y in blocks, on up to num_threads threads; see the module docstring."""
    cdef Py_ssize_t n = x.shape[0], nblocks = (n + BLOCK - 1) // BLOCK, b, lo
    cdef int nt = num_threads if n >= PARALLEL_MIN_ELEMENTS and num_threads > 1 else 1, tid = 0
    dtype = np.float32 if floating is float else np.float64
    target_grad = target_grad and need_grad
    loss_array = None if reduce else np.empty(n, dtype=dtype)
    # Without need_grad the gradient goes to one scratch block per thread.
    grad_array = np.empty(n if need_grad else nt * min(n, BLOCK), dtype=dtype)
    grad_y_array = np.empty(n, dtype=dtype) if target_grad else None
    partial_array = np.zeros(nblocks, dtype=np.float64)
    if n == 0:
        return (0.0 if reduce else loss_array), (grad_array if need_grad else None), grad_y_array
    cdef double[::1] partial = partial_array
    cdef floating[::1] view
    cdef floating *loss_p = NULL
    cdef floating *grad_y_p = NULL
    cdef floating *g_block = NULL
    if not reduce:
        view = loss_array
        loss_p = &view[0]
    if target_grad:
        view = grad_y_array
        grad_y_p = &view[0]
    view = grad_array
    cdef floating *grad_p = &view[0]
    cdef const floating *x_p = &x[0]
    cdef const floating *y_p = &y[0]
    # The optional weights (same dtype and length as x, or None). The C loops take both or neither.
    if (weight is None) != (pos_weight is None):
        weight = np.ones(n, dtype=dtype) if weight is None else weight
        pos_weight = np.ones(n, dtype=dtype) if pos_weight is None else pos_weight
    cdef const floating[::1] w_view
    cdef const floating *w_p = NULL
    cdef const floating *pw_p = NULL
    if weight is not None:
        w_view = weight
        w_p = &w_view[0]
    if pos_weight is not None:
        w_view = pos_weight
        pw_p = &w_view[0]
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for b in prange(nblocks, schedule="static"):
            lo = b * BLOCK
            g_block = grad_p + lo if need_grad else grad_p + tid * min(n, BLOCK)
            partial[b] = _block(loss, x_p + lo, y_p + lo, w_p + lo if w_p != NULL else NULL,
                                pw_p + lo if pw_p != NULL else NULL, <floating>param, <floating>grad_scale,
                                loss_p + lo if loss_p != NULL else NULL, g_block,
                                grad_y_p + lo if grad_y_p != NULL else NULL, min(BLOCK, n - lo))
    return ((float(partial_array.sum()) if reduce else loss_array), (grad_array if need_grad else None),
            grad_y_array)


def mse(const floating[::1] x, const floating[::1] y, double grad_scale, bint reduce, bint need_grad,
        int num_threads):
    """``l = (x - y)^2``; ``grad_x = grad_scale * 2 (x - y)`` (the target's is ``-grad_x``)."""
    return _run(MSE, x, y, None, None, 0.0, grad_scale, reduce, need_grad, False,
                num_threads)[:2]


def smooth_l1(const floating[::1] x, const floating[::1] y, double beta, double grad_scale, bint reduce,
              bint need_grad, int num_threads):
    """``l = 0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = x - y, beta > 0);
    ``grad_x = grad_scale * clamp(d / beta, -1, 1)`` (the target's is ``-grad_x``)."""
    return _run(SMOOTH_L1, x, y, None, None, beta, grad_scale, reduce, need_grad,
                False, num_threads)[:2]


def huber(const floating[::1] x, const floating[::1] y, double delta, double grad_scale, bint reduce,
          bint need_grad, int num_threads):
    """``l = 0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (d = x - y, delta > 0);
    ``grad_x = grad_scale * clamp(d, -delta, delta)`` (the target's is ``-grad_x``)."""
    return _run(HUBER, x, y, None, None, delta, grad_scale, reduce, need_grad, False,
                num_threads)[:2]


def binary_cross_entropy(const floating[::1] x, const floating[::1] y, weight, double grad_scale, bint reduce, bint need_grad, bint target_grad, int num_threads):
    """``l = w [(y - 1) max(log(1 - x), -100) - y max(log x, -100)]`` (torch's clamps, x in [0, 1]);
    ``grad_x = grad_scale * w (x - y) / max(x (1 - x), 1e-12)``, ``grad_y = grad_scale * w (log(1 - x) - log x)``.
    ``weight`` may be None."""
    return _run(BCE, x, y, weight, None, 0.0, grad_scale, reduce, need_grad, target_grad,
                num_threads)


def binary_cross_entropy_with_logits(const floating[::1] x, const floating[::1] y, pos_weight, weight,
                                     double grad_scale, bint reduce, bint need_grad,
                                     bint target_grad, int num_threads):
    """``l = w [(1 - y) x - (1 + (p - 1) y) log_sigmoid(x)]`` with p the positive weight, overflow-free;
    ``grad_x = grad_scale * w [(p y + 1 - y) sigmoid(x) - p y]``,
    ``grad_y = grad_scale * w [-x - (p - 1) log_sigmoid(x)]``. ``pos_weight`` and ``weight`` may be None."""
    return _run(BCE_WITH_LOGITS, x, y, weight, pos_weight, 0.0, grad_scale,
                reduce, need_grad, target_grad, num_threads)


def soft_margin(const floating[::1] x, const floating[::1] y, double grad_scale, bint reduce, bint need_grad,
                int num_threads):
    """``l = log(1 + exp(-y x))`` computed as softplus (finite where torch's float32 overflows);
    ``grad_x = -grad_scale * y sigmoid(-y x)``."""
    return _run(SOFT_MARGIN, x, y, None, None, 0.0, grad_scale, reduce, need_grad,
                False, num_threads)[:2]
