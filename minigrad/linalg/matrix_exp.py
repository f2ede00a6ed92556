"""``matrix_exp``: the matrix exponential ``Σ Aᵏ / k!`` by scaling and squaring with a degree-13 Padé approximant
(Higham 2005), every matrix of the batch at once; its gradient is itself a matrix exponential (of a block matrix),
so it is differentiable to any order.
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops.shape import cat
from ._checks import check_float

# the numerator coefficients of the [13/13] Padé approximant of exp, and the 1-norm up to which it is accurate to
# double precision without scaling (Higham, "The scaling and squaring method for the matrix exponential revisited")
_PADE_13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
    10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA_13 = 5.371920351148152


def expm_array(A):
    """``exp(A)`` of the float array ``A (*, n, n)``."""
    b = _PADE_13
    norms = np.abs(A).sum(-2).max(-1, initial=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        squarings = np.ceil(np.log2(norms / _THETA_13))
    squarings = np.where(np.isfinite(squarings), np.maximum(squarings, 0), 0).astype(np.int64)
    A = A / np.ldexp(1.0, squarings)[..., None, None].astype(A.dtype)
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    with np.errstate(all="ignore"):
        R = np.linalg.solve(V - U, V + U) if A.size else A.copy()
    for step in range(int(squarings.max(initial=0))):
        R = np.where((step < squarings)[..., None, None], R @ R, R)
    return R.astype(A.dtype, copy=False)


class MatrixExp(Function):
    """``exp(A)``. Gradient: the upper right block of ``exp([[Aᵀ, g], [0, Aᵀ]])`` (the Fréchet derivative's
    adjoint), computed with this same Function so it can be differentiated again."""

    def forward(self, A):
        return expm_array(A)

    def backward(self, grad):
        (A,) = self.inputs
        n = A.shape[-1]
        zeros = Tensor._wrap(np.zeros(A.shape, A._data.dtype))
        block = cat([cat([A.mT, grad], -1), cat([zeros, A.mT], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A):
    """The matrix exponential ``exp(A) = Σₖ Aᵏ / k!`` of each square matrix in ``A (*, n, n)``.

    Gradient: ``∂A = [exp([[Aᵀ, g], [0, Aᵀ]])]₁₂``, the upper right ``n × n`` block.

    >>> minigrad.matrix_exp(minigrad.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
    """
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_exp: The input tensor A must have at least 2 dimensions."
            if A.ndim < 2
            else f"linalg.matrix_exp: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    check_float(A, "linalg.matrix_exp")
    return MatrixExp.apply(A)
