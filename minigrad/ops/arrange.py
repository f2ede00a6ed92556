"""Splitting, stacking, tiling and rotating, composed from ``ops.shape`` and ``ops.slicing``: tensor_split and the
h/v/dsplit family, column_stack/dstack/atleast_3d, tile, rot90, fliplr/flipud, ravel, unflatten, the broadcast
helpers, meshgrid, cartesian_prod, combinations and block_diag.

Every result is made of views (``narrow``, ``pieces``, ``reshape``, ``expand``), index arrays and ``cat``, so
gradients and double backward come from those primitives, and a result that is a view in torch (a split piece,
``ravel`` of a contiguous tensor, ``unflatten``) is one here, with the version counter and in-place rules of every
view.
"""

import itertools

import numpy as np

from .. import _dtype
from ._util import data_of, wrap
from .shape import Index, cat, expand, normalize_dim, reshape, stack, transpose, unsqueeze
from .slicing import atleast_2d, chunk, each_tensor, flip, pieces, repeat, split

__all__ = [
    "atleast_3d",
    "block_diag",
    "broadcast_shapes",
    "broadcast_tensors",
    "cartesian_prod",
    "column_stack",
    "combinations",
    "dsplit",
    "dstack",
    "fliplr",
    "flipud",
    "hsplit",
    "meshgrid",
    "ravel",
    "rot90",
    "split_with_sizes",
    "tensor_split",
    "tile",
    "unflatten",
    "unsafe_chunk",
    "unsafe_split",
    "vsplit",
]


def _tensors(args):
    """torch's two spellings of a list of tensors: ``f(a, b, c)`` and ``f([a, b, c])``."""
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)


@each_tensor
def atleast_3d(x):
    """``x`` with at least three dims: ``()`` -> ``(1, 1, 1)``, ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``
    (views); several tensors (or a list) give a tuple. Gradient: ``g`` reshaped back.

    >>> minigrad.atleast_3d(minigrad.ones(2)).shape
    (1, 2, 1)
    """
    return unsqueeze(atleast_2d(x), -1) if x.ndim < 3 else x


def column_stack(tensors):
    """The tensors side by side as columns: 0-d and 1-d tensors become ``(n, 1)`` columns, the rest are joined along
    dim 1. Gradient: each input gets its columns of ``g``.

    >>> minigrad.column_stack([minigrad.tensor([1, 2]), minigrad.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat([reshape(t, t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


def dstack(tensors):
    """The tensors (made at least 3-d by ``atleast_3d``) joined along dim 2, the depth. Gradient: each input gets its
    slice of ``g``.

    >>> minigrad.dstack([minigrad.zeros(2), minigrad.ones(2)]).shape
    (1, 2, 2)
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(atleast_3d(tensors), 2)


def tensor_split(x, indices_or_sections, dim=0):
    """Views of ``x`` along ``dim``: ``n`` near-equal pieces for an int ``n`` (the first ``size % n`` one longer), or
    the pieces between the given indices (a list, a 1-d int tensor; clamped to the size). A 0-d tensor counts as
    ``n``. Gradient: each piece's ``g`` lands in its slice.

    >>> [t.tolist() for t in minigrad.arange(7).tensor_split(3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis]
    cuts = data_of(indices_or_sections)
    if isinstance(cuts, np.ndarray):
        if cuts.dtype.kind not in "iu" or cuts.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have integral dtype and be 0-D or 1-D"
                f", but got a tensor of dtype {_dtype.torch_name(cuts.dtype)} with {cuts.ndim} dims"
            )
        cuts = int(cuts) if cuts.ndim == 0 else [int(c) for c in cuts]
    if isinstance(cuts, (int, np.integer)) and not isinstance(cuts, bool):
        if cuts <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {cuts}")
        small, extra = divmod(size, int(cuts))
        lengths = [small + 1] * extra + [small] * (int(cuts) - extra)
        return pieces(x, axis, np.cumsum([0] + lengths[:-1]), lengths)
    bounds = [min(max(int(c) + size if int(c) < 0 else int(c), 0), size) for c in cuts]
    starts, stops = [0] + bounds, bounds + [size]
    return pieces(x, axis, starts, [max(stop - start, 0) for start, stop in zip(starts, stops)])


def _directional_split(x, indices_or_sections, name, dim, min_dims):
    if x.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with {x.ndim} "
            "dimensions!"
        )
    if isinstance(indices_or_sections, (float, np.floating, str)):
        raise TypeError(
            f"{name}() received an invalid combination of arguments: indices_or_sections must be an int or a "
            f"sequence of ints, got {type(indices_or_sections).__name__}"
        )
    if isinstance(indices_or_sections, (int, np.integer)) and (
        indices_or_sections == 0 or x.shape[dim] % indices_or_sections
    ):
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
            f"{x.shape[dim]} is not divisible by the split_size {indices_or_sections}!"
        )
    return tensor_split(x, indices_or_sections, dim)


def hsplit(x, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 of a 1-d tensor); an int must divide that dim evenly.
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.shape for t in minigrad.zeros(2, 4).hsplit(2)]
    [(2, 2), (2, 2)]
    """
    return _directional_split(x, indices_or_sections, "hsplit", 1 if x.ndim > 1 else 0, 1)


