"""Reductions: sum, mean, max/min, var/std, logsumexp, norm, argmax/argmin.

``dim`` may be an int, a tuple of ints, or None (all dims); ``keepdim`` keeps reduced dims as size 1.
The backward of a reduction broadcasts the gradient back over the reduced dims.
"""

import builtins
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor, return_types
from ._util import broadcast_array, float_operand, wrap
from .elementwise import Sqrt, maximum, minimum
from .shape import _ALL_AXES, BroadcastTo, Reshape, normalize_dim, normalize_dims, shape_argument

# Up to this many elements, a reduction's first-order backward fills an array rather than building a broadcast view
# (0.5 against 1.4 µs at 10x10, copy at the leaf included); beyond, the view saves the memory traffic.
_SMALL = 4096
_HALF = np.dtype(np.float16)
_add_reduce = np.add.reduce
_prod, _empty = math.prod, np.empty  # (a module attribute read costs ~250 instructions; Sum's backward reads both)


def _keepdim_shape(shape, axes):
    """``shape`` with the (non-negative) ``axes`` set to 1: the shape of a reduction's result with ``keepdim``."""
    kept = list(shape)  # (a loop, not a generator: one frame fewer per reduction's backward)
    for axis in axes:
        kept[axis] = 1
    return tuple(kept)


