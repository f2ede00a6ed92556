"""Strided views and the ``*_scatter`` ops: as_strided, as_strided_scatter, select_scatter, slice_scatter,
diagonal_scatter, with diag, diag_embed, diagflat and the tril/triu index lists.

``AsStrided`` is a view op like ``Index`` or ``Diagonal`` (``is_view``): its result shares memory with its input,
so writes through it reach the input, bump the shared version counter and rewrite the base's history
(``CopySlices`` replays it). Its storage is the input's values in row-major order, the storage torch gives a
contiguous tensor; ``as_strided`` applies it to the base of a view, so ``storage_offset`` and strides count from
the start of the base's memory, as torch's do.

Each ``*_scatter`` op is the out-of-place form of "write ``src`` through a view": ``ScatterIntoView`` copies the
input, writes ``src`` into the region the view ops select (replayed on the copy), and its gradient is that of
``CopySlices``: ``g`` with the region zeroed for the input, the region of ``g`` for ``src``.
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import wrap
from .elementwise import Clone
from .shape import Diagonal, DiagonalBackward, Index, normalize_dim, replay_views, reshape

__all__ = [
    "AsStrided",
    "ScatterIntoView",
    "as_strided",
    "as_strided_",
    "as_strided_scatter",
    "diag",
    "diag_embed",
    "diagflat",
    "diagonal_scatter",
    "select_scatter",
    "slice_scatter",
    "tril_indices",
    "triu_indices",
]


def _positions(size, stride, storage_offset):
    """The storage position of every element of an ``as_strided(size, stride, storage_offset)`` view."""
    positions = np.full(size, storage_offset, dtype=np.int64)
    for axis, (n, step) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        positions = positions + (np.arange(n, dtype=np.int64) * step).reshape(shape)
    return positions


class AsStrided(Function):
    """The view of ``x``'s row-major storage with shape ``size``, element strides ``stride``, starting at
    ``storage_offset`` (a copy when ``x`` is not C-contiguous). Gradient: ``g`` added back at each element's
    storage position (``AsStridedBackward``: overlapping elements accumulate)."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, size, stride, storage_offset):
        self.in_shape = x.shape
        storage = x.reshape(-1)  # a view for a C-contiguous x
        itemsize = storage.itemsize
        result = np.lib.stride_tricks.as_strided(
            storage[storage_offset:] if storage.size else storage,
            shape=size,
            strides=tuple(s * itemsize for s in stride),
            writeable=x.flags.writeable,
        )
        if result.size > 1 and np.unique(_positions(size, stride, 0)).size < result.size:
            result.flags.writeable = False  # elements overlap: torch refuses in-place writes to them
        return result

    def backward(self, grad):
        return AsStridedBackward.apply(grad, shape=self.in_shape, **self.options)


class AsStridedBackward(Function):
    """``grad`` added into zeros of ``shape`` (row-major storage) at the positions an ``AsStrided`` view reads: its
    adjoint."""

    keeps_inputs = False

    def forward(self, grad, *, shape, size, stride, storage_offset):
        storage = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=grad.dtype)
        np.add.at(storage, _positions(size, stride, storage_offset), grad)
        return storage.reshape(shape)

    def backward(self, grad):
        options = dict(self.options)
        del options["shape"]
        return AsStrided.apply(grad, **options)  # a non-contiguous grad is read in row-major order (a copy)


def _storage_of(x):
    """(the tensor whose row-major storage backs ``x``, ``x``'s element offset in it): the base of a view over a
    C-contiguous base, else ``x`` itself (copied to row-major order if it is not)."""
    base = x._base
    if base is not None and base._data.flags.c_contiguous and base._data.size:
        offset = x._data.__array_interface__["data"][0] - base._data.__array_interface__["data"][0]
        return base, offset // x._data.itemsize
    return (x if x._data.flags.c_contiguous else Clone.apply(x)), 0


