"""The kernels' BLAS binding (minigrad/_kernels/cblas.pyx): NumPy's own OpenBLAS called from C gives NumPy's
products, in both precisions and every transpose, and accumulates with alpha and beta."""

import numpy as np
import pytest

from minigrad import _blas
from minigrad._kernels import cblas

pytestmark = pytest.mark.skipif(not _blas.cblas_ready(), reason="NumPy's BLAS is not an OpenBLAS minigrad can bind")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_matmul_into_matches_numpy(dtype, trans_a, trans_b):
    rng = np.random.default_rng(0)
    m, n, k = 7, 5, 11
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    c = rng.standard_normal((m, n)).astype(dtype)
    expected = 0.5 * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + 2.0 * c
    cblas.matmul_into(a, b, c, trans_a, trans_b, alpha=0.5, beta=2.0)
    np.testing.assert_allclose(c, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_binding_is_reported_bound():
    assert cblas.bound()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("m, n, k", [(100, 37, 9), (37, 100, 9), (3, 5, 4), (64, 64, 1)])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_matmul_parts_matches_numpy_over_bands_of_rows_or_columns(dtype, trans_a, trans_b, m, n, k, threads):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    bias = rng.standard_normal(n).astype(dtype)
    product = (a.T if trans_a else a) @ (b.T if trans_b else b)
    for given, expected in ((None, product), (bias, product + bias)):
        c = np.full((m, n), np.nan, dtype)
        with _blas.single_threaded():
            cblas.matmul_parts(a, trans_a, b, trans_b, c, given, threads)
        np.testing.assert_allclose(c, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_matmul_parts_reads_strided_rows():
    # a row stride larger than the row (a slice of a wider matrix), as a head split or a packed projection
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((40, 30))[:, :20], rng.standard_normal((40, 25))[::2]
    c = np.empty((40, 25))
    with _blas.single_threaded():
        cblas.matmul_parts(a, False, b, False, c, None, 2)
    np.testing.assert_allclose(c, a @ b, rtol=1e-12)
