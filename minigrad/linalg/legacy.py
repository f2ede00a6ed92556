"""torch's older ``torch.*`` spellings of linear algebra: ``cholesky``, ``cholesky_inverse``, ``cholesky_solve``,
``logdet``, ``pinverse``, ``qr``, ``svd``, ``triangular_solve``, ``lu``, ``lu_solve``, ``cross``, and ``norm``
(whose ``p='nuc'`` is ``linalg.matrix_norm``'s).

Each is written on ``minigrad.linalg``'s functions with torch's argument order and defaults, so the gradients
(of every order) are theirs.
"""

from typing import NamedTuple

import numpy as np

from ..autograd.tensor import Tensor
from ..ops import reduce
from ..ops.linalg import matmul
from . import factorizations, inverse, least_squares, products
from ._checks import check_same_dtype, check_square
from .lu import lu_factor_ex
from .lu import lu_solve as linalg_lu_solve
from .norms import matrix_norm


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002 - torch's argument name
    """torch.norm: ``‖input‖_p`` over ``dim``. A number ``p`` (or ``'fro'`` over at most two dims, = 2) is the vector
    norm ``(Σ |x|^p)^(1/p)`` (every element when ``dim`` is None); ``'nuc'`` is the nuclear norm, the sum of the
    singular values of the matrices over the two dims ``dim`` (every dim of a 2-D ``input`` when None), as
    ``linalg.matrix_norm``. ``dtype`` casts ``input`` first.

    Gradient: the vector norm's ``g sign(x) |x|^(p-1) / ‖x‖^(p-1)``; the nuclear norm's ``g U Vᵀ`` (through
    ``svdvals``).

    >>> minigrad.norm(minigrad.tensor([[3.0, 0.0], [0.0, -4.0]]), p="nuc")
    tensor(7.)
    """
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)):
        return matrix_norm(input, p, tuple(range(input.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    return reduce.norm(input if dtype is None else input.to(dtype), p, dim, keepdim)


def cholesky(input, upper=False):  # noqa: A002 - torch's argument name
    """``L`` with ``A = L Lᵀ`` (``U`` with ``A = Uᵀ U`` when ``upper``): ``linalg.cholesky``. ``input`` is
    ``(*, n, n)`` symmetric positive-definite (its lower triangle read). Gradient: ``linalg.cholesky``'s.

    >>> minigrad.cholesky(minigrad.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    check_square(input, "cholesky", "input")
    return factorizations.cholesky(input, upper=upper)


def cholesky_inverse(input, upper=False):  # noqa: A002
    """``A⁻¹`` from ``A``'s Cholesky factor ``input (*, n, n)``: ``(L Lᵀ)⁻¹`` (``(Uᵀ U)⁻¹`` when ``upper``).
    Gradient: ``inv``'s through ``L Lᵀ``, so every entry of ``input`` gets one, as in torch.

    >>> minigrad.cholesky_inverse(minigrad.tensor([[2.0, 0.0], [0.0, 1.0]]))
    tensor([[0.2500, 0.0000],
            [0.0000, 1.0000]])
    """
    check_square(input, "cholesky_inverse")
    # as torch, the gradient is that of (L Lᵀ)⁻¹ in every entry of L (not only the triangle the forward reads)
    return inverse.inv(matmul(input.mT, input) if upper else matmul(input, input.mT))


def cholesky_solve(B, L, upper=False):  # noqa: N803 - torch's argument names
    """``X`` with ``A X = B`` from ``A``'s Cholesky factor ``L (*, n, n)`` (``A = L Lᵀ``, or ``Uᵀ U`` when
    ``upper``), ``B (*, n, k)``; batch dims broadcast. Gradient: ``solve``'s through ``L Lᵀ`` (every entry of
    ``L`` gets one, as in torch).

    >>> minigrad.cholesky_solve(minigrad.tensor([[4.0], [1.0]]), minigrad.tensor([[2.0, 0.0], [0.0, 1.0]]))
    tensor([[1.],
            [1.]])
    """
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    check_square(L, "cholesky_solve", "input2")
    check_same_dtype(B, L, "Expected b and A to have the same dtype, but found b of type {} and A of type {} instead.")
    # as torch, the gradient is that of (L Lᵀ)⁻¹ B in every entry of L (not only the triangle the forward reads)
    return inverse.solve(matmul(L.mT, L) if upper else matmul(L, L.mT), B)


def logdet(input):  # noqa: A002
    """``log det A`` of each square matrix in ``input (*, n, n)``: NaN where the determinant is negative, ``-inf``
    where it is 0. Gradient: ``g A⁻ᵀ`` (``slogdet``'s).

    >>> minigrad.logdet(minigrad.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    check_square(input, "linalg.slogdet", "A")
    sign, logabsdet = inverse.slogdet(input)
    return logabsdet + sign.log()


def pinverse(input, rcond=1e-15):  # noqa: A002
    """The pseudoinverse with singular values below ``rcond · σ_max`` dropped: ``linalg.pinv(input, rtol=rcond)``.
    Gradient: ``linalg.pinv``'s.

    >>> minigrad.pinverse(minigrad.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    return least_squares.pinv(input, rtol=rcond)


def qr(input, some=True):  # noqa: A002
    """``(Q, R)``: ``linalg.qr`` in mode ``'reduced'`` (``some``) or ``'complete'``. Gradient: ``linalg.qr``'s.

    >>> minigrad.qr(minigrad.tensor([[3.0, 0.0], [4.0, 1.0]])).R.abs()
    tensor([[5.0000, 0.8000],
            [0.0000, 0.6000]])
    """
    return factorizations.qr(input, "reduced" if some else "complete")


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def svd(input, some=True, compute_uv=True):  # noqa: A002
    """``(U, S, V)`` with ``input = U diag(S) Vᵀ`` (``V``, not ``linalg.svd``'s ``Vh``); full square ``U``, ``V``
    unless ``some``. Without ``compute_uv``, ``U`` and ``V`` are zero matrices ``(*, m, m)`` / ``(*, n, n)`` and
    only ``S`` is differentiable. Gradient: ``linalg.svd``'s.

    >>> minigrad.svd(minigrad.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    if not compute_uv:
        S = factorizations.svdvals(input)
        m, n = input.shape[-2:]
        zeros = lambda k: Tensor._wrap(np.zeros(input.shape[:-2] + (k, k), input._data.dtype))  # noqa: E731
        return SVDResult(zeros(m), S, zeros(n))
    U, S, Vh = factorizations.svd(input, full_matrices=not some)
    return SVDResult(U, S, Vh.mT)


class TriangularSolve(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803 - torch's names
    """``(solution, cloned_coefficient)``: ``X`` with ``A X = b`` (``Aᵀ X = b`` with ``transpose``) for the
    triangular ``A (*, n, n)`` (its ``upper`` or lower triangle read, unit diagonal when ``unitriangular``),
    ``b (*, n, k)``, batch dims broadcast; and a copy of ``A``. Gradient: ``linalg.solve_triangular``'s.

    >>> minigrad.triangular_solve(minigrad.ones(2, 1), minigrad.tensor([[2.0, 1.0], [0.0, 1.0]])).solution
    tensor([[0.],
            [1.]])
    """
    for name, tensor in (("b", b), ("A", A)):
        if tensor.ndim < 2:
            raise RuntimeError(
                f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has {tensor.ndim} "
                "dimensions instead"
            )
    check_same_dtype(
        b,
        A,
        "torch.triangular_solve: Expected b and A to have the same dtype, but found b of type {} and A of type {} "
        "instead.",
    )
    coefficient = A.mT if transpose else A
    solution = inverse.solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolve(solution, A.clone())


def lu(A, pivot=True, get_infos=False):  # noqa: N803
    """``(LU, pivots)``, or ``(LU, pivots, infos)`` with ``get_infos``: ``linalg.lu_factor_ex`` (raising on a zero
    pivot unless ``get_infos``), torch's deprecated spelling. Gradient: ``lu_factor_ex``'s to ``LU``.

    >>> minigrad.lu(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))[1]
    tensor([2, 2], dtype=minigrad.int32)
    """
    result = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return result if get_infos else (result.LU, result.pivots)


def lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    """``X`` with ``A X = b`` from ``A``'s ``lu_factor``: ``linalg.lu_solve(LU_data, LU_pivots, b)``.
    Gradient: ``linalg.lu_solve``'s.

    >>> LU, piv = minigrad.linalg.lu_factor(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> minigrad.lu_solve(minigrad.tensor([[2.0], [2.0]]), LU, piv)
    tensor([[1.0000],
            [0.5000]])
    """
    return linalg_lu_solve(LU_data, LU_pivots, b)


def cross(input, other, dim=None):  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the first dim of size 3 when None, after broadcasting):
    ``linalg.cross``. Gradient: ``other × g`` to ``input``, ``g × input`` to ``other``.

    >>> minigrad.cross(minigrad.tensor([1.0, 0.0, 0.0]), minigrad.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if dim is None:
        shape = np.broadcast_shapes(input.shape, other.shape)
        dim = next((d for d, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
        input, other = input.expand(*shape), other.expand(*shape)
    if input.ndim != other.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {input.ndim} and {other.ndim}"
        )
    return products.cross(input, other, dim=dim)
