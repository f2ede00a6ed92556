"""Inverses and determinants: ``inv``, ``det``, ``slogdet``, ``solve`` (and their ``_ex`` forms).

Forwards are NumPy's LAPACK calls over the leading (batch) dims; backwards are written with these same ops, so
higher derivatives come from the engine.
"""

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..creation import zeros_like
from ..ops._util import wrap
from ..ops.linalg import matmul
from ..ops.shape import sum_to
from ._checks import LinAlgError, check_float, check_same_dtype, check_square


class Inv(Function):
    """``A⁻¹``. Gradient: ``∂A = -A⁻ᵀ g A⁻ᵀ`` (read from the output)."""

    saves_output = True
    keeps_inputs = False

    def forward(self, A):
        try:
            return np.linalg.inv(A)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "linalg.inv: The input matrix is singular, the inversion could not be completed."
            ) from None

    def backward(self, grad):
        inverse_t = self.output().mT
        return -matmul(matmul(inverse_t, grad), inverse_t)


class Det(Function):
    """``det A``. Gradient: ``∂A = g · det A · A⁻ᵀ`` (needs an invertible ``A``)."""

    saves_output = True

    def forward(self, A):
        return np.asarray(np.linalg.det(A))

    def backward(self, grad):
        (A,) = self.inputs
        return (grad * self.output()).unsqueeze(-1).unsqueeze(-1) * inv(A).mT


class LogAbsDet(Function):
    """``log |det A|``. Gradient: ``∂A = g · A⁻ᵀ``."""

    def forward(self, A):
        return np.asarray(np.linalg.slogdet(A)[1])

    def backward(self, grad):
        (A,) = self.inputs
        return grad.unsqueeze(-1).unsqueeze(-1) * inv(A).mT


class SignOfDet(Function):
    """``sign(det A)``: piecewise constant, so its gradient is zero (torch's sign output still requires grad)."""

    def forward(self, A):
        return np.asarray(np.linalg.slogdet(A)[0])

    def backward(self, grad):
        return zeros_like(self.inputs[0])


class Solve(Function):
    """``X = A⁻¹ B`` for matrices ``B (*, n, k)``. Gradients: ``∂B = A⁻ᵀ g``, ``∂A = -∂B Xᵀ``."""

    saves_output = True

    def forward(self, A, B):
        try:
            return np.linalg.solve(A, B)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None

    def backward(self, grad):
        A, B = self.inputs
        grad_b = solve(A.mT, grad)
        grad_a = -matmul(grad_b, self.output().mT) if self.needs_input_grad[0] else None
        return (None if grad_a is None else sum_to(grad_a, A.shape)), sum_to(grad_b, B.shape)


def inv(A):
    """The inverse ``A⁻¹`` of each square matrix in ``A (*, n, n)``; raises ``LinAlgError`` on a singular one.

    Gradient: ``∂A = -A⁻ᵀ g A⁻ᵀ``.

    >>> minigrad.linalg.inv(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    check_square(A, "linalg.inv")
    return Inv.apply(A)


class InvEx(NamedTuple):
    inverse: Tensor
    info: Tensor


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: ``inv`` that reports a singular matrix in ``info`` (int32, one per matrix; > 0 where
    singular, its inverse then undefined) instead of raising, unless ``check_errors``.

    Gradient: ``-A⁻ᵀ g A⁻ᵀ`` to ``A``, as ``inv``'s; ``info`` has none.

    >>> minigrad.linalg.inv_ex(minigrad.eye(2)).info
    tensor(0, dtype=minigrad.int32)
    """
    check_square(A, "linalg.inv_ex")
    info = _singular_info(A._data)
    if check_errors and info.any():
        raise LinAlgError("linalg.inv_ex: The input matrix is singular, the inversion could not be completed.")
    if not info.any():
        return InvEx(Inv.apply(A), wrap(info))
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape)
    safe = np.where(info[..., None, None] > 0, eye, A._data)  # placeholders keep the batch call from raising
    inverse = wrap(np.where(info[..., None, None] > 0, np.nan, np.linalg.inv(safe)).astype(A._data.dtype))
    return InvEx(inverse, wrap(info))


def _singular_info(array):
    """int32 per matrix: 0 where LAPACK's LU finds it invertible, else its size (torch's positive ``info``; LAPACK
    reports the first zero pivot, which NumPy does not expose)."""
    batch = array.reshape(int(np.prod(array.shape[:-2])), *array.shape[-2:])
    info = np.zeros(len(batch), np.int32)
    for i, matrix in enumerate(batch):
        try:
            np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            info[i] = array.shape[-1]
    return info.reshape(array.shape[:-2])


