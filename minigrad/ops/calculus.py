"""Finite differences and integrals along a dim: ``diff``, ``gradient``, ``trapezoid`` (``trapz``),
``cumulative_trapezoid``.

All are sums of shifted slices (``narrow`` views) with constant weights, written in Tensor ops: their gradients,
and second derivatives, come from those ops.
"""

import numpy as np

from ..autograd.tensor import Tensor
from ._util import float_operand, wrap
from .shape import cat, normalize_dim, normalize_dims


def _shifted(x, axis, start, length):
    return x.narrow(axis, start, length)


def _along(values, axis, ndim):
    """A 1-d array of weights shaped to broadcast along ``axis`` of an ``ndim``-d tensor."""
    return values.reshape([-1 if d == axis else 1 for d in range(ndim)])


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002 - torch's argument name
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i+1] - x[i]``, applied ``n`` times, after
    concatenating ``prepend`` / ``append`` to ``x`` along ``dim`` (bools: ``x[i+1] != x[i]``). Gradient: the
    differences' transpose applied to ``g``.

    >>> minigrad.diff(minigrad.tensor([1, 3, 6, 10]))
    tensor([2, 3, 4])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = normalize_dim(dim, input.ndim)
    if n == 0:  # torch ignores prepend and append then
        return input.clone()
    pieces = [
        t if isinstance(t, Tensor) else wrap(np.asarray(t, input._data.dtype))
        for t in (prepend, input, append)
        if t is not None
    ]
    x = cat(pieces, axis) if len(pieces) > 1 else input
    for _ in range(n):
        length = x.shape[axis] - 1
        if length <= 0:
            return x.narrow(axis, 0, 0)
        later, earlier = _shifted(x, axis, 1, length), _shifted(x, axis, 0, length)
        x = later.logical_xor(earlier) if x._data.dtype == np.bool_ else later - earlier
    return x


def _spacings(input, spacing, axes):
    """One spacing per axis: a number (equal steps) or a 1-d coordinate tensor."""
    if spacing is None or isinstance(spacing, (int, float)):
        return [1 if spacing is None else spacing] * len(axes)
    spacing = [s.item() if isinstance(s, Tensor) and s.ndim == 0 else s for s in spacing]
    if len(spacing) != len(axes):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have "
            f"the same length, but got a spacing argument of length {len(spacing)} and a dim argument of length "
            f"{len(axes)}."
        )
    for s, axis in zip(spacing, axes):
        if isinstance(s, Tensor) and (s.ndim != 1 or s.shape[0] != input.shape[axis]):
            raise RuntimeError(
                "torch.gradient expected each tensor to be on the same device, as the input, and to have a "
                f"size of {input.shape[axis]} along dim {axis}"
            )
    return spacing


def _uniform_gradient(f, axis, h, edge_order):
    n = f.shape[axis]
    interior = (_shifted(f, axis, 2, n - 2) - _shifted(f, axis, 0, n - 2)) / (2 * h)
    first, second, third = (_shifted(f, axis, k, 1) for k in range(3))
    last, before_last, third_last = (_shifted(f, axis, n - 1 - k, 1) for k in range(3))
    if edge_order == 1:
        start, end = (second - first) / h, (last - before_last) / h
    else:
        start = (first * -3 + second * 4 - third) / (2 * h)
        end = (last * 3 - before_last * 4 + third_last) / (2 * h)
    return cat([start, interior, end], axis)


