"""Products, views and reshaped inverses: ``vecdot``, ``cross``, ``multi_dot``, ``matrix_power``, ``diagonal``,
``vander``, ``tensorinv``, ``tensorsolve``.

All are compositions of minigrad's differentiable ops, so their gradients (of every order) are those ops'.
"""

import functools

import numpy as np

from ..ops import shape
from ..ops.linalg import matmul
from ..ops.shape import normalize_dim
from ._checks import check_square
from .inverse import inv, solve


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

    Gradient: ``(A₁…A_{i-1})ᵀ g (A_{i+1}…A_k)ᵀ`` to each ``A_i``.

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

    Gradient: through the products, ``Σ_k (Aᵀ)^k g (Aᵀ)^(n-1-k)`` for ``n > 0`` (for ``n = 2``: ``g Aᵀ + Aᵀ g``).

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
        # torch's identity is part of the graph (with a zero gradient): an empty sum ties it to A
        return A.new_tensor(eye.copy()) + A.reshape(-1)[:0].sum()
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


def vander(x, *, N=None):
    """The Vandermonde matrix ``x^0, x^1, …, x^(N-1)`` along a new last dim: ``x (*, n)`` gives ``(*, n, N)``
    (``N = n`` by default; a 0-d ``x`` is one point; integers give int64, as torch). Built by repeated
    multiplication, so ``x^0`` is exactly 1 and the gradient is the product rule's ``k x^(k-1)`` summed over the
    columns.

    Gradient: ``Σ_k g_k · k x^(k-1)``.

    >>> minigrad.linalg.vander(minigrad.tensor([2.0, 3.0]))
    tensor([[1., 2.],
            [1., 3.]])
    """
    if x._data.dtype == np.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    if x._data.dtype.kind in "iu":  # torch's powers of small integers are int64, they overflow int8 at once
        x = x.to(np.int64)
    if x.ndim == 0:  # torch reads a 0-d x as one point (its N has no default then)
        x = x.reshape(1)
        N = 0 if N is None else N
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    columns = [x.new_tensor(np.ones(x.shape, x._data.dtype)), x]
    while len(columns) < N:
        columns.append(columns[-1] * x)
    return shape.stack(columns, -1)


def _numel(dims):
    return int(np.prod(dims, dtype=np.int64))


def tensorinv(A, ind=2):
    """The inverse of ``A`` read as a linear map from its last dims to its first ``ind`` dims: with
    ``A.shape = I + J`` (``len(I) = ind``, ``prod(I) = prod(J)``) the result has shape ``J + I`` and
    ``tensordot(tensorinv(A), A, ind)`` is the identity. Gradient: ``inv``'s, reshaped.

    >>> minigrad.linalg.tensorinv(minigrad.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = A.shape[:ind], A.shape[ind:]
    if _numel(rows) != _numel(cols):
        raise RuntimeError(
            f"Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
            f"{_numel(cols)} != {_numel(rows)}"
        )
    return inv(A.reshape(_numel(rows), _numel(cols))).reshape(*cols, *rows)


def tensorsolve(A, B, dims=None):
    """``X`` with ``tensordot(A, X, X.ndim) = B``: ``A``'s first ``B.ndim`` dims match ``B`` and ``X`` takes the
    shape of the rest; ``dims`` first moves those dims of ``A`` to the end. Gradient: ``solve``'s, reshaped.

    >>> minigrad.linalg.tensorsolve(minigrad.eye(4).reshape(4, 2, 2), minigrad.ones(4)).shape
    (2, 2)
    """
    if dims is not None:
        dims = [normalize_dim(d, A.ndim) for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    rows, cols = A.shape[: B.ndim], A.shape[B.ndim :]
    if _numel(rows) != _numel(cols):
        raise RuntimeError(
            f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {_numel(cols)} != {_numel(rows)}"
        )
    return solve(A.reshape(_numel(rows), _numel(cols)), B.reshape(_numel(rows))).reshape(*cols)
