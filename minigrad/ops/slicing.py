"""Slicing, joining and rearranging, composed from the primitives of ``ops.shape``: split, chunk, unbind, flip,
roll, repeat, tril/triu, movedim, index_select, masked_select, take_along_dim, hstack/vstack, nonzero.

Each is written with ``Index``, ``Split``, ``Reshape``, ``Permute``, ``BroadcastTo``, ``Gather``/``ScatterAdd``
and ``cat``, so its gradient (and double backward) comes from those: nothing here defines a backward.
"""

import numpy as np

from .. import _dtype
from ..autograd.tensor import Tensor
from ._util import data_of, wrap
from .elementwise import Clone, masked_fill
from .shape import Index, Split, cat, expand, gather, narrow, normalize_dim, permute, reshape, unsqueeze


def split(x, split_size_or_sections, dim=0):
    """Views of ``x`` along ``dim``: pieces of ``split_size`` (the last may be shorter), or of the given sizes.

    Gradient: each piece's ``g`` written into its slice (zeros for pieces without one).

    >>> [t.shape for t in minigrad.arange(5).split(2)]
    [(2,), (2,), (1,)]
    """
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and not (step == 0 and size == 0):
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
                if step == 0
                else f"split expects split_size be non-negative, but got split_size={step}"
            )
        sizes = [min(step, size - start) for start in range(0, size, step)] if step else []
        sizes = sizes or [0]  # an empty dim splits into one empty piece, as torch
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {axis}), but got split_sizes={sizes}"
            )
    return pieces(x, axis, np.cumsum([0] + sizes[:-1]), sizes)


def pieces(x, axis, starts, lengths):
    """The views ``x.narrow(axis, start, length)`` for each pair, from one node (see ``shape.Split``)."""
    head = (slice(None),) * axis
    return Split.apply(x, keys=tuple(head + (slice(int(s), int(s) + int(n)),) for s, n in zip(starts, lengths)))


def chunk(x, chunks, dim=0):
    """``split`` into ``chunks`` pieces of ``ceil(size / chunks)`` (fewer when the size runs out), as torch.

    Gradient: each piece's ``g`` written into its slice (zeros for pieces without one).

    >>> [t.tolist() for t in minigrad.arange(6).chunk(3)]
    [[0, 1], [2, 3], [4, 5]]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = x.shape[normalize_dim(dim, x.ndim)]
    return split(x, max(-(-size // chunks), 1), dim)


def unbind(x, dim=0):
    """The views ``x.select(dim, i)`` for every ``i``.

    Gradient: each view's ``g`` written into its slice (zeros for views without one).

    >>> [t.tolist() for t in minigrad.eye(2).unbind(0)]
    [[1.0, 0.0], [0.0, 1.0]]
    """
    axis = normalize_dim(dim, x.ndim)
    head = (slice(None),) * axis
    return Split.apply(x, keys=tuple(head + (i,) for i in range(x.shape[axis])))


def flip(x, dims):
    """``x`` with the order of ``dims`` reversed (a copy, as torch's).

    Gradient: ``g`` flipped back.

    >>> minigrad.arange(3).flip(0)
    tensor([2, 1, 0])
    """
    axes = {normalize_dim(d, x.ndim) for d in ((dims,) if isinstance(dims, int) else dims)}
    key = tuple(slice(None, None, -1) if axis in axes else slice(None) for axis in range(x.ndim))
    return Clone.apply(Index.apply(x, index=key, advanced=False))


def roll(x, shifts, dims=None):
    """``x`` shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when ``dims`` is None).

    Gradient: ``g`` rolled back by ``-shifts``.

    >>> minigrad.arange(4).roll(1)
    tensor([3, 0, 1, 2])
    """
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), *x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    for shift, dim in zip(shifts, dims):
        axis = normalize_dim(dim, x.ndim)
        size = x.shape[axis]
        if size:
            cut = (size - shift % size) % size
            x = cat([narrow(x, axis, cut, size - cut), narrow(x, axis, 0, cut)], axis)
    return x


def repeat(x, *sizes):
    """``x`` tiled ``sizes[i]`` times along each dim (leading new dims allowed), as torch's ``repeat``: always a
    new tensor, never a view of ``x``.

    Gradient: ``g`` summed over the tiles.

    >>> minigrad.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    interleaved = tuple(n for size in shape for n in (1, size))  # (1, s0, 1, s1, ...)
    tiled = tuple(n for r, size in zip(sizes, shape) for n in (r, size))
    out = reshape(expand(reshape(x, *interleaved), *tiled), *(r * size for r, size in zip(sizes, shape)))
    # torch's repeat always copies; tiles along new or size-1 dims reshape to a stride-0 view of x, whose
    # elements share memory (an in-place op on it would write one location many times)
    return Clone.apply(out) if np.may_share_memory(out._data, x._data) else out


