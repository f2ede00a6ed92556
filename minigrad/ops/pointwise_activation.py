"""The remaining elementwise activations of torch.nn.functional: the ELU family, SiLU, Mish, the hard and shrink
functions, threshold, softsign, tanhshrink, GLU, PReLU, RReLU and softmin.

Two ways to build them, chosen by where torch puts the gradient at the kinks:

* the smooth ones (and those whose kinks torch resolves as a ``where``/``clamp`` would) are compositions of
  primitive Tensor ops, so backward and double backward come for free: ``elu = where(x <= 0, α·expm1(x), x)``
  (the exponential evaluated on 0 where it is not selected, so its zero gradient is not ``0·inf``);
* the piecewise-linear ones with *strict* kinks (hardtanh, relu6, hardsigmoid, threshold, the shrinks, rrelu) are one
  ``PiecewiseLinear`` node: the caller computes the values and the local slope, the gradient is ``g·slope`` (0 at
  the kinks, as torch's), and the double backward is 0 in ``x`` (the slope is piecewise constant).

Both decide the branch from the input's values outside the graph, so each such function is a ``tracing.unit``:
an exporter sees ``elu``, ``hardtanh``... (ONNX has each as an op), not a branch fixed at trace time.
"""

import numpy as np

from ..autograd import tracing
from ..autograd.function import Function
from ..random import generator as _numpy_generator
from ._util import float_operand, wrap
from .activation import sigmoid, softmax, softplus
from .elementwise import clamp, where
from .shape import normalize_dim
from .slicing import chunk

