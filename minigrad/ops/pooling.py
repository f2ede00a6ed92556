"""Pooling: max, average and adaptive pooling over the last one, two or three dims, on the compiled window kernels.

Every pooling reads windows of an input plane (one image and channel): the functions here turn torch's arguments
(kernel size, stride, padding, dilation, ceil mode, or an adaptive output size) into the clipped window bounds
of each output depth, row and column (``_Windows``), and the kernels in ``minigrad._kernels.pooling`` do the rest. The
ops come in adjoint pairs, so a backward is the other op of its pair and double backward needs no formula:

* max pooling is a gather of the input at the window maxima (``PlaneGather``, whose values the max kernel has
  already computed); its backward scatters the gradient back to those positions (``PlaneScatter``), and the
  scatter's backward gathers again;
* average pooling is a linear map ``WindowMean``: scaled window sums; its backward ``WindowMeanAdjoint`` adds each
  scaled gradient to its window, and that one's backward is ``WindowMean`` again.

Layout: an input ``(N, C, D, H, W)`` (or unbatched ``(C, D, H, W)``; 2-D pooling run as ``D = 1``, 1-D pooling as
``D = H = 1``) is viewed as ``(planes, D, H, W)`` with ``planes = N·C``. Indices (``return_indices``) are flat
positions ``(d·H + h)·W + w`` inside the unpadded input plane, as in torch.
"""

import functools
import math

import numpy as np

from .. import _dtype
from .._kernels import pooling as _kernel
from .._threads import get_num_threads
from ..autograd import tracing
from ..autograd.function import Function
from ..autograd.tensor import Tensor

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]


class _Windows:
    """The windows of one pooling of the last ``spatial`` dims of a ``shape`` input, along the three lifted
    spatial axes (depth, rows, columns): ``axes`` holds per axis ``(start, stop, step)``, output ``i`` reading
    inputs ``start[i]``, ``+ step``, ... below ``stop[i]``; for average pooling, each output's ``scale``
    (1 / divisor). Built once per geometry (the builders below are cached), so its arrays are read-only and
    everything the ops ask for is computed here:

    * ``sizes``: the input's (D, H, W); ``out_shape``: the outputs per lifted axis; ``pooled``: the output's
      shape (the input's leading dims, then the pooled spatial dims);
    * ``bounds``: start and stop of each axis (the sum kernels' arguments); ``strided_bounds``: start, stop and
      step (the max kernel's);
    * ``tiled``: every input lies in exactly one window (the sum kernel's backward then writes each input once
      instead of zeroing and adding)."""

    def __init__(self, axes, shape, spatial, scale=None):
        self.axes = tuple(axes)
        for array in (value for axis in self.axes for value in axis[:2]):
            array.flags.writeable = False
        self.scale = scale
        if scale is not None:
            scale.flags.writeable = False
        self.sizes = _lift(shape, spatial)
        self.out_shape = tuple(len(start) for start, _, _ in self.axes)
        self.pooled = tuple(shape[: len(shape) - spatial]) + self.out_shape[3 - spatial :]
        self.bounds = tuple(value for start, stop, _ in self.axes for value in (start, stop))
        self.strided_bounds = tuple(value for axis in self.axes for value in axis)
        self.tiled = all(
            len(start) and start[0] == 0 and stop[-1] == size and np.array_equal(start[1:], stop[:-1])
            for (start, stop, _), size in zip(self.axes, self.sizes)
        )

    def planes(self, array):
        """A C-contiguous ``array`` (whatever its leading dims) as ``(planes, D, H, W)``."""
        return array.reshape((-1,) + self.sizes)


def _strided_axis(size, kernel, stride, padding, dilation, ceil_mode):
    """Output length and, per output, the first in-range tap, the stop (exclusive) and the tap step: window ``i``
    covers ``i·stride - padding + k·dilation`` for ``k < kernel``, clipped to ``[0, size)``."""
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:  # the last window must start inside the (left-padded) input
        out -= 1
    start = np.arange(max(out, 0), dtype=np.int64) * stride - padding
    first = start + (np.maximum(-start, 0) + dilation - 1) // dilation * dilation
    return out, (first, np.minimum(start + span, size), dilation), start


