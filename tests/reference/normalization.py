"""Plain NumPy twins of the normalisation kernels (``minigrad._kernels.normalization``), in float64, written to be
read: batch norm on ``(N, C, S)`` arrays (``M = N·S`` values per channel), layer norm on ``(R, D)`` rows."""

import numpy as np

__all__ = ["channel_stats", "batch_norm_backward", "layer_norm_forward", "layer_norm_backward"]


def channel_stats(x):
    """Per-channel mean and biased variance."""
    x = np.asarray(x, dtype=np.float64)
    return x.mean(axis=(0, 2)), x.var(axis=(0, 2))


def batch_norm_backward(grad, x, mean, invstd, weight, training):
    """``(Σ g, Σ g·x̂, grad_x)`` per channel, with ``x̂ = (x - mean)·invstd`` and ``grad_x = w·invstd·(g - mean(g) -
    x̂·mean(g·x̂))`` in training, ``w·invstd·g`` with fixed statistics."""
    grad, x = np.asarray(grad, dtype=np.float64), np.asarray(x, dtype=np.float64)
    per_channel = (slice(None), None)
    normalized = (x - mean[per_channel]) * invstd[per_channel]
    sum_g, sum_gx = grad.sum(axis=(0, 2)), (grad * normalized).sum(axis=(0, 2))
    count = x.shape[0] * x.shape[2]
    centered = grad - sum_g[per_channel] / count - normalized * sum_gx[per_channel] / count if training else grad
    return sum_g, sum_gx, (weight * invstd)[per_channel] * centered


def layer_norm_forward(x, weight, bias, eps):
    """``(y, mean, invstd)``: each row standardised, then ``·weight + bias`` (None: 1 and 0)."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=1)
    invstd = 1 / np.sqrt(x.var(axis=1) + eps)
    y = (x - mean[:, None]) * invstd[:, None]
    return y * (1 if weight is None else weight) + (0 if bias is None else bias), mean, invstd


def layer_norm_backward(grad, x, mean, invstd, weight):
    """``(grad_x, Σ_r g·x̂, Σ_r g)`` with ``ĝ = g·w`` and ``grad_x = invstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))`` per row."""
    grad, x = np.asarray(grad, dtype=np.float64), np.asarray(x, dtype=np.float64)
    normalized = (x - mean[:, None]) * invstd[:, None]
    scaled = grad * (1 if weight is None else weight)
    grad_x = invstd[:, None] * (
        scaled - scaled.mean(axis=1, keepdims=True) - normalized * (scaled * normalized).mean(axis=1, keepdims=True)
    )
    return grad_x, (grad * normalized).sum(axis=0), grad.sum(axis=0)
