"""``minigrad.linalg``: torch's ``torch.linalg`` for real float32/float64 tensors, batched over leading dims.

Forwards are NumPy's ``np.linalg`` (LAPACK); gradients are written with minigrad's own ops, so they can be
differentiated again. Failures of a factorisation or inverse raise ``LinAlgError`` (a ``RuntimeError``).
"""

from ._checks import LinAlgError
from .factorizations import cholesky, cholesky_ex, eigh, eigvalsh, qr, svd, svdvals
from .inverse import det, inv, inv_ex, slogdet, solve, solve_ex, solve_triangular
from .least_squares import lstsq, pinv
from .lu import lu, lu_factor, lu_factor_ex, lu_solve
from .householder import householder_product
from .ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .matrix_exp import matrix_exp
from . import methods  # binds Tensor.cholesky, .svd, .matrix_exp, ... (after the functions they name)
from .norms import cond, matrix_norm, matrix_rank, norm, vector_norm
from .products import cross, diagonal, matrix_power, multi_dot, tensorinv, tensorsolve, vander, vecdot

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "householder_product",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
