"""Plain NumPy references for the margin losses: the oracle for minigrad's Cython kernels.

Each function returns ``(loss, gradients)``: the reduced loss and the gradient of that loss with respect to every
differentiable input (for ``reduction='none'`` the gradient of ``loss.sum()``, i.e. an upstream gradient of ones).
They follow spec/losses.md §4 and PyTorch 2.13, including the conventions at the kinks (§0.4):

* ``clamp_min(z, 0)`` (hinge, margin ranking, triplet) passes the gradient when ``z >= 0``;
* the hand-written loops of multi-margin and multilabel-margin count a term only when ``z > 0``;
* the triplet ``swap`` takes ``min(d(a, n), d(p, n))`` and splits the gradient half/half on a tie.

Written for reading, not speed: one row at a time where the per-row logic is clearer that way.
``multi_margin``, ``multilabel_margin`` and ``triplet_margin`` are the kernels' twins (same signatures as
minigrad._kernels.margin, see tests/reference/__init__.py).
"""

import numpy as np

from . import kernel_convention

__all__ = [
    "reduce",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "pairwise_distance",
    "triplet_margin_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin",
    "multilabel_margin",
    "triplet_margin",
]


def reduce(loss, grads, reduction, empty_mean=np.nan):
    """Apply ``reduction`` to an unreduced ``loss`` and the matching per-element ``grads`` (a tuple of arrays).

    'mean' divides by ``loss.size``; on an empty loss it returns ``empty_mean`` (nan for most losses).
    """
    if reduction == "none":
        return loss, grads
    total = loss.sum(dtype=np.float64)
    if reduction == "sum":
        return total, grads
    if loss.size == 0:
        return np.float64(empty_mean), grads
    return total / loss.size, tuple(g / loss.size for g in grads)


def multi_margin_loss(x, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """``l_n = sum_{i != y} w[y] * max(0, margin - x[y] + x[i])**p / C`` for x (N, C), target (N,) int.

    Gradient of row n, where ``z_i = margin - x[y] + x[i] > 0`` (strictly) and ``i != y``:
    ``dx[i] = w[y] * (1 if p == 1 else 2 z_i) / C`` and ``dx[y] = -sum_i dx[i]``.
    An empty batch gives nan for 'mean' and 0 for 'sum' (PyTorch returns uninitialised memory, spec §12.3).
    """
    x = np.asarray(x, dtype=np.float64)
    n_rows, n_classes = x.shape
    weight = np.ones(n_classes) if weight is None else np.asarray(weight, dtype=np.float64)
    loss = np.zeros(n_rows)
    dx = np.zeros_like(x)
    for n in range(n_rows):
        y = target[n]
        z = margin - x[n, y] + x[n]
        active = z > 0
        active[y] = False
        terms = z if p == 1 else z * z
        loss[n] = weight[y] * terms[active].sum() / n_classes
        slope = np.ones_like(z) if p == 1 else 2 * z
        dx[n, active] = weight[y] * slope[active] / n_classes
        dx[n, y] = -dx[n, active].sum()
    loss, (dx,) = reduce(loss, (dx,), reduction)
    return loss, dx


def multilabel_margin_loss(x, target, reduction="mean"):
    """``l_n = sum_{j in J} sum_{i not in J} max(0, 1 - (x[j] - x[i])) / C`` for x (N, C), target (N, C) int.

    ``J`` is read from the target row left to right up to the first -1; a class listed twice counts twice.
    Gradient: every pair (j, i) with ``z = 1 - x[j] + x[i] > 0`` (strictly) adds ``1/C`` to ``dx[i]`` and
    ``-1/C`` to ``dx[j]``. An empty batch gives 0 for 'mean' (as PyTorch does).
    """
    x = np.asarray(x, dtype=np.float64)
    n_rows, n_classes = x.shape
    loss = np.zeros(n_rows)
    dx = np.zeros_like(x)
    for n in range(n_rows):
        targets = []
        for t in target[n]:
            if t < 0:
                break
            targets.append(t)
        is_target = np.zeros(n_classes, dtype=bool)
        is_target[targets] = True
        for j in targets:
            z = 1 - x[n, j] + x[n]
            active = (z > 0) & ~is_target
            loss[n] += z[active].sum()
            dx[n, active] += 1
            dx[n, j] -= active.sum()
    loss, (dx,) = reduce(loss / n_classes, (dx / n_classes,), reduction, empty_mean=0.0)
    return loss, dx


def _sign(v):
    return np.sign(v).astype(v.dtype)


def pairwise_distance(u, v, p=2.0, eps=1e-6):
    """``d = || u - v + eps ||_p`` over the last axis, and ``dd/du`` (``dd/dv`` is its negative).

    The eps is added to every component of the difference, in the inputs' dtype, as torch does. The gradient
    follows torch's ``norm_backward``: 0 where the norm is 0 (p = 2 and 1 < p), ``sgn`` for p = 1, the tied
    maxima sharing the gradient for p = inf, nothing for p = 0.
    """
    diff = (u - v + np.asarray(eps, dtype=u.dtype)).astype(np.float64)
    a = np.abs(diff)
    if p == 0:
        return (a != 0).sum(axis=-1).astype(np.float64), np.zeros_like(diff)
    if p == 1:
        return a.sum(axis=-1), _sign(diff)
    if np.isinf(p):
        d = a.max(axis=-1) if p > 0 else a.min(axis=-1)
        mask = (a == d[..., None]) | np.isnan(a)
        return d, _sign(diff) * mask / mask.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = (a**p).sum(axis=-1) ** (1.0 / p)
        if p == 2:
            grad = np.where(d[..., None] == 0, 0.0, diff / d[..., None])
        elif p < 1:  # |v|^(p-1) is infinite at 0: those entries get 0
            grad = np.where(diff == 0, 0.0, _sign(diff) * a ** (p - 1)) * d[..., None] ** (1 - p)
        else:
            grad = np.where(d[..., None] == 0, 0.0, _sign(diff) * a ** (p - 1) / d[..., None] ** (p - 1))
    return d, grad


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    """``l = clamp_min(margin + d(a, p) - d_neg, 0)`` per row of (N, D) inputs, ``d = pairwise_distance``.

    ``d_neg = d(a, n)``, or with ``swap`` ``min(d(a, n), d(p, n))`` (a tie sends half the gradient each way).
    Rows with ``margin + d(a, p) - d_neg >= 0`` pass the gradient (clamp_min). Returns the loss and
    ``(d_anchor, d_positive, d_negative)``.
    """
    d_ap, g_ap = pairwise_distance(anchor, positive, p, eps)
    d_an, g_an = pairwise_distance(anchor, negative, p, eps)
    # Weights of d(a, n) and d(p, n) in d_neg: minimum's gradient goes to the smaller, half each on a tie.
    w_an, w_pn = np.ones_like(d_an), np.zeros_like(d_an)
    d_neg = d_an
    g_pn = np.zeros_like(g_an)
    if swap:
        d_pn, g_pn = pairwise_distance(positive, negative, p, eps)
        d_neg = np.minimum(d_an, d_pn)
        w_an = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0))
        w_pn = np.where(d_pn < d_an, 1.0, np.where(d_an == d_pn, 0.5, 0.0))
    z = margin + d_ap - d_neg
    loss = np.where(z < 0, 0.0, z)
    active = (z >= 0)[..., None]
    w_an, w_pn = w_an[..., None], w_pn[..., None]
    d_anchor = active * (g_ap - w_an * g_an)
    d_positive = active * (-g_ap - w_pn * g_pn)
    d_negative = active * (w_an * g_an + w_pn * g_pn)
    loss, grads = reduce(loss, (d_anchor, d_positive, d_negative), reduction)
    return loss, grads


