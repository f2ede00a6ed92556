"""The two linear-algebra ops MultivariateNormal needs and minigrad.ops lacks: ``cholesky`` and ``solve_triangular``
(torch.linalg's), as local Functions with batched, broadcasting forwards in NumPy and backwards in Tensor ops (so they
differentiate twice)."""

import numpy as np

from ..autograd.function import Function
from ..ops.shape import sum_to

__all__ = ["cholesky", "solve_triangular"]


class SolveTriangular(Function):
    """``X = A⁻¹ B`` for a triangular ``A`` (``(*, n, n)``, only its lower, or with ``upper`` its upper, triangle is
    read) and ``B`` (``(*, n, k)``), broadcast over the leading dimensions.

    Gradients: ``ḡB = A⁻ᵀ ḡ`` (a solve with ``Aᵀ``, triangular the other way) and ``ḡA = -tril(ḡB Xᵀ)``
    (``triu`` when ``upper``), each summed back to its input's shape.
    """

    saves_output = True

    def forward(self, a, b, *, upper):
        triangle = np.triu(a) if upper else np.tril(a)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        # A general LU solve of a triangular matrix gives the same X; NumPy has no batched triangular solver.
        return np.linalg.solve(
            np.broadcast_to(triangle, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        )

    def backward(self, grad):
        a, b = self.inputs
        upper = self.options["upper"]
        grad_b = solve_triangular(a.mT, grad, upper=not upper)
        grad_a = None
        if self.needs_input_grad[0]:
            product = -grad_b.matmul(self.output().mT)
            grad_a = sum_to(product.triu() if upper else product.tril(), a.shape)
        return grad_a, (sum_to(grad_b, b.shape) if self.needs_input_grad[1] else None)


def solve_triangular(a, b, *, upper):
    """``A⁻¹ B`` for triangular ``A`` (torch.linalg.solve_triangular with ``left=True``)."""
    return SolveTriangular.apply(a, b, upper=upper)


class Cholesky(Function):
    """The lower-triangular ``L`` with ``A = L Lᵀ`` (``A`` symmetric positive-definite, ``(*, n, n)``; its lower
    triangle is read).

    Gradient (torch's ``cholesky_backward``): with ``Φ = tril(Lᵀ ḡ)`` and ``S = (Φ + tril(Φ, -1)ᵀ) / 2`` (symmetric),
    ``ḡA = L⁻ᵀ S L⁻¹``.
    """

    keeps_inputs = False
    saves_output = True

    def forward(self, a):
        try:
            return np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(
                "linalg.cholesky: The factorization could not be completed because the input is not positive-definite."
            ) from None

    def backward(self, grad):
        lower = self.output()
        phi = lower.mT.matmul(grad).tril()
        symmetric = 0.5 * (phi + phi.tril(-1).mT)
        left = solve_triangular(lower.mT, symmetric, upper=True)  # L⁻ᵀ S
        return solve_triangular(lower.mT, left.mT, upper=True).mT  # (L⁻ᵀ (L⁻ᵀ S)ᵀ)ᵀ = L⁻ᵀ S L⁻¹


def cholesky(a):
    """``L`` lower-triangular with ``a = L Lᵀ`` (torch.linalg.cholesky)."""
    return Cholesky.apply(a)
