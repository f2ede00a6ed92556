"""Classification losses over class scores: ``nll_loss`` and ``cross_entropy`` (PyTorch 2.13 semantics,
spec/losses.md §2.1-2.5).

The class axis is dim 1 (dim 0 for an unbatched 1-D input); every other axis is a position. With
``lp = log_softmax(x)`` over the class axis, ``w`` the class weights (1 without ``weight``), ``W = Σ_c w_c``,
``ε`` the label smoothing and ``w'_n = w[y_n]·[y_n != ignore_index]``:

* ``nll_loss(x, y)``:                  ``l_n = -w'_n x[n, y_n]``
* ``cross_entropy(x, y)`` (indices):
  ``l_n = (1-ε) w'_n (lse_n - x[n, y_n]) + (ε/C) [y_n valid] Σ_c w_c (lse_n - x[n,c])``
* ``cross_entropy(x, t)`` (``t.shape == x.shape``: probabilities, ``t' = (1-ε) t + ε/C``):
  ``l_n = -Σ_c w_c t'[n,c] lp[n,c]``

``'mean'`` is ``Σ l_n / Σ w'_n`` for index targets (nan when nothing counts) and ``Σ l_n / (numel / C)`` for
probabilities. Each loss is one autograd node around a compiled kernel (``minigrad._kernels.cross_entropy``)
that returns the losses and the gradient in one pass; the backward only scales the cached gradient, e.g.
``dL/dx[n,:] = w'_n (softmax(x_n) - onehot(y_n)) / Σ w'`` for the plain mean. Under ``create_graph=True`` the
gradient is that of each loss's ``composite`` (its definition from log_softmax in Tensor ops), so second
derivatives are right.

>>> import minigrad
>>> x = minigrad.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
>>> loss = cross_entropy(x, minigrad.tensor([2]))       # logsumexp(x) - x[2]
>>> loss.backward(); loss, x.grad
(tensor(0.4076, grad_fn=<CrossEntropyLossBackward>), tensor([[ 0.0900,  0.2447, -0.3348]]))
"""

import math
import operator
from typing import Optional

import numpy as np

from ..._kernels import cross_entropy as _kernel
from ...autograd import grad_mode
from ...autograd.tensor import Tensor
from ...ops._util import wrap
from ...ops.activation import log_softmax
from ._checks import require_tensor
from ._fused import FusedLoss, kernel_dtype
from ._reduction import check_reduction, format_size, legacy_reduction, torch_dtype_name

__all__ = ["nll_loss", "cross_entropy"]


# --------------------------------------------------------------------------------------------------------------
# Layout: the row kernels see one row of C class scores per position.


class _Rows:
    """The input's class axis moved last and flattened to C-contiguous (positions, C) rows, and back; also the
    shapes every loss needs (class axis, unreduced loss shape).

    2-D inputs are used as they are; (C,) becomes one row; (N, C, d1..dK) is transposed to (N·d1···dK, C)
    (a copy) and gradients come back as a transposed view. Index-target cross-entropy skips the transposition
    for K-dim inputs (see ``CrossEntropyLoss``).
    """

    __slots__ = ("shape", "class_axis", "loss_shape", "row_shape")

    def __init__(self, shape):
        self.shape = shape
        self.class_axis = 0 if len(shape) == 1 else 1
        self.loss_shape = shape[: self.class_axis] + shape[self.class_axis + 1 :]  # the unreduced loss
        self.row_shape = (math.prod(self.loss_shape), shape[self.class_axis])

    def to_rows(self, array, dtype):
        if array.ndim > 2:
            array = np.moveaxis(array, 1, -1)
        array = np.ascontiguousarray(array, dtype=dtype)
        return array if array.shape == self.row_shape else array.reshape(self.row_shape)

    def from_rows(self, rows):
        if rows.shape == self.shape:
            return rows  # not even a view: the autograd engine stores an array it owns without copying it
        if len(self.shape) <= 2:
            return rows.reshape(self.shape)
        return np.moveaxis(rows.reshape(self.loss_shape + self.shape[1:2]), -1, 1)

    @property
    def class_shape(self):
        """Shape that makes a (C,) vector broadcast along the class axis of the input."""
        return (-1,) + (1,) * (len(self.shape) - 1 - self.class_axis)


