"""The functions of ``torch.special`` NumPy has no routine for: the normal distribution's ``ndtr``, ``ndtri``
and ``log_ndtr``, the error functions ``erfc``, ``erfinv`` and the scaled ``erfcx``, the
modified Bessel functions ``i0``, ``i0e``, ``i1``, ``i1e``, the entropy term ``entr`` and ``xlog1py``.

Forwards compute in float64 (a float32 input is rounded once at the end) from ``math.erf``/``math.erfc`` and
series written here; backwards are Tensor expressions of the input and the output, so second derivatives need no
formula of their own. Integer inputs become float32 first, as in torch.
"""

import math

import numpy as np

from ..autograd.function import Function
from ._util import promote_float
from .elementwise import XLogY, unary, where
from .transcendental import _function as unary_math_function

_SQRT2 = math.sqrt(2.0)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_erfc_object = np.frompyfunc(math.erfc, 1, 1)
_erf_object = np.frompyfunc(math.erf, 1, 1)

# erfcx(z) = exp(z²) erfc(z) is computed directly below this z; above it erfc underflows, and the asymptotic series
# 1/(z√π) Σ (-1)^k (2k-1)!!/(2z²)^k has terms below 1e-17 by its eighth
_ERFCX_SERIES_FROM = 25.0
_ERFCX_TERMS = 8
# modified Bessel functions: the power series (positive terms, no cancellation) up to this |x|, the asymptotic
# expansion e^x/√(2πx) Σ (-1)^k a_k(ν)/x^k beyond (its terms fall below 1e-17 by the 24th at |x| = 30)
_BESSEL_SERIES_UP_TO = 30.0
_BESSEL_SERIES_TERMS = 110  # the series term (x/2)^2k/(k!)² at x = 30 is below 1e-17 of the sum from k = 100
_BESSEL_ASYMPTOTIC_TERMS = 24


def _float64(x):
    return np.asarray(x, dtype=np.float64)


def _erfc(z):
    """``erfc`` of a float64 array (no NumPy ufunc exists; math.erfc is exact to the last bit)."""
    return _float64(_erfc_object(z))


def _erf(z):
    """``erf`` of a float64 array (math.erf, like ``_erfc``)."""
    return _float64(_erf_object(z))


def _erfcx_array(z):
    """``exp(z²) erfc(z)`` of a float64 array, without overflow or underflow for large ``|z|``."""
    z = _float64(z)
    out = np.empty_like(z)
    large = z > _ERFCX_SERIES_FROM
    direct = ~large & (z >= 0)
    out[direct] = np.exp(z[direct] ** 2) * _erfc(z[direct])
    zl = z[large]
    term, total = np.ones_like(zl), np.ones_like(zl)
    for k in range(1, _ERFCX_TERMS):
        term = term * -(2 * k - 1) / (2 * zl * zl)
        total = total + term
    out[large] = total / (zl * math.sqrt(math.pi))
    negative = z < 0
    if negative.any():  # erfc(-z) = 2 - erfc(z): exp(z²) erfc(z) = 2 exp(z²) - erfcx(-z), inf far out
        zn = z[negative]
        with np.errstate(over="ignore"):
            out[negative] = 2 * np.exp(zn * zn) - _erfcx_array(-zn)
    out[np.isnan(z)] = np.nan
    return out


def _bessel_scaled(x, order):
    """``e^{-|x|} I_order(|x|)`` of a float64 array (order 0 or 1), for the even/odd extension by the caller."""
    ax = np.abs(_float64(x))
    out = np.empty_like(ax)
    small = ax <= _BESSEL_SERIES_UP_TO
    half = ax[small] / 2
    term = half**order  # (x/2)^(2k+ν) / (k! (k+ν)!) at k = 0
    total = term.copy()
    for k in range(1, _BESSEL_SERIES_TERMS):
        term = term * half * half / (k * (k + order))
        total = total + term
    out[small] = total * np.exp(-ax[small])
    big = ax[~small]
    mu = 4.0 * order * order
    term, total = np.ones_like(big), np.ones_like(big)
    for k in range(1, _BESSEL_ASYMPTOTIC_TERMS):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8 * big)
        total = total + term
    with np.errstate(divide="ignore", invalid="ignore"):  # at inf: 1/√inf = 0, the scaled limit
        out[~small] = total / np.sqrt(2 * math.pi * big)
    out[np.isnan(ax)] = np.nan
    return out


