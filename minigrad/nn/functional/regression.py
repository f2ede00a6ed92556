"""Regression losses: ``l1_loss``, ``mse_loss``, ``smooth_l1_loss``, ``huber_loss`` (PyTorch 2.13 semantics).

``target`` broadcasts against ``input`` (a size mismatch only warns, as in torch) and ``'mean'`` divides by the
element count of the *broadcast* loss. Both ``input`` and ``target`` are differentiable.

``l1_loss`` is composed from Tensor ops, as torch's is (at ``d = 0`` its gradient is ``sign(0) = 0``). MSE, smooth
L1 and Huber are fused kernels in torch, and here too: each is one autograd node (:class:`ElementwiseLoss`, which
probabilistic.py's binary cross-entropies and soft margin share) around a kernel of
``minigrad._kernels.elementwise_losses`` that computes the loss and its gradient in one pass. The backward only
multiplies the cached gradient by the upstream one. With ``create_graph=True`` it writes the gradient with Tensor
ops instead, so it can be differentiated again (torch's second derivatives: ``1/beta`` for smooth L1 and 1 for
Huber strictly inside the quadratic zone, 0 outside). float16 is computed in float32 and rounded once.

>>> import minigrad
>>> from minigrad.nn.functional.regression import smooth_l1_loss
>>> x = minigrad.tensor([0.0, 0.5, 2.0], requires_grad=True)
>>> loss = smooth_l1_loss(x, minigrad.zeros(3), reduction="sum")    # 0 + 0.125 + 1.5
>>> loss.backward(); x.grad
tensor([0.0, 0.5, 1.0])
"""
import math
import warnings

import numpy as np

from ..._dtype import result_type
from ..._kernels import elementwise_losses as _kernels
from ..._threads import get_num_threads
from ...autograd import grad_mode
from ...autograd.function import LegacyFunction as Function
from ...ops._util import recording, wrap
from ...ops.shape import sum_to
from ._reduction import (broadcast_shape, check_reduction, format_size, legacy_reduction, reduce_loss,
                         torch_dtype_name)

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"]


# ------------------------------------------------------------------------------------------ the fused node
def kernel_dtypes(result):
    """(result dtype, kernel dtype): the kernels run in float32 or float64, so float16 is computed in float32."""
    return result, np.dtype(np.float32) if result == np.float16 else result


def kernel_operand(array, shape, dtypes):
    """``array`` broadcast to ``shape`` as a flat C-contiguous array of the kernel's dtype (a view of ``array`` when
    it already is one). ``dtypes`` is a ``kernel_dtypes`` pair: the array is converted to the result dtype first,
    as torch's promotion does (an int64 of 2^31 becomes inf in float16), then to the kernel's."""
    result, kernel = dtypes
    if array.shape != shape or array.dtype != kernel or not array.flags.c_contiguous:
        if array.dtype != result:
            with np.errstate(over="ignore"):
                array = array.astype(result)
        array = np.ascontiguousarray(np.broadcast_to(array, shape), dtype=kernel)
    return array.reshape(-1)


def _shaped(array, shape):
    """A kernel's flat output (or None) given ``shape`` in place; the size is the same, so only the shape changes.
    A reshaped view would not own its data, and the engine copies such an array before making it a ``.grad``."""
    if array is not None and array.shape != shape:
        array.resize(shape, refcheck=False)
    return array


def _scale(cache, upstream):
    """``cache *= upstream`` in place: one upstream value (a reduced loss), or one per element ('none')."""
    if upstream.ndim:
        cache *= upstream
    elif upstream != 1:
        cache *= cache.dtype.type(upstream)


