"""Searching sorted data and finding distinct values: ``searchsorted``, ``bucketize``, ``unique``,
``unique_consecutive``. Their results are indices and counts: none is differentiable.
"""

import numpy as np

from ..autograd.tensor import Tensor
from ._util import wrap
from .shape import normalize_dim


def _index_dtype(out_int32):
    return np.int32 if out_int32 else np.int64


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):  # noqa: A002
    """For each value of ``input``, the index in ``sorted_sequence`` (sorted along its last dim) where inserting it
    keeps the order: the first such index, or the last with ``right=True`` / ``side='right'``. An N-d sequence
    searches row by row (its leading dims match ``input``'s); ``sorter`` gives the sequence's sorting indices.
    int64 (int32 with ``out_int32``); not differentiable.

    >>> minigrad.searchsorted(minigrad.tensor([1, 3, 5, 7]), minigrad.tensor([3, 6]))
    tensor([1, 3])
    """
    if side not in (None, "left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise RuntimeError(
            "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
        )
    side = "right" if right or side == "right" else "left"
    sequence = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input if scalar else input._data)
    if sequence.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension")
    if sorter is not None:
        order = np.asarray(sorter._data if isinstance(sorter, Tensor) else sorter)
        if order.shape != sequence.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size")
        sequence = np.take_along_axis(sequence, order.astype(np.int64), -1)
    if sequence.ndim == 1:
        result = np.searchsorted(sequence, values, side=side)
    else:
        if scalar or values.shape[:-1] != sequence.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                "boundaries tensor and input value tensor must match"
            )
        count = int(np.prod(sequence.shape[:-1]))
        rows, flat_values = sequence.reshape(count, sequence.shape[-1]), values.reshape(count, values.shape[-1])
        result = (
            np.stack([np.searchsorted(row, v, side=side) for row, v in zip(rows, flat_values)]).reshape(values.shape)
            if rows.shape[0]
            else np.zeros(values.shape, np.int64)
        )
    return wrap(np.asarray(result, dtype=_index_dtype(out_int32)))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002 - torch's argument name
    """The bucket of each value of ``input`` among the sorted 1-d ``boundaries``: ``i`` with
    ``boundaries[i-1] < x ≤ boundaries[i]`` (``boundaries[i-1] ≤ x < boundaries[i]`` with ``right=True``).
    int64 (int32 with ``out_int32``); not differentiable.

    >>> minigrad.bucketize(minigrad.tensor([1, 5, 9]), minigrad.tensor([1, 3, 5, 7]))
    tensor([0, 2, 4])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _with_extras(output, inverse, counts, return_inverse, return_counts):
    """torch's return shape: the values alone, or a tuple with the inverse and/or the counts."""
    extras = [wrap(a.astype(np.int64)) for a, keep in ((inverse, return_inverse), (counts, return_counts)) if keep]
    return (wrap(output), *extras) if extras else wrap(output)


def _rows_along(data, dim):
    """``data`` with ``dim`` moved first and the other dims flattened: one row per slice along ``dim``."""
    moved = np.moveaxis(data, dim, 0)
    return moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:]))), moved.shape


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values of ``input`` (flattened), sorted; with ``dim``, the distinct slices along it. Optionally
    the ``inverse`` (where each entry went: ``output[inverse]`` rebuilds the input) and the ``counts``. Every nan
    is distinct from the others, as in torch. Not differentiable.

    >>> minigrad.unique(minigrad.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    data = input._data
    if dim is None:  # (asking NumPy only for what is wanted: the inverse costs a second sort)
        found = np.unique(data, return_inverse=return_inverse, return_counts=return_counts, equal_nan=False)
        if not (return_inverse or return_counts):
            return wrap(found)
        output, *extras = found
        inverse = extras.pop(0).reshape(data.shape) if return_inverse else None
        return _with_extras(output, inverse, extras[0] if return_counts else None, return_inverse, return_counts)
    axis = normalize_dim(dim, data.ndim)
    if data.ndim == 0:
        return _with_extras(data.copy(), np.zeros((), np.int64), np.ones((), np.int64), return_inverse, return_counts)
    rows, moved_shape = _rows_along(data, axis)
    if rows.shape[0] == 0 or rows.shape[1] == 0:  # no rows, or rows of nothing (all equal when there are any)
        keep = min(rows.shape[0], 1 if rows.shape[1] == 0 else 0)
        output = np.moveaxis(np.moveaxis(data, axis, 0)[:keep], 0, axis)
        return _with_extras(
            output, np.zeros(rows.shape[0], np.int64), np.full(keep, rows.shape[0]), return_inverse, return_counts
        )
    _, first, inverse, counts = np.unique(rows, axis=0, return_index=True, return_inverse=True, return_counts=True)
    output = np.moveaxis(np.moveaxis(data, axis, 0)[first], 0, axis)
    return _with_extras(output, inverse.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """``input`` with each run of equal consecutive values (flattened; with ``dim``, of equal slices along it)
    reduced to one, plus optionally the ``inverse`` (each entry's run) and the ``counts`` (run lengths). Not
    differentiable.

    >>> minigrad.unique_consecutive(minigrad.tensor([1, 1, 2, 2, 3, 1]))
    tensor([1, 2, 3, 1])
    """
    data = input._data
    if dim is None:
        rows, shape, axis = data.reshape(-1, 1), data.shape, None
    else:
        axis = normalize_dim(dim, data.ndim)
        if data.ndim == 0:
            raise IndexError("unique_consecutive(): dim out of range for a 0-d tensor")
        rows, _ = _rows_along(data, axis)
        shape = (rows.shape[0],)
    starts = np.ones(rows.shape[0], bool)
    starts[1:] = np.any(rows[1:] != rows[:-1], axis=1) if rows.shape[1] else False
    inverse = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, rows.shape[0]))
    if axis is None:
        output = data.reshape(-1)[first]
    else:
        output = np.moveaxis(np.moveaxis(data, axis, 0)[first], 0, axis)
    return _with_extras(output, inverse.reshape(shape), counts, return_inverse, return_counts)
