"""``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d``: learnable convolutions with torch's arguments,
parameters and init."""

import math
from typing import Callable, Optional

import numpy as np

from ... import _dtype
from .. import functional as F
from .. import init
from ..functional.conv_transpose import transposed_size
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    """An int repeated ``n`` times, or a sequence as a tuple (torch's ``_pair``/``_triple``)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    """The shared body of ``Conv1d``/``2d``/``3d`` (``_dims`` spatial dims, ``_function`` the functional form).

    ``weight`` is ``(out_channels, in_channels / groups, *kernel_size)``, ``bias`` ``(out_channels,)``; both drawn
    like torch's: ``weight ~ kaiming_uniform_(a=√5)`` = ``U(-1/√fan_in, 1/√fan_in)`` and ``bias ~ U(-1/√fan_in,
    1/√fan_in)`` with ``fan_in = in_channels / groups · prod(kernel_size)``. A ``padding_mode`` other than 'zeros'
    pads with ``F.pad`` first and convolves without padding.
    """

    _dims = 0
    _function: Optional[Callable] = None
    _transposed = False

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        if device is not None and not str(device).startswith("cpu"):
            raise RuntimeError(f"minigrad runs on the CPU only; got device {device!r}")
        kernel_size, stride, dilation = (_ntuple(v, self._dims) for v in (kernel_size, stride, dilation))
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, self._dims)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = self._transposed, (0,) * self._dims
        self.groups, self.padding_mode = groups, padding_mode
        self._reversed_padding_repeated_twice = self._padding_for_pad()
        np_dtype = _dtype.as_numpy_dtype(dtype) if dtype is not None else np.dtype(np.float32)
        channels = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty(channels + kernel_size, dtype=np_dtype))
        self.register_parameter("bias", Parameter(np.empty((out_channels,), dtype=np_dtype)) if bias else None)
        self.reset_parameters()

    def _padding_for_pad(self):
        """``F.pad``'s (left, right, ...) amounts from the last dim backwards ('same' puts the odd unit after)."""
        if self.padding == "valid":
            return [0, 0] * self._dims
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            return [amount for t in reversed(totals) for amount in (t // 2, t - t // 2)]
        return [p for p in reversed(self.padding) for _ in range(2)]

    def reset_parameters(self):
        """Draw ``weight`` and ``bias`` again from the initial distributions above (an empty fan-in gives a zero
        bias, as torch's bound 0)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in = math.prod(self.weight.shape[1:])
        if self.bias is not None:
            init.uniform_(self.bias, -(fan_in**-0.5), fan_in**-0.5) if fan_in else init.zeros_(self.bias)

    def _conv_forward(self, input, weight, bias):  # noqa: A002 - torch's argument name
        conv = type(self)._function
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) inputs: ``y = conv1d(x, weight, bias)``, output
    ``(N, C_out, L_out)``; see ``_ConvNd`` for the parameters and ``F.conv1d`` for the formula and gradients.

    Gradient: ``g`` convolved back with ``weight`` (the transposed convolution) to ``input``, ``g`` correlated with
    ``input`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.Conv1d(3, 8, kernel_size=5, stride=2)(minigrad.zeros(2, 3, 21)).shape
    (2, 8, 9)
    """

    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) inputs, output ``(N, C_out, H_out, W_out)``;
    see ``_ConvNd`` and ``F.conv2d``.

    Gradient: ``g`` convolved back with ``weight`` (the transposed convolution) to ``input``, ``g`` correlated with
    ``input`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.Conv2d(3, 8, kernel_size=3, padding=1)(minigrad.zeros(2, 3, 16, 16)).shape
    (2, 8, 16, 16)
    """

    _dims = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, C_in, D, H, W)`` (or unbatched) inputs; see ``_ConvNd`` and ``F.conv3d``.

    Gradient: ``g`` convolved back with ``weight`` (the transposed convolution) to ``input``, ``g`` correlated with
    ``input`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.Conv3d(1, 2, kernel_size=3)(minigrad.zeros(1, 1, 5, 5, 5)).shape
    (1, 2, 3, 3, 3)
    """

    _dims = 3
    _function = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """The shared body of ``ConvTranspose1d``/``2d``/``3d``, with torch's argument order (``output_padding`` and
    ``groups`` before ``dilation``). ``weight`` is ``(in_channels, out_channels / groups, *kernel_size)``, drawn
    as ``_ConvNd``'s with ``fan_in = out_channels / groups · prod(kernel_size)`` (torch reads the fan-in from the
    weight's dim 1). Only zero padding; ``forward(input, output_size)`` picks the ``output_padding`` that gives
    the requested size."""

    _transposed = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__} supports no string padding, got padding={padding!r}")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, dtype
        )
        self.output_padding = _ntuple(output_padding, self._dims)

    def _output_padding(self, input, output_size):  # noqa: A002 - torch's argument name
        """``self.output_padding``, or the one giving ``output_size`` (spatial sizes, or with the batch and channel
        dims), which must lie within ``stride - 1`` of the smallest output (torch's ValueErrors otherwise)."""
        if output_size is None:
            return self.output_padding
        dims = self._dims
        leading = 2 if input.ndim == dims + 2 else 1
        if len(output_size) == leading + dims:
            output_size = output_size[leading:]
        if len(output_size) != dims:
            raise ValueError(
                f"ConvTranspose{dims}D: for {input.ndim}D input, output_size must have {dims} or "
                f"{leading + dims} elements (got {len(output_size)})"
            )
        smallest = [
            transposed_size(n, k, s, p, d)
            for n, k, s, p, d in zip(input.shape[leading:], self.kernel_size, self.stride, self.padding, self.dilation)
        ]
        largest = [size + s - 1 for size, s in zip(smallest, self.stride)]
        if any(not lo <= size <= hi for size, lo, hi in zip(output_size, smallest, largest)):
            raise ValueError(
                f"requested an output size of {output_size}, but valid sizes range from {smallest} to {largest} "
                f"(for an input of torch.Size({list(input.shape[2:])}))"
            )
        return tuple(size - lo for size, lo in zip(output_size, smallest))

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = self._output_padding(input, output_size)
        conv = type(self)._function
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) inputs, output ``(N, C_out, L_out)``
    with ``L_out = (L - 1) s - 2 p + d (k - 1) + output_padding + 1``; see ``_ConvTransposeNd`` and
    ``F.conv_transpose1d``.

    Gradient: the convolution of ``g`` with ``weight`` to ``input`` (this op is that convolution's adjoint), ``input``
    correlated with ``g`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.ConvTranspose1d(2, 4, kernel_size=3, stride=2)(minigrad.zeros(1, 2, 5)).shape
    (1, 4, 11)
    """

    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over ``(N, C_in, H, W)`` (or unbatched) inputs; see ``_ConvTransposeNd`` and
    ``F.conv_transpose2d``.

    Gradient: the convolution of ``g`` with ``weight`` to ``input`` (this op is that convolution's adjoint), ``input``
    correlated with ``g`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.ConvTranspose2d(2, 4, kernel_size=2, stride=2)(minigrad.zeros(1, 2, 3, 3)).shape
    (1, 4, 6, 6)
    """

    _dims = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over ``(N, C_in, D, H, W)`` (or unbatched) inputs; see ``_ConvTransposeNd`` and
    ``F.conv_transpose3d``.

    Gradient: the convolution of ``g`` with ``weight`` to ``input`` (this op is that convolution's adjoint), ``input``
    correlated with ``g`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> nn.ConvTranspose3d(1, 2, kernel_size=2)(minigrad.zeros(1, 1, 2, 2, 2)).shape
    (1, 2, 3, 3, 3)
    """

    _dims = 3
    _function = staticmethod(F.conv_transpose3d)
