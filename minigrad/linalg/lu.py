"""The LU factorisation with partial pivoting: ``lu_factor`` / ``lu_factor_ex``, ``lu``, ``lu_unpack``,
``lu_solve`` (torch.linalg's, and torch's older ``torch.lu`` / ``torch.lu_solve`` spellings).

NumPy exposes no LU, so the forward is written here: LAPACK's unblocked ``getf2`` (the pivot of column ``j`` is the
first row of largest absolute value at or below ``j``; a zero pivot is skipped and reported in ``info``), run on
every matrix of the batch at once, one column per step. The gradient of the packed factors is a ``Function`` whose
backward is written with minigrad's own ops (so it can be differentiated again); unpacking and solving are
compositions of differentiable ops.
"""

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops.shape import cat
from ._checks import LinAlgError, check_float, check_same_dtype
from .inverse import solve_triangular


def lu_arrays(A):
    """``(LU, pivots, info)`` of the float array ``A (*, m, n)``: ``LU`` packs the unit lower ``L (m, k)`` below the
    diagonal and the upper ``U (k, n)`` on and above it, ``k = min(m, n)``; ``pivots (*, k)`` are LAPACK's 1-based
    row swaps; ``info (*)`` is the 1-based column of the first zero pivot (0 when none)."""
    m, n = A.shape[-2:]
    k = min(m, n)
    a = A.reshape(int(np.prod(A.shape[:-2])), m, n).copy()  # (an empty batch has no -1 to infer)
    batch = np.arange(a.shape[0])
    pivots = np.empty((a.shape[0], k), np.int32)
    info = np.zeros(a.shape[0], np.int32)
    for j in range(k):
        p = j + np.abs(a[:, j:, j]).argmax(1)
        pivots[:, j] = p + 1
        a[batch, j], a[batch, p] = a[batch, p], a[batch, j].copy()
        pivot = a[:, j, j]
        zero = pivot == 0  # then the column below is zero too: nothing to eliminate
        info = np.where((info == 0) & zero, j + 1, info)
        a[:, j + 1 :, j] /= np.where(zero, 1, pivot)[:, None]
        a[:, j + 1 :, j + 1 :] -= a[:, j + 1 :, j, None] * a[:, None, j, j + 1 :]
    return a.reshape(A.shape), pivots.reshape(A.shape[:-2] + (k,)), info.reshape(A.shape[:-2])


def permutation_array(pivots, m, dtype):
    """The ``(*, m, m)`` permutation matrices ``P`` with ``A = P L U`` from LAPACK's 1-based row swaps."""
    flat = pivots.reshape(int(np.prod(pivots.shape[:-1])), pivots.shape[-1]).astype(np.int64) - 1
    batch = np.arange(flat.shape[0])
    order = np.tile(np.arange(m), (flat.shape[0], 1))
    for j in range(flat.shape[1]):  # row j of P^T A is row order[j] of A
        order[batch, j], order[batch, flat[:, j]] = order[batch, flat[:, j]], order[batch, j].copy()
    P = np.zeros((flat.shape[0], m, m), dtype)
    P[batch[:, None], order, np.arange(m)] = 1
    return P.reshape(pivots.shape[:-1] + (m, m))


