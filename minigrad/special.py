"""``minigrad.special``: torch.special's namespace.

The functions minigrad already has under their torch names are the same objects here (``expit`` is ``sigmoid``,
``gammaln`` would be ``lgamma``, ...); the rest are in ``minigrad.ops.special``. Not here yet: ``digamma``/``psi``,
``polygamma``, ``multigammaln``, ``gammaln``, ``gammainc(c)``, ``zeta``, ``erfc``, ``logit``, ``sinc``, the Airy,
Bessel J/Y/K and spherical Bessel functions and the orthogonal polynomials.
"""

from .ops.activation import erf, log_softmax, sigmoid, softmax
from .ops.elementwise import expm1, log1p, round, xlogy
from .ops.reduce import logsumexp
from .ops.special import entr, erfcx, erfinv, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py
from .ops.transcendental import exp2

expit = sigmoid

__all__ = [
    "entr",
    "erf",
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
    "ndtr",
    "ndtri",
    "round",
    "softmax",
    "xlog1py",
    "xlogy",
]
