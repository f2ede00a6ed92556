"""A convolution's forward and gradients image by image in one compiled call (``minigrad/_kernels/conv_gemm.pyx``):
per image on one OpenMP thread, im2col into a columns buffer that stays in that core's cache, the GEMMs (NumPy's
OpenBLAS called without the GIL), col2im. Arrays only: ``conv.correlate``/``correlate_grads`` come here first
and keep their NumPy loops for what ``applies`` turns down (no ``cblas``, mixed dtypes, one image on several
threads).

    y[n, g]  = W[g] cols(x[n])[g] + b[g]      dW[g] = Σ_n dy[n, g] cols(x[n])[g]ᵀ      dx[n] = col2im(Wᵀ dy[n])

(``g`` over the groups; ``W[g]`` is ``(O / G, C K / G)``.) On LeNet-5's 5x5 layers (64 images of 28x28 and
14x14, 1 -> 6 and 6 -> 16 channels) the NumPy loops built columns for a chunk of images, then ran a GEMM per
image from Python and summed ``dW`` from an array of per-image products; the Python threads that split the batch
cost about 70 us per call, so the 1 -> 6 layer had stayed on one thread. Here (one thread, CPU time) the two
layers' forward and gradients take 0.46-0.67x the NumPy loops' time, and the LeNet-5 step 0.8x.
"""

import numpy as np

from .. import _blas
from .._kernels import conv_gemm as _kernel
from .._threads import get_num_threads

__all__ = ["applies", "correlate", "correlate_grads"]

# From this many multiply-adds the images are shared out over minigrad's threads: an OpenMP team starts in a few
# microseconds, not the Python threads' 70, so LeNet-5's 1 -> 6 layer (7.5M) now splits. (Chosen, not yet
# measured on a quiet machine: about 20 us of work on one core.)
_THREADED_MIN_MACS = 1 << 20


def applies(x_shape, dtype, weight):
    """Whether the compiled path runs: float32 or float64 input and weight of one dtype, ``cblas``, and more than
    one image or one thread (a single image on several threads is better served by threads inside its GEMMs)."""
    return (
        dtype in (np.float32, np.float64)
        and weight.dtype == dtype
        and (x_shape[0] > 1 or get_num_threads() == 1)
        and _blas.cblas_ready()
    )


def _threads(n, weight, window):
    """minigrad's thread count, or 1 for a convolution too small to share (``_THREADED_MIN_MACS``)."""
    macs = n * weight.size * window.positions
    return min(get_num_threads(), n) if macs >= _THREADED_MIN_MACS else 1


def _volumes_shape(shape, window):
    """An ``(N, C, *spatial)`` shape as the kernels' ``(N, C, D, H, W)`` (size-1 leading spatial dims)."""
    return tuple(shape[:2]) + (1,) * (3 - len(window.in_size)) + tuple(window.in_size)


def _sliced(weight, window, groups):
    """Whether the kernel takes the columns of the kernel's width only, one slice per kernel row (the kernel
    module's "row slices"): a 2-d window more than one row high with unit stride down the rows, and enough
    rows in a slice's columns (``C k_W / G``) for each slice's GEMM. Each slice adds a pass over the output (or
    the columns' gradient), which with few rows costs more than the columns saved: one thread, fwd+bwd, 1 -> 6
    channels 5x5 took 0.5-0.6x the time of the full columns, 4 -> 8 3x3 0.7x, but 1 -> 32 3x3 1.1-1.5x."""
    slice_rows, per_group = weight.shape[1] * window.kernel[-1], weight.shape[0] // groups
    return len(window.kernel) == 2 and window.kernel[0] > 1 and window.stride[0] == 1 and 2 * slice_rows >= per_group


