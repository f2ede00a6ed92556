"""Scans along one dim: ``cumprod``, ``cummax``, ``cummin``, ``logcumsumexp`` (``cumsum`` lives with the sums).

Each output position ``i`` depends on the inputs ``0..i``, so each backward runs a scan the other way (from the end).
The backwards are Tensor ops (twice differentiable); ``cummax``/``cummin`` ``gather`` their values, so their
gradient is scattered back to where each running extremum came from.
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import return_types
from ._util import float_operand, wrap
from .reduce import Cumsum
from .shape import gather, normalize_dim


def _reverse_cumsum(x, axis):
    """``out[i] = x[i] + ... + x[n-1]`` along ``axis`` (differentiable)."""
    return Cumsum.apply(x, axis=axis, reverse=True)


def _cumprod_vjp(x, out, grad, axis):
    """``grad[k] = Σ_{i≥k} g[i] · Π_{j≤i, j≠k} x[j]`` for ``out = cumprod(x)``, in Tensor ops and exact through zeros.

    Before a row's first zero ``z`` that is ``revcumsum(g·out)[k] / x[k]``. From ``z`` on, every product holds
    ``x[z]`` unless ``k = z``: with ``y`` = ``x`` with ``x[z]`` set to 1, the entry at ``z`` is ``vjp_y[z]`` and the
    entries after it are ``x[z] · vjp_y[k]`` (zero, but with the right derivative in ``x[z]``), where ``vjp_y`` is
    this same formula for ``y`` (its next zero handled by the recursion)."""
    zeros = x._data == 0
    if not zeros.any():
        return _reverse_cumsum(grad * out, axis) / x
    zeros_so_far = np.cumsum(zeros, axis=axis)
    before, first_zero = zeros_so_far == 0, zeros & (zeros_so_far == 1)
    dtype = x._data.dtype
    divided = _reverse_cumsum(grad * out, axis) / x.masked_fill(wrap(~before), 1.0)
    y = x.masked_fill(wrap(first_zero), 1.0)
    skipping_zero = _cumprod_vjp(y, Cumprod.apply(y, axis=axis), grad, axis)
    zero_value = (x * wrap(first_zero.astype(dtype))).sum(axis, keepdim=True)  # x[z]: 0, as a graph value
    after_factor = zero_value * wrap((~before & ~first_zero).astype(dtype)) + wrap(first_zero.astype(dtype))
    return divided * wrap(before.astype(dtype)) + skipping_zero * after_factor


class Cumprod(Function):
    """``out[i] = x[0] · ... · x[i]`` along ``axis``; gradient ``grad[k] = Σ_{i≥k} g[i] · Π_{j≤i, j≠k} x[j]``
    (``_cumprod_vjp``: Tensor ops, exact through zeros, so it differentiates again)."""

    saves_output = True

    def forward(self, x, *, axis):
        return np.cumprod(x, axis=axis, dtype=x.dtype)  # (NumPy would widen small integers to int64)

    def backward(self, grad):
        (x,) = self.inputs
        return _cumprod_vjp(x, self.output(), grad, self.options["axis"])


def cumprod(x, dim, dtype=None):
    """``out[i] = x[0] · x[1] · ... · x[i]`` along ``dim`` (integers and bools multiply as int64, as torch).
    Gradient: ``grad[k] = Σ_{i≥k} g[i] · out[i] / x[k]``, computed without dividing by zero where ``x`` has zeros.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).cumprod(0)
    tensor([1., 2., 6.])
    """
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = x.to(np.int64)
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return Cumprod.apply(x.reshape(1), axis=0).reshape(())
    return Cumprod.apply(x, axis=axis)


def _running_extremum(x, dim, numpy_accumulate):
    """``(values, indices)`` of the running extremum; a tie moves the index forward and a nan wins from where it
    appears, as torch's scan does."""
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    data = x._data
    running = numpy_accumulate(data, axis=axis)
    hits = data == running
    if data.dtype.kind == "f":
        hits |= np.isnan(data)
    positions = np.arange(data.shape[axis]).reshape([-1 if d == axis else 1 for d in range(data.ndim)])
    indices = np.maximum.accumulate(np.where(hits, positions, 0), axis=axis) if data.size else hits.astype(np.int64)
    return return_types(gather(x, axis, indices), wrap(indices.astype(np.int64)))


def cummax(x, dim):
    """``(values, indices)``: ``values[i] = max(x[0], ..., x[i])`` along ``dim`` and where it is (the latest of tied
    positions; a nan stays the maximum once seen). Gradient: ``g`` to the position each value came from.

    >>> minigrad.tensor([1.0, 3.0, 2.0]).cummax(0)
    return_types(values=tensor([1., 3., 3.]), indices=tensor([0, 1, 1]))
    """
    return _running_extremum(x, dim, np.maximum.accumulate)


def cummin(x, dim):
    """``(values, indices)``: ``values[i] = min(x[0], ..., x[i])`` along ``dim`` and where it is (the latest of tied
    positions; a nan stays the minimum once seen). Gradient: ``g`` to the position each value came from.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).cummin(0)
    return_types(values=tensor([3., 1., 1.]), indices=tensor([0, 1, 1]))
    """
    return _running_extremum(x, dim, np.minimum.accumulate)


class LogCumsumExp(Function):
    """``out[i] = log Σ_{j≤i} exp x[j]`` along ``axis`` (``logaddexp`` accumulated: no overflow).

    Gradient ``grad[k] = Σ_{i≥k} g[i] exp(x[k] - out[i])``, computed in log space as torch does: the positive and
    the negative parts of ``g`` each go through a reversed ``logcumsumexp`` of ``log|g| - out``, so nothing overflows.
    """

    saves_output = True

    def forward(self, x, *, axis):
        if x.shape[axis] == 0:
            return x.copy()
        return np.logaddexp.accumulate(x, axis=axis)

    def backward(self, grad):
        (x,) = self.inputs
        axis, out = self.options["axis"], self.output()

        # the other sign's entries get log|g| = the lowest finite number, not -inf, as torch: a -inf would make
        # the double backward's own logcumsumexp backward compute -inf - (-inf) = nan
        lowest = np.finfo(x._data.dtype).min

        def part(mask):  # exp(x[k] + log Σ_{i≥k} exp(log|g[i]| - out[i])) over the entries of one sign
            log_g = grad.abs().masked_fill(wrap(~mask), 1.0).log().masked_fill(wrap(~mask), lowest)
            reverse = LogCumsumExp.apply((log_g - out).flip(axis), axis=axis).flip(axis)
            return (x + reverse).exp()

        return part(grad._data > 0) - part(grad._data < 0)


def logcumsumexp(x, dim):
    """``out[i] = log(exp x[0] + ... + exp x[i])`` along ``dim``, without overflow. Gradient:
    ``grad[k] = Σ_{i≥k} g[i] · exp(x[k] - out[i])`` (a reversed softmax-weighted running sum).

    >>> minigrad.tensor([0.0, 0.0]).logcumsumexp(0)
    tensor([0.0000, 0.6931])
    """
    x = float_operand(x)
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return LogCumsumExp.apply(x.reshape(1), axis=0).reshape(())
    return LogCumsumExp.apply(x, axis=axis)
