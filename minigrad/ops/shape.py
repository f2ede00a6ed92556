"""Shape and indexing operations: reshape, permute, broadcast, index, concatenate, gather.

None of these change values, so their backwards only move gradients around: a reshape's gradient is reshaped
back, a broadcast's gradient is summed back (``SumTo``), an index's gradient is scattered back into zeros
(``IndexBackward``, where repeated indices accumulate). Each pair is mutually inverse, which is what makes
second derivatives through them work.
"""

import math

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import data_of, sum_to_array
from .out import write_into

# every dim of an array of each possible ndim (NumPy allows 64): a reduction over all dims builds no tuple
_ALL_AXES = tuple(tuple(range(n)) for n in range(65))


def normalize_dim(dim, ndim):
    """Turn a possibly negative ``dim`` into an index in ``[0, ndim)`` (0-d tensors accept -1 and 0)."""
    bound = ndim if ndim > 1 else 1  # (not max(): a builtin call)
    if type(dim) is not int and (not isinstance(dim, (int, np.integer)) or isinstance(dim, bool)):
        raise TypeError(f"dim must be an int, but got {type(dim).__name__}")
    if not -bound <= dim < bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})")
    return (dim if type(dim) is int else int(dim)) % bound


def normalize_dims(dim, ndim):
    """A dim, a tuple of dims, or None (all dims) as a sorted tuple of non-negative axes."""
    if dim is None:
        return _ALL_AXES[ndim]
    if type(dim) is int:  # one dim, the common case: nothing to sort or to find twice
        axis = normalize_dim(dim, ndim)
        return (axis,) if ndim else ()
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = tuple(sorted(normalize_dim(d, ndim) for d in dims))  # validated for 0-d tensors too
    if len(set(axes)) != len(axes):
        repeated = next(a for a in axes if axes.count(a) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return axes if ndim else ()  # a 0-d tensor's dim 0 is the tensor itself: nothing to reduce


class Reshape(Function):
    """``x`` with another shape (a view when the memory layout allows, else a copy); gradient: ``g`` reshaped back."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad):
        return grad.reshape(self.in_shape)

    def backward_arrays(self, grad):  # (the public reshape would re-enter Function.apply for each backward)
        return grad.reshape(self.in_shape)


class Permute(Function):
    """``x`` with its dims reordered by ``axes`` (a view); gradient: ``g`` permuted back."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, axes):
        return x.transpose(axes)  # (np.transpose: three Python calls around this)

    def backward(self, grad):
        return grad.permute(*_inverse_order(self.options["axes"]))

    def backward_arrays(self, grad):
        return grad.transpose(_inverse_order(self.options["axes"]))


def _inverse_order(axes):
    """The permutation that undoes ``axes`` (np.argsort on a tuple costs ~10x more at these sizes)."""
    inverse = [0] * len(axes)
    for i, axis in enumerate(axes):
        inverse[axis] = i
    return inverse


class BroadcastTo(Function):
    """``expand``: repeat size-1 (or missing leading) dims (a view); the gradient is summed back by ``SumTo``."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, shape):
        self.in_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad):
        return SumTo.apply(grad, shape=self.in_shape)


class SumTo(Function):
    """Sum a broadcast array back to ``shape``: the inverse of ``BroadcastTo``."""

    keeps_inputs = False

    def forward(self, x, *, shape):
        self.in_shape = x.shape
        return sum_to_array(x, shape).reshape(shape)  # (a reshape: the result is never the input array itself)

    def backward(self, grad):
        return BroadcastTo.apply(grad, shape=self.in_shape)


def sum_to(grad, shape):
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched, to ``shape``.

    Every binary op's backward passes its gradients through here, so broadcasting is handled in one place.
    """
    if grad.shape == tuple(shape):
        return grad
    return SumTo.apply(grad, shape=tuple(shape))


class Diagonal(Function):
    """The diagonal of ``x`` over ``dim1`` and ``dim2`` (a writable view, as torch's), moved last; gradient:
    ``g`` written onto that diagonal of zeros (``DiagonalBackward``)."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, offset, dim1, dim2):
        self.in_shape = x.shape
        result = np.diagonal(x, offset, dim1, dim2)
        if x.flags.writeable:  # NumPy marks diagonals read-only; torch's diagonal is an ordinary view
            result.flags.writeable = True
        return result

    def backward(self, grad):
        return DiagonalBackward.apply(grad, shape=self.in_shape, **self.options)


class DiagonalBackward(Function):
    """``grad`` written onto the diagonal of zeros of ``shape``: the adjoint of ``Diagonal``."""

    keeps_inputs = False

    def forward(self, grad, *, shape, offset, dim1, dim2):
        result = np.zeros(shape, dtype=grad.dtype)
        diagonal = np.diagonal(result, offset, dim1, dim2)
        diagonal.flags.writeable = True
        diagonal[...] = grad
        return result

    def backward(self, grad):
        options = dict(self.options)
        del options["shape"]
        return Diagonal.apply(grad, **options)


def replay_views(tensor, view_ops):
    """Apply a view's recorded ops (``(Function class, options)`` pairs, its ``_view_ops``) to ``tensor``: the same
    region of another tensor of the base's shape."""
    for op, options in view_ops:
        tensor = op.apply(tensor, **options)
    return tensor


def index_arrays(index):
    """Turn Tensors inside an index into arrays, and say whether the index is 'advanced' (may repeat)."""
    items = index if isinstance(index, tuple) else (index,)
    converted, advanced = [], False
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
        if isinstance(item, list):
            item = np.asarray(item)
            if item.size == 0:  # [] and [[]] select nothing, as in torch (NumPy makes them float arrays)
                item = item.astype(np.int64)
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced = True
        converted.append(item)
    return (tuple(converted) if isinstance(index, tuple) else converted[0]), advanced


class Index(Function):
    """``x[index]`` for ints, slices, None, Ellipsis, integer arrays and boolean masks (a view when ``index`` is
    basic); ``index`` as ``index_arrays`` converts it, ``advanced`` whether it holds arrays (positions may repeat).
    Gradient: ``g`` scattered back into zeros (``IndexBackward``)."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, index, advanced):
        self.in_shape = x.shape
        items = index if isinstance(index, tuple) else (index,)
        if not advanced and not any(item is Ellipsis for item in items):
            return x[items + (Ellipsis,)]  # an all-integer index stays a view (NumPy would return a copied scalar)
        return x[index]

    def backward(self, grad):
        return IndexBackward.apply(grad, shape=self.in_shape, **self.options)

    def backward_arrays(self, grad):
        return _scatter_into_zeros(grad, self.options["index"], self.options["advanced"], self.in_shape)


class IndexBackward(Function):
    """Scatter ``grad`` into zeros of ``shape`` at ``index``, adding where an index repeats: the adjoint of
    ``Index``."""

    keeps_inputs = False

    def forward(self, grad, *, index, advanced, shape):
        return _scatter_into_zeros(grad, index, advanced, shape)

    def backward(self, grad):
        return Index.apply(grad, index=self.options["index"], advanced=self.options["advanced"])


def _scatter_into_zeros(grad, index, advanced, shape):
    """An array of zeros of ``shape`` with ``grad`` added at ``index`` (repeated advanced positions add up)."""
    result = np.zeros(shape, dtype=grad.dtype)
    if advanced:
        np.add.at(result, index, grad)
    else:
        result[index] = grad
    return result


class Split(Function):
    """The pieces ``x[key]`` for each basic index ``key`` of ``keys`` (views; split, chunk, unbind and
    tensor_split), all from one node. Gradient: each piece's ``g`` written into its region of one array of zeros
    (``SplitBackward``); a piece without a gradient leaves its region zero."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, keys):
        self.in_shape = x.shape
        return tuple(x[key + (Ellipsis,)] for key in keys)  # (an all-integer key stays a view with the Ellipsis)

    def backward(self, grads):
        return SplitBackward.apply(*grads, keys=self.options["keys"], shape=self.in_shape)

    def output_view(self, i):
        return Index, {"index": self.options["keys"][i], "advanced": False}


class SplitBackward(Function):
    """Zeros of ``shape`` with each gradient written at its key (a None leaves zeros): the adjoint of ``Split``."""

    keeps_inputs = False

    def forward(self, *grads, keys, shape):
        whole = _whole(grads, keys, shape)
        if whole is not None:
            return whole
        result = np.zeros(shape, dtype=np.result_type(*(g for g in grads if g is not None)))
        for grad, key in zip(grads, keys):
            if grad is not None:
                result[key] = grad
        return result

    def backward(self, grad):
        pieces = Split.apply(grad, keys=self.options["keys"])
        return tuple(piece if need else None for piece, need in zip(pieces, self.needs_input_grad))


def _whole(grads, keys, shape):
    """The array of ``shape`` whose pieces at ``keys`` the gradients already are, or None: when they are all views
    that cover one C-contiguous array between them (an attention's gradients written in place where its split
    inputs were, ``ops.attention``), that array is the split's gradient as it stands, with no copy."""
    if any(g is None for g in grads):
        return None
    base = owner(grads[0])
    if base is None or base is grads[0] or not base.flags.c_contiguous or base.size != math.prod(shape):
        return None
    if any(owner(g) is not base for g in grads[1:]):
        return None
    if sum(g.size for g in grads) != base.size or any(g.dtype != base.dtype for g in grads):
        return None  # (split pieces never overlap: covering the size, they cover the array)
    whole = base.reshape(shape)
    for grad, key in zip(grads, keys):
        piece = whole[key]
        if piece.shape != grad.shape or piece.strides != grad.strides or _address(piece) != _address(grad):
            return None
    return whole


def _address(x):
    return x.__array_interface__["data"][0]


def owner(x):
    """The array that owns ``x``'s memory (``x`` itself when it is no view), following views made by
    ``as_strided`` too; None when the memory belongs to something other than an array."""
    while x.base is not None:
        x = x.base
    return x if isinstance(x, np.ndarray) else None


class IndexPut(Function):
    """``x`` with ``value`` written at an advanced ``index`` (arrays or masks). Gradients: ``x`` gets ``g`` outside
    the written positions, ``value`` gets ``g`` at them (summed back over its broadcast)."""

    keeps_inputs = False

    def forward(self, x, value, *, index):
        result = x.copy()
        self.mask = np.ones(x.shape, dtype=bool)
        self.mask[index] = False
        self.value_shape = np.shape(value)
        try:
            result[index] = value
        except ValueError:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast "
                f"to indexing result of shape {list(x[index].shape)}"
            ) from None
        return result

    def backward(self, grad):
        need_x, need_value = self.needs_input_grad
        region = Index.apply(grad, index=self.options["index"], advanced=True)
        return (
            grad * Tensor._wrap(self.mask.astype(grad._data.dtype)) if need_x else None,
            sum_to(region, self.value_shape) if need_value else None,
        )


