"""Weight initialisation, with torch.nn.init's names, formulas and fan conventions.

Every function fills its tensor in place (without recording for autograd) from ``minigrad.random``'s generator,
or from ``generator`` when given, and returns it. Fans follow torch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in · prod(kernel)`` and ``fan_out = out · prod(kernel)``.

>>> w = kaiming_uniform_(minigrad.empty(16, 20), a=math.sqrt(5))   # what nn.Linear does: U(-1/√20, 1/√20)
"""

import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..random import generator as _numpy_generator

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 for linear/sigmoid, 5/3 for tanh, √2 for relu,
    √(2 / (1 + slope²)) for leaky_relu (``param`` is the slope, default 0.01), 3/4 for selu.

    >>> nn.init.calculate_gain('relu')
    1.4142135623730951
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``; needs at least 2 dims."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples from U(a, b).

    >>> w = nn.init.uniform_(minigrad.empty(100), -0.1, 0.1)
    >>> bool(w.abs().max() <= 0.1)
    True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples from N(mean, std²).

    >>> nn.init.normal_(minigrad.empty(2, 3), std=0.02).shape
    (2, 3)
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with samples from N(mean, std²) conditioned on ``[a, b]`` (out-of-range draws are redrawn).

    >>> w = nn.init.trunc_normal_(minigrad.empty(1000), std=1.0, a=-2.0, b=2.0)
    >>> bool(w.abs().max() <= 2.0)
    True
    """
    rng = _numpy_generator(generator)
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    with no_grad():
        return tensor.copy_(values)


def constant_(tensor, val):
    """Fill with the constant ``val``.

    >>> nn.init.constant_(minigrad.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill ``tensor`` with ones in place (outside autograd); returns it.

    >>> nn.init.ones_(minigrad.empty(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill ``tensor`` with zeros in place (outside autograd); returns it.

    >>> nn.init.zeros_(minigrad.empty(2))
    tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal of a rectangle).

    >>> nn.init.eye_(minigrad.empty(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with ``a = gain · √(6 / (fan_in + fan_out))``.

    >>> nn.init.xavier_uniform_(minigrad.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std²) with ``std = gain · √(2 / (fan_in + fan_out))``.

    >>> nn.init.xavier_normal_(minigrad.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b) with ``b = √3 · gain(nonlinearity, a) / √fan`` (fan chosen by ``mode``).

    >>> nn.init.kaiming_uniform_(minigrad.empty(3, 5), nonlinearity='relu').shape
    (3, 5)
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std²) with ``std = gain(nonlinearity, a) / √fan`` (fan chosen by ``mode``).

    >>> nn.init.kaiming_normal_(minigrad.empty(3, 5)).shape
    (3, 5)
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (trailing dims flattened),
    scaled by ``gain``; rows are orthonormal when there are fewer rows than columns, columns otherwise.

    >>> w = nn.init.orthogonal_(minigrad.empty(3, 3))
    >>> bool(minigrad.allclose(w @ w.t(), minigrad.eye(3), atol=1e-5))
    True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = _numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))  # makes the decomposition unique, so q is uniformly distributed
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_((q * gain).reshape(tensor.shape))
