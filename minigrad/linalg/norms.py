"""Norms and the numbers derived from them: ``vector_norm``, ``matrix_norm``, ``norm``, ``cond``, ``matrix_rank``."""

import numpy as np

from ..ops import reduce
from ..ops._util import float_operand, wrap
from ..ops.shape import normalize_dim
from ._checks import check_float
from .factorizations import svdvals
from .inverse import inv

_MATRIX_ORDS = ("fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's argument name
    """``(Σ |x|^ord)^(1/ord)`` over ``dim`` (every element when None); ``ord`` may be any number, ``inf``
    (max ``|x|``), ``-inf`` (min ``|x|``) or 0 (the count of non-zeros). ``dtype`` casts ``x`` first.

    Gradient: ``g sign(x) |x|^(ord-1) / ‖x‖^(ord-1)`` (``g x / ‖x‖`` for ord 2, 0 where ``‖x‖ = 0``).

    >>> minigrad.linalg.vector_norm(minigrad.tensor([3.0, -4.0]))
    tensor(5.)
    """
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a numeric ord, but got {ord!r}")
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind not in "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype.name.capitalize()}"
        )
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        dim = None
    return reduce.norm(float_operand(x), ord, dim, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm of each matrix over ``dim`` (two dims): ``'fro'`` ``√Σ a²``, ``'nuc'`` the sum of singular
    values, ``2`` / ``-2`` the largest / smallest singular value, ``inf`` / ``-inf`` the max / min absolute row sum,
    ``1`` / ``-1`` the max / min absolute column sum. Gradient: through ``vector_norm``, ``svdvals`` or ``abs``,
    ``sum`` and ``amax`` / ``amin``.

    >>> minigrad.linalg.matrix_norm(minigrad.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    if dtype is not None:
        A = A.to(dtype)
    check_float(A, "linalg.matrix_norm")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError(
            "linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(str(d) for d in np.atleast_1d(dim))
        )
    rows, cols = (normalize_dim(d, A.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return reduce.norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((rows, cols), (-2, -1))
        values = svdvals(moved)
        result = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        return result.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols)) if keepdim else result
    summed, reduced = (cols, rows) if ord in (np.inf, -np.inf) else (rows, cols)
    sums = A.abs().sum(summed, keepdim=True)
    result = sums.amax(reduced, keepdim=True) if ord > 0 else sums.amin(reduced, keepdim=True)
    return result if keepdim else result.squeeze((rows, cols))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``matrix_norm`` when ``dim`` is two dims, or when ``dim`` is None, ``ord`` is given and ``A`` is 2-D;
    else ``vector_norm`` (of every element for ``dim=None, ord=None``, whatever ``A``'s shape).

    Gradient: ``vector_norm``'s or ``matrix_norm``'s (for the 2-norm of a vector, ``g x / ‖x‖``).

    >>> minigrad.linalg.norm(minigrad.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    if dim is not None and not isinstance(dim, int) and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and ord is not None:
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if A.ndim != 1:
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
            )
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: If dim is specified, it mut be of length 1 or 2. Got {dim}")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cond(A, p=None):
    """The condition number ``‖A‖_p ‖A⁻¹‖_p`` of each matrix (for ``p`` None or 2: ``σ_max / σ_min``, any shape);
    gradient through ``svdvals`` or ``matrix_norm`` and ``inv``.

    >>> minigrad.linalg.cond(minigrad.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(4.)
    """
    check_float(A, "linalg.cond")
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        values = svdvals(A)
        big, small = values[..., 0], values[..., -1]
        return small / big if p == -2 else big / small
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.cond: A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} matrices"
        )
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """The number of singular values above ``max(atol, rtol · σ_max)`` (by default ``rtol = eps · max(m, n)``,
    ``atol = 0``), int64 of shape ``(*)``. Not differentiable.

    >>> minigrad.linalg.matrix_rank(minigrad.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    check_float(A, "linalg.matrix_rank")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if tol is not None:
        atol, rtol = tol, 0.0
    values = np.linalg.svd(A._data, compute_uv=False) if A._data.size else np.zeros(A.shape[:-2] + (0,), A._data.dtype)
    top = values.max(-1, keepdims=True, initial=0.0)
    atol = 0.0 if atol is None else _array(atol)[..., None]
    if rtol is None:
        rtol = 0.0 if np.any(atol > 0) else np.finfo(A._data.dtype).eps * max(A.shape[-2:])
    threshold = np.maximum(atol, _array(rtol)[..., None] * top)
    return wrap((values > threshold).sum(-1).astype(np.int64))


def _array(value):
    return value._data if hasattr(value, "_data") else np.asarray(value)