class Sum(Function):
    """``Σ x`` over ``axes``; gradient: ``g`` broadcast back to ``x``'s shape. float16 is accumulated in float32
    and rounded once, as torch does."""

    keeps_inputs = False

    def forward(self, x, *, axes, keepdim):
        self.in_shape = x.shape
        dtype = x.dtype
        if dtype == _HALF:
            with np.errstate(over="ignore"):  # a sum beyond float16's range is inf, as in torch
                return x.sum(axis=axes, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        if dtype.kind in "fc":  # the ufunc itself: ndarray.sum is a Python function in NumPy around it
            return _add_reduce(x, axes, None, None, keepdim)
        return x.sum(axis=axes, keepdims=keepdim)  # (integers: ndarray.sum widens them, add.reduce would not)

    def backward(self, grad):
        # the Functions directly: the public reshape and expand would validate shapes already known good
        kept = Reshape.apply(grad, shape=_keepdim_shape(self.in_shape, self.options["axes"]))
        return BroadcastTo.apply(kept, shape=self.in_shape)

    def backward_arrays(self, grad):  # the first-order backward without two Function.apply calls (-7 µs a sum)
        in_shape = self.in_shape
        small = _prod(in_shape) <= _SMALL
        # the reduced dims put back as 1s (not needed for the 0-d gradient of a full sum that fills a small array)
        if grad.ndim != len(in_shape) and not (small and grad.ndim == 0):
            grad = grad.reshape(_keepdim_shape(in_shape, self.options["axes"]))
        if not small:  # a read-only view: no memory traffic for a large input
            return broadcast_array(grad, in_shape)
        out = _empty(in_shape, grad.dtype)  # a small array of its own: cheaper to make than the view, and
        out[...] = grad  # a leaf's AccumulateGrad takes it over without a copy
        return out


class Mean(Sum):
    """``Σ x / count`` over ``axes`` for a float ``x`` (``count`` > 0 values per result): one node, where a sum and a
    division would be two. Gradient: ``g / count`` broadcast back over the reduced dims."""

    def forward(self, x, *, axes, keepdim, count):  # (float32/64 only: mean() computes float16 in float32)
        self.in_shape = x.shape
        return _add_reduce(x, axes, None, None, keepdim) / x.dtype.type(count)

    def backward(self, grad):
        return Sum.backward(self, grad / self.options["count"])

    def backward_arrays(self, grad):
        return Sum.backward_arrays(self, grad / grad.dtype.type(self.options["count"]))


class Extremum(Function):
    """``max``/``min`` over ``axes`` with values only; ties share the gradient evenly (torch's amax rule)."""

    keeps_inputs = False

    def forward(self, x, *, axes, keepdim, numpy_reduce):
        result = numpy_reduce(x, axis=axes, keepdims=True)
        hits = (x == result) | (np.isnan(x) & np.isnan(result))  # a nan result came from the nans
        self.share = hits / hits.sum(axis=axes, keepdims=True)
        self.in_shape = x.shape
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        kept = grad.reshape(_keepdim_shape(self.in_shape, self.options["axes"]))
        return kept * wrap(self.share.astype(grad._data.dtype))

    def backward_arrays(self, grad):
        return grad.reshape(_keepdim_shape(self.in_shape, self.options["axes"])) * self.share.astype(grad.dtype)


class ExtremumAlongDim(Function):
    """``max``/``min`` along one dim returning values; the gradient goes to the position of the chosen index.

    The chosen positions are kept as flat indices into ``x`` (one per result): gathering and scattering through
    them is one fancy index, where NumPy's take/put_along_axis build their index grids in Python (~10 µs)."""

    keeps_inputs = False

    def forward(self, x, *, axis, keepdim, indices):
        shape = self.in_shape = x.shape
        inner = math.prod(shape[axis + 1 :])
        starts = np.arange(math.prod(shape[:axis]))[:, None] * (shape[axis] * inner) + np.arange(inner)
        self.positions = starts.reshape(indices.shape) + indices * inner  # (outer, inner) in C order = indices'
        values = np.ascontiguousarray(x).reshape(-1)[self.positions]
        return values.reshape(_keepdim_shape(shape, (axis,))) if keepdim else values

    def _onehot(self, dtype):
        onehot = np.zeros(math.prod(self.in_shape), dtype)
        onehot[self.positions] = 1
        return onehot.reshape(self.in_shape)

    def backward(self, grad):
        if grad.ndim < len(self.in_shape):
            grad = grad.unsqueeze(self.options["axis"])
        return grad * wrap(self._onehot(grad._data.dtype))

    def backward_arrays(self, grad):
        result = np.zeros(self.in_shape, grad.dtype)  # allocated in its final shape: a leaf's AccumulateGrad takes
        result.reshape(-1)[self.positions] = grad.reshape(self.positions.shape)  # it over (a reshaped view it copies)
        return result


class LogSumExp(Function):
    """``log Σ exp(x)`` over ``axes`` (max-shifted, so it cannot overflow); gradient ``g softmax(x)``."""

    saves_output = True

    def forward(self, x, *, axes, keepdim):
        data = x
        shift = (
            np.max(data, axis=axes, keepdims=True)
            if data.size
            else np.zeros(_keepdim_shape(data.shape, axes), data.dtype)
        )
        shift = np.where(np.isfinite(shift), shift, 0).astype(data.dtype)
        with np.errstate(divide="ignore"):
            result = np.log(np.exp(data - shift).sum(axis=axes, keepdims=True)) + shift
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        (x,) = self.inputs
        axes = self.options["axes"]
        kept = grad.reshape(_keepdim_shape(x.shape, axes))
        lse = self.output().reshape(_keepdim_shape(x.shape, axes))
        return kept * (x - lse).exp()


def _reduction_axes(dim, ndim):
    """The axes a reduction over ``dim`` runs on; an empty list of dims means every dim, as in torch."""
    if dim is not None and type(dim) is not int and not isinstance(dim, (int, np.integer)) and len(dim) == 0:
        dim = None
    return normalize_dims(dim, ndim)


def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001 - torch's name
    """``Σ x`` over ``dim`` (an int, a tuple, or None: all dims); ``keepdim`` keeps the reduced dims as size 1.
    ``dtype`` casts first. Gradient: ``g`` broadcast back over the reduced dims.

    >>> x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> minigrad.sum(x), x.sum(0), x.sum(1, keepdim=True).shape
    (tensor(10.), tensor([4., 6.]), (2, 1))
    """
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu":  # torch sums integers and bools as int64
        x = x.to(np.int64) if x._data.dtype != np.int64 else x
    ndim = x._data.ndim
    return Sum.apply(x, axes=_ALL_AXES[ndim] if dim is None else _reduction_axes(dim, ndim), keepdim=keepdim)


def sum_to_size(x, *size):
    """``x`` summed down to ``size``, which must broadcast to ``x.shape`` (the dims broadcasting would add or
    stretch are summed over): the reverse of ``expand``. ``size`` is ints or one sequence; ``x`` itself when it
    already has that shape. Integers and bools are summed as int64, as ``sum``.

    Gradient: ``g`` expanded back to ``x.shape``.

    >>> minigrad.ones(2, 3).sum_to_size(2, 1)
    tensor([[3.],
            [3.]])
    """
    shape = shape_argument(size)
    lead = x.ndim - len(shape)
    if lead < 0 or not builtins.all(n in (1, m) for n, m in zip(shape, x.shape[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(x.shape)}}}.")
    if shape == x.shape and shape:  # torch sums a 0-d tensor to size () all the same (a bool one becomes int64)
        return x
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    summed = sum(x, axes, keepdim=True)
    return summed if summed.shape == shape else Reshape.apply(summed, shape=shape)


def mean(x, dim=None, keepdim=False, dtype=None):
    """``Σ x / n`` over ``dim`` (``n`` values reduced; None: all dims), ``keepdim`` as ``sum``. Gradient: ``g / n``
    broadcast back over the reduced dims.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(1)
    tensor([1.5000, 3.5000])
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype.name.capitalize()}"
        )
    if x._data.dtype == np.float16:  # summed and divided in float32, as torch: in float16 both the sum and the
        return mean(x.float(), dim, keepdim).half()  # count overflow past 65504 (a mean of 1e5 ones was nan)
    axes = _reduction_axes(dim, x.ndim)
    shape = x._data.shape
    count = math.prod([shape[a] for a in axes])  # (np.prod of a list costs ~6 µs)
    if count and x._data.dtype.kind == "f":
        return Mean.apply(x, axes=axes, keepdim=keepdim, count=count)
    total = Sum.apply(x, axes=axes, keepdim=keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count if count else total * np.nan


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0), like torch.

    Gradient: ``2 g (x - mean) / (n - correction)``.

    >>> minigrad.tensor([1.0, 2.0, 3.0, 4.0]).var()
    tensor(1.6667)
    """
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
        result = self.output()
        zero = wrap(result._data == 0)
        return (grad / (result.masked_fill(zero, 1.0) * 2)).masked_fill(zero, 0.0)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``√(Σ (x - mean)² / (n - correction))`` over ``dim`` (``correction`` 1 by default, Bessel's; ``unbiased=False``
    is 0). Gradient: ``g·(x - mean) / ((n - correction)·std)``.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).std()
    tensor(1.)
    """
    return StdFromVar.apply(var(x, dim, unbiased, keepdim, correction=correction))


def _extremum(x, dim, keepdim, numpy_reduce, numpy_arg, name):
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument."
            )
        return Extremum.apply(x, axes=tuple(range(x.ndim)), keepdim=False, numpy_reduce=numpy_reduce)
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types(x.clone(), Tensor._wrap(np.zeros((), np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    # torch picks the first nan when there is one: so do NumPy's argmax and argmin (a nan compares as the extremum)
    indices = np.asarray(numpy_arg(x._data, axis=axis))
    values = ExtremumAlongDim.apply(x, axis=axis, keepdim=keepdim, indices=indices)
    index_tensor = Tensor._wrap(indices.reshape(_keepdim_shape(x._data.shape, (axis,))) if keepdim else indices)
    return return_types(values, index_tensor)


def max(x, dim=None, keepdim=False):  # noqa: A001
    """Largest value; with ``dim``, a ``(values, indices)`` pair along it; with a tensor, ``maximum``.

    Gradient: over all elements, ``g`` shared evenly among the positions holding the maximum; along ``dim``, ``g`` to
    the position of the returned index; with a tensor, as ``maximum``.

    >>> x = minigrad.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max()
    tensor(7.)
    >>> x.max(dim=1)
    return_types(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _extremum(x, dim, keepdim, np.max, np.ndarray.argmax, "max")  # (np.argmax: two Python calls more)


def min(x, dim=None, keepdim=False):  # noqa: A001
    """Smallest value; with ``dim``, a ``(values, indices)`` pair along it; with a tensor, ``minimum``.

    Gradient: over all elements, ``g`` shared evenly among the positions holding the minimum; along ``dim``, ``g`` to
    the position of the returned index; with a tensor, as ``minimum``.

    >>> minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]).min(dim=0).values
    tensor([1., 2.])
    """
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _extremum(x, dim, keepdim, np.min, np.ndarray.argmin, "min")


def _check_reducible(x, dim, axes, name):
    """torch's errors for a max/min-like reduction (no identity) over nothing."""
    if x._data.size == 0:
        if dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0):
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
                "with the 'dim' argument."
            )
        empty = [a for a in axes if x.shape[a] == 0]
        if empty:
            raise IndexError(f"{name}(): Expected reduction dim {empty[0]} to have non-zero size.")


