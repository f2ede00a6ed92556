"""torch.special's orthogonal polynomials ``P_n(x)`` of an input ``x`` and a degree ``n`` (tensors or Python
numbers, broadcasting; ``n`` truncated to an integer, ``n < 0`` gives 0): Chebyshev of the four kinds and their
shifted forms on [0, 1], physicists' and probabilists' Hermite, Laguerre and Legendre.

The compiled kernel (``minigrad._kernels.special_functions``) runs the three-term recurrences in ``n`` (for the
Chebyshev kinds inside (-1, 1) and large ``n`` their trigonometric forms, as torch). torch has no gradient for these;
the result is a new tensor outside any graph. Integer inputs give float32, as in torch.
"""

import numpy as np

from ..autograd.tensor import Tensor
from . import special_kernel
from ._util import data_of, promote_float

# torch gives NaN for Hermite polynomials above these degrees (float32, float64)
_HERMITE_LIMIT = {np.dtype(np.float32): 128, np.dtype(np.float64): 512}


def _polynomial(name, recurrence, doc):
    def function(input, n):  # noqa: A002 - torch's argument name
        x, degree = (np.asarray(data_of(v)) for v in promote_float(input, n))
        result = special_kernel.binary(name, x, degree)
        if name.startswith("hermite"):
            limit = _HERMITE_LIMIT.get(result.dtype, 128)
            # a degree beyond int64 (or infinite, or NaN) becomes the most negative integer (giving 0), as torch
            too_high = (degree > limit) & (degree < 2.0**63)
            result = np.where(np.broadcast_to(too_high, result.shape), np.nan, result).astype(result.dtype)
        return Tensor._wrap(result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{doc}\n\n    Recurrence: {recurrence}. Elementwise with broadcasting; not differentiable."
    return function


chebyshev_polynomial_t = _polynomial(
    "chebyshev_polynomial_t",
    "T₀ = 1, T₁ = x, T_{k+1} = 2x T_k - T_{k-1}",
    """The Chebyshev polynomial of the first kind ``T_n(x)``, ``T_n(cos θ) = cos(nθ)``
    (torch.special.chebyshev_polynomial_t).

    >>> minigrad.special.chebyshev_polynomial_t(minigrad.tensor([0.5]), 2)
    tensor([-0.5000])""",
)
chebyshev_polynomial_u = _polynomial(
    "chebyshev_polynomial_u",
    "U₀ = 1, U₁ = 2x, U_{k+1} = 2x U_k - U_{k-1}",
    """The Chebyshev polynomial of the second kind ``U_n(x)``, ``U_n(cos θ) = sin((n+1)θ) / sin θ``
    (torch.special.chebyshev_polynomial_u).

    >>> minigrad.special.chebyshev_polynomial_u(minigrad.tensor([0.5]), 2)
    tensor([0.])""",
)
chebyshev_polynomial_v = _polynomial(
    "chebyshev_polynomial_v",
    "V₀ = 1, V₁ = 2x - 1, V_{k+1} = 2x V_k - V_{k-1}",
    """The Chebyshev polynomial of the third kind ``V_n(x)``, ``V_n(cos θ) = cos((n+½)θ) / cos(θ/2)``
    (torch.special.chebyshev_polynomial_v).

    >>> minigrad.special.chebyshev_polynomial_v(minigrad.tensor([0.5]), 2)
    tensor([-1.])""",
)
chebyshev_polynomial_w = _polynomial(
    "chebyshev_polynomial_w",
    "W₀ = 1, W₁ = 2x + 1, W_{k+1} = 2x W_k - W_{k-1}",
    """The Chebyshev polynomial of the fourth kind ``W_n(x)``, ``W_n(cos θ) = sin((n+½)θ) / sin(θ/2)``
    (torch.special.chebyshev_polynomial_w).

    >>> minigrad.special.chebyshev_polynomial_w(minigrad.tensor([0.5]), 2)
    tensor([1.])""",
)
shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t",
    "T*_n(x) = T_n(2x - 1)",
    """The shifted Chebyshev polynomial of the first kind ``T_n(2x - 1)``, orthogonal on [0, 1]
    (torch.special.shifted_chebyshev_polynomial_t).

    >>> minigrad.special.shifted_chebyshev_polynomial_t(minigrad.tensor([0.75]), 2)
    tensor([-0.5000])""",
)
shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u",
    "U*_n(x) = U_n(2x - 1)",
    """The shifted Chebyshev polynomial of the second kind ``U_n(2x - 1)``
    (torch.special.shifted_chebyshev_polynomial_u).

    >>> minigrad.special.shifted_chebyshev_polynomial_u(minigrad.tensor([0.75]), 2)
    tensor([0.])""",
)
shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v",
    "V*_n(x) = V_n(2x - 1)",
    """The shifted Chebyshev polynomial of the third kind ``V_n(2x - 1)``
    (torch.special.shifted_chebyshev_polynomial_v).

    >>> minigrad.special.shifted_chebyshev_polynomial_v(minigrad.tensor([0.75]), 2)
    tensor([-1.])""",
)
shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w",
    "W*_n(x) = W_n(2x - 1)",
    """The shifted Chebyshev polynomial of the fourth kind ``W_n(2x - 1)``
    (torch.special.shifted_chebyshev_polynomial_w).

    >>> minigrad.special.shifted_chebyshev_polynomial_w(minigrad.tensor([0.75]), 2)
    tensor([1.])""",
)
hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h",
    "H₀ = 1, H₁ = 2x, H_{k+1} = 2x H_k - 2k H_{k-1}",
    """The physicists' Hermite polynomial ``H_n(x)``, orthogonal under ``e^{-x²}``
    (torch.special.hermite_polynomial_h); NaN above degree 128 (float32) or 512 (float64), as torch.

    >>> minigrad.special.hermite_polynomial_h(minigrad.tensor([1.0]), 2)
    tensor([2.])""",
)
hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he",
    "He₀ = 1, He₁ = x, He_{k+1} = x He_k - k He_{k-1}",
    """The probabilists' Hermite polynomial ``He_n(x)``, orthogonal under ``e^{-x²/2}``
    (torch.special.hermite_polynomial_he); NaN above degree 128 (float32) or 512 (float64), as torch.

    >>> minigrad.special.hermite_polynomial_he(minigrad.tensor([1.0]), 2)
    tensor([0.])""",
)
laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l",
    "L₀ = 1, L₁ = 1 - x, (k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}",
    """The Laguerre polynomial ``L_n(x)``, orthogonal on [0, ∞) under ``e^{-x}``
    (torch.special.laguerre_polynomial_l).

    >>> minigrad.special.laguerre_polynomial_l(minigrad.tensor([1.0]), 2)
    tensor([-0.5000])""",
)
legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p",
    "P₀ = 1, P₁ = x, (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}",
    """The Legendre polynomial ``P_n(x)``, orthogonal on [-1, 1] (torch.special.legendre_polynomial_p).

    >>> minigrad.special.legendre_polynomial_p(minigrad.tensor([0.5]), 2)
    tensor([-0.1250])""",
)