# --------------------------------------------------------------------------------------------------------------
# Argument checks, with torch's exception types and messages (spec §2.1-2.2, §2.5).


def _check_arguments(input, target, weight, ignore_index, function):
    """Types of the arguments; returns ignore_index as an int."""
    require_tensor(input, "input", 1, function)
    require_tensor(target, "target", 2, function)
    if weight is not None:
        require_tensor(weight, "weight", 3, function)
    if isinstance(ignore_index, (bool, np.bool_)) or not hasattr(ignore_index, "__index__"):
        raise TypeError(
            f"{function}(): argument 'ignore_index' (position 5) must be int, not {type(ignore_index).__name__}"
        )
    return operator.index(ignore_index)


def _check_index_target(input, target, weight):
    """torch's nll_loss_nd checks, in its order; returns the targets as flat int64 positions."""
    shape, tshape = input.shape, target.shape
    if len(shape) < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {len(shape)})")
    target_batch = tshape[0] if tshape else 0
    if len(shape) != 1 and shape[0] != target_batch:
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size ({target_batch}).")
    if len(shape) <= 2:
        if not tshape and len(shape) == 2:  # a 0-d target passes the batch check only for an empty batch
            _check_target_dtype(target)
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if len(tshape) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if len(shape) == 1 and len(tshape) == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {tshape[0]}")
        classes = shape[-1]
        if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} classes or no classes "
                f"but got weight tensor of shape: {format_size(weight.shape)}"
            )
    else:
        if len(shape) == 4 and len(tshape) != 3:
            raise RuntimeError(
                f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {len(tshape)}"
            )
        if len(shape) == 4 and tshape[1:] != shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {format_size(shape)} , target: {format_size(tshape)}")
        if tshape[1:] != shape[2:]:
            raise RuntimeError(f"Expected target size {format_size(shape[:1] + shape[2:])}, got {format_size(tshape)}")
        if weight is not None and weight._data.size != shape[1]:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
    _check_target_dtype(target)
    if weight is not None:
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"expected scalar type {torch_dtype_name(input._data.dtype)} but found "
                f"{torch_dtype_name(weight._data.dtype)}"
            )
        if weight.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(
                "The function 'nll_loss_forward' is not differentiable with respect to argument "
                "'weight'. This input cannot have requires_grad True."
            )
    return np.ascontiguousarray(target._data, dtype=np.int64).reshape(-1)


def _check_target_dtype(target):
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {torch_dtype_name(target._data.dtype)}")


def _check_float_input(input, kernel_name):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(input._data.dtype)}'")


def _weight_array(weight):
    """A class-weight Tensor's values as a contiguous (C,) array (a constant of the graph), or None."""
    return None if weight is None else np.ascontiguousarray(weight._data).reshape(-1)


# --------------------------------------------------------------------------------------------------------------
# Autograd nodes.


class _ClassLoss(FusedLoss):
    """A loss over the class axis of one input, run by a row kernel on ``self.rows``' (positions, C) layout."""

    def describe(self, shape):
        """Set the layout and the loss's shapes for an input of ``shape``."""
        self.rows = _Rows(shape)
        self.loss_shape, self.loss_size = self.rows.loss_shape, self.rows.row_shape[0]

    def layout(self, x, dtype):
        """Rows of ``x`` for the kernel, in the kernel's dtype for ``dtype``; sets the loss's shapes."""
        self.describe(x.shape)
        return self.rows.to_rows(x, kernel_dtype(dtype))

    def home(self, x, rows):
        """Where a gradient of ``x``'s ``rows`` is allocated: ``x``'s shape when the rows are x's own memory
        order (no class axis to move), else the rows."""
        return x.shape if x.ndim <= 2 else rows.shape

    def to_input(self, i, gradient):
        x = self.inputs[i]
        return self.rows.from_rows(gradient).astype(x._data.dtype, copy=False)

    def upstream_shape(self, gradient_shape):
        if gradient_shape == self.rows.shape:  # the input's layout: one value per position, at the class axis
            axis = self.rows.class_axis
            return self.loss_shape[:axis] + (1,) + self.loss_shape[axis:]
        return super().upstream_shape(gradient_shape)