def _unit_lower(LU):
    """The unit lower triangular ``L (*, m, k)`` packed in ``LU (*, m, n)``."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    eye = Tensor._wrap(np.eye(m, k, dtype=LU._data.dtype))
    return LU[..., :, :k].tril(-1) + eye


def _upper(LU):
    """The upper triangular ``U (*, k, n)`` packed in ``LU (*, m, n)``."""
    k = min(LU.shape[-2:])
    return LU[..., :k, :].triu()


def _lu_backward(L, U, P, grad_l, grad_u):
    # Ã = Pᵀ A = L U. Square: L⁻¹ dÃ U⁻¹ = L⁻¹dL + dU U⁻¹ (strictly lower + upper), whose adjoint is
    # ∂Ã = L⁻ᵀ (tril₋₁(Lᵀ ∂L) + triu(∂U Uᵀ)) U⁻ᵀ. Wide (U = [U₁|U₂]): U₂ = L⁻¹Ã₂ gives ∂Ã₂ = L⁻ᵀ∂U₂ and adds
    # -∂U₂U₂ᵀ to Lᵀ∂L. Tall (L = [L₁; L₂]): L₂ = Ã₂U⁻¹ gives ∂Ã₂ = ∂L₂U⁻ᵀ and adds -L₂ᵀ∂L₂ to ∂U Uᵀ
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    L1, U1 = L[..., :k, :], U[..., :, :k]
    inner_l = matmul_t(L1, grad_l[..., :k, :], left=True)
    inner_u = matmul_t(grad_u[..., :, :k], U1, left=False)
    if n > m:
        inner_l = inner_l - matmul_t(grad_u[..., :, k:], U[..., :, k:], left=False)
    if m > n:
        inner_u = inner_u - matmul_t(L[..., k:, :], grad_l[..., k:, :], left=True)
    inner = inner_l.tril(-1) + inner_u.triu()
    square = solve_triangular(L1.mT, inner, upper=True, unitriangular=True)
    square = solve_triangular(U1.mT, square, upper=False, left=False)
    if n > m:
        rest = solve_triangular(L1.mT, grad_u[..., :, k:], upper=True, unitriangular=True)
        square = cat([square, rest], -1)
    if m > n:
        rest = solve_triangular(U1.mT, grad_l[..., k:, :], upper=False, left=False)
        square = cat([square, rest], -2)
    return P.matmul(square)


def matmul_t(a, b, *, left):
    """``aᵀ b`` (``left``) or ``a bᵀ``."""
    return a.mT.matmul(b) if left else a.matmul(b.mT)


class LUFactor(Function):
    """The packed ``LU`` of ``A`` (``lu_arrays``, passed in as ``packed`` with its ``pivots``); the backward splits
    ``g`` into ``∂L = tril₋₁(g)`` and ``∂U = triu(g)`` and applies ``_lu_backward`` on recomputed graph factors."""

    def forward(self, A, *, packed, pivots):
        return packed

    def backward(self, grad):
        (A,) = self.inputs
        LU = lu_factor_ex(A).LU  # the same factors, now as graph tensors
        k = min(A.shape[-2:])
        grad_l = grad[..., :, :k].tril(-1)
        grad_u = grad[..., :k, :].triu()
        P = Tensor._wrap(permutation_array(self.options["pivots"], A.shape[-2], A._data.dtype))
        return _lu_backward(_unit_lower(LU), _upper(LU), P, grad_l, grad_u)


def _check_input(A, name):
    check_float(A, name)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")


def _check_pivot(pivot, name):
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")


class LUFactorEx(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``(LU, pivots, info)``: the LU factorisation with partial pivoting ``A = P L U`` of each matrix in ``A (*, m,
    n)``, packed: ``LU (*, m, n)`` holds the unit lower ``L`` below its diagonal and ``U`` on and above;
    ``pivots (*, min(m, n))`` int32 are LAPACK's 1-based row swaps; ``info (*)`` int32 is the 1-based index of the
    first zero pivot (0 when none; the factorisation is still completed). ``check_errors`` raises on ``info > 0``.

    Gradient (square ``A``): ``∂A = P L⁻ᵀ (tril₋₁(Lᵀ ∂L) + triu(∂U Uᵀ)) U⁻ᵀ``, with ``∂L``, ``∂U`` the parts of
    the gradient of ``LU``; rectangular ``A`` adds the blocks of ``L`` or ``U`` beyond the square.

    >>> minigrad.linalg.lu_factor_ex(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
    tensor([2, 2], dtype=minigrad.int32)
    """
    _check_input(A, "linalg.lu_factor_ex")
    _check_pivot(pivot, "linalg.lu_factor_ex")
    packed, pivots, info = lu_arrays(A._data)
    if check_errors and info.any():
        raise _singular_error("linalg.lu_factor_ex", info)
    return LUFactorEx(LUFactor.apply(A, packed=packed, pivots=pivots), Tensor._wrap(pivots), Tensor._wrap(info))


