"""torch's product family over ``matmul``: ``addmv``, ``addr``, ``baddbmm``, ``addbmm``, ``vdot``, ``inner``,
``kron``, ``tensordot``.

Each is a composition of ``matmul``, ``mul``, ``sum`` and views, so its gradients (of every order) are theirs.
"""

import numpy as np

from .. import _dtype
from ._util import promote, wrap
from .linalg import bmm, dot, matmul, mv, outer
from .shape import normalize_dim


def _scaled_sum(input, product, beta, alpha, *, truncate=True):  # noqa: A002 - torch's argument name
    """``beta · input + alpha · product`` with torch's rules: ``beta = 0`` ignores ``input`` (its NaN and inf are
    not propagated; it still broadcasts); on integer tensors float scalars are truncated (``truncate``, as torch's
    addmv/addbmm/baddbmm) or refused (addr); on bool tensors ``+`` is ``or`` and ``·`` is ``and``."""
    if product._data.dtype.kind in "biu":
        if not truncate and any(isinstance(s, float) for s in (alpha, beta)):
            raise RuntimeError("For integral input tensors, argument beta must not be a floating point number.")
        beta, alpha = int(beta), int(alpha)
    if product._data.dtype == np.bool_:  # not differentiable: computed on the arrays
        values = (input._data & bool(beta)) | (product._data & bool(alpha))
        return wrap(np.broadcast_to(values, product.shape).copy())
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        shape = np.broadcast_shapes(input.shape, product.shape)
        return product.expand(*shape) if product.shape != shape else product
    return (input if beta == 1 else input * beta) + product


def _check_same_dtype(name, *tensors):
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) > 1:
        names = " and ".join(_dtype.torch_name(t._data.dtype).capitalize() for t in tensors[:2])
        raise RuntimeError(f"{name}: expected the operands to have the same dtype, but got {names}")


def _check_input_shape(input, shape, name):  # noqa: A002
    """torch's rule: ``input`` must broadcast to the product's shape without growing it."""
    try:
        if np.broadcast_shapes(input.shape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"{name}: The expanded size of the tensor ({list(shape)}) must match the existing size "
            f"({list(input.shape)}) of input"
        ) from None


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """``beta · input + alpha · (mat @ vec)``: ``mat (n, m)``, ``vec (m,)``, ``input`` broadcasting to ``(n,)``
    (ignored when ``beta = 0``). Gradients: ``∂input = beta · g`` (summed to its shape), ``∂mat = alpha · g vecᵀ``,
    ``∂vec = alpha · matᵀ g``.

    >>> minigrad.addmv(minigrad.ones(2), minigrad.eye(2), minigrad.tensor([3.0, 4.0]))
    tensor([4., 5.])
    """
    _check_same_dtype("addmv", mat, vec)
    product = mv(mat, vec)
    _check_input_shape(input, product.shape, "addmv")
    return _scaled_sum(input, product, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    """``beta · input + alpha · outer(vec1, vec2)``: ``vec1 (n,)``, ``vec2 (m,)``, ``input`` broadcasting to
    ``(n, m)``. Gradients: ``∂vec1 = alpha · g vec2``, ``∂vec2 = alpha · gᵀ vec1``, ``∂input = beta · g``.

    >>> minigrad.addr(minigrad.zeros(2, 2), minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 3.0]))
    tensor([[1., 3.],
            [2., 6.]])
    """
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.ndim}-D and {vec2.ndim}-D")
    vec1, vec2 = promote(vec1, vec2)
    product = outer(vec1, vec2)
    _check_input_shape(input, product.shape, "addr")
    return _scaled_sum(input, product, beta, alpha, truncate=False)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta · input + alpha · (batch1 @ batch2)`` per batch: ``batch1 (b, n, m)``, ``batch2 (b, m, p)``,
    ``input`` broadcasting to ``(b, n, p)``. Gradients: those of ``bmm``, scaled by ``alpha``; ``beta · g``.

    >>> minigrad.baddbmm(minigrad.zeros(1, 2, 2), minigrad.ones(1, 2, 3), minigrad.ones(1, 3, 2))
    tensor([[[3., 3.],
             [3., 3.]]])
    """
    _check_same_dtype("baddbmm", batch1, batch2)
    product = bmm(batch1, batch2)
    _check_input_shape(input, product.shape, "baddbmm")
    return _scaled_sum(input, product, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta · input + alpha · Σ_i batch1[i] @ batch2[i]``: ``batch1 (b, n, m)``, ``batch2 (b, m, p)``,
    ``input`` broadcasting to ``(n, p)``. Gradients: ``∂batch1[i] = alpha · g batch2[i]ᵀ``, ``∂batch2[i] =
    alpha · batch1[i]ᵀ g``, ``∂input = beta · g``.

    >>> minigrad.addbmm(minigrad.zeros(2, 2), minigrad.ones(3, 2, 1), minigrad.ones(3, 1, 2))
    tensor([[3., 3.],
            [3., 3.]])
    """
    _check_same_dtype("addbmm", batch1, batch2)
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    b, n, m = batch1.shape
    if batch2.shape[:2] != (b, m):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
            f"[{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    # the sum over the batch is one (n, b·m) @ (b·m, p) product
    product = matmul(batch1.permute(1, 0, 2).reshape(n, b * m), batch2.reshape(b * m, batch2.shape[2]))
    _check_input_shape(input, product.shape, "addbmm")
    return _scaled_sum(input, product, beta, alpha)


