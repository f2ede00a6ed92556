"""The embedding backward kernel (minigrad/_kernels/embedding.pyx) against its NumPy twin
(tests/reference/embedding.py) and torch's dense embedding gradient: float32 and float64, with and without
per-position factors, repeated, absent and padding rows, sizes around the parallel threshold, the same bits for
every thread count, and refused inputs; the word-LM shape end to end through ``F.embedding``."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from reference import embedding as reference

kernels = pytest.importorskip("minigrad._kernels.embedding")

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}
SHAPES = [(0, 4, 3), (1, 1, 1), (6, 5, 0), (50, 3, 7), (700, 10000, 200), (2000, 40, 1000)]


def scatter(values, indices, scale, rows, num_threads):
    out = np.full((rows, values.shape[1]), np.nan, values.dtype)  # every row must be written
    kernels.row_scatter(values, indices, scale, out, num_threads)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("count, rows, size", SHAPES)
@pytest.mark.parametrize("scaled", [False, True])
def test_matches_reference_and_is_deterministic(dtype, count, rows, size, scaled):
    rng = np.random.default_rng(count + rows)
    values = rng.standard_normal((count, size)).astype(dtype)
    indices = rng.integers(0, rows, count)
    scale = rng.random(count) if scaled else None
    want = np.empty((rows, size), dtype)
    reference.row_scatter(values, indices, scale, want, 1)
    got = [scatter(values, indices, scale, rows, threads) for threads in (1, 2, 3)]
    np.testing.assert_allclose(got[0], want, **TOL[dtype])
    for other in got[1:]:
        np.testing.assert_array_equal(other, got[0])  # same bits for any thread count


def test_sums_in_position_order():
    # 1 + 1e8 - 1e8 in float32 is 0 in this order; another order would give 1
    values = np.array([[1.0], [1e8], [-1e8]], np.float32)
    np.testing.assert_array_equal(scatter(values, np.zeros(3, np.int64), None, 2, 2), [[0.0], [0.0]])


def test_zero_factor_rows_and_untouched_rows_are_zero():
    values = np.arange(6.0).reshape(3, 2)
    out = scatter(values, np.array([1, 1, 3]), np.array([0.0, 0.0, 0.5]), 5, 2)
    np.testing.assert_array_equal(out, [[0, 0], [0, 0], [0, 0], [2, 2.5], [0, 0]])


@pytest.mark.parametrize("index", [-1, 4, 2**62])
def test_out_of_range_indices_raise(index):
    out = np.zeros((4, 2))
    with pytest.raises(IndexError, match="out of bounds"):
        kernels.row_scatter(np.ones((2, 2)), np.array([0, index]), None, out, 2)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="values must be"):
        kernels.row_scatter(np.ones((2, 2)), np.array([0]), None, np.zeros((4, 2)), 1)
    with pytest.raises(ValueError, match="scale"):
        kernels.row_scatter(np.ones((2, 2)), np.array([0, 1]), np.ones(3), np.zeros((4, 2)), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kwargs", [{}, {"padding_idx": 7}, {"scale_grad_by_freq": True, "padding_idx": 0}, {"max_norm": 4.0}]
)
def test_word_lm_shape_matches_torch(dtype, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((10000, 200)).astype(dtype)
    indices = rng.integers(0, 10000, (35, 20))
    indices[:3] = 7  # repeats, and a padding row with positions
    indices[3, :5] = 0
    grad = rng.standard_normal((35, 20, 200)).astype(dtype)
    ours_w, theirs_w = minigrad.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.embedding(minigrad.tensor(indices), ours_w, **kwargs).backward(minigrad.tensor(grad))
    torch.nn.functional.embedding(torch.tensor(indices), theirs_w, **kwargs).backward(torch.tensor(grad))
    assert ours_w.grad.dtype == ours_w.dtype
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), **TOL[dtype])


def test_float16_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((6, 3)).astype(np.float16)
    indices = np.array([[1, 2, 1], [5, 1, 0]])
    grad = rng.standard_normal((2, 3, 3)).astype(np.float16)
    ours_w, theirs_w = minigrad.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.embedding(minigrad.tensor(indices), ours_w, padding_idx=2).backward(minigrad.tensor(grad))
    torch.nn.functional.embedding(torch.tensor(indices), theirs_w, padding_idx=2).backward(torch.tensor(grad))
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    "rows, width, shape, options",
    [
        (5, 3, (4, 0), {}),
        (5, 3, (0,), {"padding_idx": 0, "scale_grad_by_freq": True}),
        (0, 3, (0,), {}),
        (5, 0, (2,), {"padding_idx": 1}),
        (0, 0, (2, 0), {}),
    ],
)
def test_empty_lookups_and_empty_rows_match_torch(rows, width, shape, options):
    torch = pytest.importorskip("torch")
    indices = np.ones(shape, np.int64)
    results = []
    for lib in (minigrad, torch):
        weight = lib.tensor(np.ones((rows, width), np.float32), requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(indices), weight, **options)
        out.sum().backward()
        results.append((tuple(out.shape), weight.grad.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