def _function(name, array_function, derivative, doc):
    """transcendental's unary Function and its public function, around ``array_function`` (float64 inside), whose
    result is cast back to the input's dtype."""
    cls, function = unary_math_function(name, lambda x: np.asarray(array_function(x), dtype=x.dtype), derivative, doc)
    cls.__module__ = __name__  # where doctest and the contract tests look for it
    return cls, function


def _ndtr_array(x):
    return 0.5 * _erfc(-_float64(x) / _SQRT2)


def _log_ndtr_array(x):
    """``log Φ(x)``: ``log1p(-Φ(-x))`` for x ≥ 0 (Φ near 1), ``log(erfcx(-x/√2) / 2) - x²/2`` below (no underflow)."""
    x = _float64(x)
    return np.where(x >= 0, np.log1p(-_ndtr_array(-x)), np.log(_erfcx_array(-x / _SQRT2) / 2) - x * x / 2)


def _ndtri_array(p):
    """Φ⁻¹(p): Newton's method on ``log Φ(x) = log q`` for ``q = min(p, 1 - p)`` (exact, as 1 - p is for
    p ≥ 1/2), started from the tail asymptote ``-√(-2 log q)``; log Φ is concave, so the steps converge from it."""
    p = _float64(p)
    q = np.minimum(p, 1 - p)
    inside = (q > 0) & (q <= 0.5)
    q_in = np.where(inside, q, 0.25)
    log_q = np.log(q_in)
    x = np.where(q_in < 0.3, -np.sqrt(-2 * log_q), 0.0)  # near q = 1/2 start from 0
    for _ in range(40):
        step = (_log_ndtr_array(x) - log_q) * _erfcx_array(-x / _SQRT2) / _SQRT_2_OVER_PI
        x = x - step
        if np.all(np.abs(step) <= 1e-16 * np.maximum(np.abs(x), 1)):
            break
    x = np.where(p > 0.5, -x, x)
    x = np.where(q == 0, np.where(p >= 1, np.inf, -np.inf), x)
    x = np.where(p == 0.5, 0.0, x)
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, np.where(inside | (q == 0), x, np.nan))


def _entr_array(x):
    return np.where(x > 0, -x * np.log(x), np.where(x == 0, 0.0, np.where(x < 0, -np.inf, x)))  # x: a nan stays


def _i0e_array(x):
    return _bessel_scaled(x, 0)


def _i1e_array(x):
    return np.sign(x) * _bessel_scaled(x, 1)


def _unscale(scaled, x):
    """``scaled · e^{|x|}``: the unscaled Bessel function (``±inf`` at ``±inf``, where 0 · inf would give nan)."""
    x = _float64(x)
    with np.errstate(over="ignore"):
        return np.where(np.isinf(x), np.copysign(np.inf, scaled), scaled * np.exp(np.abs(x)))


def _i1e_of(x):  # the derivatives of i0e and i0 need i1e and i1, defined after them (which need i0e and i0)
    return i1e(x)


def _i1_of(x):
    return i1(x)


