"""Elementwise special functions NumPy has no routine for, over C-contiguous 1-D arrays.

Every function computes in double whatever the array dtype (float32 results are rounded once at the end) and
follows torch's values at the edges of its domain (poles, negative integers, infinities). The caller broadcasts
and flattens its operands, allocates ``out`` and validates; these kernels trust their arguments.

    lgamma(x)           log|Γ(x)| (the C library's reentrant lgamma_r)
    digamma(x)          ψ(x) = Γ'(x)/Γ(x): recurrence up to x ≥ 10, then the asymptotic series; reflection below 0
    polygamma(n, x)     ψ⁽ⁿ⁾(x): digamma (n = 0), trigamma by recurrence and reflection (n = 1),
                        (-1)^(n+1) n! ζ(n+1, x) above
    zeta(x, q)          the Hurwitz zeta function Σ_k (k+q)^-x: a direct sum, then the Euler-Maclaurin tail
    igamma(a, x)        the regularized lower incomplete gamma function P(a, x); igammac: Q = 1 - P. The power
                        series for x < a + 1, the continued fraction of Q above (modified Lentz)
    bessel_j0/j1/y0/y1  Bessel functions of the first and second kind (the C library's j0, j1, y0, y1)
    modified_bessel_k0/k1 and their scaled e^x K(x): the power series up to x = 2, above it the integral
                        ∫₀^∞ exp(-x (cosh t - 1)) cosh(νt) dt by the trapezoid rule (exponentially accurate)
    airy_ai(x)          Ai(x): the Maclaurin series on [-7, 2], (1/π) √(x/3) K_{1/3}(2/3 x^{3/2}) above, the
                        oscillating asymptotic expansion below
    orthogonal polynomials (x, n): three-term recurrences in n, the trigonometric closed forms of the Chebyshev
                        kinds for large n inside (-1, 1) as torch; n is truncated to an integer, n < 0 gives 0

Loops run on ``num_threads`` OpenMP threads when the array is long enough for threads to pay off.

Example::

    x = np.array([1.0, 2.0]); out = np.empty_like(x)
    digamma(x, out, 1)      # out == [-0.5772, 0.4228]
"""
from cython cimport floating
from cython.parallel cimport parallel, prange
from libc.math cimport (INFINITY, NAN, M_PI, acos, asinh, copysign, cos, cosh, erfc, exp, fabs, floor, isinf, isnan,
                        log, log1p, pow, sin, sqrt, tan)


cdef extern from * nogil:  # declared by <math.h>, which the libc.math cimport above includes
    double lgamma_r(double x, int *sign)  # lgamma without the global `signgam` (safe on threads)
    # POSIX's Bessel functions (libc.math does not declare them)
    double c_j0 "j0"(double x)
    double c_j1 "j1"(double x)
    double c_y0 "y0"(double x)
    double c_y1 "y1"(double x)


ctypedef double (*unary_function)(double) noexcept nogil
ctypedef double (*binary_function)(double, double) noexcept nogil

# Special functions cost tens to thousands of flops an element: threads pay off from a few thousand elements.
cdef enum:
    PARALLEL_MIN_ELEMENTS = 4096

cdef double EPSILON = 2.220446049250313e-16
cdef long long HERMITE_MAX_DEGREE = 512  # torch gives NaN for Hermite polynomials above this degree (double)
# from this order on the incomplete gamma functions use their uniform asymptotic expansion (the series and the
# continued fraction need ~√a terms, and a log x - lgamma(a) cancels to a relative a·ε)
cdef double LARGE_ORDER = 1e14
cdef double EULER_GAMMA = 0.57721566490153286061
# B_2k / (2k)!, k = 1..12: the Euler-Maclaurin corrections of the zeta tail
cdef double[12] BERNOULLI_OVER_FACTORIAL = [
    1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160, -691.0 / 1307674368000,
    1.0 / 74724249600, -3617.0 / 10670622842880000, 43867.0 / 5109094217170944000,
    -174611.0 / 802857662698291200000, 77683.0 / 14101100039391805440000,
    -236364091.0 / 1693824136731743669452800000,
]


