"""``Tensor.unfold(dimension, size, step)``: every window of ``size`` entries along a dim, as a view.

The windows are a strided view (the window dim steps ``step`` entries, the new last dim one entry), so they share
``x``'s memory as torch's do. The gradient adds each window's gradient back onto the entries it covers: windows
overlap when ``step < size``, so that is a sum over the ``size`` window offsets, and its adjoint is ``unfold``
again, which makes the pair twice differentiable.
"""

import numpy as np

from ..autograd.function import Function
from .shape import Index, Reshape, normalize_dim

__all__ = ["unfold"]


def _window_count(length, size, step):
    return (length - size) // step + 1


class Unfold(Function):
    """The windows of ``x`` along ``dim`` (a view): shape ``x.shape`` with ``dim`` of length ``(n - size) // step
    + 1`` and a new last dim of length ``size``. Gradient: ``UnfoldBackward``."""

    keeps_inputs = False
    is_view = True

    def forward(self, x, *, dim, size, step):
        self.in_shape = x.shape
        shape = list(x.shape)
        shape[dim] = _window_count(x.shape[dim], size, step)
        strides = list(x.strides)
        strides[dim] *= step
        # overlapping windows are read-only, so an in-place write refuses them as torch does
        writeable = x.flags.writeable and step >= size
        return np.lib.stride_tricks.as_strided(x, (*shape, size), (*strides, x.strides[dim]), writeable=writeable)

    def backward(self, grad):
        return UnfoldBackward.apply(grad, shape=self.in_shape, **self.options)


class UnfoldBackward(Function):
    """Windows' gradients summed onto the entries of a tensor of ``shape`` they came from: the adjoint of
    ``Unfold``, whose gradient is ``Unfold`` of ``g``."""

    keeps_inputs = False

    def forward(self, grad, *, shape, dim, size, step):
        result = np.zeros(shape, dtype=grad.dtype)
        count = grad.shape[dim]
        moved = np.moveaxis(grad, -1, 0)  # offset within the window first
        for offset in range(size):  # windows overlap when step < size: add one offset at a time
            covered = [slice(None)] * len(shape)
            covered[dim] = slice(offset, offset + step * (count - 1) + 1, step)
            result[tuple(covered)] += moved[offset]
        return result

    def backward(self, grad):
        options = dict(self.options)
        del options["shape"]
        return Unfold.apply(grad, **options)


def unfold(x, dimension, size, step):
    """Every slice of ``size`` entries of ``x`` along ``dimension``, starting ``step`` entries apart, as a view:
    the shape is ``x.shape`` with ``dimension`` of length ``(x.shape[dimension] - size) // step + 1`` and a new
    last dim of length ``size`` (a 0-d ``x`` counts as one entry). Writes to the view reach ``x``.

    Gradient: each window's ``g`` added back onto the entries it covers (summed where windows overlap).

    >>> minigrad.arange(7).unfold(0, 3, 2)
    tensor([[0, 1, 2],
            [2, 3, 4],
            [4, 5, 6]])
    """
    axis = normalize_dim(dimension, x.ndim)
    size, step = int(size), int(step)
    length = x.shape[axis] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:  # torch's one window of a 0-d tensor: its value, or nothing for size 0
        return Index.apply(Reshape.apply(x, shape=(1,)), index=(slice(0, size),), advanced=False)
    return Unfold.apply(x, dim=axis, size=size, step=step)