class Concatenate(Function):
    """``cat(tensors, dim)``; each input's gradient is its slice of ``grad``."""

    keeps_inputs = False

    def forward(self, *arrays, dim):
        self.bounds = bounds = [0]  # (a running sum in Python: np.cumsum of a short list costs ~10x more)
        for a in arrays:
            bounds.append(bounds[-1] + a.shape[dim])
        return np.concatenate(arrays, axis=dim)

    def backward(self, grad):
        return tuple(grad[part] if part is not None else None for part in self._parts())

    def backward_arrays(self, grad):
        return tuple([grad[part] if part is not None else None for part in self._parts()])

    def _parts(self):
        """Per input, the index of its slice of the output (None for an input that needs no gradient)."""
        prefix = (slice(None),) * self.options["dim"]
        bounds = self.bounds
        return [
            prefix + (slice(bounds[i], bounds[i + 1]),) if need else None
            for i, need in enumerate(self.needs_input_grad)
        ]


class Gather(Function):
    """``gather(x, dim, index)``: ``out[i][j] = x[index[i][j]][j]`` (dim 0); the gradient is scatter-added back."""

    keeps_inputs = False

    def forward(self, x, *, dim, index):
        self.in_shape = x.shape
        return np.take_along_axis(x, index, axis=dim)

    def backward(self, grad):
        return ScatterAdd.apply(grad, shape=self.in_shape, **self.options)


