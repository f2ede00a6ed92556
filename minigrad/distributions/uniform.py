"""The continuous uniform distribution on ``[low, high)`` (torch.distributions.Uniform)."""

from numbers import Number

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, standard_uniform

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform(low, high): density ``1 / (high - low)`` on ``[low, high)``; ``rsample`` is ``low + u (high - low)``
    with ``u ~ U[0, 1)``, differentiable in both bounds.

    >>> from minigrad.distributions import Uniform
    >>> Uniform(0.0, 4.0).mean
    tensor(2.)
    """

    has_rsample = True

    @property
    def arg_constraints(self):
        """``low < high`` elementwise (each bound constrained by the other)."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        batch_shape = () if isinstance(low, Number) and isinstance(high, Number) else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A Uniform with ``low`` and ``high`` expanded (views) to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        return self._expanded(
            Uniform, batch_shape, _instance, low=self.low.expand(batch_shape), high=self.high.expand(batch_shape)
        )

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """``[low, high]``."""
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        """``(low + high) / 2``."""
        return (self.high + self.low) / 2

    @property
    def mode(self):
        """Undefined (every point is a mode): NaN, as torch."""
        return self.high * float("nan")

    @property
    def stddev(self):
        """``(high - low) / √12``."""
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self):
        """``(high - low)² / 12``."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        """``low + u (high - low)``, ``u ~ U[0, 1)``: differentiable in both bounds."""
        shape = self._extended_shape(sample_shape)
        return self.low + standard_uniform(shape, self.low.dtype) * (self.high - self.low)

    def log_prob(self, value):
        """``log 1[low <= x < high] - log(high - low)`` (``-inf`` outside)."""
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value).type_as(self.low) * (self.high > value).type_as(self.low)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        """``clamp((x - low) / (high - low), 0, 1)``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        """``low + p (high - low)``."""
        return value * (self.high - self.low) + self.low

    def entropy(self):
        """``log(high - low)``."""
        return (self.high - self.low).log()
