"""Margin losses (PyTorch 2.13 semantics, spec/losses.md §4): ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_loss``, ``hinge_embedding_loss`` and ``margin_ranking_loss``.

Each is one autograd Function around a fused Cython kernel (``minigrad._kernels.margin``) that computes the loss
*and* its gradient in one pass. The gradient, already multiplied by the reduction's scale (1/numel for 'mean'), is
cached; the backward only multiplies it by the upstream gradient.

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
* Second derivatives (``create_graph=True``) exist for all five; PyTorch has none for multi-margin and
  multilabel-margin. Where a loss is piecewise linear in its input the cached gradient enters as a constant (the
  second derivative is 0 almost everywhere); multi_margin with p = 2, triplet with p = 2 and margin_ranking (whose
  input gradient depends on the target) rebuild their gradient from Tensor ops. A double backward through triplet
  with p other than 1 and 2 raises.

>>> import minigrad
>>> x = minigrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
>>> loss = multi_margin_loss(x, minigrad.tensor([3]))
>>> loss
tensor(0.325, grad_fn=<MultiMarginLossBackward>)
>>> loss.backward(); x.grad
tensor([[ 0.25,  0.25,  0.25, -0.75]])
"""
import math

import numpy as np

from ..._kernels import elementwise_losses as _elementwise_kernels
from ..._kernels import margin as _kernels
from ..._threads import get_num_threads
from ...autograd import grad_mode
from ...autograd.function import LegacyFunction as Function
from ...ops._util import recording, wrap
from ...ops.shape import sum_to
from ._reduction import broadcast_shape, format_size, reduce_loss, resolve_reduction, torch_dtype_name
from ._checks import not_differentiable, require_tensor
from .embedding import pairwise_distance, triplet_margin_with_distance_loss

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss", "hinge_embedding_loss",
           "margin_ranking_loss"]


# ------------------------------------------------------------------------------------------------ helpers
def _dtypes(*arrays):
    """(result dtype, kernel dtype): NumPy promotion of the floating arrays, float32 when there are none.
    The kernels run in float32 or float64, so a float16 result is computed in float32."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    result = np.result_type(*floats) if floats else np.dtype(np.float32)
    return result, np.dtype(np.float32) if result == np.float16 else result


def _kernel_array(array, shape, dtypes):
    """``array`` broadcast to ``shape`` as a C-contiguous array of the kernel's dtype (itself when it already is
    one). ``dtypes`` is the pair from ``_dtypes``: the array is converted to the result dtype first, as torch's
    promotion does (an int64 of 2^31 becomes inf in float16), then to the kernel's."""
    result, kernel = dtypes
    if array.shape == shape and array.dtype == kernel and array.flags.c_contiguous:
        return array
    if array.dtype != result:
        with np.errstate(over="ignore"):
            array = array.astype(result)
    return np.ascontiguousarray(np.broadcast_to(array, shape), dtype=kernel)


def _common_shape(*shapes):
    """The broadcast of ``shapes`` (torch's error when they do not broadcast)."""
    return shapes[0] if all(shape == shapes[0] for shape in shapes) else broadcast_shape(*shapes)


def _needs_grad(*tensors):
    return grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors)


def _grad_scale(reduction, numel):
    """What the reduction multiplies each element's gradient by: 1/numel for 'mean', else 1."""
    return 1.0 / numel if reduction == "mean" and numel else 1.0


def _reduced(loss, reduction, numel, shape, dtype, empty_mean=math.nan):
    """The kernel's loss reduced: for 'none' the per-row or per-element array as ``shape``; otherwise the sum (the
    kernel's own float sum, or the sum of its float64 rows), divided by ``numel`` for 'mean'."""
    if reduction == "none":
        return loss.reshape(shape).astype(dtype, copy=False)
    total = float(loss.sum()) if isinstance(loss, np.ndarray) else loss
    if reduction == "mean":
        total = total / numel if numel else empty_mean
    return np.asarray(total, dtype=dtype)


def _shaped(array, shape):
    """``array`` as ``shape`` (itself when it already has it: a reshaped view would be copied by the engine)."""
    return array if array.shape == tuple(shape) else array.reshape(shape)


