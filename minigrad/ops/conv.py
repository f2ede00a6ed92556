"""Convolution as im2col + GEMM: ``Unfold``/``Fold`` (an adjoint pair) and the fused ``Conv``.

A ``Window`` describes the sliding windows over the last 1, 2 or 3 dims of an ``(N, C, *spatial)`` array: per
spatial dim a kernel size ``k``, stride ``t``, leading zero padding ``p``, dilation ``d``, the input size ``n`` and
the output size ``o`` (so padding may be asymmetric, as 'same' with an even kernel needs). Output position ``j``
reads input positions ``j t - p + i d`` for ``i < k``.

``Unfold`` gathers every window into a column, ``(N, C, *spatial) -> (N, C K, L)`` with ``K = prod(k)``,
``L = prod(o)``; ``Fold`` adds columns back onto the positions they were read from. Each is the other's adjoint, so
each one's backward is the other Function and derivatives of any order need no further formula. The compiled
loops are in ``minigrad/_kernels/im2col.pyx``.

``Conv`` is ``y[n, o, j] = Σ_c Σ_i W[o, c, i] x[n, c, window i of position j] + b[o]`` (``c`` over ``o``'s
group): one node whose forward builds the ``(C K, L)`` columns of each image of a block and multiplies them by
the ``(O, C K / groups)`` weight of each group. Its first-order backward is three array products, ``dW = g colsᵀ``,
``d cols = Wᵀ g`` (then ``col2im``) and ``db = Σ g``. Both split the batch into one part per minigrad thread and
walk each part in chunks of images whose columns fit in cache (``_CHUNK_BYTES``), and the backward rebuilds the
columns, so nothing but the inputs is kept between forward and backward.

``ConvTranspose`` is ``Conv``'s adjoint in its input: its forward is the convolution's input gradient
(``col2im(Wᵀ x)``), its input gradient a convolution. Each one's Tensor-level backward calls the other (the
weight gradient through ``Unfold`` and a matmul), so double backward needs no further formula; the array fast
paths share ``correlate``/``correlate_grads``. Each class's ``composite`` (``Unfold``/``Fold`` and a matmul) is
its definition, the tests' oracle.
"""

import math
from collections import namedtuple

import numpy as np

from .._blas import run_parts
from .._kernels import im2col as _kernel
from .._threads import get_num_threads
from ..autograd.function import Function
from . import conv_gemm, winograd
from .integer_conv import unfold_exact

__all__ = ["Window", "Unfold", "Fold", "Conv", "ConvTranspose"]


class Window(namedtuple("Window", "kernel stride padding dilation in_size out_size")):
    """Sliding-window geometry over the trailing spatial dims: six tuples of ints, one entry per spatial dim
    (``padding`` is the zero padding before each dim; the output size fixes the padding after it)."""

    __slots__ = ()

    # math.prod, not np.prod: these are read a dozen times per convolution, and np.prod's ~4 us each was 50 us of
    # a small layer's forward and backward (VAE on 8x8 digits)
    @property
    def taps(self):
        """``K``: the number of positions in one window."""
        return math.prod(self.kernel)

    @property
    def positions(self):
        """``L``: the number of windows (output positions) per image."""
        return math.prod(self.out_size)

    def kernel_arguments(self):
        """(kernel, stride, padding, dilation, out_size) lifted to the kernels' three spatial dims."""
        lead = 3 - len(self.kernel)
        return tuple(
            (fill,) * lead + tuple(value)
            for fill, value in (
                (1, self.kernel),
                (1, self.stride),
                (0, self.padding),
                (1, self.dilation),
                (1, self.out_size),
            )
        )


# Bytes of columns per chunk of images: about half an L2 cache, so that a chunk's columns, built by im2col, stay
# in cache through the GEMMs that read them (and the column gradient through col2im). Measured on
# benchmarks/bench_conv.py's target shape, one image's columns per GEMM ran the three products in 6.9 ms per step
# against 12 ms for the whole batch's 14 MB at once, which had to come from memory.
_CHUNK_BYTES = 1 << 20


def _as_volumes(array, window):
    """``(N, C, *spatial)`` seen as ``(N, C, D, H, W)`` (size-1 leading spatial dims), C-contiguous."""
    lead = (1,) * (3 - len(window.in_size))
    return np.ascontiguousarray(array).reshape(array.shape[:2] + lead + tuple(window.in_size))


