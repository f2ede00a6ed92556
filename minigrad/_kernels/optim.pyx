# cython: language_level=3
"""Fused optimizer updates: one pass over a parameter instead of a dozen NumPy calls.

``adam_step`` applies torch.optim.Adam's single-tensor update element by element, in the parameter's own
precision and in torch's order of operations (so float32 results round the way torch's do):

    g ← -g (maximize);  p ← p·(1 - lr·wd) (decoupled) or g ← g + wd·p
    m ← lerp(m, g, 1 - β₁);  v ← β₂·v + ((1 - β₂)·g)·g;  v̂ ← max(v̂, v) (amsgrad)
    p ← p + (-lr / (1 - β₁ᵗ)) · (m / (√v / √(1 - β₂ᵗ) + eps))

The loop itself is in ``adam_update.h``, written so that the compiler vectorises it.
"""
from libc.math cimport sqrt

cdef extern from "adam_update.h" nogil:
    void minigrad_adam_float(float *p, const float *grad, float *m, float *v, float *vmax, Py_ssize_t n,
                             float sign, float shrink, float decay, float w, float w_rest, float b2,
                             float one_minus_b2, float c2, float eps, float step_size, int l2, int small_weight,
                             int amsgrad)
    void minigrad_adam_double(double *p, const double *grad, double *m, double *v, double *vmax, Py_ssize_t n,
                              double sign, double shrink, double decay, double w, double w_rest, double b2,
                              double one_minus_b2, double c2, double eps, double step_size, int l2,
                              int small_weight, int amsgrad)

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