def _to_input(gradient, tensor):
    """A gradient of the broadcast shape (a Tensor), summed and cast back to ``tensor``'s shape and dtype."""
    return sum_to(gradient, tensor.shape).to(tensor.dtype)


def _upstream(grad, cache):
    """The upstream gradient (a Tensor of the loss's shape, a leading part of ``cache``'s) as a Tensor that
    broadcasts against ``cache``, in its dtype."""
    g = grad.to(cache.dtype)
    return g.reshape(*g.shape, *(1,) * (cache.ndim - g.ndim)) if g.ndim else g



def _row_outputs(x, n_grads, need_grad):
    """A row kernel's outputs: the losses (N,) and n_grads gradients like x (None without need_grad)."""
    return (np.empty(len(x), x.dtype), *(np.empty_like(x) if need_grad else None for _ in range(n_grads)))


def _elementwise_outputs(x, reduce, need_grad):
    """An elementwise kernel's loss (None when reduced: the kernel returns the sum) and gradient outputs."""
    return None if reduce else np.empty_like(x), np.empty_like(x) if need_grad else None

class _FusedLoss(Function):
    """Shared machinery of the five losses.

    A subclass's ``forward`` keeps its Tensor arguments in ``self.inputs`` (they come first among the forward's
    ``n_arguments`` positional arguments) and what its kernel needs, and ``run(need_grad)`` calls the kernel and
    returns ``(loss, gradients)``: one array per Tensor argument (None where not computed), each the gradient for
    an upstream gradient of 1 with the reduction's scale included, laid out like the loss's broadcast inputs.

    The backward multiplies the cached gradients by the upstream gradient in place and hands them over, not
    copied; a later backward through the same graph (``retain_graph=True``) computes them again, since the
    receiver may have changed them. Under create_graph the product is recorded instead, with the cached
    gradient as a constant (right where the loss is piecewise linear in its inputs; subclasses override
    ``recorded_gradients`` where it is not).
    """

    n_arguments = 0

    def cached_gradients(self, consume):
        gradients = self.gradients
        if consume:
            self.gradients = None
        return gradients if gradients is not None else self.run(True)[1]

    def backward(self, grad):
        if recording():
            gradients = self.recorded_gradients(grad)
        else:
            gradients = [None if cache is None or not needed else self.scaled(cache, grad, tensor)
                         for cache, tensor, needed in zip(self.cached_gradients(True), self.inputs,
                                                          self.needs_input_grad)]
        return (*gradients,) + (None,) * (self.n_arguments - len(gradients))

    def recorded_gradients(self, grad):
        return [None if cache is None else _to_input(wrap(cache) * _upstream(grad, cache), tensor)
                for cache, tensor in zip(self.cached_gradients(False), self.inputs)]

    @staticmethod
    def scaled(cache, grad, tensor):
        """``cache`` multiplied in place by the upstream ``grad``, as ``tensor``'s gradient."""
        g = grad._data
        if g.size == 1:
            if g.reshape(()) != 1:
                cache *= cache.dtype.type(g.reshape(()))
        else:
            cache *= g.reshape(g.shape + (1,) * (cache.ndim - g.ndim)).astype(cache.dtype, copy=False)
        if cache.shape == tensor.shape and cache.dtype == tensor._data.dtype:
            return wrap(cache)
        return _to_input(wrap(cache), tensor)


def _check_class_scores(x):
    """The multi-class losses take a non-empty vector of scores, a batch of them, or a 0-d score (one class)."""
    if not (x.ndim == 0 or (x.ndim in (1, 2) and x.shape[-1] != 0)):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{format_size(x.shape)}")


def _require_kernel_dtype(x, kernel_name):
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{torch_dtype_name(x.dtype)}'")


def _require_long(target):
    if target.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {torch_dtype_name(target.dtype)}")


def _require_subtractable(a, b):
    """torch refuses ``a - b`` when either is bool."""
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if np.bool_ in (a.dtype, b.dtype):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


def _require_negatable(a):
    if a.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