def _valid_weights(target, weight, ignore_index, num_classes, dtype):
    """``w'_n = w[y_n] [y_n != ignore_index]`` as a constant Tensor, and the valid mask, for a composite."""
    valid = target != ignore_index
    w = np.ones(num_classes) if weight is None else weight
    return wrap(np.where(valid, w[np.where(valid, target, 0)] if num_classes else 0, 0).astype(dtype)), valid


def _rows_of(x, rows):
    """A Tensor in ``rows``' (positions, C) layout: the class axis moved last."""
    if x.ndim > 2:
        x = x.permute(0, *range(2, x.ndim), 1)
    return x.reshape(*rows.row_shape)


class _IndexTargetLoss(_ClassLoss):
    """Index targets: 'mean' divides by ``Σ_n w'_n`` (``self.weight_sum``, set by ``prepare``)."""

    def denominator(self):
        return self.weight_sum

    def scale(self):
        # IEEE division: no valid weight gives an infinite scale and nan gradients on the rows whose target
        # weight is 0, as in torch; ignored rows stay exactly 0
        if self.reduction != "mean":
            return 1.0
        total = self.weight_sum
        return 1.0 / total if total else math.copysign(math.inf, total)


class CrossEntropyLoss(_IndexTargetLoss):
    """Cross-entropy with class-index targets (optionally weighted, ignoring, label-smoothed):
    ``apply(input, reduction=, target=int64 positions, weight=(C,) array or None, ignore_index=,
    label_smoothing=)``.

    (N, C, d1..dK) inputs go to the column kernel as (N, C, D) without moving the class axis (measured on
    (16, 21, 64, 64): a transposing copy there and back cost more than torch's whole forward+backward);
    the others go to the row kernel as (positions, C) rows.
    """

    def prepare(self, x, *, target, weight, ignore_index, label_smoothing):
        dtype = kernel_dtype(x.dtype)
        self.columns = x.ndim > 2
        if self.columns:
            self.describe(x.shape)
            kernel_x = np.ascontiguousarray(x, dtype=dtype).reshape(x.shape[:2] + (math.prod(x.shape[2:]),))
        else:
            self.describe(x.shape)
            kernel_x = self.rows.to_rows(x, dtype)  # (not layout: dtype is already the kernel's)
        weight = None if weight is None else weight.astype(dtype, copy=False)
        self.weight_sum = _kernel.valid_weight_sum(target, kernel_x.shape[1], weight, ignore_index)
        self.operands = (kernel_x, target, weight, ignore_index, label_smoothing)
        self.grad_shapes, self.grad_homes, self.result_dtype = (kernel_x.shape,), (x.shape,), x.dtype

    def kernel_function(self):
        return _kernel.cross_entropy_index_columns if self.columns else _kernel.cross_entropy_index

    def composite(self, x, *, reduction, target, weight, ignore_index, label_smoothing):
        """``(1-ε) w'_n (lse - x_y) + (ε/C) [valid] Σ_c w_c (lse - x_c)`` from log_softmax."""
        rows = _Rows(x.shape)
        num_classes = rows.row_shape[1]
        lp = _rows_of(log_softmax(x.to(kernel_dtype(x._data.dtype)), rows.class_axis), rows)
        dtype = lp._data.dtype
        w_valid, valid = _valid_weights(target, weight, ignore_index, num_classes, dtype)
        safe = np.where(valid, target, 0).reshape(-1, 1)
        loss = -(lp.gather(1, wrap(safe)).reshape(-1) * w_valid)
        if label_smoothing > 0:
            w = wrap((np.ones(num_classes) if weight is None else weight).astype(dtype))
            smooth = -(lp * w).sum(1)
            loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / num_classes)
        loss = loss.where(wrap(valid), 0.0).reshape(*rows.loss_shape)
        if reduction == "none":
            return loss
        total = loss.sum()
        return (
            total
            if reduction == "sum"
            else total
            / _kernel.valid_weight_sum(
                target, num_classes, None if weight is None else weight.astype(dtype), ignore_index
            )
        )


