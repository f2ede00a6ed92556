"""The layer-norm row kernels (minigrad/_kernels/normalization.pyx, normalization_rows.h) at the sizes their loops
split on — rows of odd and even length (the two halves' sums and the odd last element), rows split over threads,
rows whose first value lies far from the mean (the one-pass variance's centred fallback) — against the NumPy twins
in float64 and ``nn.LayerNorm`` against torch (affine, no bias, no affine; float32 and float64), plus gradcheck and
gradgradcheck on odd-length rows."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad._kernels import normalization as kernel
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck
from reference import normalization as reference

TOL = {np.float32: 2e-5, np.float64: 1e-11}


def run_kernels(x, grad, weight, bias, threads):
    """``(out, mean, invstd, grad_x, Σ_r g·x̂, Σ_r g)`` from the kernels."""
    rows, size = x.shape
    out, mean, invstd = np.empty_like(x), np.empty(rows), np.empty(rows)
    kernel.layer_norm_forward(x, weight, bias, 1e-5, out, mean, invstd, threads)
    grad_x, sum_gx, sum_g = np.empty_like(x), np.zeros((threads, size)), np.zeros((threads, size))
    kernel.layer_norm_backward(grad, x, mean, invstd, weight, grad_x, sum_gx, sum_g, threads)
    return out, mean, invstd, grad_x, sum_gx.sum(0), sum_g.sum(0)


def expected(x, grad, weight, bias):
    out, mean, invstd = reference.layer_norm_forward(x, weight, bias, 1e-5)
    return (out, mean, invstd, *reference.layer_norm_backward(grad, x, mean, invstd, weight))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, size", [(3, 1), (5, 2), (4, 3), (7, 511), (6, 512), (5, 513), (96, 1000)])
@pytest.mark.parametrize("threads", [1, 2])
def test_kernels_match_their_twins(dtype, rows, size, threads):
    rng = np.random.default_rng(rows * size)
    x, grad = (rng.standard_normal((rows, size)).astype(dtype) * 2 + 0.5 for _ in range(2))
    weight, bias = (rng.standard_normal(size).astype(dtype) for _ in range(2))
    # rows of one or two elements standardise to constants (0; ±1) whatever x is: their grad_x, ~0 but for eps, is
    # a difference of terms ~invstd times larger (the same on main's kernels)
    tolerance = TOL[dtype] * (1 if size > 2 else 1e5)
    for ours, want in zip(run_kernels(x, grad, weight, bias, threads), expected(x, grad, weight, bias)):
        np.testing.assert_allclose(ours, want, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("size", [1000, 2048])
def test_a_first_value_far_from_the_mean_keeps_the_variance_exact(size):
    # (shift - mean)² / var = size - 1 for [1, 0, ..., 0]: 2048 takes the centred second pass, 1000 does not
    x = np.zeros((3, size))
    x[0, 0] = 1.0
    x[1, 0], x[1, 1:] = 1e6, np.linspace(-1, 1, size - 1)
    x[2] = 1e8 + np.arange(size)  # a large offset: the shift by the first value removes it
    grad = np.random.default_rng(0).standard_normal(x.shape)
    ones, zeros = np.ones(size), np.zeros(size)
    for ours, want in zip(run_kernels(x, grad, ones, zeros, 2), expected(x, grad, ones, zeros)):
        np.testing.assert_allclose(ours, want, rtol=1e-10, atol=1e-10)


def test_constant_rows_standardise_to_zero():
    x = np.full((4, 300), 3.25, np.float32)
    out, mean, invstd, *_ = run_kernels(x, np.ones_like(x), np.ones(300, np.float32), np.zeros(300, np.float32), 2)
    np.testing.assert_array_equal(out, 0)
    np.testing.assert_array_equal(mean, 3.25)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(1e-5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options", [{}, {"bias": False}, {"elementwise_affine": False}], ids=["affine", "no_bias", "no_affine"]
)
@pytest.mark.parametrize("shape, normalized", [((64, 9, 512), 512), ((33, 4, 25), (4, 25))])
def test_module_matches_torch(dtype, options, shape, normalized):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, grad = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    ours, theirs = nn.LayerNorm(normalized, **options), torch.nn.LayerNorm(normalized, **options)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    with torch.no_grad():
        for ours_p, theirs_p in zip(ours.parameters(), theirs.parameters()):
            values = rng.standard_normal(ours_p.shape).astype(dtype)
            ours_p.data = minigrad.tensor(values)
            theirs_p.copy_(torch.tensor(values))
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours_y, theirs_y = ours(ours_x), theirs(theirs_x)
    ours_y.backward(minigrad.tensor(grad))
    theirs_y.backward(torch.tensor(grad))
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    pairs = [(ours_y, theirs_y), (ours_x.grad, theirs_x.grad)]
    pairs += [(a.grad, b.grad) for a, b in zip(ours.parameters(), theirs.parameters())]
    for a, b in pairs:
        assert a.dtype == ours_x.dtype
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("affine", [True, False])
def test_gradcheck_and_gradgradcheck_on_odd_rows(affine):
    rng = np.random.default_rng(2)
    x = minigrad.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    parameters = tuple(minigrad.tensor(rng.standard_normal(5), requires_grad=True) for _ in range(2 if affine else 0))

    def norm(x, *parameters):
        return F.layer_norm(x, (5,), *parameters)

    assert gradcheck(norm, (x, *parameters))
    assert gradgradcheck(norm, (x, *parameters))