def det(A):
    """The determinant of each square matrix in ``A (*, n, n)``, shape ``(*)``.

    Gradient: ``∂A = g det(A) A⁻ᵀ`` (defined where ``A`` is invertible).

    >>> minigrad.linalg.det(minigrad.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor(5.)
    """
    check_square(A, "linalg.det")
    return Det.apply(A)


class SlogDet(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


def slogdet(A):
    """``(sign, logabsdet)`` with ``det A = sign · exp(logabsdet)``, each of shape ``(*)``; sign is 0 and logabsdet
    ``-inf`` for a singular matrix. Gradient (of logabsdet): ``∂A = g A⁻ᵀ``; sign has none.

    >>> minigrad.linalg.slogdet(minigrad.tensor([[-2.0, 0.0], [0.0, 3.0]])).sign
    tensor(-1.)
    """
    check_square(A, "linalg.slogdet")
    return SlogDet(SignOfDet.apply(A), LogAbsDet.apply(A))


def _is_vector_rhs(A, B):
    """torch's rule: ``B`` is a batch of vectors when 1-D, or when its shape is ``A``'s without the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``): ``A (*, n, n)``, ``B (*, n, k)`` or a vector
    ``(*, n)``; batch dims broadcast. Raises ``LinAlgError`` for a singular ``A``.

    Gradients: ``∂B = A⁻ᵀ g``, ``∂A = -∂B Xᵀ``.

    >>> minigrad.linalg.solve(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]), minigrad.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    check_square(A, "linalg.solve")
    check_float(B, "linalg.solve")
    check_same_dtype(
        A, B, "linalg.solve: Expected A and B to have the same dtype, but found A of type {} and B of type {} instead"
    )
    if not left:
        return solve(A.mT, B.mT).mT
    vector = _is_vector_rhs(A, B)
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {rhs.shape[-2]}x{rhs.shape[-1]})"
        )
    batch = np.broadcast_shapes(A.shape[:-2], rhs.shape[:-2])
    result = Solve.apply(A, rhs.expand(*batch, *rhs.shape[-2:]) if rhs.shape[:-2] != batch else rhs)
    return result.squeeze(-1) if vector else result


class SolveEx(NamedTuple):
    result: Tensor
    info: Tensor


def solve_ex(A, B, *, left=True, check_errors=False):
    """``(result, info)``: ``solve`` with torch's ``_ex`` contract; ``info`` (int32 per matrix of ``A``) is > 0 where
    ``A`` is singular, where the result is then NaN, unless ``check_errors`` makes that raise.

    Gradient: as ``solve``'s, ``G = A⁻ᵀ g`` to ``B`` and ``-G Xᵀ`` to ``A``; ``info`` has none.

    >>> minigrad.linalg.solve_ex(minigrad.eye(2), minigrad.ones(2)).info
    tensor(0, dtype=minigrad.int32)
    """
    check_square(A, "linalg.solve_ex")
    info = _singular_info(A._data)
    if info.any() and not check_errors:
        shape = solve(wrap(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape)), B, left=left).shape
        return SolveEx(wrap(np.full(shape, np.nan, A._data.dtype)), wrap(info))
    return SolveEx(solve(A, B, left=left), wrap(info))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``) for triangular ``A (*, n, n)``: only its upper
    (``upper``) or lower triangle is read, its diagonal taken as ones when ``unitriangular``; ``B (*, n, k)``.

    It is ``solve`` on that triangle, so the gradient w.r.t. ``A`` is ``solve``'s masked to the triangle read.

    Gradient: ``G = A⁻ᵀ g`` (a triangular solve) to ``B`` and ``-G Xᵀ`` to ``A``, kept to the triangle read (``g A⁻ᵀ``
    and ``-Xᵀ G`` for ``left=False``; none to a unit diagonal).

    >>> minigrad.linalg.solve_triangular(minigrad.tensor([[2.0, 1.0], [0.0, 1.0]]), minigrad.ones(2, 1), upper=True)
    tensor([[0.],
            [1.]])
    """
    check_float(A, "linalg.solve_triangular")
    for name, tensor in (("A", A), ("B", B)):
        if tensor.ndim < 2:
            raise RuntimeError(f"linalg.solve_triangular: The input tensor {name} must have at least 2 dimensions.")
    check_square(A, "linalg.solve_triangular")
    triangle = A.triu(1 if unitriangular else 0) if upper else A.tril(-1 if unitriangular else 0)
    if unitriangular:
        triangle = triangle + Tensor._wrap(np.eye(A.shape[-1], dtype=A._data.dtype))
    return solve(triangle, B, left=left)
