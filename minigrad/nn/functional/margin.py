"""Margin losses (PyTorch 2.13 semantics, spec/losses.md §4): ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_loss``, ``hinge_embedding_loss``, ``margin_ranking_loss``, ``cosine_embedding_loss`` and
``triplet_margin_with_distance_loss``.

Each is one autograd node (a ``_fused.FusedLoss``) around a fused Cython kernel (``minigrad._kernels.margin`` for
the row losses, ``elementwise_losses`` for hinge and ranking) that computes the loss *and* its gradient in one
pass. The gradient, already multiplied by the reduction's scale (1/numel for 'mean'), is cached; the backward only
multiplies it by the upstream gradient. Also here, composed from Tensor ops as torch composes them:
``cosine_embedding_loss`` and ``triplet_margin_with_distance_loss``.

Kinks follow PyTorch (spec §0.4): multi-margin and multilabel-margin count a term only when it is strictly
positive; hinge, margin ranking and triplet use ``clamp_min``, which passes the gradient at exactly 0; the triplet
``swap`` splits the gradient half/half when ``d(a, n) == d(p, n)``.

Differences from PyTorch (spec §12):

* multi_margin_loss on an empty batch gives nan for 'mean' and 0 for 'sum' (PyTorch returns uninitialised
  memory); multilabel_margin_loss gives 0 for both.
* Result dtypes follow NumPy promotion of the floating inputs (float32 when there are none): a float32 input with a
  float64 target gives float64 for hinge_embedding_loss too, and an integer input gives a float32 loss (torch keeps
  the integer dtype for 'none' and 'sum', and refuses 'mean', as minigrad does).
* Safer arithmetic (spec §12.4): float16 inputs (triplet, hinge, ranking) are computed in float32 and rounded once,
  and the triplet norms are summed in float64, so results stay finite where torch's intermediate values
  overflow (a float16 margin ranking term of 65536, a float32 distance above 1.8e19).
* Second derivatives (``create_graph=True``) exist for all five (the derivative of each loss's ``composite``, its
  definition in Tensor ops); PyTorch has none for multi-margin and multilabel-margin.

>>> import minigrad
>>> x = minigrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
>>> loss = multi_margin_loss(x, minigrad.tensor([3]))
>>> loss
tensor(0.3250, grad_fn=<MultiMarginLossBackward>)
>>> loss.backward(); x.grad
tensor([[ 0.2500,  0.2500,  0.2500, -0.7500]])
"""

import math

import numpy as np

from ..._kernels import elementwise_losses as _elementwise_kernels
from ..._kernels import margin as _kernels
from ...autograd.tensor import Tensor
from ...ops import elementwise
from ...ops._util import wrap
from ._checks import not_differentiable, require_tensor
from ._fused import FusedLoss, kernel_dtype, kernel_operand
from ._reduction import broadcast_shape, format_size, reduce_loss, resolve_reduction, torch_dtype_name
from .distance import pairwise_distance

__all__ = [
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "triplet_margin_with_distance_loss",
]

# added to each squared norm: torch's EPSILON in cosine_embedding_loss, a float constant (9.99999996e-13)
_COSINE_EMBEDDING_EPS = float(np.float32(1e-12))


# ------------------------------------------------------------------------------------------------ helpers
def _result_dtype(*tensors):
    """NumPy promotion of the floating inputs, float32 when there are none (the kernels compute float16 in
    float32: see ``_fused.kernel_dtype``)."""
    floats = [t._data.dtype for t in tensors if t._data.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float32)


def _common_shape(*shapes):
    """The broadcast of ``shapes`` (torch's error when they do not broadcast)."""
    return shapes[0] if all(shape == shapes[0] for shape in shapes) else broadcast_shape(*shapes)


def _refuse_bool_arithmetic(first, second=None):
    """torch's RuntimeError for a bool operand of the ``-`` these losses compute (``first - second``, or ``-first``),
    raised by the op itself on empty slices, before any kernel runs."""
    empty = [Tensor._wrap(t._data.reshape(-1)[:0]) for t in (first, second) if t is not None]
    if second is None:
        elementwise.neg(empty[0])
    else:
        elementwise.sub(*empty)