cdef inline int _threads(Py_ssize_t n, int num_threads) noexcept nogil:
    return num_threads if n >= PARALLEL_MIN_ELEMENTS else 1


cdef void _map_unary(unary_function f, const floating[::1] x, floating[::1] out, int num_threads) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], i
    with parallel(num_threads=_threads(n, num_threads)):
        for i in prange(n, schedule="static"):
            out[i] = <floating>f(x[i])


cdef void _map_binary(binary_function f, const floating[::1] x, const floating[::1] y, floating[::1] out,
                      int num_threads) noexcept nogil:
    cdef Py_ssize_t n = x.shape[0], i
    with parallel(num_threads=_threads(n, num_threads)):
        for i in prange(n, schedule="static"):
            out[i] = <floating>f(x[i], y[i])


# ------------------------------------------------------------------------------------------------ gamma family
cdef double _lgamma(double x) noexcept nogil:
    cdef int sign
    return lgamma_r(x, &sign)


cdef double _digamma(double x) noexcept nogil:
    cdef double result = 0, z
    if x == 0:
        return copysign(INFINITY, -x)  # torch: -inf at +0, +inf at -0
    if x < 0:
        if x == floor(x):
            return NAN
        # ψ(x) = ψ(1 - x) - π / tan(πx); tan has period π, so reduce x first (exact) to keep πx small
        return _digamma(1 - x) - M_PI / tan(M_PI * (x - floor(x)))
    while x < 10:  # ψ(x) = ψ(x + 1) - 1/x
        result -= 1 / x
        x += 1
    # ψ(x) ~ ln x - 1/(2x) - Σ B_2k / (2k x^2k); at x ≥ 10 the first omitted term is below 1e-17
    z = 1 / (x * x)
    result += log(x) - 0.5 / x - z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (
        1.0 / 132 - z * (691.0 / 32760 - z / 12))))))
    return result


cdef double _trigamma(double x) noexcept nogil:
    cdef double result = 0, sign = 1, s, z
    if x == -INFINITY:
        return NAN
    if x <= 0 and x == floor(x):
        return INFINITY  # a pole (torch: π²/sin²(πx) with a rounded sin, huge but finite)
    if x < 0.5:
        # ψ₁(x) = π² / sin²(πx) - ψ₁(1 - x); sin has period 2π, so reduce x first (exact) to keep πx small
        sign = -1
        s = sin(M_PI * (x - 2 * floor(x / 2)))
        result = -M_PI * M_PI / (s * s)
        x = 1 - x
    while x < 10:  # ψ₁(x) = ψ₁(x + 1) + 1/x²
        result += 1 / (x * x)
        x += 1
    # ψ₁(x) ~ 1/x + 1/(2x²) + Σ B_2k / x^(2k+1)
    z = 1 / (x * x)
    result += 1 / x + z / 2 + z / x * (1.0 / 6 - z * (1.0 / 30 - z * (1.0 / 42 - z * (1.0 / 30 - z * (
        5.0 / 66 - z * 691.0 / 2730)))))
    return sign * result


