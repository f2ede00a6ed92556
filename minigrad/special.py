"""``minigrad.special``: torch.special's namespace.

torch.special's aliases of functions minigrad has are the same objects here (``expit`` is ``sigmoid``, ``exp2`` is
``minigrad.exp2``, ``gammaln`` is ``minigrad.lgamma``, ...); the functions of its own are in ``minigrad.ops.special``
(the normal distribution, error and I Bessel functions), ``minigrad.ops.bessel`` (Bessel J, Y, K, spherical and
Airy functions) and ``minigrad.ops.orthogonal_polynomials``.
"""

from .ops.activation import erf, log_softmax, sigmoid, softmax

# the gamma family, Bessel and Airy functions and orthogonal polynomials
from .ops.bessel import (
    airy_ai,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from .ops.elementary_special import logit, sinc
from .ops.elementwise import expm1, log1p, round, xlogy
from .ops.gamma import digamma, igamma, igammac, lgamma, mvlgamma, polygamma, zeta
from .ops.orthogonal_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .ops.reduce import logsumexp
from .ops.special import entr, erfc, erfcx, erfinv, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py
from .ops.transcendental import exp2

expit = sigmoid
modified_bessel_i0 = i0  # torch's newer names for the same functions (torch has no gradient for these spellings)
modified_bessel_i1 = i1
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma
gammainc = igamma
gammaincc = igammac

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]
