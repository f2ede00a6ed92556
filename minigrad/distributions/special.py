"""``erfinv``, the inverse error function Normal.icdf needs and minigrad.ops lacks, as a local Function."""

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops.activation import erf

__all__ = ["erfinv"]

_WINITZKI_A = 0.147  # the constant of Winitzki's closed-form approximation (relative error below 2e-3)


class Erfinv(Function):
    """``y = erf⁻¹(x)`` on ``[-1, 1]`` (``±inf`` at ``±1``, NaN outside); gradient ``g · √π/2 · exp(y²)``.

    Forward: Winitzki's approximation, then Newton steps ``y ← y - (erf(y) - x) / (2/√π · exp(-y²))``, which
    converge quadratically from it to full precision.
    """

    saves_output = True
    keeps_inputs = False

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # ±1 give ±inf, |x| > 1 NaN, as torch
            log_term = np.log1p(-x * x)
            first = 2 / (math.pi * _WINITZKI_A) + log_term / 2
            y = np.sign(x) * np.sqrt(np.sqrt(first * first - log_term / _WINITZKI_A) - first)
            finite = np.abs(x) < 1
            for _ in range(4):
                step = (erf(Tensor._wrap(y))._data - x) / (2 / math.sqrt(math.pi) * np.exp(-y * y))
                y = np.where(finite, y - np.where(finite, step, 0), y)
        return y.astype(x.dtype)

    def backward(self, grad):
        y = self.output()
        return grad * (y * y).exp() * (math.sqrt(math.pi) / 2)


def erfinv(x):
    """The inverse error function (torch.erfinv): ``erf(erfinv(x)) = x`` for ``x`` in ``[-1, 1]``."""
    return Erfinv.apply(x)
