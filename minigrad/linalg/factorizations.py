"""Factorisations: ``cholesky``, ``eigh`` / ``eigvalsh``, ``svd`` / ``svdvals``.

Each factor is its own ``Function`` (``Factor``): the forward runs NumPy's LAPACK call and returns one factor; the
backward recomputes the whole factorisation with these same differentiable functions and returns that factor's
share of the gradient. The gradient of a factorisation is linear in its factors' upstream gradients, so the shares
add up to the full formula, and since the factors in it are graph tensors, higher derivatives come for free.
"""

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops.elementwise import where
from ..ops.linalg import matmul
from ..ops.shape import cat
from ._checks import LinAlgError, check_float, check_square
from .inverse import inv


def _first_bad_minor(array):
    """The order of the first leading minor of the symmetric matrices (lower triangle read) that is not
    positive-definite in some matrix of the batch, 0 if none."""
    symmetric = np.tril(array) + np.swapaxes(np.tril(array, -1), -1, -2)
    return next(
        (k for k in range(1, array.shape[-1] + 1) if not np.all(np.linalg.eigvalsh(symmetric[..., :k, :k]) > 0)), 0
    )


def _not_positive_definite(name, array):
    """torch's LinAlgError naming the first leading minor that is not positive-definite."""
    order = _first_bad_minor(array) or 1
    return LinAlgError(
        f"{name}: The factorization could not be completed because the input is not positive-definite "
        f"(the leading minor of order {order} is not positive-definite)."
    )


def _cholesky_array(A):
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise _not_positive_definite("linalg.cholesky", A) from None


def _decompose(kind, A, options):
    """The NumPy factors of ``A`` for ``kind``, as a tuple."""
    if kind == "cholesky":
        return (_cholesky_array(A),)
    if kind == "eigh":
        return np.linalg.eigh(A, UPLO=options["UPLO"])
    if kind == "qr":
        return np.linalg.qr(A)
    return np.linalg.svd(A, full_matrices=False)


class Factor(Function):
    """Factor ``part`` of the factorisation ``kind`` of ``A``; see the module docstring for the gradient."""

    def forward(self, A, *, kind, part, **options):
        return _decompose(kind, A, options)[part]

    def backward(self, grad):
        (A,) = self.inputs
        kind, part = self.options["kind"], self.options["part"]
        factors = _FACTORS[kind](A, **{k: v for k, v in self.options.items() if k not in ("kind", "part")})
        grads = [None] * len(factors)
        grads[part] = grad
        return _BACKWARDS[kind](factors, grads)


def _cholesky_backward(factors, grads):
    # A = L Lᵀ gives L⁻¹ dL = Φ(L⁻¹ dA L⁻ᵀ), Φ = the lower triangle with the diagonal halved; its adjoint
    # gives ∂A = L⁻ᵀ Φ(Lᵀ ∂L) L⁻¹, symmetrised because A is
    (L,), (grad,) = factors, grads
    n = L.shape[-1]
    phi = matmul(L.mT, grad) * Tensor._wrap(
        np.tril(np.ones((n, n), L._data.dtype)) - 0.5 * np.eye(n, dtype=L._data.dtype)
    )
    L_inv = inv(L)
    S = matmul(matmul(L_inv.mT, phi), L_inv)
    return 0.5 * (S + S.mT)


def _diag_embed(x):
    """The ``(*, n, n)`` diagonal matrices of ``x (*, n)``."""
    return x.unsqueeze(-1) * Tensor._wrap(np.eye(x.shape[-1], dtype=x._data.dtype))


def _off_diagonal_inverse(E):
    """``1 / E`` off the diagonal, 0 on it (where ``E`` is 0 by construction)."""
    mask = np.eye(E.shape[-1], dtype=bool)
    return where(Tensor._wrap(mask), E * 0, 1 / where(Tensor._wrap(mask), E * 0 + 1, E))


def _eigh_backward(factors, grads):
    # ∂A = V (diag(∂w) + F ∘ skew(Vᵀ ∂V)) Vᵀ with F_ij = 1 / (w_j - w_i) off the diagonal and skew(X) = (X - Xᵀ)/2:
    # the gradient w.r.t. a symmetric A, so symmetric itself (torch's convention)
    (w, V), (grad_w, grad_v) = factors, grads
    inner = 0
    if grad_v is not None:
        VtgV = matmul(V.mT, grad_v)
        inner = _off_diagonal_inverse(w.unsqueeze(-2) - w.unsqueeze(-1)) * (0.5 * (VtgV - VtgV.mT))
    if grad_w is not None:
        inner = inner + _diag_embed(grad_w)
    return matmul(matmul(V, inner), V.mT)


