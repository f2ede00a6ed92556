# cython: freethreading_compatible = True
"""torch's tanh GELU and ReLU, forward and backward, each in one pass over the elements (loops in activation_rows.h).

    y = x (1 + tanh(u)) / 2,  u = sqrt(2/pi) (x + 0.044715 x^3)

The forward also writes ``s = (1 + tanh(u)) / 2 = sigmoid(2u)``, which the backward reads:
``dx = g (s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2))``.

ReLU: ``y = 0 where x < 0, else x`` and ``mask = not (x <= 0)`` (uint8) in one pass; backward
``dx = g where mask, else 0`` (torch's threshold_backward).

Calling convention (as every kernel of minigrad._kernels): flat C-contiguous arrays of one float dtype and one
length, the outputs allocated by the caller, the thread count last. The kernels trust their arguments (the
Python wrapper in minigrad/ops/activation.py allocates everything); outputs never overlap inputs.

Example::

    x = np.array([-1.0, 0.0, 2.0]); y, s = np.empty_like(x), np.empty_like(x)
    gelu_tanh(x, y, s, 1)      # y == [-0.1588, 0.0, 1.9546]
"""
from cython cimport floating
from cython.parallel cimport parallel, prange

__all__ = ["gelu_tanh", "gelu_tanh_backward", "relu", "relu_backward"]

cdef extern from "activation_rows.h" nogil:
    void mga_gelu_tanh_f32(const float *x, float *y, float *s, Py_ssize_t n)
    void mga_gelu_tanh_f64(const double *x, double *y, double *s, Py_ssize_t n)
    void mga_gelu_tanh_backward_f32(const float *g, const float *x, const float *s, float *dx, Py_ssize_t n)
    void mga_gelu_tanh_backward_f64(const double *g, const double *x, const double *s, double *dx, Py_ssize_t n)
    void mga_relu_f32(const float *x, float *y, unsigned char *mask, Py_ssize_t n)
    void mga_relu_f64(const double *x, double *y, unsigned char *mask, Py_ssize_t n)
    void mga_relu_backward_f32(const float *g, const unsigned char *mask, float *dx, Py_ssize_t n)
    void mga_relu_backward_f64(const double *g, const unsigned char *mask, double *dx, Py_ssize_t n)

# Elements per parallel chunk: below a few of them a parallel region costs more than it saves.
cdef enum:
    BLOCK = 32768


cdef enum Loop:
    GELU_TANH, GELU_TANH_BACKWARD, RELU, RELU_BACKWARD


cdef void _sweep(Loop loop, const floating *grad, const floating *x, floating *s, unsigned char *mask,
                 floating *out, Py_ssize_t n, int num_threads) noexcept nogil:
    """One of the loops over n elements (GELU's forward: ``out`` = y, ``s`` written; its backward: ``out`` = dx,
    ``s`` read; ReLU's forward: ``out`` = y, ``mask`` written; its backward: ``out`` = dx, ``mask`` read), in blocks
    of BLOCK split among the threads."""
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, lo, count
    cdef int nt = 1 if blocks < 2 else (num_threads if num_threads < blocks else <int>blocks)
    with parallel(num_threads=nt):
        for b in prange(blocks, schedule="static"):
            lo = b * BLOCK
            count = min(BLOCK, n - lo)
            if floating is float:
                if loop == GELU_TANH:
                    mga_gelu_tanh_f32(x + lo, out + lo, s + lo, count)
                elif loop == GELU_TANH_BACKWARD:
                    mga_gelu_tanh_backward_f32(grad + lo, x + lo, s + lo, out + lo, count)
                elif loop == RELU:
                    mga_relu_f32(x + lo, out + lo, mask + lo, count)
                else:
                    mga_relu_backward_f32(grad + lo, mask + lo, out + lo, count)
            else:
                if loop == GELU_TANH:
                    mga_gelu_tanh_f64(x + lo, out + lo, s + lo, count)
                elif loop == GELU_TANH_BACKWARD:
                    mga_gelu_tanh_backward_f64(grad + lo, x + lo, s + lo, out + lo, count)
                elif loop == RELU:
                    mga_relu_f64(x + lo, out + lo, mask + lo, count)
                else:
                    mga_relu_backward_f64(grad + lo, mask + lo, out + lo, count)


def gelu_tanh(const floating[::1] x, floating[::1] y, floating[::1] s, int num_threads):
    """``y = x (1 + tanh(u)) / 2`` and ``s = (1 + tanh(u)) / 2``, elementwise; x, y, s of one length."""
    cdef Py_ssize_t n = x.shape[0]
    if n:
        _sweep(GELU_TANH, <floating *>NULL, &x[0], &s[0], NULL, &y[0], n, num_threads)


def gelu_tanh_backward(const floating[::1] grad, const floating[::1] x, const floating[::1] s, floating[::1] out,
                       int num_threads):
    """``out = grad * dy/dx`` elementwise, from the forward's ``s``; all four of one length."""
    cdef Py_ssize_t n = x.shape[0]
    if n:
        _sweep(GELU_TANH_BACKWARD, &grad[0], &x[0], <floating *>&s[0], NULL, &out[0], n, num_threads)


def relu(const floating[::1] x, floating[::1] y, unsigned char[::1] mask, int num_threads):
    """``y = 0 where x < 0, else x`` and ``mask = not (x <= 0)``, elementwise; x, y, mask of one length."""
    cdef Py_ssize_t n = x.shape[0]
    if n:
        _sweep(RELU, <floating *>NULL, &x[0], <floating *>NULL, &mask[0], &y[0], n, num_threads)


def relu_backward(const floating[::1] grad, const unsigned char[::1] mask, floating[::1] out, int num_threads):
    """``out = grad where mask, else 0``, elementwise; all three of one length."""
    cdef Py_ssize_t n = grad.shape[0]
    if n:
        _sweep(RELU_BACKWARD, &grad[0], <floating *>NULL, <floating *>NULL, <unsigned char *>&mask[0], &out[0], n,
               num_threads)
