"""torch.special's Bessel and Airy functions without gradients (torch has none for them): ``bessel_j0``,
``bessel_j1``, ``bessel_y0``, ``bessel_y1``, ``modified_bessel_k0``, ``modified_bessel_k1``, their scaled
``e^x K(x)`` forms, ``spherical_bessel_j0`` and ``airy_ai``.

Each is the compiled kernel (``minigrad._kernels.special_functions``, in double) over the input's array; the
result is a new tensor outside any graph. Integer and bool inputs become float32, as in torch.
"""

import numpy as np

from ..autograd.tensor import Tensor
from . import special_kernel


def _float_array(input):  # noqa: A002 - torch's argument name
    data = np.asarray(input._data)
    return data if data.dtype.kind == "f" else data.astype(np.float32)


def _no_grad_function(name, doc):
    def function(input):  # noqa: A002 - torch's argument name
        return Tensor._wrap(special_kernel.unary(name, _float_array(input)))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


bessel_j0 = _no_grad_function(
    "bessel_j0",
    """The Bessel function of the first kind of order 0, ``J₀(x) = Σ (-1)^k (x/2)^{2k} / (k!)²``
    (torch.special.bessel_j0); elementwise, any shape. Not differentiable.

    >>> minigrad.special.bessel_j0(minigrad.tensor([0.0, 1.0]))
    tensor([1.0000, 0.7652])
    """,
)
bessel_j1 = _no_grad_function(
    "bessel_j1",
    """The Bessel function of the first kind of order 1, ``J₁(x) = Σ (-1)^k (x/2)^{2k+1} / (k! (k+1)!)``
    (torch.special.bessel_j1); elementwise. Not differentiable.

    >>> minigrad.special.bessel_j1(minigrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.4401])
    """,
)
bessel_y0 = _no_grad_function(
    "bessel_y0",
    """The Bessel function of the second kind of order 0, ``Y₀(x)`` (torch.special.bessel_y0): ``-inf`` at 0,
    NaN for ``x < 0``; elementwise. Not differentiable.

    >>> minigrad.special.bessel_y0(minigrad.tensor([1.0]))
    tensor([0.0883])
    """,
)
bessel_y1 = _no_grad_function(
    "bessel_y1",
    """The Bessel function of the second kind of order 1, ``Y₁(x)`` (torch.special.bessel_y1): ``-inf`` at 0,
    NaN for ``x < 0``; elementwise. Not differentiable.

    >>> minigrad.special.bessel_y1(minigrad.tensor([1.0]))
    tensor([-0.7812])
    """,
)
modified_bessel_k0 = _no_grad_function(
    "modified_bessel_k0",
    """The modified Bessel function of the second kind of order 0, ``K₀(x) = ∫₀^∞ exp(-x cosh t) dt``
    (torch.special.modified_bessel_k0): ``inf`` at 0, NaN for ``x < 0``; elementwise. Not differentiable.

    >>> minigrad.special.modified_bessel_k0(minigrad.tensor([1.0]))
    tensor([0.4210])
    """,
)
modified_bessel_k1 = _no_grad_function(
    "modified_bessel_k1",
    """The modified Bessel function of the second kind of order 1, ``K₁(x) = ∫₀^∞ exp(-x cosh t) cosh t dt``
    (torch.special.modified_bessel_k1): ``inf`` at 0, NaN for ``x < 0``; elementwise. Not differentiable.

    >>> minigrad.special.modified_bessel_k1(minigrad.tensor([1.0]))
    tensor([0.6019])
    """,
)
scaled_modified_bessel_k0 = _no_grad_function(
    "scaled_modified_bessel_k0",
    """``e^x K₀(x)`` (torch.special.scaled_modified_bessel_k0), finite where ``K₀`` underflows; elementwise.
    Not differentiable.

    >>> minigrad.special.scaled_modified_bessel_k0(minigrad.tensor([1.0]))
    tensor([1.1445])
    """,
)
scaled_modified_bessel_k1 = _no_grad_function(
    "scaled_modified_bessel_k1",
    """``e^x K₁(x)`` (torch.special.scaled_modified_bessel_k1), finite where ``K₁`` underflows; elementwise.
    Not differentiable.

    >>> minigrad.special.scaled_modified_bessel_k1(minigrad.tensor([1.0]))
    tensor([1.6362])
    """,
)
airy_ai = _no_grad_function(
    "airy_ai",
    """The Airy function ``Ai(x)``, the solution of ``y'' = x y`` decaying as ``x → ∞``
    (torch.special.airy_ai); elementwise. Not differentiable.

    >>> minigrad.special.airy_ai(minigrad.tensor([0.0]))
    tensor([0.3550])
    """,
)


def spherical_bessel_j0(input):  # noqa: A002 - torch's argument name
    """The spherical Bessel function of the first kind of order 0, ``j₀(x) = sin(x) / x`` (1 at 0, 0 at ``±inf``;
    torch.special.spherical_bessel_j0); elementwise. Not differentiable.

    >>> minigrad.special.spherical_bessel_j0(minigrad.tensor([0.0, 1.5707963]))
    tensor([1.0000, 0.6366])
    """
    x = _float_array(input)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(x == 0, 1, np.where(np.isinf(x), 0, np.sin(x) / x))
    return Tensor._wrap(result.astype(x.dtype, copy=False))