def _svd_backward(factors, grads):
    # A = U S Vh: the gradient of the thin SVD (each singular value simple, all non-zero where U or Vh get one)
    (U, S, Vh), (grad_u, grad_s, grad_vh) = factors, grads
    if grad_s is not None:
        return matmul(U * grad_s.unsqueeze(-2), Vh)
    F = _off_diagonal_inverse(S.unsqueeze(-2) ** 2 - S.unsqueeze(-1) ** 2)
    if grad_u is not None:
        UtgU = matmul(U.mT, grad_u)
        inner = F * (UtgU - UtgU.mT) * S.unsqueeze(-2)
        result = matmul(matmul(U, inner), Vh)
        if U.shape[-2] > U.shape[-1]:  # the part of ∂U outside U's span
            result = result + matmul((grad_u - matmul(U, UtgU)) / S.unsqueeze(-2), Vh)
        return result
    V, grad_v = Vh.mT, grad_vh.mT
    VtgV = matmul(V.mT, grad_v)
    inner = S.unsqueeze(-1) * (F * (VtgV - VtgV.mT))
    result = matmul(matmul(U, inner), Vh)
    if V.shape[-2] > V.shape[-1]:
        result = result + matmul(U, ((grad_v - matmul(V, VtgV)) / S.unsqueeze(-2)).mT)
    return result


def _copy_lower_to_upper(M):
    """The symmetric matrix whose lower triangle is ``M``'s."""
    lower = M.tril(-1)
    return lower + lower.mT + _diag_embed(M.diagonal(0, -2, -1))


def _qr_backward(factors, grads):
    # A = QR, m >= n: with M = R ∂Rᵀ - ∂Qᵀ Q, ∂A = (∂Q + Q copyltu(M)) R⁻ᵀ. For m < n, A = Q [X | Y] with X = Q U
    # square: ∂Y = Q ∂V and X takes the square formula with ∂Q + Y ∂Vᵀ
    (Q, R), (grad_q, grad_r) = factors, grads
    m, n = Q.shape[-2], R.shape[-1]
    grad_q = Q * 0 if grad_q is None else grad_q
    grad_r = R * 0 if grad_r is None else grad_r
    if m >= n:
        M = matmul(R, grad_r.mT) - matmul(grad_q.mT, Q)
        return matmul(grad_q + matmul(Q, _copy_lower_to_upper(M)), inv(R).mT)
    U, grad_u, grad_v = R[..., :m], grad_r[..., :m], grad_r[..., m:]
    Y = matmul(Q, R[..., m:])
    grad_q = grad_q + matmul(Y, grad_v.mT)
    M = matmul(U, grad_u.mT) - matmul(grad_q.mT, Q)
    grad_x = matmul(grad_q + matmul(Q, _copy_lower_to_upper(M)), inv(U).mT)
    return cat([grad_x, matmul(Q, grad_v)], -1)


_BACKWARDS = {"cholesky": _cholesky_backward, "eigh": _eigh_backward, "svd": _svd_backward, "qr": _qr_backward}


def _cholesky_factors(A):
    return (Factor.apply(A, kind="cholesky", part=0),)


def _eigh_factors(A, UPLO="L"):
    return tuple(Factor.apply(A, kind="eigh", part=k, UPLO=UPLO) for k in range(2))


def _svd_factors(A):
    return tuple(Factor.apply(A, kind="svd", part=k) for k in range(3))


def _qr_factors(A):
    return tuple(Factor.apply(A, kind="qr", part=k) for k in range(2))


_FACTORS = {"cholesky": _cholesky_factors, "eigh": _eigh_factors, "svd": _svd_factors, "qr": _qr_factors}


def cholesky(A, *, upper=False):
    """The lower triangular ``L`` with ``A = L Lᵀ`` for each symmetric positive-definite matrix in ``A (*, n, n)``
    (only its lower triangle is read); ``Lᵀ`` when ``upper``. Raises ``LinAlgError`` otherwise.

    Gradient: ``∂A = sym(L⁻ᵀ Φ(Lᵀ ∂L) L⁻¹)``, ``Φ`` the lower triangle with the diagonal halved.

    >>> minigrad.linalg.cholesky(minigrad.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    check_square(A, "linalg.cholesky")
    (L,) = _cholesky_factors(A)
    return L.mT if upper else L


class CholeskyEx(NamedTuple):
    L: Tensor
    info: Tensor


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)``: ``cholesky`` that reports failure in ``info`` (int32 per matrix: the order of the first leading
    minor that is not positive-definite, 0 on success) instead of raising, unless ``check_errors``.

    Gradient: ``cholesky``'s, to ``L``; ``info`` has none.

    >>> minigrad.linalg.cholesky_ex(minigrad.eye(2)).info
    tensor(0, dtype=minigrad.int32)
    """
    check_square(A, "linalg.cholesky_ex")
    batch = A._data.reshape(int(np.prod(A.shape[:-2])), *A.shape[-2:])
    info = Tensor._wrap(np.array([_first_bad_minor(m) for m in batch], np.int32).reshape(A.shape[:-2]))
    if not info._data.any():
        return CholeskyEx(cholesky(A, upper=upper), info)
    if check_errors:
        raise _not_positive_definite("linalg.cholesky_ex", A._data)
    return CholeskyEx(Tensor._wrap(np.full(A.shape, np.nan, A._data.dtype)), info)