# ------------------------------------------------------------------------------------------ multi-margin
class MultiMarginLoss(_FusedLoss):
    """``forward(input, x, target, weight, p, margin, reduction, loss_shape)``: ``x`` is the input as an (N, C)
    array and ``weight`` the per-class weights (ones for none), both in the kernel's dtype."""

    n_arguments = 8

    def forward(self, input, x, target, weight, p, margin, reduction, loss_shape):
        self.inputs = (input,)
        self.x, self.target, self.weight, self.p, self.margin = x, target, weight, p, margin
        self.grad_scale = _grad_scale(reduction, len(x))
        loss, self.gradients = self.run(_needs_grad(input))
        return _reduced(loss, reduction, len(x), loss_shape, x.dtype)

    def run(self, need_grad):
        loss, gradient = _row_outputs(self.x, 1, need_grad)
        _kernels.multi_margin(self.x, self.target, self.weight, self.p, self.margin, self.grad_scale, loss, gradient,
                              get_num_threads())
        return loss, [None if gradient is None else _shaped(gradient, self.inputs[0].shape)]

    def recorded_gradients(self, grad):
        """p = 2 as Tensor ops: row n's gradient is ``h - e_y Σ_i h_i`` with ``h_i = 2 z_i s_n`` on the active
        classes, ``z = margin - x[y] + x`` and ``s_n = w[y] / C`` times the reduction's scale. (p = 1: the
        cached gradient, constant in the input.)"""
        if self.p == 1:
            return super().recorded_gradients(grad)
        (input,) = self.inputs
        n_rows, n_classes = self.x.shape
        rows = np.arange(n_rows)
        x = input.to(self.x.dtype).reshape(n_rows, n_classes)
        z = (self.margin - x[rows, self.target].reshape(n_rows, 1)) + x
        active = z._data > 0
        active[rows, self.target] = False
        row_scale = 2 * self.weight[self.target] / n_classes * self.grad_scale
        h = z * wrap(np.where(active, row_scale[:, None], 0).astype(self.x.dtype))
        target_column = np.zeros(self.x.shape, dtype=self.x.dtype)
        target_column[rows, self.target] = 1
        row_gradient = h - wrap(target_column) * h.sum(1, keepdim=True)
        upstream = grad.to(self.x.dtype).reshape(-1, 1)
        return [_to_input((row_gradient * upstream).reshape(input.shape), input)]


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
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
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n_rows}], but got {format_size(y.shape)}. "
                           f"Input has shape {format_size(x.shape)}.")
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {format_size(weight.shape)}")
    _require_kernel_dtype(x, "multi_margin_loss_cpu_kernel")
    _require_long(y)
    if weight is not None:
        if weight._data.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {torch_dtype_name(x.dtype)} but found "
                               f"{torch_dtype_name(weight._data.dtype)}")
        not_differentiable(weight, "weight", "multi_margin_loss")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise RuntimeError("target out of range")
    weights = np.ones(n_classes, x.dtype) if weight is None else np.ascontiguousarray(weight._data).reshape(-1)
    loss_shape = (n_rows,) if y.ndim else ()
    return MultiMarginLoss.apply(input, np.ascontiguousarray(x).reshape(n_rows, n_classes),
                                 np.ascontiguousarray(y).reshape(n_rows), weights, int(p), float(margin),
                                 reduction, loss_shape)