def amax(x, dim=(), keepdim=False):
    """The maximum over ``dim`` (an int or a tuple; ``()``: all dims), values only. Gradient: ``g`` shared evenly among
    the positions that hold the maximum (as torch's ``amax``).

    >>> minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(1)
    tensor([5., 7.])
    """
    axes = _reduction_axes(dim, x.ndim)
    _check_reducible(x, dim, axes, "amax")
    return Extremum.apply(x, axes=axes, keepdim=keepdim, numpy_reduce=np.max)


def amin(x, dim=(), keepdim=False):
    """The minimum over ``dim`` (an int or a tuple; ``()``: all dims). Gradient: ``g`` shared evenly among the positions
    that hold the minimum.

    >>> minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]).amin(1)
    tensor([1., 2.])
    """
    axes = _reduction_axes(dim, x.ndim)
    _check_reducible(x, dim, axes, "amin")
    return Extremum.apply(x, axes=axes, keepdim=keepdim, numpy_reduce=np.min)


def _arg_extremum(x, dim, keepdim, numpy_arg):
    if dim is None:  # over the flattened tensor
        result = np.asarray(numpy_arg(x._data.reshape(-1)))
        return Tensor._wrap(result.reshape((1,) * x.ndim if keepdim else ()))
    axis = normalize_dim(dim, x.ndim)
    return Tensor._wrap(np.asarray(numpy_arg(x._data, axis=axis, keepdims=keepdim)) if x.ndim else np.asarray(0))