def vsplit(x, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor of at least two dims; an int must divide that dim evenly.
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.shape for t in minigrad.zeros(4, 2).vsplit([1])]
    [(1, 2), (3, 2)]
    """
    return _directional_split(x, indices_or_sections, "vsplit", 0, 2)


def dsplit(x, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor of at least three dims; an int must divide that dim evenly.
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.shape for t in minigrad.zeros(1, 1, 4).dsplit(2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    return _directional_split(x, indices_or_sections, "dsplit", 2, 3)


def split_with_sizes(x, split_sizes, dim=0):
    """``split`` with a list of sizes that must sum to the size of ``dim`` (views).
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.tolist() for t in minigrad.arange(5).split_with_sizes([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    return split(x, list(split_sizes), dim)


def unsafe_split(x, split_size, dim=0):
    """``split`` (torch's unsafe variant skips view bookkeeping; here the pieces are ordinary views).
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.tolist() for t in minigrad.arange(3).unsafe_split(2)]
    [[0, 1], [2]]
    """
    return split(x, split_size, dim)


def unsafe_chunk(x, chunks, dim=0):
    """``chunk`` (torch's unsafe variant skips view bookkeeping; here the pieces are ordinary views).
    Gradient: each piece's ``g`` back into its slice of ``x``.

    >>> [t.tolist() for t in minigrad.arange(4).unsafe_chunk(2)]
    [[0, 1], [2, 3]]
    """
    return chunk(x, chunks, dim)


def fliplr(x):
    """``x`` with dim 1 reversed (left/right of a matrix), a copy. Gradient: ``g`` flipped back.

    >>> minigrad.tensor([[1, 2]]).fliplr()
    tensor([[2, 1]])
    """
    if x.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, 1)


def flipud(x):
    """``x`` with dim 0 reversed (up/down), a copy. Gradient: ``g`` flipped back.

    >>> minigrad.tensor([1, 2, 3]).flipud()
    tensor([3, 2, 1])
    """
    if x.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, 0)


def rot90(x, k=1, dims=(0, 1)):
    """``x`` rotated by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the second
    (``k = 1``: ``flip(dims[1])`` then swap the two). Gradient: ``g`` rotated back.

    >>> minigrad.tensor([[1, 2], [3, 4]]).rot90()
    tensor([[2, 4],
            [1, 3]])
    """
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    first, second = normalize_dim(dims[0], x.ndim), normalize_dim(dims[1], x.ndim)
    if first == second:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {first} and dim1 = {second}")
    turns = int(k) % 4
    if turns == 1:
        return transpose(flip(x, second), first, second)
    if turns == 2:
        return flip(x, (first, second))
    if turns == 3:
        return transpose(flip(x, first), first, second)
    return flip(x, ())  # a copy, as torch's