class CrossEntropyProbsLoss(_ClassLoss):
    """Cross-entropy with class-probability targets: ``apply(input, target, reduction=, weight=(C,) array or
    None, label_smoothing=)``; both input and target are differentiable. (A weight that requires grad is
    differentiated through ``cross_entropy_probs_composite`` instead.)"""

    kernel = _kernel.cross_entropy_probs
    gradient_of, negated = (0, 1), (False, False)

    def prepare(self, x, t, *, weight, label_smoothing):
        self.result_dtype = np.result_type(*(a.dtype for a in (x, t, weight) if a is not None and a.dtype.kind == "f"))
        rows = self.layout(x, self.result_dtype)
        weight = None if weight is None else weight.astype(rows.dtype, copy=False)
        self.operands = (rows, self.rows.to_rows(t, rows.dtype), weight, label_smoothing)
        self.grad_shapes, self.grad_homes = (rows.shape,) * 2, (self.home(x, rows),) * 2

    def denominator(self):
        # the number of positions, numel / C (nan when C == 0, like torch)
        return np.divide(np.float64(math.prod(self.rows.shape)), self.rows.row_shape[1])

    def composite(self, x, t, *, reduction, weight, label_smoothing):
        return cross_entropy_probs_composite(x, t, None if weight is None else wrap(weight), label_smoothing, reduction)


def cross_entropy_probs_composite(x, t, weight, label_smoothing, reduction):
    """``-Σ_c w_c t'_c log_softmax(x)_c`` per position, ``t' = (1-ε) t + ε/C``, in Tensor ops (``weight`` a
    Tensor or None); 'mean' divides by the number of positions."""
    rows = _Rows(x.shape)
    num_classes = rows.row_shape[1]
    dtype = kernel_dtype(np.result_type(*(a._data.dtype for a in (x, t, weight) if a is not None)))
    lp = log_softmax(x.to(dtype), rows.class_axis)
    smoothed = (
        t.to(dtype) * (1 - label_smoothing) + label_smoothing / max(num_classes, 1)
        if label_smoothing > 0
        else t.to(dtype)
    )
    weighted = smoothed if weight is None else smoothed * weight.to(dtype).reshape(*rows.class_shape)
    loss = -(weighted * lp).sum(rows.class_axis)
    if reduction == "none":
        return loss
    total = loss.sum()
    return total if reduction == "sum" else total / np.divide(np.float64(math.prod(x.shape)), num_classes)


class NllLoss(_IndexTargetLoss):
    """Negative log-likelihood of log-probability inputs: ``apply(input, reduction=, target=int64 positions,
    weight=(C,) array or None, ignore_index=)``; ``l_n = -w'_n x[n, y_n]``."""

    kernel = _kernel.nll

    def prepare(self, x, *, target, weight, ignore_index):
        rows = self.layout(x, x.dtype)
        weight = None if weight is None else weight.astype(rows.dtype, copy=False)
        self.weight_sum = _kernel.valid_weight_sum(target, rows.shape[1], weight, ignore_index)
        self.operands = (rows, target, weight, ignore_index)
        self.grad_shapes, self.grad_homes, self.result_dtype = (rows.shape,), (self.home(x, rows),), x.dtype

    def composite(self, x, *, reduction, target, weight, ignore_index):
        rows = _Rows(x.shape)
        x_rows = _rows_of(x.to(kernel_dtype(x._data.dtype)), rows)
        w_valid, valid = _valid_weights(target, weight, ignore_index, rows.row_shape[1], x_rows._data.dtype)
        picked = x_rows.gather(1, wrap(np.where(valid, target, 0).reshape(-1, 1))).reshape(-1)
        loss = (-(picked * w_valid)).where(wrap(valid), 0.0).reshape(*rows.loss_shape)
        if reduction == "none":
            return loss
        total = loss.sum()
        return total if reduction == "sum" else total / float(w_valid._data.sum())


