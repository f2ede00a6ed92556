"""torch's linear algebra names added for issue 12 (products, distances, covariance, LU, LDLᵀ, Householder,
``matrix_exp`` and the ``torch.*`` spellings): first and second derivatives by finite differences (float64, small
batched shapes), the LDLᵀ kernel against its NumPy twin and torch's pivots, LU against torch on edge cases.

Values and gradients against torch on op_db's own samples are in ``tests/test_op_db.py``.
"""

import numpy as np
import pytest

import minigrad
from minigrad import linalg
from minigrad._kernels import ldl as ldl_kernel
from minigrad.autograd import gradcheck, gradgradcheck
from tests.reference import ldl as ldl_reference

rng = np.random.default_rng(0)


def _leaf(*shape):
    return minigrad.from_numpy(rng.standard_normal(shape)).requires_grad_()


def _well_conditioned(*shape):
    """A leaf near the identity (scaled random off it), so LU and triangular solves stay far from singular."""
    return minigrad.from_numpy(rng.standard_normal(shape) * 0.3 + 2 * np.eye(*shape[-2:])).requires_grad_()


def _lower(L):
    return L.tril(-1) + minigrad.from_numpy(np.eye(L.shape[-1]) * 2)


CASES = [
    ("addmv", lambda b, A, v: minigrad.addmv(b, A, v, beta=0.5, alpha=2.0), [(3,), (3, 2), (2,)]),
    ("addr", lambda b, x, y: minigrad.addr(b, x, y, beta=2.0), [(1, 2), (3,), (2,)]),
    ("baddbmm", lambda b, x, y: minigrad.baddbmm(b, x, y, alpha=0.5), [(2, 1, 2), (2, 3, 2), (2, 2, 2)]),
    ("addbmm", lambda b, x, y: minigrad.addbmm(b, x, y), [(3, 2), (2, 3, 2), (2, 2, 2)]),
    ("inner", minigrad.inner, [(2, 3), (4, 3)]),
    ("kron", minigrad.kron, [(2, 3), (2, 1, 2)]),
    ("tensordot", lambda a, b: minigrad.tensordot(a, b, ([0, 2], [1, 0])), [(2, 3, 4), (4, 2, 1)]),
    ("cdist", lambda a, b: minigrad.cdist(a, b, 1.5), [(2, 3, 2), (2, 4, 2)]),
    ("pdist", lambda a: minigrad.nn.functional.pdist(a, 3), [(4, 2)]),
    ("dist", lambda a, b: minigrad.dist(a, b, 2), [(2, 3), (3,)]),
    ("cov", lambda a: minigrad.cov(a, correction=0), [(3, 5)]),
    ("corrcoef", minigrad.corrcoef, [(3, 5)]),
    ("matrix_exp", minigrad.matrix_exp, [(2, 3, 3)]),
    ("householder_product", linalg.householder_product, [(4, 3), (2,)]),
    ("ormqr", lambda a, tau, c: minigrad.ormqr(a, tau, c, left=False, transpose=True), [(3, 2), (2,), (2, 3)]),
]


