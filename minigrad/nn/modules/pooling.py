"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``, ``AdaptiveMaxPool1d/2d/3d``,
``MaxUnpool1d/2d/3d``, ``LPPool1d/2d/3d``.

Each stores torch's constructor arguments under torch's attribute names and calls the ``nn.functional`` op of
the same name (see ``minigrad.ops.pooling`` for the window formulas and gradients). None has parameters.
"""

from typing import Callable, Optional

from .. import functional as F
from .module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
]


class _MaxPoolNd(Module):
    """Shared constructor and forward of the max-pooling layers (``stride`` defaults to ``kernel_size``;
    ``_function`` is the functional form)."""

    _function: Optional[Callable] = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input):  # noqa: A002 - torch's argument name
        return type(self)._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """``F.max_pool1d`` over ``(N, C, L)`` or ``(C, L)``; ``return_indices`` also returns the argmax positions.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.MaxPool1d(2)(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[3., 2.]]])
    """

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """``F.max_pool2d`` over ``(N, C, H, W)`` or ``(C, H, W)``; ``return_indices`` also returns the argmax
    positions (flat ``h·W + w``).

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.MaxPool2d(2)(minigrad.zeros(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _function = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """``F.max_pool3d`` over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; ``return_indices`` also returns the argmax
    positions (flat ``(d·H + h)·W + w``).

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.MaxPool3d(2)(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2))
    tensor([[[[[7.]]]]])
    """

    _function = staticmethod(F.max_pool3d)


class _AvgPoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _ntuple(value, n):
    """An int repeated ``n`` times, or a sequence as a tuple (torch's ``_single``/``_pair``/``_triple``)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _single(value):
    return _ntuple(value, 1)


class AvgPool1d(_AvgPoolNd):
    """``F.avg_pool1d`` over ``(N, C, L)`` or ``(C, L)``; the sizes are kept as 1-tuples, as torch keeps them.

    Gradient: each window's ``g`` divided by its divisor and spread over the window (overlapping windows add).

    >>> nn.AvgPool1d(2)(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[2., 1.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class _AvgPoolWithDivisor(_AvgPoolNd):
    """Shared constructor and forward of ``AvgPool2d``/``3d`` (``_function`` is the functional form)."""

    _function: Optional[Callable] = None

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):  # noqa: A002
        return type(self)._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool2d(_AvgPoolWithDivisor):
    """``F.avg_pool2d`` over ``(N, C, H, W)`` or ``(C, H, W)`` (``divisor_override`` replaces every divisor).

    Gradient: each window's ``g`` divided by its divisor and spread over the window (overlapping windows add).

    >>> nn.AvgPool2d(2)(minigrad.ones(1, 1, 4, 4)).shape
    (1, 1, 2, 2)
    """

    _function = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolWithDivisor):
    """``F.avg_pool3d`` over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (same arguments as ``AvgPool2d``).

    Gradient: each window's ``g`` divided by its divisor and spread over the window (overlapping windows add).

    >>> nn.AvgPool3d(2)(minigrad.ones(1, 1, 4, 4, 4)).shape
    (1, 1, 2, 2, 2)
    """

    _function = staticmethod(F.avg_pool3d)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """``F.adaptive_avg_pool1d``: the mean over ``output_size`` windows covering the length.

    Gradient: each window's ``g`` divided by its size and spread over the window (overlapping windows add).

    >>> nn.AdaptiveAvgPool1d(2)(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[2., 1.]]])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """``F.adaptive_avg_pool2d``: the mean over an ``output_size`` grid of windows (None keeps that dim).

    Gradient: each window's ``g`` divided by its size and spread over the window (overlapping windows add).

    >>> nn.AdaptiveAvgPool2d((1, 1))(minigrad.ones(2, 3, 5, 7)).shape
    (2, 3, 1, 1)
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """``F.adaptive_avg_pool3d``: the mean over an ``output_size`` grid of (D, H, W) windows (None keeps that dim).

    Gradient: each window's ``g`` divided by its size and spread over the window (overlapping windows add).

    >>> nn.AdaptiveAvgPool3d((2, 1, 3))(minigrad.ones(1, 2, 4, 5, 6)).shape
    (1, 2, 2, 1, 3)
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """``F.adaptive_max_pool1d``: the max over ``output_size`` windows covering the length.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.AdaptiveMaxPool1d(2)(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[3., 2.]]])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """``F.adaptive_max_pool2d``: the max over an ``output_size`` grid of windows.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.AdaptiveMaxPool2d(2)(minigrad.zeros(1, 3, 5, 5)).shape
    (1, 3, 2, 2)
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """``F.adaptive_max_pool3d``: the max over an ``output_size`` grid of (D, H, W) windows.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> nn.AdaptiveMaxPool3d(1)(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2))
    tensor([[[[[7.]]]]])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _MaxUnpoolNd(Module):
    """Shared body of ``MaxUnpool1d``/``2d``/``3d``: sizes kept as ``_dims``-tuples as torch keeps them (``stride``
    defaults to ``kernel_size``); ``forward(input, indices, output_size=None)``."""

    _dims = 0
    _function: Optional[Callable] = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._dims)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._dims)
        self.padding = _ntuple(padding, self._dims)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return type(self)._function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``F.max_unpool1d``: the partial inverse of ``MaxPool1d`` from its values and indices.

    Gradient: the output gradient at ``indices``.

    >>> values, indices = nn.MaxPool1d(2, return_indices=True)(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    >>> nn.MaxUnpool1d(2)(values, indices)
    tensor([[[0., 3., 2., 0.]]])
    """

    _dims = 1
    _function = staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """``F.max_unpool2d``: the partial inverse of ``MaxPool2d`` from its values and indices.

    Gradient: the output gradient at ``indices``.

    >>> values, indices = nn.MaxPool2d(2, return_indices=True)(minigrad.arange(4.0).reshape(1, 1, 2, 2))
    >>> nn.MaxUnpool2d(2)(values, indices)
    tensor([[[[0., 0.],
              [0., 3.]]]])
    """

    _dims = 2
    _function = staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """``F.max_unpool3d``: the partial inverse of ``MaxPool3d`` from its values and indices.

    Gradient: the output gradient at ``indices``.

    >>> values, indices = nn.MaxPool3d(2, return_indices=True)(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2))
    >>> nn.MaxUnpool3d(2)(values, indices).shape
    (1, 1, 2, 2, 2)
    """

    _dims = 3
    _function = staticmethod(F.max_unpool3d)


class _LPPoolNd(Module):
    """Shared body of ``LPPool1d``/``2d``/``3d``: torch's arguments kept as given."""

    _function: Optional[Callable] = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self)._function(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """``F.lp_pool1d``: ``(Σ_window x^p)^(1/p)`` over windows of the length.

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> nn.LPPool1d(2, 2)(minigrad.tensor([[[3.0, 4.0, 1.0, 0.0]]]))
    tensor([[[5., 1.]]])
    """

    _function = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """``F.lp_pool2d``: ``(Σ_window x^p)^(1/p)`` over (H, W) windows.

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> nn.LPPool2d(2, 2)(minigrad.ones(1, 1, 4, 4)).shape
    (1, 1, 2, 2)
    """

    _function = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """``F.lp_pool3d``: ``(Σ_window x^p)^(1/p)`` over (D, H, W) windows.

    Gradient: ``g x^(p-1) / out^(p-1)`` at each position of the window.

    >>> nn.LPPool3d(1, 2)(minigrad.ones(1, 1, 2, 2, 2))
    tensor([[[[[8.]]]]])
    """

    _function = staticmethod(F.lp_pool3d)
