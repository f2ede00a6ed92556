"""The special functions (minigrad.ops.gamma, elementary_special, bessel, orthogonal_polynomials) against torch,
their gradients by gradcheck/gradgradcheck, and the compiled kernel against the readable reference in
tests/reference/special_functions.py. op_db's own inputs run in tests/test_op_db.py; polygamma's op_db samples are
written for OpInfo's wrapper, so its parity is checked here."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import special_kernel
from tests.reference import special_functions as reference

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
EDGES = np.array([0.0, -0.0, 1.0, 2.0, -1.0, -2.5, 0.5, 1e-8, 1e8, np.inf, -np.inf, np.nan])


def _inputs(dtype):
    return np.concatenate([RNG.uniform(-8, 8, 200), RNG.uniform(0, 40, 100), EDGES]).astype(dtype)


def _tensor(array, requires_grad=False):
    return minigrad.tensor(array, requires_grad=requires_grad)


def _check(ours, theirs, dtype, float32_rtol=1e-5):
    rtol, atol = (float32_rtol, 1e-5) if dtype == np.float32 else (1e-9, 1e-12)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_matches_torch(n, dtype):
    x = _inputs(dtype)
    with np.errstate(invalid="ignore"):  # keep inf and nan, away from the poles (float32 rounding decides there)
        x = x[~np.isfinite(x) | (np.abs(x - np.round(x)) > 1e-2)]
    ours = _tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = minigrad.polygamma(n, ours), torch.polygamma(n, theirs)
    # torch's float32 reflection (sin(πx) in float32) loses digits near the poles: 1e-4 there
    _check(out._data, expected.detach().numpy(), dtype, float32_rtol=1e-4)
    finite = np.isfinite(x) & (np.abs(x) < 20)  # ψ⁽ⁿ⁺¹⁾ grows past float32 near the poles
    out.backward(minigrad.tensor(finite.astype(dtype)))
    expected.backward(torch.tensor(finite.astype(dtype)))
    _check(ours.grad._data, theirs.grad.numpy(), dtype, float32_rtol=1e-4)


def test_polygamma_method_inplace_and_errors():
    x = np.array([0.3, 1.5, 7.0])
    np.testing.assert_allclose(_tensor(x).polygamma(2)._data, torch.tensor(x).polygamma(2).numpy())
    y = _tensor(x)
    assert y.polygamma_(1) is y
    np.testing.assert_allclose(y._data, torch.polygamma(1, torch.tensor(x)).numpy())
    with pytest.raises(RuntimeError, match="negative n"):
        minigrad.polygamma(-1, _tensor(x))
    with pytest.raises(TypeError, match="'n'"):
        minigrad.polygamma(1.5, _tensor(x))
    assert minigrad.polygamma(1, minigrad.tensor([1, 2])).dtype == minigrad.float32


@pytest.mark.parametrize(
    "name, arguments",
    [
        ("lgamma", lambda x: (x,)),
        ("digamma", lambda x: (x,)),
        ("sinc", lambda x: (x,)),
        ("logit", lambda x: (x,)),
        ("mvlgamma", lambda x: (x, 3)),
    ],
)
def test_in_place_forms_match_out_of_place(name, arguments):
    x = np.array([1.7, 2.5, 0.25])
    expected = getattr(torch, name)(*arguments(torch.tensor(x))).numpy()
    y = _tensor(x)
    assert getattr(y, name + "_")(*arguments(y)[1:]) is y
    np.testing.assert_allclose(y._data, expected)


def test_igamma_in_place_and_errors():
    a, x = np.array([0.5, 2.0, 10.0]), np.array([0.3, 2.5, 12.0])
    y = _tensor(a)
    y.igammac_(_tensor(x))
    np.testing.assert_allclose(y._data, torch.igammac(torch.tensor(a), torch.tensor(x)).numpy())
    with pytest.raises(TypeError, match="'other'"):
        minigrad.igamma(_tensor(a), 2.0)
    with pytest.raises(NotImplementedError):
        minigrad.igamma(minigrad.tensor([1, 2]), minigrad.tensor([1, 2]))


def test_mvlgamma_errors():
    with pytest.raises(RuntimeError, match="greater than or equal to 1"):
        minigrad.mvlgamma(_tensor([2.0]), 0)
    with pytest.raises(RuntimeError, match="boolean"):
        minigrad.mvlgamma(minigrad.tensor([True]), 1)


@pytest.mark.parametrize("eps", [None, 0.2])
def test_logit_gradient_matches_torch_outside_the_clamp(eps):
    x = np.array([-0.5, 0.0, 0.1, 0.2, 0.5, 0.8, 0.95, 1.0, 1.5])
    ours, theirs = _tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    minigrad.logit(ours, eps).sum().backward()
    torch.logit(theirs, eps).sum().backward()
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), equal_nan=True)


def test_zeta_and_igamma_gradients_match_torch_and_refuse_the_other_argument():
    x, q = np.array([2.0, 3.5, 1.5]), np.array([0.7, 2.0, 5.0])
    ours, theirs = _tensor(q, requires_grad=True), torch.tensor(q, requires_grad=True)
    minigrad.special.zeta(_tensor(x), ours).sum().backward()
    torch.special.zeta(torch.tensor(x), theirs).sum().backward()
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy())
    for function in (minigrad.igamma, minigrad.igammac):
        ours, theirs = _tensor(q, requires_grad=True), torch.tensor(q, requires_grad=True)
        function(_tensor(x), ours).sum().backward()
        getattr(torch, function.__name__)(torch.tensor(x), theirs).sum().backward()
        np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy())
    with pytest.raises(NotImplementedError, match="zeta"):
        minigrad.special.zeta(_tensor(x, requires_grad=True), _tensor(q)).sum().backward()
    with pytest.raises(NotImplementedError, match="igamma"):
        minigrad.igamma(_tensor(x, requires_grad=True), _tensor(q)).sum().backward()


@pytest.mark.parametrize(
    "function",
    [
        minigrad.lgamma,
        minigrad.digamma,
        lambda x: minigrad.polygamma(2, x),
        lambda x: minigrad.mvlgamma(x + 2, 3),
        lambda x: minigrad.special.zeta(3.0, x),
        lambda x: minigrad.igamma(minigrad.tensor([1.5, 2.0, 4.0], dtype=minigrad.float64), x),
        lambda x: minigrad.igammac(minigrad.tensor([1.5, 2.0, 4.0], dtype=minigrad.float64), x),
        lambda x: minigrad.logit(x / 4),
        lambda x: minigrad.logit(x / 4, eps=0.1),
        minigrad.sinc,
    ],
)
def test_gradcheck_and_gradgradcheck(function):
    x = _tensor(np.array([0.7, 1.3, 2.9]), requires_grad=True)
    assert gradcheck(function, (x,))
    assert gradgradcheck(function, (x,))


def test_kernel_matches_reference_gamma_family():
    x = np.concatenate([RNG.uniform(-6, 6, 40), RNG.uniform(0.01, 30, 40)])
    x = x[np.abs(x - np.round(x)) > 1e-3]
    np.testing.assert_allclose(special_kernel.digamma(x), reference.digamma(x), rtol=1e-9, atol=1e-10)
    s, q = RNG.uniform(1.5, 8, 30), RNG.uniform(0.1, 20, 30)
    np.testing.assert_allclose(special_kernel.binary("zeta", s, q), reference.zeta(s, q), rtol=1e-10)
    a, y = RNG.uniform(0.1, 15, 40), RNG.uniform(0.01, 25, 40)
    np.testing.assert_allclose(special_kernel.binary("igamma", a, y), reference.igamma(a, y), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        special_kernel.binary("igammac", a, y), 1 - reference.igamma(a, y), rtol=1e-8, atol=1e-13
    )


def test_kernel_matches_reference_bessel_and_airy():
    x = np.concatenate([RNG.uniform(0.05, 2, 20), RNG.uniform(2, 30, 20)])
    for order in (0, 1):
        expected = reference.modified_bessel_k(order, x)
        np.testing.assert_allclose(special_kernel.unary(f"modified_bessel_k{order}", x), expected, rtol=1e-10)
        scaled = special_kernel.unary(f"scaled_modified_bessel_k{order}", x)
        np.testing.assert_allclose(scaled * np.exp(-x), expected, rtol=1e-10)
    z = RNG.uniform(-10, 10, 40)
    np.testing.assert_allclose(special_kernel.unary("bessel_j0", z), reference.bessel_j0(z), atol=1e-12)
    z = RNG.uniform(-5, 5, 40)
    np.testing.assert_allclose(special_kernel.unary("airy_ai", z), reference.airy_ai(z), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 9, 14])
def test_kernel_matches_reference_polynomials(n):
    x = np.concatenate([RNG.uniform(-0.99, 0.99, 30), RNG.uniform(-3, 3, 10)])
    degree = np.full_like(x, n)
    for kind in "tuvw":
        ours = special_kernel.binary(f"chebyshev_polynomial_{kind}", x, degree)
        np.testing.assert_allclose(ours, reference.chebyshev_polynomial(kind, x, n), rtol=1e-9, atol=1e-9)
        shifted = special_kernel.binary(f"shifted_chebyshev_polynomial_{kind}", (x + 1) / 2, degree)
        np.testing.assert_allclose(shifted, ours, rtol=1e-9, atol=1e-9)
    for name in ("hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
        expected = reference.orthogonal_polynomial(name, x, n)
        np.testing.assert_allclose(special_kernel.binary(name, x, degree), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name",
    [
        "bessel_j0",
        "bessel_j1",
        "bessel_y0",
        "bessel_y1",
        "modified_bessel_k0",
        "modified_bessel_k1",
        "scaled_modified_bessel_k0",
        "scaled_modified_bessel_k1",
        "spherical_bessel_j0",
    ],
)
def test_bessel_functions_match_torch(name, dtype):
    x = np.concatenate([RNG.uniform(-30, 30, 300), RNG.uniform(0, 3, 100), EDGES]).astype(dtype)
    if name.startswith("bessel") and dtype == np.float32:
        # torch's float32 phase of a huge argument (1e8) is off; the double computation here is right
        x = x[~(np.abs(x) > 1e4)]
    ours = getattr(minigrad.special, name)(_tensor(x))._data
    theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
    # torch's J/Y approximations are good to ~3e-7 absolute near x ≈ 5; the C library's are exact to the last bits
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-7, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize(
    "name",
    [
        "chebyshev_polynomial_t",
        "chebyshev_polynomial_u",
        "chebyshev_polynomial_v",
        "chebyshev_polynomial_w",
        "shifted_chebyshev_polynomial_t",
        "shifted_chebyshev_polynomial_u",
        "shifted_chebyshev_polynomial_v",
        "shifted_chebyshev_polynomial_w",
        "hermite_polynomial_h",
        "hermite_polynomial_he",
        "laguerre_polynomial_l",
        "legendre_polynomial_p",
    ],
)
def test_polynomials_match_torch_with_numbers_and_large_degrees(name):
    x = np.concatenate([RNG.uniform(-1, 1, 50), [-1.0, 1.0, 0.0, 0.5]])
    n = np.array([0, 1, 3, 7, 12, 40, 600, -1])[:, None]
    ours = getattr(minigrad.special, name)(_tensor(x), _tensor(n))._data
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8, equal_nan=True)
    number = getattr(minigrad.special, name)(0.25, minigrad.tensor([2, 3]))
    assert number.dtype == minigrad.float32
    np.testing.assert_allclose(number._data, getattr(torch.special, name)(0.25, torch.tensor([2, 3])).numpy())


@pytest.mark.parametrize("kind", "tuvw")
def test_shifted_chebyshev_float32_and_integer_inputs_round_the_double_result(kind):
    """float32 and integer inputs give torch's float64 result rounded once to float32 (the op_db full run lists
    where torch's float32 recurrence differs: lost digits, or inf - inf = nan where this is ±inf)."""
    name = f"shifted_chebyshev_polynomial_{kind}"
    grid_x, grid_n = np.meshgrid(np.arange(-9, 10), np.arange(0, 41))
    cases = [(grid_x.astype(dtype), grid_n.astype(dtype)) for dtype in (np.int8, np.int64, np.uint8)]
    cases[2] = tuple(np.abs(c).astype(np.uint8) for c in cases[2])
    cases.append(
        (RNG.uniform(-0.2, 1.2, (40, 50)).astype(np.float32), RNG.integers(0, 60, (40, 50)).astype(np.float32))
    )
    for x, n in cases:
        ours = getattr(minigrad.special, name)(_tensor(x), _tensor(n))._data
        expected = getattr(torch.special, name)(
            torch.tensor(x, dtype=torch.float64), torch.tensor(n, dtype=torch.float64)
        )
        assert ours.dtype == np.float32
        with np.errstate(over="ignore"):
            np.testing.assert_allclose(ours, expected.numpy().astype(np.float32), rtol=1e-6, atol=1e-6, equal_nan=True)
