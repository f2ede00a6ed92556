"""Embedding lookup (``embedding``), bags of embeddings (``embedding_bag``) and ``one_hot``.

``embedding(input, weight)`` picks rows of the ``(num_embeddings, embedding_dim)`` weight: ``out[k] = W[i_k]``.
Its gradient scatters each output row back to its weight row, adding where indices repeat, times a per-position
factor ``c_k``: 0 at ``padding_idx`` (that row gets no gradient), ``1 / count(i_k)`` with
``scale_grad_by_freq``, else 1. Gather and scatter form an adjoint pair (``RowScatter`` / ``RowGather``), so the
double backward needs no formula. The scatter is a compiled kernel (``minigrad._kernels.embedding``: a counting
sort of the indices, then each thread writes its own range of weight rows, zeros where no index points, so the
dense gradient is written once and has the same bits for any thread count).

``embedding_bag`` reduces the looked-up rows of each bag (a run of positions given by ``offsets``): its sum and
mean are one ``RowScatter`` onto the bags (with per-position factors: 0 at ``padding_idx``, ``1 / bag size`` for
the mean), its max a gather into a dense ``(bags, longest bag, D)`` block padded with ``-inf`` and a ``max`` over
it (the gradient goes to the arg-max row, per dim). Empty bags give zeros.
"""

import warnings

import numpy as np

from .. import _dtype
from .._kernels import embedding as _kernel
from .._threads import get_num_threads
from ..autograd import tracing
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import data_of, wrap
from .shape import cat

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _scaled_rows(rows, scale):
    return rows if scale is None else rows * scale[:, None].astype(rows.dtype)


class RowGather(Function):
    """``out[k] = scale_k · W[indices_k]`` (``scale`` None: all ones); gradient ``RowScatter`` with the factors
    ``grad_scale``. With ``grad_scale = scale`` the two are adjoint; the embedding passes ``scale=None`` and its
    padding/frequency factors as ``grad_scale``, which is torch's gradient (by design not the derivative)."""

    keeps_inputs = False

    def forward(self, weight, *, indices, scale, grad_scale):
        self.rows = weight.shape[0]
        out = weight[indices]
        return _scaled_rows(out.reshape(indices.size, weight.shape[1]), scale).reshape(out.shape)

    def backward(self, grad):
        return RowScatter.apply(grad, indices=self.options["indices"], scale=self.options["grad_scale"], rows=self.rows)


