"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``.

The order is found in NumPy (a stable sort, nan counted as the largest value as in torch); the values are then
``gather``-ed from the input, so their gradient is scattered back to where each value came from.
"""

import numpy as np

from ..autograd.tensor import return_types
from ._util import wrap
from .shape import gather, normalize_dim


def _order(array, axis, descending):
    """Stable sorting indices along ``axis``; nan sorts as the largest value, as in torch."""
    if array.dtype == np.bool_:
        array = array.astype(np.int8)
    if descending:
        if array.dtype.kind == "f":  # by -value, then (a second stable pass) the nans before everything
            by_value = np.argsort(np.where(np.isnan(array), 0, -array), axis=axis, kind="stable")
            not_nan = np.take_along_axis(~np.isnan(array), by_value, axis=axis)
            return np.take_along_axis(by_value, np.argsort(not_nan, axis=axis, kind="stable"), axis=axis)
        return np.argsort(-array.astype(np.int64), axis=axis, kind="stable")
    return np.argsort(array, axis=axis, kind="stable")


def sort(x, dim=-1, descending=False, stable=False):
    """``(values, indices)``: ``x`` sorted along ``dim`` (ties keep their order); gradient to the sources.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).sort().values
    tensor([1., 2., 3.])
    """
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    axis = normalize_dim(dim, x.ndim)
    indices = _order(x._data, axis, descending)
    return return_types(gather(x, axis, indices), wrap(indices.astype(np.int64)))


def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort ``x`` along ``dim``.

    Not differentiable (integer indices).

    >>> minigrad.tensor([3.0, 1.0, 2.0]).argsort()
    tensor([1, 2, 0])
    """
    return sort(x, dim, descending, stable).indices


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's argument name
    """``(values, indices)`` of the ``k`` largest (or smallest) entries along ``dim``, largest first.

    Gradient: each value's ``g`` to the position of its index, zeros elsewhere.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).topk(2).values
    tensor([3., 2.])
    """
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    indices = np.take(_order(x._data, axis, descending=largest), np.arange(k), axis=axis)
    return return_types(gather(x, axis, indices), wrap(indices.astype(np.int64)))


def kthvalue(x, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest entry along ``dim`` (k counts from 1).

    Gradient: ``g`` to the position of the returned index, zeros elsewhere.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).kthvalue(2).values
    tensor(2.)
    """
    axis = normalize_dim(dim, x.ndim)
    if not 1 <= k <= (x.shape[axis] if x.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    if x.ndim == 0:
        return return_types(x.clone(), wrap(np.zeros((), np.int64)))
    indices = np.take(_order(x._data, axis, descending=False), [k - 1], axis=axis)
    values = gather(x, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return return_types(values, wrap(indices.astype(np.int64)))


def msort(x):
    """``x`` sorted along dim 0 (``sort(x, 0).values``). Gradient: to the sources.

    >>> minigrad.msort(minigrad.tensor([[3.0, 1.0], [2.0, 4.0]]))
    tensor([[2., 1.],
            [3., 4.]])
    """
    return sort(x, 0).values
