"""Plain NumPy twins of the pooling kernels (``minigrad._kernels.pooling``), written to be read.

Arrays are ``(planes, D, H, W)``; a window is given by the kernels' bounds: output depth ``a`` reads depths
``range(dep_start[a], dep_stop[a], dep_step)``, output row ``i`` and column ``j`` likewise.
"""

import itertools

import numpy as np

__all__ = ["window_max", "scatter_to_planes", "window_sum", "window_sum_adjoint"]


def window_max(x, *axes):
    """``(values, flat indices)`` of each window's maximum: the first in (d, h, w) order, a NaN winning. ``axes``
    is (start, stop, step) for depth, rows and columns, flattened."""
    planes = x.shape[0]
    ranges = [axes[3 * k : 3 * k + 3] for k in range(3)]
    out = np.empty((planes,) + tuple(len(start) for start, _, _ in ranges), dtype=x.dtype)
    index = np.empty(out.shape, dtype=np.int64)
    for p in range(planes):
        for position in itertools.product(*(range(n) for n in out.shape[1:])):
            taps = [range(start[o], stop[o], step) for o, (start, stop, step) in zip(position, ranges)]
            best, best_index = -np.inf, np.ravel_multi_index([t.start for t in taps], x.shape[1:])
            for tap in itertools.product(*taps):
                if x[(p,) + tap] > best or np.isnan(x[(p,) + tap]):
                    best, best_index = x[(p,) + tap], np.ravel_multi_index(tap, x.shape[1:])
            out[(p,) + position], index[(p,) + position] = best, best_index
    return out, index


def scatter_to_planes(grad, index, plane_size):
    """``result[p, index[p, k]] += grad[p, k]`` into zeros of ``(planes, plane_size)``."""
    result = np.zeros((grad.shape[0], plane_size), dtype=grad.dtype)
    for p in range(grad.shape[0]):
        for k in range(grad.shape[1]):
            result[p, index[p, k]] += grad[p, k]
    return result


def _window(bounds, position):
    """The (D, H, W) slices of output ``position``'s window; ``bounds`` is start and stop per axis, flattened."""
    return tuple(slice(bounds[2 * k][o], bounds[2 * k + 1][o]) for k, o in enumerate(position))


def window_sum(x, *bounds_and_scale):
    """``scale[a, i, j] · Σ_window x[p]`` for every output; arguments: start, stop per axis, then ``scale``."""
    *bounds, scale = bounds_and_scale
    out = np.empty((x.shape[0],) + scale.shape, dtype=x.dtype)
    for position in itertools.product(*(range(n) for n in scale.shape)):
        window = x[(slice(None),) + _window(bounds, position)]
        out[(slice(None),) + position] = window.sum(axis=(1, 2, 3)) * scale[position]
    return out


def window_sum_adjoint(grad, *bounds_scale_and_shape):
    """Each ``scale[a, i, j] · grad[p, a, i, j]`` added to every input of its window."""
    *bounds, scale, shape = bounds_scale_and_shape
    result = np.zeros(shape, dtype=grad.dtype)
    for position in itertools.product(*(range(n) for n in scale.shape)):
        share = grad[(slice(None),) + position] * scale[position]
        result[(slice(None),) + _window(bounds, position)] += share[:, None, None, None]
    return result
