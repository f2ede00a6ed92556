"""Classification losses over class scores: ``nll_loss`` and ``cross_entropy`` (PyTorch 2.13 semantics,
spec/losses.md §2.1-2.5).

The class axis is dim 1 (dim 0 for an unbatched 1-D input); every other axis is a position. With
``lp = log_softmax(x)`` over the class axis, ``w`` the class weights (1 without ``weight``), ``W = Σ_c w_c``,
``ε`` the label smoothing and ``w'_n = w[y_n]·[y_n != ignore_index]``:

* ``nll_loss(x, y)``:                  ``l_n = -w'_n x[n, y_n]``
* ``cross_entropy(x, y)`` (indices):   ``l_n = (1-ε) w'_n (lse_n - x[n, y_n]) + (ε/C) [y_n valid] Σ_c w_c (lse_n - x[n,c])``
* ``cross_entropy(x, t)`` (``t.shape == x.shape``: probabilities, ``t' = (1-ε) t + ε/C``):
  ``l_n = -Σ_c w_c t'[n,c] lp[n,c]``

``'mean'`` is ``Σ l_n / Σ w'_n`` for index targets (nan when nothing counts) and ``Σ l_n / (numel / C)`` for
probabilities. Each loss is one autograd node around a compiled kernel (``minigrad._kernels.cross_entropy``)
that returns the losses and the gradient in one pass; the backward only scales the cached gradient, e.g.
``dL/dx[n,:] = w'_n (softmax(x_n) - onehot(y_n)) / Σ w'`` for the plain mean. Under ``create_graph=True`` the
backward is the same formula written with differentiable Tensor ops, so second derivatives are right.

>>> import minigrad
>>> x = minigrad.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
>>> loss = cross_entropy(x, minigrad.tensor([2]))       # logsumexp(x) - x[2]
>>> loss.backward(); loss, x.grad
(tensor(0.4076, grad_fn=<CrossEntropyLossBackward>), tensor([[ 0.0900,  0.2447, -0.3348]]))
"""
import math
import operator

import numpy as np

from ..._kernels import cross_entropy as _kernel
from ..._threads import get_num_threads
from ...autograd import grad_mode
from ...autograd.function import LegacyFunction as Function
from ...ops._util import recording, wrap
from ...ops.activation import log_softmax, softmax
from ._checks import require_tensor
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
        self.loss_shape = shape[:self.class_axis] + shape[self.class_axis + 1:]   # the unreduced loss
        self.row_shape = (math.prod(self.loss_shape), shape[self.class_axis])

    def to_rows(self, array, dtype):
        if array.ndim > 2:
            array = np.moveaxis(array, 1, -1)
        array = np.ascontiguousarray(array, dtype=dtype)
        return array if array.shape == self.row_shape else array.reshape(self.row_shape)

    def from_rows(self, rows):
        if rows.shape == self.shape:
            return rows   # not even a view: the autograd engine stores an array it owns without copying it
        if len(self.shape) <= 2:
            return rows.reshape(self.shape)
        return np.moveaxis(rows.reshape(self.loss_shape + self.shape[1:2]), -1, 1)

    @property
    def class_shape(self):
        """Shape that makes a (C,) vector broadcast along the class axis of the input."""
        return (-1,) + (1,) * (len(self.shape) - 1 - self.class_axis)

    def upstream(self, grad, reduction):
        """The upstream gradient Tensor shaped to broadcast against the input."""
        return grad.unsqueeze(self.class_axis) if reduction == "none" else grad


