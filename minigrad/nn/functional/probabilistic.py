"""Probabilistic losses (PyTorch 2.13 semantics): binary cross-entropy on probabilities and on logits,
Kullback-Leibler divergence, Poisson and Gaussian negative log-likelihoods, the soft-margin losses, and
torchvision's ``sigmoid_focal_loss``.

Most are composed from Tensor ops, exactly as torch composes them, so autograd gives torch's gradients (also
second order). The three that are fused kernels in torch are fused here too: one autograd node each (a
``_fused.FusedLoss``) around a kernel of ``minigrad._kernels.elementwise_losses`` that computes the loss and its
gradient in one pass (float16 in float32); with ``create_graph=True`` the gradient is that of the loss written in
Tensor ops (the class's ``composite``), so it can be differentiated again.

* ``binary_cross_entropy``: torch clamps each log at -100 in the forward but differentiates the unclamped
  formula, ``(x - y) / max(x (1 - x), 1e-12)``, which is not the derivative of the clamped forward.
* ``binary_cross_entropy_with_logits``: written so it never cancels catastrophically (``x = -20, y = 0`` gives
  2.06e-9 where torch's float32 gives 0; spec section 12.4).
* ``soft_margin_loss``: ``softplus(-y x)``, finite where torch's float32 overflows (spec section 12.4).

>>> import minigrad
>>> from minigrad.nn.functional.probabilistic import binary_cross_entropy_with_logits
>>> binary_cross_entropy_with_logits(minigrad.tensor([0.0, 5.0]), minigrad.tensor([0.5, 1.0]), reduction="none")
tensor([0.6931, 0.0067])
"""

import math
import warnings
from typing import Optional

import numpy as np

from ..._dtype import result_type
from ..._kernels import elementwise_losses as _kernels
from ...autograd.tensor import Tensor
from ...ops._util import wrap
from ...ops.activation import log_sigmoid, softplus
from ...ops.elementwise import ClampedValue, xlogy
from ._checks import not_differentiable
from ._fused import FusedLoss, kernel_dtype
from ._reduction import (
    broadcast_shape,
    check_reduction,
    format_size,
    legacy_reduction,
    reduce_loss,
    resolve_reduction,
    torch_dtype_name,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "sigmoid_focal_loss",
]


# ------------------------------------------------------------------------------------------------ helpers
def _fits_output(shape, output_shape):
    """A factor multiplied in place into the loss must not make it bigger (torch's in-place ``mul_``)."""
    if shape != tuple(output_shape):
        raise RuntimeError(
            f"output with shape {format_size(output_shape)} doesn't match the broadcast shape {format_size(shape)}"
        )


def _constant_factor(factor, dtype):
    """A weight Tensor's array in the result ``dtype`` (or None): a constant of the graph, never differentiated."""
    return None if factor is None else np.asarray(factor._data, dtype=dtype)


def _factor(array, like):
    """A constant weight array (or None) as a Tensor of ``like``'s dtype for a composite."""
    return None if array is None else wrap(array.astype(like._data.dtype, copy=False))


class _ElementwisePair(FusedLoss):
    """A fused loss of ``input`` and ``target`` of one shape: ``apply(input, target, reduction=, dtype=,
    **weights)`` with the weights constant arrays broadcastable to the input (or None). A subclass gives
    ``kernel`` (which takes the weights, in its order, after the inputs) and ``composite``."""

    gradient_of, negated = (0, 1), (False, False)

    def prepare(self, x, y, *, dtype, **weights):
        self.elementwise((x, y), x.shape, dtype, tuple(weights.values()))

    def operands_of(self, x, y, dtype):
        """The composite's operands: input and target in the dtype the kernel computes in."""
        return x.to(kernel_dtype(dtype)), y.to(kernel_dtype(dtype))


def _in_unit_interval(array):
    """Every element in [0, 1]; nan fails too (min and max propagate it)."""
    return array.size == 0 or (array.min() >= 0 and array.max() <= 1)


# ------------------------------------------------------------------------------------------ binary losses
_BCE_EPSILON = float(np.float32(1e-12))  # torch's EPSILON is a float constant: 9.99999996e-13 in float64 too