def _singular_error(name, info):
    j = int(info[info > 0].reshape(-1)[0])
    return LinAlgError(
        f"{name}: U[{j},{j}] is zero and using it on lu_solve would result in a division by zero. If you still "
        "want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)``: ``lu_factor_ex`` that raises ``LinAlgError`` when some ``U`` has a zero on its diagonal.
    Gradient: ``lu_factor_ex``'s.

    >>> minigrad.linalg.lu_factor(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])).LU
    tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]])
    """
    _check_input(A, "linalg.lu_factor")
    _check_pivot(pivot, "linalg.lu_factor")
    LU, pivots, info = lu_factor_ex(A)
    if info._data.any():
        raise _singular_error("torch.linalg.lu_factor", info._data)
    return LUFactorResult(LU, pivots)


class LUUnpack(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` from ``lu_factor``'s packed ``LU_data (*, m, n)`` and ``LU_pivots (*, k)``: ``P (*, m, m)``
    the permutation, ``L (*, m, k)`` unit lower and ``U (*, k, n)`` upper, ``A = P L U``. Without
    ``unpack_data`` / ``unpack_pivots`` the skipped outputs are empty tensors. Gradient: ``L``'s strictly lower and
    ``U``'s upper part written back into ``LU_data``; ``P`` is a constant.

    >>> minigrad.lu_unpack(*minigrad.linalg.lu_factor(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))).P
    tensor([[0., 1.],
            [1., 0.]])
    """
    if LU_data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {list(LU_data.shape)} instead"
        )
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError(
            "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
            "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
        )
    empty = Tensor._wrap(np.zeros(0, LU_data._data.dtype))
    P = empty
    if unpack_pivots:
        P = Tensor._wrap(permutation_array(LU_pivots._data, LU_data.shape[-2], LU_data._data.dtype))
    if not unpack_data:
        return LUUnpack(P, empty, empty)
    return LUUnpack(P, _unit_lower(LU_data), _upper(LU_data))


class LU(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


def lu(A, *, pivot=True):
    """``(P, L, U)`` with ``A = P L U`` for each matrix in ``A (*, m, n)``: ``lu_factor_ex`` then ``lu_unpack``
    (a singular matrix is factored too). Gradient: ``lu_factor_ex``'s through ``lu_unpack``.

    >>> minigrad.linalg.lu(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])).U
    tensor([[3.0000, 4.0000],
            [0.0000, 0.6667]])
    """
    _check_input(A, "linalg.lu")
    _check_pivot(pivot, "linalg.lu")
    LU_data, pivots, _ = lu_factor_ex(A)
    return LU(*lu_unpack(LU_data, pivots))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """``X`` with ``A X = B`` (``Aᵀ X = B`` with ``adjoint``; ``X A = B`` / ``X Aᵀ = B`` when not ``left``) from
    ``A``'s ``lu_factor``: ``LU (*, n, n)``, ``pivots (*, n)``, ``B (*, n, k)``; batch dims broadcast. Two
    triangular solves and a permutation. Gradient: those solves' and the permutation's, to ``LU`` and ``B``.

    >>> LU, piv = minigrad.linalg.lu_factor(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> minigrad.linalg.lu_solve(LU, piv, minigrad.tensor([[2.0], [2.0]]))
    tensor([[1.0000],
            [0.5000]])
    """
    check_float(LU, "linalg.lu_solve")
    if LU.ndim < 2 or LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError("linalg.lu_solve: Expected LU to be a batch of square matrices")
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    check_same_dtype(
        LU,
        B,
        "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type {} and B of type {} instead",
    )
    if pivots._data.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type Int")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    P = Tensor._wrap(permutation_array(pivots._data, n, LU._data.dtype))
    L, U = _unit_lower(LU), _upper(LU)
    if adjoint:  # Aᵀ = Uᵀ Lᵀ Pᵀ
        Y = solve_triangular(U.mT, B, upper=False)
        return P.matmul(solve_triangular(L.mT, Y, upper=True, unitriangular=True))
    Y = solve_triangular(L, P.mT.matmul(B), upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)