@pytest.mark.parametrize("name, func, shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_and_gradgradcheck(name, func, shapes):
    inputs = tuple(_leaf(*shape) for shape in shapes)
    assert gradcheck(func, inputs, atol=1e-6)
    assert gradgradcheck(func, inputs, atol=1e-5)


FACTOR_CASES = [
    ("lu-square", lambda A: tuple(linalg.lu(A))[1:], (2, 3, 3)),
    ("lu-wide", lambda A: tuple(linalg.lu(A))[1:], (2, 5)),
    ("lu-tall", lambda A: tuple(linalg.lu(A))[1:], (5, 2)),
    ("lu_factor", lambda A: linalg.lu_factor(A).LU, (3, 3)),
    ("lu_solve", lambda A, B: linalg.lu_solve(*linalg.lu_factor(A), B, adjoint=True), (3, 3)),
    ("lu_solve-right", lambda A, B: linalg.lu_solve(*linalg.lu_factor(A), B.mT, left=False), (3, 3)),
    ("logdet", minigrad.logdet, (2, 3, 3)),
    ("cholesky_inverse", lambda L: minigrad.cholesky_inverse(_lower(L)), (3, 3)),
    ("cholesky_solve", lambda L, B: minigrad.cholesky_solve(B, _lower(L), upper=True), (3, 3)),
    ("triangular_solve", lambda A, B: minigrad.triangular_solve(B, A, transpose=True).solution, (3, 3)),
]


@pytest.mark.parametrize("name, func, shape", FACTOR_CASES, ids=[c[0] for c in FACTOR_CASES])
def test_factorisation_gradients(name, func, shape):
    A = _well_conditioned(*shape) if shape[-1] == shape[-2] else _leaf(*shape)
    inputs = (A,) if func.__code__.co_argcount == 1 else (A, _leaf(*shape[:-1], 2))
    assert gradcheck(func, inputs, atol=1e-6)
    assert gradgradcheck(func, inputs, atol=1e-5)


def test_lu_reconstructs_and_reports_singular_pivots():
    A = minigrad.from_numpy(rng.standard_normal((3, 4, 6)))
    P, L, U = linalg.lu(A)
    np.testing.assert_allclose((P @ L @ U)._data, A._data, atol=1e-12)
    singular = minigrad.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert int(linalg.lu_factor_ex(singular).info) == 2
    with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
        linalg.lu_factor(singular)
    with pytest.raises(RuntimeError, match="LU without pivoting"):
        linalg.lu_factor(A, pivot=False)


def _symmetric_batch(batch, n, seed):
    generator = np.random.default_rng(seed)
    A = generator.standard_normal((batch, n, n))
    A = A + np.swapaxes(A, -1, -2)
    A[::3, :, 0] = A[::3, 0, :] = 0  # a zero column: info and a skipped step
    return np.round(A) if seed % 2 else A  # rounded: ties between candidate pivots


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("num_threads", [1, 2])
def test_ldl_kernel_matches_reference(seed, num_threads):
    A = _symmetric_batch(7, 1 + 2 * seed, seed)
    ld = A.copy()
    pivots = np.empty(A.shape[:2], np.int32)
    info = np.empty(A.shape[0], np.int32)
    ldl_kernel.ldl_factor(ld, pivots, info, num_threads)
    B = np.random.default_rng(seed).standard_normal(A.shape[:2] + (2,))
    for b in range(A.shape[0]):
        want_ld, want_pivots, want_info = ldl_reference.ldl_factor(A[b])
        np.testing.assert_array_equal(pivots[b], want_pivots)
        assert info[b] == want_info
        np.testing.assert_allclose(np.tril(ld[b]), want_ld, atol=1e-10)
        if want_info == 0:
            x = B[b].copy()[None]
            ldl_kernel.ldl_solve(ld[b : b + 1], pivots[b : b + 1], x, 1)
            np.testing.assert_allclose(x[0], ldl_reference.ldl_solve(want_ld, want_pivots, B[b]), atol=1e-8)
            np.testing.assert_allclose(A[b] @ x[0], B[b], atol=1e-8)


def test_ldl_matches_torch_pivots():
    torch = pytest.importorskip("torch")
    for seed in range(6):
        A = _symmetric_batch(5, 6, seed)
        for dtype in (np.float32, np.float64):
            ours = linalg.ldl_factor_ex(minigrad.from_numpy(A.astype(dtype)))
            theirs = torch.linalg.ldl_factor_ex(torch.from_numpy(A.astype(dtype)))
            np.testing.assert_array_equal(ours.pivots._data, theirs.pivots.numpy())
            np.testing.assert_array_equal(ours.info._data, theirs.info.numpy())
            np.testing.assert_allclose(ours.LD._data, theirs.LD.numpy(), rtol=1e-4, atol=1e-4)


def test_ldl_solve_broadcasts_and_rejects_bad_input():
    A = minigrad.from_numpy(_symmetric_batch(1, 4, 1)[0] + 5 * np.eye(4))
    LD, pivots = linalg.ldl_factor(A)
    B = minigrad.from_numpy(rng.standard_normal((3, 4, 2)))
    np.testing.assert_allclose((A @ linalg.ldl_solve(LD, pivots, B))._data, B._data, atol=1e-10)
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        linalg.ldl_solve(LD, pivots, B.mT)
    with pytest.raises(RuntimeError, match="singular"):
        linalg.ldl_factor(minigrad.zeros(2, 2))


def test_geqrf_matches_numpy_r_and_householder_product_q():
    A = minigrad.from_numpy(rng.standard_normal((2, 5, 3)))
    a, tau = minigrad.geqrf(A)
    Q = linalg.householder_product(a, tau)
    np.testing.assert_allclose((Q @ a.triu()[..., :3, :])._data, A._data, atol=1e-12)
    np.testing.assert_allclose(np.abs(a.triu()._data[..., :3, :]), np.abs(np.linalg.qr(A._data)[1]), atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 6, 4), (4, 7)])
def test_lowrank_factorisations_are_exact_at_full_rank(shape):
    A = minigrad.from_numpy(rng.standard_normal(shape[:-1] + (2,)) @ rng.standard_normal(shape[:-2] + (2, shape[-1])))
    U, S, V = minigrad.svd_lowrank(A, q=2)
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ V.mT)._data, A._data, atol=1e-10)
    np.testing.assert_allclose(S._data, np.linalg.svd(A._data, compute_uv=False)[..., :2], atol=1e-10)
    U, S, V = minigrad.pca_lowrank(A, q=2)
    centred = A._data - A._data.mean(-2, keepdims=True)
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ V.mT)._data, centred, atol=1e-10)
    with pytest.raises(ValueError, match="q"):
        minigrad.pca_lowrank(A, q=9)