def vdot(a, b):
    """``Σ_i a_i b_i`` of two 1-D tensors of one dtype (the conjugate of ``a`` for complex tensors, which minigrad
    has not). Gradients: ``∂a = g b``, ``∂b = g a``.

    >>> minigrad.vdot(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return dot(a, b)


def tensordot(a, b, dims=2, out=None):
    """The contraction of ``a``'s ``dims_a`` with ``b``'s ``dims_b`` (``dims`` an int ``d``: ``a``'s last ``d`` dims
    with ``b``'s first ``d``; or two lists of dims). The result has ``a``'s free dims then ``b``'s. Computed as one
    ``matmul`` of the permuted, flattened operands ``L``, ``R``. Gradient: that ``matmul``'s, ``g Rᵀ`` and
    ``Lᵀ g``, permuted and reshaped back.

    >>> minigrad.tensordot(minigrad.ones(2, 3, 4), minigrad.ones(3, 4, 5)).shape
    (2, 5)
    """
    if out is not None:
        raise NotImplementedError("tensordot: out= is not supported")
    if isinstance(dims, int) or (hasattr(dims, "ndim") and dims.ndim == 0):
        count = int(dims)
        if count < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={count}")
        if count > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={count}")
        dims_a, dims_b = list(range(a.ndim - count, a.ndim)), list(range(count))
    else:
        dims_a, dims_b = ([int(d)] if np.ndim(d) == 0 else [int(x) for x in d] for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
        dims_a = [normalize_dim(d, a.ndim) for d in dims_a]
        dims_b = [normalize_dim(d, b.ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):  # a contracted dim of size 1 broadcasts against its partner
        if a.shape[da] == 1 and b.shape[db] != 1:
            a = a.expand(*[b.shape[db] if d == da else size for d, size in enumerate(a.shape)])
        elif b.shape[db] == 1 and a.shape[da] != 1:
            b = b.expand(*[a.shape[da] if d == db else size for d, size in enumerate(b.shape)])
        elif a.shape[da] != b.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} and second "
                f"has size {b.shape[db]} in dim {db}"
            )
    a, b = promote(a, b)
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = int(np.prod([a.shape[d] for d in dims_a], dtype=np.int64))
    left = a.permute(*free_a, *dims_a).reshape(-1, size)
    right = b.permute(*dims_b, *free_b).reshape(size, -1)
    return matmul(left, right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def inner(a, b):
    """The sum of products over the last dims of ``a (*, n)`` and ``b (**, n)``, shape ``(*, **)``; a 0-d operand
    multiplies. Gradient: ``tensordot``'s (or the product's).

    >>> minigrad.inner(minigrad.tensor([1.0, 2.0]), minigrad.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([11.,  1.])
    """
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes {list(a.shape)} and "
            f"{list(b.shape)}"
        )
    return tensordot(a, b, ([-1], [-1]))


def kron(a, b):
    """The Kronecker product: ``result[i·p + k, j·q + l] = a[i, j] · b[k, l]``, for any number of dims (the fewer
    dims of one operand padded with leading ones). Gradient: ``∂a[i, j] = Σ_kl g[i·p + k, j·q + l] · b[k, l]``,
    and likewise ``∂b[k, l] = Σ_ij g[i·p + k, j·q + l] · a[i, j]``.

    >>> minigrad.kron(minigrad.eye(2), minigrad.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    ndim = max(a.ndim, b.ndim)
    a = a.reshape(*(1,) * (ndim - a.ndim), *a.shape)
    b = b.reshape(*(1,) * (ndim - b.ndim), *b.shape)
    # a's dims at even places, b's at odd places, so a flattening of each pair gives index i·p + k
    spread_a = a.reshape(*[s for size in a.shape for s in (size, 1)])
    spread_b = b.reshape(*[s for size in b.shape for s in (1, size)])
    return (spread_a * spread_b).reshape(*[x * y for x, y in zip(a.shape, b.shape)])
