"""Random draws whose parameters may be tensors: ``normal`` (every torch call form) and ``bernoulli``.

torch does not reparameterise these: the result stays in the graph of its tensor parameters with a zero gradient
(``NormalBackward``, ``BernoulliBackward``), which is what ``Step`` gives (values computed here, zero derivative).
"""

import numpy as np

from .. import _device, _dtype
from .. import random as _random
from ..autograd.tensor import Tensor
from ._util import data_of
from .elementwise import Step

__all__ = ["bernoulli", "normal"]


def _float_parameter(value):
    """A tensor parameter's array (floating, as torch requires), or a Python number as a float."""
    if isinstance(value, Tensor):
        if value._data.dtype.kind != "f":
            raise NotImplementedError(
                f"\"normal_kernel_cpu\" not implemented for '{_dtype.torch_name(value._data.dtype)}'"
            )
        return value._data
    return float(value)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Draws from ``N(mean, std²)``, elementwise over the broadcast of tensor ``mean`` and ``std`` (either may be a
    number), or of shape ``size`` when both are numbers (``dtype`` then picks the float dtype). Gradient: zero for
    tensor parameters, as torch's (the draws are not reparameterised).

    >>> minigrad.normal(minigrad.zeros(2, 3), 1.0).shape
    (2, 3)
    >>> minigrad.normal(0.0, 1.0, (4,)).shape
    (4,)
    """
    _device.check(device)
    mean_value, std_value = _float_parameter(mean), _float_parameter(std)
    if np.any(np.asarray(std_value) < 0):
        raise RuntimeError(
            "normal expects all elements of std >= 0.0"
            if isinstance(std, Tensor)
            else f"normal expects std >= 0.0, but found std {std_value}"
        )
    draws = _random.generator(generator)
    tensors = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() missing required argument 'size' when mean and std are numbers")
        shape = tuple(int(n) for n in size)
        target = _dtype.as_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().numpy
        result = Tensor._wrap(draws.normal(mean_value, std_value, shape).astype(target))
        return result.requires_grad_(True) if requires_grad else result
    target = np.result_type(*(t._data for t in tensors))
    shape = np.broadcast_shapes(*(np.shape(v) for v in (mean_value, std_value)))
    values = draws.normal(mean_value, std_value, shape).astype(target)
    return Step.apply(*tensors, values=values)


def bernoulli(input, p=None, *, generator=None):  # noqa: A002 - torch's argument name
    """0/1 draws, 1 with probability ``input`` elementwise (or with probability ``p`` everywhere when given), in
    ``input``'s dtype. Gradient: zero, as torch's.

    >>> minigrad.bernoulli(minigrad.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    probability = np.asarray(data_of(input) if p is None else p, dtype=np.float64)
    if np.any((probability < 0) | (probability > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    draws = _random.generator(generator).random(input.shape) < probability
    return Step.apply(input, values=draws.astype(input._data.dtype))
