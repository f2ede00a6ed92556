"""Writing at index positions, out of place: index_add, index_fill, index_put, index_reduce, scatter, scatter_add,
scatter_reduce, masked_scatter, put, with the reads take, unravel_index and nonzero_static.

The in-place forms (``index_add_``, ``put_``, ...) are these run through ``inplace.apply_inplace`` (bound in
``ops.methods``), so they record into the graph as every in-place op does. Sums and copies are built from
``Index``/``IndexBackward``/``IndexPut`` and ``where``, which carry their own gradients; the other reductions
(prod, mean, amax, amin) are ``ScatterReduce``, whose backward weighs ``g`` by per-element factors it works out in
the forward.
"""

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import data_of, wrap
from .elementwise import Clone, add, masked_fill, mul, where
from .shape import Index, IndexBackward, IndexPut, ScatterAdd, gather, index_arrays, normalize_dim, reshape

__all__ = [
    "Scatter",
    "ScatterReduce",
    "index_add",
    "index_fill",
    "index_put",
    "index_reduce",
    "masked_scatter",
    "nonzero_static",
    "put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take",
    "unravel_index",
]


def _index_vector(index, what):
    index = np.asarray(data_of(index))
    if index.ndim > 1:
        raise IndexError(f"{what}(): Index is supposed to be a vector")
    if index.dtype.kind not in "iu":
        raise IndexError(f"{what}(): Expected dtype int32/int64 for index")
    return index.reshape(-1).astype(np.int64, copy=False)


def _along(axis, index):
    return (slice(None),) * axis + (index,)


def _check_bounds(index, size, what):
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)][0]
        raise IndexError(f"{what}(): index {bad} is out of bounds for dimension with size {size}")


def index_add(x, dim, index, source, *, alpha=1):
    """``x`` plus ``alpha · source`` added at positions ``index`` (a 1-d int tensor) along ``dim``: slice ``i`` of
    ``source`` goes to slice ``index[i]``; repeated indices accumulate. Gradients: ``g`` for ``x``, ``alpha ·
    g.index_select(dim, index)`` for ``source``.

    >>> minigrad.zeros(3).index_add(0, minigrad.tensor([0, 0, 2]), minigrad.ones(3))
    tensor([2., 0., 1.])
    """
    axis = normalize_dim(dim, x.ndim)
    index = _index_vector(index, "index_add")
    flat = x.ndim == 0
    shaped = reshape(x, 1) if flat else x
    source = reshape(source, 1) if source.ndim == 0 else source
    expected = shaped.shape[:axis] + (index.size,) + shaped.shape[axis + 1 :]
    if source.shape != expected:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension")
    _check_bounds(index, shaped.shape[axis], "index_add")
    if source._data.dtype != x._data.dtype:
        source = source.to(x._data.dtype)
    if alpha != 1:  # an integer alpha wraps around in the tensor's dtype, as torch's integer arithmetic does
        source = mul(source, np.asarray(alpha).astype(x._data.dtype)[()] if x._data.dtype.kind in "iu" else alpha)
    added = IndexBackward.apply(source, shape=shaped.shape, index=_along(axis, index), advanced=True)
    return add(x, reshape(added, ()) if flat else added)


