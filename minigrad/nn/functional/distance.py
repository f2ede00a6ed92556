"""Distances between embeddings (PyTorch 2.13 semantics): ``pairwise_distance`` and ``cosine_similarity``.

Composed from Tensor ops exactly as torch composes them, so the gradients come from autograd.

>>> import minigrad
>>> from minigrad.nn.functional.distance import pairwise_distance
>>> pairwise_distance(minigrad.tensor([[1.0, 1.0]]), minigrad.tensor([[1.0, 2.0]]))   # eps shifts the difference
tensor([1.0000])
"""

from ...ops._util import promote
from ...ops.elementwise import ClampedValue
from ...ops.shape import normalize_dim
from ._reduction import broadcast_shape, torch_dtype_name

__all__ = ["pairwise_distance", "cosine_similarity"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``‖x1 - x2 + eps‖_p`` over the last dim (of the broadcast shape).

    ``eps`` is added to every component of the difference, not to the norm, so the distance is not symmetric
    and ``d(a, a) = eps · D^(1/p)``. ``p`` is any number or ``inf``. Shapes broadcast; a 0-d pair gives 0-d.
    Gradient (p = 2): ``(x1 - x2 + eps) / d`` (0 where d = 0).

    >>> import minigrad
    >>> pairwise_distance(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    if x1.shape != x2.shape:
        broadcast_shape(x1.shape, x2.shape)
    innermost = max(x1.ndim, x2.ndim) - 1
    return (x1 - x2 + eps).norm(p, innermost, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps))`` along ``dim`` (x1, x2 broadcast first).

    As in torch 2.13, each vector is normalised before the dot product (so |result| <= 1), and each norm is
    clamped at ``eps`` without the clamp entering the gradient (torch clamps in place under no_grad): for a
    vector shorter than ``eps`` the gradient is that of ``x1 · x2 / (eps ‖x2‖)`` plus the norm's own term.
    Integer inputs are converted to the common floating dtype; if there is none, RuntimeError.

    Gradient: ``g (x̂2 - s x̂1) / ‖x1‖`` to ``x1``, with ``x̂ = x / ‖x‖`` and ``s`` the similarity, and likewise to
    ``x2`` (each summed over its broadcast dims).

    >>> import minigrad
    >>> cosine_similarity(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    x1, x2 = promote(x1, x2)
    if x1._data.dtype.kind != "f":
        raise RuntimeError(
            f"expected common dtype to be floating point, yet common dtype is {torch_dtype_name(x1._data.dtype)}"
        )
    shape = broadcast_shape(x1.shape, x2.shape)
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    axis = normalize_dim(dim, len(shape))
    norm1 = ClampedValue.apply(x1.norm(2, axis, keepdim=True), low=eps)
    norm2 = ClampedValue.apply(x2.norm(2, axis, keepdim=True), low=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(axis)
