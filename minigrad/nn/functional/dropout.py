"""``dropout`` with torch.nn.functional's signature: the one functional that draws random numbers."""

from ...ops._util import wrap
from ...random import generator as _numpy_generator

__all__ = ["dropout"]


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002 - torch's argument name
    """Zero each element with probability ``p`` and scale the survivors by ``1 / (1 - p)``, so the expected
    value is unchanged; the identity when not ``training`` (or ``p = 0``).

    Shapes: any. Gradient: the same mask, ``g · m / (1 - p)``. The mask is drawn from ``minigrad.random``.
    ``inplace=True`` is accepted for torch's signature; the result is always a new tensor.

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
