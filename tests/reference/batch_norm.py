"""Plain NumPy twins of the batch-norm kernels (``minigrad._kernels.batch_norm``) on ``(N, C, S)`` arrays, in
float64, written to be read. ``M = N·S`` values per channel."""
import numpy as np

__all__ = ["channel_stats", "batch_norm_backward"]


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
