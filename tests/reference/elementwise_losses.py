"""Plain NumPy references for the elementwise loss kernels (minigrad._kernels.elementwise_losses).

Each is the kernel's twin (same name, same signature: see tests/reference/__init__.py); ``twin.readable(x, y,
options...)`` returns ``(loss, d_input, d_target)`` elementwise, computed in float64 with the formulas of
spec/losses.md §1-§4 (PyTorch 2.13), written the obvious way: ``d_target`` is the derivative of the loss w.r.t.
the target (None where torch does not differentiate it).
"""

import numpy as np

from . import kernel_convention
from . import margin as _margin

__all__ = [
    "mse",
    "smooth_l1",
    "huber",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "soft_margin",
    "hinge_embedding",
    "margin_ranking",
]


def _f64(*arrays):
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


@kernel_convention(grads=1)
def mse(x, y):
    """``(x - y)^2``; derivative ``2 (x - y)``."""
    x, y = _f64(x, y)
    d = x - y
    return d * d, 2 * d, -2 * d


@kernel_convention(grads=1)
def smooth_l1(x, y, beta):
    """``0.5 d^2 / beta`` if ``|d| < beta`` else ``|d| - 0.5 beta``; derivative ``d / beta`` clipped to [-1, 1]."""
    x, y = _f64(x, y)
    d = x - y
    z = np.abs(d)
    loss = np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    slope = np.clip(d / beta, -1, 1)
    return loss, slope, -slope


@kernel_convention(grads=1)
def huber(x, y, delta):
    """``0.5 d^2`` if ``|d| < delta`` else ``delta (|d| - 0.5 delta)``; derivative ``d`` clipped to ±delta."""
    x, y = _f64(x, y)
    d = x - y
    z = np.abs(d)
    loss = np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    slope = np.clip(d, -delta, delta)
    return loss, slope, -slope


@kernel_convention(grads=2)
def binary_cross_entropy(x, y, weight=None):
    """``-w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]``; ``d/dx = w (x - y) / max(x (1 - x), 1e-12)``,
    ``d/dy = w (log(1 - x) - log x)`` (the clamps enter the value only)."""
    x, y, w = _f64(x, y, weight)
    w = np.ones_like(x) if w is None else w
    with np.errstate(divide="ignore"):
        log_x, log_1mx = np.log(x), np.log1p(-x)
    loss = -w * (y * np.maximum(log_x, -100) + (1 - y) * np.maximum(log_1mx, -100))
    d_x = w * (x - y) / np.maximum(x * (1 - x), float(np.float32(1e-12)))  # torch's EPSILON is a float
    return loss, d_x, w * (log_1mx - log_x)


def log_sigmoid(x):
    """``log(1 / (1 + exp(-x)))`` without overflow."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    return np.exp(log_sigmoid(x))


@kernel_convention(grads=2)
def binary_cross_entropy_with_logits(x, y, pos_weight=None, weight=None):
    """``w [(1 - y) x - (1 + (p - 1) y) log_sigmoid(x)]``; ``d/dx = w [(p y + 1 - y) sigmoid(x) - p y]``,
    ``d/dy = w [-x - (p - 1) log_sigmoid(x)]``."""
    x, y, p, w = _f64(x, y, pos_weight, weight)
    p = np.ones_like(x) if p is None else p
    w = np.ones_like(x) if w is None else w
    loss = w * ((1 - y) * x - (1 + (p - 1) * y) * log_sigmoid(x))
    d_x = w * ((p * y + 1 - y) * sigmoid(x) - p * y)
    return loss, d_x, w * (-x - (p - 1) * log_sigmoid(x))


@kernel_convention(grads=1)
def soft_margin(x, y):
    """``log(1 + exp(-y x))``; ``d/dx = -y sigmoid(-y x)`` (torch does not differentiate the target)."""
    x, y = _f64(x, y)
    return -log_sigmoid(y * x), -y * sigmoid(-y * x), None


@kernel_convention(grads=1)
def hinge_embedding(x, y, margin):
    """tests/reference/margin.py's hinge embedding loss, unreduced: ``(loss, d_input)``."""
    return _margin.hinge_embedding_loss(x, y, margin, reduction="none")


@kernel_convention(grads=2)
def margin_ranking(x1, x2, y, margin):
    """tests/reference/margin.py's margin ranking loss, unreduced: ``(loss, d_x1, d_target)`` (d_x2 = -d_x1)."""
    loss, (d_x1, _, d_y) = _margin.margin_ranking_loss(x1, x2, y, margin, reduction="none")
    return loss, d_x1, d_y
