"""Reductions: sum, mean, max/min, var/std, logsumexp, norm, argmax/argmin.

``dim`` may be an int, a tuple of ints, or None (all dims); ``keepdim`` keeps reduced dims as size 1.
The backward of a reduction broadcasts the gradient back over the reduced dims.
"""
import builtins

import numpy as np

from ..autograd.function import Function
from ._util import float_operand, recording, wrap
from .elementwise import Sqrt
from .shape import normalize_dim, normalize_dims


def _keepdim_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """``Σ x`` over ``axes``; gradient: ``g`` broadcast back to ``x``'s shape. float16 is accumulated in float32
    and rounded once, as torch does."""

    def forward(self, x, axes, keepdim):
        self.in_shape, self.axes = x.shape, axes
        if x.data.dtype == np.float16:
            with np.errstate(over="ignore"):  # a sum beyond float16's range is inf, as in torch
                return x.data.sum(axis=axes, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        return x.data.sum(axis=axes, keepdims=keepdim)

    def backward(self, grad):
        return grad.reshape(_keepdim_shape(self.in_shape, self.axes)).expand(*self.in_shape), None, None


class Extremum(Function):
    """``max``/``min`` over ``axes`` with values only; ties share the gradient evenly (torch's amax rule)."""

    def forward(self, x, axes, keepdim, numpy_reduce):
        result = numpy_reduce(x.data, axis=axes, keepdims=True)
        hits = (x.data == result) | (np.isnan(x.data) & np.isnan(result))  # a nan result came from the nans
        self.share = hits / hits.sum(axis=axes, keepdims=True)
        self.in_shape, self.axes = x.shape, axes
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        spread = grad.reshape(_keepdim_shape(self.in_shape, self.axes)) * wrap(self.share.astype(grad.data.dtype))
        return spread, None, None, None


class ExtremumAlongDim(Function):
    """``max``/``min`` along one dim returning values; the gradient goes to the position of the chosen index."""

    def forward(self, x, axis, keepdim, indices):
        self.onehot = np.zeros(x.shape, dtype=x.data.dtype)
        np.put_along_axis(self.onehot, np.expand_dims(indices, axis), 1, axis=axis)
        self.axis = axis
        values = np.take_along_axis(x.data, np.expand_dims(indices, axis), axis=axis)
        return values if keepdim else values.squeeze(axis)

    def backward(self, grad):
        if grad.ndim < self.onehot.ndim:
            grad = grad.unsqueeze(self.axis)
        return grad * wrap(self.onehot), None, None, None


class LogSumExp(Function):
    """``log Σ exp(x)`` over ``axes`` (max-shifted, so it cannot overflow); gradient ``g softmax(x)``."""

    def forward(self, x, axes, keepdim):
        data = x.data
        shift = np.max(data, axis=axes, keepdims=True) if data.size else np.zeros(_keepdim_shape(data.shape, axes),
                                                                                   data.dtype)
        shift = np.where(np.isfinite(shift), shift, 0).astype(data.dtype)
        with np.errstate(divide="ignore"):
            result = np.log(np.exp(data - shift).sum(axis=axes, keepdims=True)) + shift
        self.save_for_backward(x)
        self.result, self.axes = result, axes
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        x, = self.saved
        kept = grad.reshape(_keepdim_shape(x.shape, self.axes))
        lse = logsumexp(x, self.axes, keepdim=True) if recording() else wrap(self.result)
        return kept * (x - lse).exp(), None, None


def _reduction_axes(dim, ndim):
    """The axes a reduction over ``dim`` runs on; an empty list of dims means every dim, as in torch."""
    if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 0:
        dim = None
    return normalize_dims(dim, ndim)


def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001 - torch's name
    if dtype is not None:
        x = x.to(dtype)
    elif x.data.dtype.kind in "biu":  # torch sums integers and bools as int64
        x = x.to(np.int64) if x.data.dtype != np.int64 else x
    return Sum.apply(x, _reduction_axes(dim, x.ndim), keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {x.dtype.name.capitalize()}")
    if x.data.dtype == np.float16:  # summed and divided in float32, as torch: in float16 both the sum and the
        return mean(x.float(), dim, keepdim).half()  # count overflow past 65504 (a mean of 1e5 ones was nan)
    axes = _reduction_axes(dim, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    total = Sum.apply(x, axes, keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count if count else total * np.nan


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0), like torch."""
    if unbiased is not None and correction is not None:
        raise RuntimeError("var: cannot specify both unbiased and correction")
    if isinstance(dim, bool):  # torch's old positional form var(unbiased)
        dim, unbiased = None, dim
    correction = (0 if unbiased is False else 1) if correction is None else correction
    x = float_operand(x)
    axes = _reduction_axes(dim, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    centered = x - mean(x, axes, keepdim=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (centered * centered).sum(axes, keepdim=keepdim) / builtins.max(count - correction, 0)


class StdFromVar(Sqrt):
    """``√v`` for a variance ``v``; gradient ``g / (2√v)``, but 0 where ``v == 0`` (torch's std backward masks it:
    a constant input has a zero gradient, not 0 · inf = nan)."""

    def backward(self, grad):
        v, = self.saved
        result = StdFromVar.apply(v) if recording() else wrap(self.result)
        zero = wrap(self.result == 0)
        return (grad / (result.masked_fill(zero, 1.0) * 2)).masked_fill(zero, 0.0)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return StdFromVar.apply(var(x, dim, unbiased, keepdim, correction=correction))


def _extremum(x, dim, keepdim, numpy_reduce, numpy_arg, name):
    if dim is None:
        if x.data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return Extremum.apply(x, tuple(range(x.ndim)), False, numpy_reduce)
    from .. import _tensor as tensor_module
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return tensor_module.return_types(x.clone(), tensor_module.Tensor._wrap(np.zeros((), np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    indices = numpy_arg(x.data, axis=axis)
    if x.data.dtype.kind == "f":  # torch picks the first nan when there is one
        nan_rows = np.isnan(x.data).any(axis=axis)
        if nan_rows.any():
            indices = np.where(nan_rows, np.argmax(np.isnan(x.data), axis=axis), indices)
    values = ExtremumAlongDim.apply(x, axis, keepdim, indices)
    index_tensor = tensor_module.Tensor._wrap(np.asarray(np.expand_dims(indices, axis) if keepdim else indices))
    return tensor_module.return_types(values, index_tensor)


def max(x, dim=None, keepdim=False):  # noqa: A001
    """Largest value; with ``dim``, a ``(values, indices)`` pair along it."""
    return _extremum(x, dim, keepdim, np.max, np.argmax, "max")


def min(x, dim=None, keepdim=False):  # noqa: A001
    """Smallest value; with ``dim``, a ``(values, indices)`` pair along it."""
    return _extremum(x, dim, keepdim, np.min, np.argmin, "min")


def amax(x, dim=(), keepdim=False):
    axes = _reduction_axes(dim, x.ndim)
    return Extremum.apply(x, axes, keepdim, np.max)


def amin(x, dim=(), keepdim=False):
    axes = _reduction_axes(dim, x.ndim)
    return Extremum.apply(x, axes, keepdim, np.min)


def _arg_extremum(x, dim, keepdim, numpy_arg):
    from .. import _tensor as tensor_module
    if dim is None:  # over the flattened tensor
        result = np.asarray(numpy_arg(x.data.reshape(-1)))
        return tensor_module.Tensor._wrap(result.reshape((1,) * x.ndim if keepdim else ()))
    axis = normalize_dim(dim, x.ndim)
    return tensor_module.Tensor._wrap(np.asarray(numpy_arg(x.data, axis=axis, keepdims=keepdim)) if x.ndim
                                      else np.asarray(0))


def argmax(x, dim=None, keepdim=False):
    """Index of the largest value (over all elements, or along ``dim``); not differentiable."""
    return _arg_extremum(x, dim, keepdim, np.argmax)


def argmin(x, dim=None, keepdim=False):
    """Index of the smallest value (over all elements, or along ``dim``); not differentiable."""
    return _arg_extremum(x, dim, keepdim, np.argmin)


def logsumexp(x, dim, keepdim=False):
    x = float_operand(x)
    return LogSumExp.apply(x, _reduction_axes(dim, x.ndim), keepdim)


class Norm(Function):
    """The p-norm ``(Σ |x|^p)^(1/p)`` over ``axes`` (p = inf: max |x|; p = 0: count of non-zeros).

    Gradient: ``g sign(x) |x|^(p-1) / ‖x‖^(p-1)``; for p = 2 that is ``g x / ‖x‖``, taken as 0 where ‖x‖ = 0
    (torch's choice); for p = inf the gradient is split evenly among the entries tied for the maximum.
    """

    def forward(self, x, p, axes, keepdim):
        data = x.data
        absolute = np.abs(data)
        if p == np.inf:
            result = absolute.max(axis=axes, keepdims=True) if data.size else np.zeros(_keepdim_shape(data.shape, axes), data.dtype)
        elif p == -np.inf:
            result = absolute.min(axis=axes, keepdims=True)
        elif p == 0:
            result = (data != 0).sum(axis=axes, keepdims=True).astype(data.dtype)
        elif p == 1:
            result = absolute.sum(axis=axes, keepdims=True)
        elif p == 2:
            result = np.sqrt((data * data).sum(axis=axes, keepdims=True))
        else:
            result = (absolute ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        self.save_for_backward(x)
        self.p, self.axes, self.result = p, axes, result.astype(data.dtype, copy=False)
        return self.result if keepdim else self.result.reshape(
            [n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        x, = self.saved
        p = self.p
        kept = grad.reshape(_keepdim_shape(x.shape, self.axes))
        norm = Norm.apply(x, p, self.axes, True) if recording() else wrap(self.result)
        if p == 0:  # a count of non-zeros is flat: zeros, also where x or the upstream gradient is inf or nan
            return wrap(np.zeros_like(x.data)), None, None, None
        if p == 1:
            return kept * x.sign(), None, None, None
        if p in (np.inf, -np.inf):
            hits = (np.abs(x.data) == self.result)
            count = hits.sum(axis=self.axes, keepdims=True)   # 0 for a nan norm: no gradient, as torch
            share = np.divide(hits, count, out=np.zeros(hits.shape), where=count > 0)
            return kept * x.sign() * wrap(share.astype(x.data.dtype)), None, None, None
        safe_norm = norm.masked_fill(wrap(norm.data == 0), 1.0)
        if p == 2:
            return kept * x / safe_norm, None, None, None
        scaled = (x.abs() / safe_norm).masked_fill(wrap(x.data == 0), 1.0)  # 0^(p-1) is inf for p < 1; sign is 0
        return kept * x.sign() * scaled ** (p - 1), None, None, None


def norm(x, p="fro", dim=None, keepdim=False):
    """``‖x‖_p`` over ``dim`` (all elements by default); p may be a number, ``inf``, ``-inf`` or ``'fro'`` (= 2)."""
    x = float_operand(x)
    if x.data.dtype == np.float16:  # in float32, rounded once, as torch: squares underflow float16 below 2.4e-4
        return norm(x.float(), p, dim, keepdim).half()
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: unsupported p={p!r}")
    axes = _reduction_axes(dim, x.ndim)
    empty = [a for a in axes if x.shape[a] == 0]
    if (p < 0 or p == np.inf) and (empty or x.data.size == 0 and dim is None):  # no identity to start from
        if dim is None:
            where = "on an empty tensor because"
        else:
            where = f"on the dimension {empty[0]} because this dimension is empty and"
        raise RuntimeError(f"linalg.vector_norm cannot compute the {float(p):g} norm {where} the operation does not "
                           "have an identity")
    return Norm.apply(x, float(p), axes, keepdim)
