"""Counting into bins: ``bincount``, ``histc``, ``histogram``, ``histogramdd``. Not differentiable.

Bins are half-open ``[left, right)`` except the last, which also holds its right edge; values outside the outer
edges (and nans) are not counted. With ``n`` equal-width bins, an entry's bin is ``⌊(x - left)·n / (right - left)⌋``
computed in the input's dtype and then checked against the neighbouring edges, so an entry on an edge lands in the
bin ``bin_edges`` says it belongs to.
"""

from collections import namedtuple

import numpy as np

from ..autograd.tensor import Tensor
from ._util import wrap

# named as torch.return_types.histogram / histogramdd (so their reprs read like torch's), not as the variables
histogram_result = namedtuple("histogram", ["hist", "bin_edges"])  # type: ignore[name-match]
histogramdd_result = namedtuple("histogramdd", ["hist", "bin_edges"])  # type: ignore[name-match]


def bincount(input, weights=None, minlength=0):  # noqa: A002 - torch's argument name
    """``out[v]`` = how many times ``v`` occurs in the 1-d non-negative integer ``input`` (the sum of their
    ``weights`` when given); at least ``minlength`` long. int64, or the weights' float dtype (float64 for integer
    weights). Not differentiable (bin counts).

    >>> minigrad.bincount(minigrad.tensor([0, 2, 2, 3]))
    tensor([1, 0, 2, 1])
    """
    data = input._data
    if data.ndim != 1 or data.dtype.kind not in "iu" or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return wrap(np.bincount(data, minlength=minlength).astype(np.int64))
    weight_data = weights._data
    if weight_data.ndim != 1 or weight_data.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = weight_data.dtype if weight_data.dtype in (np.float32, np.float16) else np.float64
    return wrap(np.bincount(data, weights=weight_data.astype(np.float64), minlength=minlength).astype(dtype))


def _linear_bins(values, left, right, count):
    """Each value's bin among ``count`` equal bins of ``[left, right]`` (-1 outside), computed as torch does: by
    the linear formula in the values' dtype."""
    dtype = values.dtype
    left, right = dtype.type(left), dtype.type(right)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        position = (values - left) * dtype.type(count) / (right - left)
        inside = (values >= left) & (values <= right)
        bins = np.where(inside, position, 0).astype(np.int64)
    bins = np.minimum(bins, count - 1)  # the right edge belongs to the last bin
    return np.where(inside, bins, -1)


def _edge_bins(values, edges):
    """Each value's bin between consecutive ``edges`` (-1 outside), by binary search."""
    bins = np.searchsorted(edges, values, side="right") - 1
    bins = np.where(values == edges[-1], len(edges) - 2, bins)
    inside = (values >= edges[0]) & (values <= edges[-1])
    return np.where(inside, bins, -1)


