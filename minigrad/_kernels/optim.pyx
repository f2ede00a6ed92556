# cython: language_level=3
"""Fused optimizer updates: one pass over a parameter instead of a dozen NumPy calls.

``adam_step`` applies torch.optim.Adam's single-tensor update element by element, in the parameter's own
precision and in torch's order of operations (so float32 results round the way torch's do):

    g ← -g (maximize);  p ← p·(1 - lr·wd) (decoupled) or g ← g + wd·p
    m ← lerp(m, g, 1 - β₁);  v ← β₂·v + ((1 - β₂)·g)·g;  v̂ ← max(v̂, v) (amsgrad)
    p ← p + (-lr / (1 - β₁ᵗ)) · (m / (√v / √(1 - β₂ᵗ) + eps))

The loop itself is in ``adam_update.h``, written so that the compiler vectorises it.

``sgd_step`` is SGD's last move, ``p ← p - lr·g``, in one pass split over threads (NumPy's ``p -= g * lr`` makes a
temporary the size of ``p``: two passes, one of them a write).

``rmsprop_steps``, ``adagrad_steps`` and ``adadelta_steps`` update all the parameters of a group at once (split
over threads, one parameter per task), each with torch's single-tensor formulas (``optim_update.h``):

    RMSprop:  g ← -g (maximize);  g ← g + wd·p;  v ← α·v + ((1 - α)·g)·g
              centered: ḡ ← lerp(ḡ, g, 1 - α);  d = √(v - ḡ·ḡ) + eps      otherwise  d = √v + eps
              momentum: b ← momentum·b + g / d;  p ← p + (-lr)·b          otherwise  p ← p + (-lr)·(g / d)
    Adagrad:  g ← -g (maximize);  g ← g + wd·p;  s ← s + g·g;  p ← p + step_size·(g / (√s + eps))
    Adadelta: g ← -g (maximize);  g ← g + wd·p;  v ← ρ·v + ((1 - ρ)·g)·g;  Δ = (√(u + eps) / √(v + eps))·g
              u ← ρ·u + ((1 - ρ)·Δ)·Δ;  p ← p + (-lr)·Δ

They take lists of flat C-contiguous arrays of one dtype, matching in length per parameter (the caller checks
this), and read them through their addresses so that the loop over parameters runs without the GIL.
"""
from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdint cimport intptr_t

import numpy as np

cdef extern from "adam_update.h" nogil:
    void minigrad_adam_float(float *p, const float *grad, float *m, float *v, float *vmax, Py_ssize_t n,
                             float sign, float shrink, float decay, float w, float w_rest, float b2,
                             float one_minus_b2, float c2, float eps, float step_size, int l2, int small_weight,
                             int amsgrad)
    void minigrad_adam_double(double *p, const double *grad, double *m, double *v, double *vmax, Py_ssize_t n,
                              double sign, double shrink, double decay, double w, double w_rest, double b2,
                              double one_minus_b2, double c2, double eps, double step_size, int l2,
                              int small_weight, int amsgrad)

cdef extern from "optim_update.h" nogil:
    void minigrad_rmsprop_float(float *p, const float *grad, float *sq, float *gavg, float *buf, Py_ssize_t n,
                                float sign, float decay, float alpha, float one_minus_alpha, float w, float w_rest,
                                float eps, float lr, float momentum, int l2, int centered, int small_weight,
                                int use_momentum)
    void minigrad_rmsprop_double(double *p, const double *grad, double *sq, double *gavg, double *buf,
                                 Py_ssize_t n, double sign, double decay, double alpha, double one_minus_alpha,
                                 double w, double w_rest, double eps, double lr, double momentum, int l2,
                                 int centered, int small_weight, int use_momentum)
    void minigrad_adagrad_float(float *p, const float *grad, float *total, Py_ssize_t n, float sign, float decay,
                                float eps, float step_size)
    void minigrad_adagrad_double(double *p, const double *grad, double *total, Py_ssize_t n, double sign,
                                 double decay, double eps, double step_size)
    void minigrad_adadelta_float(float *p, const float *grad, float *sq, float *acc, Py_ssize_t n, float sign,
                                 float decay, float rho, float one_minus_rho, float eps, float lr)
    void minigrad_adadelta_double(double *p, const double *grad, double *sq, double *acc, Py_ssize_t n,
                                  double sign, double decay, double rho, double one_minus_rho, double eps, double lr)