def argmax(x, dim=None, keepdim=False):
    """Index of the largest value (over all elements, or along ``dim``); not differentiable.

    >>> minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=1)
    tensor([1, 0])
    """
    return _arg_extremum(x, dim, keepdim, np.argmax)


def argmin(x, dim=None, keepdim=False):
    """Index of the smallest value (over all elements, or along ``dim``); not differentiable.

    >>> minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]).argmin(dim=1)
    tensor([0, 1])
    """
    return _arg_extremum(x, dim, keepdim, np.argmin)


def logsumexp(x, dim, keepdim=False):
    """``log Σ exp x`` over ``dim``, computed as ``m + log Σ exp(x - m)`` with ``m = max x`` (no overflow). Gradient:
    ``g · softmax(x)`` along ``dim``.

    >>> minigrad.tensor([0.0, 0.0]).logsumexp(0)
    tensor(0.6931)
    """
    x = float_operand(x)
    return LogSumExp.apply(x, axes=_reduction_axes(dim, x.ndim), keepdim=keepdim)


class Norm(Function):
    """The p-norm ``(Σ |x|^p)^(1/p)`` over ``axes`` (p = inf: max |x|; p = 0: count of non-zeros).

    Gradient: ``g sign(x) |x|^(p-1) / ‖x‖^(p-1)``; for p = 2 that is ``g x / ‖x‖``, taken as 0 where ‖x‖ = 0
    (torch's choice); for p = inf the gradient is split evenly among the entries tied for the maximum.
    """

    saves_output = True

    def forward(self, x, *, p, axes, keepdim):
        data = x
        absolute = np.abs(data)
        if p == np.inf:
            result = (
                absolute.max(axis=axes, keepdims=True)
                if data.size
                else np.zeros(_keepdim_shape(data.shape, axes), data.dtype)
            )
        elif p == -np.inf:
            result = absolute.min(axis=axes, keepdims=True)
        elif p == 0:
            result = (data != 0).sum(axis=axes, keepdims=True).astype(data.dtype)
        elif p == 1:
            result = absolute.sum(axis=axes, keepdims=True)
        elif p == 2:
            result = np.sqrt((data * data).sum(axis=axes, keepdims=True))
        else:
            result = (absolute**p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        result = result.astype(data.dtype, copy=False)
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        (x,) = self.inputs
        p, axes = self.options["p"], self.options["axes"]
        kept = grad.reshape(_keepdim_shape(x.shape, axes))
        norm = self.output().reshape(_keepdim_shape(x.shape, axes))
        if p == 0:  # a count of non-zeros is flat: zeros, also where x or the upstream gradient is inf or nan
            return wrap(np.zeros_like(x._data))
        if p == 1:
            return kept * x.sign()
        if p in (np.inf, -np.inf):
            hits = np.abs(x._data) == norm._data
            count = hits.sum(axis=axes, keepdims=True)  # 0 for a nan norm: no gradient, as torch
            share = np.divide(hits, count, out=np.zeros(hits.shape), where=count > 0)
            return kept * x.sign() * wrap(share.astype(x._data.dtype))
        safe_norm = norm.masked_fill(wrap(norm._data == 0), 1.0)
        if p == 2:
            return kept * x / safe_norm
        scaled = (x.abs() / safe_norm).masked_fill(wrap(x._data == 0), 1.0)  # 0^(p-1) is inf for p < 1; sign is 0
        return kept * x.sign() * scaled ** (p - 1)


def norm(x, p="fro", dim=None, keepdim=False):
    """``‖x‖_p`` over ``dim`` (all elements by default); p may be a number, ``inf``, ``-inf`` or ``'fro'`` (= 2).

    Gradient: ``g sign(x) |x|^(p-1) / ‖x‖^(p-1)`` (p = 2: ``g x / ‖x‖``, 0 where ``‖x‖ = 0``; p = ±inf: ``g sign(x)``
    shared among the entries of largest or smallest ``|x|``).

    >>> minigrad.tensor([3.0, 4.0]).norm()
    tensor(5.)
    """
    x = float_operand(x)
    if x._data.dtype == np.float16:  # in float32, rounded once, as torch: squares underflow float16 below 2.4e-4
        return norm(x.float(), p, dim, keepdim).half()
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: unsupported p={p!r}")
    axes = _reduction_axes(dim, x.ndim)
    empty = [a for a in axes if x.shape[a] == 0]
    if (p < 0 or p == np.inf) and (empty or x._data.size == 0 and dim is None):  # no identity to start from
        if dim is None:
            where = "on an empty tensor because"
        else:
            where = f"on the dimension {empty[0]} because this dimension is empty and"
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {float(p):g} norm {where} the operation does not have an identity"
        )
    return Norm.apply(x, p=float(p), axes=axes, keepdim=keepdim)


