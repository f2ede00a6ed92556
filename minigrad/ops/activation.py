"""Every activation function: relu, leaky_relu, sigmoid, tanh, softplus, gelu (with erf), softmax, log_softmax.

``softmax`` and ``log_softmax`` run the compiled row kernel (``minigrad._kernels.softmax``) on the class axis
moved last; their backwards are ``g - softmax · Σg`` (log_softmax) and ``s ⊙ (g - Σ s g)`` (softmax).
"""

import math

import numpy as np

from .._kernels import activation as _activation_kernel
from .._kernels import softmax as _softmax_kernel
from .._threads import get_num_threads
from ..autograd.function import Function
from ._util import float_operand, wrap, zero_one
from .elementwise import unary
from .out import write_into
from .shape import normalize_dim

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # what the compiled ReLU takes
# Below this many elements two NumPy ufuncs cost less than the kernel's setup (4.2 against 1.9 µs for a forward and
# backward at 10x10; even at 4096)
_KERNEL_MIN_SIZE = 4096


class Relu(Function):
    """``max(x, 0)``; gradient ``g [x > 0]`` (0 at the kink, like torch; a NaN passes its gradient, as torch's
    threshold_backward on the output). Float inputs run the one-pass kernel (output and mask together)."""

    keeps_inputs = False

    def forward(self, x):
        if x.dtype not in _KERNEL_DTYPES or x.size < _KERNEL_MIN_SIZE:
            self.mask = ~(x <= 0)
            return np.where(x < 0, zero_one(0, x.dtype), x)  # (-0.0 and nan kept, as torch and the kernel)
        flat = np.ascontiguousarray(x).reshape(-1)
        out, self.mask = np.empty(x.shape, x.dtype), np.empty(x.shape, np.bool_)
        _activation_kernel.relu(flat, out.reshape(-1), self.mask.reshape(-1).view(np.uint8), get_num_threads())
        return out

    def backward(self, grad):
        return grad * wrap(self.mask.astype(grad._data.dtype))

    def backward_arrays(self, grad):
        if grad.dtype not in _KERNEL_DTYPES or grad.size < _KERNEL_MIN_SIZE:
            return np.where(self.mask, grad, zero_one(0, grad.dtype))  # (an inf or nan gradient where x <= 0 gives 0)
        out = np.empty(grad.shape, grad.dtype)  # owns its memory: may become a leaf's .grad without a copy
        _activation_kernel.relu_backward(
            np.ascontiguousarray(grad).reshape(-1),
            self.mask.reshape(-1).view(np.uint8),
            out.reshape(-1),
            get_num_threads(),
        )
        return out