__all__ = [
    "elu",
    "selu",
    "celu",
    "silu",
    "mish",
    "hardswish",
    "hardsigmoid",
    "hardtanh",
    "relu6",
    "threshold",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "glu",
    "prelu",
    "rrelu",
    "softmin",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class PiecewiseLinear(Function):
    """``values`` (computed by the caller from ``x``), locally ``slope·x + const``; gradient ``g·slope``."""

    keeps_inputs = False

    def forward(self, x, *, values, slope):
        return values

    def backward(self, grad):
        return grad * wrap(self.options["slope"])


def _piecewise(x, values, slope):
    dtype = x._data.dtype
    return PiecewiseLinear.apply(x, values=np.asarray(values, dtype=dtype), slope=np.asarray(slope, dtype=dtype))


def _negative_branch(x, alpha, input_scale=1.0):
    """``alpha·(exp(input_scale·x) - 1)`` where x <= 0, evaluated on 0 elsewhere (NaN too): the branch ``where``
    does not select must stay finite, or its zero gradient becomes ``0·inf`` or ``0·NaN``."""
    return (where(x._data <= 0, x, 0.0) * input_scale).expm1() * alpha


@tracing.unit("elu")
def elu(x, alpha=1.0):
    """``x`` for x > 0, ``α(eˣ - 1)`` otherwise; gradient 1 or ``α eˣ`` (α at 0, like torch)."""
    x = float_operand(x)
    return where(x._data <= 0, _negative_branch(x, alpha), x)  # a NaN takes the identity's gradient, as in torch


@tracing.unit("selu")
def selu(x):
    """``scale · elu(x, α)`` with torch's self-normalising constants (α ≈ 1.6733, scale ≈ 1.0507)."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


@tracing.unit("celu")
def celu(x, alpha=1.0):
    """``max(0, x) + min(0, α(e^(x/α) - 1))``; gradient 1 or ``e^(x/α)``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    x = float_operand(x)
    return where(x._data <= 0, _negative_branch(x, alpha, 1.0 / alpha), x)


def silu(x):
    """``x σ(x)``; gradient ``σ(x)(1 + x(1 - σ(x)))``."""
    x = float_operand(x)
    return x * sigmoid(x)


def mish(x):
    """``x tanh(softplus(x))``."""
    x = float_operand(x)
    return x * softplus(x).tanh()


@tracing.unit("hardswish")
def hardswish(x):
    """``x · min(max(x + 3, 0), 6) / 6``; gradient 0 up to -3, ``x/3 + 1/2`` strictly inside (-3, 3), 1 from 3 on
    (torch's kinks)."""
    x = float_operand(x)
    data, inside = x._data, clamp(x, -3, 3)  # clamped so the unselected branch stays finite
    return where(data >= 3, x, where(data > -3, inside * (inside + 3) / 6, 0.0))


@tracing.unit("hardsigmoid")
def hardsigmoid(x):
    """``min(max(x/6 + 1/2, 0), 1)``; gradient 1/6 strictly inside (-3, 3), else 0."""
    x = float_operand(x)
    data = x._data
    return _piecewise(x, np.clip(data / 6 + 0.5, 0, 1), ((data > -3) & (data < 3)) / 6)


def _check_bounds(min_val, max_val):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")


@tracing.unit("hardtanh")
def hardtanh(x, min_val=-1.0, max_val=1.0):
    """``min(max(x, min_val), max_val)``; gradient 1 strictly between the bounds, else 0."""
    _check_bounds(min_val, max_val)
    data = x._data
    return _piecewise(x, np.clip(data, min_val, max_val), (data > min_val) & (data < max_val))


@tracing.unit("relu6")
def relu6(x):
    """``hardtanh(x, 0, 6)``."""
    return hardtanh(x, 0.0, 6.0)


@tracing.unit("threshold")
def threshold(x, threshold, value):
    """``x`` where ``x > threshold``, else ``value``; gradient ``[x > threshold]``. A NaN is not ``<= threshold``,
    so it stays NaN with gradient ``g``, as in torch."""
    keep = ~(x._data <= threshold)
    return _piecewise(x, np.where(keep, x._data, value), keep)


def softsign(x):
    """``x / (1 + |x|)``; gradient ``1 / (1 + |x|)²``.

    >>> F.softsign(minigrad.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    x = float_operand(x)
    return x / (x.abs() + 1)


def _check_lambd(lambd):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")


@tracing.unit("softshrink")
def softshrink(x, lambd=0.5):
    """``x - λ`` above λ, ``x + λ`` below -λ, 0 between; gradient ``[|x| > λ]``.

    >>> F.softshrink(minigrad.tensor([-1.0, 0.2, 0.7]), 0.5)
    tensor([-0.5000,  0.0000,  0.2000])
    """
    _check_lambd(lambd)
    data = x._data
    inside = (data >= -lambd) & (data <= lambd)
    return _piecewise(x, np.where(inside, 0, data - np.sign(data) * lambd), ~inside)


@tracing.unit("hardshrink")
def hardshrink(x, lambd=0.5):
    """``x`` where ``|x| > λ``, else 0; gradient ``[|x| > λ]`` (a NaN passes through with gradient 0, as torch's
    vectorised kernel does).

    >>> F.hardshrink(minigrad.tensor([-1.0, 0.2, 0.7]), 0.5)
    tensor([-1.0000,  0.0000,  0.7000])
    """
    data = x._data
    return _piecewise(x, np.where((data >= -lambd) & (data <= lambd), 0, data), (data < -lambd) | (data > lambd))


def tanhshrink(x):
    """``x - tanh x``; gradient ``tanh² x``.

    >>> F.tanhshrink(minigrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    x = float_operand(x)
    return x - x.tanh()


def glu(x, dim=-1):
    """``a ⊙ σ(b)`` where ``a``, ``b`` are the two halves of ``x`` along ``dim`` (whose size must be even).

    Gradient: ``g σ(b)`` to ``a``, ``g a σ(b) (1 - σ(b))`` to ``b``.

    >>> F.glu(minigrad.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = normalize_dim(dim, x.ndim)
    if x.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {x.shape[dim]}")
    first, second = chunk(x, 2, dim)
    return first * sigmoid(second)


@tracing.unit("prelu")
def prelu(x, weight):
    """``x`` for x > 0, ``w_c · x`` otherwise, ``w`` one slope (numel 1) or one per channel (dim 1); gradients
    ``g`` or ``w g`` for ``x`` (``w`` at 0), ``Σ g·x`` over ``x <= 0`` for ``w``.

    >>> F.prelu(minigrad.tensor([-1.0, 2.0]), minigrad.tensor([0.1]))
    tensor([-0.1000,  2.0000])
    """
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if weight.numel() != 1:
        channels = x.shape[1] if x.ndim > 1 else 1
        if channels != weight.numel():
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}."
            )
    if x.ndim == 0 and weight.numel() != 1:
        raise RuntimeError("Not allow zero-dim input tensor.")
    slope = weight.reshape(()) if weight.numel() == 1 else weight.reshape((-1,) + (1,) * (x.ndim - 2))
    return where(x._data > 0, x, slope * x)


@tracing.unit("rrelu")
def rrelu(x, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training (gradient: the drawn
    slope, also at 0) and fixed to ``(lower + upper) / 2`` otherwise."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    x = float_operand(x)
    data = x._data
    if training:
        drawn = _numpy_generator().uniform(lower, upper, data.shape)
        slope = np.where(data <= 0, drawn, 1)
    else:
        slope = np.where(data > 0, 1, (lower + upper) / 2)
    return _piecewise(x, data * slope.astype(data.dtype), slope)


def softmin(x, dim=None, dtype=None):
    """``softmax(-x)`` along ``dim`` (torch's legacy implicit dim when None)."""
    return softmax(-x, dim, dtype)