# ------------------------------------------------------------------------------------- multilabel margin
class MultiLabelMarginLoss(_FusedLoss):
    """``forward(input, x, target, reduction, loss_shape)``: ``x`` and ``target`` as (N, C) arrays."""

    n_arguments = 5

    def forward(self, input, x, target, reduction, loss_shape):
        self.inputs, self.x, self.target = (input,), x, target
        self.grad_scale = _grad_scale(reduction, len(x))
        loss, self.gradients = self.run(_needs_grad(input))
        return _reduced(loss, reduction, len(x), loss_shape, x.dtype, empty_mean=0.0)

    def run(self, need_grad):
        loss, gradient = _row_outputs(self.x, 1, need_grad)
        _kernels.multilabel_margin(self.x, self.target, self.grad_scale, loss, gradient, get_num_threads())
        return loss, [None if gradient is None else _shaped(gradient, self.inputs[0].shape)]


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
    tensor(0.85)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    require_tensor(input, "input", 1, "multilabel_margin_loss")
    require_tensor(target, "target", 2, "multilabel_margin_loss")
    x, y = input._data, target._data
    _check_class_scores(x)
    n_classes = x.shape[-1] if x.ndim else 1
    if not (y.shape == x.shape if x.ndim == 2 else y.ndim <= 1 and y.size == n_classes):
        raise RuntimeError(f"inconsistent target size: {format_size(y.shape)} for input of size: "
                           f"{format_size(x.shape)}")
    _require_kernel_dtype(x, "multilabel_margin_loss_forward_out_frame")
    _require_long(y)
    if y.size and (y.min() < -1 or y.max() >= n_classes):
        raise RuntimeError("argument #2 'target' is out of range")
    loss_shape = (x.shape[0],) if x.ndim == 2 else ()
    return MultiLabelMarginLoss.apply(input, np.ascontiguousarray(x).reshape(-1, n_classes),
                                      np.ascontiguousarray(y).reshape(-1, n_classes), reduction, loss_shape)


# ---------------------------------------------------------------------------------------------- triplet
class TripletMarginLoss(_FusedLoss):
    """``forward(anchor, positive, negative, arrays, margin, p, eps, swap, reduction, shape)``: ``arrays`` holds
    the three inputs broadcast to ``shape`` and flattened to (rows, D) in the kernel's dtype."""

    n_arguments = 10

    def forward(self, anchor, positive, negative, arrays, margin, p, eps, swap, reduction, shape):
        self.inputs, self.arrays, self.shape = (anchor, positive, negative), arrays, shape
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap
        n_rows = len(arrays[0])
        self.grad_scale = _grad_scale(reduction, n_rows)
        loss, self.gradients = self.run(_needs_grad(anchor, positive, negative))
        result_dtype = _dtypes(anchor._data, positive._data, negative._data)[0]
        return _reduced(loss, reduction, n_rows, shape[:-1], result_dtype)

    def run(self, need_grad):
        loss, *gradients = _row_outputs(self.arrays[0], 3, need_grad)
        _kernels.triplet_margin(*self.arrays, self.margin, self.p, self.eps, self.swap, self.grad_scale, loss,
                                *gradients, get_num_threads())
        return loss, [None if g is None else _shaped(g, self.shape) for g in gradients]

    def recorded_gradients(self, grad):
        if self.p == 1:  # sign(u - v + eps): constant in the inputs
            return super().recorded_gradients(grad)
        if self.p == 2:
            return self._recorded_l2_gradients(grad)
        message = (f"the derivative of triplet_margin_loss's gradient (double backward) is only implemented for "
                   f"p = 1 and p = 2, got p = {self.p:g}")
        return [_to_input(_FirstOrderOnly.apply(t, cache, message) * _upstream(grad, cache), t)
                for cache, t in zip(self.cached_gradients(False), self.inputs)]

    def _recorded_l2_gradients(self, grad):
        """p = 2 as Tensor ops: with ``φ(u, v) = (u - v + eps) / ||u - v + eps||`` (0 where the norm is 0),
        ``ga = φ_ap - w_an φ_an``, ``gp = -φ_ap - w_pn φ_pn``, ``gn = w_an φ_an + w_pn φ_pn`` on the rows with
        ``margin + d_ap - d_neg >= 0``, where the swap weights w send the gradient to the smaller distance."""
        dtype = self.arrays[0].dtype
        n_rows, dim = self.arrays[0].shape
        a, p, n = (t.to(dtype).expand(*self.shape).reshape(n_rows, dim) for t in self.inputs)

        def direction(u, v):
            diff = u - v + self.eps
            norm = diff.norm(2, -1, keepdim=True)
            zero = norm._data == 0
            return diff / (norm + wrap(zero.astype(dtype))) * wrap(~zero), norm._data[:, 0]

        def weighted(phi, w):
            return phi * wrap(w[:, None].astype(dtype))

        phi_ap, d_ap = direction(a, p)
        phi_an, d_an = direction(a, n)
        w_an, d_neg = np.ones(n_rows), d_an
        ga, gp, gn = phi_ap - phi_an, -phi_ap, phi_an
        if self.swap:
            phi_pn, d_pn = direction(p, n)
            w_an = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0))
            w_pn = 1.0 - w_an
            d_neg = np.minimum(d_an, d_pn)
            ga = phi_ap - weighted(phi_an, w_an)
            gp = -phi_ap - weighted(phi_pn, w_pn)
            gn = weighted(phi_an, w_an) + weighted(phi_pn, w_pn)
        active = (self.margin + d_ap - d_neg >= 0) * self.grad_scale
        g = grad.to(dtype).reshape(-1, 1) * wrap(active[:, None].astype(dtype))
        return [_to_input((gradient * g).reshape(self.shape), t) for gradient, t in zip((ga, gp, gn), self.inputs)]


