"""``Distribution``: the interface every distribution implements (torch.distributions.Distribution).

Shapes follow torch: a distribution holds a batch of independent distributions (``batch_shape``), each over events
of ``event_shape``; ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape`` and
``log_prob(value)`` one log-density per event, ``value.shape[:-len(event_shape)]`` broadcast with ``batch_shape``.
"""

import warnings
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


class Distribution:
    """The base class. Subclasses set ``arg_constraints`` and ``support`` and implement what they can of
    ``rsample``/``sample``, ``log_prob``, ``entropy``, ``mean``, ``mode``, ``variance``, ``expand``.

    ``validate_args`` (default: ``Distribution.set_default_validate_args``, initially True) checks the parameters
    against ``arg_constraints`` at construction and the values given to ``log_prob`` against ``support``, raising
    torch's ``ValueError`` messages.

    >>> normal = minigrad.distributions.Normal(minigrad.tensor([0.0, 1.0]), 1.0)
    >>> isinstance(normal, minigrad.distributions.Distribution), normal.batch_shape
    (True, (2,))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints: "dict[str, Any]" = {}
    support: Any = None

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on (True) or off (False) for distributions built without ``validate_args``."""
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self):
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                continue  # the parameter was not given: it is derived from one that was checked
            value = getattr(self, param)
            if not constraint.check(value)._data.all():
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                    f"invalid values:\n{value}"
                )

    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def expand(self, batch_shape, _instance=None):
        """A new distribution with parameters expanded (as views) to ``batch_shape``; no data is copied."""
        raise NotImplementedError

    def _expanded(self, cls, batch_shape, _instance=None, **params):
        """The body of most ``expand``s: a new ``cls`` holding ``params`` (the parameters already expanded), the new
        ``batch_shape``, this event shape and this validation setting (the parameters were checked already)."""
        new = self._get_checked_instance(cls, _instance)
        new.__dict__.update(params)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        """A blank instance of ``cls`` for ``expand`` to fill (refusing a subclass whose __init__ differs)."""
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                f"__init__ method must also define a custom .expand() method."
            )
        return self.__new__(type(self)) if _instance is None else _instance

    @property
    def mean(self):
        """The mean ``E[x]``, shaped ``batch_shape + event_shape``."""
        raise NotImplementedError

    @property
    def mode(self):
        """The most probable value, shaped ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        """The variance ``E[(x - E[x])²]`` (elementwise), shaped ``batch_shape + event_shape``."""
        raise NotImplementedError

    @property
    def stddev(self):
        """``variance.sqrt()``."""
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside the graph (``rsample`` under no_grad
        unless overridden)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """Reparameterised draws: a differentiable function of the parameters and of parameter-free noise."""
        raise NotImplementedError

    def sample_n(self, n):
        """``sample((n,))`` (deprecated in torch)."""
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning, stacklevel=2)
        return self.sample((n,))

    def log_prob(self, value):
        """The log density (or log mass) of ``value``, shaped ``value``'s batch broadcast with ``batch_shape``."""
        raise NotImplementedError

    def cdf(self, value):
        """The cumulative distribution function ``P(x <= value)``."""
        raise NotImplementedError

    def icdf(self, value):
        """The inverse of ``cdf``."""
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """Every value of a discrete support, along a new leading dimension."""
        raise NotImplementedError

    def entropy(self):
        """The entropy ``-E[log p(x)]``, shaped ``batch_shape``."""
        raise NotImplementedError

    def perplexity(self):
        """``exp(entropy)``."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        """``sample_shape + batch_shape + event_shape``."""
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """Raise torch's ValueError unless ``value`` is a Tensor of broadcastable shape inside ``support``."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = value.ndim - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != self._event_shape:
            raise ValueError(
                f"The right-most size of value must match event_shape: {tuple(value.shape)} vs {self._event_shape}."
            )
        actual, expected = tuple(value.shape), self._batch_shape + self._event_shape
        if any(i != 1 and j != 1 and i != j for i, j in zip(reversed(actual), reversed(expected))):
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {actual} vs {expected}.")
        support = self.support
        if not np.all(support.check(value)._data):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {actual}) to be within the "
                f"support ({support!r}) of the distribution {self!r}, but found invalid values:\n"
                f"{value}"
            )

    def __repr__(self):
        params = [k for k in self.arg_constraints if k in self.__dict__]
        shown = (
            f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else tuple(self.__dict__[p].shape)}"
            for p in params
        )
        return f"{type(self).__name__}({', '.join(shown)})"
