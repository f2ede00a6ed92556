"""Activation functionals with torch.nn.functional's signatures (``dropout`` is in ``dropout.py``).

The differentiable ops live in ``minigrad.ops``; the wrappers here only adapt torch's argument lists
(``inplace`` flags, softmax's ``_stacklevel``). ``inplace=True`` changes the input in place, recorded as torch
records it (``minigrad.ops.inplace``).
"""

from ...ops import activation as _activation
from ...ops import inplace as _inplace

__all__ = ["relu", "leaky_relu", "softmax", "log_softmax"]


def relu(input, inplace=False):  # noqa: A002 - torch's argument name
    """``max(x, 0)``; gradient ``[x > 0]`` (0 at the kink, like torch).

    >>> F.relu(minigrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _inplace.relu_(input) if inplace else _activation.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """``x`` for x > 0 and ``negative_slope · x`` otherwise.

    >>> F.leaky_relu(minigrad.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1,  2.0])
    """
    if inplace:
        return _inplace.apply_inplace(input, _activation.leaky_relu, negative_slope)
    return _activation.leaky_relu(input, negative_slope)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``exp(x) / Σ exp(x)`` along ``dim`` (computed in ``dtype`` when given).

    >>> F.softmax(minigrad.tensor([[1.0, 1.0]]), dim=1)
    tensor([[0.5, 0.5]])
    """
    return _activation.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``x - logsumexp(x)`` along ``dim`` (computed in ``dtype`` when given).

    >>> F.log_softmax(minigrad.tensor([[0.0, 0.0]]), dim=1).exp()
    tensor([[0.5, 0.5]])
    """
    return _activation.log_softmax(input, dim, dtype)