def _adaptive_axis(size, out):
    """Output ``i`` pools ``[floor(i·size/out), ceil((i+1)·size/out))``."""
    i = np.arange(out, dtype=np.int64)
    return i * size // out, -((-(i + 1) * size) // out), 1


def _lift(shape, spatial):
    """The last ``spatial`` sizes of ``shape`` as three (size-1 leading dims)."""
    return (1,) * (3 - spatial) + tuple(shape[len(shape) - spatial :])


class PlaneGather(Function):
    """``out[p, k] = x[p].flat[indices[p, k]]`` for ``indices`` ``(planes, *out)`` and ``x`` holding ``planes``
    planes (``(planes, *spatial)``, or ``(N, C, *spatial)`` with ``N·C = planes``: the gradient then comes in
    ``x``'s own shape, an array a leaf's ``.grad`` takes without a copy). The max-pooling kernels pass the
    gathered ``values`` they already have, in the output's shape (any shape of as many elements as
    ``indices``); otherwise the output is ``indices``-shaped. Gradient: ``PlaneScatter``."""

    keeps_inputs = False

    def forward(self, x, *, indices, values=None):
        self.in_shape = x.shape
        if values is not None:
            return values
        if indices.shape[0] == 0:  # (a reshape to (0, -1) is ambiguous)
            return np.empty(indices.shape, x.dtype)
        planes = x.reshape(indices.shape[0], -1)
        return np.take_along_axis(planes, indices.reshape(indices.shape[0], -1), axis=1).reshape(indices.shape)

    def backward(self, grad):
        return PlaneScatter.apply(grad, indices=self.options["indices"], shape=self.in_shape)


class PlaneScatter(Function):
    """Zeros of ``shape`` (``planes = indices.shape[0]`` planes) with ``grad[p, k]`` added at
    ``[p].flat[indices[p, k]]``: the adjoint of ``PlaneGather`` (max pooling's backward, and max unpooling).
    Gradient: ``PlaneGather``."""

    keeps_inputs = False

    def forward(self, grad, *, indices, shape):
        self.grad_shape = grad.shape
        planes = indices.shape[0]
        result = np.empty(shape, dtype=grad.dtype)  # returned as allocated: it owns its memory
        if planes == 0:  # (a reshape to (0, -1) is ambiguous)
            return result
        _kernel.scatter_to_planes(
            np.ascontiguousarray(grad).reshape(planes, -1),
            np.ascontiguousarray(indices).reshape(planes, -1),
            result.reshape(planes, -1),
            get_num_threads(),
        )
        return result

    def backward(self, grad):
        return PlaneGather.apply(grad, indices=self.options["indices"]).reshape(self.grad_shape)


class WindowMean(Function):
    """``out[p, i, j] = scale[i, j] · Σ_{(h, w) in window (i, j)} x[p, h, w]`` on the ``(planes, D, H, W)`` view
    of ``x`` (any leading dims): average pooling, adaptive or not; the output is ``windows.pooled``-shaped.
    Gradient: ``WindowMeanAdjoint`` (the transpose of this linear map), in ``x``'s shape."""

    keeps_inputs = False

    def forward(self, x, *, windows):
        self.in_shape = x.shape
        out = np.empty(windows.pooled, dtype=x.dtype)
        _kernel.window_sum_forward(
            windows.planes(np.ascontiguousarray(x)),
            *windows.bounds,
            windows.scale,
            out.reshape((-1,) + windows.out_shape),
            get_num_threads(),
        )
        return out

    def backward(self, grad):
        return WindowMeanAdjoint.apply(grad, windows=self.options["windows"], shape=self.in_shape)


