"""Order statistics: ``median``, ``nanmedian``, ``mode``, ``quantile``, ``nanquantile``, ``aminmax``.

Positions are found in NumPy (a stable sort, or a partition where only a few ranks are needed; nan sorts as the
largest value) and the values are ``gather``-ed from the input, so the gradient flows back to the chosen entries;
a quantile between two entries is their linear interpolation, differentiable in both. The whole-tensor
``median``/``nanmedian`` share their gradient evenly among the entries equal to the result, as torch's do.
"""

from collections import namedtuple

import numpy as np

from ..autograd.tensor import Tensor, return_types
from ._util import wrap
from .reduce import Extremum, amax, amin
from .shape import gather, normalize_dim

# named as torch.return_types.aminmax (so its repr reads like torch's), not as the variable
aminmax_result = namedtuple("aminmax", ["min", "max"])  # type: ignore[name-match]


def _median_positions(data, axis, ignore_nan):
    """The index along ``axis`` of each row's lower median (the first nan for ``median`` of a row with nans)."""
    order = np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    if data.dtype.kind == "f":
        valid = np.sum(~np.isnan(data), axis=axis, keepdims=True)
        rank = np.maximum((valid - 1) // 2, 0) if ignore_nan else np.where(valid < n, valid, (n - 1) // 2)
    else:
        rank = np.full(data.shape[:axis] + (1,) + data.shape[axis + 1 :], (n - 1) // 2)
    return np.take_along_axis(order, rank, axis)


def _whole_median(array, ignore_nan):
    """The lower median of a 1-d array as a 1-element array, by partition (no full sort); nans count as largest."""
    n = array.size
    valid = n - int(np.isnan(array).sum()) if array.dtype.kind == "f" else n
    if ignore_nan:
        rank = max((valid - 1) // 2, 0)
    else:  # with a nan, the first nan (partitioned last) is the median
        rank = valid if valid < n else (n - 1) // 2
    return np.partition(array, rank)[rank : rank + 1]


def _median(x, dim, keepdim, ignore_nan, name):
    if dim is None:
        if x._data.size == 0:
            return wrap(np.full((), np.nan, x._data.dtype))
        flat = x.reshape(-1)
        return Extremum.apply(
            flat,
            axes=(0,),
            keepdim=False,
            numpy_reduce=lambda array, axis, keepdims: _whole_median(array, ignore_nan),
        )
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    data = x._data.astype(np.int8) if x._data.dtype == np.bool_ else x._data
    indices = _median_positions(data, axis, ignore_nan)
    values = gather(x, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return return_types(values, wrap(indices.astype(np.int64)))


def median(x, dim=None, keepdim=False):
    """The lower median (the lower of the two middle values for an even count); nan if there is a nan. With ``dim``,
    ``(values, indices)`` along it. Gradient: to the chosen entry (without ``dim``: shared evenly among the entries
    equal to the median).

    >>> minigrad.tensor([3.0, 1.0, 4.0, 2.0]).median()
    tensor(2.)
    >>> minigrad.tensor([[3.0, 1.0, 2.0]]).median(1)
    return_types(values=tensor([2.]), indices=tensor([2]))
    """
    return _median(x, dim, keepdim, ignore_nan=False, name="median")


def nanmedian(x, dim=None, keepdim=False):
    """``median`` of the entries that are not nan (nan only where all are). Gradient: as ``median``.

    >>> minigrad.tensor([3.0, float("nan"), 1.0]).nanmedian()
    tensor(1.)
    """
    return _median(x, dim, keepdim, ignore_nan=True, name="nanmedian")


def _kept(shape, axis):
    """``shape`` with ``axis`` reduced to size 1 (a keepdim result's shape)."""
    return tuple(1 if d == axis else n for d, n in enumerate(shape))


def _mode_positions(data, axis):
    """Each row's most frequent value's last position along ``axis`` (the smallest such value on a tie)."""
    moved = np.moveaxis(data, axis, -1)
    order = np.argsort(moved, axis=-1, kind="stable")
    ordered = np.take_along_axis(moved, order, -1)
    n = ordered.shape[-1]
    positions = np.broadcast_to(np.arange(n), ordered.shape)
    starts = np.ones(ordered.shape, bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
    ends = np.ones(ordered.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    run_end = np.flip(np.minimum.accumulate(np.flip(np.where(ends, positions, n), -1), axis=-1), -1)
    best = np.argmax(run_end - run_start, axis=-1)[..., None]  # the first longest run: the smallest value
    last = np.take_along_axis(run_end, best, -1)  # a stable sort keeps a run in input order: its end is the last
    return np.moveaxis(np.take_along_axis(order, last, -1), -1, axis)


def mode(x, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally frequent ones) and its
    last position. Gradient: ``g`` to that position.

    >>> minigrad.tensor([1, 2, 2, 1, 3]).mode()
    return_types(values=tensor(1), indices=tensor(3))
    """
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    indices = _mode_positions(x._data, axis) if x._data.size else np.zeros(_kept(x.shape, axis), np.int64)
    values = gather(x, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return return_types(values, wrap(indices.astype(np.int64)))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_quantile(x, q, interpolation, name):
    """torch's argument checks: float input, non-empty, q a number or 0-/1-d tensor of x's dtype, in [0, 1]."""
    if x._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if x._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. Got {interpolation}"
        )
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._data.dtype != x._data.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        values = q._data
    else:
        values = np.asarray(q, dtype=x._data.dtype)
    if not np.all((values >= 0) & (values <= 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    return values


def _rank_positions(data, *ranks):
    """For each array of ranks (..., Q), the positions along the last dim of the entries with those ranks in sorted
    order (nans last). A few distinct ranks are found by partition, many by a stable sort."""
    kth = np.unique(np.concatenate([r.reshape(-1) for r in ranks]))
    if len(kth) <= 8:
        order = np.argpartition(data, kth, axis=-1)
    else:
        order = np.argsort(data, axis=-1, kind="stable")
    return [np.take_along_axis(order, r, -1) for r in ranks]


def _quantile(x, q, dim, keepdim, interpolation, ignore_nan, name):
    q_values = _check_quantile(x, q, interpolation, name)
    scalar_q = q_values.ndim == 0
    if dim is None:
        rows, axis = x.reshape(-1), 0
    else:
        axis = normalize_dim(dim, x.ndim)
        rows = x.reshape(1) if x.ndim == 0 else x
    moved = rows.movedim(axis, -1)  # (..., n)
    nan = np.isnan(moved._data)
    n = moved.shape[-1]
    count = (n - nan.sum(-1, keepdims=True)) if ignore_nan else np.full(nan.shape[:-1] + (1,), n)
    ranks = q_values.reshape(-1) * (count - 1).astype(x._data.dtype)  # (..., Q)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as torch.round
    if ignore_nan:
        ranks = np.maximum(ranks, 0)  # an all-nan row (count 0) reads its first entry: a nan
    else:  # a row with a nan reads its last entry, a nan (where torch sends that row's gradient)
        ranks = np.where(nan.any(-1, keepdims=True), n - 1, ranks)
    below = np.floor(ranks).astype(np.int64)
    above = np.minimum(np.ceil(ranks).astype(np.int64), n - 1)
    dtype = x._data.dtype
    if interpolation == "linear" and isinstance(q, Tensor):  # the weight is q·(n - 1) - below: differentiable in q
        weight = q.reshape(-1) * wrap((count - 1).astype(dtype)) - wrap(below.astype(dtype))
    else:
        weight = wrap((np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below).astype(dtype))
    low, high = (gather(moved, -1, p) for p in _rank_positions(moved._data, below, above))
    result = low + (high - low) * weight
    result = result.movedim(-1, 0)  # q's dim first, as torch
    if keepdim:
        kept = (1,) * x.ndim if dim is None else _kept(x.shape, axis)
        result = result.reshape(result.shape[:1] + kept)
    return result.squeeze(0) if scalar_q else result


def quantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles of ``x`` (flattened, or along ``dim``): the value at rank ``q·(n - 1)`` of the sorted
    entries, between neighbours by ``interpolation`` (``linear``, ``lower``, ``higher``, ``midpoint``,
    ``nearest``); nan where a row has a nan. ``q`` is a number or a 1-d tensor (its dim comes first in the result).
    Gradient: to the two neighbouring entries, weighted ``1 - w`` and ``w``.

    >>> minigrad.quantile(minigrad.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    """
    return _quantile(x, q, dim, keepdim, interpolation, ignore_nan=False, name="quantile")


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` of the entries that are not nan (nan only where all are). Gradient: as ``quantile``.

    >>> minigrad.nanquantile(minigrad.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile(x, q, dim, keepdim, interpolation, ignore_nan=True, name="nanquantile")


def aminmax(x, *, dim=None, keepdim=False):
    """``(min, max)`` of ``x`` (all entries, or along ``dim``) in one call. Gradient: as ``amin`` and ``amax``
    (shared evenly among tied entries).

    >>> minigrad.aminmax(minigrad.tensor([3.0, 1.0, 2.0]))
    aminmax(min=tensor(1.), max=tensor(3.))
    """
    if x._data.size == 0 and (dim is None or x.ndim and x.shape[normalize_dim(dim, x.ndim)] == 0):
        if dim is None:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity"
            )
        raise IndexError(f"aminmax(): Expected reduction dim {normalize_dim(dim, x.ndim)} to have non-zero size.")
    dims = () if dim is None else dim
    return aminmax_result(amin(x, dims, keepdim), amax(x, dims, keepdim))
