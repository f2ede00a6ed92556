"""Convolution as im2col + GEMM: ``Unfold``/``Fold`` (an adjoint pair) and the fused ``Conv``.

A ``Window`` describes the sliding windows over the last 1, 2 or 3 dims of an ``(N, C, *spatial)`` array: per
spatial dim a kernel size ``k``, stride ``t``, leading zero padding ``p``, dilation ``d``, the input size ``n`` and
the output size ``o`` (so padding may be asymmetric, as 'same' with an even kernel needs). Output position ``j``
reads input positions ``j t - p + i d`` for ``i < k``.

``Unfold`` gathers every window into a column, ``(N, C, *spatial) -> (N, C K, L)`` with ``K = prod(k)``,
``L = prod(o)``; ``Fold`` adds columns back onto the positions they were read from. Each is the other's adjoint, so
each one's backward is the other Function and derivatives of any order need no further formula. The compiled
loops are in ``minigrad/_kernels/im2col.pyx``.

``Conv`` is ``y[n, o] = Σ_c Σ_i W[o, c, i] x[n, c, window i of position j] + b[o]`` per group: one node whose
forward builds the ``(C K, N L)`` column matrix once and multiplies it by the ``(O, C K / groups)`` weight of each
group. Its first-order backward is three array products, ``dW = g colsᵀ``, ``d cols = Wᵀ g`` (then ``col2im``)
and ``db = Σ g``; the column matrix lives on the node from the forward to that backward and goes with the node.
Its ``composite`` (``Unfold``, a matmul, a reshape) is the definition: the tests' oracle and, differentiated, the
double backward.
"""
from collections import namedtuple

import numpy as np

from .._kernels import im2col as _kernel
from .._threads import get_num_threads
from ..autograd.function import Function

__all__ = ["Window", "Unfold", "Fold", "Conv"]


class Window(namedtuple("Window", "kernel stride padding dilation in_size out_size")):
    """Sliding-window geometry over the trailing spatial dims: six tuples of ints, one entry per spatial dim
    (``padding`` is the zero padding before each dim; the output size fixes the padding after it)."""

    __slots__ = ()

    @property
    def taps(self):
        """``K``: the number of positions in one window."""
        return int(np.prod(self.kernel, dtype=np.int64))

    @property
    def positions(self):
        """``L``: the number of windows (output positions) per image."""
        return int(np.prod(self.out_size, dtype=np.int64))

    def kernel_arguments(self):
        """(kernel, stride, padding, dilation, out_size) lifted to the kernels' three spatial dims."""
        lead = 3 - len(self.kernel)
        return tuple((fill,) * lead + tuple(value) for fill, value in
                     ((1, self.kernel), (1, self.stride), (0, self.padding), (1, self.dilation), (1, self.out_size)))


def _as_volumes(array, window):
    """``(N, C, *spatial)`` seen as ``(N, C, D, H, W)`` (size-1 leading spatial dims), C-contiguous."""
    lead = (1,) * (3 - len(window.in_size))
    return np.ascontiguousarray(array).reshape(array.shape[:2] + lead + tuple(window.in_size))


def im2col(x, window, cols):
    """Write the windows of ``x (N, C, *spatial)`` into ``cols``, a ``(C K, N, L)`` array (or a view of one with
    its last axis contiguous)."""
    _kernel.im2col(_as_volumes(x, window), cols, *window.kernel_arguments(), get_num_threads())
    return cols


def col2im(cols, shape, window):
    """The ``(N, C, *spatial)`` array of ``shape`` onto which every entry of ``cols (C K, N, L)`` is added back."""
    result = np.empty(shape, dtype=cols.dtype)
    if cols.strides[2] != cols.itemsize:
        cols = np.ascontiguousarray(cols)
    _kernel.col2im(cols, _as_volumes(result, window), *window.kernel_arguments(), get_num_threads())
    return result


class Unfold(Function):
    """``cols[n, c K + i, j] = x[n, c, window i of position j]`` (zero in the padding): ``(N, C, *spatial) ->
    (N, C K, L)``. Gradient: ``Fold`` of ``g`` (each column entry goes back where it was read)."""

    keeps_inputs = False

    def forward(self, x, *, window):
        n, c = x.shape[:2]
        result = np.empty((n, c * window.taps, window.positions), dtype=x.dtype)
        im2col(x, window, result.transpose(1, 0, 2))
        return result

    def backward(self, grad):
        return Fold.apply(grad, **self.options)


class Fold(Function):
    """``x[n, c, p] = Σ cols[n, c K + i, j]`` over the (window i, position j) pairs that read input position ``p``:
    ``(N, C K, L) -> (N, C, *spatial)``, the adjoint of ``Unfold``. Gradient: ``Unfold`` of ``g``."""

    keeps_inputs = False

    def forward(self, cols, *, window):
        n, rows = cols.shape[:2]
        return col2im(cols.transpose(1, 0, 2), (n, rows // window.taps) + tuple(window.in_size), window)

    def backward(self, grad):
        return Unfold.apply(grad, **self.options)


class Conv(Function):
    """N-d convolution (cross-correlation, as torch's) of ``x (N, C, *spatial)`` with ``weight (O, C / groups,
    *kernel)`` and an optional ``bias (O,)``, over ``window``; see the module docstring for the formulas."""

    def forward(self, x, weight, bias, *, window, groups):
        n, c = x.shape[:2]
        out_channels, positions = weight.shape[0], window.positions
        cols = im2col(x, window, np.empty((c * window.taps, n, positions), dtype=x.dtype))
        product = np.matmul(weight.reshape(groups, out_channels // groups, -1),
                            cols.reshape(groups, -1, n * positions))
        by_image = product.reshape(out_channels, n, positions).transpose(1, 0, 2)
        result = np.empty((n, out_channels, positions), dtype=x.dtype)
        if bias is None:
            np.copyto(result, by_image)
        else:
            np.add(by_image, bias[:, None], out=result)
        if self.needs_input_grad[1]:
            self.cols = cols
        return result.reshape((n, out_channels) + tuple(window.out_size))

    def backward_arrays(self, grad):
        x, weight = self.inputs[0]._data, self.inputs[1]._data
        need_x, need_w, need_b = self.needs_input_grad
        groups, window = self.options["groups"], self.options["window"]
        n, out_channels = grad.shape[:2]
        # (O, N L): the gradient with the image axis inside, the layout the column matrix has
        by_channel = np.ascontiguousarray(grad.reshape(n, out_channels, -1).transpose(1, 0, 2))
        by_group = by_channel.reshape(groups, out_channels // groups, -1)
        grad_x = grad_w = grad_b = None
        if need_w:
            cols = self.cols.reshape(groups, -1, by_group.shape[2])
            grad_w = np.matmul(by_group, cols.transpose(0, 2, 1)).reshape(weight.shape)
        if need_x:
            grad_cols = np.matmul(weight.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1), by_group)
            grad_x = col2im(grad_cols.reshape(-1, n, window.positions), x.shape, window)
        if need_b:
            grad_b = by_channel.reshape(out_channels, -1).sum(1)
        return grad_x, grad_w, grad_b

    def composite(self, x, weight, bias, *, window, groups):
        n, out_channels = x.shape[0], weight.shape[0]
        cols = Unfold.apply(x, window=window).reshape(n, groups, -1, window.positions)
        product = weight.reshape(groups, out_channels // groups, -1).matmul(cols)  # (N, G, O / G, L)
        result = product.reshape((n, out_channels) + tuple(window.out_size))
        if bias is None:
            return result
        return result + bias.reshape((out_channels,) + (1,) * len(window.out_size))