def _check_triplet_dims(anchor, positive, negative):
    """torch's RuntimeError (both triplet losses) unless the three inputs have the same number of dims."""
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )


def _rows(x, n_classes):
    """A class-score input as (N, C) C-contiguous rows."""
    return np.ascontiguousarray(x).reshape(-1, n_classes)


def _check_class_scores(x):
    """The multi-class losses take a non-empty vector of scores, a batch of them, or a 0-d score (one class)."""
    if not (x.ndim == 0 or (x.ndim in (1, 2) and x.shape[-1] != 0)):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {format_size(x.shape)}"
        )


def _require_kernel_dtype(x, kernel_name):
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(x.dtype)}'")


def _require_long(target):
    if target.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {torch_dtype_name(target.dtype)}")


class _RowLoss(FusedLoss):
    """A row kernel on one class-score input: ``apply(input, reduction=, target=array, loss_shape=, ...)``; the
    loss has one value per row (``loss_shape`` (N,), or () for one unbatched row)."""

    def prepare(self, x, *, target, loss_shape, **options):
        n_classes = x.shape[-1] if x.ndim else 1
        rows = _rows(x, n_classes)
        self.operands = (rows, target, *self.kernel_options(**options))
        self.loss_shape, self.loss_size, self.result_dtype = loss_shape, len(rows), x.dtype
        self.grad_shapes, self.grad_homes = (rows.shape,), (x.shape,)

    def kernel_options(self, **options):
        return ()


def _class_scores(x, shape):
    """A class-score input Tensor as (N, C) rows, for a composite."""
    return x.reshape(*shape)