def _check_geometry(size, stride, storage_offset, storage_size, itemsize):
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} vs {len(size)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {stride}")
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    needed = 0 if 0 in size else storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > storage_size:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {storage_offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds for storage of size "
            f"{storage_size * itemsize}"
        )


def as_strided(x, size, stride, storage_offset=None):
    """The view of ``x``'s storage with shape ``size`` and element strides ``stride``, from ``storage_offset``
    (``x``'s own offset by default). The storage is that of ``x``'s base for a view, else ``x``'s values in
    row-major order. Elements may overlap (then in-place writes are refused). Gradient: ``g`` added back at each
    element's storage position.

    >>> minigrad.arange(6).as_strided((2, 2), (1, 2))
    tensor([[0, 2],
            [1, 3]])
    """
    source, own_offset = _storage_of(x)
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    offset = own_offset if storage_offset is None else int(storage_offset)
    _check_geometry(size, stride, offset, source._data.size, source._data.itemsize)
    return AsStrided.apply(source, size=size, stride=stride, storage_offset=offset)


class ScatterIntoView(Function):
    """``x`` (copied) with ``src`` written into the region ``view_ops`` select from it (``(Function, options)``
    pairs, replayed). Gradients: ``x`` gets ``g`` with the region zeroed, ``src`` gets the region of ``g``."""

    keeps_inputs = False

    def forward(self, x, src, *, view_ops):
        result = np.array(x, copy=True, order="C")  # the views address row-major storage
        self.mask = np.ones(x.shape, dtype=bool)
        replay_views(Tensor._wrap(result), view_ops)._data[...] = src
        replay_views(Tensor._wrap(self.mask), view_ops)._data[...] = False
        return result

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        return (
            grad * wrap(self.mask.astype(grad._data.dtype)) if need_x else None,
            replay_views(grad, self.options["view_ops"]) if need_src else None,
        )


def _scatter(x, src, view_ops):
    """``ScatterIntoView`` after torch's checks: ``src`` must have the region's shape; it is cast to ``x``'s dtype."""
    region = replay_views(Tensor._wrap(np.empty(x.shape, dtype=np.bool_)), view_ops)
    if tuple(src.shape) != region.shape:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, slice size = "
            f"{list(region.shape)}"
        )
    if src._data.dtype != x._data.dtype:
        src = src.to(x._data.dtype)
    return ScatterIntoView.apply(x, src, view_ops=tuple(view_ops))


def select_scatter(x, src, dim, index):
    """``x`` with ``src`` written at position ``index`` of ``dim`` (the out-of-place ``x.select(dim, index) =
    src``). Gradients: ``g`` outside that slice for ``x``, ``g.select(dim, index)`` for ``src``.

    >>> minigrad.zeros(2, 2).select_scatter(minigrad.ones(2), 0, 0)
    tensor([[1., 1.],
            [0., 0.]])
    """
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis] if x.ndim else 1
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {axis}")
    key = (slice(None),) * axis + (int(index),)
    return _scatter(x, src, [(Index, {"index": key, "advanced": False})])