class BinaryCrossEntropy(_ElementwisePair):
    """Elementwise ``l = w [(y - 1) max(log(1 - x), -100) - y max(log x, -100)]``.

    Backward, as torch: ``dx = g w (x - y) / max(x (1 - x), 1e-12)`` and ``dy = -g w logit(x)``; neither sees
    the clamps (so x = 0 or 1 gives finite ±1e12 input gradients and infinite target gradients). That is not the
    derivative of the composite, so the recorded backward (create_graph) writes it out too.
    """

    kernel = _kernels.binary_cross_entropy

    def composite(self, x, y, *, reduction, dtype, weight):
        x, y = self.operands_of(x, y, dtype)
        loss = (y - 1) * (-x).log1p().clamp_min(-100) - y * x.log().clamp_min(-100)
        return reduce_loss(loss if weight is None else loss * _factor(weight, x), reduction)

    def backward(self, grad):
        x, y = self.operands_of(*self.inputs, self.options["dtype"])
        g = grad.to(x._data.dtype) * self.scale()
        weight = _factor(self.options["weight"], x)
        if weight is not None:
            g = g * weight
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = g * (x - y) / (x * (1 - x)).clamp_min(_BCE_EPSILON)
            grad_y = g * -(x / (1 - x)).log()
        return tuple(
            d.to(t.dtype) if need else None for d, t, need in zip((grad_x, grad_y), self.inputs, self.needs_input_grad)
        )


def _bce_weight_shape(target_shape, weight_shape):
    """torch expands a BCE weight to ``broadcast_shapes(target, weight)``, with this error when it cannot."""
    for i in range(-1, -len(weight_shape) - 1, -1):
        if -i <= len(target_shape) and weight_shape[i] not in (1, target_shape[i]) and target_shape[i] != 1:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {weight_shape[i]} at {i}! Mismatching "
                f"argument at index 1 had {format_size(weight_shape)}; but expected shape should be "
                f"broadcastable to {format_size(target_shape)}"
            )
    return broadcast_shape(target_shape, weight_shape)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities ``x`` and targets ``y`` (both in [0, 1], same shape).

    ``l = -w [y log x + (1 - y) log(1 - x)]`` with each log clamped at -100 (so a certain wrong answer costs
    100, not inf). ``weight`` broadcasts to the target's shape but may not enlarge it. ``'mean'`` divides by
    numel. Input, target (and weight) share one floating dtype; values outside [0, 1] raise RuntimeError.
    Gradients: see :class:`BinaryCrossEntropy`; ``weight`` is not differentiable.

    >>> import minigrad
    >>> binary_cross_entropy(minigrad.tensor([0.5, 1e-45]), minigrad.tensor([1.0, 1.0]), reduction="none")
    tensor([  0.6931, 100.0000])
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({format_size(target.shape)}) that is different to the input size "
            f"({format_size(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{torch_dtype_name(dtype)}'")
    if target._data.dtype != dtype:
        raise RuntimeError(f"Found dtype {torch_dtype_name(target._data.dtype)} but expected {torch_dtype_name(dtype)}")
    if weight is not None:
        not_differentiable(weight, "weight", "binary_cross_entropy")
        _fits_output(_bce_weight_shape(target.shape, weight.shape), input.shape)
    if not _in_unit_interval(input._data):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not _in_unit_interval(target._data):
        raise RuntimeError("all elements of target should be between 0 and 1")
    return BinaryCrossEntropy.apply(
        input, target, reduction=reduction, dtype=dtype, weight=_constant_factor(weight, dtype)
    )