def hinge_embedding_loss(x, y, margin=1.0, reduction="mean"):
    """``l = where(y != 1, clamp_min(margin - x, 0), 0) + where(y != -1, x, 0)`` elementwise.

    So y = 1 gives ``x``, y = -1 gives ``max(0, margin - x)`` and any other y both terms. Gradient:
    ``-1`` from the first term where ``margin - x >= 0`` (clamp_min passes at 0), ``+1`` from the second.
    """
    x = np.asarray(x, dtype=np.float64)
    z = margin - x
    hinge = y != 1
    linear = y != -1
    loss = np.where(hinge, np.where(z < 0, 0.0, z), 0.0) + np.where(linear, x, 0.0)
    dx = np.where(hinge & (z >= 0), -1.0, 0.0) + np.where(linear, 1.0, 0.0)
    loss, (dx,) = reduce(loss, (dx,), reduction)
    return loss, dx


def margin_ranking_loss(x1, x2, y, margin=0.0, reduction="mean"):
    """``l = clamp_min(-y (x1 - x2) + margin, 0)`` elementwise.

    Where ``z = -y (x1 - x2) + margin >= 0``: ``dx1 = -y``, ``dx2 = y``, ``dy = -(x1 - x2)``; 0 elsewhere.
    Returns the loss and ``(dx1, dx2, dy)``.
    """
    x1, x2, y = (np.asarray(a, dtype=np.float64) for a in (x1, x2, y))
    z = -y * (x1 - x2) + margin
    loss = np.where(z < 0, 0.0, z)
    active = z >= 0
    loss, grads = reduce(loss, (-y * active, y * active, -(x1 - x2) * active), reduction)
    return loss, grads


@kernel_convention(grads=1)
def multi_margin(x, target, weight, p, margin):
    """The multi-margin kernel's twin: per-row losses and their gradient."""
    return multi_margin_loss(x, target, p, margin, weight, "none")


@kernel_convention(grads=1)
def multilabel_margin(x, target):
    """The multilabel-margin kernel's twin: per-row losses and their gradient."""
    return multilabel_margin_loss(x, target, "none")


@kernel_convention(grads=3)
def triplet_margin(anchor, positive, negative, margin, p, eps, swap):
    """The triplet kernel's twin: per-row losses and the gradients of anchor, positive and negative."""
    loss, grads = triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, "none")
    return (loss, *grads)
