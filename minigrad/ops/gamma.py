"""The gamma function's family: ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, the Hurwitz ``zeta`` and the
regularized incomplete gamma functions ``igamma``/``igammac`` (torch's names; torch.special calls them
``gammaln``, ``psi``, ``multigammaln``, ``gammainc``, ``gammaincc``).

Forwards run the compiled kernels (``minigrad._kernels.special_functions``, in double); backwards are Tensor
expressions of the family itself (``lgamma' = ψ``, ``ψ⁽ⁿ⁾' = ψ⁽ⁿ⁺¹⁾``, ``∂ζ(x, q)/∂q = -x ζ(x+1, q)``), so second
derivatives need no formula of their own. As in torch, ``zeta`` has no derivative in ``x`` and the incomplete gamma
functions none in ``a``. Integer inputs become float32 first, as in torch.
"""

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import special_kernel
from ._util import float_operand, promote_float
from .shape import sum_to
from .transcendental import _function as unary_math_function

_LOG_PI = math.log(math.pi)


def _function(name, array_function, derivative, doc):
    cls, function = unary_math_function(name, array_function, derivative, doc)
    cls.__module__ = __name__  # where doctest and the contract tests look for it
    return cls, function


def _digamma_of(x, y):  # lgamma's derivative needs digamma, defined after it
    return digamma(x)


Lgamma, lgamma = _function(
    "Lgamma",
    special_kernel.lgamma,
    _digamma_of,
    """``log|Γ(x)|``, the log of the gamma function's magnitude (torch.lgamma, torch.special.gammaln): ``inf`` at
    0 and the negative integers; gradient ``g · ψ(x)``.

    >>> minigrad.lgamma(minigrad.tensor([0.5, 3.0]))
    tensor([0.5724, 0.6931])
    """,
)
Digamma, digamma = _function(
    "Digamma",
    special_kernel.digamma,
    lambda x, y: polygamma(1, x),
    """The digamma function ``ψ(x) = Γ'(x)/Γ(x)`` (torch.digamma, torch.special.psi): ``-inf`` at +0, NaN at the
    negative integers; gradient ``g · ψ⁽¹⁾(x)``.

    >>> minigrad.digamma(minigrad.tensor([1.0, 2.0]))
    tensor([-0.5772,  0.4228])
    """,
)


class Polygamma(Function):
    """``y = ψ⁽ⁿ⁾(x)``, the n-th derivative of the digamma function (option ``n``); gradient ``g · ψ⁽ⁿ⁺¹⁾(x)``."""

    def forward(self, x, n):
        return special_kernel.polygamma(n, x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * polygamma(self.options["n"] + 1, x)


def polygamma(n, input):  # noqa: A002 - torch's argument name
    """``ψ⁽ⁿ⁾(x) = dⁿψ/dxⁿ = (-1)^(n+1) n! ζ(n+1, x)`` for ``n ≥ 1``, ``ψ`` for ``n = 0`` (torch.polygamma,
    torch.special.polygamma); elementwise, any shape. Gradient ``g · ψ⁽ⁿ⁺¹⁾(x)``.

    >>> minigrad.polygamma(1, minigrad.tensor([1.0]))  # π²/6
    tensor([1.6449])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(float_operand(input), n=int(n))


def mvlgamma(input, p):  # noqa: A002 - torch's argument name
    """The log of the multivariate gamma function of dimension ``p`` (torch.mvlgamma, torch.special.multigammaln):
    ``log Γ_p(x) = p(p-1)/4 · log π + Σ_{j=0}^{p-1} lgamma(x - j/2)``, elementwise; gradient
    ``g · Σ_j ψ(x - j/2)``. Integers become float32; bool inputs and ``p < 1`` raise RuntimeError.

    >>> minigrad.mvlgamma(minigrad.tensor([2.5]), 2)
    tensor([0.8570])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = float_operand(input)
    total = lgamma(x - (p - 1) / 2)  # summed from the smallest argument up, as torch
    for j in range(p - 2, -1, -1):
        total = total + lgamma(x - j / 2)
    return total + p * (p - 1) / 4 * _LOG_PI


class Zeta(Function):
    """``y = ζ(x, q) = Σ_{k≥0} (k + q)^-x`` (Hurwitz); gradient ``-g x ζ(x+1, q)`` to ``q``, none to ``x``."""

    def forward(self, x, q):
        return special_kernel.binary("zeta", x, q)

    def backward(self, grad):
        x, q = self.inputs
        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, sum_to(grad * -x * zeta(x + 1, q), np.shape(q._data))


def zeta(input, other):  # noqa: A002 - torch's argument name
    """The Hurwitz zeta function ``ζ(x, q) = Σ_{k≥0} 1/(k + q)^x`` (torch.special.zeta; ``q = 1`` is Riemann's),
    with broadcasting; either may be a Python number. ``inf`` at ``x = 1`` and the poles ``q = 0, -1, ...``, NaN for
    ``x < 1``. Gradient ``-g x ζ(x+1, q)`` to ``q``; none to ``x`` (NotImplementedError, as torch).

    >>> minigrad.special.zeta(minigrad.tensor([2.0]), 1.0)  # π²/6
    tensor([1.6449])
    """
    x, q = promote_float(input, other)
    return Zeta.apply(x, q)


class Igamma(Function):
    """``P(a, x) = γ(a, x)/Γ(a)`` (option ``upper``: ``Q = 1 - P``); gradient ``±g x^(a-1) e^-x / Γ(a)`` to ``x``,
    none to ``a``."""

    def forward(self, a, x, upper):
        return special_kernel.binary("igammac" if upper else "igamma", a, x)

    def backward(self, grad):
        a, x = self.inputs
        name = "igammac" if self.options["upper"] else "igamma"
        if self.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        density = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, sum_to(grad * (-density if self.options["upper"] else density), np.shape(x._data))


def _incomplete_gamma(name, a, x, upper):
    for position, (argument, value) in enumerate((("input", a), ("other", x)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{argument}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    for value in (a, x):
        if value._data.dtype.kind != "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{value.dtype}'")
    a, x = promote_float(a, x)
    return Igamma.apply(a, x, upper=upper)


def igamma(input, other):  # noqa: A002 - torch's argument names
    """The regularized lower incomplete gamma function ``P(a, x) = 1/Γ(a) ∫₀ˣ t^(a-1) e^-t dt`` (torch.igamma,
    torch.special.gammainc) of float tensors ``a = input``, ``x = other``, broadcasting. Gradient
    ``g x^(a-1) e^-x / Γ(a)`` to ``x``; none to ``a`` (NotImplementedError, as torch).

    >>> minigrad.igamma(minigrad.tensor([1.0]), minigrad.tensor([1.0]))  # 1 - 1/e
    tensor([0.6321])
    """
    return _incomplete_gamma("igamma", input, other, upper=False)


def igammac(input, other):  # noqa: A002 - torch's argument names
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)`` (torch.igammac,
    torch.special.gammaincc), broadcasting. Gradient ``-g x^(a-1) e^-x / Γ(a)`` to ``x``; none to ``a``.

    >>> minigrad.igammac(minigrad.tensor([1.0]), minigrad.tensor([1.0]))  # 1/e
    tensor([0.3679])
    """
    return _incomplete_gamma("igammac", input, other, upper=True)
