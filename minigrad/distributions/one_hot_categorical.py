"""The categorical distribution over one-hot vectors (torch.distributions.OneHotCategorical and its
straight-through variant)."""

import numpy as np

from ..autograd.tensor import Tensor
from ..creation import eye
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


def _one_hot(indices, num_classes, dtype):
    """``indices`` (int64) as one-hot vectors of ``num_classes`` along a new last dimension."""
    return Tensor._wrap(np.eye(num_classes, dtype=dtype)[indices._data])


class OneHotCategorical(Distribution):
    """OneHotCategorical(probs=p) or (logits=l): a ``Categorical`` whose outcome ``k`` is written as the one-hot
    vector ``e_k`` (event shape ``(K,)``). ``log_prob(e_k) = log p_k``; mean ``p``, variance ``p (1 - p)``.

    >>> from minigrad.distributions import OneHotCategorical
    >>> OneHotCategorical(probs=minigrad.tensor([0.0, 1.0])).sample()
    tensor([0., 1.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A OneHotCategorical over the categorical expanded to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        return self._expanded(
            OneHotCategorical, batch_shape, _instance, _categorical=self._categorical.expand(batch_shape)
        )

    @property
    def _param(self):
        return self._categorical._param

    @property
    def probs(self):
        """The underlying categorical's (normalised) probabilities."""
        return self._categorical.probs

    @property
    def logits(self):
        """The underlying categorical's normalised logits."""
        return self._categorical.logits

    @property
    def param_shape(self):
        """``batch_shape + (K,)``."""
        return self._categorical.param_shape

    @property
    def mean(self):
        """``p``."""
        return self._categorical.probs

    @property
    def mode(self):
        """The one-hot vector of the most probable category."""
        return _one_hot(self._categorical.mode, self._event_shape[-1], self.probs._data.dtype)

    @property
    def variance(self):
        """``p (1 - p)``."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=()):
        """One-hot vectors of categorical samples, in the probabilities' dtype (no gradient)."""
        return _one_hot(self._categorical.sample(sample_shape), self._event_shape[-1], self.probs._data.dtype)

    def log_prob(self, value):
        """``log p_k`` where ``value = e_k``."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self):
        """The underlying categorical's entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        """The K one-hot vectors, shaped ``(K,) + (1,) * len(batch_shape) + (K,)`` (expanded over the batch if
        ``expand``)."""
        n = self._event_shape[0]
        values = eye(n, dtype=self._param.dtype).view((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + self._batch_shape + (n,)) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """``OneHotCategorical`` with the straight-through gradient estimator (Bengio et al., 2013): ``rsample`` returns
    the one-hot sample in the forward pass and passes gradients to ``probs`` as if it were ``probs``
    (``sample + (probs - probs.detach())``).

    >>> probs = minigrad.tensor([0.2, 0.8], requires_grad=True)
    >>> sample = minigrad.distributions.OneHotCategoricalStraightThrough(probs).rsample()
    >>> sample.sum()  # one-hot
    tensor(1., grad_fn=<SumBackward>)
    >>> (sample * minigrad.tensor([1.0, 2.0])).sum().backward()
    >>> probs.grad  # as if the sample were probs
    tensor([-0.8000,  0.2000])
    """

    has_rsample = True

    def rsample(self, sample_shape=()):
        """The one-hot sample, with the gradient of ``probs`` (straight through)."""
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