class WindowMeanAdjoint(Function):
    """``grad_x[p, h, w] = Σ over the windows (i, j) holding (h, w) of scale[i, j] · grad[p, i, j]``, of ``shape``
    (any leading dims, viewed as planes). Gradient: ``WindowMean``."""

    keeps_inputs = False

    def forward(self, grad, *, windows, shape):
        result = np.empty(shape, dtype=grad.dtype)  # returned as allocated: it owns its memory
        _kernel.window_sum_backward(
            np.ascontiguousarray(grad).reshape((-1,) + windows.out_shape),
            *windows.bounds,
            windows.scale,
            windows.tiled,
            windows.planes(result),
            get_num_threads(),
        )
        return result

    def backward(self, grad):
        return WindowMean.apply(grad, windows=self.options["windows"])


# ------------------------------------------------------------------------------------------- argument checks
def _tuple(value, n, name):
    """An int or an n-sequence of ints as an n-tuple (torch accepts both)."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) == 1:
        values = values * n
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
    return tuple(int(v) for v in values)


# torch's CPU max_pool2d/3d take integer tensors too; its other poolings (max_pool1d without indices, average and
# adaptive pooling) refuse them
_INTEGER_POOLING = frozenset({"max_pool2d", "max_pool3d"})
_INT64_POOLING = frozenset({"avg_pool1d", "avg_pool2d", "avg_pool3d"})  # torch's CPU averages int64, no other ints


def _check_input(x, spatial, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.ndim not in (spatial + 1, spatial + 2) or any(n == 0 for n in x.shape[-spatial - 1 :]):
        dims = f"{spatial + 1}D or {spatial + 2}D"
        raise RuntimeError(
            f"{name}(): non-empty {dims} (batch mode) tensor expected for input, but got {list(x.shape)}"
        )
    if (
        x._data.dtype.kind != "f"
        and not (x._data.dtype.kind in "iu" and name in _INTEGER_POOLING)
        and not (x._data.dtype == np.int64 and name in _INT64_POOLING)
    ):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.torch_name(x._data.dtype)}'")


def _geometry(spatial, kernel_size, stride, padding, dilation):
    """kernel, stride, padding, dilation as ``spatial``-tuples, checked as torch checks them."""
    kernel = _tuple(kernel_size, spatial, "kernel_size")
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _tuple(stride, spatial, "stride")
    )
    padding, dilation = _tuple(padding, spatial, "padding"), _tuple(dilation, spatial, "dilation")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={list(kernel)}")
    if min(stride) <= 0:
        raise RuntimeError(
            "stride should not be zero"
            if min(stride) == 0
            else f"stride should be greater than zero, but got stride={list(stride)}"
        )
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(dilation)}")
    if min(padding) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    return kernel, stride, padding, dilation


def _strided_windows(shape, spatial, kernel, stride, padding, dilation, ceil_mode):
    """Depth, row and column windows (the lifted dims: one window over the whole size 1) and their unclipped
    starts; torch's error when an output size is not positive (its message shows at least two dims)."""
    sizes = _lift(shape, spatial)
    lifted = ((1, 1, 0, 1),) * (3 - spatial) + tuple(zip(kernel, stride, padding, dilation))
    axes = [_strided_axis(n, *args, ceil_mode) for n, args in zip(sizes, lifted)]
    outs = [a[0] for a in axes]
    if min(outs) <= 0:
        planes, shown = shape[-spatial - 1], -max(spatial, 2)
        raise RuntimeError(
            f"Given input size: ({planes}x{'x'.join(map(str, sizes[shown:]))}). Calculated output size: "
            f"({planes}x{'x'.join(map(str, outs[shown:]))}). Output size is too small"
        )
    return axes