def all(x, dim=None, keepdim=False):  # noqa: A001 - torch's name
    """Whether every element (along ``dim``) is non-zero; uint8 in, uint8 out, as torch.

    Not differentiable (a bool result).

    >>> minigrad.tensor([1.0, 0.0]).all()
    tensor(False)
    """
    result = x._data.all(axis=None if dim is None else normalize_dims(dim, x.ndim), keepdims=keepdim)
    return wrap(np.asarray(result, dtype=np.uint8 if x._data.dtype == np.uint8 else np.bool_))


def any(x, dim=None, keepdim=False):  # noqa: A001 - torch's name
    """Whether some element (along ``dim``) is non-zero; uint8 in, uint8 out, as torch.

    Not differentiable (a bool result).

    >>> minigrad.tensor([1.0, 0.0]).any()
    tensor(True)
    """
    result = x._data.any(axis=None if dim is None else normalize_dims(dim, x.ndim), keepdims=keepdim)
    return wrap(np.asarray(result, dtype=np.uint8 if x._data.dtype == np.uint8 else np.bool_))


class Cumsum(Function):
    """Running sums along ``axis`` (from the end when ``reverse``); gradient: the running sums of ``g`` taken the
    other way, so each of the pair is the other's backward."""

    keeps_inputs = False

    def forward(self, x, *, axis, reverse):
        if reverse:
            return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis).copy()
        return np.cumsum(x, axis=axis, dtype=x.dtype)  # (NumPy would widen small integers to int64)

    def backward(self, grad):
        return Cumsum.apply(grad, axis=self.options["axis"], reverse=not self.options["reverse"])


