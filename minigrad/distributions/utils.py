"""Helpers shared by the distributions (torch.distributions.utils): broadcasting parameters, probs <-> logits,
lazily computed attributes, and the random draws every ``sample`` starts from."""

from numbers import Number

import numpy as np

from .. import _dtype, random
from ..autograd.tensor import Tensor
from ..ops.activation import sigmoid, softmax
from ..ops.elementwise import clamp, log, log1p
from ..ops.shape import broadcast_to

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
    "standard_normal",
    "standard_uniform",
    "sum_rightmost",
]


def broadcast_all(*values):
    """The ``values`` (Tensors or numbers) as Tensors broadcast to one shape (views: gradients flow back).

    Numbers take the dtype of the first Tensor among ``values``, or the default float dtype if there is none.
    """
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
            "implementing __torch_function__."
        )
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None else _dtype.get_default_dtype()
    tensors = [v if isinstance(v, Tensor) else Tensor._new(v, dtype) for v in values]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(broadcast_to(t, shape) for t in tensors)


def clamp_probs(probs):
    """``probs`` clamped to ``[eps, 1 - eps]`` (eps of its dtype), so their logs stay finite."""
    eps = float(np.finfo(probs._data.dtype).eps)
    return clamp(probs, eps, 1 - eps)


def probs_to_logits(probs, is_binary=False):
    """``log p`` (categorical) or ``log p - log(1 - p)`` (binary), from clamped probabilities."""
    clamped = clamp_probs(probs)
    return log(clamped) - log1p(-clamped) if is_binary else log(clamped)


def logits_to_probs(logits, is_binary=False):
    """``sigmoid(logits)`` (binary) or ``softmax(logits, -1)`` (categorical)."""
    return sigmoid(logits) if is_binary else softmax(logits, dim=-1)


def sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dimensions (unchanged if ``dim == 0``)."""
    return value.sum(tuple(range(-dim, 0))) if dim else value


class lazy_property:  # noqa: N801 - torch's name
    """An attribute computed on first access and then stored on the instance (``probs`` from ``logits``, say).

    On the class it stays visible, so validation can tell a parameter that was not given from one that was.
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def standard_normal(shape, dtype):
    """A Tensor of N(0, 1) draws from minigrad's generator (``manual_seed`` makes it reproducible)."""
    return Tensor._wrap(random.generator().standard_normal(shape).astype(_dtype.as_numpy_dtype(dtype)))


def standard_uniform(shape, dtype):
    """A Tensor of U[0, 1) draws from minigrad's generator."""
    return Tensor._wrap(random.generator().random(shape).astype(_dtype.as_numpy_dtype(dtype)))