def slice_scatter(x, src, dim=0, start=None, end=None, step=1):
    """``x`` with ``src`` written into ``x[..., start:end:step, ...]`` along ``dim``. Gradients: ``g`` outside the
    slice for ``x``, the slice of ``g`` for ``src``.

    >>> minigrad.zeros(4).slice_scatter(minigrad.ones(2), start=2)
    tensor([0., 0., 1., 1.])
    """
    axis = normalize_dim(dim, x.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * axis + (slice(start, end, step),)
    return _scatter(x, src, [(Index, {"index": key, "advanced": False})])


def diagonal_scatter(x, src, offset=0, dim1=0, dim2=1):
    """``x`` with ``src`` written onto its diagonal over ``dim1`` and ``dim2`` (``offset`` as ``diagonal``).
    Gradients: ``g`` off that diagonal for ``x``, the diagonal of ``g`` for ``src``.

    >>> minigrad.zeros(2, 2).diagonal_scatter(minigrad.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    axis1, axis2 = normalize_dim(dim1, x.ndim), normalize_dim(dim2, x.ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    options = {"offset": int(offset), "dim1": axis1, "dim2": axis2}
    return _scatter(x, src, [(Diagonal, options)])


def as_strided_scatter(x, src, size, stride, storage_offset=None):
    """``x`` with ``src`` written into the elements ``x.as_strided(size, stride, storage_offset)`` selects, over
    ``x``'s values in row-major order. Gradients: ``g`` outside those elements for ``x``, ``g.as_strided(...)``
    for ``src``.

    >>> minigrad.zeros(2, 2).as_strided_scatter(minigrad.ones(2), (2,), (3,))
    tensor([[1., 0.],
            [0., 1.]])
    """
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    _check_geometry(size, stride, offset, x._data.size, x._data.itemsize)
    return _scatter(x, src, [(AsStrided, {"size": size, "stride": stride, "storage_offset": offset})])


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """Zeros of ``x.shape[:-1]`` plus two dims ``dim1``, ``dim2`` of size ``n + |offset|`` (``n = x.shape[-1]``),
    with the last dim of ``x`` on their diagonal ``offset``. Gradient: that diagonal of ``g``.

    >>> minigrad.tensor([1, 2]).diag_embed()
    tensor([[1, 0],
            [0, 2]])
    """
    ndim = x.ndim + 1
    axis1, axis2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (x.shape[-1] if x.ndim else 1) + abs(int(offset))
    rest = iter(x.shape[:-1])
    shape = tuple(n if d in (axis1, axis2) else next(rest) for d in range(ndim))
    return DiagonalBackward.apply(x, shape=shape, offset=int(offset), dim1=axis1, dim2=axis2)


def diag(x, diagonal=0):
    """For a 1-d ``x``: the square matrix with ``x`` on diagonal ``diagonal``; for a 2-d ``x``: a copy of that
    diagonal (as torch's, not a view). Gradient: the diagonal of ``g``, or ``g`` placed on the diagonal.

    >>> minigrad.tensor([1, 2]).diag()
    tensor([[1, 0],
            [0, 2]])
    """
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return Clone.apply(Diagonal.apply(x, offset=int(diagonal), dim1=0, dim2=1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def diagflat(x, offset=0):
    """The square matrix with the flattened ``x`` on diagonal ``offset``. Gradient: the diagonal of ``g``, reshaped
    to ``x``.

    >>> minigrad.tensor([[1, 2]]).diagflat()
    tensor([[1, 0],
            [0, 2]])
    """
    return diag_embed(reshape(x, -1), offset, 0, 1)


def _triangle_indices(row, col, offset, upper, dtype):
    """The (row, col) positions of a triangle of a ``row × col`` matrix in row-major order, as a ``(2, k)`` tensor."""
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got {row}" if row < 0 else f"col must be non-negative, got{col}")
    keep = np.triu(np.ones((row, col), bool), offset) if upper else np.tril(np.ones((row, col), bool), offset)
    return Tensor._wrap(np.stack(np.nonzero(keep)).astype(dtype))


def tril_indices(row, col, offset=0, dtype=None, device=None, layout=None):
    """The indices of the lower triangle of a ``row × col`` matrix (on and below diagonal ``offset``) in row-major
    order: a ``(2, k)`` int64 tensor of rows and columns. Not differentiable.

    >>> minigrad.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _triangle_indices(row, col, offset, False, _index_dtype(dtype))


def triu_indices(row, col, offset=0, dtype=None, device=None, layout=None):
    """The indices of the upper triangle of a ``row × col`` matrix (on and above diagonal ``offset``) in row-major
    order: a ``(2, k)`` int64 tensor of rows and columns. Not differentiable.

    >>> minigrad.triu_indices(2, 2)
    tensor([[0, 0, 1],
            [0, 1, 1]])
    """
    return _triangle_indices(row, col, offset, True, _index_dtype(dtype))


def _index_dtype(dtype):
    return np.dtype(np.int64) if dtype is None else np.dtype(getattr(dtype, "numpy", dtype))


def as_strided_(x, size, stride, storage_offset=None):
    """Re-stride ``x`` in place: it becomes ``x.as_strided(size, stride, storage_offset)`` over the same memory
    (still sharing it with its base and views); returns ``x``. Not differentiable: refused while ``x`` requires
    grad (its history would not describe the new shape).

    >>> x = minigrad.arange(4)
    >>> x.as_strided_((2,), (2,))
    tensor([0, 2])
    """
    if x.requires_grad:
        raise RuntimeError("as_strided_: cannot re-stride a tensor that requires grad in place")
    restrided = as_strided(x.detach() if x._base is None else x, size, stride, storage_offset)
    x._data = restrided._data
    if x._base is not None:  # a view's region of its base is now the strided one
        x._view_ops = restrided._view_ops
    return x
