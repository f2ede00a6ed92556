"""The ``Tensor`` methods of torch's linear algebra functions that live above ``minigrad.ops`` (so
``minigrad.ops.methods`` cannot bind them): ``A.cholesky()``, ``A.svd()``, ``A.matrix_exp()``, ... one line each."""

from ..autograd.tensor import Tensor
from . import householder, inverse, legacy, products
from .matrix_exp import matrix_exp

# fmt: off
METHODS = {
    "cholesky": legacy.cholesky, "cholesky_inverse": legacy.cholesky_inverse,
    "cholesky_solve": legacy.cholesky_solve, "logdet": legacy.logdet, "pinverse": legacy.pinverse,
    "qr": legacy.qr, "svd": legacy.svd, "triangular_solve": legacy.triangular_solve, "lu": legacy.lu,
    "lu_solve": legacy.lu_solve, "cross": legacy.cross, "matrix_exp": matrix_exp,
    "geqrf": householder.geqrf, "ormqr": householder.ormqr, "orgqr": householder.householder_product,
    "norm": legacy.norm, "det": inverse.det, "inverse": inverse.inv, "matrix_power": products.matrix_power,
}
# fmt: on

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