def _compute_dtype(dtype):
    """Kernels run in float32 or float64; float16 is computed in float32 and rounded at the end."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


# --------------------------------------------------------------------------------------------------------------
# Argument checks, with torch's exception types and messages (spec §2.1-2.2, §2.5).

def _check_arguments(input, target, weight, ignore_index, function):
    """Types of the arguments; returns ignore_index as an int."""
    require_tensor(input, "input", 1, function)
    require_tensor(target, "target", 2, function)
    if weight is not None:
        require_tensor(weight, "weight", 3, function)
    if isinstance(ignore_index, (bool, np.bool_)) or not hasattr(ignore_index, "__index__"):
        raise TypeError(f"{function}(): argument 'ignore_index' (position 5) must be int, not "
                        f"{type(ignore_index).__name__}")
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
            raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                               f"but got weight tensor of shape: {format_size(weight.shape)}")
    else:
        if len(shape) == 4 and len(tshape) != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {len(tshape)}")
        if len(shape) == 4 and tshape[1:] != shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {format_size(shape)} , target: {format_size(tshape)}")
        if tshape[1:] != shape[2:]:
            raise RuntimeError(f"Expected target size {format_size(shape[:1] + shape[2:])}, got "
                               f"{format_size(tshape)}")
        if weight is not None and weight._data.size != shape[1]:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
    _check_target_dtype(target)
    if weight is not None:
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected scalar type {torch_dtype_name(input._data.dtype)} but found "
                               f"{torch_dtype_name(weight._data.dtype)}")
        if weight.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError("The function 'nll_loss_forward' is not differentiable with respect to argument "
                               "'weight'. This input cannot have requires_grad True.")
    return np.ascontiguousarray(target._data, dtype=np.int64).reshape(-1)


def _check_target_dtype(target):
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {torch_dtype_name(target._data.dtype)}")


def _check_float_input(input, kernel_name):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(input._data.dtype)}'")


def _weight_rows(weight, dtype):
    return None if weight is None else np.ascontiguousarray(weight._data, dtype=dtype).reshape(-1)


def _reduced(loss_sum, denominator, reduction, dtype):
    """The reduced loss as a 0-d array; IEEE division, so 0/0 is nan like torch's empty mean."""
    if reduction == "sum":
        return np.asarray(loss_sum, dtype=dtype)
    if denominator:
        return np.asarray(loss_sum / denominator, dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.float64(loss_sum) / denominator, dtype=dtype)


# --------------------------------------------------------------------------------------------------------------
# Autograd nodes.

class _FusedLoss(Function):
    """Shared backward of the fused cross-entropy losses: scale the cached input gradient.

    ``self.cached`` holds, in the input's layout, the gradient for an upstream gradient of 1 (already divided
    for 'mean'). It is scaled in place and handed over, not copied; a later backward through the same graph
    (``retain_graph=True``) asks ``compute_input_grad`` for it again, since the receiver may have changed it.
    """

    def scaled_input_grad(self, grad):
        cached, self.cached = self.cached, None
        if cached is None:
            cached = self.compute_input_grad()
        g = grad._data
        if self.reduction == "none":
            cached *= np.expand_dims(g.astype(cached.dtype, copy=False), self.rows.class_axis)
        elif g != 1:
            cached *= cached.dtype.type(g)
        return wrap(cached.astype(self.input_dtype, copy=False))