def cumsum(x, dim, dtype=None):
    """``out[i] = x[0] + ... + x[i]`` along ``dim`` (integers and bools sum as int64, as torch).

    Gradient: the reversed cumulative sum of ``g`` along ``dim`` (``Σ_{j ≥ i} g[j]``).

    >>> minigrad.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = x.to(np.int64)
    if x.ndim == 0:
        return Cumsum.apply(x.reshape(1), axis=0, reverse=False).reshape(())
    return Cumsum.apply(x, axis=normalize_dim(dim, x.ndim), reverse=False)


class Prod(Function):
    """``Π x`` over ``axes``. Gradient: ``g`` times the product of the *other* entries, ``g · out / x`` where no
    entry is zero (Tensor ops: differentiable again); with zeros, the products of the others are built from
    exclusive running products in NumPy, which holds for a first derivative only."""

    saves_output = True

    def forward(self, x, *, axes, keepdim):
        result = np.prod(x, axis=axes, keepdims=True, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)
        return result if keepdim else result.reshape([n for i, n in enumerate(result.shape) if i not in axes])

    def backward(self, grad):
        (x,) = self.inputs
        axes = self.options["axes"]
        kept = grad.reshape(_keepdim_shape(x.shape, axes))
        if np.all(x._data != 0):
            return kept * self.output().reshape(_keepdim_shape(x.shape, axes)) / x
        if is_grad_enabled():
            raise NotImplementedError("the double backward of prod through a zero entry is not implemented")
        return kept * wrap(_products_of_others(x._data, axes))


def _products_of_others(array, axes):
    """For each entry, the product of the other entries over ``axes`` (zeros handled exactly)."""
    moved = np.moveaxis(array, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(moved.shape[: moved.ndim - len(axes)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=array.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return np.moveaxis((before * after).reshape(moved.shape), tuple(range(-len(axes), 0)), axes)


def prod(x, dim=None, keepdim=False, dtype=None):
    """The product of all entries, or along ``dim`` (integers and bools multiply as int64, as torch; with an
    integer or bool ``dtype=`` the result has that dtype: the int64 product wrapped, or for bool a logical and).

    Gradient: ``g`` times the product of the other entries (``g · out / x`` where no entry is zero).

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
    tensor([ 2., 12.])
    """
    if dtype is not None:
        x = x.to(dtype)
    axes = tuple(range(x.ndim)) if dim is None else (normalize_dim(dim, x.ndim),) if x.ndim else ()
    result = Prod.apply(x, axes=axes, keepdim=keepdim and dim is not None)
    # products wrap modulo 2**bits, so the int64 product cast down is the narrow type's product
    return result if dtype is None or result.dtype == x.dtype else result.to(x.dtype)


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` in one call.

    Gradient: ``var``'s and ``mean``'s added: ``2 g_var (x - mean) / (n - correction) + g_mean / n``.

    >>> minigrad.var_mean(minigrad.tensor([1.0, 3.0]))
    (tensor(2.), tensor(2.))
    """
    if isinstance(dim, bool):  # torch's positional form var_mean(x, unbiased)
        dim, unbiased = None, dim
    return var(x, dim, unbiased, keepdim, correction=correction), mean(float_operand(x), dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` in one call.

    Gradient: ``std``'s and ``mean``'s added: ``g_std (x - mean) / ((n - correction) std) + g_mean / n``.

    >>> minigrad.std_mean(minigrad.tensor([1.0, 3.0]))
    (tensor(1.4142), tensor(2.))
    """
    if isinstance(dim, bool):  # torch's positional form std_mean(x, unbiased)
        dim, unbiased = None, dim
    return std(x, dim, unbiased, keepdim, correction=correction), mean(float_operand(x), dim, keepdim)


def count_nonzero(x, dim=None):
    """How many entries (along ``dim``) are not zero, as int64.

    Not differentiable (an integer count).

    >>> minigrad.count_nonzero(minigrad.tensor([0.0, 1.0, 2.0]))
    tensor(2)
    """
    axes = None if dim is None else normalize_dims(dim, x.ndim)
    return wrap(np.asarray(np.count_nonzero(x._data, axis=axes), dtype=np.int64))


def trace(x):
    """``Σ_i x[i, i]``, the sum of a matrix's main diagonal (integers and bools sum as int64). Gradient: ``g`` on
    the diagonal, zero elsewhere.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).trace()
    tensor(5.)
    """
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return sum(x.diagonal())