def im2col(x, window, cols, num_threads=None):
    """Write the windows of ``x (N, C, *spatial)`` into ``cols``, a ``(C K, N, L)`` array (or a view of one with
    its last axis contiguous), on ``num_threads`` threads (default: minigrad's)."""
    threads = get_num_threads() if num_threads is None else num_threads
    _kernel.im2col(_as_volumes(x, window), cols, *window.kernel_arguments(), threads)
    return cols


def col2im(cols, window, out, num_threads=None):
    """Overwrite ``out`` (a C-contiguous ``(N, C, *spatial)`` array) with the sum of the entries of ``cols``
    (``(C K, N, L)``, last axis contiguous) at the positions they were read from."""
    if cols.shape[2] > 1 and cols.strides[2] != cols.itemsize:
        cols = np.ascontiguousarray(cols)
    threads = get_num_threads() if num_threads is None else num_threads
    _kernel.col2im(cols, _as_volumes(out, window), *window.kernel_arguments(), threads)
    return out


def _chunk_images(rows, window, itemsize):
    """Images per chunk: as many as keep the chunk's ``(B, C K, L)`` columns (``rows = C K``) near
    ``_CHUNK_BYTES``; at least one."""
    return max(1, _CHUNK_BYTES // max(rows * window.positions * itemsize, 1))


def _chunks(start, stop, step):
    return (slice(first, min(first + step, stop)) for first in range(start, stop, step))


# A convolution's parts run on Python threads started per call (about 70 us each, ``run_parts``), each with
# one-thread BLAS, so no team spins after it: from this many multiply-adds (about 0.4 ms on one core) a second
# thread pays. ``_blas.THREADED_MIN_MACS`` (2^24), which guards against OpenBLAS's spinning team, had kept
# LeNet-5's 6 -> 16 layer (15.4M) on one thread, 2.6 of its 6.4 ms step at 2 threads; at load 5 its forward
# and backward took 5.1 against 6.8 ms split in two. The 1 -> 6 layer (7.5M) stays below: split, it was slower.
_THREADED_MIN_MACS = 1 << 23


def _threads_for(n, out_channels, rows, window):
    """minigrad's thread count, or 1 when the product's ``N O C K L`` multiply-adds are too few for a second
    thread to pay for starting it (``_THREADED_MIN_MACS``)."""
    macs = n * out_channels * rows * window.positions
    return get_num_threads() if macs >= _THREADED_MIN_MACS else 1


def _columns(buffer, images, rows, positions, ones=False):
    """The first ``images`` images' columns in ``buffer``: an ``(B, C K, L)`` matrix per image (``(B, C K + 1, L)``
    with ``ones``: a last row of ones, set when the buffer was made), and the ``(C K, B, L)`` view of its first
    ``C K`` rows that im2col and col2im take."""
    cols = buffer[: images * (rows + ones) * positions].reshape(images, rows + ones, positions)
    return cols, cols[:, :rows].transpose(1, 0, 2)


def _columns_buffer(images, rows, positions, ones, dtype):
    """A flat buffer for ``images`` images' columns (see ``_columns``); with ``ones``, each image's last row set
    to ones once here."""
    buffer = np.empty((rows + ones) * images * positions, dtype)
    if ones:
        buffer.reshape(images, rows + 1, positions)[:, rows] = 1
    return buffer


def correlate(x, weight, bias, window, groups, upstream=None):
    """The convolution's value as arrays: ``conv_gemm``'s compiled path where it applies (not with ``upstream``);
    else per chunk of images, im2col then, per image and group, ``y = W cols``
    straight into the output, the batch split over minigrad's threads. Without groups the bias rides in the
    GEMM: ``[W b] [cols; 1]``, one more column of the weight times a row of ones (a separate pass adding it cost
    7% of the forward).

    With ``upstream`` (an ``(N, O, *out)`` array) it returns ``(y, dW)``, ``dW`` the weight gradient for the output
    gradient ``upstream`` (``dWᵀ += cols upstreamᵀ``, as in ``correlate_grads``) from the same columns: a
    transposed convolution's backward needs both, and its columns are then built once (the VAE's 4x4 -> 8x8 layer:
    a third of its backward)."""
    if upstream is None and conv_gemm.applies(x.shape, x.dtype, weight):
        return conv_gemm.correlate(x, weight, bias, window, groups)
    x = np.ascontiguousarray(x)
    n = x.shape[0]
    out_channels, rows, positions = weight.shape[0], x.shape[1] * window.taps, window.positions
    result = np.empty((n, out_channels, positions), dtype=x.dtype)
    kernels = weight.reshape(groups, out_channels // groups, -1)
    ones = bias is not None and groups == 1
    if ones:
        kernels = np.concatenate((kernels, bias.reshape(1, -1, 1)), axis=2)
    depth = (rows + ones) // groups  # rows of each group's columns
    step = _chunk_images(rows, window, x.itemsize)
    if upstream is not None:
        upstream = np.ascontiguousarray(upstream).reshape(n, groups, out_channels // groups, positions)

    def part(start, stop, threads):
        cols_buffer = _columns_buffer(min(step, stop - start), rows, positions, ones, x.dtype)
        grad_w = None if upstream is None else np.zeros((groups, depth, out_channels // groups), x.dtype)
        for block in _chunks(start, stop, step):
            cols, cols_view = _columns(cols_buffer, block.stop - block.start, rows, positions, ones)
            im2col(x[block], window, cols_view, threads)
            cols = cols.reshape(-1, groups, depth, positions)  # (B, G, depth, L)
            out = result[block]
            # (G, O / G, depth) @ (B, G, depth, L): one GEMM per image and group, written in place
            np.matmul(kernels, cols, out=out.reshape(cols.shape[0], groups, -1, positions))
            if bias is not None and not ones:
                out += bias[:, None]
            if grad_w is not None:
                _add_weight_gradient(grad_w, cols, upstream[block])
        return grad_w

    partial = run_parts(part, n, _threads_for(n, out_channels, rows // groups, window))
    result = result.reshape((n, out_channels) + tuple(window.out_size))
    if upstream is None:
        return result
    return result, _weight_layout(_summed(partial), rows, groups, weight.shape)


def _add_weight_gradient(grad_w, cols, g):
    """``dWᵀ += Σ_images cols gᵀ`` for a block's columns ``(B, G, depth, L)`` and gradient ``(B, G, O / G, L)``:
    ``(depth, O / G)`` per image and group, the small side of the product last."""
    grad_w += np.matmul(cols, g.transpose(0, 1, 3, 2)).sum(0)


def _summed(partial):
    """The threads' ``(G, depth, O / G)`` sums of ``dWᵀ`` added up."""
    return sum(partial[1:], partial[0])


def _weight_layout(total, rows, groups, shape):
    """Summed ``dWᵀ`` (``(G, depth, O / G)``, a bias row past the first ``C K / G`` rows, if any) as a
    C-contiguous weight of ``shape``."""
    return np.ascontiguousarray(total[:, : rows // groups].transpose(0, 2, 1)).reshape(shape)


def correlate_grads(x, x_shape, weight, grad, window, groups, need_x, need_w, need_b=False):
    """The convolution's input, weight and bias gradients as arrays (None where not needed; ``x`` is read only
    for the weight's, ``x_shape`` sizes the input's): ``conv_gemm``'s compiled path where it applies; else per
    chunk of images and per image and group, with ``g`` as ``(O, L)``, ``dWᵀ += cols gᵀ`` and ``d cols = Wᵀ g``
    (into the columns' buffer, once read) then col2im. The batch is split over minigrad's threads, each summing
    its own ``dWᵀ``. Without groups the bias gradient ``Σ g`` comes with the weight's, from a row of ones below
    the columns (as in ``correlate``)."""
    if conv_gemm.applies(x_shape, grad.dtype, weight) and (not need_w or x.dtype == grad.dtype):
        return conv_gemm.correlate_grads(x, x_shape, weight, grad, window, groups, need_x, need_w, need_b)
    n, out_channels = grad.shape[:2]
    rows, positions = x_shape[1] * window.taps, window.positions
    grad = np.ascontiguousarray(grad).reshape(n, groups, out_channels // groups, positions)
    x = np.ascontiguousarray(x) if need_w else None
    kernels_t = weight.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1)  # (G, C K / G, O / G)
    grad_x = np.empty(x_shape, dtype=grad.dtype) if need_x else None
    ones = need_b and need_w and groups == 1
    depth = (rows + ones) // groups  # rows of each group's columns
    step = _chunk_images(rows, window, grad.itemsize)

    def part(start, stop, threads):
        cols_buffer = _columns_buffer(min(step, stop - start), rows, positions, ones, grad.dtype)
        grad_w = np.zeros((groups, depth, out_channels // groups), dtype=grad.dtype) if need_w else None
        for block in _chunks(start, stop, step):
            cols, cols_view = _columns(cols_buffer, block.stop - block.start, rows, positions, ones)
            cols = cols.reshape(-1, groups, depth, positions)  # (B, G, depth, L)
            g = grad[block]  # (B, G, O / G, L)
            if need_w:
                im2col(x[block], window, cols_view, threads)
                _add_weight_gradient(grad_w, cols, g)
            if need_x:
                _product(kernels_t, g, cols[:, :, : rows // groups])
                col2im(cols_view, window, grad_x[block], threads)
        return grad_w

    partial = run_parts(part, n, _threads_for(n, out_channels, rows // groups, window))
    grad_w = grad_b = None
    if need_w:
        total = _summed(partial)  # (G, depth, O / G)
        grad_w = _weight_layout(total, rows, groups, weight.shape)
        grad_b = total[0, rows] if ones else None
    if need_b and grad_b is None:
        grad_b = _bias_gradient(grad.reshape((n, out_channels, positions)))
    return grad_x, grad_w, grad_b


def _product(a, b, out):
    """``out = a @ b`` over the last two axes; with an inner dimension of one (a single output channel per group)
    the outer product is a broadcast multiply, as NumPy's matmul takes its slow non-BLAS loop there (3x the
    time: the VAE's last 16 -> 1 convolution on 8x8 digits)."""
    if a.shape[-1] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


def one_filter_per_group(weight, groups, window):
    """Whether each group has a single output channel (``C_out = groups``) and the direct depthwise kernels then
    replace the columns, whose GEMMs would do one multiply-add per column entry written: always for a depthwise
    convolution; with several input channels per group (one output channel over all the inputs: the VAE's last
    16 -> 1 layer) each is filtered by its own row of the weight and each group's channels are summed after
    (``depthwise_correlate``), which on one thread took 0.26-0.44x the columns' time with unit strides on a 1-D or
    2-D input, but 1.2x with stride 2 (the kernels' padded-plane path is for unit strides)."""
    if weight.shape[0] != groups:
        return False
    return weight.shape[1] == 1 or (len(window.stride) <= 2 and all(s == 1 for s in window.stride))


def depthwise_correlate(x, weight, bias, window):
    """``y[n, o, j] = b[o] + Σ_{c in group o} Σ_i W[o, c', i] x[n, c, window i of j]`` (``c'`` = ``c`` within its
    group) for one output channel per group: the depthwise kernel filters channel ``c`` by ``W[o, c']`` (the weight
    seen as ``(C, K)``), then the ``C / groups`` channels of each group are summed; on minigrad's threads."""
    volumes = _as_volumes(x, window)
    n, channels = volumes.shape[:2]
    groups = weight.shape[0]
    summed = channels != groups  # more than one input channel per group: the bias goes on after the sum
    result = np.empty((n, channels, window.positions), dtype=volumes.dtype)
    shift = np.zeros(channels, volumes.dtype) if bias is None or summed else np.ascontiguousarray(bias)
    _kernel.depthwise(volumes, _taps(weight), shift, result, *window.kernel_arguments(), get_num_threads())
    if summed:
        result = result.reshape(n, groups, channels // groups, -1).sum(2)
        if bias is not None:
            result += bias[:, None]
    return result.reshape((n, groups) + tuple(window.out_size))


def depthwise_grads(x, weight, grad, window, need_x, need_w):
    """``depthwise_correlate``'s input and weight gradients as arrays (None where not needed): each output
    channel's gradient repeated over its group's input channels, then the depthwise kernels' adjoints."""
    n, channels, groups = x.shape[0], x.shape[1], weight.shape[0]
    grad = np.ascontiguousarray(grad).reshape(n, groups, 1, window.positions)
    spread = np.ascontiguousarray(np.broadcast_to(grad, (n, groups, channels // groups, window.positions)))
    spread = spread.reshape(n, channels, window.positions)
    arguments = window.kernel_arguments() + (get_num_threads(),)
    grad_x = grad_w = None
    if need_x:
        grad_x = np.empty(x.shape, dtype=grad.dtype)
        _kernel.depthwise_input_grad(spread, _taps(weight), _as_volumes(grad_x, window), *arguments)
    if need_w:
        grad_w = np.empty((channels, window.taps), dtype=grad.dtype)
        _kernel.depthwise_weight_grad(_as_volumes(x, window), spread, grad_w, *arguments)
        grad_w = grad_w.reshape(weight.shape)
    return grad_x, grad_w


def _taps(weight):
    """A ``(groups, C / groups, *kernel)`` weight (one output channel per group) as the kernels' contiguous
    ``(C, K)``: row ``c`` is input channel ``c``'s filter."""
    return np.ascontiguousarray(weight.reshape(-1, math.prod(weight.shape[2:])))


def _weight_gradient(x, grad, window, groups):
    """``dW[o, c, i] = Σ_n Σ_j g[n, o, j] x[n, c, window i of j]`` (``c`` over ``o``'s group) in Tensor ops, so
    it differentiates again: ``(O, C K / groups)`` per group; the caller reshapes it to the weight's shape."""
    n = x.shape[0]
    cols = Unfold.apply(x, window=window).reshape(n, groups, -1, window.positions)  # (N, G, C K / G, L)
    return grad.reshape(n, groups, -1, window.positions).matmul(cols.transpose(-1, -2)).sum(0)


def _bias_gradient(grad):
    """``db[o] = Σ g[n, o, ...]``."""
    return grad.sum((0,) + tuple(range(2, grad.ndim)))


class Unfold(Function):
    """``cols[n, c K + i, j] = x[n, c, window i of position j]`` (zero in the padding): ``(N, C, *spatial) ->
    (N, C K, L)``. Gradient: ``Fold`` of ``g`` (each column entry goes back where it was read)."""

    keeps_inputs = False

    def forward(self, x, *, window):
        if x.dtype.kind not in "f":  # bool and integers: the compiled im2col takes floats
            return unfold_exact(x, window)
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
        result = np.empty((n, rows // window.taps) + tuple(window.in_size), dtype=cols.dtype)
        return col2im(cols.transpose(1, 0, 2), window, result)

    def backward(self, grad):
        return Unfold.apply(grad, **self.options)


class Conv(Function):
    """N-d convolution (cross-correlation, as torch's) of ``x (N, C, *spatial)`` with ``weight (O, C / groups,
    *kernel)`` and an optional ``bias (O,)``, over ``window``; see the module docstring for the formulas.

    Forward and backward run image by image in one compiled call where they can (``conv_gemm``: OpenMP over the
    images, the GEMMs from C, row-sliced columns for 2-d kernels). Otherwise (no cblas, one image on several threads)
    they split the batch into one contiguous part per minigrad thread (``run_parts``: each thread
    calls single-threaded BLAS, so no BLAS team starts and joins per GEMM; a small convolution stays on one
    thread) and walk each part in chunks of ``B`` images (``_chunk_images``): per chunk, im2col into one reused,
    cache-sized buffer holding a ``(C K, L)`` matrix per image, then one GEMM per image and group: ``y = W cols``
    written straight into the image's ``(O, L)`` output, the bias riding along as a weight column times a row of
    ones; in the backward, with the image's gradient ``g`` as ``(O, L)`` as it lies, ``dWᵀ += cols gᵀ`` (one sum
    per thread, the bias gradient its last row) and ``d cols = Wᵀ g`` into the same buffer, followed by col2im. No
    operand is ever transposed into a copy. The backward rebuilds the columns, so nothing
    outlives a call. A convolution with one output channel per group (depthwise, or a single output channel) skips
    the columns: its forward and backward are direct kernels over the windows (``depthwise_correlate``,
    ``depthwise_grads``).
    """

    def forward(self, x, weight, bias, *, window, groups):
        if one_filter_per_group(weight, groups, window):
            return depthwise_correlate(x, weight, bias, window)
        if winograd.applies(x, weight, window, groups):
            return winograd.correlate(x, weight, bias, window)
        return correlate(x, weight, bias, window, groups)

    def backward_arrays(self, grad):
        x, weight = self.inputs[0]._data, self.inputs[1]._data
        need_x, need_w, need_b = self.needs_input_grad
        window, groups = self.options["window"], self.options["groups"]
        if winograd.applies(x, weight, window, groups):
            grad_x, grad_w, grad_b = winograd.correlate_grads(x, weight, grad, window, need_x, need_w)
            return grad_x, grad_w, (_bias_gradient(grad) if grad_b is None else grad_b) if need_b else None
        if not one_filter_per_group(weight, groups, window):
            return correlate_grads(x, x.shape, weight, grad, window, groups, need_x, need_w, need_b)
        grad_x, grad_w = depthwise_grads(x, weight, grad, window, need_x, need_w)
        return grad_x, grad_w, _bias_gradient(grad) if need_b else None

    def backward(self, grad):
        x, weight = self.inputs[:2]
        need_x, need_w, need_b = self.needs_input_grad
        return (
            ConvTranspose.apply(grad, weight, None, **self.options) if need_x else None,
            _weight_gradient(x, grad, **self.options).reshape(weight.shape) if need_w else None,
            _bias_gradient(grad) if need_b else None,
        )

    def composite(self, x, weight, bias, *, window, groups):
        n, out_channels = x.shape[0], weight.shape[0]
        cols = Unfold.apply(x, window=window).reshape(n, groups, -1, window.positions)
        product = weight.reshape(groups, out_channels // groups, -1).matmul(cols)  # (N, G, O / G, L)
        result = product.reshape((n, out_channels) + tuple(window.out_size))
        if bias is None:
            return result
        return result + bias.reshape((out_channels,) + (1,) * len(window.out_size))


class ConvTranspose(Function):
    """N-d transposed convolution of ``x (N, C_in, *window.out_size)`` with ``weight (C_in, C_out / groups,
    *kernel)`` and an optional ``bias (C_out,)``: the adjoint of ``Conv`` over the same ``window`` (whose
    ``in_size`` is this op's output size), ``y = col2im(Wᵀ x) + b``, each input value spread over the window it
    would have been read from. Gradients: ``dx = Conv(g, W)``, ``dW`` the convolution's weight gradient with the
    roles of input and gradient swapped (``g`` unfolded, ``x`` as the gradient), ``db = Σ g``; each backward
    calls the other Function, so every order of derivative follows.
    """

    def forward(self, x, weight, bias, *, window, groups):
        if winograd.applies(x, weight, window, groups):  # a 3×3 stride-1 one: a correlation with w flipped
            return winograd.correlate_transposed(x, weight, bias, window)
        out_channels = weight.shape[1] * groups
        shape = (x.shape[0], out_channels) + tuple(window.in_size)
        result = correlate_grads(None, shape, weight, x, window, groups, True, False)[0]
        if bias is not None:
            result += bias.reshape((out_channels,) + (1,) * len(window.in_size))
        return result

    def backward_arrays(self, grad):
        x, weight = self.inputs[0]._data, self.inputs[1]._data
        need_x, need_w, need_b = self.needs_input_grad
        window, groups = self.options["window"], self.options["groups"]
        grad = np.ascontiguousarray(grad)
        grad_x = grad_w = None
        if winograd.applies(x, weight, window, groups):  # Conv's forward and weight gradient, roles swapped
            grad_x = winograd.correlate(grad, weight, None, window) if need_x else None
            grad_w = winograd.correlate_grads(grad, weight, x, window, False, True)[1] if need_w else None
        elif need_x and need_w:  # one pass over grad's columns for both
            grad_x, grad_w = correlate(grad, weight, None, window, groups, upstream=x)
        elif need_x:
            grad_x = correlate(grad, weight, None, window, groups)
        elif need_w:
            grad_w = correlate_grads(grad, grad.shape, weight, x, window, groups, False, True)[1]
        return grad_x, grad_w, _bias_gradient(grad) if need_b else None

    def backward(self, grad):
        x, weight = self.inputs[:2]
        need_x, need_w, need_b = self.needs_input_grad
        return (
            Conv.apply(grad, weight, None, **self.options) if need_x else None,
            _weight_gradient(grad, x, **self.options).reshape(weight.shape) if need_w else None,
            _bias_gradient(grad) if need_b else None,
        )

    def composite(self, x, weight, bias, *, window, groups):
        n, in_channels = x.shape[:2]
        kernels_t = weight.reshape(groups, in_channels // groups, -1).transpose(-1, -2)  # (G, C_out K / G, C_in / G)
        cols = kernels_t.matmul(x.reshape(n, groups, in_channels // groups, window.positions))
        result = Fold.apply(cols.reshape(n, -1, window.positions), window=window)
        if bias is None:
            return result
        return result + bias.reshape((bias.shape[0],) + (1,) * len(window.in_size))