def _coordinate_gradient(f, axis, x, edge_order):
    """Second-order central differences on uneven steps (the exact derivative of the parabola through three
    neighbours); one-sided at the ends."""
    n, dtype = f.shape[axis], f._data.dtype
    steps = np.diff(x).astype(dtype)

    def weights(values):
        return wrap(_along(np.asarray(values, dtype), axis, f.ndim))

    left, right = steps[:-1], steps[1:]
    denominator = left * right * (left + right)
    interior = (
        _shifted(f, axis, 2, n - 2) * weights(left**2 / denominator)
        - _shifted(f, axis, 0, n - 2) * weights(right**2 / denominator)
        + _shifted(f, axis, 1, n - 2) * weights((right**2 - left**2) / denominator)
    )
    ends = [_shifted(f, axis, k, 1) for k in (0, 1, 2, n - 3, n - 2, n - 1)]
    if edge_order == 1:
        start = (ends[1] - ends[0]) / float(steps[0])
        end = (ends[5] - ends[4]) / float(steps[-1])
    else:
        h1, h2 = float(steps[0]), float(steps[1])
        start = (
            ends[0] * (-(2 * h1 + h2) / (h1 * (h1 + h2)))
            + ends[1] * ((h1 + h2) / (h1 * h2))
            - ends[2] * (h1 / (h2 * (h1 + h2)))
        )
        h1, h2 = float(steps[-2]), float(steps[-1])
        end = (
            ends[3] * (h2 / (h1 * (h1 + h2)))
            - ends[4] * ((h1 + h2) / (h1 * h2))
            + ends[5] * ((2 * h2 + h1) / (h2 * (h1 + h2)))
        )
    return cat([start, interior, end], axis)


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002 - torch's argument name
    """The derivative estimate of ``input`` along each dim in ``dim`` (all by default), one tensor per dim: central
    differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the ends. ``spacing`` is a
    number, one number per dim, or one 1-d coordinate tensor per dim. Gradient: the stencil's transpose.

    >>> minigrad.gradient(minigrad.tensor([1.0, 2.0, 4.0, 8.0]))
    (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        axes = list(range(input.ndim))
    elif isinstance(dim, (int, np.integer)):
        axes = [normalize_dim(dim, input.ndim)]
    else:
        normalize_dims(dim, input.ndim)  # raises on a repeated dim
        axes = [normalize_dim(d, input.ndim) for d in dim]  # in the caller's order: one result per dim
    spacings = _spacings(input, spacing, axes)
    for axis in axes:
        if input.shape[axis] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    f = float_operand(input)
    results = []
    for axis, step in zip(axes, spacings):
        if isinstance(step, Tensor):
            results.append(_coordinate_gradient(f, axis, step._data.astype(np.float64), edge_order))
        else:
            results.append(_uniform_gradient(f, axis, step, edge_order))
    return tuple(results)


def _widths(y, x, axis):
    """``Δx`` along ``axis``: the differences of the sample points (in their own dtype, as torch), shaped to
    broadcast with ``y``'s neighbour sums."""
    n = y.shape[axis]
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(
                f"trapezoid: There must be one `x` value for each sample point, but got {x.shape[0]} x values "
                f"and {n} sample points"
            )
        return diff(x).reshape([-1 if d == axis else 1 for d in range(y.ndim)])
    return diff(x, dim=axis - y.ndim)


def _neighbour_sums(y, axis):
    """``y[i] + y[i+1]`` along ``axis`` (in ``y``'s dtype, as torch: small integers wrap around)."""
    n = y.shape[axis]
    return _shifted(y, axis, 1, n - 1) + _shifted(y, axis, 0, n - 1)


def _trapezoid_input(y, x, dx, dim):
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: cannot specify both x and dx")
    if isinstance(x, (int, float)):  # trapz(y, dx) in torch's positional form
        x, dx = None, x
    return x, 1 if dx is None else dx, normalize_dim(dim, y.ndim)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """``∫ y`` along ``dim`` by the trapezoidal rule: ``Σ (y[i] + y[i+1]) / 2 · Δx[i]``, with ``Δx`` from the
    sample points ``x`` (1-d, or broadcasting with ``y``) or the constant ``dx`` (default 1). Gradient: each
    ``y[i]`` gets ``g`` times its two half-widths.

    >>> minigrad.trapezoid(minigrad.tensor([1.0, 2.0, 4.0]))
    tensor(4.5000)
    """
    x, dx, axis = _trapezoid_input(y, x, dx, dim)
    if y.shape[axis] == 0:
        return float_operand(y).sum(axis)
    if x is None:  # the sum less half the two ends: one pass over y
        return (y.sum(axis) - (y.select(axis, 0) + y.select(axis, -1)) * 0.5) * dx
    return ((_widths(y, x, axis) * _neighbour_sums(y, axis)) / 2.0).sum(axis)


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` under its older name. Gradient: ``trapezoid``'s.

    >>> minigrad.trapz(minigrad.tensor([1.0, 2.0, 4.0]), dx=2.0)
    tensor(9.)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running ``trapezoid`` integral along ``dim``: ``out[i] = Σ_{j≤i} (y[j] + y[j+1]) / 2 · Δx[j]`` (one
    entry fewer than ``y`` along ``dim``). Gradient: the running sums' transpose.

    >>> minigrad.cumulative_trapezoid(minigrad.tensor([1.0, 2.0, 4.0]))
    tensor([1.5000, 4.5000])
    """
    x, dx, axis = _trapezoid_input(y, x, dx, dim)
    if y.shape[axis] == 0:
        return float_operand(y)
    if x is None:
        return (_neighbour_sums(y, axis) * (dx / 2.0)).cumsum(axis)
    return ((_widths(y, x, axis) * _neighbour_sums(y, axis)) / 2.0).cumsum(axis)
