"""``minigrad.special``: torch.special's namespace.

torch.special's aliases of functions minigrad has are the same objects here (``expit`` is ``sigmoid``, ``exp2`` is
``minigrad.exp2``, ...); the functions of its own are in ``minigrad.ops.special``. Not here yet: ``digamma``/``psi``,
``polygamma``, ``multigammaln``, ``gammaln``, ``gammainc(c)``, ``zeta``, ``logit``, ``sinc``, the Airy,
Bessel J/Y/K and spherical Bessel functions and the orthogonal polynomials.
"""

from .ops.activation import erf, log_softmax, sigmoid, softmax
from .ops.elementwise import expm1, log1p, round, xlogy
from .ops.reduce import logsumexp
from .ops.special import entr, erfc, erfcx, erfinv, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py
from .ops.transcendental import exp2

expit = sigmoid
modified_bessel_i0 = i0  # torch's newer names for the same functions (torch has no gradient for these spellings)
modified_bessel_i1 = i1

__all__ = [
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "ndtr",
    "ndtri",
    "round",
    "softmax",
    "xlog1py",
    "xlogy",
]
