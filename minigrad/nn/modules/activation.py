"""The activation layers, one Module per activation; each ``forward`` calls its ``nn.functional`` counterpart.

All are elementwise except ``Softmax``/``LogSoftmax`` (along ``dim``): input ``(*)``, output the same shape.
``inplace=True`` (ReLU, LeakyReLU) changes the input in place, recorded as torch records it.
"""

from .. import functional as F
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax"]


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
    tensor([-0.1,  2.0])
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
    tensor([0.5])
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
    tensor([[0.5, 0.5]])
    """

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)


class LogSoftmax(_AlongDim):
    """``x - logsumexp(x)`` along ``dim``; gradient ``g - softmax(x) Σ g``. Shape ``(*)`` -> ``(*)``.

    >>> nn.LogSoftmax(dim=-1)(minigrad.tensor([[0.0, 0.0]])).exp()
    tensor([[0.5, 0.5]])
    """

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)
