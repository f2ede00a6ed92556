"""``minigrad.linalg``: first and second derivatives by finite differences (float64, small batched shapes), torch's
errors on bad input, and values of the gauge-dependent factorisations through gauge-invariant quantities.

Values and gradients of every ``linalg.*`` name against torch on op_db's samples are in ``tests/test_op_db.py``.
"""

import numpy as np
import pytest

import minigrad
from minigrad import linalg
from minigrad.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _leaf(*shape):
    return minigrad.from_numpy(rng.standard_normal(shape)).requires_grad_()


def _spd(X):
    """A symmetric positive-definite batch from any square ``X``."""
    return minigrad.matmul(X, X.mT) + minigrad.from_numpy(np.eye(X.shape[-1]) * X.shape[-1])


def _symmetric(X):
    return X + X.mT


# (name, function of the inputs, input shapes): every differentiable linalg function on small batched shapes
CASES = [
    ("vector_norm", lambda x: linalg.vector_norm(x, 3, dim=-1), [(2, 3)]),
    ("matrix_norm-fro", lambda A: linalg.matrix_norm(A), [(2, 3, 2)]),
    ("matrix_norm-nuc", lambda A: linalg.matrix_norm(A, "nuc"), [(2, 3, 2)]),
    ("matrix_norm-2", lambda A: linalg.matrix_norm(A, 2), [(3, 2)]),
    ("matrix_norm-inf", lambda A: linalg.matrix_norm(A, float("inf")), [(2, 3, 3)]),
    ("matrix_norm--1", lambda A: linalg.matrix_norm(A, -1, dim=(0, 1)), [(3, 3)]),
    ("norm", lambda A: linalg.norm(A, 1), [(3, 3)]),
    ("vecdot", lambda x, y: linalg.vecdot(x, y), [(2, 3), (3,)]),
    ("cross", lambda x, y: linalg.cross(x, y), [(2, 3), (1, 3)]),
    ("multi_dot", lambda a, b, c: linalg.multi_dot([a, b, c]), [(3,), (3, 2), (2, 2)]),
    ("matrix_power-3", lambda A: linalg.matrix_power(A, 3), [(2, 2, 2)]),
    ("matrix_power--2", lambda A: linalg.matrix_power(A + minigrad.eye(3, dtype=minigrad.float64) * 3, -2), [(3, 3)]),
    ("diagonal", lambda A: linalg.diagonal(A, offset=1), [(2, 3, 3)]),
    ("vander", lambda x: linalg.vander(x, N=4), [(2, 3)]),
    ("inv", lambda A: linalg.inv(A), [(2, 3, 3)]),
    ("det", lambda A: linalg.det(A), [(2, 3, 3)]),
    ("slogdet", lambda A: linalg.slogdet(A).logabsdet, [(2, 3, 3)]),
    ("solve", lambda A, B: linalg.solve(A, B), [(2, 3, 3), (3, 2)]),
    ("solve-vector", lambda A, b: linalg.solve(A, b), [(2, 3, 3), (2, 3)]),
    ("solve-right", lambda A, B: linalg.solve(A, B, left=False), [(3, 3), (2, 3)]),
    (
        "solve_triangular",
        lambda A, B: linalg.solve_triangular(A + 3 * minigrad.eye(3, dtype=minigrad.float64), B, upper=True),
        [(3, 3), (3, 2)],
    ),
    ("tensorsolve", lambda A, B: linalg.tensorsolve(A, B), [(4, 2, 2), (4,)]),
    ("cholesky", lambda X: linalg.cholesky(_spd(X), upper=True), [(2, 3, 3)]),
    ("eigh", lambda X: [t**2 if t.ndim == 3 else t for t in linalg.eigh(_symmetric(X))], [(2, 3, 3)]),
    ("eigvalsh", lambda X: linalg.eigvalsh(_symmetric(X), UPLO="U"), [(3, 3)]),
    ("svd-tall", lambda A: (lambda U, S, Vh: (U @ Vh, S, U**2))(*linalg.svd(A, full_matrices=False)), [(2, 4, 3)]),
    ("svd-wide", lambda A: (lambda U, S, Vh: (U @ Vh, S, Vh**2))(*linalg.svd(A, full_matrices=False)), [(3, 4)]),
    ("svdvals", lambda A: linalg.svdvals(A), [(2, 3, 2)]),
    ("qr-tall", lambda A: linalg.qr(A), [(2, 4, 3)]),
    ("qr-wide", lambda A: linalg.qr(A), [(3, 4)]),
    ("pinv", lambda A: linalg.pinv(A), [(2, 4, 3)]),
    ("lstsq", lambda A, B: linalg.lstsq(A, B, driver="gelsd")[:2], [(4, 2), (4, 3)]),
    ("cond", lambda A: linalg.cond(A), [(3, 3)]),
    ("cond-1", lambda A: linalg.cond(A, 1), [(3, 3)]),
]