def _checked_range(name, low, high):
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"{name}: range of [{low}, {high}] is not finite")
    if low > high:
        raise RuntimeError(f"{name}: min should not exceed max, but got min {low} max {high}")


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - torch's argument names
    """A histogram of ``input`` with ``bins`` equal bins over ``[min, max]`` (the data's min and max when both are
    0; widened by 1 each way when they are equal); entries outside are not counted. Same dtype as ``input``.
    Not differentiable (bin counts).

    >>> minigrad.histc(minigrad.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    data = input._data
    if data.dtype.kind != "f":
        raise RuntimeError(f"\"histogram_cpu\" not implemented for '{input.dtype.name.capitalize()}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    _checked_range("torch.histc()", low, high)
    flat = data.reshape(-1)
    positions = _linear_bins(flat, low, high, bins)
    counts = np.bincount(positions[positions >= 0], minlength=bins)
    return wrap(counts.astype(data.dtype))


def _histogramdd(data, bins, value_range, weight, density, name):
    """(hist, [edges per dim]) of the rows of the 2-d ``data`` (N, D)."""
    dims = data.shape[1]
    dtype = data.dtype
    if isinstance(bins, int):
        bins = [bins] * dims
    if len(bins) != dims:
        raise RuntimeError(f"{name}: The size of bins must be equal to the innermost dimension of the input.")
    if value_range is not None and len(value_range) != 2 * dims:
        raise RuntimeError(f"{name}: range should have {2 * dims} elements, but got {len(value_range)}")
    edges, positions = [], []
    for d in range(dims):
        column = data[:, d]
        spec = bins[d]
        if isinstance(spec, Tensor):
            edge = spec._data.astype(dtype, copy=False)
            if edge.ndim != 1 or edge.size < 1:
                raise RuntimeError(f"{name}: bins tensor should have one dimension and at least 1 element")
            positions.append(_edge_bins(column, edge) if edge.size > 1 else np.full(column.shape, -1))
        else:
            count = int(spec)
            if count <= 0:
                raise RuntimeError(f"{name}: bins must be > 0, but got {count} for dimension {d}")
            if value_range is not None:
                low, high = float(value_range[2 * d]), float(value_range[2 * d + 1])
            elif column.size:
                low, high = float(column.min()), float(column.max())
            else:  # no data: torch's default range
                low, high = 0.0, 1.0
            _checked_range(name, low, high)
            if low == high:
                low, high = low - 0.5, high + 0.5
            edge = np.linspace(low, high, count + 1).astype(dtype)
            found = _linear_bins(column, edge[0], edge[-1], count)
            # the linear formula may round across an edge: move to the neighbour bin the edges say
            found = np.where((found > 0) & (column < edge[np.maximum(found, 0)]), found - 1, found)
            found = np.where(
                (found >= 0) & (found < count - 1) & (column >= edge[np.minimum(found + 1, count)]), found + 1, found
            )
            positions.append(found)
        edges.append(edge)
    shape = tuple(max(len(e) - 1, 0) for e in edges)
    counted = np.all([p >= 0 for p in positions], axis=0) if positions else np.ones(data.shape[0], bool)
    flat_index = np.ravel_multi_index([p[counted] for p in positions], shape) if counted.any() else np.zeros(0, int)
    weights = None if weight is None else weight[counted].astype(np.float64)
    hist = np.bincount(flat_index, weights=weights, minlength=int(np.prod(shape))).reshape(shape)
    hist = hist.astype(dtype)
    if density:
        widths = np.ix_(*[np.diff(e) for e in edges])
        volume = np.prod(np.broadcast_arrays(*widths), axis=0) if widths else 1
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / hist.sum() / volume).astype(dtype)
    return hist, edges


def _check_weight(weight, shape, name):
    if weight is None:
        return None
    if weight._data.shape != shape:
        raise RuntimeError(f"{name}: if weight tensor is provided it should have the same shape as the input tensor")
    return weight._data.reshape(-1)


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002 - torch's argument names
    """``(hist, bin_edges)`` of ``input``'s entries: ``bins`` equal bins over ``range`` (default: the data's min and
    max, widened by 0.5 each way when they are equal) or the given 1-d edges. ``weight`` weighs each entry;
    ``density`` divides by the total and the bin widths. Not differentiable (bin counts).

    >>> minigrad.histogram(minigrad.tensor([1.0, 2.0, 1.0]), bins=2).hist
    tensor([2., 1.])
    """
    data = input._data
    if data.dtype.kind != "f":
        raise RuntimeError(
            f"torch.histogram: input tensor and bins tensors should have the same dtype, got {data.dtype}"
        )
    weights = _check_weight(weight, data.shape, "torch.histogram")
    hist, edges = _histogramdd(data.reshape(-1, 1), [bins], range, weights, density, "torch.histogram")
    return histogram_result(wrap(hist), wrap(edges[0]))


def histogramdd(input, bins, *, range=None, weight=None, density=False):  # noqa: A002 - torch's argument names
    """``(hist, bin_edges)`` of the points ``input[..., :]`` (the last dim is the D coordinates): ``bins`` is an
    int, D ints or D 1-d edge tensors; ``range`` gives ``(low, high)`` per dim; ``weight``/``density`` as
    ``histogram``. ``hist`` has one dim per coordinate. Not differentiable (bin counts).

    >>> minigrad.histogramdd(minigrad.tensor([[0.0, 0.0], [1.0, 1.0]]), bins=[2, 2]).hist
    tensor([[1., 0.],
            [0., 1.]])
    """
    data = input._data
    if data.ndim < 1:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 1 dimension")
    points = data.reshape(-1, data.shape[-1])
    weights = _check_weight(weight, data.shape[:-1], "torch.histogramdd")
    if isinstance(bins, Tensor):
        bins = [bins]
    hist, edges = _histogramdd(
        points, list(bins) if not isinstance(bins, int) else bins, range, weights, density, "torch.histogramdd"
    )
    return histogramdd_result(wrap(hist), tuple(wrap(e) for e in edges))
