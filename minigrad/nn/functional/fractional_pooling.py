"""Fractional max pooling (Graham 2014): ``fractional_max_pool2d`` and ``fractional_max_pool3d``.

Each plane's windows (of a fixed ``kernel_size``) start at pseudo-random offsets, one sequence per spatial axis
drawn from a sample ``u ∈ [0, 1)``: with ``α = (in - k) / (out - 1)``, window ``i`` starts at ``⌊(i + u) α⌋ -
⌊u α⌋`` and the last at ``in - k`` (torch's sequence, computed in the input's dtype as torch does, so a given
``_random_samples`` picks torch's windows). The argmax of each window (the first maximum, a NaN winning) is found in
NumPy; the output is ``gather`` at those positions, so the gradient (a scatter-add back) is ``gather``'s, of any order.
"""

import numpy as np

from ...creation import rand
from ...ops._util import wrap


def _intervals(samples, size, out, kernel):
    """``(N, C, out)`` window starts along one axis for ``samples (N, C)``."""
    starts = np.empty(samples.shape + (out,), np.int64)
    if out > 1:
        alpha = samples.dtype.type(size - kernel) / samples.dtype.type(out - 1)
        steps = np.arange(out - 1, dtype=samples.dtype)
        # truncated toward zero (C's cast), as torch, which matters for samples outside [0, 1)
        starts[..., :-1] = ((steps + samples[..., None]) * alpha).astype(np.int64) - (samples * alpha).astype(np.int64)[
            ..., None
        ]
    if out > 0:
        starts[..., -1] = size - kernel
    return starts


def _tuple(value, dims):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims


def _fractional_max_pool(name, input, kernel_size, output_size, output_ratio, return_indices, samples, dims):  # noqa: A002
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: {list(input.shape)}")
    batched = input.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    spatial = x.shape[2:]
    kernel = _tuple(kernel_size, dims)
    if output_size is None:
        output_size = [int(size * ratio) for size, ratio in zip(spatial, _tuple(output_ratio, dims))]
    output_size = _tuple(output_size, dims)
    axis_names = ("height", "width") if dims == 2 else ("time", "height", "width")
    for axis, (size, out, k) in enumerate(zip(spatial, output_size, kernel)):
        if out + k - 1 > size:
            raise RuntimeError(
                f"{name}(): pool {axis_names[axis]} {k} too large relative to input {axis_names[axis]} {size}"
            )
    n, c = x.shape[:2]
    if samples is None:
        samples = rand(n, c, dims, dtype=x.dtype)
    if samples.shape[2:] != (dims,) or samples.shape[:2] != (n, c):
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {dims}; got {samples.shape[-1]}.")
    # torch's samples list W, H for 2-D and T, H, W for 3-D
    order = (1, 0) if dims == 2 else (0, 1, 2)
    starts = [
        _intervals(samples._data[..., order[axis]], size, out, k)
        for axis, (size, out, k) in enumerate(zip(spatial, output_size, kernel))
    ]
    # taps[axis]: (N, C, out_axis, k_axis) input coordinates, laid out for broadcasting over every axis
    flat = np.zeros((n, c) + tuple(output_size) + tuple(kernel), np.int64)
    for axis in range(dims):
        taps = starts[axis][..., None] + np.arange(kernel[axis])
        shape = [n, c] + [1] * (2 * dims)
        shape[2 + axis], shape[2 + dims + axis] = output_size[axis], kernel[axis]
        flat = flat * spatial[axis] + taps.reshape(shape)
    flat = flat.reshape(n, c, int(np.prod(output_size)), int(np.prod(kernel)))
    planes = x._data.reshape(n, c, int(np.prod(spatial)))  # (an empty batch has no -1 to infer)
    values = np.take_along_axis(planes, flat.reshape(n, c, flat.shape[2] * flat.shape[3]), -1).reshape(flat.shape)
    winner = np.take_along_axis(flat, values.argmax(-1)[..., None], -1)[..., 0]  # argmax: first max or first NaN
    output = x.reshape(n, c, int(np.prod(spatial))).gather(-1, wrap(winner)).reshape(n, c, *output_size)
    indices = wrap(winner.reshape(output.shape))
    if not batched:
        output, indices = output.squeeze(0), indices.squeeze(0)
    return (output, indices) if return_indices else output


def fractional_max_pool2d(
    input,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices=False,
    _random_samples=None,  # noqa: A002
):
    """Fractional max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``): ``kernel_size`` windows at pseudo-random
    starts (from ``_random_samples (N, C, 2)`` in ``[0, 1)``, drawn when None), giving ``output_size`` or
    ``⌊(H, W) · output_ratio⌋``. ``return_indices`` also returns the argmax positions (int64, flat ``h·W + w``).
    Gradient: ``g`` scattered back to each window's maximum.

    >>> F.fractional_max_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), 2, output_size=2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _fractional_max_pool(
        "fractional_max_pool2d", input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2
    )


def fractional_max_pool3d(
    input,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices=False,
    _random_samples=None,  # noqa: A002
):
    """Fractional max pooling over ``(N, C, T, H, W)`` (or ``(C, T, H, W)``), as ``fractional_max_pool2d`` with
    ``_random_samples (N, C, 3)``; indices are flat ``(t·H + h)·W + w``. Gradient: ``g`` to each window's maximum.

    >>> F.fractional_max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 1, output_size=1).shape
    (1, 1, 1, 1, 1)
    """
    return _fractional_max_pool(
        "fractional_max_pool3d", input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3
    )
