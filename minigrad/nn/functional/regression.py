"""Regression losses: ``l1_loss``, ``mse_loss``, ``smooth_l1_loss``, ``huber_loss`` (PyTorch 2.13 semantics).

``target`` broadcasts against ``input`` (a size mismatch only warns, as in torch) and ``'mean'`` divides by the
element count of the *broadcast* loss. Both ``input`` and ``target`` are differentiable.

``l1_loss`` is composed from Tensor ops, as torch's is (at ``d = 0`` its gradient is ``sign(0) = 0``). MSE, smooth
L1 and Huber are fused kernels in torch, and here too: each is one autograd node (a ``_fused.FusedLoss``) around a
kernel of ``minigrad._kernels.elementwise_losses`` that computes the loss and its gradient in one pass. The
backward only multiplies the cached gradient by the upstream one. With ``create_graph=True`` the gradient is that
of the loss written in Tensor ops (``composite``), so it can be differentiated again (torch's second derivatives:
``1/beta`` for smooth L1 and 1 for Huber strictly inside the quadratic zone, 0 outside). float16 is computed in
float32 and rounded once.

>>> import minigrad
>>> from minigrad.nn.functional.regression import smooth_l1_loss
>>> x = minigrad.tensor([0.0, 0.5, 2.0], requires_grad=True)
>>> loss = smooth_l1_loss(x, minigrad.zeros(3), reduction="sum")    # 0 + 0.125 + 1.5
>>> loss.backward(); x.grad
tensor([0.0000, 0.5000, 1.0000])
"""

import warnings
from typing import Optional

import numpy as np

from ..._dtype import result_type
from ..._kernels import elementwise_losses as _kernels
from ...autograd.tensor import Tensor
from ._fused import FusedLoss, kernel_dtype
from ._reduction import broadcast_shape, check_reduction, format_size, legacy_reduction, reduce_loss, torch_dtype_name

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"]


# ------------------------------------------------------------------------------------------ the fused nodes
class _DifferenceLoss(FusedLoss):
    """A loss of ``d = x - y`` elementwise: ``apply(input, target, reduction=, shape=, dtype=, **parameter)``
    with both broadcast to the loss's ``shape`` and computed in ``dtype``. The target's gradient is minus the
    input's. A subclass gives ``kernel`` and ``of_difference(d, **parameter)``, the loss of ``d`` in Tensor ops."""

    gradient_of, negated = (0, 0), (False, True)

    def prepare(self, x, y, *, shape, dtype, **parameter):
        self.elementwise((x, y), shape, dtype, tuple(parameter.values()))

    def composite(self, x, y, *, reduction, shape, dtype, **parameter):
        computed = kernel_dtype(dtype)
        d = x.to(computed).expand(*shape) - y.to(computed).expand(*shape)
        return reduce_loss(self.of_difference(d, **parameter), reduction)


class MseLoss(_DifferenceLoss):
    """``l = d²``; ``dl/dx = 2 d = -dl/dy``."""

    kernel = _kernels.mse

    def of_difference(self, d):
        return d * d


class SmoothL1Loss(_DifferenceLoss):
    """``l = 0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (beta > 0); ``dl/dx = d / beta`` inside,
    ``sign(d)`` outside; second derivative ``1/beta`` inside, 0 outside."""

    kernel = _kernels.smooth_l1

    def of_difference(self, d, beta):
        inside, q = _quadratic_zone(d, beta)
        return (q * q * (0.5 / beta)).where(inside, d.abs() - 0.5 * beta)


class HuberLoss(_DifferenceLoss):
    """``l = 0.5 d²`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (delta > 0); ``dl/dx = d`` inside,
    ``±delta`` outside."""

    kernel = _kernels.huber

    def of_difference(self, d, delta):
        inside, q = _quadratic_zone(d, delta)
        return (q * q * 0.5).where(inside, (d.abs() - 0.5 * delta) * delta)


def _quadratic_zone(d, bound):
    """``(inside, q)``: where ``d`` is in the quadratic zone ``|d| < bound`` of smooth L1 and Huber, or nan (a nan
    difference keeps a nan gradient there, as in torch), and ``d`` with 0 outside it, for the quadratic branch (so
    an infinite ``d`` outside does not put 0 * inf = nan into the gradient through the unused branch)."""
    inside = ~(np.abs(d._data) >= bound)
    return inside, d.where(inside, 0.0)


# ---------------------------------------------------------------------------------------------- helpers
def _target_shape(input, target):
    """The loss's shape, after torch's checks: a warning when the sizes differ, an error when they cannot
    broadcast. (Called by the loss functions themselves, so that the warning points at their caller.)"""
    if target.shape == input.shape:
        return input.shape
    warnings.warn(
        f"Using a target size ({format_size(target.shape)}) that is different to the input size "
        f"({format_size(input.shape)}). This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.",
        stacklevel=3,
    )
    return broadcast_shape(input.shape, target.shape)


def _promoted_dtypes(input, target, shape, kernel_name):
    """torch's fused loss kernels (named ``kernel_name``) promote input and target, broadcast to the loss's
    ``shape``, to their common dtype, which must be floating: a bool operand works there, while the composite L1
    refuses it. Returns that dtype. (Broadcast first, as torch's wrappers do: a 0-d float64 target then counts
    fully against a float32 input, which gives float64.)"""
    result = result_type(*(np.broadcast_to(t._data, shape) for t in (input, target)))
    if result.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(result)}'")
    return result


