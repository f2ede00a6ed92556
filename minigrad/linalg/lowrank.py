"""Randomised low-rank factorisations: ``svd_lowrank`` and ``pca_lowrank`` (Halko, Martinsson and Tropp 2009,
as torch computes them).

A random Gaussian sketch ``A Ω`` finds an orthonormal basis ``Q`` of ``A``'s dominant column space (sharpened by
``niter`` power iterations), then the SVD of the small ``Qᵀ A`` gives the factors. Everything after the random
draw is ``matmul``, ``qr`` and ``svd``, so the gradients are theirs (for a fixed draw).
"""

from typing import NamedTuple

from ..autograd.tensor import Tensor
from ..creation import randn
from ..ops.linalg import matmul
from ._checks import check_float
from .factorizations import qr, svd


class SVDLowRank(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def _approximate_basis(A, q, niter):
    """An orthonormal ``Q (*, m, q)`` whose span approximates that of ``A (*, m, n)``'s top ``q`` singular vectors."""
    sketch = randn(*A.shape[-1:], q, dtype=A.dtype)
    Q = qr(matmul(A, sketch)).Q
    for _ in range(niter):  # power iterations: each multiplies by A Aᵀ, re-orthonormalised on the way
        Q = qr(matmul(A.mT, Q)).Q
        Q = qr(matmul(A, Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)`` with ``A - M ≈ U diag(S) Vᵀ``: a rank-``q`` approximate SVD of each matrix in ``A (*, m, n)``
    (``M`` broadcasting to it, or None), ``U (*, m, q)``, ``S (*, q)``, ``V (*, n, q)``, from a random sketch
    refined by ``niter`` power iterations (exact when ``q`` reaches the rank, up to the singular vectors' signs).
    Gradient: through ``matmul``, ``qr`` and ``svd`` for the drawn sketch.

    >>> minigrad.svd_lowrank(minigrad.tensor([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), q=2).S
    tensor([3., 2.])
    """
    check_float(A, "svd_lowrank")
    q = 6 if q is None else q
    if M is not None:
        A = A - M
    m, n = A.shape[-2:]
    if m < n:  # sketch the taller side
        A = A.mT
    Q = _approximate_basis(A, q, niter)
    U, S, Vh = svd(matmul(Q.mT, A), full_matrices=False)
    U, V = matmul(Q, U), Vh.mT
    return SVDLowRank(V, S, U) if m < n else SVDLowRank(U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):
    """``(U, S, V)``: ``svd_lowrank`` of ``A (*, m, n)`` with each column's mean subtracted first (``center``), so
    ``V``'s columns are the principal directions and ``S² / (m - 1)`` the variances along them; ``q`` defaults to
    ``min(6, m, n)``. Gradient: ``svd_lowrank``'s, through the centring.

    >>> minigrad.pca_lowrank(minigrad.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [0.0, -0.5]]), q=2).S
    tensor([1.4142, 0.7071])
    """
    check_float(A, "pca_lowrank")
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(-2, keepdim=True)
    return svd_lowrank(A, q, niter)