Ndtr, ndtr = _function(
    "Ndtr",
    _ndtr_array,
    lambda x, y: (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi)),
    """The standard normal CDF ``Φ(x) = (1 + erf(x/√2)) / 2`` (torch.special.ndtr); gradient ``g · φ(x)``,
    ``φ(x) = exp(-x²/2) / √(2π)``.

    >>> minigrad.special.ndtr(minigrad.tensor([0.0]))
    tensor([0.5000])
    """,
)
Erfc, erfc = _function(
    "Erfc",
    _erfc,
    lambda x, y: (x * x * -1).exp() * -_TWO_OVER_SQRT_PI,
    """The complementary error function ``erfc(x) = 1 - erf(x)``, without erf's cancellation for large x
    (torch.erfc); gradient ``-g · 2/√π · exp(-x²)``.

    >>> minigrad.special.erfc(minigrad.tensor([0.0]))
    tensor([1.])
    """,
)
Erfcx, erfcx = _function(
    "Erfcx",
    _erfcx_array,
    lambda x, y: x * y * 2 - _TWO_OVER_SQRT_PI,
    """The scaled complementary error function ``exp(x²) erfc(x)`` (torch.special.erfcx), finite where erfc
    underflows; gradient ``g · (2 x erfcx(x) - 2/√π)``.

    >>> minigrad.special.erfcx(minigrad.tensor([0.0]))
    tensor([1.])
    """,
)
LogNdtr, log_ndtr = _function(
    "LogNdtr",
    _log_ndtr_array,
    lambda x, y: _SQRT_2_OVER_PI / erfcx(x * (-1 / _SQRT2)),
    """``log Φ(x)``, the log of the standard normal CDF (torch.special.log_ndtr), accurate far into both tails;
    gradient ``g · φ(x)/Φ(x) = g · √(2/π) / erfcx(-x/√2)``.

    >>> minigrad.special.log_ndtr(minigrad.tensor([0.0]))
    tensor([-0.6931])
    """,
)
Ndtri, ndtri = _function(
    "Ndtri",
    _ndtri_array,
    lambda x, y: (y * y * 0.5).exp() * math.sqrt(2 * math.pi),
    """The standard normal quantile ``Φ⁻¹(p)`` (torch.special.ndtri): ``±inf`` at 1 and 0, NaN outside [0, 1];
    gradient ``g · √(2π) exp(y²/2)``.

    >>> minigrad.special.ndtri(minigrad.tensor([0.5, 0.975]))
    tensor([0.0000, 1.9600])
    """,
)
Entr, entr = _function(
    "Entr",
    _entr_array,
    lambda x, y: -(x.log() + 1),
    """The entropy term ``-x ln x`` (torch.special.entr): 0 at 0, ``-inf`` for ``x < 0``; gradient
    ``-g (ln x + 1)``.

    >>> minigrad.special.entr(minigrad.tensor([0.0, 0.5]))
    tensor([0.0000, 0.3466])
    """,
)
I0e, i0e = _function(
    "I0e",
    _i0e_array,
    lambda x, y: _i1e_of(x) - x.sign() * y,
    """The exponentially scaled modified Bessel function ``e^{-|x|} I₀(x)`` (torch.special.i0e); gradient
    ``g · (i1e(x) - sign(x) i0e(x))``.

    >>> minigrad.special.i0e(minigrad.tensor([0.0]))
    tensor([1.])
    """,
)
I1e, i1e = _function(
    "I1e",
    _i1e_array,
    lambda x, y: where(x == 0, 0.5, i0e(x) - y * (x.sign() + 1 / x)),
    """The exponentially scaled modified Bessel function ``e^{-|x|} I₁(x)`` (torch.special.i1e); gradient
    ``g · (i0e(x) - i1e(x) (sign(x) + 1/x))``, ``g/2`` at 0.

    >>> minigrad.special.i1e(minigrad.tensor([0.0]))
    tensor([0.])
    """,
)
I0, i0 = _function(
    "I0",
    lambda x: _unscale(_i0e_array(x), x),
    lambda x, y: _i1_of(x),
    """The modified Bessel function of the first kind of order 0, ``I₀(x) = Σ (x/2)^{2k} / (k!)²`` (torch.i0);
    gradient ``g · I₁(x)``.

    >>> minigrad.special.i0(minigrad.tensor([0.0]))
    tensor([1.])
    """,
)
I1, i1 = _function(
    "I1",
    lambda x: _unscale(_i1e_array(x), x),
    lambda x, y: where(x == 0, 0.5, i0(x) - y / x),
    """The modified Bessel function of the first kind of order 1, ``I₁(x) = Σ (x/2)^{2k+1} / (k! (k+1)!)``
    (torch.special.i1); gradient ``g · (I₀(x) - I₁(x)/x)``, ``g/2`` at 0.

    >>> minigrad.special.i1(minigrad.tensor([0.0]))
    tensor([0.])
    """,
)