class ElementwiseLoss(Function):
    """One node for a loss computed elementwise by a fused kernel, reduced or not.

    ``forward(input, target, x, y, reduction, shape, dtypes, params)``: ``x`` and ``y`` are input and target as
    ``kernel_operand``s of the loss's (broadcast) ``shape``, ``dtypes`` their ``kernel_dtypes`` pair and ``params``
    what the kernel takes besides (beta, weights). A subclass defines

    * ``kernel(need_grad, target_grad)``: its kernel's ``(loss, grad_x, grad_y)`` on ``self.x``, ``self.y`` with
      ``self.grad_scale`` (1/numel for 'mean', else 1) and ``self.reduce``;
    * ``derivatives(x, y, upstream)``: ``(grad_x, grad_y)`` as Tensor ops on the inputs ``x``, ``y`` (in the
      kernel's dtype, not yet broadcast) times ``upstream`` (the upstream gradient times ``grad_scale``). The
      backward uses them under ``create_graph=True``, so that the gradient can be differentiated again;
    * ``difference = True`` for a loss of ``x - y``: its target's gradient is ``-grad_x`` (``grad_y`` is None).

    The forward caches the gradients; the backward multiplies them by the upstream gradient in place and hands
    them over, not copied. A second backward through a retained graph computes them again, since the receiver
    may have changed them.
    """

    difference = False

    def forward(self, input, target, x, y, reduction, shape, dtypes, params):
        self.inputs, self.x, self.y, self.shape, self.dtypes, self.params = (input, target), x, y, shape, dtypes, params
        self.reduce = reduction != "none"
        numel = x.size
        self.grad_scale = 1.0 / numel if reduction == "mean" and numel else 1.0
        enabled = grad_mode.is_grad_enabled()
        loss, *self.cache = self.run(enabled and input.requires_grad, enabled and target.requires_grad)
        if not self.reduce:
            return _shaped(loss, shape).astype(dtypes[0], copy=False)
        if reduction == "mean":
            loss = loss / numel if numel else math.nan
        with np.errstate(over="ignore"):  # a float16 result may overflow, as torch's does
            return np.asarray(loss, dtype=dtypes[0])

    def call_kernel(self, kernel, options, need_grad, target_grad=False, n_grads=1):
        """``kernel(x, y, *options, grad_scale, loss_out, grad_out[, grad_target_out], threads)`` on fresh outputs;
        returns ``(loss or its sum, grad_x, grad_y)`` (None where not computed)."""
        loss = None if self.reduce else np.empty_like(self.x)
        grads = [np.empty_like(self.x) if need_grad else None,
                 np.empty_like(self.x) if need_grad and target_grad else None]
        total = kernel(self.x, self.y, *options, self.grad_scale, loss, *grads[:n_grads], get_num_threads())
        return (total if self.reduce else loss), grads[0], grads[1]

    def run(self, need_x, need_y):
        """The kernel: (loss, grad_x, grad_y), the gradients shaped like the loss (None where not computed)."""
        loss, grad_x, grad_y = self.kernel(need_x or need_y, need_y)
        return loss, _shaped(grad_x, self.shape), _shaped(grad_y, self.shape)

    def backward(self, grad):
        gradients = self.recorded_gradients(grad) if recording() else self.scaled_gradients(grad)
        return (*gradients, None, None, None, None, None, None)

    def scaled_gradients(self, grad):
        need_x, need_y = self.needs_input_grad[:2]
        grad_x, grad_y = self.cache if self.cache is not None else self.run(need_x, need_y)[1:]
        self.cache = None
        for cache, used in ((grad_x, need_x or need_y and self.difference), (grad_y, need_y)):
            if used and cache is not None:
                _scale(cache, grad._data)
        if need_y and self.difference:
            grad_y = np.negative(grad_x) if need_x else np.negative(grad_x, out=grad_x)
        return [_as_gradient(wrap(g), t) if need else None
                for g, t, need in zip((grad_x, grad_y), self.inputs, (need_x, need_y))]

    def recorded_gradients(self, grad):
        result, kernel = self.dtypes
        x, y = (t.to(result).to(kernel) for t in self.inputs)
        grad_x, grad_y = self.derivatives(x, y, grad.to(kernel) * self.grad_scale)
        if self.difference:
            grad_y = -grad_x
        return [_as_gradient(g, t) if need and g is not None else None
                for g, t, need in zip((grad_x, grad_y), self.inputs, self.needs_input_grad)]


def _as_gradient(gradient, tensor):
    """A gradient Tensor of the loss's shape summed back to ``tensor``'s shape (broadcasting) and dtype."""
    return sum_to(gradient, tensor.shape).to(tensor.dtype)


def fused_loss(function, input, target, shape, dtypes, reduction, *params):
    """``function`` (an :class:`ElementwiseLoss`) of input and target broadcast to ``shape``."""
    x, y = (kernel_operand(t._data, shape, dtypes) for t in (input, target))
    return function.apply(input, target, x, y, reduction, shape, dtypes, params)


class MseLoss(ElementwiseLoss):
    """``l = (x - y)²``; ``dl/dx = 2 (x - y) = -dl/dy``."""

    difference = True

    def kernel(self, need_grad, target_grad):
        return self.call_kernel(_kernels.mse, (), need_grad)

    def derivatives(self, x, y, upstream):
        return (x - y) * (upstream * 2), None