class ScatterAdd(Function):
    """Add ``src`` into zeros of ``shape`` at ``index`` along ``dim``: the adjoint of ``Gather``."""

    keeps_inputs = False

    def forward(self, src, *, dim, index, shape):
        result = np.zeros(shape, dtype=src.dtype)
        positions = list(np.indices(index.shape, sparse=True))
        positions[dim] = index
        np.add.at(result, tuple(positions), src)
        return result

    def backward(self, grad):
        dim, index = self.options["dim"], self.options["index"]
        if index.shape != grad.shape:  # an index smaller than the result in the other dims reads their leading part
            grad = Index.apply(
                grad,
                index=tuple(slice(0, n) if d != dim else slice(None) for d, n in enumerate(index.shape)),
                advanced=False,
            )
        return Gather.apply(grad, dim=dim, index=index)


# ----------------------------------------------------------------------------------------------- functions
def reshape(x, *shape):
    """The values of ``x`` in row-major order laid out as ``shape`` (ints or one tuple; one ``-1`` is inferred); a view
    when the memory allows. Gradient: ``g`` reshaped back to ``x.shape``.

    >>> minigrad.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = shape_argument(shape)
    try:
        return Reshape.apply(x, shape=_resolve_shape(shape, x._data.size))
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x._data.size}") from None


def shape_argument(shape):
    """A shape given as ints or as one sequence (torch's ``*size``), as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _resolve_shape(shape, size):
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod([s for s in shape if s != -1])  # (np.prod of a list: ~6 µs; math.prod: ~0.2 µs)
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError
    return shape


def permute(x, *dims):
    """``x`` with its dims reordered: output dim ``i`` is input dim ``dims[i]`` (a view). Gradient: ``g`` permuted by
    the inverse order.

    >>> minigrad.zeros(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    dims = shape_argument(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
            f"of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, x.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(x, axes=axes)


def transpose(x, dim0, dim1):
    """``x`` with dims ``dim0`` and ``dim1`` swapped (a view). Gradient: ``g`` with the same dims swapped back.

    >>> minigrad.zeros(2, 3).transpose(0, 1).shape
    (3, 2)
    """
    if x.ndim == 0:
        normalize_dim(dim0, 0), normalize_dim(dim1, 0)  # validates, as torch does
        return x
    axes = list(range(x.ndim))
    d0, d1 = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute.apply(x, axes=tuple(axes))


def swapaxes(x, axis0, axis1):
    """``x`` with dims ``axis0`` and ``axis1`` swapped (a view): ``transpose`` under NumPy's name. Gradient: ``g``
    with the same dims swapped back.

    >>> minigrad.swapaxes(minigrad.zeros(2, 3, 4), 0, 2).shape
    (4, 3, 2)
    """
    return transpose(x, axis0, axis1)


def expand(x, *sizes):
    """``x`` broadcast to ``sizes`` (``-1`` keeps a dim; new dims are added in front) without copying. Gradient: ``g``
    summed over the expanded dims.

    >>> minigrad.tensor([[1.0], [2.0]]).expand(2, 3)
    tensor([[1., 1., 1.],
            [2., 2., 2.]])
    """
    sizes = shape_argument(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    try:
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor must match the existing size at non-singleton "
            f"dimensions. Target sizes: {list(sizes)}. Tensor sizes: {list(x.shape)}"
        ) from None
    return x if shape == x.shape else BroadcastTo.apply(x, shape=shape)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (NumPy's rules; ``-1`` keeps a dim), a view. Gradient: ``g`` summed over the
    broadcast dims.

    >>> minigrad.broadcast_to(minigrad.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return expand(x, *shape)


def squeeze(x, dim=None):
    """``x`` without its size-1 dims (all of them, or only ``dim`` when given and of size 1). Gradient: ``g`` reshaped
    back.

    >>> minigrad.zeros(2, 1, 3).squeeze().shape
    (2, 3)
    """
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return x if shape == x.shape else Reshape.apply(x, shape=shape)


def unsqueeze(x, dim):
    """``x`` with a new size-1 dim at position ``dim`` (negative counts from the end of the result). Gradient: ``g``
    with that dim removed.

    >>> minigrad.zeros(2, 3).unsqueeze(1).shape
    (2, 1, 3)
    """
    axis = normalize_dim(dim, x.ndim + 1)
    return Reshape.apply(x, shape=x.shape[:axis] + (1,) + x.shape[axis:])


def flatten(x, start_dim=0, end_dim=-1):
    """``x`` with dims ``start_dim`` to ``end_dim`` merged into one (their product). Gradient: ``g`` reshaped back.

    >>> minigrad.zeros(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    start, end = normalize_dim(start_dim, x.ndim), normalize_dim(end_dim, x.ndim)  # 0-d: only -1 and 0
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1], dtype=np.int64)),) + x.shape[end + 1 :]
    return x if shape == x.shape else Reshape.apply(x, shape=shape)