_WINITZKI_A = 0.147  # the constant of Winitzki's closed-form approximation (relative error below 2e-3)


def _erfinv_array(x):
    """``erf⁻¹`` of an array, in float64: Winitzki's approximation for ``a = |x|``, then Newton steps
    ``y ← y - r / (2/√π · exp(-y²))`` with the residual ``r = erf(y) - a`` below ``a = 1/2`` and
    ``r = (1 - a) - erfc(y)`` from there on: ``1 - a`` is exact there, while ``erf(y) - a`` near ``a = 1`` would
    cancel to rounding noise (float32 0.99999994 would come out 3.8305 instead of 3.8325). Newton converges
    quadratically, so four steps reach full precision. ``±inf`` at ``±1``, NaN outside ``[-1, 1]``."""
    shape = np.shape(x)
    x = _float64(x).reshape(-1)  # (a 0-d array's arithmetic would give NumPy scalars, which take no masks)
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.log((1 - a) * (1 + a))  # ln(1 - a²) without rounding a² first
        first = 2 / (math.pi * _WINITZKI_A) + log_term / 2
        y = np.sqrt(np.sqrt(first * first - log_term / _WINITZKI_A) - first)
    inside = a < 1
    tail = a[inside] >= 0.5
    y_in, a_in = y[inside], a[inside]
    residual = np.empty_like(y_in)
    for _ in range(4):
        residual[tail] = (1 - a_in[tail]) - _erfc(y_in[tail])
        residual[~tail] = _erf(y_in[~tail]) - a_in[~tail]
        y_in = y_in - residual / (_TWO_OVER_SQRT_PI * np.exp(-y_in * y_in))
    y[inside] = y_in
    return np.copysign(y, x).reshape(shape)


class Erfinv(Function):
    """``y = erf⁻¹(x)`` on ``[-1, 1]`` (``±inf`` at ``±1``, NaN outside); gradient ``g · √π/2 · exp(y²)``.
    Forward: ``_erfinv_array`` in float64, rounded once to the input's dtype."""

    saves_output = True
    keeps_inputs = False

    def forward(self, x):
        return np.asarray(_erfinv_array(x), dtype=x.dtype)

    def backward(self, grad):
        y = self.output()
        return grad * (y * y).exp() * (math.sqrt(math.pi) / 2)


erfinv = unary(Erfinv)
erfinv.__doc__ = """The inverse error function (torch.erfinv): ``erf(erfinv(x)) = x`` for ``x`` in ``[-1, 1]``; gradient
``g · √π/2 · exp(erfinv(x)²)``. Integers become float32.

>>> minigrad.special.erfinv(minigrad.tensor([0.0, 0.5]))
tensor([0.0000, 0.4769])
"""


class XLog1pY(XLogY):
    """``x log(1 + y)``, taken as 0 where ``x == 0`` (unless y is nan), as ``torch.special.xlog1py``.

    Gradients, as torch's: ``xlog1py(g, y)``, set to 0 where ``x == 0 and y <= -1``, and ``g x / (1 + y)``.
    """

    shift = 1
    numpy_log = staticmethod(np.log1p)


def xlog1py(x, y):
    """``x · log(1 + y)`` with ``0 · log(1 + y) = 0`` (torch.special.xlog1py); x and y broadcast, integers
    become float32.

    Gradient: ``g log(1 + y)`` to ``x`` (0 where ``x = 0``), ``g x / (1 + y)`` to ``y``.

    >>> minigrad.special.xlog1py(minigrad.tensor([0.0, 2.0]), minigrad.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    x, y = promote_float(x, y)
    return XLog1pY.apply(x, y)
