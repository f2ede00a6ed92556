"""Convolutions of integer tensors, exact: torch's CPU convolves integer tensors in their own integer arithmetic
(wrapping on overflow, as C does), where a round trip through a float64 GEMM would round every product and sum
beyond 2^53. Here each kernel tap is one strided slice of the zero-padded input (or output), and the tap's sum of
products over the channels of each group is one ``np.einsum`` in the integer dtype, whose arithmetic wraps as torch's
does. The Python loop runs over the kernel's taps (``K``, a few dozen at most), never over positions.

With ``Window`` (``minigrad.ops.conv``) geometry, output position ``l`` of a convolution reads input position
``l·s - p + a·d`` at tap ``a`` (per spatial dim); the transposed convolution adds each input ``x[l]`` times the tap's
weight into that position instead; ``unfold_exact`` is im2col for the dtypes the compiled kernel does not take
(bool, integers). Integers have no gradient: these take and return arrays.
"""

import itertools

import numpy as np

__all__ = ["conv_integer", "conv_transpose_integer", "unfold_exact"]


def _tap_slices(window, tap):
    """Per spatial dim, the strided slice of the padded array (torch's position ``q`` at ``q + p``) that tap ``tap``
    reads for every output position: ``l·s + a·d`` for ``l`` below the output size."""
    return tuple(
        slice(a * dil, a * dil + (out - 1) * s + 1, s)
        for a, dil, s, out in zip(tap, window.dilation, window.stride, window.out_size)
    )


def _taps(window):
    return itertools.product(*(range(k) for k in window.kernel))


def _padded_size(window):
    """Per spatial dim, the padded length the windows need: the padding before, the input, and as far after as
    the last window reaches."""
    return tuple(
        max(p + n, (out - 1) * s + dil * (k - 1) + 1)
        for p, n, out, s, dil, k in zip(
            window.padding, window.in_size, window.out_size, window.stride, window.dilation, window.kernel
        )
    )


def _padded(x, window):
    """``x (N, C, *in_size)`` zero-padded by ``window.padding`` before each spatial dim and as far after as the last
    window reaches."""
    after = [size - p - m for size, p, m in zip(_padded_size(window), window.padding, window.in_size)]
    return np.pad(x, [(0, 0), (0, 0), *zip(window.padding, after)])


def unfold_exact(x, window):
    """torch's ``unfold`` (im2col) of ``x (N, C, *in_size)`` in any dtype: ``cols[n, c K + a, l]`` = ``x[n, c,
    l·s - p + a·d]`` (0 in the padding), ``(N, C K, L)``, the taps ``a`` in row-major order."""
    padded = _padded(x, window)
    columns = [padded[(Ellipsis,) + _tap_slices(window, tap)] for tap in _taps(window)]
    stacked = np.stack(columns, axis=2)  # (N, C, K, *out_size)
    return stacked.reshape(x.shape[0], x.shape[1] * window.taps, window.positions)


def conv_integer(x, weight, bias, window, groups):
    """``y[n, o, l] = b[o] + Σ_{c in o's group, a} w[o, c, a] · x[n, c, l·s - p + a·d]`` in ``x``'s integer dtype:
    ``x (N, C, *in_size)``, ``weight (O, C / groups, *kernel)``, ``bias (O,)`` or None; returns ``(N, O,
    *out_size)``."""
    n, channels = x.shape[:2]
    out_channels = weight.shape[0]
    padded = _padded(x, window)
    padded = padded.reshape((n, groups, channels // groups) + padded.shape[2:])
    grouped = weight.reshape((groups, out_channels // groups) + weight.shape[1:])
    result = np.zeros((n, groups, out_channels // groups) + tuple(window.out_size), dtype=x.dtype)
    for tap in _taps(window):
        columns = padded[(Ellipsis,) + _tap_slices(window, tap)]
        result += np.einsum("ngc...,goc->ngo...", columns, grouped[(Ellipsis,) + tap])
    result = result.reshape((n, out_channels) + tuple(window.out_size))
    if bias is not None:
        result += bias.reshape((-1,) + (1,) * len(window.kernel))
    return result


def conv_transpose_integer(x, weight, bias, window, groups):
    """The adjoint of ``conv_integer`` over ``window`` plus the bias: ``y[n, o, l·s - p + a·d] += Σ_{c in o's group}
    w[c, o, a] · x[n, c, l]`` for every tap ``a``: ``x (N, C, *out_size)``, ``weight (C, O / groups, *kernel)``,
    ``bias (O,)`` or None; returns ``(N, O, *in_size)``."""
    n, channels = x.shape[:2]
    per_group = weight.shape[1]
    grouped_x = x.reshape((n, groups, channels // groups) + x.shape[2:])
    grouped = weight.reshape((groups, channels // groups) + weight.shape[1:])
    padded = np.zeros((n, groups, per_group) + _padded_size(window), dtype=x.dtype)
    for tap in _taps(window):
        padded[(Ellipsis,) + _tap_slices(window, tap)] += np.einsum(
            "ngc...,gco->ngo...", grouped_x, grouped[(Ellipsis,) + tap]
        )
    inside = tuple(slice(p, p + m) for p, m in zip(window.padding, window.in_size))
    result = padded[(Ellipsis,) + inside].reshape((n, groups * per_group) + tuple(window.in_size))
    if bias is not None:
        result = result + bias.reshape((-1,) + (1,) * len(window.kernel))
    return np.ascontiguousarray(result)
