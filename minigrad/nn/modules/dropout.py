"""The dropout layers: random masking during training, the identity in eval mode (formulas in
``minigrad.nn.functional.dropout``)."""

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    """``p`` (validated) and ``inplace``; ``forward`` applies ``_function`` in training mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - torch's argument name
        return self._function(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, ``y = x · m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` drawn per element, so ``E[y] = x``;
    ``y = x`` in eval mode (``model.eval()``).

    Input ``(*)``, output the same shape. Gradient ``g · m / (1 - p)`` (the same mask).

    >>> drop = nn.Dropout(0.5)
    >>> drop.eval()(minigrad.ones(3))
    tensor([1., 1., 1.])
    """

    _function = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Dropout of whole channels: ``(N, C, L)`` or ``(C, L)``, one mask value per ``(n, c)``.

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(nn.Dropout1d(0.5)(minigrad.ones(2, 8, 3)).flatten().tolist()) <= {0.0, 2.0}
    True
    """

    _function = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Dropout of whole channels of ``(N, C, H, W)`` (a 3-D input is read as ``(N, C, L)``, as torch does).

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(nn.Dropout2d(0.5)(minigrad.ones(2, 8, 3, 3)).flatten().tolist()) <= {0.0, 2.0}
    True
    """

    _function = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Dropout of whole channels: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(nn.Dropout3d(0.5)(minigrad.ones(2, 8, 2, 2, 2)).flatten().tolist()) <= {0.0, 2.0}
    True
    """

    _function = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout per element for SELU networks: dropped values go to SELU's saturation, then an affine
    correction keeps mean 0 and variance 1. Input ``(*)``, output the same shape.

    Gradient: ``a · g`` where kept and 0 where dropped, ``a`` the scale that restores the variance (``g`` itself when
    not training).

    >>> nn.AlphaDropout(0.5).eval()(minigrad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    _function = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of ``(N, C, *)``.

    Gradient: ``a · g`` where kept and 0 where dropped, ``a`` the scale that restores the variance (``g`` itself when
    not training).

    >>> nn.FeatureAlphaDropout(0.5)(minigrad.ones(2, 3, 4)).shape
    (2, 3, 4)
    """

    _function = staticmethod(F.feature_alpha_dropout)
