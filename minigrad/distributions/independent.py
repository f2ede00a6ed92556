"""``Independent``: reinterpret batch dimensions of a distribution as event dimensions
(torch.distributions.Independent)."""

from typing import Any

from . import constraints
from .distribution import Distribution
from .utils import sum_rightmost

__all__ = ["Independent"]


class Independent(Distribution):
    """Independent(base_distribution, reinterpreted_batch_ndims): the rightmost ``reinterpreted_batch_ndims`` batch
    dimensions of the base become event dimensions, so ``log_prob`` and ``entropy`` sum over them.

    E.g. ``Independent(Normal(loc, scale), 1)`` with ``loc`` of shape ``(B, D)`` is a diagonal Gaussian with batch
    shape ``(B,)`` and event shape ``(D,)``.

    >>> from minigrad.distributions import Independent, Normal
    >>> d = Independent(Normal(minigrad.zeros(3), minigrad.ones(3)), 1)
    >>> d.batch_shape, d.event_shape
    ((), (3,))
    """

    arg_constraints: "dict[str, Any]" = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual "
                f"{reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}"
            )
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, reinterpreted_batch_ndims
        super().__init__(shape[: len(shape) - event_dim], shape[len(shape) - event_dim :], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """An Independent over the base expanded to ``batch_shape`` plus the reinterpreted dimensions."""
        batch_shape = tuple(batch_shape)
        base = self.base_dist.expand(batch_shape + self._event_shape[: self.reinterpreted_batch_ndims])
        return self._expanded(
            Independent,
            batch_shape,
            _instance,
            base_dist=base,
            reinterpreted_batch_ndims=self.reinterpreted_batch_ndims,
        )

    @property
    def has_rsample(self):
        """The base's."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self):
        """Only when no dimension is reinterpreted (no cartesian products)."""
        return False if self.reinterpreted_batch_ndims > 0 else self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        """The base's support with the reinterpreted dimensions folded into its event."""
        support = self.base_dist.support
        n = self.reinterpreted_batch_ndims
        return constraints.independent(support, n) if n else support

    @property
    def mean(self):
        """The base's."""
        return self.base_dist.mean

    @property
    def mode(self):
        """The base's."""
        return self.base_dist.mode

    @property
    def variance(self):
        """The base's."""
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        """The base's samples (the shapes already agree)."""
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        """The base's reparameterised samples."""
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        """The base's log-probability summed over the reinterpreted dimensions."""
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        """The base's entropy summed over the reinterpreted dimensions."""
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand=True):
        """The base's, when no dimension is reinterpreted."""
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"{type(self).__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