ctypedef fused floating:
    float
    double


def adam_step(floating[::1] param, const floating[::1] grad, floating[::1] exp_avg, floating[::1] exp_avg_sq,
              floating[::1] max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
              double weight_decay, double step, bint amsgrad, bint maximize, bint decoupled):
    """Update ``param``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` when ``amsgrad``) in place.

    All arrays are flat, C-contiguous, of one dtype and one length (the caller checks this).
    """
    cdef Py_ssize_t n = param.shape[0]
    cdef floating w = <floating>(1.0 - beta1)
    cdef floating w_rest = <floating>(1.0 - <double>w)
    cdef floating shrink = <floating>(1.0 - lr * weight_decay) if decoupled else <floating>1.0
    cdef bint l2 = weight_decay != 0 and not decoupled
    cdef floating sign = -1 if maximize else 1
    if n == 0:
        return
    with nogil:
        if floating is float:
            minigrad_adam_float(&param[0], &grad[0], &exp_avg[0], &exp_avg_sq[0], &max_exp_avg_sq[0], n, sign,
                                shrink, <float>weight_decay, w, w_rest, <float>beta2, <float>(1.0 - beta2),
                                <float>sqrt(1.0 - beta2 ** step), <float>eps, <float>(-lr / (1.0 - beta1 ** step)),
                                l2, w < 0.5, amsgrad)
        else:
            minigrad_adam_double(&param[0], &grad[0], &exp_avg[0], &exp_avg_sq[0], &max_exp_avg_sq[0], n, sign,
                                 shrink, weight_decay, w, w_rest, beta2, 1.0 - beta2, sqrt(1.0 - beta2 ** step),
                                 eps, -lr / (1.0 - beta1 ** step), l2, w < 0.5, amsgrad)


cdef enum:
    SGD_PARALLEL_MIN = 1 << 18  # elements: below this the team's start-up costs more than the second core saves


def sgd_step(floating[::1] param, const floating[::1] grad, double lr, int num_threads):
    """``param ← param - lr·grad`` in place, ``lr`` rounded to the parameter's precision first (as NumPy's and
    torch's ``p.add_(g, alpha=-lr)``). Flat, C-contiguous, one dtype and one length (the caller checks this)."""
    cdef Py_ssize_t n = param.shape[0], i
    cdef floating step = <floating>lr
    cdef int threads = num_threads if n >= SGD_PARALLEL_MIN else 1
    for i in prange(n, nogil=True, schedule="static", num_threads=threads):
        param[i] = param[i] - step * grad[i]


def _addresses(arrays):
    """The data addresses of ``arrays`` (None gives 0: a buffer the update does not touch)."""
    return np.array([0 if a is None else a.__array_interface__["data"][0] for a in arrays], dtype=np.intp)