def _layout(weight, window, groups, bias_column=None):
    """The columns' window, the shift from one slice's columns to the next's, and the weight as the kernel's
    ``(S, O, C k / G)``: for ``_sliced`` a ``1 × k_W`` window down every row the kernel reaches and one slice per
    kernel row, else the window itself and one slice. With ``bias_column`` (``(O,)``, no groups) each slice has
    one more column: the bias in slice 0, zeros after."""
    out_channels = weight.shape[0]
    if not _sliced(weight, window, groups):
        columns, shift, kernels = window, 0, weight.reshape(1, out_channels, -1)
    else:
        (k_h, k_w), (_, t_w), (p_h, p_w), (d_h, d_w) = window.kernel, window.stride, window.padding, window.dilation
        rows = window.out_size[0] + d_h * (k_h - 1)  # every input row (or padding) the kernel reaches
        columns = type(window)((1, k_w), (1, t_w), (p_h, p_w), (1, d_w), window.in_size, (rows, window.out_size[1]))
        shift = d_h * window.out_size[1]
        kernels = weight.reshape(out_channels, -1, k_h, k_w).transpose(2, 0, 1, 3).reshape(k_h, out_channels, -1)
    if bias_column is None:
        return columns, shift, np.ascontiguousarray(kernels)
    extra = np.zeros(kernels.shape[:2] + (1,), kernels.dtype)
    extra[0, :, 0] = bias_column
    return columns, shift, np.concatenate((kernels, extra), axis=2)


def _weight_gradient(parts, weight, groups, ones):
    """The weight and bias gradients from the threads' ``(T, S, G, C k / G + ones, O / G)`` sums of its slices'
    transposes (the bias's None without ``ones``)."""
    total = parts[0] if parts.shape[0] == 1 else parts.sum(0)
    grad_b = total[0, 0, -1].copy() if ones else None
    total = total[:, :, : total.shape[2] - ones]
    slices, per_group = total.shape[0], weight.shape[0] // groups
    taps = total.shape[2] // weight.shape[1]  # k_W when sliced, else K
    total = total.reshape(slices, groups, -1, taps, per_group)  # (S, G, C / G, k, O / G)
    return np.ascontiguousarray(total.transpose(1, 4, 2, 0, 3)).reshape(weight.shape), grad_b


def correlate(x, weight, bias, window, groups):
    """``y[n, o, j] = Σ_c Σ_i W[o, c, i] x[n, c, window i of j] + b[o]`` (``c`` over ``o``'s group), ``(N, O,
    *window.out_size)``."""
    n, out_channels = x.shape[0], weight.shape[0]
    result = np.empty((n, out_channels, window.positions), x.dtype)
    ones = bias is not None and groups == 1
    columns, shift, kernels = _layout(weight, window, groups, bias if ones else None)
    shift_b = None if bias is None or ones else np.ascontiguousarray(bias, dtype=x.dtype)
    with _blas.single_threaded():
        _kernel.forward(
            np.ascontiguousarray(x).reshape(_volumes_shape(x.shape, window)),
            kernels,
            shift_b,
            result,
            groups,
            shift,
            *columns.kernel_arguments(),
            _threads(n, weight, window),
        )
    return result.reshape((n, out_channels) + tuple(window.out_size))


def correlate_grads(x, x_shape, weight, grad, window, groups, need_x, need_w, need_b):
    """The input gradient (``x_shape``; None unless ``need_x``), the weight gradient (None unless ``need_w``;
    ``x`` is read only for it) and the bias gradient (None unless ``need_b``) for the output gradient ``grad (N,
    O, *out)``. With the weight's, the bias's comes from a row of ones below the columns (no groups)."""
    n, out_channels = grad.shape[:2]
    ones = need_b and need_w and groups == 1
    columns, shift, kernels = _layout(weight, window, groups, np.zeros(out_channels) if ones else None)
    threads = _threads(n, weight, window)
    grad_x = np.empty(x_shape, grad.dtype) if need_x else None
    parts = None
    if need_w:
        parts = np.zeros((threads, kernels.shape[0], groups, kernels.shape[2], out_channels // groups), grad.dtype)
    with _blas.single_threaded():
        _kernel.backward(
            kernels,
            np.ascontiguousarray(grad).reshape(n, out_channels, window.positions),
            np.ascontiguousarray(x).reshape(_volumes_shape(x_shape, window)) if need_w else None,
            None if grad_x is None else grad_x.reshape(_volumes_shape(x_shape, window)),
            parts,
            groups,
            shift,
            *columns.kernel_arguments(),
            threads,
        )
    grad_w = grad_b = None
    if need_w:
        grad_w, grad_b = _weight_gradient(parts, weight, groups, ones)
    if need_b and grad_b is None:
        grad_b = grad.sum((0,) + tuple(range(2, grad.ndim)))
    return grad_x, grad_w, grad_b
