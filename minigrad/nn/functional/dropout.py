"""The dropouts with torch.nn.functional's signatures: the functionals that draw random numbers.

Every one is ``y = x·scale + shift`` with a random mask ``m ~ Bernoulli(1 - p)`` drawn from ``minigrad.random``:

* ``dropout``: ``scale = m / (1 - p)``, ``shift = 0``, one mask value per element;
* ``dropout1d/2d/3d`` (torch's feature dropout): the same with one mask value per channel ``(N, C, 1, ...)``, so
  whole feature maps are zeroed;
* ``alpha_dropout`` / ``feature_alpha_dropout`` (for SELU networks): dropped values become SELU's negative
  saturation ``-α'`` (``α' = 1.7581``) and everything is then affinely corrected to keep mean 0 and variance 1:
  ``a = 1/√((α'² p + 1)(1 - p))``, ``scale = a·m``, ``shift = a·α'·(p - (1 - m))``.

Gradient ``g·scale`` (the same mask). Each is the identity when not ``training``, for ``p = 0`` and on empty inputs;
``p = 1`` gives ``x·0`` (NaN and inf inputs stay NaN, as in torch). ``inplace=True`` writes the result into the
input, recorded as torch records it.
"""

import math

import numpy as np

from ...ops import inplace as _inplace
from ...ops._util import wrap
from ...random import generator as _numpy_generator

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_SATURATION = 1.7580993408473766  # -min selu(x) = SELU scale · SELU alpha


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _bernoulli(shape, p):
    """A fresh boolean mask of ``shape``: True with probability ``1 - p``. The uniforms are float32 draws (half
    the bits of float64 ones, and cheaper to make and compare; their 2⁻²⁴ resolution is far below any p's
    meaning)."""
    return _numpy_generator().random(shape, dtype=np.float32) < 1.0 - p


def dropout_factors(shape, p, dtype):
    """What ``dropout`` multiplies by (``p < 1``): 0 with probability ``p``, else ``1 / (1 - p)``; the same draws
    as ``dropout`` of an input of ``shape`` (fused kernels that drop out inside take these). The factors are made
    from the mask in one pass (no 0/1 array of ``dtype`` divided afterwards)."""
    return np.multiply(_bernoulli(shape, p), dtype.type(1.0) / dtype.type(1.0 - p), dtype=dtype)


def _masked(x, p, mask_shape, alpha):
    """``x·scale + shift`` with a fresh Bernoulli(1 - p) mask of ``mask_shape`` (broadcast against ``x``)."""
    if p == 1.0:
        return x * 0.0
    dtype = x._data.dtype
    if not alpha:
        return x * wrap(dropout_factors(mask_shape, p, dtype))
    keep = _bernoulli(mask_shape, p).astype(dtype)
    a = 1.0 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
    shift = ((keep - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p).astype(dtype)
    return x * wrap(keep * dtype.type(a)) + wrap(shift)


def _dropout(x, p, training, inplace, *, feature, alpha):
    """The shared body: validation, the identity cases, then ``_masked`` per element or per channel."""
    _check_p(p)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if feature:
        if x.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)
    else:
        mask_shape = x.shape
    if inplace:
        return _inplace.apply_inplace(x, _masked, p, mask_shape, alpha)
    return _masked(x, p, mask_shape, alpha)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002 - torch's argument name
    """Zero each element with probability ``p`` and scale the survivors by ``1 / (1 - p)``, so the expected
    value is unchanged; the identity when not ``training`` (or ``p = 0``).

    Shapes: any. Gradient: the same mask, ``g · m / (1 - p)``. The mask is drawn from ``minigrad.random``.

    >>> _ = minigrad.manual_seed(0); dropout(minigrad.ones(4), p=0.5)
    tensor([0., 0., 0., 2.])
    """
    return _dropout(input, p, training, inplace, feature=False, alpha=False)


def _channelwise(input, p, training, inplace, batched_ndim):  # noqa: A002
    """Feature dropout of a batched ``(N, C, *)`` input, or of an unbatched one (one dim less) as a batch of 1."""
    if input.ndim == batched_ndim - 1:
        return _dropout(input.unsqueeze(0), p, training, False, feature=True, alpha=False).squeeze(0)
    return _dropout(input, p, training, inplace, feature=True, alpha=False)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p``, survivors scaled by
    ``1 / (1 - p)``.

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(F.dropout1d(minigrad.ones(2, 8, 3), 0.5).flatten().tolist()) <= {0.0, 2.0}
    True
    """
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs)."
        )
    return _channelwise(input, p, training, inplace, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p``, survivors scaled by ``1 / (1 - p)``. As in
    torch, a 3-D input is read as ``(N, C, L)`` (channel-wise 1-D dropout), not as an unbatched image.

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(F.dropout2d(minigrad.ones(2, 8, 3, 3), 0.5).flatten().tolist()) <= {0.0, 2.0}
    True
    """
    return _dropout(input, p, training, inplace, feature=True, alpha=False)


def dropout3d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` with probability ``p``, survivors scaled by
    ``1 / (1 - p)``.

    Gradient: ``g / (1 - p)`` on the kept channels, 0 on the dropped ones (``g`` itself when not training).

    >>> set(F.dropout3d(minigrad.ones(2, 8, 2, 2, 2), 0.5).flatten().tolist()) <= {0.0, 2.0}
    True
    """
    _check_p(p)
    return _channelwise(input, p, training, inplace, 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Alpha dropout per element (keeps SELU activations at mean 0, variance 1); see the module docstring.

    Gradient: ``a · g`` where kept and 0 where dropped, ``a`` the scale that restores the variance (``g`` itself when
    not training).

    >>> F.alpha_dropout(minigrad.tensor([1.0, 2.0]), 0.5, training=False)
    tensor([1., 2.])
    """
    return _dropout(input, p, training, inplace, feature=False, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Alpha dropout of whole channels of ``(N, C, *)``; see the module docstring.

    Gradient: ``a · g`` where kept and 0 where dropped, ``a`` the scale that restores the variance (``g`` itself when
    not training).

    >>> F.feature_alpha_dropout(minigrad.ones(2, 3, 4), 0.5).shape
    (2, 3, 4)
    """
    return _dropout(input, p, training, inplace, feature=True, alpha=True)
