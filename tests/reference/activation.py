"""Plain NumPy twins of the activation kernels (``minigrad._kernels.activation``), written to be read: torch's tanh
GELU and its derivative, in float64, from the tanh formula itself (the kernel uses σ(2u) = (1 + tanh u)/2); ReLU
and its backward as torch computes them."""

import math

import numpy as np

__all__ = ["gelu_tanh", "gelu_tanh_backward", "relu", "relu_backward"]

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def gelu_tanh(x):
    """``(y, s)``: ``y = x/2 · (1 + tanh(u))``, ``u = √(2/π) (x + 0.044715 x³)``, and ``s = (1 + tanh(u))/2``."""
    x = np.asarray(x, dtype=np.float64)
    t = np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    return x / 2 * (1 + t), (1 + t) / 2


def gelu_tanh_backward(grad, x):
    """``grad · dy/dx`` with ``dy/dx = (1 + t)/2 + x/2 · (1 - t²) · √(2/π) (1 + 3 · 0.044715 x²)``."""
    x = np.asarray(x, dtype=np.float64)
    t = np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    return grad * ((1 + t) / 2 + x / 2 * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x))


def relu(x):
    """``(y, mask)``: ``y = x`` where ``x < 0`` is false (so -0.0 and NaN pass), else 0; ``mask = not (x <= 0)``."""
    return np.where(x < 0, np.zeros_like(x), x), ~(x <= 0)


def relu_backward(grad, mask):
    """``grad`` where ``mask``, else 0 (selected, so an inf or NaN there gives 0)."""
    return np.where(mask, grad, np.zeros_like(grad))