class _FirstOrderOnly(Function):
    """``forward(input, gradient, message)`` returns the cached ``gradient`` as a function of ``input`` in the
    graph; its backward raises ``message``."""

    def forward(self, input, gradient, message):
        self.message = message
        return gradient

    def backward(self, grad):
        raise RuntimeError(self.message)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
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
    tensor(0.5)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    for position, (name, tensor) in enumerate((("anchor", anchor), ("positive", positive), ("negative", negative))):
        require_tensor(tensor, name, position + 1, "triplet_margin_loss")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    _require_subtractable(anchor._data, positive._data)
    _require_subtractable(anchor._data, negative._data)
    shape = _common_shape(anchor.shape, positive.shape, negative.shape)
    p = float(p)
    if shape and shape[-1] == 0 and (math.isinf(p) or p < 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {len(shape) - 1}"
                           f"because this dimension is empty and the operation does not have an identity")
    if len({tensor.shape[-1:] for tensor in (anchor, positive, negative)}) > 1:
        # torch measures each distance over its own pair's broadcast feature dim (a (1,) pair gives a 1-element
        # distance next to a D-element one); the fused kernel assumes one feature dim, so compose as torch does
        def distance(u, v):
            return pairwise_distance(u, v, p, eps)
        return reduce_loss(triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=distance,
                                                             margin=margin, swap=swap, reduction="none"), reduction)
    dtypes = _dtypes(anchor._data, positive._data, negative._data)
    shape = shape or (1,)  # 0-d inputs: one row of one element
    rows = (math.prod(shape[:-1]), shape[-1])  # explicit: reshape(-1, 0) would be ambiguous
    arrays = tuple(_kernel_array(t._data, shape, dtypes).reshape(rows) for t in (anchor, positive, negative))
    return TripletMarginLoss.apply(anchor, positive, negative, arrays, float(margin), p, float(eps), bool(swap),
                                   reduction, shape if anchor.ndim else ())


# ---------------------------------------------------------------------------------------- hinge embedding
class HingeEmbeddingLoss(_FusedLoss):
    """``forward(input, x, y, margin, reduction, shape, result_dtype)``: ``x`` and ``y`` broadcast to ``shape``,
    flattened, in the kernel's dtype. The target is an array, not a Tensor: it only selects a branch, so it gets
    no gradient."""

    n_arguments = 7

    def forward(self, input, x, y, margin, reduction, shape, result_dtype):
        self.inputs, self.x, self.y, self.margin, self.shape = (input,), x, y, margin, shape
        self.grad_scale, self.reduce = _grad_scale(reduction, x.size), reduction != "none"
        loss, self.gradients = self.run(_needs_grad(input))
        return _reduced(loss, reduction, x.size, shape, result_dtype)

    def run(self, need_grad):
        loss, gradient = _elementwise_outputs(self.x, self.reduce, need_grad)
        total = _elementwise_kernels.hinge_embedding(self.x, self.y, self.margin, self.grad_scale, loss, gradient,
                                                     get_num_threads())
        loss = total if self.reduce else loss
        return loss, [None if gradient is None else _shaped(gradient, self.shape)]


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
    tensor([0.5, 0.5, 0.0])
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    require_tensor(input, "input", 1, "hinge_embedding_loss")
    require_tensor(target, "target", 2, "hinge_embedding_loss")
    _require_subtractable(input._data, input._data)  # torch computes margin - input, which refuses bool
    if reduction == "mean" and input._data.dtype.kind != "f":  # torch's loss keeps an integer input's dtype
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {torch_dtype_name(input._data.dtype)}")
    shape = _common_shape(input.shape, target.shape)
    dtypes = _dtypes(input._data, target._data)
    x, y = (_kernel_array(a, shape, dtypes).reshape(-1) for a in (input._data, target._data))
    return HingeEmbeddingLoss.apply(input, x, y, float(margin), reduction, shape, dtypes[0])