class RowScatter(Function):
    """``out[r] = Σ_{k: indices_k = r} scale_k · grad[k]`` for ``r < rows``: the weight gradient of an embedding.
    Gradient: ``RowGather``."""

    keeps_inputs = False

    def forward(self, grad, *, indices, scale, rows):
        flat = indices.reshape(-1)
        values = grad.reshape(flat.size, grad.shape[-1])  # (not -1: no indices, or rows of width 0)
        result = np.empty((rows, values.shape[1]), dtype=grad.dtype)  # every row written by the kernel
        if grad.dtype in (np.float32, np.float64):
            _kernel.row_scatter(
                np.ascontiguousarray(values),
                np.ascontiguousarray(flat, dtype=np.int64),
                None if scale is None else np.ascontiguousarray(scale, dtype=np.float64),
                result,
                get_num_threads(),
            )
            return result
        # float16: summed in NumPy, in the gradient's dtype like the kernel
        values = _scaled_rows(values, scale)
        result.fill(0)
        if flat.size:
            order = np.argsort(flat, kind="stable")
            ordered = flat[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            result[ordered[starts]] = np.add.reduceat(values[order], starts, axis=0)
        return result

    def backward(self, grad):
        scale = self.options["scale"]
        return RowGather.apply(grad, indices=self.options["indices"], scale=scale, grad_scale=scale)


def _check_indices(indices, name):
    if indices.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {_dtype.torch_name(indices.dtype)} instead (while checking "
            f"arguments for {name})"
        )


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Scale in place each row of ``weight`` that ``indices`` reads and whose ``norm_type``-norm exceeds
    ``max_norm`` to norm ``max_norm`` (as torch: by ``max_norm / (norm + 1e-7)``), outside autograd."""
    rows = np.unique(indices)
    data = weight._data
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        data[rows[over]] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(data.dtype)
        weight._shared_version_counter()[0] += 1  # an in-place change: saved copies of weight are now stale


@tracing.unit("embedding")
def embedding(
    input,
    weight,
    padding_idx=None,
    max_norm=None,
    norm_type=2.0,  # noqa: A002 - torch's names
    scale_grad_by_freq=False,
    sparse=False,
):
    """Rows of ``weight`` ``(num_embeddings, embedding_dim)`` at the integer ``input`` (any shape); output
    ``input.shape + (embedding_dim,)``. ``padding_idx``: that row gets no gradient. ``max_norm``: rows read whose
    norm exceeds it are rescaled to it in place first. ``scale_grad_by_freq``: each position's gradient is divided
    by how often its index occurs in ``input``. ``sparse`` gradients are not supported (dense ones are returned).

    Gradient: each position's ``g`` row added into the row of ``weight`` it read (none to ``padding_idx``'s row, divided
    by the index's count with ``scale_grad_by_freq``); none to ``input``.

    >>> F.embedding(minigrad.tensor([1, 0]), minigrad.tensor([[0.0, 0.0], [1.0, 2.0]]))
    tensor([[1., 2.],
            [0., 0.]])
    """
    indices = np.asarray(data_of(input))
    _check_indices(indices, "embedding")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    count = weight.shape[0]
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= count
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise IndexError("index out of range in self")
    indices = indices.astype(np.int64, copy=False)
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    scale = None
    if padding_idx is not None or scale_grad_by_freq:
        flat = indices.reshape(-1)
        scale = np.ones(flat.size)
        if scale_grad_by_freq:
            scale /= np.bincount(flat, minlength=count)[flat]
        if padding_idx is not None:
            scale[flat == padding_idx] = 0
    return RowGather.apply(weight, indices=indices, scale=None, grad_scale=scale)


def _bag_ids(input, offsets, include_last_offset):  # noqa: A002
    """The flat indices, the bag of each position (-1: none) and the number of bags."""
    indices = np.asarray(data_of(input))
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets)}"
            )
        bags, length = indices.shape
        return indices.reshape(-1), np.repeat(np.arange(bags), length), bags
    if indices.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {indices.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    starts = np.asarray(data_of(offsets))
    if starts.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_indices(starts, "embedding_bag")
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {starts[0]}"
        )
    if starts.size and starts[-1] > indices.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {indices.size} but got offsets[-1] of {starts[-1]}"
        )
    if include_last_offset:  # the last offset ends the last bag; positions after it belong to no bag
        starts, ends = starts[:-1], starts[1:]
    else:
        ends = np.r_[starts[1:], indices.size]
    if np.any(ends < starts):
        raise RuntimeError(f"offsets must be non-decreasing, but got {starts.tolist()}")
    bag = np.full(indices.size, -1, dtype=np.int64)  # -1: after the last bag
    in_bags = np.repeat(np.arange(starts.size), ends - starts)
    bag[: in_bags.size] = in_bags
    return indices, bag, starts.size


def _bag_max(rows, bag, bags):
    """Per-dim max of each bag's ``rows`` ``(L, D)`` (``bag[k] < 0``: excluded), zeros for empty bags."""
    kept = np.flatnonzero(bag >= 0)
    sizes = np.bincount(bag[kept], minlength=bags)
    longest = int(sizes.max()) if bags else 0
    slot = np.full((bags, max(longest, 1)), rows.shape[0], dtype=np.int64)  # row L: the -inf filler
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    slot[bag[kept], np.arange(kept.size) - first[bag[kept]]] = kept
    filler = wrap(np.full((1, rows.shape[1]), -np.inf, dtype=rows._data.dtype))
    reduced = cat([rows, filler])[slot].max(1).values
    return reduced.masked_fill(wrap((sizes == 0)[:, None]), 0.0)


@tracing.unit("embedding_bag")
def embedding_bag(
    input,  # noqa: A002 - torch's names
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """The ``mode`` ('sum', 'mean' or 'max') of the rows of ``weight`` in each bag: ``input`` 1-D with ``offsets``
    (bag ``b`` holds positions ``offsets[b]`` up to the next offset; with ``include_last_offset`` the last offset
    ends the last bag), or 2-D ``(B, L)``, one bag per row. Output ``(B, embedding_dim)``. Positions at
    ``padding_idx`` are left out; ``per_sample_weights`` (mode 'sum' only, the input's shape) scale each row;
    ``max_norm``/``norm_type``/``scale_grad_by_freq`` as in ``embedding``. ``sparse`` gradients are not supported.

    Gradient: each bag's ``g`` added into the rows of ``weight`` it read: divided by the bag's size for 'mean', times
    ``per_sample_weights`` for 'sum' (which get ``g · row``), to the row holding the maximum of each dim for 'max'.

    >>> weight = minigrad.tensor([[1.0], [3.0]])
    >>> F.embedding_bag(minigrad.tensor([0, 1, 1]), weight, minigrad.tensor([0, 1]), mode='sum')
    tensor([[1.],
            [6.]])
    """
    if weight._data.dtype == np.int64 and input._data.dtype.kind == "f":
        warnings.warn(
            "Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, ...)` "
            "is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
            stacklevel=2,
        )
        input, weight = weight, input  # noqa: A001 - torch still accepts the old order
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if per_sample_weights.shape != input.shape:
            raise ValueError(
                f"embedding_bag: If per_sample_weights (torch.Size({list(per_sample_weights.shape)})) is not None, "
                f"then it must have the same shape as the input (torch.Size({list(input.shape)}))"
            )
    _check_indices(np.asarray(data_of(input)), "embedding_bag")
    indices, bag, bags = _bag_ids(input, offsets, include_last_offset)
    count = weight.shape[0]
    bad = np.flatnonzero((indices < 0) | (indices >= count))
    if bad.size:
        raise RuntimeError(
            f"Index {bad[0]} of input takes value {indices[bad[0]]} which is not in the valid range [0, {count})"
        )
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise AssertionError("padding_idx must be within num_embeddings")
        bag = np.where(indices == padding_idx % count, -1, bag)
    rows = embedding(wrap(indices), weight, None, max_norm, norm_type, scale_grad_by_freq)
    if mode == "max":
        return _bag_max(rows, bag, bags)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    kept = bag >= 0
    scale = kept.astype(np.float64)
    if mode == "mean":
        sizes = np.bincount(bag[kept], minlength=bags)
        scale[kept] /= sizes[bag[kept]]
    return RowScatter.apply(rows, indices=np.where(kept, bag, 0), scale=scale, rows=bags)


def one_hot(tensor, num_classes=-1):
    """``out[..., c] = [tensor[...] == c]`` as int64, with ``num_classes`` classes (-1: ``max(tensor) + 1``).

    Not differentiable (an int64 result).

    >>> F.one_hot(minigrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    indices = np.asarray(data_of(tensor))
    if indices.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if indices.size and indices.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not indices.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    elif indices.size and indices.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((indices[..., None] == np.arange(num_classes)).astype(np.int64))
