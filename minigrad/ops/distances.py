"""Distances between the rows of tensors: ``cdist``, ``pdist``, ``dist``.

Each is the p-norm (``reduce.norm``) of broadcast differences, so its gradient is the norm's (0 where a distance is
0, as torch) and can be differentiated again.
"""

import numpy as np

from ._util import promote, wrap
from .linalg import matmul
from .reduce import norm
from .shape import cat


def _check_p(p, name):
    if not p >= 0:
        raise RuntimeError(f"{name} only supports non-negative p values")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """``‖x1[..., i, :] - x2[..., j, :]‖_p`` for every pair of rows: ``x1 (*, P, M)``, ``x2 (*, R, M)`` (batch dims
    broadcast) give ``(*, P, R)``; ``p ∈ [0, ∞]``. Computed from the differences, or for ``p = 2`` with more than 25
    rows (or ``compute_mode='use_mm_for_euclid_dist'``) by torch's matmul form ``√(‖a‖² - 2a·b + ‖b‖²)``.
    Gradient: the p-norm's, ``g (x1 - x2) |x1 - x2|^(p-2) / d^(p-1)`` summed over the partner rows (0 where
    ``d = 0``); the matmul form's own on that path, as torch.

    >>> minigrad.cdist(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    for x in (x1, x2):
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, X{1 if x is x1 else 2} got: {x.dtype}")
    _check_p(p, "cdist")
    if compute_mode not in (
        None,
        "use_mm_for_euclid_dist_if_necessary",
        "use_mm_for_euclid_dist",
        "donot_use_mm_for_euclid_dist",
    ):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    x1, x2 = promote(x1, x2)
    mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, "use_mm_for_euclid_dist_if_necessary") and (x1.shape[-2] > 25 or x2.shape[-2] > 25)
    )
    if p == 2 and mm and x1.shape[-2] * x2.shape[-2] > 0:
        return _euclidean_by_matmul(x1, x2)
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if differences._data.size == 0:
        return differences.sum(-1) * 0
    return norm(differences, p, -1)


def _euclidean_by_matmul(x1, x2):
    """torch's matmul form of the Euclidean ``cdist``: ``√max(‖a‖² - 2 a·b + ‖b‖², 1e-30)`` as one product of
    ``[-2a, ‖a‖², 1]`` and ``[b, 1, ‖b‖²]`` (faster for many rows; it rounds as torch's does)."""
    norm1 = (x1 * x1).sum(-1, keepdim=True)
    norm2 = (x2 * x2).sum(-1, keepdim=True)
    left = cat([x1 * -2, norm1, wrap(np.ones(norm1.shape, norm1._data.dtype))], -1)
    right = cat([x2, wrap(np.ones(norm2.shape, norm2._data.dtype)), norm2], -1)
    return matmul(left, right.mT).clamp(min=1e-30).sqrt()


def pdist(input, p=2):  # noqa: A002 - torch's argument name
    """The distances ``‖x_i - x_j‖_p`` between the rows of ``input (N, M)`` for ``i < j``, in row-major order of
    the pairs: shape ``(N (N - 1) / 2,)``. Gradient: the p-norm's, summed onto both rows of each pair.

    >>> minigrad.nn.functional.pdist(minigrad.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got: {input.dtype}")
    _check_p(p, "pdist")
    first, second = np.triu_indices(input.shape[0], 1)
    differences = input[first] - input[second]
    if differences._data.size == 0:
        return differences.sum(-1) * 0
    return norm(differences, p, -1)


def dist(input, other, p=2):  # noqa: A002
    """``‖input - other‖_p`` over every element of the broadcast difference, a 0-d tensor. Gradient: the p-norm's.

    >>> minigrad.dist(minigrad.tensor([0.0, 0.0]), minigrad.tensor([3.0, 4.0]))
    tensor(5.)
    """
    input, other = promote(input, other)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {input.dtype}"
        )
    return norm(input - other, float(p) if not isinstance(p, str) else p)