# ------------------------------------------------------------------------------------------ margin ranking
class MarginRankingLoss(_FusedLoss):
    """``forward(input1, input2, target, arrays, margin, reduction, shape)``: ``arrays`` holds the three
    broadcast to ``shape``, flattened, in the kernel's dtype. The kernel gives the gradients of input1 and of
    the target; input2's is minus input1's."""

    n_arguments = 7

    def forward(self, input1, input2, target, arrays, margin, reduction, shape):
        self.inputs, self.arrays, self.margin, self.shape = (input1, input2, target), arrays, margin, shape
        self.grad_scale, self.reduce = _grad_scale(reduction, arrays[0].size), reduction != "none"
        loss, self.gradients = self.run(_needs_grad(input1, input2, target))
        return _reduced(loss, reduction, arrays[0].size, shape, _dtypes(*(t._data for t in self.inputs))[0])

    def run(self, need_grad):
        target_grad = need_grad and self.inputs[2].requires_grad
        loss, grad1 = _elementwise_outputs(self.arrays[0], self.reduce, need_grad)
        grad_target = np.empty_like(self.arrays[0]) if target_grad else None
        total = _elementwise_kernels.margin_ranking(*self.arrays, self.margin, self.grad_scale, loss, grad1,
                                                    grad_target, get_num_threads())
        loss = total if self.reduce else loss
        grad2 = None if grad1 is None or not self.inputs[1].requires_grad else -grad1
        gradients = [grad1, grad2, grad_target]
        return loss, [None if g is None else _shaped(g, self.shape) for g in gradients]

    def recorded_gradients(self, grad):
        """As Tensor ops, where ``z = -y (x1 - x2) + margin >= 0``: ``dx1 = -y``, ``dx2 = y``, ``dy = -(x1 - x2)``
        (times the reduction's scale and the upstream gradient): input1's gradient depends on the target."""
        dtype = self.arrays[0].dtype
        x1, x2, y = (t.to(dtype).expand(*self.shape) for t in self.inputs)
        x1_data, x2_data, y_data = (a.reshape(self.shape) for a in self.arrays)
        active = (-y_data * (x1_data - x2_data) + self.margin >= 0) * self.grad_scale
        g = grad.to(dtype) * wrap(active.astype(dtype))
        d1 = -(y * g)
        return [_to_input(d1, self.inputs[0]), _to_input(-d1, self.inputs[1]),
                _to_input(-((x1 - x2) * g), self.inputs[2])]


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
    tensor(0.5)
    """
    reduction = resolve_reduction(size_average, reduce, reduction)
    for position, (name, tensor) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        require_tensor(tensor, name, position + 1, "margin_ranking_loss")
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {_torch_size(input1.shape)}, input2: {_torch_size(input2.shape)}, target: "
                           f"{_torch_size(target.shape)} ")
    _require_subtractable(input1._data, input2._data)
    _require_negatable(target._data)
    shape = _common_shape(input1.shape, input2.shape, target.shape)
    dtypes = _dtypes(input1._data, input2._data, target._data)
    arrays = tuple(_kernel_array(t._data, shape, dtypes).reshape(-1) for t in (input1, input2, target))
    return MarginRankingLoss.apply(input1, input2, target, arrays, float(margin), reduction, shape)


def _torch_size(shape):
    """A shape as torch prints a ``torch.Size``."""
    return f"torch.Size({list(shape)})"
