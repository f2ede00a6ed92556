"""Products and views of matrices and vectors: ``vecdot``, ``cross``, ``multi_dot``, ``matrix_power``, ``diagonal``.

All are compositions of minigrad's differentiable ops, so their gradients (of every order) are those ops'.
"""

import functools

import numpy as np

from ..ops import shape
from ..ops.linalg import matmul
from ..ops.shape import normalize_dim
from ._checks import check_square
from .inverse import inv


def vecdot(x, y, *, dim=-1):
    """``Σ_i x_i y_i`` along ``dim`` after broadcasting ``x`` and ``y`` (real tensors: no conjugation).

    Gradients: ``∂x = g y``, ``∂y = g x`` (summed back over broadcast dims).

    >>> minigrad.linalg.vecdot(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    ndim = max(x.ndim, y.ndim)
    axis = normalize_dim(dim, ndim)
    size_x = x.shape[axis - ndim + x.ndim] if axis - ndim + x.ndim >= 0 else 1
    size_y = y.shape[axis - ndim + y.ndim] if axis - ndim + y.ndim >= 0 else 1
    if size_x != size_y:
        raise RuntimeError(
            f"linalg.vecdot: Expected x and y to have the same size along dim {dim}, but got {size_x} and {size_y}"
        )
    return (x * y).sum(axis)


def cross(x, y, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (batch dims broadcast):
    ``(x₁y₂ - x₂y₁, x₂y₀ - x₀y₂, x₀y₁ - x₁y₀)``. Gradients: ``∂x = y × g``, ``∂y = g × x``.

    >>> minigrad.linalg.cross(minigrad.tensor([1.0, 0.0, 0.0]), minigrad.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if x.ndim != y.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions. Got {x.ndim} and {y.ndim}")
    axis = normalize_dim(dim, x.ndim)
    if x.shape[axis] != 3 or y.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {x.shape[axis]} and {y.shape[axis]}"
        )
    batch = np.broadcast_shapes(x.shape, y.shape)
    x, y = x.expand(*batch), y.expand(*batch)
    a = [x.select(axis, i) for i in range(3)]
    b = [y.select(axis, i) for i in range(3)]
    parts = [a[(i + 1) % 3] * b[(i + 2) % 3] - a[(i + 2) % 3] * b[(i + 1) % 3] for i in range(3)]
    return shape.stack(parts, axis)


def multi_dot(tensors):
    """The product ``A₁ A₂ … A_k`` of 2-D tensors; the first may be a row vector ``(n,)`` and the last a column
    ``(n,)`` (each dim then removed from the result). Computed left to right.

    >>> minigrad.linalg.multi_dot([minigrad.ones(2, 3), minigrad.ones(3, 4), minigrad.ones(4)]).shape
    (2,)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            where = "first" if i == 0 else "last" if i == len(tensors) - 1 else None
            raise RuntimeError(
                f"multi_dot(): the {where} tensor must be 1D or 2D but got {t.ndim}D"
                if where
                else f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D"
            )
    return functools.reduce(matmul, tensors)


def matrix_power(A, n):
    """``Aⁿ`` for each square matrix in ``A (*, m, m)``: the identity for ``n = 0``, ``(A⁻¹)^|n|`` for ``n < 0``;
    computed by repeated squaring with ``matmul`` (and ``inv``), whose gradients it takes.

    >>> minigrad.linalg.matrix_power(minigrad.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1] if A.ndim else 1} matrices"
        )
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape)
        return A.new_tensor(eye.copy())  # torch's identity is a constant too
    if n < 0:
        check_square(A, "linalg.matrix_power")
        A, n = inv(A), -n
    result, square = None, A
    while n:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if n:
            square = matmul(square, square)
    return result


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal view of ``A`` over ``dim1`` and ``dim2`` (the last two by default), as its last dim
    (``torch.diagonal`` with the matrix dims last). Gradient: ``g`` written back onto that diagonal.

    >>> minigrad.linalg.diagonal(minigrad.eye(2).reshape(1, 2, 2))
    tensor([[1., 1.]])
    """
    return shape.diagonal(A, offset, dim1, dim2)