def rmsprop_steps(list params, list grads, list square_avgs, list grad_avgs, list buffers, double lr, double alpha,
                  double eps, double weight_decay, double momentum, bint centered, bint maximize, int num_threads):
    """Update every parameter of ``params`` (and its state) in place; ``grad_avgs``/``buffers`` hold None where
    ``centered``/``momentum`` is off. All arrays are float32, or all float64."""
    cdef Py_ssize_t k = len(params), i
    if k == 0:
        return
    cdef intptr_t[::1] p = _addresses(params), g = _addresses(grads), sq = _addresses(square_avgs)
    cdef intptr_t[::1] ga = _addresses(grad_avgs), buf = _addresses(buffers)
    cdef Py_ssize_t[::1] n = np.array([a.size for a in params], dtype=np.intp)
    cdef bint single = params[0].dtype == np.float32
    cdef double w = <float>(1.0 - alpha) if single else 1.0 - alpha
    cdef double w_rest = 1.0 - w
    cdef double sign = -1.0 if maximize else 1.0
    cdef int l2 = weight_decay != 0, use_momentum = momentum > 0, small = w < 0.5
    with nogil:
        for i in prange(k, schedule="dynamic", num_threads=num_threads if num_threads < k else k):
            if single:
                minigrad_rmsprop_float(<float *>p[i], <const float *>g[i], <float *>sq[i], <float *>ga[i],
                                       <float *>buf[i], n[i], <float>sign, <float>weight_decay, <float>alpha,
                                       <float>(1.0 - alpha), <float>w, <float>w_rest, <float>eps, <float>lr,
                                       <float>momentum, l2, centered, small, use_momentum)
            else:
                minigrad_rmsprop_double(<double *>p[i], <const double *>g[i], <double *>sq[i], <double *>ga[i],
                                        <double *>buf[i], n[i], sign, weight_decay, alpha, 1.0 - alpha, w, w_rest,
                                        eps, lr, momentum, l2, centered, small, use_momentum)


def adagrad_steps(list params, list grads, list sums, double[::1] step_sizes, double eps, double weight_decay,
                  bint maximize, int num_threads):
    """Update every parameter of ``params`` and its ``sum`` in place, each with its own step size
    (``-lr / (1 + (step - 1)·lr_decay)``). All arrays are float32, or all float64."""
    cdef Py_ssize_t k = len(params), i
    if k == 0:
        return
    cdef intptr_t[::1] p = _addresses(params), g = _addresses(grads), s = _addresses(sums)
    cdef Py_ssize_t[::1] n = np.array([a.size for a in params], dtype=np.intp)
    cdef bint single = params[0].dtype == np.float32
    cdef double sign = -1.0 if maximize else 1.0
    with nogil:
        for i in prange(k, schedule="dynamic", num_threads=num_threads if num_threads < k else k):
            if single:
                minigrad_adagrad_float(<float *>p[i], <const float *>g[i], <float *>s[i], n[i], <float>sign,
                                       <float>weight_decay, <float>eps, <float>step_sizes[i])
            else:
                minigrad_adagrad_double(<double *>p[i], <const double *>g[i], <double *>s[i], n[i], sign,
                                        weight_decay, eps, step_sizes[i])


def adadelta_steps(list params, list grads, list square_avgs, list acc_deltas, double lr, double rho, double eps,
                   double weight_decay, bint maximize, int num_threads):
    """Update every parameter of ``params`` and its ``square_avg`` (v) and ``acc_delta`` (u) in place.
    All arrays are float32, or all float64."""
    cdef Py_ssize_t k = len(params), i
    if k == 0:
        return
    # one row per parameter: its array, gradient, v and u addresses, then its length
    cdef intptr_t[:, ::1] rows = np.stack([_addresses(params), _addresses(grads), _addresses(square_avgs),
                                           _addresses(acc_deltas), [a.size for a in params]], axis=1)
    cdef bint single = params[0].dtype == np.float32
    cdef double sign = -1.0 if maximize else 1.0
    with nogil:
        for i in prange(k, schedule="dynamic", num_threads=num_threads if num_threads < k else k):
            if single:
                minigrad_adadelta_float(<float *>rows[i, 0], <const float *>rows[i, 1], <float *>rows[i, 2],
                                        <float *>rows[i, 3], rows[i, 4], <float>sign, <float>weight_decay,
                                        <float>rho, <float>(1.0 - rho), <float>eps, <float>lr)
            else:
                minigrad_adadelta_double(<double *>rows[i, 0], <const double *>rows[i, 1], <double *>rows[i, 2],
                                         <double *>rows[i, 3], rows[i, 4], sign, weight_decay, rho, 1.0 - rho,
                                         eps, lr)
