"""Plain NumPy cross-entropy and NLL: the oracle for minigrad's fused kernels, written to be read.

Everything follows spec/losses.md §2.3 (NLL) and §2.5 (cross-entropy) literally, on 2-D inputs: ``x`` is
(N, C), one row of class scores per position. Computation is in float64, one row at a time where that is
clearer. Each function returns ``(loss, grads)``: the loss after ``reduction``, and the gradient of that loss
with respect to each differentiable input for an upstream gradient of ones.

Notation: ``w`` class weights (ones when None), ``v_n = [y_n != ignore_index]``, ``w'_n = w[y_n] v_n``,
``lp = log_softmax(x)``, ``p = softmax(x)``, ``ε`` label smoothing.

``cross_entropy_index``, ``cross_entropy_index_columns``, ``cross_entropy_probs`` and ``nll`` are the kernels'
twins (same signatures as minigrad._kernels.cross_entropy, see tests/reference/__init__.py).
"""

import numpy as np

from . import kernel_convention

__all__ = [
    "log_softmax",
    "nll_loss",
    "cross_entropy",
    "cross_entropy_prob_targets",
    "cross_entropy_probs",
    "cross_entropy_index",
    "cross_entropy_index_columns",
    "nll",
]


def log_softmax(x):
    """``x - logsumexp(x)`` over the last axis, with the max trick."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return (x - m) - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _class_weights(weight, num_classes):
    return np.ones(num_classes) if weight is None else np.asarray(weight, dtype=np.float64)


def _reduce(per_row, per_row_grad, reduction, denominator):
    """'none' keeps the rows; 'sum' adds them; 'mean' divides the sum by ``denominator`` (0/0 is nan). The
    gradients of the reduced loss are the per-row gradients divided the same way."""
    if reduction == "none":
        return per_row, per_row_grad
    if reduction == "sum":
        return per_row.sum(), per_row_grad
    with np.errstate(divide="ignore", invalid="ignore"):
        return per_row.sum() / denominator, tuple(g / denominator for g in per_row_grad)


def _reduce_index(loss, grad, reduction, target, ignore_index, w_valid):
    """Reduce index-target losses ('mean' divides by Σ w'_n); ignored rows keep a zero gradient even when that
    sum is 0 (spec §2.3: all targets ignored gives zeros, not nan)."""
    loss, (grad,) = _reduce(loss, (grad,), reduction, w_valid.sum())
    grad[np.asarray(target) == ignore_index] = 0.0
    return loss, (grad,)


def nll_loss(x, target, weight=None, ignore_index=-100, reduction="mean"):
    """``l_n = -w'_n x[n, y_n]``; 'mean' divides by ``Σ_n w'_n``. Gradient: ``-w'_n`` at ``(n, y_n)``, 0 elsewhere.

    Returns ``(loss, (grad_x,))``.
    """
    x = np.asarray(x, dtype=np.float64)
    N, C = x.shape
    w = _class_weights(weight, C)
    loss = np.zeros(N)
    grad = np.zeros((N, C))
    w_valid = np.zeros(N)
    for n, y in enumerate(target):
        if y == ignore_index:
            continue
        if not 0 <= y < C:
            raise IndexError(f"Target {y} is out of bounds.")
        w_valid[n] = w[y]
        loss[n] = -w[y] * x[n, y]
        grad[n, y] = -w[y]
    return _reduce_index(loss, grad, reduction, target, ignore_index, w_valid)


def cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """Cross-entropy with class-index targets (spec §2.5 a-b)::

        nll_n    = -w[y_n] lp[n, y_n] v_n
        smooth_n = -Σ_c w_c lp[n, c] v_n
        l_n      = (1-ε) nll_n + (ε/C) smooth_n          ('mean': Σ l_n / Σ w'_n)

    Gradient of a valid row: ``(1-ε) w_y (p - onehot(y)) + (ε/C)(W p - w)``, ``W = Σ_c w_c``; ignored rows 0.

    Returns ``(loss, (grad_x,))``.
    """
    x = np.asarray(x, dtype=np.float64)
    N, C = x.shape
    w = _class_weights(weight, C)
    eps = max(label_smoothing, 0.0)  # torch takes no smoothing branch for a negative value
    loss = np.zeros(N)
    grad = np.zeros((N, C))
    w_valid = np.zeros(N)
    for n, y in enumerate(target):
        if y == ignore_index:
            continue
        if not 0 <= y < C:
            raise IndexError(f"Target {y} is out of bounds.")
        lp = log_softmax(x[n])
        p = np.exp(lp)
        onehot = np.eye(C)[y]
        w_valid[n] = w[y]
        loss[n] = (1 - eps) * (-w[y] * lp[y]) + eps / C * -(w * lp).sum()
        grad[n] = (1 - eps) * w[y] * (p - onehot) + eps / C * (w.sum() * p - w)
    return _reduce_index(loss, grad, reduction, target, ignore_index, w_valid)


def cross_entropy_prob_targets(x, target, weight=None, label_smoothing=0.0, reduction="mean"):
    """Cross-entropy with class-probability targets (spec §2.5 c), ``t' = (1-ε) t + ε/C``::

        l_n = -Σ_c w_c t'[n, c] lp[n, c]                 ('mean': Σ l_n / N)

    Gradients: ``dl_n/dx = (Σ_c w_c t'_c) p - w t'``, ``dl_n/dt = -(1-ε) w lp``, ``dl_n/dw = -t' lp`` (summed over n).

    Returns ``(loss, (grad_x, grad_target, grad_weight))``.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    N, C = x.shape
    w = _class_weights(weight, C)
    eps = max(label_smoothing, 0.0)
    t_smooth = (1 - eps) * t + eps / C if eps > 0 else t
    lp = log_softmax(x)
    p = np.exp(lp)
    loss = -(w * t_smooth * lp).sum(axis=1)
    grad_x = (w * t_smooth).sum(axis=1, keepdims=True) * p - w * t_smooth
    grad_t = -(1 - eps) * w * lp
    grad_w = -(t_smooth * lp)
    loss, (grad_x, grad_t, grad_w) = _reduce(loss, (grad_x, grad_t, grad_w), reduction, N)
    return loss, (grad_x, grad_t, grad_w.sum(axis=0))


@kernel_convention(grads=1)
def cross_entropy_index(x, target, weight, ignore_index, label_smoothing):
    """The index-target kernel's twin: per-row losses and their gradient."""
    loss, (grad,) = cross_entropy(x, target, weight, ignore_index, label_smoothing, "none")
    return loss, grad


@kernel_convention(grads=1)
def cross_entropy_index_columns(x, target, weight, ignore_index, label_smoothing):
    """The column kernel's twin: x (N, C, D), target (N·D,); the row reference on x moved to (N·D, C)."""
    N, C, D = x.shape
    rows = np.moveaxis(np.asarray(x), 1, -1).reshape(-1, C)
    loss, (grad,) = cross_entropy(rows, target, weight, ignore_index, label_smoothing, "none")
    return loss, np.moveaxis(grad.reshape(N, D, C), -1, 1)


@kernel_convention(grads=2)
def cross_entropy_probs(x, target, weight, label_smoothing):
    """The probability-target kernel's twin: per-row losses and the gradients of x and target."""
    loss, (grad_x, grad_t, _) = cross_entropy_prob_targets(x, target, weight, label_smoothing, "none")
    return loss, grad_x, grad_t


@kernel_convention(grads=1)
def nll(x, target, weight, ignore_index):
    """The NLL kernel's twin: per-row losses and their gradient."""
    loss, (grad,) = nll_loss(x, target, weight, ignore_index, "none")
    return loss, grad
