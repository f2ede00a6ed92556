"""The pseudoinverse and least squares: ``pinv``, ``lstsq``, both built on ``svd``."""

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops.linalg import matmul
from ._checks import check_float, check_same_dtype
from .factorizations import svdvals
from .inverse import solve
from .norms import matrix_rank


class Pinv(Function):
    """``A⁺`` by the SVD with singular values at or below ``cutoff`` (per matrix) dropped.

    Gradient (where the rank is locally constant), read from ``P = A⁺`` itself, stabler than differentiating the
    SVD: ``∂A = -Pᵀ g Pᵀ + (I - A P) gᵀ P Pᵀ + Pᵀ P gᵀ (I - P A)``.
    """

    saves_output = True

    def forward(self, A, *, atol, rtol, hermitian):
        if hermitian:  # the symmetric matrix of A's lower triangle, as torch's eigh-based forward reads it
            A = np.tril(A) + np.swapaxes(np.tril(A, -1), -1, -2)
        U, S, Vh = np.linalg.svd(A, full_matrices=False)
        top = S.max(-1, keepdims=True, initial=0.0)
        if rtol is None:
            rtol = 0.0 if np.any(atol > 0) else np.finfo(A.dtype).eps * max(A.shape[-2:])
        kept = S > np.maximum(atol, rtol * top)
        inverse = np.where(kept, 1 / np.where(kept, S, 1), 0).astype(A.dtype)
        return np.swapaxes(Vh, -1, -2) * inverse[..., None, :] @ np.swapaxes(U, -1, -2)

    def backward(self, grad):
        (A,) = self.inputs
        P = self.output()
        m, n = A.shape[-2:]
        eye_m = Tensor._wrap(np.eye(m, dtype=A._data.dtype))
        eye_n = Tensor._wrap(np.eye(n, dtype=A._data.dtype))
        result = -matmul(matmul(P.mT, grad), P.mT)
        result = result + matmul(matmul(eye_m - matmul(A, P), grad.mT), matmul(P, P.mT))
        return result + matmul(matmul(P.mT, P), matmul(grad.mT, eye_n - matmul(P, A)))


def _tolerance(value):
    """A tolerance argument (number or tensor) as an array broadcasting over ``(*, k)`` singular values."""
    return np.asarray(getattr(value, "_data", value))[..., None]


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudoinverse ``V diag(1/σ) Uᵀ`` of each matrix in ``A (*, m, n)``, shape ``(*, n, m)``;
    singular values at or below ``max(atol, rtol · σ_max)`` count as zero (``rtol = eps · max(m, n)`` unless
    ``atol > 0``). With ``hermitian`` only ``A``'s lower triangle is read (as the symmetric matrix it defines), and
    the gradient is still torch's general formula, taken at the ``A`` given.

    Gradient (where the rank is locally constant), with ``P = A⁺``:
    ``∂A = -Pᵀ g Pᵀ + (I - A P) gᵀ P Pᵀ + Pᵀ P gᵀ (I - P A)``.

    >>> minigrad.linalg.pinv(minigrad.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    if A.ndim < 2 or A._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"linalg.pinv({A.dtype.name.capitalize()}{list(A.shape)}): expected a tensor with 2 or more dimensions "
            "of float, double, cfloat or cdouble types"
        )
    atol = _tolerance(0.0 if atol is None else atol)
    return Pinv.apply(A, atol=atol, rtol=None if rtol is None else _tolerance(rtol), hermitian=bool(hermitian))


class Lstsq(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of ``min_X ‖A X - B‖`` for ``A (*, m, n)``, ``B (*, m, k)``
    (or ``(*, m)``), batch dims broadcast. ``solution = pinv(A) B`` (singular values below ``rcond · σ_max`` dropped),
    shape ``(*, n, k)``. As torch on the CPU: ``residuals`` (the squared residual norms ``(*, k)``) only when
    ``m > n``, every ``A`` has full rank and ``driver`` is not ``'gelsy'`` (the default); ``rank`` unless
    ``driver='gels'``; ``singular_values`` for ``'gelsd'`` / ``'gelss'``; otherwise empty tensors.

    Gradient (solution and residuals): through ``pinv`` and ``matmul``.

    >>> minigrad.linalg.lstsq(minigrad.tensor([[1.0], [1.0]]), minigrad.tensor([[1.0], [3.0]])).solution
    tensor([[2.0000]])
    """
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), but got {driver}"
        )
    check_float(A, "torch.linalg.lstsq")
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    check_same_dtype(
        A,
        B,
        "torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype {} and "
        "other's dtype {}",
    )
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-2]:
        raise RuntimeError(
            "torch.linalg.lstsq: input.size(-2) should match other.size(-2)"
            if not vector
            else "torch.linalg.lstsq: input.size(-2) should match other.size(-1)"
        )
    m, n = A.shape[-2:]
    rcond = np.finfo(A._data.dtype).eps * max(m, n) if rcond is None or rcond < 0 else rcond
    if m >= n and driver == "gels":  # gels assumes full rank: the normal equations' exact solution
        solution = solve(matmul(A.mT, A), matmul(A.mT, rhs))
    else:
        solution = matmul(pinv(A, rtol=rcond), rhs)
    empty = solution.reshape(-1)[:0]  # torch's empty outputs are still part of the graph (with zero gradient)
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else Tensor._wrap(np.zeros(0, np.int64))
    full_rank = driver == "gels" or bool(np.all(rank._data == n))  # gels assumes it
    residuals = empty
    if m > n and driver != "gelsy" and full_rank:
        residuals = ((matmul(A, solution) - rhs) ** 2).sum(-2)
        residuals = residuals.squeeze(-1) if vector else residuals
    values = svdvals(A) if driver in ("gelsd", "gelss") else empty
    return Lstsq(solution.squeeze(-1) if vector else solution, residuals, rank, values)