# ------------------------------------------------------------------------------------------------ functions
def _max_pool(x, spatial, name, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input(x, spatial, name)
    kernel, stride, padding, dilation = _geometry(spatial, kernel_size, stride, padding, dilation)
    windows = _max_windows(x.shape, spatial, kernel, stride, padding, dilation, ceil_mode)
    return _max_over(x, spatial, windows, return_indices)


@functools.lru_cache(maxsize=256)
def _max_windows(shape, spatial, kernel, stride, padding, dilation, ceil_mode):
    axes = _strided_windows(shape, spatial, kernel, stride, padding, dilation, ceil_mode)
    return _Windows((axis for _, axis, _ in axes), shape, spatial)


def _max_over(x, spatial, windows, return_indices):
    """The window maxima (and their flat indices) of ``x``'s planes, as one differentiable gather."""
    planes = windows.planes(np.ascontiguousarray(x._data))
    integer = planes.dtype.kind in "iu"
    keys = _ordered_floats(planes) if integer else planes  # the float kernel finds an integer input's maxima
    values = np.empty(windows.pooled, dtype=keys.dtype)
    indices = np.empty(windows.pooled, dtype=np.int64)
    lifted = (planes.shape[0],) + windows.out_shape  # the kernel's view of both
    _kernel.window_max_forward(
        keys, *windows.strided_bounds, values.reshape(lifted), indices.reshape(lifted), get_num_threads()
    )
    flat_indices = indices.reshape(planes.shape[0], math.prod(windows.out_shape))
    if integer:  # the maxima themselves, exactly, from the integer planes
        values = np.take_along_axis(planes.reshape(planes.shape[0], -1), flat_indices, axis=1)
        values = values.reshape(windows.pooled)
    out = PlaneGather.apply(x, indices=flat_indices, values=values)
    return (out, Tensor._wrap(indices)) if return_indices else out


def _ordered_floats(array):
    """float64 keys in the same order as the integers of ``array``, equal where they are equal: the values
    themselves when float64 holds them exactly (any int32, an int64 within ±2⁵³), else their ranks."""
    if array.dtype.itemsize < 8 or array.size == 0 or max(-int(array.min()), int(array.max())) <= 2**53:
        return array.astype(np.float64)
    return np.unique(array, return_inverse=True)[1].reshape(array.shape).astype(np.float64)


@tracing.unit("max_pool1d")
def max_pool1d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,  # noqa: A002
    return_indices=False,
):
    """Max over windows of ``kernel_size`` taps ``dilation`` apart, every ``stride`` positions of ``(N, C, L)`` or
    ``(C, L)`` padded by ``padding`` (-inf) on both sides; ``L_out = ⌊(L + 2p - d(k-1) - 1) / s⌋ + 1`` (⌈⌉ with
    ``ceil_mode``). The gradient goes to each window's maximum; ``return_indices`` also returns its positions.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> F.max_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    return _max_pool(input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@tracing.unit("max_pool2d")
def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,  # noqa: A002
    return_indices=False,
):
    """``max_pool1d`` over the last two dims of ``(N, C, H, W)`` or ``(C, H, W)`` (each argument an int or a pair);
    indices are flat ``h·W + w`` positions in the input plane.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> F.max_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_pool(input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@tracing.unit("max_pool3d")
def max_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,  # noqa: A002
    return_indices=False,
):
    """``max_pool1d`` over the last three dims of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (each argument an int or
    a triple); indices are flat ``(d·H + h)·W + w`` positions in the input volume.

    Gradient: each window's ``g`` to the position of its maximum (overlapping windows add).

    >>> F.max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
    """
    return _max_pool(input, 3, "max_pool3d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(x, spatial, name, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_input(x, spatial, name)
    kernel, stride, padding, _ = _geometry(spatial, kernel_size, stride, padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    windows = _avg_windows(x.shape, spatial, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    if x._data.dtype.kind in "iu":
        return Tensor._wrap(_integer_window_mean(x._data, windows))
    return WindowMean.apply(x, windows=windows)


def _integer_window_mean(x, windows):
    """torch's integer average pooling, exact: each window's sum in ``x``'s integer arithmetic (wrapping on
    overflow, as C's does) divided by its divisor, truncating toward zero as C's integer division does. The window
    sums are differences of a summed-area table (``T[d, h, w]`` = the sum of the box before ``(d, h, w)``; eight
    corners per window), exact since wrapping sums are exact modulo 2^64. Not differentiable (integers)."""
    planes = windows.planes(np.ascontiguousarray(x))
    table = np.zeros((planes.shape[0],) + tuple(n + 1 for n in windows.sizes), dtype=x.dtype)
    table[:, 1:, 1:, 1:] = planes.cumsum(1).cumsum(2).cumsum(3)
    (d0, d1), (h0, h1), (w0, w1) = [
        [start.reshape(shape), stop.reshape(shape)]
        for (start, stop, _), shape in zip(windows.axes, ((-1, 1, 1), (1, -1, 1), (1, 1, -1)))
    ]
    total = (
        table[:, d1, h1, w1] - table[:, d0, h1, w1] - table[:, d1, h0, w1] - table[:, d1, h1, w0]
        + table[:, d0, h0, w1] + table[:, d0, h1, w0] + table[:, d1, h0, w0] - table[:, d0, h0, w0]
    )  # fmt: skip
    divisor = np.rint(1 / windows.scale).astype(x.dtype)
    quotient = total // divisor
    quotient += (quotient < 0) & (quotient * divisor != total)  # floor to truncation
    return quotient.reshape(windows.pooled)


@functools.lru_cache(maxsize=256)
def _avg_windows(shape, spatial, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    axes = _strided_windows(shape, spatial, kernel, stride, padding, (1,) * spatial, ceil_mode)
    if divisor_override is not None:
        divisor = np.full(tuple(len(origin) for _, _, origin in axes), float(divisor_override))
    elif count_include_pad:  # the window clipped to the padded input, padding counted
        lifted = zip(axes, _lift(kernel, spatial), _lift(shape, spatial), (0,) * (3 - spatial) + padding)
        divisor = _outer(np.minimum(origin + k, n + p) - origin for (_, _, origin), k, n, p in lifted)
    else:
        divisor = _outer(stop - start for _, (start, stop, _), _ in axes)
    return _Windows((axis for _, axis, _ in axes), shape, spatial, np.ascontiguousarray(1.0 / divisor))


def _outer(extents):
    """The ``(D, H, W)`` products of the per-axis window extents, as float64."""
    return functools.reduce(np.multiply.outer, extents).astype(np.float64)


@tracing.unit("avg_pool1d")
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    """Mean over windows of ``kernel_size`` every ``stride`` positions of ``(N, C, L)`` or ``(C, L)`` zero-padded by
    ``padding``; the divisor is the window size (padding counted, ``count_include_pad=True``) or the number of real
    inputs in it. Gradient: each output's gradient spread evenly (divided by the same divisor) over its window.

    >>> F.avg_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[2., 1.]]])
    """
    return _avg_pool(input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None)


@tracing.unit("avg_pool2d")
def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,  # noqa: A002
    divisor_override=None,
):
    """``avg_pool1d`` over the last two dims of ``(N, C, H, W)`` or ``(C, H, W)``; ``divisor_override`` replaces
    every divisor.

    Gradient: each window's ``g`` divided by its divisor and spread over the window (overlapping windows add).

    >>> F.avg_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    return _avg_pool(
        input, 2, "avg_pool2d", kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive_windows(x, spatial, output_size, name):
    sized = not isinstance(output_size, (int, np.integer))
    if spatial > 1 and sized and isinstance(x, Tensor) and x.ndim <= len(output_size):  # torch's size defaults
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    _check_input(x, spatial, name)
    sizes = _lift(x.shape, spatial)
    wanted = (1,) * (3 - spatial) + tuple(
        n if o is None else o for n, o in zip(sizes[3 - spatial :], _tuple_or_none(output_size, spatial))
    )
    if min(wanted) < 0:
        raise RuntimeError(
            f"{name}(): elements of output_size must be greater than or equal to 0 but received "
            f"{list(wanted[3 - spatial :])}"
        )
    return _adaptive_windows_of(x.shape, spatial, tuple(int(o) for o in wanted), name.startswith("adaptive_avg"))


@functools.lru_cache(maxsize=256)
def _adaptive_windows_of(shape, spatial, wanted, mean):
    """The windows of an adaptive pooling of ``shape`` to ``wanted`` outputs per lifted axis (with each window's
    1 / size when ``mean``)."""
    axes = [_adaptive_axis(n, o) for n, o in zip(_lift(shape, spatial), wanted)]
    if not mean:
        return _Windows(axes, shape, spatial)
    counts = _outer(stop - start for start, stop, _ in axes)
    return _Windows(axes, shape, spatial, np.ascontiguousarray(1.0 / np.maximum(counts, 1)))


def _tuple_or_none(value, n):
    values = (value,) * n if value is None or isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n:
        raise RuntimeError(f"output_size must be a single int or a tuple of {n} ints")
    return values


@tracing.unit("adaptive_avg_pool1d")
def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Mean over ``output_size`` windows covering ``(N, C, L)``: window ``i`` is ``[⌊iL/out⌋, ⌈(i+1)L/out⌉)``.

    Gradient: each window's ``g`` divided by its size and spread over it (overlapping windows add).

    >>> F.adaptive_avg_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 1)
    tensor([[[1.5000]]])
    """
    return WindowMean.apply(input, windows=_adaptive_windows(input, 1, output_size, "adaptive_avg_pool1d"))


@tracing.unit("adaptive_avg_pool2d")
def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """``adaptive_avg_pool1d`` along H and W of ``(N, C, H, W)`` (``output_size`` an int, a pair, None = keep).

    Gradient: each window's ``g`` divided by its size and spread over it (overlapping windows add).

    >>> F.adaptive_avg_pool2d(minigrad.ones(1, 2, 5, 5), 1).shape
    (1, 2, 1, 1)
    """
    return WindowMean.apply(input, windows=_adaptive_windows(input, 2, output_size, "adaptive_avg_pool2d"))


@tracing.unit("adaptive_avg_pool3d")
def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """``adaptive_avg_pool1d`` along D, H and W of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (``output_size`` an int,
    a triple, None = keep).

    Gradient: each window's ``g`` divided by its size and spread over it (overlapping windows add).

    >>> F.adaptive_avg_pool3d(minigrad.ones(1, 2, 4, 5, 6), (2, 1, 3)).shape
    (1, 2, 2, 1, 3)
    """
    return WindowMean.apply(input, windows=_adaptive_windows(input, 3, output_size, "adaptive_avg_pool3d"))


@tracing.unit("adaptive_max_pool1d")
def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """Max over the windows of ``adaptive_avg_pool1d``; gradient to each window's maximum.

    >>> F.adaptive_max_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 1)
    tensor([[[3.]]])
    """
    windows = _adaptive_windows(input, 1, output_size, "adaptive_max_pool1d")
    return _max_over(input, 1, windows, return_indices)


@tracing.unit("adaptive_max_pool2d")
def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max over the windows of ``adaptive_avg_pool2d``; gradient to each window's maximum.

    >>> F.adaptive_max_pool2d(minigrad.ones(1, 2, 5, 5), 2).shape
    (1, 2, 2, 2)
    """
    windows = _adaptive_windows(input, 2, output_size, "adaptive_max_pool2d")
    return _max_over(input, 2, windows, return_indices)


@tracing.unit("adaptive_max_pool3d")
def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    """Max over the windows of ``adaptive_avg_pool3d``; gradient to each window's maximum (indices flat
    ``(d·H + h)·W + w``).

    >>> F.adaptive_max_pool3d(minigrad.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
    tensor([[[[[7.]]]]])
    """
    windows = _adaptive_windows(input, 3, output_size, "adaptive_max_pool3d")
    return _max_over(input, 3, windows, return_indices)


@tracing.unit("avg_pool3d")
def avg_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,  # noqa: A002
    divisor_override=None,
):
    """``avg_pool1d`` over the last three dims of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; ``divisor_override``
    replaces every divisor.

    Gradient: each window's ``g`` divided by its divisor and spread over the window (overlapping windows add).

    >>> F.avg_pool3d(minigrad.ones(1, 1, 4, 4, 4), 2).shape
    (1, 1, 2, 2, 2)
    """
    return _avg_pool(
        input, 3, "avg_pool3d", kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
