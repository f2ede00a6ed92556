"""Normalisations built from the core ones: ``instance_norm``, ``rms_norm`` and ``local_response_norm``.

* ``instance_norm``: batch norm of ``(N, C, *)`` read as ``(1, N·C, *)``, so each sample's channel is standardised
  over its own spatial dims; the weight, bias and running statistics are repeated over the batch for that one call
  and the running statistics averaged back over the batch afterwards (torch's definition);
* ``rms_norm``: ``y = x / √(mean(x²) + eps) · w`` over the last ``len(normalized_shape)`` dims (no centring);
* ``local_response_norm``: ``y_c = x_c / (k + α/n · Σ_{c' ∈ window(c)} x_{c'}²)^β`` with a window of ``n = size``
  channels (``size // 2`` before and ``(size - 1) // 2`` after, zero beyond the edges).

All three are compositions of differentiable ops, so their backward and double backward are those ops' own.
"""

import math

import numpy as np

from ...autograd import tracing
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...ops.normalization import batch_norm
from ...ops.padding import pad

__all__ = ["instance_norm", "rms_norm", "local_response_norm"]


def _repeated(value, times):
    return None if value is None else value.repeat(times)


@tracing.unit("instance_norm")
def instance_norm(
    input,  # noqa: A002 - torch's argument names
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
):
    """Standardise each ``(n, c)`` plane of ``(N, C, *)`` over its spatial dims with its own statistics
    (``use_input_stats``) or with the running ones, then ``·weight_c + bias_c``. With running buffers and
    ``use_input_stats``, they move towards the batch's per-plane statistics averaged over N, by ``momentum``.

    Gradient: per ``(n, c)`` plane, with ``x̂`` the standardised input and ``ĝ = g · weight_c``, ``(ĝ - mean ĝ - x̂ ·
    mean(ĝ x̂)) / σ`` to ``x``; ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> F.instance_norm(minigrad.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size torch.Size({list(input.shape)})"
        )
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    batch, channels = input.shape[:2]
    stats = [None if v is None else Tensor._wrap(np.tile(v._data, batch)) for v in (running_mean, running_var)]
    out = batch_norm(
        input.reshape(1, batch * channels, *input.shape[2:]),
        stats[0],
        stats[1],
        _repeated(weight, batch),
        _repeated(bias, batch),
        use_input_stats,
        momentum,
        eps,
    )
    with no_grad():
        for buffer, tiled in zip((running_mean, running_var), stats):
            if buffer is not None:
                buffer.copy_(Tensor._wrap(tiled._data.reshape(batch, channels).mean(0).astype(buffer._data.dtype)))
    return out.reshape(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """``x / √(mean(x²) + eps) · weight`` over the last ``len(normalized_shape)`` dims; ``eps=None`` is the machine
    epsilon of the input's dtype (torch's rule). Gradient: that of the composition.

    >>> F.rms_norm(minigrad.tensor([[3.0, 4.0]]), (2,))
    tensor([[0.8485, 1.1314]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got "
            "normalized_shape = []"
        )
    if len(shape) > input.ndim or input.shape[input.ndim - len(shape) :] != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*{', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    if weight is not None and weight.shape != shape:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input / ((input * input).mean(dims, keepdim=True) + eps).sqrt()
    return out if weight is None else out * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """``x_c / (k + α/size · Σ x_{c'}²)^β``, the sum over ``size`` neighbouring channels (dim 1) of ``(N, C, *)``;
    see the module docstring.

    Gradient: with ``d_c = k + α/size · Σ x_{c'}²``, ``g_c d_c^(-β) - (2αβ/size) x_c Σ_{c'} g_{c'} x_{c'}
    d_{c'}^(-β-1)``, the sum over the channels whose window holds ``c``.

    >>> F.local_response_norm(minigrad.ones(1, 3, 1), 2)
    tensor([[[1.0000],
             [0.9999],
             [0.9999]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality                          input (got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = input * input
    padding = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = pad(squares, padding)
    window = padded.narrow(1, 0, channels)
    for shift in range(1, size):  # a loop over the window's width, not over positions
        window = window + padded.narrow(1, shift, channels)
    return input / ((window * (alpha / size)) + k).pow(beta)
