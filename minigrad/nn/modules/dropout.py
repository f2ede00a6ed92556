"""``Dropout``: random zeroing during training, the identity in eval mode."""

from .. import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """During training, ``y = x · m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` drawn per element, so ``E[y] = x``;
    ``y = x`` in eval mode (``model.eval()``).

    Input ``(*)``, output the same shape. Gradient ``g · m / (1 - p)`` (the same mask). ``inplace`` is accepted
    for torch's signature; the result is always a new tensor.

    >>> drop = nn.Dropout(0.5)
    >>> drop.eval()(minigrad.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
