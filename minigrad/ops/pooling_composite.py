"""Pooling ops built on the pooling kernels' pieces: ``lp_pool1d/2d/3d`` (a power mean over ``avg_pool``) and
``max_unpool1d/2d/3d`` (the input written at max pooling's indices).

``lp_pool`` is ``(k · mean_window(x^p))^(1/p)`` = ``(Σ_window x^p)^(1/p)`` over unpadded windows, written as torch
writes it (``sign(s)·relu(|s|)`` keeps a zero sum's gradient at zero); ``p = ±inf`` is a max pooling of ``±|x|``.
Its gradients are the chain rule through those ops.

``max_unpool`` is ``out[p].flat[indices[p, k]] = x[p, k]`` on zeros of the output size (``MaxUnpool``), the
partial inverse of a max pooling; its gradient gathers the output gradient at the indices (``PlaneGather``), whose
own gradient scatters back (``PlaneScatter``), so every order of derivative follows.
"""

import math

import numpy as np

from .. import _dtype
from ..autograd import tracing
from ..autograd.function import Function
from .activation import relu
from .elementwise import sign
from .pooling import (
    PlaneGather,
    _tuple,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _lp_pool(x, norm_type, kernel_size, stride, ceil_mode, spatial, average, maximum):
    """The shared body of ``lp_pool1d``/``2d``/``3d`` (``average``/``maximum`` the pooling of that rank)."""
    if norm_type == math.inf:
        return maximum(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -maximum(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    taps = math.prod(_tuple(kernel_size, spatial, "kernel_size"))
    mean = average(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(mean) * relu(mean.abs())).mul(taps).pow(1.0 / norm_type)


@tracing.unit("lp_pool1d")
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002 - torch's argument name
    """Power-average pooling over ``(N, C, L)`` or ``(C, L)``: ``out = (Σ_window x^p)^(1/p)`` with ``p =
    norm_type`` over windows of ``kernel_size`` every ``stride`` (default ``kernel_size``) positions, no padding;
    ``p = inf`` is the max of ``|x|``. Gradient through the power mean (zero where the window sum is zero).

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> F.lp_pool1d(minigrad.tensor([[[3.0, 4.0, 1.0, 0.0]]]), 2, 2)
    tensor([[[5., 1.]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, avg_pool1d, max_pool1d)


@tracing.unit("lp_pool2d")
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """``lp_pool1d`` over the last two dims of ``(N, C, H, W)`` or ``(C, H, W)`` (ints or pairs).

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> F.lp_pool2d(minigrad.ones(1, 1, 4, 4), 2, 2)
    tensor([[[[2., 2.],
              [2., 2.]]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, avg_pool2d, max_pool2d)


@tracing.unit("lp_pool3d")
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """``lp_pool1d`` over the last three dims of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (ints or triples).

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> F.lp_pool3d(minigrad.ones(1, 1, 2, 2, 2), 1, 2)
    tensor([[[[[8.]]]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, avg_pool3d, max_pool3d)


class MaxUnpool(Function):
    """``out[p].flat[indices[p, k]] = x[p, k]`` on zeros of ``(planes, size)``, for ``x`` and ``indices``
    ``(planes, K)`` (a repeated index writes the same value: it comes from one input position). Gradient: the
    output gradient gathered at ``indices`` (``PlaneGather``)."""

    keeps_inputs = False

    def forward(self, x, *, indices, size):
        result = np.zeros((x.shape[0], size), dtype=x.dtype)
        np.put_along_axis(result, indices, x, axis=1)
        return result

    def backward(self, grad):
        return PlaneGather.apply(grad, indices=self.options["indices"])


def _unpool_size(x, kernel, stride, padding, output_size):
    """torch's output size: ``(n - 1) s + k - 2 p`` per spatial dim, or ``output_size`` (its spatial sizes, or
    with the batch and channel dims) when it lies strictly within ``stride`` of that."""
    spatial = len(kernel)
    default = [(n - 1) * s + k - 2 * p for n, k, s, p in zip(x.shape[-spatial:], kernel, stride, padding)]
    if output_size is None:
        return tuple(default)
    if len(output_size) == spatial + 2:
        output_size = output_size[2:]
    if len(output_size) != spatial:
        raise ValueError(
            f"output_size should be a sequence containing {spatial} or {spatial + 2} elements, but it has a "
            f"length of '{len(output_size)}'"
        )
    for d, (size, s) in enumerate(zip(default, stride)):
        if not size - s < output_size[d] < size + s:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {size - s} and {size + s})')
    return tuple(int(v) for v in output_size)


def _max_unpool(x, indices, kernel_size, stride, padding, output_size, spatial, name):
    """The shared body of ``max_unpool1d``/``2d``/``3d``: torch's checks (a 1-D unpool reported as the 2-D one
    it runs as, with a trailing unit dim), then ``MaxUnpool`` on the ``(planes, K)`` views."""
    kernel = _tuple(kernel_size, spatial, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, spatial, "stride")
    size = _unpool_size(x, kernel, stride, _tuple(padding, spatial, "padding"), output_size)
    shown, lift = (2, (1,)) if spatial == 1 else (spatial, ())
    if indices._data.dtype != np.int64:
        raise RuntimeError(
            f"elements in indices should be type int64 but got: {_dtype.torch_name(indices._data.dtype)}"
        )
    if x.ndim + len(lift) not in (shown + 1, shown + 2):
        raise RuntimeError(
            f"Input to max_unpooling{shown}d should be a {shown + 1}d or {shown + 2}d Tensor, but got a tensor "
            f"with {x.ndim + len(lift)} dimensions."
        )
    if indices.shape != x.shape:
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(x.shape + lift)}) but got "
            f"indices tensor with shape: {list(indices.shape + lift)}"
        )
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.torch_name(x._data.dtype)}'")
    volume = math.prod(size)
    flat = np.ascontiguousarray(indices._data).reshape(-1, math.prod(x.shape[-spatial:]))
    bad = (flat < 0) | (flat >= volume)
    if bad.any():
        raise RuntimeError(
            f"Found an invalid max index: {flat.flat[np.argmax(bad)]} (output volumes are of size "
            f"{'x'.join(map(str, size + lift))})"
        )
    lead = tuple(x.shape[: x.ndim - spatial])
    out = MaxUnpool.apply(x.reshape(flat.shape), indices=flat, size=volume)
    return out.reshape(lead + size)


@tracing.unit("max_unpool1d")
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """The partial inverse of ``max_pool1d``: zeros of length ``(L - 1) s + k - 2 p`` (or ``output_size``) with
    ``input``'s values at ``indices`` (from ``max_pool1d(..., return_indices=True)``). Gradient: the output
    gradient at ``indices``.

    >>> values, indices = F.max_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
    >>> F.max_unpool1d(values, indices, 2)
    tensor([[[0., 3., 2., 0.]]])
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool2d")


@tracing.unit("max_unpool2d")
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """``max_unpool1d`` for ``(N, C, H, W)`` or ``(C, H, W)``: indices are flat ``h·W_out + w`` positions.

    Gradient: the output gradient at ``indices``.

    >>> values, indices = F.max_pool2d(minigrad.arange(4.0).reshape(1, 1, 2, 2), 2, return_indices=True)
    >>> F.max_unpool2d(values, indices, 2)
    tensor([[[[0., 0.],
              [0., 3.]]]])
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


@tracing.unit("max_unpool3d")
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """``max_unpool1d`` for ``(N, C, D, H, W)`` or ``(C, D, H, W)``: indices are flat ``(d·H_out + h)·W_out + w``
    positions.

    Gradient: the output gradient at ``indices``.

    >>> values, indices = F.max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(values, indices, 2).shape
    (1, 1, 2, 2, 2)
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")