def tile(x, dims):
    """``x`` repeated ``dims[i]`` times along each dim; fewer ``dims`` than ``x`` has are padded with leading ones
    (``repeat`` otherwise). Gradient: the sum of ``g`` over the copies.

    >>> minigrad.tensor([1, 2]).tile((2,))
    tensor([1, 2, 1, 2])
    """
    dims = tuple(int(d) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def ravel(x):
    """``x`` flattened to 1-d in row-major order: a view when the memory allows (a contiguous tensor), else a copy.
    Gradient: ``g`` reshaped back.

    >>> minigrad.zeros(2, 3).ravel().shape
    (6,)
    """
    return reshape(x, -1)


def unflatten(x, dim, sizes):
    """``x`` with dim ``dim`` split into ``sizes`` (one of them may be -1), a view when the memory allows.
    Gradient: ``g`` reshaped back.

    >>> minigrad.zeros(2, 6).unflatten(1, (2, 3)).shape
    (2, 2, 3)
    """
    axis = normalize_dim(dim, x.ndim)
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(np.prod([s for s in sizes if s != -1], dtype=np.int64))
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    size = x.shape[axis] if x.ndim else 1
    if (-1 not in sizes and known != size) or (-1 in sizes and (known == 0 or size % known)):
        raise RuntimeError(
            f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({size}) in the input tensor"
        )
    sizes = [size // known if s == -1 else s for s in sizes]
    return reshape(x, *x.shape[:axis], *sizes, *x.shape[axis + 1 :])


def broadcast_shapes(*shapes):
    """The shape every given shape (a tuple or an int) broadcasts to, NumPy's rules. Not differentiable (a shape, not a
    tensor).

    >>> minigrad.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(int(n) for n in s) for s in shapes]
    for shape in shapes:
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views). Gradient: each ``g`` summed back over the
    broadcast dims.

    >>> [t.shape for t in minigrad.broadcast_tensors(minigrad.zeros(2, 1), minigrad.zeros(3))]
    [(2, 3), (2, 3)]
    """
    tensors = _tensors(tensors)
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, *shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 0-d/1-d tensors: result ``i`` is tensor ``i`` expanded along its own dim of the grid of
    shape ``(len(t0), len(t1), ...)`` (``indexing='xy'`` swaps the first two grid dims). Views; gradient: ``g``
    summed over the expanded dims.

    >>> [g.tolist() for g in minigrad.meshgrid(minigrad.tensor([1, 2]), minigrad.tensor([3]), indexing="ij")]
    [[[1], [2]], [[3], [3]]]
    """
    tensors = _tensors(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0, *range(2, len(tensors))] if swap else list(range(len(tensors)))
    shape = tuple(tensors[i].numel() for i in order)
    results = []
    for i, t in enumerate(tensors):
        position = order.index(i)
        layout = [1] * len(tensors)
        layout[position] = t.numel()
        results.append(expand(reshape(t, *layout), *shape))
    return tuple(results)


def cartesian_prod(*tensors):
    """Every combination of one entry from each 1-d tensor, in row-major order: ``(Π nᵢ, k)`` for ``k`` tensors
    (one tensor is returned as it is). Gradient: each input gets the sum of ``g`` over the rows using its entries.

    >>> minigrad.cartesian_prod(minigrad.tensor([1, 2]), minigrad.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    tensors = _tensors(tensors)
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([reshape(grid, -1) for grid in meshgrid(*tensors, indexing="ij")], 1)


def combinations(x, r=2, with_replacement=False):
    """The length-``r`` combinations of the entries of a 1-d tensor, as rows of an ``(count, r)`` tensor in
    lexicographic order of positions (Python's ``itertools.combinations``; with repeats when ``with_replacement``).
    Gradient: each entry gets the sum of ``g`` where it was picked.

    >>> minigrad.combinations(minigrad.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Index.apply(x, index=np.zeros(0, np.int64), advanced=True)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    positions = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return Index.apply(x, index=positions, advanced=True)


def block_diag(*tensors):
    """The tensors (0-d as ``1×1``, 1-d as one row) along the diagonal of a zero matrix of their summed shape, in
    their promoted dtype. Gradient: each input gets its block of ``g``.

    >>> minigrad.block_diag(minigrad.tensor([[1]]), minigrad.tensor([2, 3]))
    tensor([[1, 0, 0],
            [0, 2, 3]])
    """
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} dimensions"
            )
    if not tensors:
        return wrap(np.zeros((1, 0), dtype=_dtype.get_default_dtype().numpy))
    dtype = _dtype.result_type(*(t._data for t in tensors))
    blocks = [atleast_2d(t if t._data.dtype == dtype else t.to(dtype)) for t in tensors]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for block in blocks:
        height, span = block.shape
        before = wrap(np.zeros((height, left), dtype))
        after = wrap(np.zeros((height, width - left - span), dtype))
        rows.append(cat([before, block, after], 1))
        left += span
    return cat(rows, 0)