class SmoothL1Loss(ElementwiseLoss):
    """``params = (beta,)``, beta > 0: ``dl/dx = (x - y) / beta`` where ``|x - y| < beta``, else ``sign(x - y)``;
    ``dl/dy = -dl/dx``."""

    difference = True

    def kernel(self, need_grad, target_grad):
        return self.call_kernel(_kernels.smooth_l1, self.params, need_grad)

    def derivatives(self, x, y, upstream):
        beta, = self.params
        d = x - y
        return (d / beta).where(_inside(d, beta), d.sign()) * upstream, None


class HuberLoss(ElementwiseLoss):
    """``params = (delta,)``, delta > 0: ``dl/dx = x - y`` where ``|x - y| < delta``, else ``±delta``;
    ``dl/dy = -dl/dx``."""

    difference = True

    def kernel(self, need_grad, target_grad):
        return self.call_kernel(_kernels.huber, self.params, need_grad)

    def derivatives(self, x, y, upstream):
        delta, = self.params
        d = x - y
        return d.where(_inside(d, delta), d.sign() * delta) * upstream, None


def _inside(d, bound):
    """Where ``d`` is in the quadratic zone ``|d| < bound`` of smooth L1 and Huber, or nan: a nan difference keeps a
    nan gradient there, as in torch (``sign(nan)`` is 0)."""
    return ~(np.abs(d._data) >= bound)


# ---------------------------------------------------------------------------------------------- helpers
def _target_shape(input, target):
    """The loss's shape, after torch's checks: a warning when the sizes differ, an error when they cannot
    broadcast. (Called by the loss functions themselves, so that the warning points at their caller.)"""
    if target.shape == input.shape:
        return input.shape
    warnings.warn(f"Using a target size ({format_size(target.shape)}) that is different to the input size "
                  f"({format_size(input.shape)}). This will likely lead to incorrect results due to "
                  "broadcasting. Please ensure they have the same size.", stacklevel=3)
    return broadcast_shape(input.shape, target.shape)


def _promoted_dtypes(input, target, shape, kernel_name):
    """torch's fused loss kernels (named ``kernel_name``) promote input and target, broadcast to the loss's
    ``shape``, to their common dtype, which must be floating: a bool operand works there, while the composite L1
    refuses it. Returns ``kernel_dtypes``. (Broadcast first, as torch's wrappers do: a 0-d float64 target then
    counts fully against a float32 input, which gives float64.)"""
    result = result_type(*(np.broadcast_to(t._data, shape) for t in (input, target)))
    if result.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(result)}'")
    return kernel_dtypes(result)


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
    shape = _target_shape(input, target)
    if weight is not None:
        return _weighted(lambda: _difference(input, target, shape).abs(), weight, input, reduction,
                         mean_by_weight=True)
    return reduce_loss(_difference(input, target, shape).abs(), check_reduction(reduction))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ``l = (x - y)²``.

    Shapes and reductions as :func:`l1_loss`. Gradient ``2 (x - y)`` (``-2 (x - y)`` for the target).
    ``weight`` (same size as ``input``): ``'mean'`` is ``Σ w d² / Σ w``. Floating dtypes only, except with
    ``weight``, which torch computes with tensor ops (integers work there, bools raise).

    >>> import minigrad
    >>> mse_loss(minigrad.tensor([1.0, -2.0]), minigrad.tensor([0.0, 0.0]))
    tensor(2.5)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    shape = _target_shape(input, target)
    if weight is not None:  # torch's weighted path is composite, so integer inputs work and bools do not
        return _weighted(lambda: _difference(input, target, shape) ** 2, weight, input, reduction,
                         mean_by_weight=True)
    dtypes = _promoted_dtypes(input, target, shape, "mse_cpu")
    return fused_loss(MseLoss, input, target, shape, dtypes, check_reduction(reduction))


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
    shape = _target_shape(input, target)
    if beta == 0.0:  # torch's Python wrapper hands beta == 0 to the L1 kernel
        return reduce_loss(_difference(input, target, shape).abs(), check_reduction(reduction))
    dtypes = _promoted_dtypes(input, target, shape, "smooth_l1_cpu")
    reduction = check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return fused_loss(SmoothL1Loss, input, target, shape, dtypes, reduction, float(beta))


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
    shape = _target_shape(input, target)

    def huber(reduction):
        dtypes = _promoted_dtypes(input, target, shape, "huber_cpu")
        if delta <= 0:
            raise RuntimeError("huber_loss does not support non-positive values for delta.")
        return fused_loss(HuberLoss, input, target, shape, dtypes, reduction, float(delta))
    if weight is not None:  # torch too weights the unreduced fused loss
        return _weighted(lambda: huber("none"), weight, input, reduction, mean_by_weight=False)
    return huber(check_reduction(reduction))