def index_fill(x, dim, index, value):
    """``x`` with the slices at ``index`` along ``dim`` filled with ``value`` (a number or a 0-d tensor).
    Gradients: ``g`` outside those slices for ``x``; their sum for a tensor ``value``.

    >>> minigrad.zeros(2, 2).index_fill(1, minigrad.tensor([1]), 5.0)
    tensor([[0., 5.],
            [0., 5.]])
    """
    axis = normalize_dim(dim, x.ndim)
    index = _index_vector(index, "index_fill")
    _check_bounds(index, x.shape[axis] if x.ndim else 1, "index_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        value = value.to(x._data.dtype) if value._data.dtype != x._data.dtype else value
    else:
        value = wrap(np.asarray(value, dtype=x._data.dtype))
    mask = np.zeros(x.shape if x.ndim else (1,), dtype=bool)
    mask[_along(axis, index)] = True
    return where(wrap(mask.reshape(x.shape)), value, x)


def index_put(x, indices, values, accumulate=False):
    """``x`` with ``values`` (broadcast) written at ``x[indices]`` (a tuple of index tensors, as advanced indexing),
    or added there when ``accumulate`` (repeated positions then accumulate). Gradients: ``g`` for ``x`` (outside the
    written positions unless accumulating), ``g[indices]`` summed to ``values``' shape.

    >>> minigrad.zeros(3).index_put((minigrad.tensor([0, 2]),), minigrad.tensor(1.0))
    tensor([1., 0., 1.])
    """
    key, _ = index_arrays(tuple(indices))
    if values._data.dtype != x._data.dtype:
        values = values.to(x._data.dtype)
    if not accumulate:
        return IndexPut.apply(x, values, index=key)
    region = np.empty(x.shape, dtype=np.bool_)[key].shape
    try:
        spread = values.expand(*region) if values.shape != region else values
    except RuntimeError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing result of "
            f"shape {list(region)}"
        ) from None
    return add(x, IndexBackward.apply(spread, shape=x.shape, index=key, advanced=True))


def masked_scatter(x, mask, source):
    """``x`` (broadcast with the bool ``mask``) with the first ``k`` elements of ``source`` (row-major) written, in
    order, where ``mask`` holds (``k`` of them). Gradients: ``g`` where ``mask`` is False for ``x``, ``g`` at the
    masked positions (in order, zero for the unused rest) for ``source``.

    >>> minigrad.zeros(3).masked_scatter(minigrad.tensor([True, False, True]), minigrad.tensor([1.0, 2.0]))
    tensor([1., 0., 2.])
    """
    mask = np.asarray(data_of(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype " + str(mask.dtype))
    shape = np.broadcast_shapes(x.shape, mask.shape)
    mask = np.broadcast_to(mask, shape)
    count = int(mask.sum())
    if count > source.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    if source._data.dtype != x._data.dtype:
        source = source.to(x._data.dtype)
    taken = Index.apply(reshape(source, -1), index=(slice(0, count),), advanced=False)
    placed = IndexBackward.apply(taken, shape=shape, index=np.nonzero(mask), advanced=True)
    return where(wrap(mask), placed, x)


def take(x, index):
    """The elements of ``x`` at the flat (row-major) positions ``index``, in ``index``'s shape; negative positions
    count from the end. Gradient: ``g`` added back at those positions.

    >>> minigrad.tensor([[1, 2], [3, 4]]).take(minigrad.tensor([0, 3]))
    tensor([1, 4])
    """
    index = np.asarray(data_of(index))
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_dtype.torch_name(index.dtype)}")
    size = x.numel()
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {size} elements.")
    return Index.apply(reshape(x, -1), index=index.astype(np.int64), advanced=True)


def put(x, index, source, accumulate=False):
    """``x`` with the elements of ``source`` written at the flat (row-major) positions ``index`` (added when
    ``accumulate``). Gradients: ``g`` for ``x`` (outside the written positions unless accumulating), ``g`` at the
    positions for ``source``.

    >>> minigrad.zeros(2, 2).put(minigrad.tensor([3]), minigrad.tensor([9.0]))
    tensor([[0., 0.],
            [0., 9.]])
    """
    index = np.asarray(data_of(index))
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_dtype.torch_name(index.dtype)}")
    if index.size != source.numel():
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source.numel()}, index.numel() = {index.size}"
        )
    size = x.numel()
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {size} elements.")
    return reshape(index_put(reshape(x, -1), (wrap(index.reshape(-1)),), reshape(source, -1), accumulate), *x.shape)


def _positions(index, dim):
    """The coordinates ``index`` names: its own coordinates, with ``index`` itself along ``dim``."""
    positions = list(np.indices(index.shape, sparse=True))
    positions[dim] = index
    return tuple(positions)