cdef double _zeta(double x, double q) noexcept nogil:
    cdef double total = 0, term, w, scale, correction, rising
    cdef int k
    if x == 1:
        return INFINITY
    if x < 1 or isnan(x) or isnan(q) or q == INFINITY:  # torch: nan at q = +inf
        return NAN
    if q <= 0:
        if q == floor(q):
            return INFINITY  # a pole
        if x != floor(x):
            return NAN  # (k + q)^-x of a negative base
    # direct terms until (k + q) is large next to the order: the tail's asymptotic series then converges fast
    w = q
    k = 0
    while k < 9 or w < 10 or w < x:
        term = pow(w, -x)
        total += term
        w += 1
        k += 1
        if w > 0 and fabs(term) <= EPSILON * fabs(total) and k >= 9:
            return total
    # Σ_{j≥0} (w + j)^-x = w^(1-x)/(x-1) + w^-x/2 + Σ_k B_2k/(2k)! x(x+1)…(x+2k-2) w^(-x-2k+1)
    scale = pow(w, -x)
    total += w * scale / (x - 1) + scale / 2
    rising = x  # x (x+1) … (x+2k-2)
    scale /= w
    for k in range(12):
        correction = BERNOULLI_OVER_FACTORIAL[k] * rising * scale
        total += correction
        if fabs(correction) <= EPSILON * fabs(total):
            break
        rising *= (x + 2 * k + 1) * (x + 2 * k + 2)
        scale /= w * w
    return total


cdef double _polygamma(int n, double x) noexcept nogil:
    cdef int k
    cdef double factorial = 1
    if n == 0:
        return _digamma(x)
    if n == 1:
        return _trigamma(x)
    for k in range(2, n + 1):
        factorial *= k
    return (1 if n % 2 else -1) * factorial * _zeta(n + 1, x)


cdef double _log_gamma_prefactor(double a, double x) noexcept nogil:
    """log(x^a e^-x / Γ(a)), the factor in front of both expansions of the incomplete gamma functions."""
    return a * log(x) - x - _lgamma(a)


cdef double _lower_series(double a, double x) noexcept nogil:
    """P(a, x) = x^a e^-x / Γ(a) · Σ_n x^n / (a (a+1) … (a+n)), for x < a + 1."""
    cdef double term = 1 / a, total = 1 / a, denominator = a
    cdef int _step
    for _step in range(100000):
        denominator += 1
        term *= x / denominator
        total += term
        if fabs(term) <= EPSILON * fabs(total):
            break
    return total * exp(_log_gamma_prefactor(a, x))


cdef double _upper_fraction(double a, double x) noexcept nogil:
    """Q(a, x) = x^a e^-x / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- …))), for x ≥ a + 1 (Lentz)."""
    cdef double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, an, delta
    cdef int i
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if fabs(d) < tiny else d
        c = b + an / c
        c = tiny if fabs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if fabs(delta - 1) <= EPSILON:
            break
    return h * exp(_log_gamma_prefactor(a, x))


cdef double _large_order_lower(double a, double x) noexcept nogil:
    """P(a, x) for a ≥ 1e14 by the leading terms of Temme's uniform expansion: with λ = x/a, μ = λ - 1 and
    η = sign(μ) √(2(μ - log1p μ)), P = ½ erfc(-η √(a/2)) - exp(-a η²/2) / √(2πa) · (1/μ - 1/η); the next term is
    O(1/a) smaller."""
    cdef double mu = x / a - 1, half_eta_squared, eta, correction
    if fabs(mu) < 1e-3:  # μ - log1p(μ) and 1/μ - 1/η by their series (both cancel there)
        half_eta_squared = mu * mu * (0.5 - mu * (1.0 / 3 - mu / 4))
        eta = copysign(sqrt(2 * half_eta_squared), mu)
        correction = -1.0 / 3 + eta / 12
    else:
        half_eta_squared = mu - log1p(mu)
        eta = copysign(sqrt(2 * half_eta_squared), mu)
        correction = 1 / mu - 1 / eta
    return 0.5 * erfc(-eta * sqrt(a / 2)) - exp(-a * half_eta_squared) / sqrt(2 * M_PI * a) * correction


