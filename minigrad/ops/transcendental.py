"""More transcendental functions: trigonometric and hyperbolic functions and their inverses, ``atan2``, and the
base-2/base-10 exponentials and logarithms, ``rsqrt``.

Each unary one is a ``Function`` whose forward is the NumPy routine (the exact value) and whose backward is
``g · f'(x)`` with ``f'`` written in Tensor ops from the input ``x`` and the result ``y``, so a second derivative
needs no formula of its own. Integer inputs become float32 first, as in torch.
"""

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import promote_float
from .elementwise import unary, where
from .shape import sum_to


class _UnaryMath(Function):
    """``y = numpy_function(x)``; gradient ``g · derivative(x, y)``."""

    saves_output = True

    def forward(self, x):
        with np.errstate(all="ignore"):  # the domain edges give inf and nan, as in torch
            return type(self).numpy_function(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * type(self).derivative(x, self.output())


def _function(name, numpy_function, derivative, doc):
    """The Function class ``name`` and its public function (integers promoted to float32)."""
    cls = type(
        name,
        (_UnaryMath,),
        {
            "numpy_function": staticmethod(numpy_function),
            "derivative": staticmethod(derivative),
            "__doc__": doc,
            "__module__": __name__,
        },
    )
    return cls, unary(cls)


_LN2, _LN10 = math.log(2.0), math.log(10.0)

Tan, tan = _function("Tan", np.tan, lambda x, y: y * y + 1, "``tan x``; gradient ``g (1 + tan² x)``.")
Sinh, sinh = _function("Sinh", np.sinh, lambda x, y: x.cosh(), "``sinh x``; gradient ``g cosh x``.")
Cosh, cosh = _function("Cosh", np.cosh, lambda x, y: x.sinh(), "``cosh x``; gradient ``g sinh x``.")
Asin, asin = _function("Asin", np.arcsin, lambda x, y: (1 - x * x).rsqrt(), "``asin x``; gradient ``g / √(1 - x²)``.")
Acos, acos = _function("Acos", np.arccos, lambda x, y: -(1 - x * x).rsqrt(), "``acos x``; gradient ``-g / √(1 - x²)``.")
Atan, atan = _function("Atan", np.arctan, lambda x, y: 1 / (x * x + 1), "``atan x``; gradient ``g / (1 + x²)``.")
Asinh, asinh = _function(
    "Asinh", np.arcsinh, lambda x, y: (x * x + 1).rsqrt(), "``asinh x``; gradient ``g / √(x² + 1)``."
)
Acosh, acosh = _function(
    "Acosh", np.arccosh, lambda x, y: (x * x - 1).rsqrt(), "``acosh x``; gradient ``g / √(x² - 1)``."
)
Atanh, atanh = _function("Atanh", np.arctanh, lambda x, y: 1 / (1 - x * x), "``atanh x``; gradient ``g / (1 - x²)``.")
Exp2, exp2 = _function("Exp2", np.exp2, lambda x, y: y * _LN2, "``2^x``; gradient ``g 2^x ln 2``.")
Log2, log2 = _function("Log2", np.log2, lambda x, y: 1 / (x * _LN2), "``log₂ x``; gradient ``g / (x ln 2)``.")
Log10, log10 = _function("Log10", np.log10, lambda x, y: 1 / (x * _LN10), "``log₁₀ x``; gradient ``g / (x ln 10)``.")
Rsqrt, rsqrt = _function(
    "Rsqrt", lambda x: 1 / np.sqrt(x), lambda x, y: y * y * y * -0.5, "``1 / √x``; gradient ``-g / (2 x^{3/2})``."
)


# the examples of the functions ``_function`` built (tests/test_docstrings.py runs them)
for _op, _example in {
    tan: ">>> minigrad.tan(minigrad.tensor([0.0, 0.7854]))\ntensor([0.0000, 1.0000])",
    sinh: ">>> minigrad.sinh(minigrad.tensor([0.0, 1.0]))\ntensor([0.0000, 1.1752])",
    cosh: ">>> minigrad.cosh(minigrad.tensor([0.0, 1.0]))\ntensor([1.0000, 1.5431])",
    asin: ">>> minigrad.asin(minigrad.tensor([0.0, 1.0]))\ntensor([0.0000, 1.5708])",
    acos: ">>> minigrad.acos(minigrad.tensor([1.0, 0.0]))\ntensor([0.0000, 1.5708])",
    atan: ">>> minigrad.atan(minigrad.tensor([0.0, 1.0]))\ntensor([0.0000, 0.7854])",
    asinh: ">>> minigrad.asinh(minigrad.tensor([0.0, 1.0]))\ntensor([0.0000, 0.8814])",
    acosh: ">>> minigrad.acosh(minigrad.tensor([1.0, 2.0]))\ntensor([0.0000, 1.3170])",
    atanh: ">>> minigrad.atanh(minigrad.tensor([0.0, 0.5]))\ntensor([0.0000, 0.5493])",
    exp2: ">>> minigrad.exp2(minigrad.tensor([0.0, 3.0]))\ntensor([1., 8.])",
    log2: ">>> minigrad.log2(minigrad.tensor([1.0, 8.0]))\ntensor([0., 3.])",
    log10: ">>> minigrad.log10(minigrad.tensor([1.0, 1000.0]))\ntensor([0.0000, 3.0000])",
    rsqrt: ">>> minigrad.rsqrt(minigrad.tensor([4.0, 0.25]))\ntensor([0.5000, 2.0000])",
}.items():
    _op.__doc__ += "\n\n" + _example


class Atan2(Function):
    """``atan2(y, x)``, the angle of the point (x, y); gradients ``g x / (x² + y²)`` and ``-g y / (x² + y²)``, both 0
    at the origin (torch's choice where atan2 has no derivative; the formula would give 0 / 0)."""

    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, grad):
        y, x = self.inputs
        squared = x * x + y * y
        origin = squared._data == 0
        if origin.any():
            squared = where(origin, 1.0, squared)
        scale = grad / squared
        need_y, need_x = self.needs_input_grad
        return (
            sum_to(scale * x, np.shape(y._data)) if need_y else None,
            sum_to(-scale * y, np.shape(x._data)) if need_x else None,
        )


def atan2(y, x):
    """The angle of (x, y) in (-π, π], elementwise with broadcasting.

    Gradient: ``g x / (x² + y²)`` to ``y`` (``input``), ``-g y / (x² + y²)`` to ``x`` (``other``); 0 at the origin,
    as in torch.

    >>> minigrad.arctan2(minigrad.tensor([1.0, 0.0]), minigrad.tensor([0.0, -1.0]))
    tensor([1.5708, 3.1416])
    """
    for name, value in (("input", y), ("other", x)):
        if not isinstance(value, Tensor):  # torch has no Python-number overload of atan2
            raise TypeError(f"atan2(): argument '{name}' must be Tensor, not {type(value).__name__}")
    y, x = promote_float(y, x)
    return Atan2.apply(y, x)


arctan2 = atan2