def _scatter_checks(what, x, dim, index, src):
    """torch's checks of ``scatter`` and ``scatter_add`` (a 0-d tensor counting as one of size 1): an int32/int64
    index with ``x``'s number of dims (and ``src``'s), no larger than ``x`` apart from ``dim`` nor than ``src``, its
    values in ``[0, x.shape[dim])``; ``src`` of ``x``'s dtype. Returns ``dim`` as an axis and the index as int64."""
    axis = normalize_dim(dim, x.ndim)
    index = np.asarray(data_of(index))
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{what}(): Expected dtype int32/int64 for index")
    if src is not None and src._data.dtype != x._data.dtype:
        raise RuntimeError(f"{what}(): Expected self.dtype to be equal to src.dtype")
    index = index.astype(np.int64, copy=False)
    if not index.size:
        return axis, index
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and max(index.ndim, 1) != max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    sizes = [(index.shape or (1,))[d] for d in range(max(x.ndim, 1))]
    if any(
        n > (x.shape or (1,))[d] and d != axis or src is not None and n > (src.shape or (1,))[d]
        for d, n in enumerate(sizes)
    ):
        also = f" and to be no larger size than src {list(src.shape)}" if src is not None else ""
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from dimension "
            f"{axis}{also}"
        )
    size = (x.shape or (1,))[axis]
    if index.min() < 0 or index.max() >= size:
        bad = index[(index < 0) | (index >= size)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {size}")
    return axis, index


class Scatter(Function):
    """``x`` with ``src`` (of ``index``'s shape) written at ``index`` along ``dim``; of positions written more than
    once, the last along ``dim`` wins, as in torch's CPU loop. Gradients: ``g`` where nothing was written for ``x``,
    ``g`` gathered at ``index`` for ``src`` (every repeat of a position gets it, as torch's does)."""

    keeps_inputs = False

    def forward(self, x, src, *, dim, index):
        positions = _positions(index, dim)
        result = x.copy()
        result[positions] = src
        self.written = np.zeros(x.shape, dtype=bool)
        self.written[positions] = True
        return result

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        return (
            masked_fill(grad, wrap(self.written), 0) if need_x else None,
            gather(grad, self.options["dim"], self.options["index"]) if need_src else None,
        )


def _leading(src, shape):
    """``src`` cut to its leading ``shape`` (torch's scatter reads only the part of ``src`` that index covers)."""
    return src if src.shape == shape else Index.apply(src, index=tuple(slice(0, n) for n in shape), advanced=False)


def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """``x`` with ``src[i][j]`` (for ``dim = 0``) written at row ``index[i][j]``; ``src`` is a tensor of ``x``'s
    dtype or a number (also given as ``value=``). ``index`` has ``x``'s number of dims, is no larger than ``x``
    apart from ``dim`` nor than ``src``; of positions written twice the last along ``dim`` wins. ``reduce='add'`` or
    ``'multiply'`` combines with ``x``'s value instead (``scatter_reduce``'s 'sum' and 'prod', include_self).

    Gradient: ``g`` outside the written positions for ``x``, ``g`` gathered at ``index`` for ``src`` (with
    ``reduce``, ``scatter_reduce``'s; torch has none there).

    >>> minigrad.zeros(3).scatter(0, minigrad.tensor([2]), minigrad.tensor([5.0]))
    tensor([0., 0., 5.])
    >>> minigrad.ones(3).scatter(0, minigrad.tensor([0, 0]), 2.0, reduce="multiply")
    tensor([4., 1., 1.])
    """
    src = value if src is None else src
    if src is None:
        raise TypeError("scatter() missing required argument 'src' (or 'value')")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    number = not isinstance(src, Tensor)
    axis, index = _scatter_checks("scatter", x, dim, index, None if number else src)
    if number:
        src = wrap(np.full(index.shape, np.asarray(src).astype(x._data.dtype)))
    if not index.size:
        return Clone.apply(x)
    if x.ndim == 0:  # a 0-d tensor scatters like a 1-element vector
        flat = scatter(reshape(x, 1), 0, index.reshape(-1), reshape(src, -1), reduce=reduce)
        return reshape(flat, ())
    src = _leading(src, index.shape)
    if reduce is not None:
        return scatter_reduce(x, axis, index, src, "sum" if reduce == "add" else "prod")
    return Scatter.apply(x, src, dim=axis, index=index)


def scatter_add(x, dim, index, src):
    """``x`` plus ``src`` added at ``index`` along ``dim`` (repeated positions accumulate); ``index`` and ``src`` as
    in ``scatter``.

    Gradient: ``g`` to ``x``, ``g`` gathered at ``index`` to ``src``.

    >>> minigrad.zeros(3).scatter_add(0, minigrad.tensor([0, 0, 2]), minigrad.ones(3))
    tensor([2., 0., 1.])
    """
    axis, index = _scatter_checks("scatter_add", x, dim, index, src)
    if not index.size:
        return Clone.apply(x)
    if x.ndim == 0:  # a 0-d tensor scatters like a 1-element vector
        return reshape(scatter_add(reshape(x, 1), 0, index.reshape(-1), reshape(src, -1)), ())
    return add(x, ScatterAdd.apply(_leading(src, index.shape), dim=axis, index=index, shape=x.shape))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Function):
    """``x`` with each ``src[i][j]`` (dim 0) combined into position ``index[i][j]`` by ``reduce`` (sum, prod, mean,
    amax, amin), ``x``'s own value taking part where ``include_self``. Gradients: ``g`` weighted per element:
    1 (sum), ``1/count`` (mean), the product of the other members (prod), ``1/ties`` for the members equal to the
    result (amax, amin); untouched positions of ``x`` get ``g``."""

    keeps_inputs = False

    def forward(self, x, src, *, dim, index, reduce, include_self):
        positions = _positions(index, dim)
        touched = np.zeros(x.shape, dtype=bool)
        touched[positions] = True
        own = include_self | ~touched  # where x's value is a member of the result
        if reduce in ("sum", "mean"):
            result = np.where(own, x, 0).astype(x.dtype)
            np.add.at(result, positions, src)
            if reduce == "mean":
                count = own.astype(np.int64)
                np.add.at(count, positions, 1)
                result = (result // count if x.dtype.kind in "iub" else result / count).astype(x.dtype)
                self.weights = own / count, 1 / count[positions]
            else:
                self.weights = own.astype(np.float64), np.ones(index.shape)
        elif reduce == "prod":
            result = np.where(own, x, 1).astype(x.dtype)
            np.multiply.at(result, positions, src)
            self.weights = self._product_weights(x, src, positions, own)
        else:
            combine = np.maximum if reduce == "amax" else np.minimum
            result = x.copy()
            if not include_self:
                result[touched] = _extreme(x.dtype, reduce)
            combine.at(result, positions, src)
            x_wins, src_wins = own & (x == result), src == result[positions]
            ties = x_wins.astype(np.int64)
            np.add.at(ties, positions, src_wins)
            self.weights = x_wins / np.maximum(ties, 1), src_wins / ties[positions]
        return result

    @staticmethod
    def _product_weights(x, src, positions, own):
        """For each member of each product, the product of the other members (exact where members are zero)."""
        members = np.where(own, x, 1)
        nonzero_product = np.where(members != 0, members, 1).astype(np.float64)
        np.multiply.at(nonzero_product, positions, np.where(src != 0, src, 1))
        zeros = (members == 0).astype(np.int64)
        np.add.at(zeros, positions, src == 0)

        def others(values, product, zero_count):
            with np.errstate(divide="ignore", invalid="ignore"):
                nonzero_case = np.where(zero_count == 0, product / np.where(values != 0, values, 1), 0)
            return np.where(values != 0, nonzero_case, np.where(zero_count == 1, product, 0))

        return (
            np.where(own, others(x, nonzero_product, zeros), 0),
            others(src, nonzero_product[positions], zeros[positions]),
        )

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        x_weight, src_weight = (wrap(w.astype(grad._data.dtype)) for w in self.weights)
        return (
            grad * x_weight if need_x else None,
            gather(grad, self.options["dim"], self.options["index"]) * src_weight if need_src else None,
        )


def _extreme(dtype, reduce):
    """The identity of amax (the lowest value of ``dtype``) or amin (the highest)."""
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    return info.min if reduce == "amax" else info.max


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """``x`` with each ``src[i][j]`` (for ``dim = 0``) combined into position ``index[i][j]`` by ``reduce``: 'sum',
    'prod', 'mean', 'amax' or 'amin' (``x``'s value takes part where ``include_self``; positions no index names keep
    it). ``index`` has ``x``'s number of dims and at most ``src``'s sizes. Gradients: see ``ScatterReduce``.

    >>> minigrad.zeros(2).scatter_reduce(0, minigrad.tensor([0, 0, 1]), minigrad.tensor([1.0, 2.0, 3.0]), "amax")
    tensor([2., 3.])
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    index = np.asarray(data_of(index))
    if index.dtype != np.int64:
        raise RuntimeError("scatter_reduce(): Expected dtype int64 for index")
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        result = scatter_reduce(
            reshape(x, 1), 0, index.reshape(-1), reshape(src, -1), reduce, include_self=include_self
        )
        return reshape(result, ())
    if index.ndim != x.ndim or src.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for d in range(x.ndim):
        if index.shape[d] > src.shape[d] or (d != axis and index.shape[d] > x.shape[d]):
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from dimension "
                f"{axis} and to be no larger size than src {list(src.shape)}"
            )
    _check_bounds(index, x.shape[axis], "scatter_reduce")
    index = np.where(index < 0, index + x.shape[axis], index)
    src = _leading(src, index.shape)
    if src._data.dtype != x._data.dtype:
        src = src.to(x._data.dtype)
    return ScatterReduce.apply(x, src, dim=axis, index=index, reduce=reduce, include_self=bool(include_self))


def index_reduce(x, dim, index, source, reduce, *, include_self=True):
    """``x`` with slice ``i`` of ``source`` combined into slice ``index[i]`` along ``dim`` by ``reduce``: 'prod',
    'mean', 'amax' or 'amin' (``scatter_reduce`` with ``index`` spread over ``source``'s shape).
    Gradient: that ``scatter_reduce``'s.

    >>> minigrad.ones(2).index_reduce(0, minigrad.tensor([0, 0]), minigrad.tensor([2.0, 3.0]), "prod")
    tensor([6., 1.])
    """
    if reduce not in _REDUCTIONS[1:]:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    axis = normalize_dim(dim, x.ndim)
    index = _index_vector(index, "index_reduce")
    if x.ndim == 0:
        return reshape(
            index_reduce(reshape(x, 1), 0, index, reshape(source, -1), reduce, include_self=include_self), ()
        )
    source = reshape(source, 1) if source.ndim == 0 else source
    if source.ndim != x.ndim or source.shape[axis] != index.size:
        raise RuntimeError("index_reduce_(): Number of indices should be equal to source.size(dim)")
    layout = [1] * x.ndim
    layout[axis] = index.size
    spread = np.broadcast_to(index.reshape(layout), source.shape)
    return scatter_reduce(x, axis, spread, source, reduce, include_self=include_self)


def unravel_index(indices, shape):
    """The coordinates of flat (row-major) ``indices`` in a tensor of ``shape``: one int64 tensor per dim, each of
    ``indices``' shape. Not differentiable.

    >>> minigrad.unravel_index(minigrad.tensor(5), (2, 3))
    (tensor(1), tensor(2))
    """
    values = np.asarray(data_of(indices))
    if values.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {_dtype.torch_name(values.dtype)}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    size = int(np.prod(shape, dtype=object))
    values = values.astype(np.int64)
    if values.size and (values.min() < -size or values.max() >= size):
        raise RuntimeError("'indices' must be in range [-prod(shape), prod(shape) - 1]")
    values = np.where(values < 0, values + size, values).astype(np.int64)
    coordinates = []
    for n in reversed(shape):
        coordinates.append(values % n if n else values)
        values = values // n if n else values
    return tuple(Tensor._wrap(c.astype(np.int64)) for c in reversed(coordinates))


def nonzero_static(x, *, size, fill_value=-1):
    """``nonzero(x)`` cut or padded (with ``fill_value`` rows) to exactly ``size`` rows: an int64 ``(size, ndim)``
    tensor. Not differentiable.

    >>> minigrad.tensor([0, 3, 4]).nonzero_static(size=3)
    tensor([[ 1],
            [ 2],
            [-1]])
    """
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got size = {size}")
    found = np.argwhere(x._data)[:size].astype(np.int64)  # a 0-d tensor has 0 coordinates per entry
    padding = np.full((size - found.shape[0], found.shape[1]), fill_value, dtype=np.int64)
    return Tensor._wrap(np.concatenate([found, padding]))
