"""Plain NumPy references for ``minigrad._kernels.im2col``: the oracle for its compiled loops.

Both take ``x`` as ``(N, C, D, H, W)`` and the window geometry as (D, H, W) triples, like the kernels, and use the
``(C K, N, L)`` column layout: ``cols[c K + (a k_H + b) k_W + e, n, l]`` is the input value under kernel tap
``(a, b, e)`` of output position ``l`` of image ``n``, channel ``c`` (zero in the padding). Written for reading:
pad with zeros, then take one strided slice per kernel tap.
"""

import numpy as np

__all__ = ["im2col", "col2im"]


def _tap_slices(kernel, stride, dilation, out_size):
    """Per kernel tap (a, b, e): the slices of the padded input that the tap reads, one per spatial dim."""
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            for e in range(kernel[2]):
                yield tuple(
                    slice(k * d, k * d + (o - 1) * t + 1, t)
                    for k, d, t, o in zip((a, b, e), dilation, stride, out_size)
                )


def _padded_shape(shape, kernel, stride, padding, dilation, out_size):
    """Room for the leading padding plus every position a window reaches (trailing padding included)."""
    return tuple(
        max(n + p, (o - 1) * t + (k - 1) * d + 1)
        for n, k, t, p, d, o in zip(shape, kernel, stride, padding, dilation, out_size)
    )


def im2col(x, kernel, stride, padding, dilation, out_size):
    """``(C K, N, L)`` columns of ``x (N, C, D, H, W)``."""
    n, c = x.shape[:2]
    padded = np.zeros((n, c) + _padded_shape(x.shape[2:], kernel, stride, padding, dilation, out_size), x.dtype)
    padded[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, x.shape[2:]))] = x
    taps = [
        padded[(slice(None), slice(None)) + cut].reshape(n, c, -1)
        for cut in _tap_slices(kernel, stride, dilation, out_size)
    ]
    cols = np.stack(taps, axis=2)  # (N, C, K, L)
    return cols.transpose(1, 2, 0, 3).reshape(c * len(taps), n, -1)


def col2im(cols, shape, kernel, stride, padding, dilation, out_size):
    """The adjoint of ``im2col``: every column entry added back where it was read from, into zeros of ``shape``."""
    n, c = shape[:2]
    padded = np.zeros((n, c) + _padded_shape(shape[2:], kernel, stride, padding, dilation, out_size), cols.dtype)
    per_tap = cols.reshape(c, -1, n, cols.shape[2]).transpose(2, 0, 1, 3)  # (N, C, K, L)
    for tap, cut in enumerate(_tap_slices(kernel, stride, dilation, out_size)):
        padded[(slice(None), slice(None)) + cut] += per_tap[:, :, tap].reshape(n, c, *out_size)
    return padded[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, shape[2:]))].copy()