class CrossEntropyLoss(_FusedLoss):
    """Cross-entropy with class-index targets (optionally weighted, ignoring, label-smoothed).

    (N, C, d1..dK) inputs go to the column kernel as (N, C, D) without moving the class axis (measured on
    (16, 21, 64, 64): a transposing copy there and back cost more than torch's whole forward+backward);
    the others go to the row kernel as (positions, C) rows.
    """

    def forward(self, input, target_rows, weight, ignore_index, label_smoothing, reduction, need_grad):
        self.save_for_backward(input)
        self.rows = rows = _Rows(input.shape)
        self.input_dtype = input._data.dtype
        dtype = _compute_dtype(self.input_dtype)
        if input.ndim > 2:
            self.x_kernel = np.ascontiguousarray(input._data, dtype=dtype).reshape(
                input.shape[:2] + (math.prod(input.shape[2:]),))
        else:
            self.x_kernel = rows.to_rows(input._data, dtype)
        self.target_rows, self.weight_rows = target_rows, _weight_rows(weight, dtype)
        self.ignore_index, self.label_smoothing, self.reduction = ignore_index, label_smoothing, reduction
        losses = np.empty(rows.row_shape[0], dtype)
        self.cached = np.empty(input.shape, dtype) if need_grad else None
        self.run(losses, self.cached)
        if reduction == "none":
            return losses.reshape(rows.loss_shape).astype(self.input_dtype, copy=False)
        return _reduced(self.loss_sum, self.weight_sum, reduction, self.input_dtype)

    def run(self, losses, grad):
        """The kernel: per-position losses into ``losses``; the gradient (input-shaped, or None) into ``grad``."""
        kernel = _kernel.cross_entropy_index_columns if self.x_kernel.ndim == 3 else _kernel.cross_entropy_index
        self.weight_sum = _kernel.valid_weight_sum(self.target_rows, self.x_kernel.shape[1], self.weight_rows,
                                                   self.ignore_index)
        with np.errstate(divide="ignore"):
            scale = 1.0 / np.float64(self.weight_sum) if self.reduction == "mean" else 1.0
        self.loss_sum = kernel(
            self.x_kernel, self.target_rows, self.weight_rows, self.ignore_index, self.label_smoothing, scale,
            losses, None if grad is None else grad.reshape(self.x_kernel.shape), get_num_threads())

    def compute_input_grad(self):
        grad = np.empty(self.rows.shape, self.x_kernel.dtype)
        self.run(np.empty(self.rows.row_shape[0], self.x_kernel.dtype), grad)
        return grad

    def backward(self, grad):
        input_grad = self.differentiable_grad(grad) if recording() else self.scaled_input_grad(grad)
        return (input_grad,) + (None,) * 6

    def differentiable_grad(self, grad):
        """``G c_n [(1-ε) w_y (p - onehot(y)) + (ε/C)(W p - w)]`` with p = softmax(input) recorded, written
        as ``G (a_n p - B_n)``: ``a`` (per position) and ``B`` (per position and class) are constants, and
        ``c_n`` is 1 (or 1/Σw' for 'mean') on valid positions, 0 on ignored ones."""
        input, = self.saved
        target, eps, rows = self.target_rows, self.label_smoothing, self.rows
        positions, classes = rows.row_shape
        weight = self.weight_rows if self.weight_rows is not None else np.ones(classes)
        valid = target != self.ignore_index
        w_y = np.where(valid, weight[np.where(valid, target, 0)], 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = valid / self.weight_sum if self.reduction == "mean" else valid * 1.0
        a = c * ((1 - eps) * w_y + eps * weight.sum() / classes)
        b = np.outer(c * eps / classes, weight)
        b[np.arange(positions)[valid], target[valid]] += c[valid] * (1 - eps) * w_y[valid]
        dtype = input._data.dtype
        a = np.expand_dims(a.reshape(rows.loss_shape), rows.class_axis).astype(dtype)
        b = rows.from_rows(b).astype(dtype)
        return (softmax(input, rows.class_axis) * wrap(a) - wrap(b)) * rows.upstream(grad, self.reduction)


class CrossEntropyProbsLoss(_FusedLoss):
    """Cross-entropy with class-probability targets; differentiable w.r.t. the targets and the weight too."""

    def forward(self, input, target, weight, label_smoothing, reduction, need_grad):
        self.save_for_backward(input, target, weight)
        self.rows = rows = _Rows(input.shape)
        self.input_dtype = input._data.dtype
        # the result has the promoted dtype of input, target and weight (float16 stays float16)
        result_dtype = np.result_type(*(a._data.dtype for a in (input, target, weight) if a is not None and
                                        a._data.dtype.kind == "f"))
        dtype = _compute_dtype(result_dtype)
        self.x_rows, self.t_rows, self.weight_rows = (rows.to_rows(input._data, dtype),
                                                      rows.to_rows(target._data, dtype), _weight_rows(weight, dtype))
        self.label_smoothing, self.reduction = label_smoothing, reduction
        positions, classes = rows.row_shape
        self.grad_scale = 1.0 / positions if reduction == "mean" and positions else 1.0
        need_input_grad, need_target_grad = need_grad
        losses = np.empty(positions, dtype)
        grad = np.empty_like(self.x_rows) if need_input_grad else None
        self.target_grad = np.empty_like(self.x_rows) if need_target_grad else None
        loss_sum = self.run(losses, grad, self.target_grad)
        self.cached = None if grad is None else rows.from_rows(grad)
        if reduction == "none":
            return losses.reshape(rows.loss_shape).astype(result_dtype, copy=False)
        # 'mean' divides by the number of positions, numel / C (nan when C == 0, like torch)
        return _reduced(loss_sum, np.divide(np.float64(input._data.size), classes), reduction, result_dtype)

    def run(self, losses, grad, target_grad):
        return _kernel.cross_entropy_probs(self.x_rows, self.t_rows, self.weight_rows, self.label_smoothing,
                                           self.grad_scale, losses, grad, target_grad, get_num_threads())

    def compute_input_grad(self):
        grad = np.empty_like(self.x_rows)
        self.run(np.empty(self.rows.row_shape[0], self.x_rows.dtype), grad, None)
        return self.rows.from_rows(grad)

    def backward(self, grad):
        input, target, weight = self.saved
        if recording() or (weight is not None and weight.requires_grad):
            return self.differentiable_grads(grad) + (None,) * 3
        input_grad = self.scaled_input_grad(grad) if self.needs_input_grad[0] else None
        target_grad = None
        if self.needs_input_grad[1]:
            g = grad._data.reshape(-1, 1) if self.reduction == "none" else grad._data
            target_grad = wrap(self.rows.from_rows(self.target_grad * g).astype(target._data.dtype, copy=False))
        return input_grad, target_grad, None, None, None, None

    def differentiable_grads(self, grad):
        """The gradients as recorded Tensor ops, each times G (and 1/positions for 'mean'):
        ``dx = (Σ_c w t') p - w t'``, ``dt = -(1-ε) w lp``, ``dw = -Σ_positions t' lp``."""
        input, target, weight = self.saved
        eps, rows = self.label_smoothing, self.rows
        upstream = rows.upstream(grad, self.reduction) * self.grad_scale
        smoothed = target * (1 - eps) + eps / max(rows.row_shape[1], 1) if eps > 0 else target  # C = 0: all empty
        w = 1.0 if weight is None else weight.reshape(rows.class_shape)
        lp = log_softmax(input, rows.class_axis)
        weighted = smoothed * w
        input_grad = (weighted.sum(rows.class_axis, keepdim=True) * lp.exp() - weighted) * upstream
        target_grad = -(1 - eps) * w * lp * upstream
        weight_grad = None
        if weight is not None and weight.requires_grad:
            weight_grad = -(smoothed * lp * upstream)
            other_axes = tuple(i for i in range(input.ndim) if i != rows.class_axis)
            if other_axes:
                weight_grad = weight_grad.sum(other_axes)
            weight_grad = weight_grad.to(weight.dtype)
        return input_grad.to(input.dtype), target_grad.to(target.dtype), weight_grad


class NllLoss(Function):
    """Negative log-likelihood of log-probability inputs. Its gradient has one non-zero entry per position, so it
    is built in the backward, already times the upstream gradient, instead of being cached."""

    def forward(self, input, target_rows, weight, ignore_index, reduction):
        self.rows = rows = _Rows(input.shape)
        self.input_dtype = input._data.dtype
        dtype = _compute_dtype(self.input_dtype)
        self.target_rows, self.weight_rows = target_rows, _weight_rows(weight, dtype)
        self.ignore_index, self.reduction = ignore_index, reduction
        losses = np.empty(rows.row_shape[0], dtype)
        self.x_rows = rows.to_rows(input._data, dtype)
        self.weight_sum = _kernel.valid_weight_sum(target_rows, self.x_rows.shape[1], self.weight_rows, ignore_index)
        loss_sum = _kernel.nll(self.x_rows, target_rows, self.weight_rows, ignore_index, 1.0, losses, None,
                               get_num_threads())
        if reduction == "none":
            return losses.reshape(rows.loss_shape).astype(self.input_dtype, copy=False)
        return _reduced(loss_sum, self.weight_sum, reduction, self.input_dtype)

    def input_grad(self, upstream):
        """``-w'_n [c == y_n] · upstream_n`` (÷ Σ w' for 'mean') in the input's layout and dtype; ``upstream``
        has one value per position ('none') or one value."""
        dtype = _compute_dtype(self.input_dtype)
        grad = np.empty(self.rows.row_shape, dtype)
        with np.errstate(divide="ignore"):
            scale = 1.0 / np.float64(self.weight_sum) if self.reduction == "mean" else 1.0
        _kernel.nll(self.x_rows, self.target_rows, self.weight_rows, self.ignore_index, scale,
                    np.empty(len(grad), dtype), grad, get_num_threads())
        upstream = np.asarray(upstream, dtype)
        grad *= upstream.reshape(-1, 1) if self.reduction == "none" else upstream.reshape(())
        return self.rows.from_rows(grad).astype(self.input_dtype, copy=False)

    def backward(self, grad):
        if recording():  # linear in the upstream gradient, constant in the input
            input_grad = wrap(self.input_grad(np.ones(1))) * self.rows.upstream(grad, self.reduction)
        else:
            input_grad = wrap(self.input_grad(grad._data))
        return input_grad, None, None, None, None


# --------------------------------------------------------------------------------------------------------------
# The functions.

def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
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
    tensor(1.25)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    reduction = check_reduction(reduction)
    ignore_index = _check_arguments(input, target, weight, ignore_index, "nll_loss_nd")
    targets = _check_index_target(input, target, weight)
    _check_float_input(input, "nll_loss_out_frame")
    return NllLoss.apply(input, targets, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
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
    need_grad = input.requires_grad and grad_mode.is_grad_enabled()
    return CrossEntropyLoss.apply(input, targets, weight, ignore_index, max(eps, 0.0), reduction, need_grad)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, eps):
    if target._data.dtype.kind != "f":
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{torch_dtype_name(target._data.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if input.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
                           f"no classes but got weight tensor of shape: {format_size(weight.shape)}")
    if eps > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {eps:g}")
    _check_float_input(input, "log_softmax_lastdim_kernel_impl")
    enabled = grad_mode.is_grad_enabled()
    need_grad = (input.requires_grad and enabled, target.requires_grad and enabled)
    return CrossEntropyProbsLoss.apply(input, target, weight, max(eps, 0.0), reduction, need_grad)
