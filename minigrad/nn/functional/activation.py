"""Activation functionals with torch.nn.functional's signatures, and ``dropout``.

The differentiable ops live in ``minigrad.ops``; the wrappers here only adapt torch's argument lists
(``inplace`` flags, softmax's ``_stacklevel``). ``inplace=True`` changes the input in place, recorded as torch
records it (``minigrad.ops.inplace``).
"""
from ...ops import activation as _activation
from ...ops import inplace as _inplace
from ...ops._util import wrap
from ...random import generator as _numpy_generator

__all__ = ["relu", "leaky_relu", "softmax", "log_softmax", "dropout"]


def relu(input, inplace=False):  # noqa: A002 - torch's argument name
    """``max(x, 0)``; gradient ``[x > 0]`` (0 at the kink, like torch)."""
    return _inplace.relu_(input) if inplace else _activation.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """``x`` for x > 0 and ``negative_slope · x`` otherwise."""
    if inplace:
        return _inplace.apply_inplace(input, _activation.leaky_relu, negative_slope)
    return _activation.leaky_relu(input, negative_slope)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``exp(x) / Σ exp(x)`` along ``dim`` (computed in ``dtype`` when given)."""
    return _activation.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``x - logsumexp(x)`` along ``dim`` (computed in ``dtype`` when given)."""
    return _activation.log_softmax(input, dim, dtype)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero each element with probability ``p`` and scale the survivors by ``1 / (1 - p)``, so the expected
    value is unchanged; the identity when not ``training`` (or ``p = 0``).

    Shapes: any. Gradient: the same mask, ``g · m / (1 - p)``. The mask is drawn from ``minigrad.random``.

    >>> _ = minigrad.manual_seed(0); dropout(minigrad.ones(4), p=0.5)
    tensor([0., 2., 2., 2.])
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return input * 0.0  # (not zeros_like: NaN and inf inputs stay NaN, as in torch)
    dtype = input._data.dtype
    keep = _numpy_generator().random(input.shape) < 1.0 - p
    scale = keep.astype(dtype)
    scale /= dtype.type(1.0 - p)
    return input * wrap(scale)