class Eigh(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


def _check_uplo(UPLO, name):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix in ``A (*, n, n)`` (only the ``UPLO`` triangle is
    read): ``A = V diag(w) Vᵀ``, ``w`` ascending ``(*, n)``, ``V (*, n, n)`` orthonormal columns (each column's sign
    is LAPACK's choice, so compare gauge-invariant quantities).

    Gradient: ``∂A = V (diag(∂w) + F ∘ Vᵀ∂V) Vᵀ``, ``F_ij = 1/(w_j - w_i)`` off the diagonal.

    >>> minigrad.linalg.eigh(minigrad.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    check_square(A, "linalg.eigh")
    _check_uplo(UPLO, "linalg.eigh")
    return Eigh(*_eigh_factors(A, UPLO))


def eigvalsh(A, UPLO="L"):
    """The ascending eigenvalues ``(*, n)`` of each symmetric matrix in ``A (*, n, n)``. Gradient: ``V diag(g) Vᵀ``.

    >>> minigrad.linalg.eigvalsh(minigrad.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    check_square(A, "linalg.eigvalsh")
    _check_uplo(UPLO, "linalg.eigvalsh")
    return _eigh_factors(A, UPLO)[0]


class SVD(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


def svd(A, full_matrices=True, *, driver=None):
    """``A = U diag(S) Vh`` for each matrix in ``A (*, m, n)``, ``S (*, k)`` descending, ``k = min(m, n)``; ``U (*, m,
    k)`` and ``Vh (*, k, n)`` (square ``(m, m)`` and ``(n, n)`` with ``full_matrices``: the completing columns are
    constants, as in torch, whose gradient reads only the thin factors). Singular vectors are determined up to sign.

    Gradient (thin SVD, simple non-zero singular values): ``∂A = U (F ∘ (UᵀgU - gUᵀU) S + S F ∘ (VᵀgV - gVᵀV)
    + diag(gS)) Vh`` plus the parts of ``gU``, ``gV`` outside ``U``'s and ``V``'s spans, ``F_ij = 1/(S_j² - S_i²)``.

    >>> minigrad.linalg.svd(minigrad.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    check_float(A, "linalg.svd")
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    U, S, Vh = _svd_factors(A)
    if full_matrices and A.shape[-1] != A.shape[-2]:
        # the completing columns (rows of Vh) are any orthonormal basis of the complement: constants, as in torch,
        # whose gradient reads only the thin factors
        U_full, _, Vh_full = np.linalg.svd(A._data, full_matrices=True)
        k = S.shape[-1]
        U = cat([U, Tensor._wrap(np.ascontiguousarray(U_full[..., k:]))], -1)
        Vh = cat([Vh, Tensor._wrap(np.ascontiguousarray(Vh_full[..., k:, :]))], -2)
    return SVD(U, S, Vh)


def svdvals(A, *, driver=None):
    """The singular values ``(*, min(m, n))`` of each matrix in ``A (*, m, n)``, descending. Gradient:
    ``U diag(g) Vh``.

    >>> minigrad.linalg.svdvals(minigrad.tensor([[3.0, 0.0], [0.0, -2.0]]))
    tensor([3., 2.])
    """
    check_float(A, "linalg.svdvals")
    if A.ndim < 2:
        raise RuntimeError("linalg.svdvals: The input tensor A must have at least 2 dimensions.")
    return _svd_factors(A)[1]


class QR(NamedTuple):
    Q: Tensor
    R: Tensor


def qr(A, mode="reduced"):
    """``A = Q R`` for each matrix in ``A (*, m, n)``, ``k = min(m, n)``: ``mode='reduced'`` gives ``Q (*, m, k)``
    with orthonormal columns and upper triangular ``R (*, k, n)``; ``'complete'`` a square ``Q (*, m, m)`` and
    ``R (*, m, n)``; ``'r'`` only ``R`` (``Q`` empty). Signs of ``R``'s diagonal are LAPACK's.

    Gradient (reduced, or complete with ``m <= n``): for ``m >= n``, with ``M = R ∂Rᵀ - ∂Qᵀ Q``,
    ``∂A = (∂Q + Q copyltu(M)) R⁻ᵀ`` (``copyltu`` mirrors the lower triangle up); wide matrices split ``A = Q[X|Y]``.

    >>> minigrad.linalg.qr(minigrad.tensor([[3.0, 0.0], [4.0, 1.0]])).R.abs()
    tensor([[5.0000, 0.8000],
            [0.0000, 0.6000]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    check_float(A, "linalg.qr")
    if A.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    Q, R = _qr_factors(A)
    if mode == "r":
        return QR(Tensor._wrap(np.zeros(0, A._data.dtype)), R)
    m, n = A.shape[-2:]
    if mode == "complete" and m > n:  # Q's completing columns and R's zero rows are constants (torch: no gradient)
        Q_full, _ = np.linalg.qr(A._data, mode="complete")
        Q = cat([Q, Tensor._wrap(np.ascontiguousarray(Q_full[..., n:]))], -1)
        R = cat([R, Tensor._wrap(np.zeros(A.shape[:-2] + (m - n, n), A._data.dtype))], -2)
    return QR(Q, R)
