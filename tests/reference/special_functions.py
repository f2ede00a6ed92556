"""Plain NumPy/Python references for ``minigrad/_kernels/special_functions.pyx``, written from the defining series,
sums and integrals (slow, simple, and independent of the kernel's recurrences, asymptotic expansions and
continued fractions). Each takes and returns float64 arrays.
"""

import math

import numpy as np

EULER_GAMMA = 0.5772156649015329


def _elementwise(function):
    def apply(*arrays):
        return np.vectorize(function, otypes=[np.float64])(*arrays)

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    return apply


@_elementwise
def digamma(x):
    """ψ(x) = ψ(x + N) - Σ_{k<N} 1/(x + k), with ψ(y) ≈ ln y - 1/(2y) - 1/(12y²) at y = x + N ≥ 10⁴."""
    shift = 10_000 + max(0, math.ceil(-x))
    y = x + shift
    return math.log(y) - 1 / (2 * y) - 1 / (12 * y * y) - math.fsum(1 / (x + k) for k in range(shift))


@_elementwise
def zeta(x, q):
    """ζ(x, q) = Σ_{k<N} (k + q)^-x + the tail ∫_N^∞ plus half its first term (N = 10⁵; q > 0, x > 1)."""
    n = 100_000
    w = q + n
    return math.fsum((k + q) ** -x for k in range(n)) + w ** (1 - x) / (x - 1) + w**-x / 2


@_elementwise
def igamma(a, x):
    """P(a, x) = x^a e^-x Σ_n x^n / Γ(a + n + 1), the series summed until its terms vanish."""
    terms, n = [], 0
    while True:
        term = math.exp((a + n) * math.log(x) - x - math.lgamma(a + n + 1))
        terms.append(term)
        if n > x and term < 1e-20:
            return math.fsum(terms)
        n += 1


def modified_bessel_k(order, x):
    """K_ν(x) = ∫₀^∞ exp(-x cosh t) cosh(νt) dt by the trapezoid rule on a fine grid."""
    t = np.linspace(0, 12, 48_001)
    values = np.exp(-np.multiply.outer(np.asarray(x, np.float64), np.cosh(t))) * np.cosh(order * t)
    return np.trapezoid(values, t, axis=-1)


@_elementwise
def bessel_j0(x):
    """J₀(x) = Σ (-1)^k (x/2)^{2k} / (k!)²."""
    return math.fsum((-1) ** k * (x / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(80))


@_elementwise
def airy_ai(x):
    """Ai(x) = Ai(0) Σ 3^k (1/3)_k x^{3k}/(3k)! + Ai'(0) Σ 3^k (2/3)_k x^{3k+1}/(3k+1)!, its Maclaurin series."""
    f_terms, g_terms = [1.0], [x]
    for k in range(1, 60):
        f_terms.append(f_terms[-1] * x**3 / ((3 * k - 1) * (3 * k)))
        g_terms.append(g_terms[-1] * x**3 / ((3 * k) * (3 * k + 1)))
    return 0.3550280538878172 * math.fsum(f_terms) - 0.2588194037928068 * math.fsum(g_terms)


def chebyshev_polynomial(kind, x, n):
    """T, U, V, W of degree n from NumPy's Chebyshev series (U_n = Σ T's, V_n = U_n - U_{n-1}, W_n = U_n +
    U_{n-1})."""
    cheb = np.polynomial.chebyshev

    def u(degree):
        if degree < 0:
            return np.zeros_like(x)
        # U_n = 2 Σ_{j ≡ n (mod 2), 0 < j ≤ n} T_j + (1 if n is even else 0) T_0
        coefficients = np.zeros(degree + 1)
        coefficients[degree % 2 :: 2] = 2
        if degree % 2 == 0:
            coefficients[0] = 1
        return cheb.chebval(x, coefficients)

    if kind == "t":
        return cheb.chebval(x, [0] * n + [1])
    if kind == "u":
        return u(n)
    return u(n) - u(n - 1) if kind == "v" else u(n) + u(n - 1)


def orthogonal_polynomial(name, x, n):
    """Hermite H and He, Laguerre and Legendre of degree n from NumPy's polynomial series."""
    module = {
        "hermite_polynomial_h": np.polynomial.hermite.hermval,
        "hermite_polynomial_he": np.polynomial.hermite_e.hermeval,
        "laguerre_polynomial_l": np.polynomial.laguerre.lagval,
        "legendre_polynomial_p": np.polynomial.legendre.legval,
    }[name]
    return module(x, [0] * n + [1])
