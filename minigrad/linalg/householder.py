"""Householder reflectors: ``geqrf`` (the QR factorisation in LAPACK's compact form), ``householder_product``
(``Q`` from the reflectors) and ``ormqr`` (``Q`` applied to a matrix without forming it).

``geqrf`` is LAPACK's unblocked ``geqr2`` written in NumPy over the whole batch (one column per step); torch gives
it no gradient. The other two apply the reflectors ``H_i = I - τ_i v_i v_iᵀ`` one by one with minigrad's ops, so
their gradients w.r.t. the reflectors, ``tau`` and the matrix are those ops' (of every order).
"""

from typing import NamedTuple

import numpy as np

from ..autograd.tensor import Tensor
from ..ops.shape import cat
from ._checks import check_float


def geqrf_array(A):
    """``(a, tau)`` of LAPACK's ``geqrf`` for the float array ``A (*, m, n)``: ``R`` on and above the diagonal of
    ``a``, the reflectors' vectors below it (their leading 1 implicit), ``tau (*, min(m, n))``."""
    m, n = A.shape[-2:]
    a = A.reshape(int(np.prod(A.shape[:-2])), m, n).copy()  # (an empty batch has no -1 to infer)
    tau = np.zeros((a.shape[0], min(m, n)), A.dtype)
    for j in range(min(m, n)):
        alpha = a[:, j, j].copy()
        below = a[:, j + 1 :, j]
        norm = np.sqrt((below * below).sum(1))
        trivial = norm == 0  # H = I: the column is already reduced
        beta = np.where(trivial, alpha, -np.copysign(np.hypot(alpha, norm), alpha))
        with np.errstate(divide="ignore", invalid="ignore"):
            tau[:, j] = np.where(trivial, 0, (beta - alpha) / beta)
            below *= np.where(trivial, 1, 1 / (alpha - beta))[:, None]
        a[:, j, j] = beta
        v = np.concatenate([np.ones((a.shape[0], 1), A.dtype), below], 1)
        rest = a[:, j:, j + 1 :]
        rest -= tau[:, j, None, None] * v[:, :, None] * np.einsum("bi,bij->bj", v, rest)[:, None, :]
    return a.reshape(A.shape), tau.reshape(A.shape[:-2] + (min(m, n),))


class Geqrf(NamedTuple):
    a: Tensor
    tau: Tensor


def geqrf(input):  # noqa: A002 - torch's argument name
    """``(a, tau)``: the QR factorisation of each matrix in ``input (*, m, n)`` as LAPACK's ``geqrf`` leaves it:
    ``R`` on and above ``a``'s diagonal; below it the Householder vectors ``v_i`` (with an implicit leading 1), and
    ``tau (*, min(m, n))``, such that ``Q = H_1 ⋯ H_k``, ``H_i = I - τ_i v_i v_iᵀ``. Not differentiable (as in
    torch); ``householder_product(a, tau)`` gives ``Q``.

    >>> minigrad.geqrf(minigrad.tensor([[3.0], [4.0]])).a
    tensor([[-5.0000],
            [ 0.5000]])
    """
    check_float(input, "geqrf")
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    return Geqrf(*(Tensor._wrap(x) for x in geqrf_array(input._data)))


def _reflector(A, i):
    """``v_i (*, m)``: zeros above row ``i``, 1 at ``i``, then ``A``'s column ``i`` below its diagonal."""
    head = np.zeros(A.shape[:-2] + (i + 1,), A._data.dtype)
    head[..., i] = 1
    return cat([Tensor._wrap(head), A[..., i + 1 :, i]], -1)


def _apply_reflectors(A, tau, C, *, left, reverse):
    """``C`` multiplied by ``H_0, H_1, …`` one at a time (``reverse``: from the last), on the left or right."""
    count = tau.shape[-1]
    if count == 0:  # no reflector: C itself, still part of the graph of A and tau (as torch's result)
        return C + A.reshape(-1)[:0].sum() + tau.reshape(-1)[:0].sum()
    for i in reversed(range(count)) if reverse else range(count):
        v, t = _reflector(A, i), tau[..., i, None, None]
        if left:  # H C = C - τ v (vᵀ C)
            C = C - t * v.unsqueeze(-1) * v.unsqueeze(-2).matmul(C)
        else:  # C H = C - τ (C v) vᵀ
            C = C - t * C.matmul(v.unsqueeze(-1)) * v.unsqueeze(-2)
    return C


def _check_reflectors(A, tau, name):
    check_float(A, name)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
            f"{tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    if A.shape[:-2] != tau.shape[:-1]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2]")
    if tau._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"{name}: tau dtype {tau.dtype.name.capitalize()} does not match input dtype {A.dtype.name.capitalize()}"
        )


def householder_product(A, tau):
    """The first ``n`` columns of ``Q = H_1 ⋯ H_k``, ``H_i = I - τ_i v_i v_iᵀ``, from the reflectors in the columns
    of ``A (*, m, n)`` below its diagonal (``geqrf``'s ``a``; the implicit leading 1 and the zeros above are not
    read) and ``tau (*, k)``, ``m ≥ n ≥ k``. Gradient: that of the reflections, applied one by one.

    >>> minigrad.linalg.householder_product(*minigrad.geqrf(minigrad.tensor([[3.0], [4.0]])))
    tensor([[-0.6000],
            [-0.8000]])
    """
    _check_reflectors(A, tau, "torch.linalg.householder_product")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(
            "torch.linalg.householder_product: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if n < tau.shape[-1]:
        raise RuntimeError(
            "torch.linalg.householder_product: input.shape[-1] must be greater than or equal to tau.shape[-1]"
        )
    eye = Tensor._wrap(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), A.shape).copy())
    return _apply_reflectors(A, tau, eye, left=True, reverse=True)


def ormqr(input, input2, input3, left=True, transpose=False):  # noqa: A002 - torch's argument names
    """``Q C``, ``Qᵀ C``, ``C Q`` or ``C Qᵀ`` (``left``, ``transpose``) for ``C = input3 (*, m, n)`` and ``Q = H_1 ⋯
    H_k`` from ``geqrf``'s reflectors ``input (*, mn, k)`` (``mn = m`` when ``left``, else ``n``) and ``input2 =
    tau (*, k)``, without forming ``Q``. Gradient: that of the reflections, applied one by one.

    >>> a, tau = minigrad.geqrf(minigrad.tensor([[3.0], [4.0]]))
    >>> minigrad.ormqr(a, tau, minigrad.eye(2))
    tensor([[-0.6000, -0.8000],
            [-0.8000,  0.6000]])
    """
    _check_reflectors(input, input2, "torch.ormqr")
    if input3.ndim != input.ndim:
        raise RuntimeError(
            f"torch.ormqr: input.ndim must be equal to other.ndim, but got input.ndim equal to "
            f"{input.ndim} and other.ndim is equal to {input3.ndim}"
        )
    size = input3.shape[-2] if left else input3.shape[-1]
    if input.shape[-2] != size:
        raise RuntimeError(f"torch.ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    if input2.shape[-1] > size:
        raise RuntimeError(
            f"torch.ormqr: tau.shape[-1] must be less than or equal to other.shape[{-2 if left else -1}]"
        )
    if input.shape[:-2] != input3.shape[:-2]:
        raise RuntimeError("torch.ormqr: Expected batch dimensions of other to be equal to input.shape[:-2]")
    if input3._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"torch.ormqr: other dtype {input3.dtype.name.capitalize()} does not match input dtype "
            f"{input.dtype.name.capitalize()}"
        )
    return _apply_reflectors(input, input2, input3, left=left, reverse=left != transpose)