cdef double _regularized_gamma(double a, double x, bint upper) noexcept nogil:
    """P(a, x), or Q(a, x) = 1 - P(a, x) when ``upper``: torch's edge cases in its order (a NaN argument falls
    through the comparisons to the NaN line; the exact edge values of P give Q's as 1 - P), then whichever of the
    large-order expansion, the series for P or the continued fraction for Q converges at (a, x), complemented when
    it gives the other one."""
    cdef double lower, upper_fraction
    if a < 0 or x < 0:
        return NAN
    if a == 0:
        lower = 1 if x > 0 else NAN
    elif x == 0:
        lower = 0
    elif isinf(a):
        lower = NAN if isinf(x) else 0
    elif isinf(x):
        lower = 1
    elif isnan(a) or isnan(x):
        return NAN
    elif a >= LARGE_ORDER:
        lower = _large_order_lower(a, x)
    elif x < a + 1:
        lower = _lower_series(a, x)
    else:
        upper_fraction = _upper_fraction(a, x)  # Q itself: Q as 1 - P would lose its small values
        return upper_fraction if upper else 1 - upper_fraction
    return 1 - lower if upper else lower


cdef double _igamma(double a, double x) noexcept nogil:
    return _regularized_gamma(a, x, False)


cdef double _igammac(double a, double x) noexcept nogil:
    return _regularized_gamma(a, x, True)


# ------------------------------------------------------------------------------------------------ Bessel family
# torch gives NaN for J and Y at ±inf (the C library the limit 0)
cdef double _j0(double x) noexcept nogil:
    return NAN if isinf(x) else c_j0(x)


cdef double _j1(double x) noexcept nogil:
    return NAN if isinf(x) else c_j1(x)


cdef double _y0(double x) noexcept nogil:
    return NAN if isinf(x) else c_y0(x)


cdef double _y1(double x) noexcept nogil:
    return NAN if isinf(x) else c_y1(x)


# the trapezoid nodes u_k = 0.2 k of the K integral below and their Gaussian weights exp(-u_k²); past k = 33
# the weights are below 1e-18
cdef enum:
    K_NODES = 34
cdef double K_STEP = 0.2
cdef double[K_NODES] K_GAUSSIAN
for _node in range(K_NODES):
    K_GAUSSIAN[_node] = exp(-(K_STEP * _node) ** 2)


cdef double _scaled_k_integral(double nu, double x) noexcept nogil:
    """e^x K_ν(x) = ∫₀^∞ exp(-x (cosh t - 1)) cosh(νt) dt, for x ≥ 1. The substitution t = 2 asinh(u / √(2x))
    (so x (cosh t - 1) = u²) makes it ∫₀^∞ exp(-u²) cosh(νt) 2 / √(2x + u²) du: a Gaussian times a function
    analytic for |Im u| < √(2x), which the trapezoid rule with step 0.2 integrates to within ~exp(2x - 2π√(2x)/0.2)
    of the sum. cosh(νt) is 1 for ν = 0 and 1 + u²/x for ν = 1."""
    cdef double total = 0, u, u2, factor
    cdef int k
    for k in range(K_NODES):
        u = K_STEP * k
        u2 = u * u
        if nu == 0:
            factor = 1
        elif nu == 1:
            factor = 1 + u2 / x
        else:
            factor = cosh(2 * nu * asinh(u / sqrt(2 * x)))
        total += (0.5 if k == 0 else 1.0) * K_GAUSSIAN[k] * factor * 2 / sqrt(2 * x + u2)
    return total * K_STEP


cdef double _k_series(int order, double x) noexcept nogil:
    """K₀ or K₁ by their power series (A&S 9.6.13, 9.6.11), for 0 < x ≤ 2:
    K₀ = -(ln(x/2)) I₀(x) + Σ ψ(k+1) (x²/4)^k / (k!)²,
    K₁ = 1/x + ln(x/2) I₁(x) - (x/4) Σ (ψ(k+1) + ψ(k+2)) (x²/4)^k / (k! (k+1)!)."""
    cdef double quarter = x * x / 4, log_half = log(x / 2), power = 1, i_sum = 0, k_sum = 0
    cdef double psi = -EULER_GAMMA  # ψ(k+1) = -γ + H_k
    cdef int k
    if order == 0:
        for k in range(40):
            if k > 0:
                power *= quarter / (k * k)
                psi += 1.0 / k
            i_sum += power
            k_sum += psi * power
        return -log_half * i_sum + k_sum
    for k in range(40):  # power = (x²/4)^k / (k! (k+1)!)
        if k > 0:
            power *= quarter / (k * (k + 1))
            psi += 1.0 / k
        i_sum += power
        k_sum += (2 * psi + 1.0 / (k + 1)) * power
    return 1 / x + log_half * i_sum * x / 2 - x / 4 * k_sum


