"""The normal (Gaussian) distribution N(loc, scale²) (torch.distributions.Normal)."""

import math
from numbers import Number

from ..ops.activation import erf
from ..ops.special import erfinv
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, standard_normal

__all__ = ["Normal"]


class Normal(Distribution):
    """Normal(loc, scale): density ``exp(-(x - loc)² / (2 scale²)) / (scale √(2π))``, batch shape the broadcast shape
    of ``loc`` and ``scale``.

    ``rsample`` is ``loc + scale * ε`` with ``ε ~ N(0, 1)``, so gradients reach ``loc`` and ``scale``.

    >>> from minigrad.distributions import Normal
    >>> Normal(0.0, 1.0).log_prob(minigrad.tensor(0.0))
    tensor(-0.9189)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A Normal with ``loc`` and ``scale`` expanded (views) to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        return self._expanded(
            Normal, batch_shape, _instance, loc=self.loc.expand(batch_shape), scale=self.scale.expand(batch_shape)
        )

    @property
    def mean(self):
        """``loc`` (also the mode)."""
        return self.loc

    mode = mean  # a Gaussian peaks at its mean

    @property
    def stddev(self):
        """``scale``."""
        return self.scale

    @property
    def variance(self):
        """``scale²``."""
        return self.scale.pow(2)

    def rsample(self, sample_shape=()):
        """``loc + scale ε``, ``ε ~ N(0, 1)``: differentiable in ``loc`` and ``scale``."""
        shape = self._extended_shape(sample_shape)
        return self.loc + standard_normal(shape, self.loc.dtype) * self.scale

    def log_prob(self, value):
        """``-(x - loc)² / (2 scale²) - log scale - log √(2π)``."""
        if self._validate_args:
            self._validate_sample(value)
        log_normaliser = self.scale.log() + math.log(math.sqrt(2 * math.pi))
        return -((value - self.loc) ** 2) / (2 * self.scale.pow(2)) - log_normaliser

    def cdf(self, value):
        """``(1 + erf((x - loc) / (scale √2))) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        """``loc + scale √2 erfinv(2p - 1)``."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """``1/2 + log(2π)/2 + log scale``."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