def relu(x):
    """``max(x, 0)`` elementwise. Gradient: ``g·[x > 0]`` (zero at ``x = 0``, as torch).

    >>> minigrad.relu(minigrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if x._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(x)


class Tanh(Function):
    """``tanh x``; gradient ``g (1 - tanh² x)``.

    >>> minigrad.tanh(minigrad.tensor([0.0, 100.0]))
    tensor([0., 1.])
    """

    keeps_inputs = False
    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad):
        t = self.output()
        return grad * (1 - t * t)

    def backward_arrays(self, grad):
        t = self._output[0]
        return grad * (zero_one(1, t.dtype) - t * t)


def sigmoid_values(x):
    """σ(x) = 1 / (1 + e^-x) on an array, as torch's CPU kernel computes it (an e^-x that overflows to inf gives
    the limit 0); float16 is computed in float32 and rounded once."""
    wide = x.astype(np.float32) if x.dtype == np.float16 else x
    one = zero_one(1, wide.dtype)
    with np.errstate(over="ignore"):
        return (one / (one + np.exp(-wide))).astype(x.dtype, copy=False)


class Sigmoid(Function):
    """``σ(x) = 1 / (1 + e^-x)``; gradient ``g σ(x) (1 - σ(x))``.

    >>> minigrad.sigmoid(minigrad.tensor([0.0]))
    tensor([0.5000])
    """

    keeps_inputs = False
    saves_output = True

    def forward(self, x):
        return sigmoid_values(x)

    def backward(self, grad):
        s = self.output()
        return grad * s * (1 - s)

    def backward_arrays(self, grad):
        s = self._output[0]
        return grad * s * (zero_one(1, s.dtype) - s)


tanh = unary(Tanh)


def sigmoid(x, *, out=None):
    """``σ(x) = 1 / (1 + e^-x)``, written into ``out`` when given (torch's ``out=``); gradient
    ``g σ(x) (1 - σ(x))``.

    >>> minigrad.sigmoid(minigrad.tensor([0.0]))
    tensor([0.5000])
    """
    result = Sigmoid.apply(float_operand(x))
    return result if out is None else write_into(result, out)


def _rowwise(kernel, data, axis):
    """Apply a last-axis row kernel to ``data`` along ``axis`` (float16 is computed in float32, the kernels'
    narrowest type, and rounded back)."""
    last = axis == data.ndim - 1  # the common case: no moveaxis (a Python-level NumPy function) either way
    moved = data if last else np.moveaxis(data, axis, -1)
    rows = np.ascontiguousarray(moved, dtype=np.float32 if data.dtype == np.float16 else data.dtype)
    rows = rows.reshape(math.prod(moved.shape[:-1]), moved.shape[-1])  # (-1, 0) would be ambiguous
    out = np.empty(rows.shape, rows.dtype)  # (np.empty_like: a Python-level dispatcher first)
    if rows.size:
        kernel(rows, out, get_num_threads())
    out = out.reshape(moved.shape)
    return (out if last else np.moveaxis(out, -1, axis)).astype(data.dtype, copy=False)


class LogSoftmax(Function):
    """``x - logsumexp(x)`` along ``dim``; gradient ``g - exp(out) Σ g``."""

    keeps_inputs = False
    saves_output = True

    def forward(self, x, *, axis):
        return _rowwise(_softmax_kernel.log_softmax_rows, x, axis)

    def backward(self, grad):
        return grad - self.output().exp() * grad.sum(self.options["axis"], keepdim=True)

    def backward_arrays(self, grad):
        return grad - np.exp(self._output[0]) * grad.sum(self.options["axis"], keepdims=True)


class Softmax(Function):
    """``exp(x) / Σ exp(x)`` along ``dim``; gradient ``s ⊙ (g - Σ s g)``."""

    keeps_inputs = False
    saves_output = True

    def forward(self, x, *, axis):
        return _rowwise(_softmax_kernel.softmax_rows, x, axis)

    def backward(self, grad):
        s = self.output()
        return s * (grad - (s * grad).sum(self.options["axis"], keepdim=True))

    def backward_arrays(self, grad):
        s = self._output[0]
        return s * (grad - (s * grad).sum(self.options["axis"], keepdims=True))


def _softmax_dim(x, dim, dtype):
    if dtype is not None:
        x = x.to(dtype)
    x = float_operand(x)
    if dim is None:  # torch's legacy implicit dim
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return x, normalize_dim(dim, x.ndim)


def softmax(x, dim=None, dtype=None):
    """``exp(x_i) / Σ_j exp(x_j)`` along ``dim`` (computed shifted by the max); same shape as ``x``. Gradient:
    ``y ⊙ (g - Σ_j g_j y_j)`` with ``y`` the softmax.

    >>> minigrad.softmax(minigrad.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    x, axis = _softmax_dim(x, dim, dtype)
    if x.ndim == 0:
        return Softmax.apply(x.reshape(1), axis=0).reshape(())
    return Softmax.apply(x, axis=axis)


def log_softmax(x, dim=None, dtype=None):
    """``x_i - log Σ_j exp(x_j)`` along ``dim``; same shape as ``x``. Gradient: ``g - softmax(x)·Σ_j g_j``.

    >>> minigrad.log_softmax(minigrad.tensor([0.0, 0.0]), dim=0).exp()
    tensor([0.5000, 0.5000])
    """
    x, axis = _softmax_dim(x, dim, dtype)
    if x.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), axis=0).reshape(())
    return LogSoftmax.apply(x, axis=axis)


class LeakyRelu(Function):
    """``x`` for x > 0, ``slope · x`` otherwise; gradient 1 or ``slope`` (slope at 0, like torch)."""

    keeps_inputs = False

    def forward(self, x, *, slope):
        self.factor = np.where(x > 0, 1, slope).astype(x.dtype)
        return x * self.factor

    def backward(self, grad):
        return grad * wrap(self.factor)