# ------------------------------------------------------------------------------------------ multi-margin
class MultiMarginLoss(_RowLoss):
    """``l_n = Σ_{i != y} w[y] max(0, margin - x[n, y] + x[n, i])^p / C`` per row; ``apply(input, reduction=,
    target=(N,) int64, weight=(C,) array, p=, margin=, loss_shape=)``. Only strictly positive terms count."""

    kernel = _kernels.multi_margin

    def kernel_options(self, *, weight, p, margin):
        return weight, p, margin

    def composite(self, x, *, reduction, target, weight, p, margin, loss_shape):
        n_rows, n_classes = len(target), len(weight)
        scores = _class_scores(x, (n_rows, n_classes))
        z = (margin - scores.gather(1, wrap(target.reshape(-1, 1)))) + scores
        others = np.ones((n_rows, n_classes), bool)
        others[np.arange(n_rows), target] = False
        terms = z.relu() ** p * wrap((others * weight[target][:, None] / n_classes).astype(scores._data.dtype))
        return reduce_loss(terms.sum(1).reshape(loss_shape), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: ``l_n = Σ_{i != y_n} w[y_n] max(0, margin - x[n, y_n] + x[n, i])^p / C``.

    Parameters
    ----------
    input : Tensor (N, C), (C,) or 0-d (one class), float32 or float64
    target : int64 Tensor (N,) of classes in [0, C); for a 1-D or 0-d input, 0-d or (1,)
    p : 1 or 2
    margin : float (may be negative)
    weight : 1-D Tensor (C,), optional; the *target* class's weight multiplies the row (after the power)
    reduction : 'none' (N,) (0-d for a 0-d target) | 'mean' over N | 'sum'; ``size_average``/``reduce`` are the
        deprecated spelling (they override ``reduction``).

    Gradient, for the classes with ``z_i = margin - x[y] + x[i] > 0`` (strictly): ``w[y] (1 or 2 z_i) / C`` and
    minus their sum at ``y``; 'mean' divides by N. An empty batch gives nan for 'mean' and 0 for 'sum'.

    >>> import minigrad
    >>> multi_margin_loss(minigrad.tensor([[0.1, 0.2, 0.4, 0.8]]), minigrad.tensor([3]), p=2, reduction="none")
    tensor([0.1525])
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    require_tensor(input, "input", 1, "multi_margin_loss")
    require_tensor(target, "target", 2, "multi_margin_loss")
    if weight is not None:
        require_tensor(weight, "weight", 5, "multi_margin_loss")
        if weight.ndim != 1:
            raise ValueError("weight must be one-dimensional")
    x, y = input._data, target._data
    _check_class_scores(x)
    n_rows, n_classes = x.shape if x.ndim == 2 else (1, x.size)
    if y.ndim > 1 or y.size != n_rows:
        raise RuntimeError(
            f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
            f"samples (batch size). Expected target size [{n_rows}], but got {format_size(y.shape)}. "
            f"Input has shape {format_size(x.shape)}."
        )
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {format_size(weight.shape)}")
    _require_kernel_dtype(x, "multi_margin_loss_cpu_kernel")
    _require_long(y)
    if weight is not None:
        if weight._data.dtype != x.dtype:
            raise RuntimeError(
                f"expected scalar type {torch_dtype_name(x.dtype)} but found {torch_dtype_name(weight._data.dtype)}"
            )
        not_differentiable(weight, "weight", "multi_margin_loss")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise RuntimeError("target out of range")
    weights = np.ones(n_classes, x.dtype) if weight is None else np.ascontiguousarray(weight._data).reshape(-1)
    return MultiMarginLoss.apply(
        input,
        reduction=reduction,
        target=np.ascontiguousarray(y).reshape(n_rows),
        weight=weights,
        p=int(p),
        margin=float(margin),
        loss_shape=(n_rows,) if y.ndim else (),
    )


# ------------------------------------------------------------------------------------- multilabel margin
class MultiLabelMarginLoss(_RowLoss):
    """``l_n = Σ_{j in J_n} Σ_{i not in J_n} max(0, 1 - x[n, j] + x[n, i]) / C``; ``apply(input, reduction=,
    target=(N, C) int64, loss_shape=)``, row n's targets J_n being its entries before the first -1."""

    kernel = _kernels.multilabel_margin
    empty_mean = 0.0

    def composite(self, x, *, reduction, target, loss_shape):
        n_rows, n_classes = target.shape
        scores = _class_scores(x, target.shape)
        listed = np.cumprod(target >= 0, axis=1).astype(bool)  # the entries before the first -1
        classes = np.where(listed, target, 0)
        is_target = np.zeros((n_rows, n_classes), bool)
        is_target[np.nonzero(listed)[0], target[listed]] = True
        pairs = listed[:, :, None] & ~is_target[:, None, :]
        z = (1 - scores.gather(1, wrap(classes))).unsqueeze(2) + scores.unsqueeze(1)
        terms = z.relu() * wrap((pairs / n_classes).astype(scores._data.dtype))
        return reduce_loss(terms.sum((1, 2)).reshape(loss_shape), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: ``l_n = Σ_{j in J_n} Σ_{i not in J_n} max(0, 1 - (x[n, j] - x[n, i])) / C``.

    Parameters
    ----------
    input : Tensor (N, C), (C,) or 0-d, float32 or float64
    target : int64 Tensor of the input's shape. Row n's targets ``J_n`` are its entries up to the first -1 (the
        rest is ignored); entries lie in [-1, C). A class listed twice counts twice.
    reduction : 'none' (N,) (0-d for a 1-D input) | 'mean' over N | 'sum'; or the deprecated ``size_average`` /
        ``reduce``.

    Gradient: every pair (j, i) with ``1 - x[j] + x[i] > 0`` (strictly) adds ``1/C`` to ``x[i]`` and ``-1/C`` to
    ``x[j]`` ('mean': divided by N). A row starting with -1, or listing every class, has loss 0. An empty batch
    gives 0 for 'mean' and 'sum'.

    >>> import minigrad
    >>> multilabel_margin_loss(minigrad.tensor([[0.1, 0.2, 0.4, 0.8]]), minigrad.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    require_tensor(input, "input", 1, "multilabel_margin_loss")
    require_tensor(target, "target", 2, "multilabel_margin_loss")
    x, y = input._data, target._data
    _check_class_scores(x)
    n_classes = x.shape[-1] if x.ndim else 1
    if not (y.shape == x.shape if x.ndim == 2 else y.ndim <= 1 and y.size == n_classes):
        raise RuntimeError(
            f"inconsistent target size: {format_size(y.shape)} for input of size: {format_size(x.shape)}"
        )
    _require_kernel_dtype(x, "multilabel_margin_loss_forward_out_frame")
    _require_long(y)
    if y.size and (y.min() < -1 or y.max() >= n_classes):
        raise RuntimeError("argument #2 'target' is out of range")
    return MultiLabelMarginLoss.apply(
        input,
        reduction=reduction,
        target=np.ascontiguousarray(y).reshape(-1, n_classes),
        loss_shape=(x.shape[0],) if x.ndim == 2 else (),
    )


# ---------------------------------------------------------------------------------------------- triplet
class TripletMarginLoss(FusedLoss):
    """``l = max(0, margin + d(a, p) - d_neg)``, ``d(u, v) = ||u - v + eps||_p`` over the last dim, ``d_neg`` =
    ``d(a, n)`` or with ``swap`` ``min(d(a, n), d(p, n))``; ``apply(anchor, positive, negative, reduction=,
    margin=, p=, eps=, swap=, shape=, dtype=)`` with the three broadcast to ``shape``."""

    kernel = _kernels.triplet_margin
    gradient_of, negated = (0, 1, 2), (False, False, False)

    def prepare(self, anchor, positive, negative, *, margin, p, eps, swap, shape, dtype):
        self.full_shape = shape or (1,)  # 0-d inputs: one row of one element
        rows = (math.prod(self.full_shape[:-1]), self.full_shape[-1])  # explicit: reshape(-1, 0) is ambiguous
        arrays = [kernel_operand(a, self.full_shape, dtype).reshape(rows) for a in (anchor, positive, negative)]
        self.operands = (*arrays, margin, p, eps, swap)
        self.loss_shape, self.loss_size, self.result_dtype = shape[:-1], rows[0], np.dtype(dtype)
        self.grad_shapes, self.grad_homes = (rows,) * 3, (self.full_shape,) * 3

    def broadcast_shape(self, i):
        return self.full_shape

    def upstream_shape(self, gradient_shape):
        return self.loss_shape + (1,)  # one value per row of the full (..., D) shape

    def composite(self, anchor, positive, negative, *, reduction, margin, p, eps, swap, shape, dtype):
        computed = kernel_dtype(dtype)
        a, pos, neg = (t.to(computed).expand(*(shape or (1,))) for t in (anchor, positive, negative))
        d_neg = pairwise_distance(a, neg, p, eps)
        if swap:
            d_neg = d_neg.minimum(pairwise_distance(pos, neg, p, eps))
        loss = (margin + pairwise_distance(a, pos, p, eps) - d_neg).clamp_min(0)
        return reduce_loss(loss.reshape(shape[:-1]), reduction)


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"
):
    """Triplet loss: ``l = max(0, margin + d(a, p) - d(a, n))`` with ``d(u, v) = ||u - v + eps||_p``.

    Parameters
    ----------
    anchor, positive, negative : Tensors with the same number of dims, broadcastable; the distance runs over the
        last dim. Any real dtype (integers compute in float32).
    margin : float > 0
    p : the norm's order, any float (1 and 2 are the fast paths; 0 counts non-zeros; inf is the max)
    eps : added to every component of the difference (so ``d(a, a) = eps D^(1/p)``, and d is not symmetric)
    swap : use ``min(d(a, n), d(p, n))`` as the negative distance (ties split the gradient half/half)
    reduction : 'none' (the batch shape) | 'mean' | 'sum'; or the deprecated ``size_average`` / ``reduce``.

    Gradient: on rows with ``margin + d(a, p) - d_neg >= 0`` (clamp_min passes at 0), the norm's gradient
    ``(u - v + eps) / d`` (p = 2; 0 where d = 0) or ``sign(u - v + eps)`` (p = 1) with the signs of the formula.

    >>> import minigrad
    >>> a, p, n = minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[0.0, 1.0]]), minigrad.tensor([[0.0, 1.5]])
    >>> triplet_margin_loss(a, p, n, eps=0.0)
    tensor(0.5000)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    for position, (name, tensor) in enumerate((("anchor", anchor), ("positive", positive), ("negative", negative))):
        require_tensor(tensor, name, position + 1, "triplet_margin_loss")
    _check_triplet_dims(anchor, positive, negative)
    _refuse_bool_arithmetic(anchor, positive)
    _refuse_bool_arithmetic(anchor, negative)
    shape = _common_shape(anchor.shape, positive.shape, negative.shape)
    p = float(p)
    if shape and shape[-1] == 0 and (math.isinf(p) or p < 0):
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {len(shape) - 1}"
            f"because this dimension is empty and the operation does not have an identity"
        )
    if len({tensor.shape[-1:] for tensor in (anchor, positive, negative)}) > 1:
        # torch measures each distance over its own pair's broadcast feature dim (a (1,) pair gives a 1-element
        # distance next to a D-element one); the fused kernel assumes one feature dim, so compose as torch does
        def distance(u, v):
            return pairwise_distance(u, v, p, eps)

        return reduce_loss(
            triplet_margin_with_distance_loss(
                anchor, positive, negative, distance_function=distance, margin=margin, swap=swap, reduction="none"
            ),
            reduction,
        )
    return TripletMarginLoss.apply(
        anchor,
        positive,
        negative,
        reduction=reduction,
        margin=float(margin),
        p=p,
        eps=float(eps),
        swap=bool(swap),
        shape=shape,
        dtype=_result_dtype(anchor, positive, negative),
    )


# ---------------------------------------------------------------------------------------- hinge embedding
class HingeEmbeddingLoss(FusedLoss):
    """``apply(input, reduction=, target=array, margin=, shape=, dtype=)``:
    ``l = where(y != 1, clamp_min(margin - x, 0), 0) + where(y != -1, x, 0)``. The target only selects a branch,
    so it is a constant and gets no gradient."""

    kernel = _elementwise_kernels.hinge_embedding

    def prepare(self, x, *, target, margin, shape, dtype):
        self.elementwise((x, target), shape, dtype, (margin,))

    def composite(self, x, *, reduction, target, margin, shape, dtype):
        x = x.to(kernel_dtype(dtype)).expand(*shape)
        y = np.broadcast_to(target, shape)
        loss = (margin - x).clamp_min(0).where(wrap(y != 1), 0.0) + x.where(wrap(y != -1), 0.0)
        return reduce_loss(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """Hinge embedding loss: ``l = x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``, and both terms
    for any other y (``where(y != 1, clamp_min(margin - x, 0), 0) + where(y != -1, x, 0)``).

    Parameters
    ----------
    input, target : Tensors that broadcast together (the loss has the broadcast shape)
    margin : float (may be negative)
    reduction : 'none' | 'mean' (over all elements) | 'sum'; or the deprecated ``size_average`` / ``reduce``.

    Gradient w.r.t. input: ``+1`` where ``y != -1``, ``-1`` more where ``y != 1`` and ``margin - x >= 0``
    (clamp_min passes at 0). The target gets none.

    >>> import minigrad
    >>> hinge_embedding_loss(minigrad.tensor([0.5, 0.5, 2.0]), minigrad.tensor([1.0, -1.0, -1.0]), reduction="none")
    tensor([0.5000, 0.5000, 0.0000])
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    require_tensor(input, "input", 1, "hinge_embedding_loss")
    require_tensor(target, "target", 2, "hinge_embedding_loss")
    _refuse_bool_arithmetic(input, input)  # torch computes margin - input, which refuses bool as this does
    if reduction == "mean" and input._data.dtype.kind != "f":  # torch's loss keeps an integer input's dtype
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {torch_dtype_name(input._data.dtype)}"
        )
    return HingeEmbeddingLoss.apply(
        input,
        reduction=reduction,
        target=target._data,
        margin=float(margin),
        shape=_common_shape(input.shape, target.shape),
        dtype=_result_dtype(input, target),
    )


# ------------------------------------------------------------------------------------------ margin ranking
class MarginRankingLoss(FusedLoss):
    """``apply(input1, input2, target, reduction=, margin=, shape=, dtype=)``: ``l = max(0, -y (x1 - x2) + margin)``.
    The kernel gives the gradients of input1 and of the target; input2's is minus input1's."""

    kernel = _elementwise_kernels.margin_ranking
    gradient_of, negated = (0, 0, 1), (False, True, False)

    def prepare(self, x1, x2, y, *, margin, shape, dtype):
        self.elementwise((x1, x2, y), shape, dtype, (margin,))

    def composite(self, x1, x2, y, *, reduction, margin, shape, dtype):
        x1, x2, y = (t.to(kernel_dtype(dtype)).expand(*shape) for t in (x1, x2, y))
        return reduce_loss((-y * (x1 - x2) + margin).clamp_min(0), reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Margin ranking loss: ``l = max(0, -y (x1 - x2) + margin)``; y = 1 asks for x1 > x2, y = -1 for x2 > x1.

    Parameters
    ----------
    input1, input2, target : Tensors with the same number of dims that broadcast together; any real dtype
        (integers compute in float32). All three are differentiable.
    margin : float
    reduction : 'none' (the broadcast shape) | 'mean' (over all elements) | 'sum'; or the deprecated
        ``size_average`` / ``reduce``.

    Gradient where ``z = -y (x1 - x2) + margin >= 0`` (clamp_min passes at 0): ``dx1 = -y``, ``dx2 = y``,
    ``dy = -(x1 - x2)``; 0 elsewhere.

    >>> import minigrad
    >>> margin_ranking_loss(minigrad.tensor([1.0, 2.0]), minigrad.tensor([2.0, 1.0]), minigrad.tensor([1.0, 1.0]))
    tensor(0.5000)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    for position, (name, tensor) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        require_tensor(tensor, name, position + 1, "margin_ranking_loss")
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {_torch_size(input1.shape)}, input2: {_torch_size(input2.shape)}, target: "
            f"{_torch_size(target.shape)} "
        )
    _refuse_bool_arithmetic(input1, input2)
    _refuse_bool_arithmetic(target)
    return MarginRankingLoss.apply(
        input1,
        input2,
        target,
        reduction=reduction,
        margin=float(margin),
        shape=_common_shape(input1.shape, input2.shape, target.shape),
        dtype=_result_dtype(input1, input2, target),
    )


def _torch_size(shape):
    """A shape as torch prints a ``torch.Size``."""
    return f"torch.Size({list(shape)})"


# ----------------------------------------------------------------------------- composed from Tensor ops
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
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {expected}D input tensors, but found inputs with "
            f"sizes {format_size(input1.shape)} and {format_size(input2.shape)}."
        )
    features = target.ndim
    dot = (input1 * input2).sum(features)
    squared_norm1 = (input1 * input1).sum(features) + _COSINE_EMBEDDING_EPS
    squared_norm2 = (input2 * input2).sum(features) + _COSINE_EMBEDDING_EPS
    cos = dot / (squared_norm1 * squared_norm2).sqrt()
    similar = (1 - cos).where(target == 1, 0.0)
    dissimilar = (cos - margin).clamp_min(0).where(target == -1, 0.0)
    return reduce_loss(similar + dissimilar, reduction)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
):
    """Triplet loss with any distance: ``max(0, margin + D(a, p) - D(a, n))``.

    ``distance_function`` (default :func:`pairwise_distance`, p = 2, eps = 1e-6) maps two tensors to distances.
    With ``swap``, ``D(a, n)`` is replaced by ``min(D(a, n), D(p, n))`` (ties split the gradient).
    ``margin`` must be > 0 and the three inputs must have the same number of dims.

    Gradient: where the hinge is active, ``g`` times ``∇D(a, p) - ∇D(a, n)`` (each distance's own gradient), 0 where it
    is not.

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
    _check_triplet_dims(anchor, positive, negative)
    if distance_function is None:
        distance_function = pairwise_distance
    positive_distance = distance_function(anchor, positive)
    negative_distance = distance_function(anchor, negative)
    if swap:
        negative_distance = negative_distance.minimum(distance_function(positive, negative))
    return reduce_loss((margin + positive_distance - negative_distance).clamp_min(0), reduction)
