"""Embedding lookup (``embedding``) and ``one_hot``.

``embedding(input, weight)`` picks rows of the ``(num_embeddings, embedding_dim)`` weight: ``out[k] = W[i_k]``.
Its gradient scatters each output row back to its weight row, adding where indices repeat, times a per-position
factor ``c_k``: 0 at ``padding_idx`` (that row gets no gradient), ``1 / count(i_k)`` with
``scale_grad_by_freq``, else 1. Gather and scatter form an adjoint pair (``RowScatter`` / ``RowGather``), so the
double backward needs no formula. Repeated rows are summed by sorting the indices and adding runs
(``np.add.reduceat``), not with ``np.add.at``.
"""

import numpy as np

from .. import _dtype
from ..autograd import tracing
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import data_of

__all__ = ["embedding", "one_hot"]


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
        return _scaled_rows(out.reshape(-1, weight.shape[1]), scale).reshape(out.shape)

    def backward(self, grad):
        return RowScatter.apply(grad, indices=self.options["indices"], scale=self.options["grad_scale"], rows=self.rows)


class RowScatter(Function):
    """``out[r] = Σ_{k: indices_k = r} scale_k · grad[k]`` for ``r < rows``: the weight gradient of an embedding.
    Gradient: ``RowGather``."""

    keeps_inputs = False

    def forward(self, grad, *, indices, scale, rows):
        flat = indices.reshape(-1)
        values = _scaled_rows(grad.reshape(flat.size, -1), scale)
        result = np.zeros((rows, values.shape[1]), dtype=grad.dtype)
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


def one_hot(tensor, num_classes=-1):
    """``out[..., c] = [tensor[...] == c]`` as int64, with ``num_classes`` classes (-1: ``max(tensor) + 1``).

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
