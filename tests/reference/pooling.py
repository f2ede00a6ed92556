"""Plain NumPy twins of the pooling kernels (``minigrad._kernels.pooling``), written to be read.

Arrays are ``(planes, H, W)``; a window is given by the kernels' bounds: output row ``i`` reads rows
``range(row_start[i], row_stop[i], row_step)``, output column ``j`` likewise.
"""

import numpy as np

__all__ = ["window_max", "scatter_to_planes", "window_sum", "window_sum_adjoint"]


def window_max(x, row_start, row_stop, row_step, col_start, col_stop, col_step):
    """``(values, flat indices)`` of each window's maximum: the first in row-major order, a NaN winning."""
    planes, _, width = x.shape
    out = np.empty((planes, len(row_start), len(col_start)), dtype=x.dtype)
    index = np.empty(out.shape, dtype=np.int64)
    for p in range(planes):
        for i in range(len(row_start)):
            for j in range(len(col_start)):
                best, best_index = -np.inf, row_start[i] * width + col_start[j]
                for h in range(row_start[i], row_stop[i], row_step):
                    for w in range(col_start[j], col_stop[j], col_step):
                        if x[p, h, w] > best or np.isnan(x[p, h, w]):
                            best, best_index = x[p, h, w], h * width + w
                out[p, i, j], index[p, i, j] = best, best_index
    return out, index


def scatter_to_planes(grad, index, plane_size):
    """``result[p, index[p, k]] += grad[p, k]`` into zeros of ``(planes, plane_size)``."""
    result = np.zeros((grad.shape[0], plane_size), dtype=grad.dtype)
    for p in range(grad.shape[0]):
        for k in range(grad.shape[1]):
            result[p, index[p, k]] += grad[p, k]
    return result


def window_sum(x, row_start, row_stop, col_start, col_stop, scale):
    """``scale[i, j] · Σ_window x[p]`` for every output."""
    out = np.empty((x.shape[0], len(row_start), len(col_start)), dtype=x.dtype)
    for i in range(len(row_start)):
        for j in range(len(col_start)):
            window = x[:, row_start[i] : row_stop[i], col_start[j] : col_stop[j]]
            out[:, i, j] = window.sum(axis=(1, 2)) * scale[i, j]
    return out


def window_sum_adjoint(grad, row_start, row_stop, col_start, col_stop, scale, shape):
    """Each ``scale[i, j] · grad[p, i, j]`` added to every input of window (i, j)."""
    result = np.zeros(shape, dtype=grad.dtype)
    for i in range(len(row_start)):
        for j in range(len(col_start)):
            result[:, row_start[i] : row_stop[i], col_start[j] : col_stop[j]] += (grad[:, i, j] * scale[i, j])[
                :, None, None
            ]
    return result
