"""The Bernoulli distribution over {0, 1} (torch.distributions.Bernoulli)."""

from numbers import Number

from ..creation import arange
from ..ops.activation import softplus
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, standard_uniform

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    """Bernoulli(probs=p) or Bernoulli(logits=l) (exactly one), ``p = sigmoid(l)``: ``P(1) = p``, ``P(0) = 1 - p``.

    ``log_prob(x) = x l - softplus(l)`` (torch's ``-binary_cross_entropy_with_logits(l, x)``); samples are floats in
    {0, 1} of the parameter's dtype and carry no gradient (use ``log_prob`` for REINFORCE).

    >>> from minigrad.distributions import Bernoulli
    >>> Bernoulli(probs=minigrad.tensor(0.25)).mean
    tensor(0.2500)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        (self._param,) = broadcast_all(given)
        setattr(self, "probs" if probs is not None else "logits", self._param)
        super().__init__(() if isinstance(given, Number) else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A Bernoulli with the given parameter expanded (a view) to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        name = "probs" if self._param is self.__dict__.get("probs") else "logits"  # the one given, not a cached one
        param = self._param.expand(batch_shape)
        return self._expanded(Bernoulli, batch_shape, _instance, _param=param, **{name: param})

    @lazy_property
    def logits(self):
        """``log p - log(1 - p)``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """``sigmoid(logits)``."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of the parameter given (``batch_shape``)."""
        return self._param.shape

    @property
    def mean(self):
        """``p``."""
        return self.probs

    @property
    def mode(self):
        """1 where ``p > 1/2``, 0 where ``p < 1/2``, NaN at a tie."""
        mode = (self.probs >= 0.5).type_as(self.probs)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self):
        """``p (1 - p)``."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        """``1[u < p]`` for ``u ~ U[0, 1)``, as floats of the parameter's dtype (no gradient)."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach().expand(shape)
        return (standard_uniform(shape, probs.dtype) < probs).type_as(probs)

    def log_prob(self, value):
        """``x l - softplus(l)``: ``log p`` at 1, ``log(1 - p)`` at 0."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - softplus(logits)

    def entropy(self):
        """``softplus(l) - p l`` (``-p log p - (1 - p) log(1 - p)``)."""
        return softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand=True):
        """``[0, 1]`` shaped ``(2,) + (1,) * len(batch_shape)``, expanded to ``(2,) + batch_shape`` if ``expand``."""
        values = arange(2, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
