"""The two elementary functions of torch.special with torch-level names: ``logit`` (the inverse of the sigmoid)
and the normalized ``sinc``. Forwards are NumPy expressions; backwards are Tensor expressions, so second
derivatives need no formula of their own. Integer inputs become float32 first, as in torch.
"""

import math

import numpy as np

from ..autograd.function import Function
from ._util import float_operand
from .elementwise import where
from .transcendental import _function as unary_math_function


class Logit(Function):
    """``y = log(z / (1 - z))``, ``z = clamp(x, eps, 1 - eps)`` when ``eps`` (option) is a number ``≥ 0``.

    Gradient, as torch's: ``g / (x (1 - x))``; with ``eps`` zero where ``x`` is outside ``[eps, 1 - eps]``,
    without it NaN where ``x`` is outside ``[0, 1]``.
    """

    def forward(self, x, eps):
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf at 0 and 1, nan outside, as torch
            return np.log(x / (1 - x)).astype(x.dtype, copy=False)

    def backward(self, grad):
        (x,) = self.inputs
        eps = self.options["eps"]
        result = grad / (x * (1 - x))
        if eps is None:
            return where((x < 0) | (x > 1), math.nan, result)
        return where((x < eps) | (x > 1 - eps), 0.0, result)


def logit(input, eps=None):  # noqa: A002 - torch's argument name
    """The log-odds ``log(x / (1 - x))``, the inverse of ``sigmoid`` (torch.logit, torch.special.logit); with
    ``eps`` the input is clamped to ``[eps, 1 - eps]`` first (a negative ``eps`` is no clamp, as torch).
    Gradient ``g / (x (1 - x))``, zero outside the clamp.

    >>> minigrad.logit(minigrad.tensor([0.5, 0.75]))
    tensor([0.0000, 1.0986])
    """
    if eps is not None and eps < 0:
        eps = None
    return Logit.apply(float_operand(input), eps=None if eps is None else float(eps))


def _sinc_derivative(x, y):
    """``(πx cos(πx) - sin(πx)) / (πx · x)``, 0 at 0: torch's expression, so float32 rounds as torch's does."""
    t = x * math.pi
    return where(x == 0, 0.0, (t * t.cos() - t.sin()) / (t * x))


Sinc, sinc = unary_math_function(
    "Sinc",
    np.sinc,
    _sinc_derivative,
    """The normalized sinc function ``sin(πx) / (πx)``, 1 at 0 (torch.sinc, torch.special.sinc); gradient
    ``g · (cos(πx) - sinc(x)) / x``, 0 at 0.

    >>> minigrad.sinc(minigrad.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """,
)
Sinc.__module__ = __name__  # where doctest and the contract tests look for it