def _difference(input, target, shape):
    """``input - target`` after broadcasting both to ``shape``, as torch's wrappers do (see _promoted_dtypes)."""
    return input.expand(*shape) - target.expand(*shape)


def _weighted(unweighted_loss, weight, input, reduction, mean_by_weight):
    """The functional-only ``weight=`` path: ``unweighted_loss() * weight`` reduced; ``'mean'`` is ``Σ w·l / Σ w``
    for L1 and MSE (``mean_by_weight``) but ``mean(w·l)`` for Huber, as in torch. The weight's size is checked
    before the loss is computed, as torch does (so a bad weight is the error reported first)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = unweighted_loss() * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if mean_by_weight else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ---------------------------------------------------------------------------------------------- losses
def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Optional[Tensor] = None,
) -> Tensor:
    """Mean absolute error: ``l = |x - y|``, reduced by ``reduction`` ('none' | 'mean' | 'sum').

    Shapes: any; ``target`` broadcasts against ``input``. Gradient: ``sign(x - y)`` (0 where x == y), and its
    negative for the target; ``'mean'`` scales by ``1/numel``. ``weight`` (same size as ``input``) multiplies each
    element; its ``'mean'`` is ``Σ w|d| / Σ w``. Integer inputs work for 'none'/'sum'; 'mean' needs floats.

    >>> import minigrad
    >>> l1_loss(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(1.5000)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    shape = _target_shape(input, target)
    if weight is not None:
        return _weighted(lambda: _difference(input, target, shape).abs(), weight, input, reduction, mean_by_weight=True)
    return reduce_loss(_difference(input, target, shape).abs(), check_reduction(reduction))


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Optional[Tensor] = None,
) -> Tensor:
    """Mean squared error: ``l = (x - y)²``.

    Shapes and reductions as :func:`l1_loss`. Gradient ``2 (x - y)`` (``-2 (x - y)`` for the target).
    ``weight`` (same size as ``input``): ``'mean'`` is ``Σ w d² / Σ w``. Floating dtypes only, except with
    ``weight``, which torch computes with tensor ops (integers work there, bools raise).

    >>> import minigrad
    >>> mse_loss(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(2.5000)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    shape = _target_shape(input, target)
    if weight is not None:  # torch's weighted path is composite, so integer inputs work and bools do not
        return _weighted(lambda: _difference(input, target, shape) ** 2, weight, input, reduction, mean_by_weight=True)
    dtype = _promoted_dtypes(input, target, shape, "mse_cpu")
    return MseLoss.apply(input, target, reduction=check_reduction(reduction), shape=shape, dtype=dtype)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta=1.0
) -> Tensor:
    """Smooth L1: ``0.5 z² / beta`` if ``z = |x - y| < beta``, else ``z - 0.5 beta``.

    Gradient: ``(x - y) / beta`` inside, ``sign(x - y)`` outside (continuous, 0 at x == y). ``beta == 0`` is
    exactly :func:`l1_loss`; a negative ``beta`` raises RuntimeError. Floating dtypes only.

    >>> import minigrad
    >>> smooth_l1_loss(minigrad.tensor([0.5, 2.0]), minigrad.zeros(2), reduction="none")
    tensor([0.1250, 1.5000])
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    shape = _target_shape(input, target)
    if beta == 0.0:  # torch's Python wrapper hands beta == 0 to the L1 kernel
        return reduce_loss(_difference(input, target, shape).abs(), check_reduction(reduction))
    dtype = _promoted_dtypes(input, target, shape, "smooth_l1_cpu")
    reduction = check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return SmoothL1Loss.apply(input, target, reduction=reduction, shape=shape, dtype=dtype, beta=float(beta))


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta=1.0, weight: Optional[Tensor] = None
) -> Tensor:
    """Huber: ``0.5 z²`` if ``z = |x - y| < delta``, else ``delta (z - 0.5 delta)``.

    It equals ``delta * smooth_l1_loss(beta=delta)``, so the two coincide only for delta = beta = 1.
    Gradient: ``x - y`` inside, ``±delta`` outside. ``delta <= 0`` raises RuntimeError. ``weight`` (same size as
    ``input``) multiplies each element and, unlike L1/MSE, its ``'mean'`` is the plain mean ``mean(w l)``.
    Floating dtypes only; the result dtype is the promotion of input and target (torch keeps the input's).

    >>> import minigrad
    >>> huber_loss(minigrad.tensor([0.5, 2.0]), minigrad.zeros(2), reduction="none", delta=0.5)
    tensor([0.1250, 0.8750])
    """
    shape = _target_shape(input, target)

    def huber(reduction):
        dtype = _promoted_dtypes(input, target, shape, "huber_cpu")
        if delta <= 0:
            raise RuntimeError("huber_loss does not support non-positive values for delta.")
        return HuberLoss.apply(input, target, reduction=reduction, shape=shape, dtype=dtype, delta=float(delta))

    if weight is not None:  # torch too weights the unreduced fused loss
        return _weighted(lambda: huber("none"), weight, input, reduction, mean_by_weight=False)
    return huber(check_reduction(reduction))
