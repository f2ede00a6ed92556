"""The row-wise softmax kernels (minigrad/_kernels/softmax.pyx) against NumPy and, when importable, torch."""

import numpy as np
import pytest

softmax = pytest.importorskip("minigrad._kernels.softmax")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-13, atol=1e-13)}
INF, NAN = np.inf, np.nan


def reference(x):
    """log_softmax, softmax and logsumexp of each row, computed in float64 with the max trick."""
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))
    return x - lse, np.exp(x - lse), lse[:, 0]


def run_all(x, num_threads=1):
    """Call the three kernels on x and return their outputs."""
    log_sm, sm, lse = np.empty_like(x), np.empty_like(x), np.empty(x.shape[0], x.dtype)
    softmax.log_softmax_rows(x, log_sm, num_threads)
    softmax.softmax_rows(x, sm, num_threads)
    softmax.logsumexp_rows(x, lse, num_threads)
    return log_sm, sm, lse


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (5, 16), (4, 33), (64, 1000), (300, 129)])
@pytest.mark.parametrize("num_threads", [1, 2])
def test_matches_reference(dtype, shape, num_threads):
    x = (np.random.default_rng(0).standard_normal(shape) * 8).astype(dtype)
    for got, want in zip(run_all(x, num_threads), reference(x)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_logits_stay_accurate(dtype):
    # (x - max) - log(sum) keeps small differences exact even at |x| = 1e4
    x = np.array([[1e4, 1e4 + 0.5, 1e4 - 3], [-1e4, -1e4 + 0.25, -1e4]], dtype)
    log_sm, sm, lse = run_all(x)
    want_log_sm, want_sm, want_lse = reference(x)
    np.testing.assert_allclose(log_sm, want_log_sm, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sm, want_sm, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(lse, want_lse, rtol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_underflowing_exponentials(dtype):
    # exp(x - max) far below the smallest normal number: subnormal or 0, never nan
    x = np.array([[0.0, -100.0, -200.0, -800.0, -INF]], dtype)
    log_sm, sm, lse = run_all(x)
    np.testing.assert_array_equal(log_sm, x)
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_allclose(sm, np.exp(x), rtol=1e-6, atol=tiny)
    assert sm[0, 1] > 0 and sm[0, 4] == 0
    assert lse[0] == 0


SPECIAL_ROWS = [[-INF, -INF], [INF, 1.0], [INF, INF], [INF, -INF], [NAN, 1.0], [-INF, 1.0], [NAN, INF], [NAN, -INF]]
# torch 2.13: log_softmax/softmax are nan for rows with +inf, all -inf or nan; logsumexp follows amax's rules
SPECIAL_LOG_SOFTMAX = [[NAN, NAN]] * 5 + [[-INF, 0.0]] + [[NAN, NAN]] * 2
SPECIAL_SOFTMAX = [[NAN, NAN]] * 5 + [[0.0, 1.0]] + [[NAN, NAN]] * 2
SPECIAL_LOGSUMEXP = [-INF, INF, INF, INF, NAN, 1.0, NAN, NAN]


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_follow_torch(dtype):
    log_sm, sm, lse = run_all(np.array(SPECIAL_ROWS, dtype))
    np.testing.assert_array_equal(log_sm, SPECIAL_LOG_SOFTMAX)
    np.testing.assert_array_equal(sm, SPECIAL_SOFTMAX)
    np.testing.assert_array_equal(lse, SPECIAL_LOGSUMEXP)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_in_a_long_row_poisons_only_that_row(dtype):
    x = np.random.default_rng(1).standard_normal((3, 100)).astype(dtype)
    x[1, 57] = NAN
    log_sm, sm, lse = run_all(x, 2)
    assert np.isnan(log_sm[1]).all() and np.isnan(sm[1]).all() and np.isnan(lse[1])
    assert np.isfinite(log_sm[[0, 2]]).all() and np.isfinite(lse[[0, 2]]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty(dtype):
    log_sm, sm, lse = run_all(np.empty((0, 5), dtype))
    assert log_sm.shape == (0, 5) and lse.shape == (0,)
    log_sm, sm, lse = run_all(np.empty((3, 0), dtype))
    assert log_sm.shape == (3, 0)
    np.testing.assert_array_equal(lse, [-INF] * 3)


def test_read_only_input():
    x = np.random.default_rng(2).standard_normal((4, 9))
    x.setflags(write=False)
    for got, want in zip(run_all(x), reference(x)):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def test_rejects_non_contiguous_and_mixed_dtypes():
    # the wrappers make inputs contiguous; the kernels refuse anything else rather than misread it
    x = np.random.default_rng(3).standard_normal((4, 6))
    with pytest.raises(ValueError):
        softmax.log_softmax_rows(x[:, ::2], np.empty((4, 3)), 1)
    with pytest.raises((TypeError, ValueError)):
        softmax.log_softmax_rows(x, np.empty((4, 6), np.float32), 1)


def test_one_and_two_threads_agree_bitwise():
    x = np.random.default_rng(4).standard_normal((513, 257)).astype(np.float32)
    for one, two in zip(run_all(x, 1), run_all(x, 2)):
        np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(5).standard_normal((50, 301)) * 10).astype(dtype)
    t = torch.from_numpy(x)
    log_sm, sm, lse = run_all(x, 2)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(log_sm, t.log_softmax(1).numpy(), **tol)
    np.testing.assert_allclose(sm, t.softmax(1).numpy(), **tol)
    np.testing.assert_allclose(lse, t.logsumexp(1).numpy(), **tol)
    special = torch.tensor(SPECIAL_ROWS, dtype=t.dtype)
    np.testing.assert_array_equal(special.log_softmax(1).numpy(), SPECIAL_LOG_SOFTMAX)
    np.testing.assert_array_equal(special.softmax(1).numpy(), SPECIAL_SOFTMAX)
    np.testing.assert_array_equal(special.logsumexp(1).numpy(), SPECIAL_LOGSUMEXP)
