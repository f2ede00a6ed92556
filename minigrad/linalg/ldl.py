"""The LDLᵀ factorisation of symmetric (indefinite) matrices: ``ldl_factor`` / ``ldl_factor_ex`` and ``ldl_solve``.

NumPy exposes no LDLᵀ, so the forward is minigrad's kernel ``minigrad._kernels.ldl``: LAPACK's ``sytf2`` with
Bunch-Kaufman pivoting, as torch's ``sytrf`` runs it (the same pivots, in LAPACK's format), and its ``sytrs`` solve.
Neither has a gradient, as in torch.
"""

from typing import NamedTuple

import numpy as np

from .._kernels import ldl as _kernel
from .._threads import get_num_threads
from ..autograd.tensor import Tensor
from ._checks import LinAlgError, check_same_dtype, check_square


class LDLFactorEx(NamedTuple):
    LD: Tensor
    pivots: Tensor
    info: Tensor


class LDLFactor(NamedTuple):
    LD: Tensor
    pivots: Tensor


def _batch(array):
    """``array (*, r, c)`` as a C-contiguous ``(B, r, c)`` copy (an empty batch has no -1 to infer)."""
    return np.ascontiguousarray(array.reshape((int(np.prod(array.shape[:-2])),) + array.shape[-2:])).copy()


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """``(LD, pivots, info)``: ``A = P L D Lᵀ Pᵀ`` for each symmetric matrix in ``A (*, n, n)`` (only its lower
    triangle read), ``L`` unit lower triangular, ``D`` block diagonal with 1 × 1 and 2 × 2 blocks (Bunch-Kaufman
    pivoting, LAPACK's ``sytrf``). ``LD (*, n, n)`` holds ``L`` below the diagonal and ``D``'s blocks on it and on
    the subdiagonal, zeros above; ``pivots (*, n)`` int32 are LAPACK's (negative on both rows of a 2 × 2 block);
    ``info (*)`` int32 is the 1-based index of the first zero pivot (0 when none). ``hermitian`` changes nothing for
    real matrices. Not differentiable (as in torch).

    >>> minigrad.linalg.ldl_factor_ex(minigrad.tensor([[4.0, 2.0], [2.0, 5.0]])).LD
    tensor([[4.0000, 0.0000],
            [0.5000, 4.0000]])
    """
    check_square(A, "torch.linalg.ldl_factor_ex")
    ld = _batch(A._data)
    pivots = np.zeros(ld.shape[:2], np.int32)
    info = np.zeros(ld.shape[0], np.int32)
    _kernel.ldl_factor(ld, pivots, info, get_num_threads())
    if check_errors and info.any():
        raise _singular("torch.linalg.ldl_factor_ex")
    batch = A.shape[:-2]
    return LDLFactorEx(
        Tensor._wrap(np.tril(ld).reshape(A.shape)),
        Tensor._wrap(pivots.reshape(batch + A.shape[-1:])),
        Tensor._wrap(info.reshape(batch)),
    )


def _singular(name):
    return LinAlgError(f"{name}: The factorization could not be completed because the input is singular.")


def ldl_factor(A, *, hermitian=False):
    """``(LD, pivots)``: ``ldl_factor_ex`` that raises ``LinAlgError`` when a pivot is zero.
    Not differentiable (as in torch).

    >>> minigrad.linalg.ldl_factor(minigrad.tensor([[0.0, 1.0], [1.0, 0.0]])).pivots
    tensor([-2, -2], dtype=minigrad.int32)
    """
    check_square(A, "torch.linalg.ldl_factor")
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    if info._data.any():
        raise _singular("torch.linalg.ldl_factor")
    return LDLFactor(LD, pivots)


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """``X`` with ``A X = B`` from ``A``'s ``ldl_factor``: ``LD (*, n, n)``, ``pivots (*, n)``, ``B (*, n, k)``;
    batch dims broadcast. Not differentiable (as in torch).

    >>> LD, piv = minigrad.linalg.ldl_factor(minigrad.tensor([[0.0, 1.0], [1.0, 0.0]]))
    >>> minigrad.linalg.ldl_solve(LD, piv, minigrad.tensor([[2.0], [3.0]]))
    tensor([[3.],
            [2.]])
    """
    check_square(LD, "torch.linalg.ldl_solve", "LD")
    if B.ndim < 2:
        raise RuntimeError("torch.linalg.ldl_solve: B must have at least 2 dimensions, but got 1 dimensions")
    if pivots.shape != LD.shape[:-1]:
        raise RuntimeError(
            "torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to be the same, but got "
            f"pivots with shape {list(pivots.shape)} instead"
        )
    if pivots._data.dtype != np.int32:
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected pivots to be integers. Got {pivots.dtype}")
    check_same_dtype(
        LD,
        B,
        "torch.linalg.ldl_solve: Expected LD and B to have the same dtype, but found LD of type {} and B of type "
        "{} instead",
    )
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"torch.linalg.ldl_solve: Incompatible shapes of A and B for the equation AX = B "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    batch = np.broadcast_shapes(LD.shape[:-2], B.shape[:-2])
    ld = _batch(np.broadcast_to(LD._data, batch + (n, n)))
    piv = np.ascontiguousarray(np.broadcast_to(pivots._data, batch + (n,)).reshape(ld.shape[:2]))
    x = _batch(np.broadcast_to(B._data, batch + B.shape[-2:]))
    _kernel.ldl_solve(ld, piv, x, get_num_threads())
    return Tensor._wrap(x.reshape(batch + B.shape[-2:]))