class BinaryCrossEntropyWithLogits(_ElementwisePair):
    """Elementwise ``l = w [(1 - y) x - L log σ(x)]``, ``L = 1 + (p - 1) y`` (p = pos_weight, 1 if absent).

    The kernel computes it as ``(1 - y) x - L min(x, 0) + L log1p(e^-|x|)``: the large terms cancel exactly before
    the small one is added. Gradients: ``dx = w [(p y + 1 - y) σ(x) - p y]``, ``dy = w [log σ(-x) - p log σ(x)]``
    (= ``-w x`` without pos_weight).
    """

    kernel = _kernels.binary_cross_entropy_with_logits

    def composite(self, x, y, *, reduction, dtype, pos_weight, weight):
        x, y = self.operands_of(x, y, dtype)
        pos_weight, weight = _factor(pos_weight, x), _factor(weight, x)
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        loss = (1 - y) * x - log_weight * log_sigmoid(x)
        return reduce_loss(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Optional[Tensor] = None,
) -> Tensor:
    """Binary cross-entropy on logits: ``-w [p y log σ(x) + (1 - y) log σ(-x)]``, stable for any ``x``.

    ``target`` must have the input's shape. ``weight`` and ``pos_weight`` (p; weight of the positive term, e.g.
    (C,) for (N, C) data, (C, 1, 1) for (N, C, H, W)) broadcast against the target but may not enlarge it, and
    are not differentiable. ``'mean'`` divides by numel. Gradients: ``dx = w [(p y + 1 - y) σ(x) - p y]``
    (``w (σ(x) - y)`` without p), ``dy = w [-x - (p - 1) log σ(x)]``.
    The result dtype is the promotion of input and target (torch takes the target's).

    >>> import minigrad
    >>> binary_cross_entropy_with_logits(minigrad.tensor([-100.0, 100.0]), minigrad.tensor([1.0, 0.0]))
    tensor(100.)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({format_size(target.shape)}) must be the same as input size ({format_size(input.shape)})"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{torch_dtype_name(input._data.dtype)}'")
    dtype = result_type(input._data, target._data)
    if pos_weight is not None:
        not_differentiable(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
        _fits_output(broadcast_shape(pos_weight.shape, target.shape), input.shape)
    if weight is not None:
        not_differentiable(weight, "weight", "binary_cross_entropy_with_logits")
        _fits_output(broadcast_shape(input.shape, weight.shape), input.shape)
    return BinaryCrossEntropyWithLogits.apply(
        input,
        target,
        reduction=reduction,
        dtype=dtype,
        pos_weight=_constant_factor(pos_weight, dtype),
        weight=_constant_factor(weight, dtype),
    )


# ------------------------------------------------------------------------------------------------ KL div
_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release."
)


def kl_div(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", log_target=False
) -> Tensor:
    """Kullback-Leibler divergence ``KL(target ‖ exp(input))`` pointwise, ``input`` being log-probabilities.

    ``l = xlogy(y, y) - y x`` (``y = 0`` gives 0; a negative y gives nan), or ``exp(y) (y - x)`` when
    ``log_target``. Reductions: 'none', 'sum', 'mean' (over all elements; warns that it is not the true KL),
    'batchmean' (sum / ``input.size(0)``, the true KL for a batch). Target broadcasts against input.
    Gradients: ``dx = -y`` (``-exp(y)``), ``dy = log y + 1 - x`` (``exp(y) (y - x + 1)``).

    >>> import minigrad
    >>> kl_div(minigrad.tensor([[-1.0, -0.5]]), minigrad.tensor([[0.5, 0.5]]), reduction="batchmean")
    tensor(0.0569)
    """
    # torch tests the *given* string for 'batchmean' after the reduction, even when the legacy flags replaced
    # it: kl_div(x, y, reduce=True, reduction='batchmean') is the mean divided by the batch size.
    batchmean = reduction == "batchmean"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
        reduction = "sum" if batchmean else check_reduction(reduction)
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    with np.errstate(invalid="ignore", over="ignore"):  # 0 · (-inf) is nan in torch too, just silently
        if log_target:
            loss = target.exp() * (target - input)
        else:
            loss = xlogy(target, target) - target * input
    reduced = reduce_loss(loss, reduction)
    if batchmean and input.ndim != 0:
        with np.errstate(invalid="ignore"):
            reduced = reduced / input.shape[0]
    return reduced


# ------------------------------------------------------------------------------------- likelihood losses
def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    """Poisson negative log-likelihood of ``target`` under rate ``exp(input)`` (or ``input``).

    ``l = exp(x) - y x`` when ``log_input``, else ``x - y log(x + eps)``; ``full`` adds Stirling's approximation
    of ``log(y!)``, ``y log y - y + 0.5 log(2π y)``, only where ``y > 1``. 'mean'/'sum' over all elements.
    Gradients: ``dx = exp(x) - y`` (``1 - y / (x + eps)``), ``dy = -x`` (``-log(x + eps)``), plus
    ``log y + 0.5 / y`` where y > 1 when ``full`` (and, as in torch, nan at y = 0 when ``full``).

    >>> import minigrad
    >>> poisson_nll_loss(minigrad.tensor([-1.0]), minigrad.tensor([2.0]), full=True, reduction="sum")
    tensor(3.0197)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):  # checked as plain strings: no 'elementwise_mean' alias here
        raise ValueError(f"{reduction} is not a valid value for reduction")
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_input:
            loss = input.exp() - target * input
        else:
            loss = input - target * (input + eps).log()
        if full:
            stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
            loss = loss + stirling.masked_fill(target <= 1, 0)
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood: ``l = 0.5 (log v + (x - y)² / v)`` with ``v = max(var, eps)``.

    ``full`` adds ``0.5 log(2π)``. ``var`` is a Python float (≥ 0) or a non-negative tensor shaped like the input,
    or like the input without its last dim, or like the input with exactly one dim of size 1; anything else is
    ``ValueError: var is of incorrect size``. The clamp does not change the gradient's formula:
    ``dvar = 0.5 (1/v - (x - y)²/v²)``, ``dx = (x - y)/v = -dy``. Target broadcasts silently.

    Gradient (before the reduction's ``1/n``): ``g (x - y) / v`` to the input, ``-g (x - y) / v`` to the target, ``g (1
    - (x - y)² / v) / (2v)`` to ``var`` (0 where clamped at ``eps``).

    >>> import minigrad
    >>> gaussian_nll_loss(minigrad.tensor([1.0]), minigrad.tensor([0.0]), 1.0)
    tensor(0.5000)
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        dtype = input._data.dtype if input._data.dtype.kind == "f" else np.float32
        var = Tensor._wrap(np.full(input.shape, var, dtype=dtype))
    elif not isinstance(var, Tensor):
        raise TypeError(f"var must be a Tensor or a float, got {type(var).__name__}")
    elif np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:  # one variance per row of the last dim (homoscedastic rows)
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    var = ClampedValue.apply(var, low=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


# -------------------------------------------------------------------------------------- soft-margin losses
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-label one-versus-all logistic loss, averaged over the classes (the last dim, size C).

    ``l_n = -Σ_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)] / C``; 'none' gives ``input.shape[:-1]``,
    'mean'/'sum' reduce those. ``weight`` and ``target`` broadcast against the input. Gradients:
    ``dx = w (σ(x) - y) / C``, ``dy = -w x / C``, and ``weight`` is differentiable too.

    >>> import minigrad
    >>> multilabel_soft_margin_loss(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{torch_dtype_name(input._data.dtype)}'")
    if input.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    loss = -(target * log_sigmoid(input) + (1 - target) * log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    # torch sums over dim ``input.dim() - 1`` counted from the front, which differs from -1 when the target or
    # the weight broadcasts the loss to more dims than the input has
    return reduce_loss(loss.sum(input.ndim - 1) / input.shape[-1], reduction)


class SoftMarginLoss(FusedLoss):
    """``apply(input, reduction=, target=array, dtype=)``: ``l = softplus(-y x)``, ``dl/dx = -y σ(-y x)``. The
    target is a constant (torch refuses to differentiate it)."""

    kernel = _kernels.soft_margin

    def prepare(self, x, *, target, dtype):
        self.elementwise((x, target), x.shape, dtype)

    def composite(self, x, *, reduction, target, dtype):
        x = x.to(kernel_dtype(dtype))
        y = wrap(np.broadcast_to(target, x.shape).astype(x._data.dtype))
        return reduce_loss(softplus(-(x * y), 1.0, math.inf), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``l = log(1 + exp(-y x))`` for labels ``y`` (usually ±1; any real works).

    Computed as ``softplus(-y x)``, finite for every input (torch's float32 overflows to inf past -y x ≈ 89).
    Gradient ``dx = -y σ(-y x)``; the target is not differentiable. Target broadcasts.

    >>> import minigrad
    >>> soft_margin_loss(minigrad.tensor([-89.0]), minigrad.tensor([1.0]), reduction="none")
    tensor([89.])
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    not_differentiable(target, "target", "soft_margin_loss")
    _fits_output(broadcast_shape(input.shape, target.shape), input.shape)  # torch writes into an input-shaped output
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {torch_dtype_name(input._data.dtype)}"
        )
    return SoftMarginLoss.apply(
        input, reduction=reduction, target=target._data, dtype=result_type(input._data, target._data)
    )


# ------------------------------------------------------------------------------------------- focal loss
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
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: 'none', 'mean', 'sum'"
        )
    p = inputs.sigmoid()
    ce_loss = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return reduce_loss(loss, reduction)
