"""Plain NumPy reference for ``minigrad._kernels.conv_gemm``: the oracle for its compiled loops.

The kernel's arguments as it takes them: ``x (N, C, D, H, W)``, the weight as ``(S, O, C k / G + ones)`` slices,
the columns' geometry (D, H, W triples), the ``shift`` in columns from one slice to the next, and ``L`` output
positions. Written for reading: the whole batch's columns from the im2col reference, then one product per slice,
group and image.
"""

import numpy as np

from tests.reference import im2col as columns

__all__ = ["forward", "backward"]


def _slice_columns(cols, a, shift, positions):
    """Slice ``a`` of ``(C k, N, width)`` columns: ``(C k, N, L)`` from column ``a shift`` on."""
    return cols[:, :, a * shift : a * shift + positions]


def forward(x, weight, bias, groups, shift, positions, geometry):
    """``y[n, g] = Σ_a W_a[g] cols_a[g] + b[g]`` as ``(N, O, L)``; with ``ones`` (one more weight column) slice
    0's last column is the bias."""
    slices, filters, width = weight.shape
    cols = columns.im2col(x, *geometry)  # (C k, N, width)
    depth = cols.shape[0] // groups
    y = np.zeros((x.shape[0], filters, positions), np.float64)
    for a in range(slices):
        part = _slice_columns(cols, a, shift, positions).reshape(groups, depth, x.shape[0], positions)
        kernels = weight[a, :, :depth].reshape(groups, filters // groups, depth)
        y += np.einsum("gok,gknl->ngol", kernels, part).reshape(y.shape)
    if width > depth:
        y += weight[0, :, depth][:, None]
    if bias is not None:
        y += bias[:, None]
    return y


def backward(x, x_shape, weight, grad, groups, shift, positions, geometry):
    """``(dx, dWᵀ)``: ``dx = col2im(Σ_a W_aᵀ dy)`` with slice ``a`` added at column ``a shift``, and ``dWᵀ`` as
    ``(S, G, C k / G + ones, O / G)`` (the ones row, if any, sums ``dy``)."""
    slices, filters, width = weight.shape
    n = grad.shape[0]
    per_group = filters // groups
    g = grad.reshape(n, groups, per_group, positions)
    cols = columns.im2col(x, *geometry)
    depth = cols.shape[0] // groups
    full = cols.shape[2]
    dcols = np.zeros((cols.shape[0], n, full), np.float64)
    dw = np.zeros((slices, groups, width, per_group), np.float64)
    for a in range(slices):
        part = _slice_columns(cols, a, shift, positions).reshape(groups, depth, n, positions)
        dw[a, :, :depth] = np.einsum("gknl,ngol->gko", part, g)
        kernels = weight[a, :, :depth].reshape(groups, per_group, depth)
        dcols[:, :, a * shift : a * shift + positions] += np.einsum("gok,ngol->gknl", kernels, g).reshape(
            cols.shape[0], n, positions
        )
    if width > depth:
        dw[0, :, depth] = g.sum((0, 3))
    return columns.col2im(dcols, x_shape, *geometry), dw