def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(float_operand(x), slope=negative_slope)


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function (no NumPy ufunc exists; math.erf is exact to the last bit).

    Gradient: ``g · 2/√π · exp(-x²)``.

    >>> minigrad.erf(minigrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8427])
    """
    x = float_operand(x)
    return Erf.apply(x)


class Erf(Function):
    """``erf(x)``; gradient ``g · 2/√π · exp(-x²)``."""

    def forward(self, x):
        return np.asarray(_erf(x), dtype=x.dtype)  # a 0-d input gives a Python float, not an array

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (x * x * -1).exp() * (2 / math.sqrt(math.pi))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


class GeluTanh(Function):
    """torch's tanh GELU in one node: ``x/2 · (1 + t)`` with ``t = tanh(u)``, ``u = √(2/π) (x + 0.044715 x³)``.

    Gradient ``g · [(1 + t)/2 + x/2 · (1 - t²) · √(2/π) (1 + 3 · 0.044715 x²)]``. Written with NumPy ufuncs the two
    passes take seven and ten sweeps over the whole (B, T, 4C) activation of a transformer's MLP; the compiled
    kernel (``minigrad._kernels.activation``) does each in one, keeping ``(1 + t)/2`` for the backward.
    ``composite`` is the double backward and the tests' oracle. float32 and float64 (``gelu`` computes float16 in
    float32).
    """

    def forward(self, x):
        flat = np.ascontiguousarray(x).reshape(-1)
        out, self.s = np.empty_like(flat), np.empty_like(flat)
        _activation_kernel.gelu_tanh(flat, out, self.s, get_num_threads())
        return out.reshape(x.shape)

    def composite(self, x):
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * 0.5 * (inner.tanh() + 1)

    def backward_arrays(self, grad):
        x = np.ascontiguousarray(self.inputs[0]._data).reshape(-1)
        out = np.empty_like(x)
        _activation_kernel.gelu_tanh_backward(
            np.ascontiguousarray(grad, dtype=x.dtype).reshape(-1), x, self.s, out, get_num_threads()
        )
        return out.reshape(grad.shape)


def gelu(x, approximate="none"):
    """``x Φ(x)`` with Φ the standard normal CDF (``approximate='tanh'`` uses torch's tanh formula).

    Gradient: ``g (Φ(x) + x φ(x))``, φ the standard normal density (with ``approximate='tanh'``, the derivative of the
    tanh formula).

    >>> F.gelu(minigrad.tensor([0.0]))
    tensor([0.])
    """
    x = float_operand(x)
    if x._data.dtype == np.float16:  # computed in float32 and rounded once, as torch does (x³ overflows float16)
        return gelu(x.float(), approximate).half()
    if approximate == "tanh":
        return GeluTanh.apply(x)
    if approximate != "none":
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return x * 0.5 * (erf(x * (1 / math.sqrt(2))) + 1)


class Softplus(Function):
    """``log(1 + exp(βx)) / β``, or ``x`` where ``βx > threshold``; gradient ``σ(βx)`` (1 past the threshold)."""

    def forward(self, x, *, beta, threshold):
        scaled = x * beta
        soft = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
        return np.where(scaled > threshold, x, soft).astype(x.dtype)

    def backward(self, grad):
        (x,) = self.inputs
        scaled = x * self.options["beta"]
        linear = wrap(scaled._data > self.options["threshold"])
        return grad * sigmoid(scaled).masked_fill(linear, 1.0)


def softplus(x, beta=1.0, threshold=20.0):
    """``log(1 + exp(β x)) / β`` elementwise, and ``x`` itself where ``β x > threshold`` (for stability). Gradient:
    ``g·σ(β x)`` (``g`` above the threshold).

    >>> F.softplus(minigrad.tensor([0.0]))
    tensor([0.6931])
    """
    return Softplus.apply(float_operand(x), beta=beta, threshold=threshold)


def log_sigmoid(x):
    """``log σ(x) = -softplus(-x)``, overflow-free for any x; gradient ``σ(-x)``.

    >>> F.logsigmoid(minigrad.tensor([0.0]))
    tensor([-0.6931])
    """
    return -softplus(-x, 1.0, math.inf)
