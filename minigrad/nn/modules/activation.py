"""The activation layers, one Module per activation; each ``forward`` calls its ``nn.functional`` counterpart.

All are elementwise except ``Softmax``/``LogSoftmax``/``Softmin`` (along ``dim``), ``Softmax2d`` (along the
channels) and ``GLU`` (halves one dim): input ``(*)``, output the same shape. ``inplace=True`` (where torch has it)
changes the input in place, recorded as torch records it.
"""

import numpy as np

from .. import functional as F
from ..parameter import Parameter
from ._factory import parameter_dtype
from .module import Module

__all__ = [
    "ReLU",
    "LeakyReLU",
    "GELU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "Softmax",
    "LogSoftmax",
    "Softmin",
    "Softmax2d",
    "ELU",
    "SELU",
    "CELU",
    "SiLU",
    "Mish",
    "Hardswish",
    "Hardsigmoid",
    "Hardtanh",
    "ReLU6",
    "Threshold",
    "RReLU",
    "PReLU",
    "GLU",
    "LogSigmoid",
    "Softsign",
    "Softshrink",
    "Hardshrink",
    "Tanhshrink",
]


class ReLU(Module):
    """``max(x, 0)`` elementwise; gradient ``g · [x > 0]`` (0 at the kink, like torch). Shape ``(*)`` -> ``(*)``.

    >>> nn.ReLU()(minigrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for x > 0, ``negative_slope · x`` otherwise; gradient ``g`` or ``negative_slope · g`` (the slope at 0).
    Shape ``(*)`` -> ``(*)``.

    >>> nn.LeakyReLU(0.1)(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``x Φ(x)``, Φ the standard normal CDF; gradient ``g (Φ(x) + x φ(x))``. With ``approximate='tanh'``:
    ``x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)))``. Shape ``(*)`` -> ``(*)``.

    >>> nn.GELU()(minigrad.tensor([0.0, 10.0]))
    tensor([ 0., 10.])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """``σ(x) = 1 / (1 + e^-x)`` elementwise; gradient ``g σ(x) (1 - σ(x))``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Sigmoid()(minigrad.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh x`` elementwise; gradient ``g (1 - tanh² x)``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Tanh()(minigrad.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class Softplus(Module):
    """``log(1 + exp(βx)) / β``, and ``x`` where ``βx > threshold``; gradient ``g σ(βx)`` (``g`` above the
    threshold). Shape ``(*)`` -> ``(*)``.

    >>> nn.Softplus()(minigrad.tensor([0.0]))
    tensor([0.6931])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _AlongDim(Module):
    """An activation that normalises along one dim (``dim=None`` picks torch's legacy default)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """``s = exp(x) / Σ exp(x)`` along ``dim``; gradient ``s (g - Σ g s)``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Softmax(dim=-1)(minigrad.tensor([[0.0, 0.0]]))
    tensor([[0.5000, 0.5000]])
    """

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)


class LogSoftmax(_AlongDim):
    """``x - logsumexp(x)`` along ``dim``; gradient ``g - softmax(x) Σ g``. Shape ``(*)`` -> ``(*)``.

    >>> nn.LogSoftmax(dim=-1)(minigrad.tensor([[0.0, 0.0]])).exp()
    tensor([[0.5000, 0.5000]])
    """

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)


class Softmin(_AlongDim):
    """``softmax(-x)`` along ``dim``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``-s (g - Σ g s)``, ``s`` the output and the sum along ``dim``.

    >>> nn.Softmin(dim=1)(minigrad.tensor([[0.0, 1.0]]))
    tensor([[0.7311, 0.2689]])
    """

    def forward(self, input):  # noqa: A002
        return F.softmin(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)``: at each position, along dim -3.

    Gradient: ``s (g - Σ g s)``, ``s`` the output and the sum over the channels.

    >>> nn.Softmax2d()(minigrad.zeros(1, 2, 1, 1)).flatten()
    tensor([0.5000, 0.5000])
    """

    def forward(self, input):  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)


class _Inplace(Module):
    """An elementwise activation with an ``inplace`` flag and no other argument."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return self._function(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class _Stateless(Module):
    """An elementwise activation without arguments."""

    def forward(self, input):  # noqa: A002
        return self._function(input)


class SELU(_Inplace):
    """``1.0507 · elu(x, α = 1.6733)``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``1.0507 g`` for x > 0, ``1.0507 · 1.6733 eˣ g`` otherwise.

    >>> nn.SELU()(minigrad.tensor([-1.0, 2.0]))
    tensor([-1.1113,  2.1014])
    """

    _function = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x σ(x)``; gradient ``σ(x)(1 + x(1 - σ(x)))``. Shape ``(*)`` -> ``(*)``.

    >>> nn.SiLU()(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.2689,  1.7616])
    """

    _function = staticmethod(F.silu)


class Mish(_Inplace):
    """``x tanh(softplus(x))``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g (tanh(s) + x σ(x) (1 - tanh²(s)))`` with ``s = softplus(x)``.

    >>> nn.Mish()(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.3034,  1.9440])
    """

    _function = staticmethod(F.mish)


class Hardswish(_Inplace):
    """``x · relu6(x + 3) / 6``; gradient 0 below -3, ``x/3 + 1/2`` on [-3, 3], 1 above. Shape ``(*)``.

    >>> nn.Hardswish()(minigrad.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.0000, 1.1250, 4.0000])
    """

    _function = staticmethod(F.hardswish)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3). Shape ``(*)`` -> ``(*)``.

    >>> nn.Hardsigmoid()(minigrad.tensor([-4.0, 0.0, 1.5]))
    tensor([0.0000, 0.5000, 0.7500])
    """

    _function = staticmethod(F.hardsigmoid)


class LogSigmoid(_Stateless):
    """``log σ(x) = -softplus(-x)``; gradient ``σ(-x)``. Shape ``(*)`` -> ``(*)``.

    >>> nn.LogSigmoid()(minigrad.tensor([0.0]))
    tensor([-0.6931])
    """

    _function = staticmethod(F.logsigmoid)


class Softsign(_Stateless):
    """``x / (1 + |x|)``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g / (1 + |x|)²``.

    >>> nn.Softsign()(minigrad.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """

    _function = staticmethod(F.softsign)


class Tanhshrink(_Stateless):
    """``x - tanh x``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g tanh² x``.

    >>> nn.Tanhshrink()(minigrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """

    _function = staticmethod(F.tanhshrink)


class ELU(Module):
    """``x`` for x > 0, ``α(eˣ - 1)`` otherwise; gradient 1 or ``α eˣ``. Shape ``(*)`` -> ``(*)``.

    >>> nn.ELU()(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``max(0, x) + min(0, α(e^(x/α) - 1))``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g`` for x > 0, ``g e^(x/α)`` otherwise.

    >>> nn.CELU()(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """

    def forward(self, input):  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``; gradient 1 strictly inside, 0 elsewhere. Shape ``(*)``.

    >>> nn.Hardtanh(-1.0, 1.0)(minigrad.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if max_val <= min_val:
            raise AssertionError
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g`` strictly inside (0, 6), 0 elsewhere.

    >>> nn.ReLU6()(minigrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``; gradient ``[x > threshold]``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Threshold(1.0, -1.0)(minigrad.tensor([0.5, 2.0]))
    tensor([-1.,  2.])
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """Leaky ReLU with a negative slope drawn from U(lower, upper) per element in training, and
    ``(lower + upper) / 2`` in eval mode. Shape ``(*)`` -> ``(*)``.

    Gradient: ``g`` for x > 0, ``slope · g`` otherwise (the drawn slope in training).

    >>> nn.RReLU().eval()(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.2292,  2.0000])
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """``x`` for x > 0, ``a_c · x`` otherwise, with a learnable ``weight`` ``(num_parameters,)`` filled with
    ``init`` (one slope shared, or one per channel of dim 1). Shape ``(*)`` -> ``(*)``.

    Gradient: ``g`` (x > 0) or ``a_c g`` to ``x``; ``Σ g x`` over the elements ``x <= 0`` of channel ``c`` to ``a_c``.

    >>> nn.PReLU(init=0.1)(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000], grad_fn=<WhereBackward>)
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.empty(num_parameters, dtype=parameter_dtype(device, dtype)))
        self.reset_parameters()

    def reset_parameters(self):
        """Every slope to ``init``."""
        self.weight._data[...] = self.init

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """``a ⊙ σ(b)`` with ``a``, ``b`` the halves of the input along ``dim``: ``(*, 2n, *)`` -> ``(*, n, *)``.

    Gradient: ``g σ(b)`` to ``a``, ``g a σ(b) (1 - σ(b))`` to ``b``.

    >>> nn.GLU()(minigrad.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _Shrink(Module):
    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    """``x ∓ λ`` outside ``[-λ, λ]``, 0 inside; gradient ``[|x| > λ]``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Softshrink(0.5)(minigrad.tensor([-1.0, 0.2, 0.7]))
    tensor([-0.5000,  0.0000,  0.2000])
    """

    def forward(self, input):  # noqa: A002
        return F.softshrink(input, self.lambd)


class Hardshrink(_Shrink):
    """``x`` outside ``[-λ, λ]``, 0 inside; gradient ``[|x| > λ]``. Shape ``(*)`` -> ``(*)``.

    >>> nn.Hardshrink(0.5)(minigrad.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """

    def forward(self, input):  # noqa: A002
        return F.hardshrink(input, self.lambd)