# --------------------------------------------------------------------------------------------------------------
# The functions.


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood loss of log-probabilities: ``l_n = -w[y_n] x[n, y_n]``.

    Parameters
    ----------
    input : Tensor (N, C), (C,) or (N, C, d1, ..., dK), floating
        Log-probabilities (not checked: any real numbers work), class axis 1 (0 for 1-D input).
    target : Tensor (N,), () or (N, d1, ..., dK), int64 or uint8
        Class indices in ``[0, C)``, or ``ignore_index`` (those positions count for nothing).
    weight : Tensor (C,) of input's dtype, optional; class weights (negative values allowed).
    reduction : 'none' | 'mean' | 'sum'; 'mean' = ``Σ l_n / Σ_n w[y_n]`` over the positions not ignored (nan
        when that sum is 0). ``size_average``/``reduce`` are the deprecated spelling (they override it).

    Gradient: ``dL/dx[n, c] = -w[y_n] [c == y_n]`` (÷ Σ w' for 'mean'); ignored positions get 0.

    >>> import minigrad
    >>> nll_loss(minigrad.tensor([[-1.0, -2.0], [-0.5, -3.0]]), minigrad.tensor([1, 0]))
    tensor(1.2500)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    reduction = check_reduction(reduction)
    ignore_index = _check_arguments(input, target, weight, ignore_index, "nll_loss_nd")
    targets = _check_index_target(input, target, weight)
    _check_float_input(input, "nll_loss_out_frame")
    return NllLoss.apply(
        input, reduction=reduction, target=targets, weight=_weight_array(weight), ignore_index=ignore_index
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Optional[Tensor] = None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing=0.0,
) -> Tensor:
    """The cross-entropy between ``softmax(input)`` over the class axis and the target.

    Parameters
    ----------
    input : Tensor (N, C), (C,) or (N, C, d1, ..., dK), floating; unnormalised scores (logits).
    target : Tensor
        Class indices, shaped like ``input`` without the class axis (int64 or uint8, ``ignore_index`` allowed),
        or class probabilities with exactly the input's shape (floating; not checked to sum to 1).
    weight : Tensor (C,), optional
        Class weights. Index targets: input's dtype, not differentiable. Probability targets: any floating
        dtype (promoted), differentiable.
    ignore_index : int, index targets only (a probability target needs it negative).
    reduction : 'none' | 'mean' | 'sum'. Index targets: 'mean' divides by ``Σ_n w[y_n]`` over the positions
        not ignored; probability targets: by the number of positions ``numel / C``.
    label_smoothing : float in [0, 1] (negative values mean 0, as in torch)
        Index targets: ``(1-ε)·nll + (ε/C)·Σ_c w_c (lse - x_c)``, both terms masked and divided alike.
        Probability targets: ``t ← (1-ε) t + ε/C``.

    Returns a Tensor: the loss per position for 'none' (input's shape without the class axis), else 0-dim.

    Gradient (index targets, per valid position, before the mean's division):
    ``(1-ε) w_y (p - onehot(y)) + (ε/C)(W p - w)`` with ``p = softmax(x)``, ``W = Σ_c w_c``. Probability
    targets: ``(Σ_c w_c t'_c) p - w t'`` for the input and ``-(1-ε) w log_softmax(x)`` for the target.

    >>> import minigrad
    >>> x = minigrad.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> cross_entropy(x, minigrad.tensor([0, 2]), reduction="none")
    tensor([0.2395, 1.0986])
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    reduction = check_reduction(reduction)
    ignore_index = _check_arguments(input, target, weight, ignore_index, "cross_entropy_loss")
    eps = float(label_smoothing)
    if input.shape == target.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, eps)
    if eps > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    _check_float_input(input, "log_softmax_lastdim_kernel_impl")
    targets = _check_index_target(input, target, weight)
    return CrossEntropyLoss.apply(
        input,
        reduction=reduction,
        target=targets,
        weight=_weight_array(weight),
        ignore_index=ignore_index,
        label_smoothing=max(eps, 0.0),
    )


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, eps):
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{torch_dtype_name(target._data.dtype)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if input.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
            f"no classes but got weight tensor of shape: {format_size(weight.shape)}"
        )
    if eps > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {eps:g}")
    _check_float_input(input, "log_softmax_lastdim_kernel_impl")
    if weight is not None and weight.requires_grad and grad_mode.is_grad_enabled():
        # the kernel has no weight gradient: differentiate the definition itself
        return cross_entropy_probs_composite(input, target, weight, max(eps, 0.0), reduction)
    return CrossEntropyProbsLoss.apply(
        input, target, reduction=reduction, weight=_weight_array(weight), label_smoothing=max(eps, 0.0)
    )
