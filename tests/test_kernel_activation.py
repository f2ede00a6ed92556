"""The tanh-GELU and ReLU kernels (minigrad/_kernels/activation.pyx) against the NumPy twins in
tests/reference/activation.py: float32 and float64, lengths around the parallel block size, 1 and 2 threads, and the
special values; ReLU also against torch."""

import numpy as np
import pytest

import minigrad
from reference import activation as reference

kernels = pytest.importorskip("minigrad._kernels.activation")

# absolute: where tanh(u) is near -1 the twin's 1 + tanh(u) cancels (the kernel's σ(2u) does not), losing ~1e-16 · |x|
TOL = {np.float32: dict(rtol=2e-6, atol=2e-7), np.float64: dict(rtol=1e-13, atol=1e-13)}


def run(x, grad, num_threads):
    """The kernels' ``(y, s, dx)`` for ``x`` and the upstream ``grad``."""
    y, s, dx = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    kernels.gelu_tanh(x, y, s, num_threads)
    kernels.gelu_tanh_backward(grad, x, s, dx, num_threads)
    return y, s, dx


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 17, 32768, 70001])
@pytest.mark.parametrize("num_threads", [1, 2])
def test_matches_reference(dtype, n, num_threads):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    grad = rng.standard_normal(n).astype(dtype)
    y, s, dx = run(x, grad, num_threads)
    want_y, want_s = reference.gelu_tanh(x)
    for got, want in ((y, want_y), (s, want_s), (dx, reference.gelu_tanh_backward(grad, x))):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values(dtype):
    """±inf, nan, ±0 and the values where exp(-2u) overflows give torch's results: gelu(-inf) is nan
    (-inf · 0), gelu(+inf) = inf, far-negative inputs give -0 and a zero gradient."""
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, -30.0, 30.0, -1e30, 1e30], dtype)
    y, s, dx = run(x, np.ones_like(x), 1)
    with np.errstate(all="ignore"):
        want_y = reference.gelu_tanh(x)[0]
    np.testing.assert_array_equal(y, want_y.astype(dtype))
    np.testing.assert_array_equal(s, [1, 0, np.nan, 0.5, 0.5, 0, 1, 0, 1])
    np.testing.assert_array_equal(dx[2:7], [np.nan, 0.5, 0.5, 0, 1])
    assert np.isnan(dx[:2]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 17, 32768, 70001])
@pytest.mark.parametrize("num_threads", [1, 2])
def test_relu_matches_reference(dtype, n, num_threads):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n).astype(dtype)
    x[::7] = 0.0
    x[1::11] = np.resize(np.array([np.nan, -0.0, np.inf, -np.inf], dtype), len(x[1::11]))
    grad = rng.standard_normal(n).astype(dtype)
    grad[::5] = np.inf
    y, mask, dx = np.empty_like(x), np.empty(n, np.uint8), np.empty_like(x)
    kernels.relu(x, y, mask, num_threads)
    kernels.relu_backward(grad, mask, dx, num_threads)
    want_y, want_mask = reference.relu(x)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(want_y))
    np.testing.assert_array_equal(mask.astype(bool), want_mask)
    np.testing.assert_array_equal(dx, reference.relu_backward(grad, want_mask))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_special_values_match_torch(dtype):
    """-0.0 stays -0.0, NaN stays NaN and passes its gradient, an inf gradient where x <= 0 gives 0: torch's relu
    and threshold_backward."""
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, -0.0, 0.0, -1.0, 2.0, np.inf, -np.inf], dtype)
    grad = np.array([1.0, np.inf, np.nan, np.inf, 3.0, 1.0, 1.0], dtype)
    ours = minigrad.tensor(x, requires_grad=True)
    out = minigrad.relu(ours)
    out.backward(minigrad.tensor(grad))
    theirs = torch.tensor(x, requires_grad=True)
    expected = torch.relu(theirs)
    expected.backward(torch.tensor(grad))
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(np.signbit(out.detach().numpy()), np.signbit(expected.detach().numpy()))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