cdef double _scaled_k(int order, double x) noexcept nogil:
    if isnan(x) or x < 0:
        return NAN
    if x == 0:
        return INFINITY
    if isinf(x):
        return 0
    if x <= 2:
        return _k_series(order, x) * exp(x)
    return _scaled_k_integral(order, x)


cdef double _k0(double x) noexcept nogil:
    return _scaled_k(0, x) * exp(-x)


cdef double _k1(double x) noexcept nogil:
    return _scaled_k(1, x) * exp(-x)


cdef double _k0e(double x) noexcept nogil:
    return _scaled_k(0, x)


cdef double _k1e(double x) noexcept nogil:
    return _scaled_k(1, x)


cdef double AIRY_AI_0 = 0.355028053887817239260  # Ai(0)
cdef double AIRY_AI_PRIME_0 = -0.258819403792806798405  # Ai'(0)


cdef double _airy_ai(double x) noexcept nogil:
    cdef double f = 1, g = x, f_term = 1, g_term = x, cube = x * x * x, z, zeta, phase, p, q, u, zeta_power
    cdef int k
    if isnan(x):
        return NAN
    if isinf(x):
        return 0
    if x > 2:  # Ai(x) = (1/π) √(x/3) K_{1/3}(ζ), ζ = 2/3 x^{3/2}
        zeta = 2.0 / 3 * x * sqrt(x)
        return sqrt(x / 3) / M_PI * _scaled_k_integral(1.0 / 3, zeta) * exp(-zeta)
    if x >= -7:
        # Ai = Ai(0) f + Ai'(0) g, f = Σ 3^k (1/3)_k x^{3k} / (3k)!, g = Σ 3^k (2/3)_k x^{3k+1} / (3k+1)!
        for k in range(1, 200):
            f_term *= cube / ((3 * k - 1) * (3 * k))
            g_term *= cube / ((3 * k) * (3 * k + 1))
            f += f_term
            g += g_term
            if fabs(f_term) + fabs(g_term) <= 1e-17 * (fabs(f) + fabs(g)):
                break
        return AIRY_AI_0 * f + AIRY_AI_PRIME_0 * g
    # Ai(-z) ~ π^(-1/2) z^(-1/4) [sin(ζ + π/4) Σ (-1)^k u_2k ζ^-2k - cos(ζ + π/4) Σ (-1)^k u_2k+1 ζ^-(2k+1)],
    # u_k = u_{k-1} (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k); at ζ ≥ 12 the terms fall below 1e-16 before they grow
    z = -x
    zeta = 2.0 / 3 * z * sqrt(z)
    p = 1
    q = 0
    u = 1
    zeta_power = 1
    for k in range(1, 30):
        u *= (6.0 * k - 5) * (6.0 * k - 3) * (6.0 * k - 1) / ((2.0 * k - 1) * 216 * k)
        zeta_power /= zeta
        if k % 2:
            q += (-1 if (k // 2) % 2 else 1) * u * zeta_power
        else:
            p += (-1 if (k // 2) % 2 else 1) * u * zeta_power
        if u * zeta_power < 1e-17:
            break
    phase = zeta + M_PI / 4
    return (sin(phase) * p - cos(phase) * q) / (sqrt(M_PI) * sqrt(sqrt(z)))


# ------------------------------------------------------------------------------------------ orthogonal polynomials
cdef double _chebyshev_recurrence(double x, long long n, double first) noexcept nogil:
    """P_n (n ≥ 1) of the three-term recurrence P_k = 2x P_(k-1) - P_(k-2) from P_0 = 1 and P_1 = ``first``: the
    Chebyshev polynomials T, U, V and W differ only in P_1 (x, 2x, 2x - 1, 2x + 1). Stops at a NaN."""
    cdef double p = 1, q = first, r
    cdef long long _k
    for _k in range(2, n + 1):
        r = 2 * x * q - p
        p = q
        q = r
        if isnan(q):
            break
    return q


cdef double _chebyshev_t(double x, double order) noexcept nogil:
    cdef long long n = <long long>order
    if n < 0:
        return 0
    if fabs(x) == 1:
        return 1 if x > 0 or n % 2 == 0 else -1
    if n > 6 and fabs(x) < 1:
        return cos(n * acos(x))
    return 1 if n == 0 else _chebyshev_recurrence(x, n, x)


cdef double _chebyshev_u(double x, double order) noexcept nogil:
    cdef long long n = <long long>order
    cdef double angle
    if n < 0:
        return 0
    if fabs(x) == 1:
        return n + 1 if x > 0 or n % 2 == 0 else -(n + 1)
    if n > 8 and fabs(x) < 1:  # U_n(cos θ) = sin((n+1)θ) / sin θ
        angle = acos(x)
        if sin(angle) != 0:
            return sin((n + 1) * angle) / sin(angle)
        return (n + 1) * cos((n + 1) * angle) / x
    return 1 if n == 0 else _chebyshev_recurrence(x, n, 2 * x)


cdef double _chebyshev_v(double x, double order) noexcept nogil:
    cdef long long n = <long long>order
    cdef double angle
    if n < 0:
        return 0
    if fabs(x) == 1:
        if x > 0:
            return 1
        return 2 * n + 1 if n % 2 == 0 else -(2 * n + 1)
    if n > 8 and fabs(x) < 1:  # V_n(cos θ) = cos((n+½)θ) / cos(θ/2)
        angle = acos(x)
        if sin(angle / 2) != 1:
            return cos((n + 0.5) * angle) / cos(angle / 2)
        return 2 * n + 1 if n % 2 == 0 else -(2 * n + 1)
    return 1 if n == 0 else _chebyshev_recurrence(x, n, 2 * x - 1)


cdef double _chebyshev_w(double x, double order) noexcept nogil:
    cdef long long n = <long long>order
    cdef double angle
    if n < 0:
        return 0
    if fabs(x) == 1:
        if x > 0:
            return 2 * n + 1
        return 1 if n % 2 == 0 else -1
    if n > 8 and fabs(x) < 1:  # W_n(cos θ) = sin((n+½)θ) / sin(θ/2)
        angle = acos(x)
        if cos(angle / 2) != 1:
            return sin((n + 0.5) * angle) / sin(angle / 2)
        if x > 0:
            return 2 * n + 1
        return 1 if n % 2 == 0 else -1
    return 1 if n == 0 else _chebyshev_recurrence(x, n, 2 * x + 1)


cdef double _shifted_chebyshev_t(double x, double order) noexcept nogil:
    return _chebyshev_t(2 * x - 1, order)


cdef double _shifted_chebyshev_u(double x, double order) noexcept nogil:
    return _chebyshev_u(2 * x - 1, order)


cdef double _shifted_chebyshev_v(double x, double order) noexcept nogil:
    return _chebyshev_v(2 * x - 1, order)


cdef double _shifted_chebyshev_w(double x, double order) noexcept nogil:
    return _chebyshev_w(2 * x - 1, order)


cdef double _hermite_h(double x, double order) noexcept nogil:
    cdef long long n = <long long>order, k
    cdef double p = 1, q = 2 * x, r
    if n < 0:
        return 0
    if n > HERMITE_MAX_DEGREE:
        return NAN  # as torch (the caller lowers the limit to 128 for float32)
    if n == 0:
        return 1
    for k in range(1, n):  # H_{k+1} = 2x H_k - 2k H_{k-1}
        r = 2 * x * q - 2 * k * p
        p = q
        q = r
    return q


cdef double _hermite_he(double x, double order) noexcept nogil:
    cdef long long n = <long long>order, k
    cdef double p = 1, q = x, r
    if n < 0:
        return 0
    if n > HERMITE_MAX_DEGREE:
        return NAN  # as torch (the caller lowers the limit to 128 for float32)
    if n == 0:
        return 1
    for k in range(1, n):  # He_{k+1} = x He_k - k He_{k-1}
        r = x * q - k * p
        p = q
        q = r
    return q


cdef double _laguerre_l(double x, double order) noexcept nogil:
    cdef long long n = <long long>order, k
    cdef double p = 1, q = 1 - x, r
    if n < 0:
        return 0
    if x == 0 or n == 0:
        return 1
    for k in range(1, n):  # (k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}
        r = ((2 * k + 1 - x) * q - k * p) / (k + 1)
        p = q
        q = r
    return q


cdef double _legendre_p(double x, double order) noexcept nogil:
    cdef long long n = <long long>order, k
    cdef double p = 1, q = x, r
    if n < 0:
        return 0
    if fabs(x) == 1:
        return 1 if x > 0 or n % 2 == 0 else -1
    if n == 0:
        return 1
    for k in range(1, n):  # (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}
        r = ((2 * k + 1) * x * q - k * p) / (k + 1)
        p = q
        q = r
    return q


# -------------------------------------------------------------------------------------------- the array entries
def lgamma(const floating[::1] x, floating[::1] out, int num_threads):
    """out = log|Γ(x)|."""
    _map_unary(_lgamma, x, out, num_threads)


def digamma(const floating[::1] x, floating[::1] out, int num_threads):
    """out = ψ(x)."""
    _map_unary(_digamma, x, out, num_threads)


def polygamma(int n, const floating[::1] x, floating[::1] out, int num_threads):
    """out = ψ⁽ⁿ⁾(x), n ≥ 0."""
    cdef Py_ssize_t size = x.shape[0], i
    with nogil, parallel(num_threads=_threads(size, num_threads)):
        for i in prange(size, schedule="static"):
            out[i] = <floating>_polygamma(n, x[i])


# the one-argument functions other than the gamma family's, and the two-argument ones, by the names the Python side
# passes (the tables below list the C functions in the same order)
UNARY = ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
         "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai")
BINARY = ("zeta", "igamma", "igammac", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
          "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
          "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
          "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p")
cdef unary_function[9] UNARY_FUNCTIONS = [_j0, _j1, _y0, _y1, _k0, _k1, _k0e, _k1e, _airy_ai]
cdef binary_function[15] BINARY_FUNCTIONS = [
    _zeta, _igamma, _igammac, _chebyshev_t, _chebyshev_u, _chebyshev_v, _chebyshev_w, _shifted_chebyshev_t,
    _shifted_chebyshev_u, _shifted_chebyshev_v, _shifted_chebyshev_w, _hermite_h, _hermite_he, _laguerre_l,
    _legendre_p,
]


def unary(str name, const floating[::1] x, floating[::1] out, int num_threads):
    """out = name(x) for a name in UNARY."""
    _map_unary(UNARY_FUNCTIONS[UNARY.index(name)], x, out, num_threads)


def binary(str name, const floating[::1] x, const floating[::1] y, floating[::1] out, int num_threads):
    """out = name(x, y) for a name in BINARY (the polynomials take (x, n), the incomplete gammas (a, x))."""
    _map_binary(BINARY_FUNCTIONS[BINARY.index(name)], x, y, out, num_threads)