def view(x, *shape):
    """``x`` with another shape, sharing its memory; refused where only a copy could have that shape (after a
    ``transpose``, say), as torch's ``view``: use ``reshape`` there.

    Gradient: ``g`` viewed back to ``x.shape``.

    >>> minigrad.arange(6).view(3, 2).shape
    (3, 2)
    """
    result = reshape(x, *shape)
    if x._data.size and not np.may_share_memory(result._data, x._data):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return result


def narrow(x, dim, start, length):
    """The view of ``length`` entries of ``x`` from ``start`` along ``dim``.

    Gradient: ``g`` written into that slice of zeros shaped like ``x``.

    >>> minigrad.arange(5).narrow(0, 1, 3)
    tensor([1, 2, 3])
    """
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis]
    if isinstance(start, Tensor):
        if start.ndim or start._data.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = start.item()
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = int(start) + size if int(start) < 0 else int(start)
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Index.apply(x, index=(slice(None),) * axis + (slice(start, start + length),), advanced=False)


def select(x, dim, index):
    """The view of ``x`` at position ``index`` of ``dim`` (that dim removed).

    Gradient: ``g`` written at ``index`` of ``dim`` in zeros shaped like ``x``.

    >>> minigrad.eye(2).select(1, 0)
    tensor([1., 0.])
    """
    axis = normalize_dim(dim, x.ndim)
    size = x.shape[axis]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {axis}")
    return Index.apply(x, index=(slice(None),) * axis + (int(index),), advanced=False)


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The view of the diagonal over ``dim1`` and ``dim2`` (``offset`` above it for > 0), as a last dim.

    Gradient: ``g`` written on that diagonal of zeros shaped like ``x``.

    >>> minigrad.eye(3).diagonal()
    tensor([1., 1., 1.])
    """
    axis1, axis2 = normalize_dim(dim1, x.ndim), normalize_dim(dim2, x.ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(x, offset=int(offset), dim1=axis1, dim2=axis2)


def t(x):
    """The transpose of a matrix (a vector or a scalar unchanged).

    Gradient: ``g`` transposed back.

    >>> minigrad.zeros(2, 3).t().shape
    (3, 2)
    """
    ndim = x._data.ndim
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    return Permute.apply(x, axes=(1, 0)) if ndim == 2 else x


def matrix_transpose(x):
    """The last two dims swapped (``mT``: a batch of transposed matrices).

    Gradient: ``g`` with its last two dims swapped back.

    >>> minigrad.zeros(5, 2, 3).mT.shape
    (5, 3, 2)
    """
    return transpose(x, -2, -1)


def reverse_dims(x):
    """All dims reversed (``T``: the transpose for a matrix).

    Gradient: ``g`` with its dims reversed back.

    >>> minigrad.zeros(2, 3, 4).T.shape
    (4, 3, 2)
    """
    return permute(x, *reversed(range(x.ndim))) if x.ndim > 1 else x


def _integer_item(item):
    """The int an index item selects with (an int, a NumPy integer or a 0-d integer array), else None."""
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu":
        return int(item)
    return None


def selections_first(key):
    """torch applies an index's integers as selections before its index arrays; NumPy counts them among the
    arrays, which changes where the arrays' dims land (x[0, :, [0, 1]] of a (2, 3, 4) tensor is (3, 2) in torch,
    (2, 3) in NumPy). ``key`` as ``index_arrays`` converts it. Returns (the integers and slices, the arrays on
    what remains), or None when the two agree."""
    items = key if isinstance(key, tuple) else (key,)
    integers = [_integer_item(item) for item in items]
    if all(n is None for n in integers) or not any(
        n is None and isinstance(item, np.ndarray) for item, n in zip(items, integers)
    ):
        return None
    selection, rest = [], []
    for item, integer in zip(items, integers):
        if integer is not None:
            selection.append(integer)
        elif item is None:
            selection.append(None)
            rest.append(slice(None))
        elif isinstance(item, (bool, np.bool_)):  # a new dim of 1 (True) or 0 (False) that is an index array
            selection.append(None)
            rest.append(np.zeros(int(item), dtype=np.int64))
        elif isinstance(item, np.ndarray):  # a boolean mask spans one dim per mask dim, integer arrays one dim
            selection.extend([slice(None)] * (item.ndim if item.dtype == np.bool_ else 1))
            rest.append(item)
        else:  # a slice or Ellipsis
            selection.append(item)
            rest.append(slice(None) if isinstance(item, slice) else item)
    return tuple(selection), tuple(rest)


def index(x, key):
    if x.ndim == 0 and key not in ((), Ellipsis, None) and not isinstance(key, tuple):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
            "C++ to convert a 0-dim tensor to a number"
        )
    try:
        key, advanced = index_arrays(key)
        split = selections_first(key)
        if split is not None:
            selection, rest = split
            return Index.apply(Index.apply(x, index=selection, advanced=False), index=rest, advanced=True)
        return Index.apply(x, index=key, advanced=advanced)
    except IndexError as error:
        raise IndexError(str(error)) from None


def cat(tensors, dim=0, *, out=None):
    """The tensors joined along the existing dim ``dim``; all shapes must agree elsewhere (aliases ``concat``,
    ``concatenate``); written into ``out`` when given (torch's ``out=``). Gradient: each input gets its slice of
    ``g``.

    >>> minigrad.cat([minigrad.zeros(2, 1), minigrad.ones(2, 2)], dim=1)
    tensor([[0., 1., 1.],
            [0., 1., 1.]])
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    mixed = legacy_empty = False
    for t in tensors:  # (one loop, not three any() over generators: a frame each, on every cat)
        if not isinstance(t, Tensor):
            raise TypeError("cat(): expected a sequence of Tensors")
        mixed = mixed or t._data.dtype != tensors[0]._data.dtype
        legacy_empty = legacy_empty or t._data.shape == (0,)
    if mixed:  # torch's promotion: float32 with int64 stays float32
        dtype = _dtype.result_type(*[t._data for t in tensors])
        tensors = [t if t._data.dtype == dtype else t.to(dtype) for t in tensors]
    if legacy_empty:  # torch skips legacy empties
        tensors = [t for t in tensors if t._data.shape != (0,)] or tensors[:1]
    first = tensors[0]._data.shape
    ndim = len(first)
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ndim)
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if len(shape) != ndim or shape[:axis] + shape[axis + 1 :] != first[:axis] + first[axis + 1 :]:
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {axis}. Expected size "
                f"{list(first)} but got size {list(shape)} for tensor number {i} in the list."
            )
    result = Concatenate.apply(*tensors, dim=axis)
    if out is None:
        return result
    if not _dtype.can_cast(result._data.dtype, out._data.dtype):  # torch's cat says so with a TypeError
        raise TypeError(
            f"torch.cat(): input types can't be cast to the desired output type {_dtype.torch_name(out._data.dtype)}"
        )
    return write_into(result, out)


