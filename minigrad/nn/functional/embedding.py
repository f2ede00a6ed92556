"""Distances between embeddings and the losses built on them (PyTorch 2.13 semantics), plus torchvision's
``sigmoid_focal_loss``.

Everything here is composed from Tensor ops exactly as torch composes it, so the gradients (kinks included:
``clamp_min`` passes the gradient at 0, ``minimum`` splits it on ties) come from autograd.

>>> import minigrad
>>> from minigrad.nn.functional.embedding import pairwise_distance
>>> pairwise_distance(minigrad.tensor([[1.0, 1.0]]), minigrad.tensor([[1.0, 2.0]]))   # eps shifts the difference
tensor([1.])
"""
import numpy as np

from ...ops._util import promote
from ...ops.shape import normalize_dim
from ._reduction import (broadcast_shape, format_size, reduce_loss, resolve_reduction, torch_dtype_name)
from .probabilistic import ClampedValue, binary_cross_entropy_with_logits

__all__ = ["cosine_similarity", "pairwise_distance", "cosine_embedding_loss", "triplet_margin_with_distance_loss",
           "sigmoid_focal_loss"]

# added to each squared norm: torch's EPSILON in cosine_embedding_loss, a float constant (9.99999996e-13)
_COSINE_EMBEDDING_EPS = float(np.float32(1e-12))


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

    >>> import minigrad
    >>> cosine_similarity(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    x1, x2 = promote(x1, x2)
    if x1._data.dtype.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{torch_dtype_name(x1._data.dtype)}")
    shape = broadcast_shape(x1.shape, x2.shape)
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    axis = normalize_dim(dim, len(shape))
    norm1 = ClampedValue.apply(x1.norm(2, axis, keepdim=True), eps)
    norm2 = ClampedValue.apply(x2.norm(2, axis, keepdim=True), eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(axis)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Cosine embedding loss: ``1 - cos`` where ``y = 1``, ``max(0, cos - margin)`` where ``y = -1``, else 0.

    ``cos = Σ x1 x2 / sqrt((Σ x1² + 1e-12)(Σ x2² + 1e-12))`` over the feature dim. Shapes: inputs (N, D) with
    target (N), or inputs (D) with a 0-d target; input2 may broadcast. The target is not differentiable (it only
    selects a branch); at ``cos == margin`` with ``y = -1`` the gradient passes (clamp_min). 'mean' is over N.

    >>> import minigrad
    >>> cosine_embedding_loss(minigrad.tensor([[1e-6, 0.0]]), minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([1.0]))
    tensor(0.2929)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = target.ndim + 1
    if input1.ndim != expected or input2.ndim != expected:
        raise RuntimeError(f"{target.ndim}D target tensor expects {expected}D input tensors, but found inputs with "
                           f"sizes {format_size(input1.shape)} and {format_size(input2.shape)}.")
    features = target.ndim
    dot = (input1 * input2).sum(features)
    squared_norm1 = (input1 * input1).sum(features) + _COSINE_EMBEDDING_EPS
    squared_norm2 = (input2 * input2).sum(features) + _COSINE_EMBEDDING_EPS
    cos = dot / (squared_norm1 * squared_norm2).sqrt()
    similar = (1 - cos).where(target == 1, 0.0)
    dissimilar = (cos - margin).clamp_min(0).where(target == -1, 0.0)
    return reduce_loss(similar + dissimilar, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """Triplet loss with any distance: ``max(0, margin + D(a, p) - D(a, n))``.

    ``distance_function`` (default :func:`pairwise_distance`, p = 2, eps = 1e-6) maps two tensors to distances.
    With ``swap``, ``D(a, n)`` is replaced by ``min(D(a, n), D(p, n))`` (ties split the gradient).
    ``margin`` must be > 0 and the three inputs must have the same number of dims.

    >>> import minigrad
    >>> a, p, n = minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[0.0, 1.0]]), minigrad.tensor([[3.0, 4.0]])
    >>> l1 = lambda u, v: (u - v).abs().sum(-1)
    >>> triplet_margin_with_distance_loss(a, p, n, distance_function=l1, margin=7.0)
    tensor(1.)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    if distance_function is None:
        distance_function = pairwise_distance
    positive_distance = distance_function(anchor, positive)
    negative_distance = distance_function(anchor, negative)
    if swap:
        negative_distance = negative_distance.minimum(distance_function(positive, negative))
    return reduce_loss((margin + positive_distance - negative_distance).clamp_min(0), reduction)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """Focal loss for dense detection (Lin et al. 2017), as ``torchvision.ops.sigmoid_focal_loss``.

    ``l = α_t (1 - p_t)^γ · bce_with_logits(x, y)`` with ``p = σ(x)``, ``p_t = p y + (1 - p)(1 - y)`` and
    ``α_t = α y + (1 - α)(1 - y)``; a negative ``alpha`` disables the α weighting. Inputs and targets have the
    same shape (targets 0/1, or soft labels). Note torchvision's default ``reduction='none'``.
    Gradients via autograd, for the inputs and the targets.

    >>> import minigrad
    >>> sigmoid_focal_loss(minigrad.tensor([0.0]), minigrad.tensor([1.0]))    # 0.25 · 0.5² · log 2
    tensor([0.0433])
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: 'none', "
                         f"'mean', 'sum'")
    p = inputs.sigmoid()
    ce_loss = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return reduce_loss(loss, reduction)
