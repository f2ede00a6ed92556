"""The categorical distribution over ``{0, ..., K-1}`` (torch.distributions.Categorical)."""

import numpy as np

from ..autograd.tensor import Tensor
from ..creation import arange, full
from ..ops.elementwise import clamp
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits, standard_uniform

__all__ = ["Categorical"]


class Categorical(Distribution):
    """Categorical(probs=p) or Categorical(logits=l) (exactly one), over the last dimension (size K).

    ``probs`` are normalised to sum to 1 (``p / p.sum(-1)``), ``logits`` to ``l - logsumexp(l, -1)``, so both
    hold the log-probabilities afterwards; batch shape is the parameter's shape without its last dimension.
    ``log_prob(k) = logits[..., k]``; samples are int64 indices with no gradient (REINFORCE: use ``log_prob``).

    >>> from minigrad.distributions import Categorical
    >>> Categorical(probs=minigrad.tensor([0.25, 0.75])).log_prob(minigrad.tensor(1)).exp()
    tensor(0.7500)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A Categorical with the given parameter expanded (a view) to ``batch_shape + (K,)``."""
        batch_shape = tuple(batch_shape)
        name = "probs" if self._param is self.__dict__.get("probs") else "logits"  # the one given, not a cached one
        param = self._param.expand(batch_shape + (self._num_events,))
        return self._expanded(
            Categorical, batch_shape, _instance, _param=param, _num_events=self._num_events, **{name: param}
        )

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """The integers ``0..K-1``."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        """``log p`` (probabilities clamped away from 0)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        """``softmax(logits, -1)``."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        """The shape of the parameter given (``batch_shape + (K,)``)."""
        return self._param.shape

    @property
    def mean(self):
        """Undefined for categories: NaN."""
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        """The most probable category, ``argmax_k p_k``."""
        return self.probs.argmax(-1)

    @property
    def variance(self):
        """Undefined for categories: NaN."""
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=()):
        """Inverse-CDF sampling: the first ``k`` with ``u < p_0 + ... + p_k`` for ``u ~ U[0, 1)``."""
        shape = self._extended_shape(sample_shape)
        cdf = np.cumsum(self.probs._data, axis=-1)
        # u scaled by the actual total, so rounding in the sum can never leave it past the last category
        u = standard_uniform(shape + (1,), self.probs.dtype)._data * cdf[..., -1:]
        index = (u >= cdf).sum(axis=-1)
        return Tensor._wrap(np.minimum(index, self._num_events - 1).astype(np.int64))

    def log_prob(self, value):
        """``logits[..., value]``, with ``value`` broadcast against the batch."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        shape = np.broadcast_shapes(value.shape[:-1], self.logits.shape[:-1])
        log_pmf = self.logits.expand(shape + (self._num_events,))
        return log_pmf.gather(-1, value.expand(shape + (1,))).squeeze(-1)

    def entropy(self):
        """``-Σ_k p_k log p_k`` (logits clamped to the dtype's finite minimum, so ``0 log 0 = 0``)."""
        logits = clamp(self.logits, float(np.finfo(self.logits._data.dtype).min), None)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        """``0..K-1`` shaped ``(K,) + (1,) * len(batch_shape)``, expanded to ``(K,) + batch_shape`` if ``expand``."""
        values = arange(self._num_events).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
