"""Regression losses: ``l1_loss``, ``mse_loss``, ``smooth_l1_loss``, ``huber_loss`` (PyTorch 2.13 semantics).

All four are elementwise in ``d = input - target`` and composed from Tensor ops, so autograd supplies the
gradient (and the second derivative): at ``d = 0`` the gradient is 0 (``abs``'s subgradient ``sign(0) = 0``).
``target`` broadcasts against ``input`` (a size mismatch only warns, as in torch) and ``'mean'`` divides by the
element count of the *broadcast* loss. Both ``input`` and ``target`` are differentiable.

>>> import minigrad
>>> from minigrad.nn.functional.regression import smooth_l1_loss
>>> x = minigrad.tensor([0.0, 0.5, 2.0], requires_grad=True)
>>> loss = smooth_l1_loss(x, minigrad.zeros(3), reduction="sum")    # 0 + 0.125 + 1.5
>>> loss.backward(); x.grad
tensor([0.0, 0.5, 1.0])
"""
import warnings

from ...ops._util import promote
from ._reduction import (broadcast_shape, check_reduction, format_size, legacy_reduction, reduce_loss,
                         torch_dtype_name)

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"]


def _difference(input, target, kernel_name=None):
    """``input - target`` after torch's checks: a warning when the sizes differ, an error when they cannot
    broadcast. For torch's fused losses (``kernel_name`` given) both are first promoted to their common dtype,
    which must be floating: those kernels promote before subtracting, so a bool operand is accepted there while
    the composite L1 refuses it."""
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({format_size(target.shape)}) that is different to the input size "
                      f"({format_size(input.shape)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        broadcast_shape(input.shape, target.shape)
    if kernel_name is not None:
        input, target = promote(input, target)
        _require_float(input, kernel_name)
    return input - target


def _require_float(tensor, kernel_name):
    """torch's fused loss kernels (named ``kernel_name``) are not implemented for integer dtypes."""
    if tensor.data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(tensor.data.dtype)}'")


def _weighted(loss, weight, input, reduction, mean_by_weight):
    """The functional-only ``weight=`` path: ``loss * weight`` reduced; ``'mean'`` is ``Σ w·l / Σ w`` for L1 and
    MSE (``mean_by_weight``) but ``mean(w·l)`` for Huber, as in torch."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if mean_by_weight else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ``l = |x - y|``, reduced by ``reduction`` ('none' | 'mean' | 'sum').

    Shapes: any; ``target`` broadcasts against ``input``. Gradient: ``sign(x - y)`` (0 where x == y), and its
    negative for the target; ``'mean'`` scales by ``1/numel``. ``weight`` (same size as ``input``) multiplies each
    element; its ``'mean'`` is ``Σ w|d| / Σ w``. Integer inputs work for 'none'/'sum'; 'mean' needs floats.

    >>> import minigrad
    >>> l1_loss(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(1.5)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    loss = _difference(input, target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=True)
    return reduce_loss(loss, check_reduction(reduction))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ``l = (x - y)²``.

    Shapes and reductions as :func:`l1_loss`. Gradient ``2 (x - y)`` (``-2 (x - y)`` for the target).
    ``weight`` (same size as ``input``): ``'mean'`` is ``Σ w d² / Σ w``. Floating dtypes only.

    >>> import minigrad
    >>> mse_loss(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(2.5)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    difference = _difference(input, target, "mse_cpu" if weight is None else None)  # weighted: composite in torch
    if weight is None:
        reduction = check_reduction(reduction)
    loss = difference * difference
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=True)
    return reduce_loss(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1: ``0.5 z² / beta`` if ``z = |x - y| < beta``, else ``z - 0.5 beta``.

    Gradient: ``(x - y) / beta`` inside, ``sign(x - y)`` outside (continuous, 0 at x == y). ``beta == 0`` is
    exactly :func:`l1_loss`; a negative ``beta`` raises RuntimeError. Floating dtypes only.

    >>> import minigrad
    >>> smooth_l1_loss(minigrad.tensor([0.5, 2.0]), minigrad.zeros(2), reduction="none")
    tensor([0.125, 1.500])
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    difference = _difference(input, target, None if beta == 0.0 else "smooth_l1_cpu")
    reduction = check_reduction(reduction)
    if beta == 0.0:  # torch's Python wrapper hands beta == 0 to the L1 kernel
        return reduce_loss(difference.abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    z = difference.abs()
    inside = z.clamp_max(beta)  # the unused quadratic branch must stay finite: 0 · inf in its backward is nan
    loss = (inside * 0.5 * inside / beta).where(z < beta, z - 0.5 * beta)
    return reduce_loss(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber: ``0.5 z²`` if ``z = |x - y| < delta``, else ``delta (z - 0.5 delta)``.

    It equals ``delta * smooth_l1_loss(beta=delta)``, so the two coincide only for delta = beta = 1.
    Gradient: ``x - y`` inside, ``±delta`` outside. ``delta <= 0`` raises RuntimeError. ``weight`` (same size as
    ``input``) multiplies each element and, unlike L1/MSE, its ``'mean'`` is the plain mean ``mean(w l)``.
    Floating dtypes only; the result dtype is the promotion of input and target (torch keeps the input's).

    >>> import minigrad
    >>> huber_loss(minigrad.tensor([0.5, 2.0]), minigrad.zeros(2), reduction="none", delta=0.5)
    tensor([0.125, 0.875])
    """
    difference = _difference(input, target, "huber_cpu")
    if weight is None:
        reduction = check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    z = difference.abs()
    inside = z.clamp_max(delta)  # the unused quadratic branch must stay finite: 0 · inf in its backward is nan
    loss = (inside * 0.5 * inside).where(z < delta, (z - 0.5 * delta) * delta)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=False)
    return reduce_loss(loss, reduction)