def stack(tensors, dim=0):
    """The tensors (all of one shape) joined along a new dim ``dim``: ``k`` tensors of shape ``S`` give ``S`` with ``k``
    inserted at ``dim``. Gradient: each input gets its slice of ``g``.

    >>> minigrad.stack([minigrad.zeros(3), minigrad.ones(3)]).shape
    (2, 3)
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    axis = normalize_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, axis) for t in tensors], axis)


def gather(x, dim, index):
    """``out[i][j] = x[index[i][j]][j]`` for ``dim = 0`` (the index replaces the coordinate along ``dim``; ``index`` has
    ``x``'s number of dims and gives the output shape). Gradient: ``g`` scatter-added back to the gathered positions.

    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, minigrad.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    axis = normalize_dim(dim, x.ndim)
    index = np.asarray(data_of(index))
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    index = index.astype(np.int64, copy=False)
    if index.ndim != max(x.ndim, 1) and not (x.ndim == 0 and index.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if x.ndim == 0:  # a 0-d tensor gathers like a 1-element vector
        return Reshape.apply(gather(Reshape.apply(x, shape=(1,)), 0, index.reshape(-1)), shape=index.shape)
    for d in range(x.ndim):
        if d != axis and index.shape[d] > x.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                f"larger than self {list(x.shape)} apart from dimension {axis}"
            )
    if index.size and (index.min() < 0 or index.max() >= x.shape[axis]):
        bad = index[(index < 0) | (index >= x.shape[axis])].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {x.shape[axis]}")
    if index.shape != x.shape:  # torch allows a smaller index in non-gather dims
        x = Index.apply(
            x, index=tuple(slice(0, n) if d != axis else slice(None) for d, n in enumerate(index.shape)), advanced=False
        )
    return Gather.apply(x, dim=axis, index=index)