@pytest.mark.parametrize("name, func, shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_and_gradgradcheck(name, func, shapes):
    inputs = tuple(_leaf(*shape) for shape in shapes)
    assert gradcheck(func, inputs, atol=1e-6)
    assert gradgradcheck(func, inputs, atol=1e-5)


def test_linalg_error_is_a_runtime_error():
    assert issubclass(linalg.LinAlgError, RuntimeError)
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.inv(minigrad.ones(3, 3))
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.solve(minigrad.ones(2, 2), minigrad.ones(2))
    with pytest.raises(linalg.LinAlgError, match="leading minor of order 2 is not positive-definite"):
        linalg.cholesky(minigrad.tensor([[1.0, 2.0], [2.0, 1.0]]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: linalg.inv(minigrad.ones(2, 3)), "A must be batches of square matrices, but they are 2 by 3"),
        (lambda: linalg.det(minigrad.ones(3)), "The input tensor A must have at least 2 dimensions"),
        (lambda: linalg.inv(minigrad.ones(2, 2, dtype=minigrad.int64)), "Expected a floating point"),
        (lambda: linalg.eigh(minigrad.eye(2), UPLO="X"), "UPLO"),
        (lambda: linalg.qr(minigrad.eye(2), mode="x"), "unrecognized mode"),
        (lambda: linalg.matrix_norm(minigrad.eye(2), ord=3), "Order 3 not supported"),
        (lambda: linalg.cross(minigrad.ones(2), minigrad.ones(2)), "must have length 3"),
        (lambda: linalg.multi_dot([minigrad.ones(2, 2)]), "expected at least 2 tensors"),
        (lambda: linalg.lstsq(minigrad.ones(3, 2), minigrad.ones(2, 2)), r"input.size\(-2\) should match"),
    ],
)
def test_bad_input_raises_torchs_runtime_error(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_ex_forms_report_instead_of_raising():
    singular = minigrad.stack([minigrad.eye(2), minigrad.ones(2, 2)])
    assert linalg.inv_ex(singular).info.tolist() == [0, 2]
    assert linalg.cholesky_ex(-singular).info.tolist() == [1, 1]
    assert linalg.solve_ex(singular, minigrad.ones(2, 2)).info.tolist() == [0, 2]
    with pytest.raises(linalg.LinAlgError):
        linalg.inv_ex(singular, check_errors=True)


def test_factorisations_reconstruct_their_input():
    A = minigrad.from_numpy(rng.standard_normal((2, 4, 3)))
    U, S, Vh = linalg.svd(A)
    assert U.shape == (2, 4, 4) and Vh.shape == (2, 3, 3)
    np.testing.assert_allclose((U[..., :3] * S.unsqueeze(-2)) @ Vh, A._data, atol=1e-12)
    Q, R = linalg.qr(A, mode="complete")
    np.testing.assert_allclose(Q @ R, A._data, atol=1e-12)
    np.testing.assert_allclose(Q.mT @ Q, np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-12)
    w, V = linalg.eigh(A.mT @ A)
    np.testing.assert_allclose((V * w.unsqueeze(-2)) @ V.mT, (A.mT @ A)._data, atol=1e-12)
    sign, logabsdet = linalg.slogdet(A[:, :3])
    np.testing.assert_allclose(sign * logabsdet.exp(), linalg.det(A[:, :3])._data)


def test_against_torch_up_to_gauge():
    torch = pytest.importorskip("torch")
    A = rng.standard_normal((2, 3, 3))
    S = A + A.swapaxes(-1, -2)
    w, V = linalg.eigh(minigrad.from_numpy(S))
    w_t, V_t = torch.linalg.eigh(torch.from_numpy(S))
    np.testing.assert_allclose(w._data, w_t.numpy(), atol=1e-12)
    np.testing.assert_allclose(np.abs(V._data), np.abs(V_t.numpy()), atol=1e-12)
    for ord in ("fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")):
        np.testing.assert_allclose(
            linalg.matrix_norm(minigrad.from_numpy(A), ord)._data,
            torch.linalg.matrix_norm(torch.from_numpy(A), ord).numpy(),
            rtol=1e-12,
        )
    rank = linalg.matrix_rank(minigrad.from_numpy(np.ones((2, 3, 3))))
    assert rank.tolist() == torch.linalg.matrix_rank(torch.ones(2, 3, 3, dtype=torch.float64)).tolist()