def _triangle(x, diagonal, upper):
    if x.ndim < 2:
        raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 dimensions")
    rows, cols = x.shape[-2:]
    keep = np.triu(np.ones((rows, cols), bool), diagonal) if upper else np.tril(np.ones((rows, cols), bool), diagonal)
    return masked_fill(x, wrap(~keep), 0)


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere.

    Gradient: ``g`` with the same triangle kept, zeros elsewhere.

    >>> minigrad.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    return _triangle(x, diagonal, upper=False)


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere.

    Gradient: ``g`` with the same triangle kept, zeros elsewhere.

    >>> minigrad.ones(2, 2).triu()
    tensor([[1., 1.],
            [0., 1.]])
    """
    return _triangle(x, diagonal, upper=True)


def movedim(x, source, destination):
    """``x`` with the dims ``source`` moved to positions ``destination`` (the others keep their order).

    Gradient: ``g`` with the dims moved back.

    >>> minigrad.zeros(2, 3, 4).moveaxis(0, -1).shape
    (3, 4, 2)
    """
    given = {
        "source": list((source,) if isinstance(source, int) else source),
        "destination": list((destination,) if isinstance(destination, int) else destination),
    }
    if len(given["source"]) != len(given["destination"]):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({given['source']} dims) should contain the "
            f"same number of dims as destination ({given['destination']} dims)"
        )
    source, destination = ([normalize_dim(d, x.ndim) for d in dims] for dims in given.values())
    for name, dims in zip(given, (source, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given[name]})")
    order = [d for d in range(x.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return permute(x, *order)


def index_select(x, dim, index):
    """The entries of ``x`` at the 1-D integer ``index`` along ``dim``; the gradient is added back at them.

    Gradient: ``g`` added back at ``index`` along ``dim`` (repeated indices accumulate).

    >>> minigrad.arange(5).index_select(0, minigrad.tensor([4, 0]))
    tensor([4, 0])
    """
    axis = normalize_dim(dim, x.ndim)
    index = np.asarray(data_of(index))
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    size = x.shape[axis] if x.ndim else 1
    if x.ndim and index.size and (index.min() < -size or index.max() >= size):
        raise IndexError("index out of range in self")
    if x.ndim == 0:  # a 0-d tensor selects like a 1-element vector and stays 0-d
        if index.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)")
        return reshape(Index.apply(reshape(x, 1), index=index.reshape(-1), advanced=True), ())
    return Index.apply(x, index=(slice(None),) * axis + (index.reshape(-1),), advanced=True)


def repeat_interleave(x, repeats, dim=None):
    """Each entry along ``dim`` repeated ``repeats`` times (a number, or one count per entry); the flattened
    tensor when ``dim`` is None.

    Gradient: ``g`` summed over each entry's repeats.

    >>> minigrad.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    """
    if dim is None:
        x, dim = reshape(x, -1), 0
    axis = normalize_dim(dim, x.ndim)
    counts = np.asarray(data_of(repeats))
    if np.any(counts < 0):
        raise RuntimeError("repeats can not be negative")
    index = np.repeat(np.arange(x.shape[axis]), counts)
    return Index.apply(x, index=(slice(None),) * axis + (index,), advanced=True)


def masked_select(x, mask):
    """The entries of ``x`` where ``mask`` (broadcast) holds, as a 1-D tensor.

    Gradient: ``g`` written back at the selected positions, zeros elsewhere (summed over ``x``'s broadcast dims).

    >>> minigrad.arange(4).masked_select(minigrad.tensor([True, False, True, False]))
    tensor([0, 2])
    """
    mask = np.asarray(data_of(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(x.shape, mask.shape)
    x = expand(x, *shape) if x.shape != shape else x
    return Index.apply(x, index=np.broadcast_to(mask, shape), advanced=True)


def take_along_dim(x, indices, dim=None):
    """``x``'s entries at ``indices`` along ``dim``: ``gather`` after broadcasting ``x`` and ``indices`` against
    each other in every dim but ``dim``; without ``dim``, the flattened ``x`` at the flattened ``indices``
    (numpy's ``take_along_axis``). ``indices`` is int64 with ``x``'s number of dims; along ``dim`` a negative index
    counts from the end (as in torch; the flattened form refuses it, as torch's does).

    Gradient: ``g`` added back at ``indices`` along ``dim`` (repeated indices accumulate), summed over the broadcast.

    >>> minigrad.tensor([[10.0, 20.0], [30.0, 40.0]]).take_along_dim(minigrad.tensor([[1], [0]]), 1)
    tensor([[20.],
            [30.]])
    >>> minigrad.tensor([[10.0, 20.0], [30.0, 40.0]]).take_along_dim(minigrad.tensor([3, 0]))
    tensor([40., 10.])
    """
    index = np.asarray(data_of(indices))
    if index.dtype != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_dtype.torch_name(index.dtype)}"
        )
    if dim is None:
        return gather(reshape(x, -1), 0, index.reshape(-1))
    if x.ndim != index.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{x.ndim} dimensions for input, and {index.ndim} dimensions for indices"
        )
    axis = normalize_dim(dim, x.ndim)
    shape = np.broadcast_shapes(_with(x.shape, axis, 1), _with(index.shape, axis, 1))
    index = np.broadcast_to(_wrapped(index, x.shape[axis]), _with(shape, axis, index.shape[axis]))
    target = _with(shape, axis, x.shape[axis])
    return gather(x if x.shape == target else expand(x, *target), axis, index)


def _wrapped(index, size):
    """``index`` with its negative entries counted from ``size`` (those below ``-size`` stay out of range)."""
    return np.where((index < 0) & (index >= -size), index + size, index)


def _with(shape, axis, size):
    """``shape`` with ``size`` along ``axis``."""
    return (*shape[:axis], size, *shape[axis + 1 :])


def each_tensor(make_tensor):
    """torch's forms of the ``atleast_*d`` functions: one tensor gives one tensor; several (or a list) a tuple."""

    def per_tensor(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return make_tensor(tensors[0])
        items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
        return tuple(make_tensor(t) for t in items)

    per_tensor.__name__, per_tensor.__doc__ = make_tensor.__name__, make_tensor.__doc__
    return per_tensor


@each_tensor
def atleast_1d(x):
    """``x`` as a tensor of at least one dim (a 0-d tensor becomes shape ``(1,)``); several tensors (or a list) give
    a tuple. Gradient: ``g`` reshaped back.

    >>> minigrad.atleast_1d(minigrad.tensor(3.0))
    tensor([3.])
    """
    return reshape(x, 1) if x.ndim == 0 else x


@each_tensor
def atleast_2d(x):
    """``x`` as a tensor of at least two dims (``(n,)`` becomes ``(1, n)``); several tensors (or a list) give a
    tuple. Gradient: ``g`` reshaped back.

    >>> minigrad.atleast_2d(minigrad.tensor([1.0, 2.0]))
    tensor([[1., 2.]])
    """
    return reshape(x, 1, 1) if x.ndim == 0 else unsqueeze(x, 0) if x.ndim == 1 else x


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors).

    Gradient: each input gets its slice of ``g``.

    >>> minigrad.hstack([minigrad.zeros(2), minigrad.ones(1)])
    tensor([0., 0., 1.])
    """
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, 1-D tensors as rows.

    Gradient: each input gets its slice of ``g``.

    >>> minigrad.vstack([minigrad.zeros(2), minigrad.ones(2)]).shape
    (2, 2)
    """
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat([atleast_2d(t) for t in tensors], 0)


def nonzero(x, as_tuple=False):
    """The indices of the non-zero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim.

    Not differentiable (integer indices).

    >>> minigrad.tensor([0.0, 2.0, 3.0]).nonzero()
    tensor([[1],
            [2]])
    """
    data = np.asarray(data_of(x))
    if as_tuple:  # a 0-d tensor answers as a 1-element vector would, as torch
        return tuple(wrap(p.astype(np.int64)) for p in np.nonzero(np.atleast_1d(data)))
    if data.ndim == 0:  # one row of no coordinates if it is non-zero, none if it is zero
        return wrap(np.zeros((int(bool(data)), 0), np.int64))
    return wrap(np.stack(np.nonzero(data), axis=1).astype(np.int64))


def argwhere(x):
    """The indices of the nonzero elements of ``x``, one row each: an int64 ``(count, x.ndim)`` tensor. Not
    differentiable.

    >>> minigrad.tensor([0.0, 3.0, 0.0, 1.0]).argwhere()
    tensor([[1],
            [3]])
    """
    return nonzero(x)
